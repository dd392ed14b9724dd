"""Choose fusion, dense weight, context and the date priors by measurement on the dev sets.

    .venv/bin/python bench/tune_fusion.py --work /tmp/qa-eval               # tune: first halves
    .venv/bin/python bench/tune_fusion.py --work /tmp/qa-eval --half second # report: second
    .venv/bin/python bench/tune_fusion.py --work /tmp/qa-eval --stage zh --limit 150 \
        --sets rgb_zh zh_gov_news zh_news_facts --whole zh_gov_news zh_news_facts
                                                      # the settings of Chinese questions

Indexes each set once (kept in --work/<set>, reused next time, as ``qa eval --work``), then
scores every configuration of the grid by document-level nDCG@10 and Recall@10 (40 passages,
the first 10 distinct documents) and passage-level answer@5, with query vectors cached so
each configuration costs only the search. Questions are asked as of their own date when the
set gives one (realtimeqa), as ``qa eval`` does. The first half of each set's queries (at most
--limit of them) tunes; ``--half second`` scores the same grid on the second half, which
nothing was chosen on. Prints a table per stage and writes bench/out/tune_<half>.json.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from corpus import EVAL  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.evaluation.metrics import BeirQuery, BeirSet, evaluate_retrieval, load_beir  # noqa: E402
from qa.evaluation.runner import index_corpus  # noqa: E402

SETS = ("scifact_beir", "rgb_en_fact", "xquad_en", "squad2_cs224n_dev", "realtimeqa_2023_en")
FUSION_GRID = [
    {"mode": "hybrid", "fusion": f, "dense_weight": w, "context_weight": c}
    for f in ("score", "rrf", "zscore")
    for w in (0.3, 0.4, 0.5, 0.6)
    for c in (0.0, 0.2)
] + [{"mode": "dense"}, {"mode": "lexical"}]
# Where the model does not know the language (Chinese for the English default): the dense
# weight and fusion of Chinese questions (RetrievalConfig.zh_dense_weight, zh_fusion).
ZH_GRID = [
    {"mode": "hybrid", "zh_fusion": f, "zh_dense_weight": w}
    for f in ("score", "rrf", "zscore")
    for w in (0.0, 0.05, 0.1, 0.2, 0.4)
] + [{"mode": "dense"}, {"mode": "lexical"}]
LOCAL = Path(__file__).resolve().parent / "data"  # the project's own sets (zh_gov_news, ...)
PRIOR_GRID = [
    {"recency_prior": r, "period_prior": p, "date_prior": d}
    for r in (0.0, 0.3, 0.6, 0.9)
    for p in (0.0, 0.5, 0.8)
    for d in (0.3,)
]


def cache_query_vectors(retriever: Any) -> None:
    encode = retriever.embedder.encode

    @cache
    def one(text: str) -> Any:
        return encode([text], show_progress=False)

    def cached(texts: list[str], **kwargs: Any) -> Any:
        return one(texts[0]) if len(texts) == 1 else encode(texts, **kwargs)

    retriever.embedder.encode = cached


def half(beir: BeirSet, which: str, limit: int) -> BeirSet:
    """The first or second half of the set's queries, at most ``limit`` of them."""
    middle = len(beir.queries) // 2
    queries = beir.queries[:middle] if which == "first" else beir.queries[middle:]
    return BeirSet(beir.name, beir.corpus, queries[:limit], beir.qrels)


def key(config: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in config.items())


def score(retriever: Any, beir: BeirSet, config: dict[str, Any]) -> dict[str, float]:
    # settings search() takes per call, and the rest of RetrievalConfig (zh_*) set on it
    fixed = {k: v for k, v in config.items() if k.startswith("zh_")}
    asked = {k: v for k, v in config.items() if k not in fixed}
    recorded = retriever.config
    retriever.config = replace(recorded, **fixed)

    def search(query: BeirQuery, n: int) -> list[tuple[str, str]]:
        hits = retriever.search(query.text, n, as_of=query.date, **asked)
        return [(h.article.id, h.text) for h in hits]

    try:
        report = evaluate_retrieval(beir, search, k=10, progress=False)
    finally:
        retriever.config = recorded
    return {
        "ndcg@10": round(report.ndcg, 4),
        "recall@10": round(report.recall[10], 4),
        "answer@5": round(report.answer_at_5 or 0.0, 4),
    }


def run_grid(
    sets: dict[str, tuple[Any, BeirSet]], grid: list[dict[str, Any]], base: dict[str, Any]
) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    for config in grid:
        merged = {**base, **config}
        row = results.setdefault(key(merged), {})
        for name, (retriever, beir) in sets.items():
            row[name] = score(retriever, beir, merged)
        print(key(merged), row, flush=True)
    return results


def table(results: dict[str, dict[str, dict[str, float]]], names: list[str]) -> None:
    rows = []
    for config, by_set in results.items():
        cells = [
            "{:.3f} / {:.3f} / {:.2f}".format(*by_set[s].values())  # nDCG, R@10, answer@5
            for s in names
        ]
        mean = sum(by_set[s]["ndcg@10"] for s in names) / len(names)
        rows.append((config, *cells, f"{mean:.4f}"))
    print()
    print_table(("configuration", *names, "mean nDCG@10"), rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="folder for the evaluation indexes")
    parser.add_argument("--half", choices=("first", "second"), default="first")
    parser.add_argument("--limit", type=int, default=400, help="most queries per half")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument(
        "--whole", nargs="*", default=[], help="sets whose queries are all used, not a half"
    )
    parser.add_argument(
        "--stage", choices=("fusion", "priors", "both", "zh"), default="both", help="which grid"
    )
    parser.add_argument(
        "--base",
        default="",
        help="settings for the priors stage, e.g. 'fusion=score,dense_weight=0.4'",
    )
    args = parser.parse_args()
    sets = {}
    for name in args.sets:
        beir = load_beir(LOCAL / name if (LOCAL / name).is_dir() else EVAL / name)
        retriever = index_corpus(beir, Path(args.work) / name, None, progress=True)
        cache_query_vectors(retriever)
        whole = BeirSet(beir.name, beir.corpus, beir.queries[: args.limit], beir.qrels)
        sets[name] = (retriever, whole if name in args.whole else half(beir, args.half, args.limit))
    out: dict[str, Any] = {}
    if args.stage in ("fusion", "both"):
        out["fusion"] = run_grid(sets, FUSION_GRID, {})
        table(out["fusion"], args.sets)
    if args.stage == "zh":
        out["zh"] = run_grid(sets, ZH_GRID, {})
        table(out["zh"], args.sets)
    if args.stage in ("priors", "both"):
        base: dict[str, Any] = {}
        for pair in filter(None, args.base.split(",")):
            name, value = pair.split("=")
            base[name] = value if name in ("fusion", "mode") else float(value)
        out["priors"] = run_grid(sets, PRIOR_GRID, base)
        table(out["priors"], args.sets)
    stem = f"tune_zh_{args.half}" if args.stage == "zh" else f"tune_{args.half}"
    write_json(Path(__file__).parent / "out" / f"{stem}.json", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
