"""Query latency of ``Retriever.search`` (model loaded, k=10) at 10k, 100k and 1M chunks.

    .venv/bin/python bench/bench_search.py [--sizes 10000 100000 1000000] [--queries 200]

Chunk texts are real passages from ../shared/eval (cut to ~120 words, repeated with small
variations at the larger sizes), so BM25 posting lists have realistic lengths. Vectors are the
real model's for the smallest size; for the larger ones they are random unit vectors (an exact
flat index costs the same whatever the numbers are), or with ``--noise SIGMA`` real vectors
repeated with Gaussian noise of that norm and normalised again, which an HNSW graph sees as
real data (random vectors are its worst case); its recall@10 against the exact scan is then
reported too. ``--vectors-from`` may be given several times: the real passages of all those
indexes (``qa eval --work`` keeps them) are pooled, a size up to the pool's is real passages
only, and a larger one is the whole pool followed by noisy copies of it. A copy is as far from
its siblings as the noise makes it: norm 0.5 puts two copies at cosine ~0.8, where a real
passage's nearest other passage sits (median 0.82 over the 70,518 passages of the five English
dev sets); copies much closer than that are near-duplicates that no real archive holds a
hundred of, and that defeat a graph's neighbour pruning. Queries are real questions from
xquad_en and rgb_en_fact. Also times FAISS alone, flat against IVF (approximate), to show where an
approximate index takes over. Prints a table and writes bench/out/search.json.

``--query-encoders fp32,int8`` (the default) times each query encoder against the same index of
fp32 document vectors, in turns over the same questions: one row per size and encoder.
``--approximate`` gives the indexes of ``ApproxConfig.min_passages`` passages or more the HNSW
graph a build would give them (``--min-passages`` overrides the threshold), so the search p50
is the product's at that size; the "index" column says which.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from corpus import EVAL, passages  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.index import approximate, store  # noqa: E402
from qa.index.approximate import ApproxConfig  # noqa: E402
from qa.index.embedding import load_embedder  # noqa: E402
from qa.index.lexical import ArticleLexicalIndex, LexicalIndex  # noqa: E402
from qa.index.manifest import search_settings, vector_settings  # noqa: E402
from qa.ingest.chunking import ChunkingConfig, chunk_id  # noqa: E402
from qa.models import Article, Chunk  # noqa: E402
from qa.search.retriever import load_retriever  # noqa: E402

CHUNKS_PER_ARTICLE = 8


def chunk_texts(n: int) -> list[str]:
    """``n`` passage-sized texts (about 120 words) from the evaluation corpora."""
    pieces = []
    for _, text in passages():
        words = text.split()
        pieces.extend(" ".join(words[i : i + 120]) for i in range(0, len(words), 120))
    out = []
    for i in range(n):
        base = pieces[i % len(pieces)]
        out.append(base if i < len(pieces) else f"{base} (edition {i // len(pieces)})")
    return out


def real_chunks(index_dirs: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The texts and real model vectors of every chunk of these indexes (built by ``qa
    eval``), in turn."""
    import faiss

    texts, vectors = [], []
    for index_dir in index_dirs:  # read from the store: any lexical recipe will do
        gen = store.require_generation(Path(index_dir))
        dense = store.read_dense(gen)
        ids = faiss.vector_to_array(dense.id_map).astype(np.int64)
        table = store.ChunkTable(gen / store.TABLE)
        chunks = table.chunks([int(i) for i in ids])
        table.close()
        texts.extend(chunks[int(i)].text for i in ids)
        vectors.append(np.vstack([dense.reconstruct(int(i)) for i in ids]).astype(np.float32))
    return texts, np.vstack(vectors)


def questions(n: int) -> list[str]:
    out = []
    for name in ("xquad_en", "rgb_en_fact"):
        with open(EVAL / name / "queries.jsonl", encoding="utf-8") as fh:
            out.extend(json.loads(line)["text"] for line in fh)
    random.Random(0).shuffle(out)
    return out[:n]


