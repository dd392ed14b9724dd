"""Choose the fusion method and dense weight by measurement on the public evaluation sets.

    .venv/bin/python bench/tune_fusion.py --work /tmp/evalwork [--limit 400]

Indexes each set once (kept in --work/<set>, reused next time), then scores every
(fusion, dense_weight) pair by nDCG@10 and answer@5, with query vectors cached so each
configuration costs only the fusion. Prints a table per set and the mean over sets; writes
bench/out/fusion.json.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from corpus import EVAL  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.evaluation.metrics import BeirSet, evaluate_retrieval, load_beir  # noqa: E402
from qa.evaluation.runner import index_corpus  # noqa: E402

SETS = ("scifact_beir", "rgb_en_fact", "xquad_en", "squad2_cs224n_dev")
GRID = [("rrf", w, 0.0) for w in (0.3, 0.5, 0.7)] + [
    ("score", w, c) for w in (0.3, 0.4, 0.5, 0.6, 0.7) for c in (0.0, 0.1)
]


def cache_query_vectors(retriever) -> None:  # type: ignore[no-untyped-def]
    encode = retriever.embedder.encode

    @cache
    def one(text: str):  # type: ignore[no-untyped-def]
        return encode([text], show_progress=False)

    def cached(texts, **kwargs):  # type: ignore[no-untyped-def]
        return one(texts[0]) if len(texts) == 1 else encode(texts, **kwargs)

    retriever.embedder.encode = cached


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="folder for the evaluation indexes")
    parser.add_argument("--limit", type=int, default=400, help="queries per set")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "fusion.json"))
    args = parser.parse_args()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in args.sets:
        beir = load_beir(EVAL / name)
        beir = BeirSet(beir.name, beir.corpus, beir.queries[: args.limit], beir.qrels)
        retriever = index_corpus(beir, Path(args.work) / name, None, progress=True)
        cache_query_vectors(retriever)
        results[name] = {}
        for fusion, weight, context in GRID:

            def search(text: str, n: int) -> list[tuple[str, str]]:
                hits = retriever.search(
                    text, n, fusion=fusion, dense_weight=weight, context_weight=context
                )
                return [(h.article.id, h.text) for h in hits]

            report = evaluate_retrieval(beir, search, k=10, progress=False)
            key = f"{fusion}:{weight}:{context}"
            results[name][key] = {
                "ndcg@10": round(report.ndcg, 4),
                "answer@5": round(report.answer_at_5 or 0.0, 4),
            }
            print(name, key, results[name][key], flush=True)
    keys = [f"{f}:{w}:{c}" for f, w, c in GRID]
    rows = []
    for key in keys:
        cells = [
            f"{results[s][key]['ndcg@10']:.3f} / {results[s][key]['answer@5']:.2f}"
            for s in args.sets
        ]
        mean = sum(results[s][key]["ndcg@10"] for s in args.sets) / len(args.sets)
        rows.append((key, *cells, f"{mean:.4f}"))
    print()
    print_table(("fusion:dense weight:context", *args.sets, "mean nDCG@10"), rows)
    write_json(args.out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
