"""Build throughput against raw model.encode, and the cost of an incremental rebuild.

    .venv/bin/python bench/bench_build.py [--articles 2000]

1. Generates a 2,000-article archive from ../shared/eval passages (in a temp folder).
2. Full build with ``sync_index`` (scan, parse, chunk, embed, FAISS, SQLite, BM25, manifest):
   chunks/s, versus raw ``SentenceTransformer.encode`` on exactly the texts the build embedded,
   in the same process, so both see the same machine. Overhead = 1 - build/raw throughput.
3. Edits one article and rebuilds: time as a share of the full build.
Prints a table and writes bench/out/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_archive  # noqa: E402

from qa.build import sync_index  # noqa: E402
from qa.embedding import RecordingEmbedder, load_embedder  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "build.json"))
    args = parser.parse_args()
    embedder = RecordingEmbedder(load_embedder())
    embedder.model.encode(["warm up"] * 8)
    with tempfile.TemporaryDirectory() as tmp:
        seeds, index = Path(tmp) / "seeds", Path(tmp) / "index"
        paths = write_archive(seeds, args.articles)
        t0 = time.perf_counter()
        full = sync_index(seeds, index, embedder=embedder, progress=False)
        full_s = time.perf_counter() - t0
        texts = list(embedder.texts)
        t0 = time.perf_counter()
        embedder.model.encode(
            texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True
        )
        raw_s = time.perf_counter() - t0
        paths[len(paths) // 2].write_text(
            paths[len(paths) // 2].read_text() + "\nA late correction was added.\n"
        )
        t0 = time.perf_counter()
        incr = sync_index(seeds, index, embedder=embedder, progress=False)
        incr_s = time.perf_counter() - t0
    result = {
        "articles": len(full.added),
        "chunks": full.chunks_embedded,
        "full_build_s": round(full_s, 2),
        "build_chunks_per_s": round(full.chunks_embedded / full_s, 1),
        "raw_encode_s": round(raw_s, 2),
        "raw_chunks_per_s": round(len(texts) / raw_s, 1),
        "overhead_pct": round(100 * (1 - raw_s / full_s), 1),
        "incremental_s": round(incr_s, 2),
        "incremental_changed": list(incr.changed),
        "incremental_chunks_embedded": incr.chunks_embedded,
        "incremental_pct_of_full": round(100 * incr_s / full_s, 2),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(
        "| articles | chunks | build chunks/s | raw encode chunks/s | overhead | "
        "incremental (1 edit) | share of full |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {result['articles']} | {result['chunks']} | {result['build_chunks_per_s']} | "
        f"{result['raw_chunks_per_s']} | {result['overhead_pct']}% | "
        f"{result['incremental_s']} s | {result['incremental_pct_of_full']}% |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
