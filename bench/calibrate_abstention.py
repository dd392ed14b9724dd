"""Calibrate when the extractive answerer says "the archive does not say", and measure answers.

Questions an archive can answer: each eval set's own questions against its own corpus.
Questions it cannot: one set's questions asked against another set's corpus (cross-set; the
pairs xquad_en/squad2_cs224n_dev are skipped because both come from the same Wikipedia
articles), plus the SQuAD 2.0 unanswerable questions against their own corpus: near-topic
questions, written against the very paragraphs they cannot be answered from (fitted on the
even half like the rest since the answer-first revision; reported only before it).

Chinese: ``bench/data/zh_gov_news`` (invented articles and questions, see its README) gives
answerable Chinese questions and Chinese questions its corpus cannot answer; both are fitted
on the even half like the rest, since no public set has Chinese questions that cannot be
answered.

``--language zh`` calibrates the settings of Chinese questions (``AnswerConfig.zh_abstain_*``)
on Chinese questions alone: answerable, the first half of rgb_zh (its second half is kept for
``qa eval --offset 150``) and both of the project's Chinese sets; not answerable, their
unanswerable questions and each Chinese set's questions asked of another Chinese corpus and of
the English seeds.

Steps (each reuses what the one before left in --work):
  collect  index every corpus, ask every sampled question, record the abstention features
           and whether the would-be answer's cited excerpts hold a gold answer (rows.jsonl)
  fit      logistic regression on the even half of the rows, threshold chosen on that half,
           rates reported on the odd half (fit.json); prints the AnswerConfig values
  verify   end to end with qa.evaluation.metrics.evaluate_answers and the library's current
           AnswerConfig defaults, on the odd half (verify.json)

    HF_HUB_OFFLINE=1 .venv/bin/python bench/calibrate_abstention.py --work bench/out/calib
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from corpus import EVAL, SEED_QUESTIONS, SEEDS

from qa.answering.abstain import FEATURES
from qa.answering.answerer import PASSAGE_ORDER, ExtractiveAnswerer, answer
from qa.config import AnswerConfig
from qa.evaluation.metrics import (
    BeirQuery,
    answer_found,
    corpus_articles,
    evaluate_answers,
    load_beir,
    load_queries_jsonl,
)
from qa.index.build import sync_articles, sync_index
from qa.search.retriever import Retriever, load_retriever

ZH = "zh_gov_news"
ZH_FACTS = "zh_news_facts"
RGB_ZH = "rgb_zh"
DATA = Path(__file__).resolve().parent / "data"
LOCAL = {name: DATA / name for name in (ZH, ZH_FACTS)}  # the project's own sets
ANSWERABLE = ("xquad_en", "rgb_en_fact", "squad2_cs224n_dev", ZH)
CROSS = (
    ("xquad_en", "rgb_en_fact"),
    ("xquad_en", "seeds"),
    ("rgb_en_fact", "xquad_en"),
    ("rgb_en_fact", "squad2_cs224n_dev"),
    ("rgb_en_fact", "seeds"),
    ("squad2_cs224n_dev", "rgb_en_fact"),
    ("squad2_cs224n_dev", "seeds"),
    (ZH, "seeds"),
    ("rgb_en_fact", ZH),
)
logger = logging.getLogger("calibrate")


def held_out(qid: str) -> bool:
    """The odd half of questions (by a stable hash), kept out of fitting."""
    return hashlib.sha256(qid.encode()).digest()[0] % 2 == 1


def sample(queries: Iterable[BeirQuery], n: int) -> list[BeirQuery]:
    queries = sorted(queries, key=lambda q: q.id)
    random.Random(0).shuffle(queries)
    return queries[:n]


INDEXES: Path | None = None  # --indexes: a folder of indexes named by set, shared with qa eval


def open_index(name: str, work: Path) -> Retriever:
    """Build (or bring up to date) the index of ``name`` under ``work`` (or ``--indexes``)
    and load it."""
    shared = INDEXES is not None and name not in ("seeds", *LOCAL)
    folder = INDEXES / name if INDEXES is not None and shared else work / "index" / name
    if name == "seeds":
        sync_index(SEEDS, folder, progress=False)
    else:
        beir = load_beir(set_path(name))
        sync_articles(corpus_articles(beir), folder, progress=False, source=f"beir:{name}")
    return load_retriever(folder)


def question_sets(per_set: int) -> list[tuple[str, str, str, list[BeirQuery]]]:
    """(kind, question set, corpus, questions) for every group of the calibration."""
    sets = {name: load_beir(set_path(name)) for name in ANSWERABLE}
    groups = [("answerable", n, n, sample(sets[n].queries, per_set)) for n in ANSWERABLE]
    seeds = [BeirQuery(f"seed-{i}", q) for i, q in enumerate(SEED_QUESTIONS)]
    groups.append(("answerable", "seeds", "seeds", seeds))
    for asked, corpus in CROSS:
        groups.append(("cross", asked, corpus, sample(sets[asked].queries, per_set)))
    unanswerable = load_queries_jsonl(EVAL / "squad2_cs224n_dev" / "unanswerable.jsonl")
    groups.append(
        ("squad2_unanswerable", "squad2_cs224n_dev", "squad2_cs224n_dev",
         sample(unanswerable, per_set))
    )  # fmt: skip
    zh_unanswerable = load_queries_jsonl(set_path(ZH) / "unanswerable.jsonl")
    groups.append(("zh_unanswerable", ZH, ZH, sample(zh_unanswerable, per_set)))
    return groups


ZH_ANSWERABLE = (RGB_ZH, ZH, ZH_FACTS)
ZH_CROSS = (
    (RGB_ZH, ZH),
    (RGB_ZH, "seeds"),
    (ZH, RGB_ZH),
    (ZH, ZH_FACTS),
    (ZH_FACTS, ZH),
    (ZH_FACTS, "seeds"),
)
TUNING_HALF = {RGB_ZH: 150}  # only the first 150 of rgb_zh tune; the rest is reported


def chinese_sets(per_set: int) -> list[tuple[str, str, str, list[BeirQuery]]]:
    """(kind, question set, corpus, questions) for the calibration of Chinese questions."""
    sets = {}
    for name in ZH_ANSWERABLE:
        beir = load_beir(set_path(name))
        sets[name] = list(beir.queries[: TUNING_HALF.get(name)])
    groups = [("answerable", n, n, sample(sets[n], per_set)) for n in ZH_ANSWERABLE]
    for asked, corpus in ZH_CROSS:
        groups.append(("cross", asked, corpus, sample(sets[asked], per_set)))
    for name in (ZH, ZH_FACTS):
        unanswerable = load_queries_jsonl(set_path(name) / "unanswerable.jsonl")
        groups.append(("zh_unanswerable", name, name, sample(unanswerable, per_set)))
    return groups


LANGUAGE = "en"  # --language: which questions are calibrated


def groups_of(per_set: int) -> list[tuple[str, str, str, list[BeirQuery]]]:
    return chinese_sets(per_set) if LANGUAGE == "zh" else question_sets(per_set)


def set_path(name: str) -> Path:
    return LOCAL.get(name, EVAL / name)


def collect(work: Path, per_set: int) -> Path:
    """Ask every sampled question once; one JSON row per question in ``rows.jsonl``."""
    out = work / "rows.jsonl"
    answerer = ExtractiveAnswerer(AnswerConfig())
    retrievers: dict[str, Retriever] = {}
    with out.open("w") as sink:
        for kind, asked, corpus, queries in groups_of(per_set):
            if corpus not in retrievers:
                retrievers[corpus] = open_index(corpus, work)
            started = time.perf_counter()
            for q in queries:
                sink.write(
                    json.dumps(ask_row(answerer, retrievers[corpus], q, kind, asked, corpus))
                )
                sink.write("\n")
            print(f"{kind:20} {asked:18} -> {corpus:18} {len(queries):4} questions "
                  f"{time.perf_counter() - started:6.1f} s", flush=True)  # fmt: skip
    return out


def ask_row(
    answerer: ExtractiveAnswerer, retriever: Retriever, q: BeirQuery, kind: str, asked: str,
    corpus: str,
) -> dict[str, Any]:  # fmt: skip
    started = time.perf_counter()
    results = retriever.search(q.text, answerer.config.k, interpret_dates=False, **PASSAGE_ORDER)
    a = answerer.assess(q.text, results, retriever, query=q.text)
    seconds = time.perf_counter() - started
    texts = [a.answer.text, *(c.excerpt for c in a.answer.citations)]
    short = a.answer.short_answer
    return {
        "kind": kind, "asked": asked, "corpus": corpus, "id": q.id, "question": q.text,
        "features": list(a.evidence.vector()), "confidence": a.confidence,
        "gold_cited": answer_found(texts, q.answers) if q.answers else None,
        "gold_in_text": answer_found([a.answer.text], q.answers) if q.answers else None,
        "gold_short": answer_found([short.text], q.answers) if q.answers and short else None,
        "short": short.text if short else None,
        "sentences": len(a.answer.citations), "seconds": seconds,
    }  # fmt: skip


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 5000) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by gradient descent."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    balance = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))  # equal class weight
    for _ in range(steps):
        p = 1 / (1 + np.exp(-xb @ w))
        grad = xb.T @ (balance * (p - y)) / len(y) + l2 * np.r_[w[:-1], 0]
        w -= 2.0 * grad
    return w


def choose_threshold(
    p: np.ndarray, y: np.ndarray, groups: np.ndarray, min_answered: float = 0.9
) -> float:
    """The threshold with the best balanced accuracy that still answers ``min_answered`` of
    the answerable questions of every group (set) of at least 20 of them."""
    best, best_t = -1.0, 0.5
    answerable = [g for g in sorted(set(groups[y == 1])) if ((y == 1) & (groups == g)).sum() >= 20]
    for t in np.linspace(0.05, 0.95, 181):
        answered = (p[y == 1] >= t).mean()
        abstained = (p[y == 0] < t).mean()
        lowest = min((p[(y == 1) & (groups == g)] >= t).mean() for g in answerable)
        score = (answered + abstained) / 2 - (1.0 if lowest < min_answered else 0.0)
        if score > best:
            best, best_t = score, float(t)
    return round(best_t, 3)


def rates(rows: list[dict[str, Any]], prob: Callable[[dict[str, Any]], float], t: float) -> dict:
    """Per group: abstention rate and (answerable) gold-in-citations rate, abstaining = miss."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[f"{r['kind']}: {r['asked']} -> {r['corpus']}"].append(r)
    report = {}
    for name, group in sorted(groups.items()):
        answered = [r for r in group if prob(r) >= t]
        entry: dict[str, Any] = {"n": len(group), "abstained": 1 - len(answered) / len(group)}
        judged = [r for r in group if r["gold_cited"] is not None]
        if judged:
            entry["gold_cited"] = sum(bool(r["gold_cited"]) and prob(r) >= t for r in judged) / len(
                judged
            )
            entry["gold_cited_if_answered"] = sum(bool(r["gold_cited"]) for r in judged) / len(
                judged
            )
        report[name] = {k: round(v, 3) if isinstance(v, float) else v for k, v in entry.items()}
    return report


