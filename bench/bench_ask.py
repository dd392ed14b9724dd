"""Latency of answering one question, model loaded, as ``qa ask`` does it.

Builds (or updates) an index of the seeds, loads the retriever once, warms the model up, then
times ``qa.answer`` (retrieval + sentence selection + citations) and, for comparison,
``Retriever.search`` alone. ``answer`` empties the retriever's sentence-vector cache before each
question, so every sentence is embedded as for a question about articles nobody asked about
yet; ``answer_warm`` keeps it, as an app does when its questions come back to the same articles.

    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_ask.py [--index bench/out/seeds-index]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from corpus import SEED_QUESTIONS, SEEDS

from qa.answering.answerer import answer
from qa.config import AnswerConfig
from qa.index.build import sync_index
from qa.index.embedding import VectorCache
from qa.search.retriever import Retriever, load_retriever

# The seeds' questions, two more they answer (one a "What ...?", whose sentences are parsed)
# and two they cannot (an abstention is timed too).
QUESTIONS = (
    *SEED_QUESTIONS,
    "Who is the chairman of CEC?",
    "What did Nanjing and China Electronics Technology Group Corporation sign?",
    "What is the population of Brazil?",
    "Who won the 2018 World Cup?",
)


def timings(fn: Callable[[str], object], rounds: int) -> list[float]:
    """Milliseconds per call of ``fn`` over every question, ``rounds`` times."""
    out = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            fn(question)
            out.append((time.perf_counter() - started) * 1000)
    return out


def answer_cold(question: str, retriever: Retriever) -> object:
    """``answer`` with no sentence vector kept from an earlier question."""
    retriever.vector_cache = VectorCache()
    return answer(question, retriever)


def summary(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("bench/out/seeds-index"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    sync_index(SEEDS, args.index, progress=False)
    retriever = load_retriever(args.index)
    k = AnswerConfig().k
    timings(lambda q: answer(q, retriever), 1)  # warm-up: first calls pay for lazy setup
    report = {
        "answer": summary(timings(lambda q: answer_cold(q, retriever), args.rounds)),
        "answer_warm": summary(timings(lambda q: answer(q, retriever), args.rounds)),
        "search_only": summary(timings(lambda q: retriever.search(q, k), args.rounds)),
        "k": k,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