def build_generation(
    index_dir: Path, texts: list[str], vectors: np.ndarray, embedder, approx: ApproxConfig | None
) -> tuple[str, object, object]:
    """Write a live generation straight from texts and vectors (no chunking, no encoding);
    with an HNSW graph when ``approx`` says the size calls for one. Returns the index kind,
    the exact index and the graph (or None)."""
    gen = store.new_generation(index_dir)
    table = store.ChunkTable(gen / store.TABLE, writable=True)
    day0 = dt.date(2019, 1, 1)
    articles, chunks, entries = [], [], {}
    for a in range(0, len(texts), CHUNKS_PER_ARTICLE):
        aid = f"a{a // CHUNKS_PER_ARTICLE:07d}"
        part = texts[a : a + CHUNKS_PER_ARTICLE]
        body = "\n\n".join(part)
        articles.append(
            Article(
                aid,
                f"Article {aid}",
                day0 + dt.timedelta(days=a % 2000),
                None,
                body,
                f"bench:{aid}",
                aid,
            )
        )
        start, ids = 0, []
        for j, text in enumerate(part):
            cid = chunk_id(aid, start, start + len(text), text)
            chunks.append(Chunk(cid, aid, j, start, start + len(text), text))
            ids.append(cid)
            start += len(text) + 2
        entries[aid] = {"hash": aid, "path": f"bench:{aid}", "chunk_ids": ids}
    table.add(articles, chunks)
    table.commit()
    dense = store.empty_dense(vectors.shape[1])
    dense.add_with_ids(vectors, np.array([c.id for c in chunks], dtype=np.int64))
    store.write_dense(gen, dense)
    kind = approximate.kind_for(len(texts), approx is None, approx or ApproxConfig())
    graph = None
    if kind == "hnsw" and approx is not None:
        t0 = time.perf_counter()
        graph = approximate.from_exact(dense, approx)
        approximate.write(gen, graph)
        print(f"HNSW graph of {len(texts)} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    ids_sorted = sorted(c.id for c in chunks)
    by_id = {c.id: c.text for c in chunks}
    (gen / store.LEXICAL).mkdir()
    LexicalIndex.build([by_id[i] for i in ids_sorted], np.array(ids_sorted)).save(
        gen / store.LEXICAL
    )
    ArticleLexicalIndex.build(table.article_texts()).save(gen / store.ARTICLE_LEXICAL)
    table.close()
    manifest = (
        vector_settings(embedder, ChunkingConfig())
        | search_settings()
        | {
            "articles": entries,
            "skipped": [],
            "dense_index": approximate.record(kind, approx is None, approx or ApproxConfig()),
        }
    )
    store.write_manifest(gen, manifest)
    store.publish(index_dir, gen)
    return kind, dense, graph


def percentiles(samples: list[float]) -> tuple[float, float]:
    ms = np.array(samples) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 95))


def time_search(retriever, qs: list[str]) -> tuple[float, float]:
    for q in qs[:10]:
        retriever.search(q, k=10)
    samples = []
    for q in qs:
        t0 = time.perf_counter()
        retriever.search(q, k=10)
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def noisy_copies(real: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """``size`` unit vectors: ``real`` itself, then copies of it, each moved by noise of norm
    ~``sigma``."""
    rng = np.random.default_rng(size)
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real[:size]
    step = 100_000
    for start in range(len(real), size, step):
        n = min(step, size - start)
        base = real[np.arange(start, start + n) % len(real)]
        noise = rng.standard_normal(base.shape, dtype=np.float32) * (sigma / np.sqrt(base.shape[1]))
        block = base + noise
        out[start : start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def hnsw_recall(exact: object, graph: object, queries: np.ndarray) -> float:
    """recall@10 of the product's HNSW graph (its build and efSearch) against the exact scan."""
    _, truth = exact.search(queries, 10)  # type: ignore[attr-defined]
    _, found = graph.search(queries, 10)  # type: ignore[attr-defined]
    return round(float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)])), 3)


