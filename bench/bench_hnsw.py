"""HNSW against the exact scan: recall@10 and latency by efSearch, and where HNSW pays.

    .venv/bin/python bench/bench_hnsw.py --vectors-from /tmp/qa-eval-21/realtimeqa_2023_en-fp32 \
        [--vectors-from OTHER_INDEX ...] [--sizes 100000 300000] [--queries 200]

1. Real vectors: every vector of the given indexes (built by ``qa eval --work``; read from their
   ``dense.faiss`` without opening them as a reader), queried with real questions (xquad_en and
   rgb_en_fact) embedded by the int8 query encoder. For each efSearch: recall@10 against the
   exact top 10 and the p50 of one query on one thread, with ``ApproxConfig``'s M and
   efConstruction.
2. Synthetic sizes: random unit vectors (the hard case for a graph: no clusters), exact scan p50
   against HNSW p50 at the chosen efSearch, and the seconds to build the graph: how the
   threshold ``ApproxConfig.min_passages`` was chosen. With ``--noise SIGMA`` they are the real
   vectors followed by noisy copies of them instead (``bench_search.noisy_copies``: 0.5 puts
   copies at the cosine of real nearest neighbours), and get step 1's table for each size.
Prints tables and writes bench/out/hnsw.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_search import noisy_copies, questions  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.index import approximate, store  # noqa: E402
from qa.index.approximate import ApproxConfig  # noqa: E402
from qa.index.embedding import load_embedder  # noqa: E402

EF_SEARCH = (16, 32, 64, 128, 256, 512)


def real_vectors(folders: list[str]) -> np.ndarray:
    import faiss

    parts = []
    for folder in folders:
        gen = store.require_generation(Path(folder))
        exact = store.read_dense(gen)  # kept alive while its inner index is read
        flat = faiss.downcast_index(exact.index)
        parts.append(flat.reconstruct_n(0, flat.ntotal))
    return np.ascontiguousarray(np.vstack(parts), dtype=np.float32)


def one_at_a_time(index, queries: np.ndarray, k: int = 10) -> tuple[float, np.ndarray]:
    """p50 milliseconds of single-query searches, and the ids found."""
    samples, found = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        samples.append(time.perf_counter() - t0)
        found.append(ids[0])
    return float(np.median(samples) * 1000), np.array(found)


def graph_of(vectors: np.ndarray, config: ApproxConfig) -> tuple[object, float]:
    import faiss

    exact = faiss.IndexIDMap2(faiss.IndexFlatIP(vectors.shape[1]))
    exact.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
    faiss.omp_set_num_threads(2)  # the graph is built on both cores; queries use one
    t0 = time.perf_counter()
    graph = approximate.from_exact(exact, config)
    built = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    return graph, built


def tune(vectors: np.ndarray, queries: np.ndarray, config: ApproxConfig) -> list[dict]:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    flat_ms, exact = one_at_a_time(flat, queries)
    graph, built = graph_of(vectors, config)
    rows = []
    for ef in EF_SEARCH:
        faiss.downcast_index(graph.index).hnsw.efSearch = ef
        ms, found = one_at_a_time(graph, queries)
        recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)])
        rows.append(
            {
                "passages": len(vectors),
                "ef_search": ef,
                "recall@10": round(float(recall), 4),
                "hnsw_p50_ms": round(ms, 3),
                "flat_p50_ms": round(flat_ms, 3),
                "build_s": round(built, 1),
            }
        )
        print(rows[-1], file=sys.stderr)
    return rows


def sizes(n_values: list[int], queries: np.ndarray, config: ApproxConfig) -> list[dict]:
    import faiss

    rows = []
    for n in n_values:
        rng = np.random.default_rng(n)
        vectors = rng.standard_normal((n, queries.shape[1]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        flat_ms, _ = one_at_a_time(flat, queries)
        graph, built = graph_of(vectors, config)
        ms, _ = one_at_a_time(graph, queries)
        rows.append(
            {"passages": n, "flat_p50_ms": round(flat_ms, 3), "hnsw_p50_ms": round(ms, 3)}
            | {"build_s": round(built, 1), "ef_search": config.ef_search}
        )
        print(rows[-1], file=sys.stderr)
        del graph, flat, vectors
    return rows


def main() -> int:
    import faiss

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors-from", action="append", default=[], metavar="INDEX")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 300_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--noise", type=float, metavar="SIGMA", help="synthetic sizes: noisy copies of the real"
    )
    parser.add_argument("--m", type=int, help="HNSW M (default: ApproxConfig's)")
    parser.add_argument("--ef-construction", type=int, help="default: ApproxConfig's")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "hnsw.json"))
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)  # as the retriever searches: one query, one thread
    default = ApproxConfig()
    config = replace(
        default,
        m=args.m or default.m,
        ef_construction=args.ef_construction or default.ef_construction,
    )
    queries = load_embedder(encoder="int8").encode(questions(args.queries))
    out: dict[str, list[dict]] = {}
    real = real_vectors(args.vectors_from) if args.vectors_from else None
    if args.noise and real is not None:
        for n in args.sizes:
            rows = tune(noisy_copies(real, n, args.noise), queries, config)
            out.setdefault("noisy", []).extend(rows)
        args.sizes = []
    if real is not None:
        out["real"] = tune(real, queries, config)
        print_table(
            ("passages", "efSearch", "recall@10", "HNSW p50", "flat p50", "graph build"),
            [
                (
                    r["passages"],
                    r["ef_search"],
                    r["recall@10"],
                    f"{r['hnsw_p50_ms']} ms",
                    f"{r['flat_p50_ms']} ms",
                    f"{r['build_s']} s",
                )
                for r in out["real"]
            ],
        )
    for r in out.get("noisy", []):
        print(r)
    out["synthetic"] = sizes(args.sizes, queries, config)
    print_table(
        ("passages (random)", "flat p50", f"HNSW p50 (efSearch {config.ef_search})", "graph build"),
        [
            (f"{r['passages']:,}", f"{r['flat_p50_ms']} ms", f"{r['hnsw_p50_ms']} ms", r["build_s"])
            for r in out["synthetic"]
        ],
    )
    write_json(args.out, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
