"""Wall clock of ``qa ask`` in a fresh process on the seeds: five runs, median.

    .venv/bin/python bench/bench_cold_ask.py [--runs 5] [--compare ../main]

The issue asks for the shell's ``time qa ask ...``; this times the same thing from Python: the
wall clock from spawning ``python -m qa.cli ask QUESTION --index INDEX`` to its exit (what the
``qa`` script runs), so interpreter start, imports, opening the index, loading the query
encoder, searching and answering all count. The seeds index is built first, untimed. Variants,
run in turns so each sees the same machine:

- ``int8``: this checkout, questions embedded by the index's query encoder (int8, no torch);
- ``fp32``: this checkout with ``--query-encoder fp32`` (sentence-transformers on torch);
- ``compared``: another checkout (``--compare DIR``, e.g. main before this change).

Prints a table and writes bench/out/cold_ask.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import print_table, write_json

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Where were the talks with Xu Zhijun held?"


def qa(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONPATH"] = str(checkout)  # that checkout's qa, not an installed one
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def timed_ask(checkout: Path, index: Path, *extra: str) -> float:
    t0 = time.perf_counter()
    done = qa(checkout, "ask", QUESTION, "--index", str(index), *extra)
    seconds = time.perf_counter() - t0
    if "Changchun" not in done.stdout:
        raise SystemExit(f"unexpected answer: {done.stdout}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", metavar="DIR", help="another checkout to time in turns")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "cold_ask.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            "int8": (ROOT, Path(tmp) / "this", ()),
            "fp32": (ROOT, Path(tmp) / "this", ("--query-encoder", "fp32")),
        }
        if args.compare:
            variants["compared"] = (Path(args.compare).resolve(), Path(tmp) / "compared", ())
        for checkout, index, _ in variants.values():
            qa(checkout, "index", "--seeds", str(checkout / "seeds"), "--index", str(index), "-q")
        for name, (checkout, index, extra) in variants.items():
            timed_ask(checkout, index, *extra)  # warms the file cache; not counted
        runs: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.runs):
            for name, (checkout, index, extra) in variants.items():
                runs[name].append(round(timed_ask(checkout, index, *extra), 3))
    medians = {name: round(statistics.median(r), 2) for name, r in runs.items()}
    write_json(args.out, {"question": QUESTION, "runs": runs, "median_s": medians})
    print_table(
        ("variant", "runs (s)", "median"),
        [(name, " ".join(f"{s:.2f}" for s in r), f"{medians[name]} s") for name, r in runs.items()],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
