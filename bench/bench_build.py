"""Build throughput against raw model.encode, and the cost of an incremental rebuild.

    .venv/bin/python bench/bench_build.py [--articles 2000]

1. Generates a 2,000-article archive from ../shared/eval passages (in a temp folder).
2. Full build with ``sync_index`` (scan, parse, chunk, embed, FAISS, SQLite, BM25, manifest):
   chunks/s, versus raw ``SentenceTransformer.encode`` on exactly the texts the build embedded,
   in the same process, so both see the same machine. Overhead = 1 - build/raw throughput.
   The raw encode runs before and after the build (their mean is the reference), and the time
   spent outside the model during the build is reported too.
3. Edits one article and rebuilds: time as a share of the full build.
Prints a table and writes bench/out/build.json.

    .venv/bin/python bench/bench_build.py --encoders fp32,int8 [--articles 300]

compares document encoders instead: a full build of the same archive with each, in this order
and in the same process, reporting passages (chunks) per second and each build's seconds by
stage (parse, chunk, tokenise, embed, bm25, write; ``BuildReport.stages``). Writes
bench/out/build_encoders.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_archive  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.index.build import sync_index  # noqa: E402
from qa.index.embedding import Embedder, RecordingEmbedder, load_embedder  # noqa: E402


class _TimedEmbedder(RecordingEmbedder):
    """Records the texts and the seconds spent inside the model, so the build's own work
    (scan, parse, chunk, FAISS, SQLite, BM25, manifest) is measured directly too."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.seconds = 0.0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool | None = None
    ) -> np.ndarray:
        t0 = time.perf_counter()
        try:
            return super().encode(texts, batch_size=batch_size, show_progress=show_progress)
        finally:
            self.seconds += time.perf_counter() - t0


class _NullEmbedder(RecordingEmbedder):
    """Records what a build would embed without running the model."""

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool | None = None
    ) -> np.ndarray:
        self.texts.extend(texts)
        return np.eye(len(texts), self.dim, dtype=np.float32)


def _raw_encode_s(embedder: Embedder, texts: list[str]) -> float:
    t0 = time.perf_counter()
    embedder.model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    return time.perf_counter() - t0


def compare_encoders(encoders: list[str], n_articles: int, out: str) -> int:
    """Full builds of one archive with each document encoder; passages/s and stages."""
    rows, result = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        write_archive(seeds, n_articles)
        for encoder in encoders:
            embedder = load_embedder(encoder=encoder)
            embedder.encode(["warm up"] * 8)
            t0 = time.perf_counter()
            report = sync_index(seeds, Path(tmp) / encoder, embedder=embedder, progress=False)
            seconds = time.perf_counter() - t0
            stages = dict(report.stages)
            result[encoder] = {
                "articles": len(report.added),
                "passages": report.chunks_embedded,
                "build_s": round(seconds, 2),
                "passages_per_s": round(report.chunks_embedded / seconds, 1),
                "stages_s": {k: round(v, 3) for k, v in stages.items()},
            }
            split = ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
            rows.append(
                (
                    encoder,
                    report.chunks_embedded,
                    f"{seconds:.1f}",
                    f"{report.chunks_embedded / seconds:.1f}",
                    split,
                )
            )
    if len(encoders) > 1:
        first, last = result[encoders[0]], result[encoders[-1]]
        result["speedup"] = round(last["passages_per_s"] / first["passages_per_s"], 2)
    write_json(out, result)
    print_table(("encoder", "passages", "build s", "passages/s", "seconds by stage"), rows)
    if "speedup" in result:
        print(f"{encoders[-1]} / {encoders[0]} throughput: {result['speedup']}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="2000; 300 with --encoders")
    parser.add_argument("--out", default=None)
    parser.add_argument("--encoders", help="compare document encoders, e.g. fp32,int8")
    args = parser.parse_args()
    folder = Path(__file__).parent / "out"
    if args.encoders:
        return compare_encoders(
            args.encoders.split(","),
            args.articles or 300,
            args.out or str(folder / "build_encoders.json"),
        )
    args.articles = args.articles or 2000
    args.out = args.out or str(folder / "build.json")
    model = load_embedder()
    model.model.encode(["warm up"] * 8)
    embedder = _TimedEmbedder(model)
    with tempfile.TemporaryDirectory() as tmp:
        seeds, index = Path(tmp) / "seeds", Path(tmp) / "index"
        paths = write_archive(seeds, args.articles)
        dry = _NullEmbedder(model)
        sync_index(seeds, Path(tmp) / "dry", embedder=dry, progress=False)
        texts = list(dry.texts)
        # Raw encode before and after the build, so a drift of the machine's speed during
        # the run is averaged out rather than charged to (or credited to) the pipeline.
        raw_before = _raw_encode_s(model, texts)
        t0 = time.perf_counter()
        full = sync_index(seeds, index, embedder=embedder, progress=False)
        full_s = time.perf_counter() - t0
        raw_after = _raw_encode_s(model, texts)
        assert embedder.texts == texts, "the build embedded other texts than the dry run"
        raw_s = (raw_before + raw_after) / 2
        inside_s = embedder.seconds
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
        "raw_encode_s": [round(raw_before, 2), round(raw_after, 2)],
        "raw_chunks_per_s": round(len(texts) / raw_s, 1),
        "overhead_pct": round(100 * (1 - raw_s / full_s), 1),
        "outside_model_s": round(full_s - inside_s, 2),
        "outside_model_pct": round(100 * (full_s - inside_s) / full_s, 1),
        "incremental_s": round(incr_s, 2),
        "incremental_changed": list(incr.changed),
        "incremental_chunks_embedded": incr.chunks_embedded,
        "incremental_pct_of_full": round(100 * incr_s / full_s, 2),
    }
    write_json(args.out, result)
    header = (
        "articles",
        "chunks",
        "build chunks/s",
        "raw encode chunks/s",
        "overhead",
        "build outside the model",
        "incremental (1 edit)",
        "share of full",
    )
    row = (
        result["articles"],
        result["chunks"],
        result["build_chunks_per_s"],
        result["raw_chunks_per_s"],
        f"{result['overhead_pct']}%",
        f"{result['outside_model_s']} s ({result['outside_model_pct']}%)",
        f"{result['incremental_s']} s",
        f"{result['incremental_pct_of_full']}%",
    )
    print_table(header, [row])
    return 0


if __name__ == "__main__":
    sys.exit(main())