def fit(work: Path, min_answered: float = 0.9) -> dict[str, Any]:
    """Fit on the even half, report on the odd half; write fit.json and print the config.
    The threshold answers at least ``min_answered`` of every set's answerable questions of
    the even half (``choose_threshold``)."""
    rows = [json.loads(line) for line in (work / "rows.jsonl").open()]
    train = [r for r in rows if not held_out(r["id"])]
    x = np.array([r["features"] for r in train])
    y = np.array([1.0 if r["kind"] == "answerable" else 0.0 for r in train])
    w = fit_logistic(x, y)
    weights, bias = tuple(round(float(v), 3) for v in w[:-1]), round(float(w[-1]), 3)

    def prob(r: dict[str, Any]) -> float:
        return float(1 / (1 + np.exp(-(np.dot(weights, r["features"]) + bias))))

    groups = np.array([r["asked"] for r in train])
    threshold = choose_threshold(np.array([prob(r) for r in train]), y, groups, min_answered)
    test = [r for r in rows if held_out(r["id"])]
    result = {
        "features": FEATURES, "abstain_weights": weights, "abstain_bias": bias,
        "abstain_threshold": threshold, "min_answered": min_answered,
        "train_questions": len(train),
        "held_out": rates(test, prob, threshold), "train": rates(train, prob, threshold),
    }  # fmt: skip
    (work / "fit.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result["held_out"], indent=1))
    prefix = "zh_" if LANGUAGE == "zh" else ""
    print(f"AnswerConfig: {prefix}abstain_weights={weights}, {prefix}abstain_bias={bias}, "
          f"{prefix}abstain_threshold={threshold}")  # fmt: skip
    return result


def verify(work: Path, per_set: int) -> dict[str, Any]:
    """End to end with the current defaults, through ``qa.evaluation.metrics.evaluate_answers``."""
    out: dict[str, Any] = {"config": asdict(AnswerConfig())}
    retrievers: dict[str, Retriever] = {}
    for kind, asked, corpus, queries in groups_of(per_set):
        queries = [q for q in queries if held_out(q.id)]
        if corpus not in retrievers:
            retrievers[corpus] = open_index(corpus, work)
        retriever = retrievers[corpus]
        answerer = ExtractiveAnswerer(AnswerConfig())

        def ask(text: str, retriever: Retriever = retriever, answerer: Any = answerer) -> Any:
            return answer(text, retriever, interpret_dates=False, answerer=answerer)

        report = evaluate_answers(queries, ask, answerable=kind == "answerable", progress=False)
        out[f"{kind}: {asked} -> {corpus}"] = report.to_dict()
        print(f"{kind:20} {asked:18} -> {corpus:18} {report.to_dict()}", flush=True)
    (work / "verify.json").write_text(json.dumps(out, indent=2, default=str))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", default=["collect", "fit", "verify"])
    parser.add_argument("--work", type=Path, default=Path("bench/out/calib"))
    parser.add_argument("--per-set", type=int, default=300, help="questions sampled per group")
    parser.add_argument(
        "--indexes", type=Path, help="reuse the indexes of this folder (one per set, by name)"
    )
    parser.add_argument(
        "--language", choices=("en", "zh"), default="en", help="zh: Chinese questions alone"
    )
    parser.add_argument(
        "--min-answered",
        type=float,
        default=0.95,
        help="fit: the share of every set's answerable questions (fitted half) the threshold "
        "must still answer; above the 0.90 asked for, so that unseen questions clear it too",
    )
    args = parser.parse_args(argv)
    global INDEXES, LANGUAGE
    INDEXES = args.indexes
    LANGUAGE = args.language
    logging.basicConfig(level=logging.WARNING)
    args.work.mkdir(parents=True, exist_ok=True)
    if "collect" in args.steps:
        collect(args.work, args.per_set)
    if "fit" in args.steps:
        fit(args.work, args.min_answered)
    if "verify" in args.steps:
        verify(args.work, args.per_set)
    return 0


if __name__ == "__main__":
    sys.exit(main())