def time_faiss(vectors: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """FAISS alone: exact flat vs IVF (nprobe 16), one query at a time, one thread."""
    import faiss

    faiss.omp_set_num_threads(1)
    out = {}
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    nlist = int(4 * np.sqrt(len(vectors)))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    faiss.omp_set_num_threads(2)
    sample = vectors[
        np.random.default_rng(0).choice(len(vectors), min(len(vectors), 50 * nlist), replace=False)
    ]
    ivf.train(sample)
    ivf.add(vectors)
    ivf.nprobe = 16
    faiss.omp_set_num_threads(1)
    for name, index in (("flat", flat), ("ivf", ivf)):
        samples = []
        for q in queries:
            t0 = time.perf_counter()
            index.search(q[None, :], 10)
            samples.append(time.perf_counter() - t0)
        out[f"faiss_{name}_p50_ms"] = round(percentiles(samples)[0], 2)
    _, exact = flat.search(queries, 10)
    _, approx = ivf.search(queries, 10)
    out["ivf_recall@10"] = round(
        float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact)])), 3
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--vectors-from",
        metavar="INDEX",
        action="append",
        help="take texts and real vectors from this index (e.g. the scifact index that "
        "bench/eval_all.sh keeps) instead of embedding them here; repeat it to pool several",
    )
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "search.json"))
    parser.add_argument(
        "--query-encoders",
        default="fp32,int8",
        help="query encoders to time, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--approximate", action="store_true", help="HNSW from the threshold")
    parser.add_argument(
        "--noise",
        type=float,
        metavar="SIGMA",
        help="larger sizes: the real vectors repeated with noise of norm SIGMA (e.g. 0.3), "
        "not random ones",
    )
    parser.add_argument("--skip-ivf", action="store_true", help="do not train the IVF index")
    parser.add_argument("--min-passages", type=int, help="threshold for --approximate")
    parser.add_argument(
        "--keep", metavar="DIR", help="build the largest size's index in DIR and keep it"
    )
    args = parser.parse_args()
    approx = None
    if args.approximate:
        approx = ApproxConfig(min_passages=args.min_passages or ApproxConfig().min_passages)
    embedder = load_embedder()
    encoders = args.query_encoders.split(",")
    qs = questions(args.queries)
    rows = []
    real = np.zeros((1, embedder.dim), dtype=np.float32)  # the smallest size's, once embedded
    pool_texts, pool = real_chunks(args.vectors_from) if args.vectors_from else ([], real[:0])
    for size in args.sizes:
        texts = chunk_texts(size)
        if size <= len(pool):
            texts, vectors = pool_texts[:size], pool[:size]
        elif len(pool) and args.noise:
            real = pool  # copies: the source passage's words, the source vector moved
            texts = [pool_texts[i % len(pool)] for i in range(size)]
            texts[len(pool) :] = [
                f"{t} (edition {i // len(pool)})"
                for i, t in enumerate(texts[len(pool) :], len(pool))
            ]
            vectors = noisy_copies(real, size, args.noise)
        elif len(pool):
            raise SystemExit(f"--vectors-from holds {len(pool)} chunks, fewer than {size}")
        elif size == min(args.sizes):
            t0 = time.perf_counter()
            vectors = embedder.encode(texts, batch_size=64, show_progress=True)
            print(f"embedded {size} chunks in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        elif args.noise:
            vectors = noisy_copies(real, size, args.noise)
        else:
            rng = np.random.default_rng(size)
            vectors = rng.standard_normal((size, embedder.dim), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        if size == min(args.sizes):
            real = vectors
        with tempfile.TemporaryDirectory() as scratch:
            tmp = args.keep if args.keep and size == max(args.sizes) else scratch
            t0 = time.perf_counter()
            kind, exact, graph = build_generation(Path(tmp), texts, vectors, embedder, approx)
            built = time.perf_counter() - t0
            timed = {}
            for encoder in encoders:
                t0 = time.perf_counter()
                retriever = load_retriever(tmp, embedder=load_embedder(encoder=encoder))
                loaded = time.perf_counter() - t0
                timed[encoder] = (*time_search(retriever, qs), loaded)
                retriever.close()
        query_vectors = embedder.encode(qs[:100])
        faiss_times = {} if args.skip_ivf else time_faiss(vectors, query_vectors)
        if size != min(args.sizes) and not args.noise:  # random vectors: recall meaningless
            faiss_times["ivf_recall@10"] = None
        if graph is not None:
            faiss_times["hnsw_recall@10"] = hnsw_recall(exact, graph, query_vectors)
        del exact, graph
        for encoder, (p50, p95, loaded) in timed.items():
            row = {
                "chunks": size,
                "vectors": "synthetic"
                if size > len(pool) and (len(pool) or size != min(args.sizes))
                else "real",
                "query_encoder": encoder,
                "index": kind,
                "p50_ms": round(p50, 1),
                "p95_ms": round(p95, 1),
                "load_s": round(loaded, 1),
                "write_s": round(built, 1),
            } | faiss_times
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    write_json(args.out, rows)
    header = (
        "chunks",
        "vectors",
        "query encoder",
        "index",
        "search p50",
        "search p95",
        "FAISS flat p50",
        "FAISS IVF p50",
        "IVF recall@10",
        "HNSW recall@10",
        "index load",
    )
    print_table(
        header,
        [
            (
                f"{r['chunks']:,}",
                r["vectors"],
                r["query_encoder"],
                r["index"],
                f"{r['p50_ms']} ms",
                f"{r['p95_ms']} ms",
                f"{r.get('faiss_flat_p50_ms', '-')} ms",
                f"{r.get('faiss_ivf_p50_ms', '-')} ms",
                r.get("ivf_recall@10"),
                r.get("hnsw_recall@10"),
                f"{r['load_s']} s",
            )
            for r in rows
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
