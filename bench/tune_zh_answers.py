"""Choose how sentences of Chinese answers are scored (``AnswerConfig.zh_weights``).

    .venv/bin/python bench/tune_zh_answers.py --work /tmp/qa-eval          # tune: first half
    .venv/bin/python bench/tune_zh_answers.py --work /tmp/qa-eval --offset 150 --sets rgb_zh

Asks the answerable questions of rgb_zh (the first 150 by default; ``--offset 150`` for the
rest, which nothing is chosen on) and of the project's Chinese sets, each retrieved once, and
answers them with each variant of the Chinese sentence weights. Reports, before abstention
(which is calibrated afterwards, by ``calibrate_abstention.py --language zh``), how often the
gold answer is in the cited excerpts and in the answer text, and, with the current abstention
settings, how many questions are answered. Indexes are kept in --work/<set> (as ``qa eval``).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from corpus import EVAL  # noqa: E402
from report import print_table, write_json  # noqa: E402

from qa.answering.answerer import PASSAGE_ORDER, ExtractiveAnswerer  # noqa: E402
from qa.config import AnswerConfig, SentenceWeights  # noqa: E402
from qa.evaluation.metrics import answer_found, load_beir  # noqa: E402
from qa.evaluation.runner import index_corpus  # noqa: E402

LOCAL = Path(__file__).resolve().parent / "data"
SETS = ("rgb_zh", "zh_gov_news", "zh_news_facts")
BASE = SentenceWeights()
VARIANTS: dict[str, SentenceWeights] = {
    "current": BASE,
    "dense 0.4": replace(BASE, dense=0.4),
    "dense 0.2": replace(BASE, dense=0.2),
    "dense 0": replace(BASE, dense=0.0),
    "dense 0.2, coverage 0.8": replace(BASE, dense=0.2, coverage=0.8),
    "dense 0.2, retrieval 0.3": replace(BASE, dense=0.2, retrieval=0.3),
}


def rates(retriever: Any, queries: list[Any], weights: SentenceWeights, cache: dict) -> dict:
    config = replace(AnswerConfig(), zh_weights=weights)
    answerer = ExtractiveAnswerer(config, cache_size=10**9)
    answerer._vectors = cache  # sentence vectors do not depend on the weights
    cited = in_text = answered = 0
    for q in queries:
        results = retriever.search(q.text, config.k, as_of=q.date, **PASSAGE_ORDER)
        a = answerer.assess(q.text, results, retriever, query=q.text)
        texts = [a.answer.text, *(c.excerpt for c in a.answer.citations)]
        cited += bool(answer_found(texts, q.answers))
        in_text += bool(answer_found([a.answer.text], q.answers))
        answered += a.confidence >= config.abstention(True)[2]
    n = len(queries) or 1
    return {
        "cited": round(cited / n, 4),
        "text": round(in_text / n, 4),
        "answered": round(answered / n, 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="folder for the evaluation indexes")
    parser.add_argument("--sets", nargs="+", default=list(SETS))
    parser.add_argument("--offset", type=int, default=0, help="of rgb_zh's questions")
    parser.add_argument("--limit", type=int, default=150, help="of rgb_zh's questions")
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {v: {} for v in args.variants}
    for name in args.sets:
        beir = load_beir(LOCAL / name if (LOCAL / name).is_dir() else EVAL / name)
        queries = [q for q in beir.queries if q.answers]
        if name == "rgb_zh":
            queries = queries[args.offset : args.offset + args.limit]
        retriever = index_corpus(beir, Path(args.work) / name, None, progress=True)
        cache: dict = {}
        for variant in args.variants:
            results[variant][name] = rates(retriever, queries, VARIANTS[variant], cache)
            print(variant, name, results[variant][name], flush=True)
    rows = [
        (v, *("{cited:.3f} / {text:.3f} / {answered:.2f}".format(**by[s]) for s in args.sets))
        for v, by in results.items()
    ]
    print_table(("zh_weights (cited / text / answered)", *args.sets), rows)
    out = {"variants": {v: asdict(VARIANTS[v]) for v in args.variants}, "results": results}
    write_json(Path(__file__).parent / "out" / f"zh_answers_{args.offset}.json", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
