"""Build throughput with Ray workers beside the plain build, same archive, same run.

    .venv/bin/python bench/bench_ray_build.py [--articles 300] [--workers 2] [--rounds 2]

Generates an archive from ../shared/eval passages (bench/corpus.py), then alternates full
builds of it into a fresh folder: the plain build (one process, torch's threads) and the build
whose embedding runs on ``--workers`` Ray actors (``qa index --ray``: a local Ray on loopback,
one CPU and one torch thread per actor), ``--rounds`` times each, so both see the same
machine. Model loading and Ray's start are outside the timed builds and reported apart.
Writes bench/out/ray_build.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_archive  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.index.build import sync_index  # noqa: E402
from qa.index.distributed import ray_embedder  # noqa: E402
from qa.index.embedding import load_embedder  # noqa: E402


def timed_build(archive: Path, embedder) -> dict:
    with tempfile.TemporaryDirectory() as index:
        t0 = time.perf_counter()
        report = sync_index(archive, index, embedder=embedder, progress=False)
        seconds = time.perf_counter() - t0
    stages = dict(report.stages)
    return {
        "passages": report.chunks_embedded,
        "seconds": round(seconds, 1),
        "embed_s": round(stages.get("embed", 0.0), 1),
        "passages_per_s": round(report.chunks_embedded / seconds, 1),
        "load_avg": round(os.getloadavg()[0], 1),  # the machine is shared: say how busy
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "ray_build.json"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="qa-bench-ray-") as tmp:
        archive = Path(tmp) / "archive"
        write_archive(archive, args.articles)
        t0 = time.perf_counter()
        plain = load_embedder()
        loaded = time.perf_counter() - t0
        t0 = time.perf_counter()
        with ray_embedder("local", args.workers) as remote:
            started = time.perf_counter() - t0
            for round_ in range(args.rounds):
                for name, embedder in (("plain", plain), (f"ray x{args.workers}", remote)):
                    row = {"build": name, "round": round_ + 1} | timed_build(archive, embedder)
                    print(row, file=sys.stderr)
                    rows.append(row)
    summary = {"model_load_s": round(loaded, 1), "ray_start_and_model_loads_s": round(started, 1)}
    write_json(args.out, {"articles": args.articles, "rows": rows} | summary)
    print_table(
        ("build", "round", "passages", "seconds", "embed", "passages/s", "load"),
        [
            (
                r["build"],
                r["round"],
                r["passages"],
                r["seconds"],
                r["embed_s"],
                r["passages_per_s"],
                r["load_avg"],
            )
            for r in rows
        ],
    )
    print(
        f"\nmodel load (plain): {loaded:.1f} s; Ray start with its workers' loads: {started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
