"""Seconds a build spends per stage: parse, chunk, tokenise, embed, bm25, write, hnsw.

``BuildReport.stages`` carries them; ``qa index -v`` and ``bench/bench_build.py`` print them.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Stages:
    """Seconds spent per build stage; stages may be entered many times and add up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str, minus: str | None = None) -> _Stage:
        """Time a block as ``name``; ``minus`` another stage timed inside it, kept apart."""
        return _Stage(self, name, minus)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def timed(self, name: str, fn: Callable[[str], int]) -> Callable[[str], int]:
        def run(text: str) -> int:
            started = time.perf_counter()
            try:
                return fn(text)
            finally:
                self.add(name, time.perf_counter() - started)

        return run

    def totals(self) -> tuple[tuple[str, float], ...]:
        order = ("load model", "chunk", "tokenise", "embed", "bm25", "write", "hnsw")
        return tuple((n, self.seconds[n]) for n in order if n in self.seconds)


class _Stage:
    def __init__(self, stages: Stages, name: str, minus: str | None) -> None:
        self.stages, self.name, self.minus = stages, name, minus

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        self.inner = self.stages.seconds.get(self.minus, 0.0) if self.minus else 0.0

    def __exit__(self, *exc: object) -> None:
        inner = self.stages.seconds.get(self.minus, 0.0) - self.inner if self.minus else 0.0
        self.stages.add(self.name, time.perf_counter() - self.started - inner)
