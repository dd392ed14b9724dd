"""Fit the weights that rank candidate sentences (``SentenceWeights``) on public questions.

For each sampled question of xquad_en, squad2_cs224n_dev and rgb_en_fact, the answerer's own
steps run (retrieve k passages, gather their sentences, describe them), every candidate gets its
dense similarity, and a candidate is a positive when the sentence holds a gold answer. The
weights maximise the likelihood of the positives under a softmax over each question's
candidates (a conditional logit), fitted on the even half of questions (``held_out`` of
calibrate_abstention.py) and rescaled to the current weights' L1 norm, so that the answer
margin keeps its meaning. The odd half then compares current and fitted weights end to end:
the share of questions whose answer text, or whose cited excerpts, hold a gold answer (before
abstention, which is calibrated separately).

    HF_HUB_OFFLINE=1 .venv/bin/python bench/fit_sentence_weights.py --work /tmp/evalwork
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from calibrate_abstention import held_out, sample
from corpus import EVAL
from report import print_table, write_json

from qa.answering.answerer import PASSAGE_ORDER, ExtractiveAnswerer
from qa.answering.sentence_select import (
    Documents,
    describe,
    features,
    gather,
    similarities,
)
from qa.config import AnswerConfig, SentenceWeights
from qa.evaluation.metrics import answer_found, load_beir
from qa.evaluation.runner import index_corpus
from qa.search.question import read_question, with_local_idf

SETS = ("xquad_en", "squad2_cs224n_dev", "rgb_en_fact")
NAMES = tuple(f.name for f in fields(SentenceWeights))  # in the order of features()


def question_rows(
    retriever: Any, question: str, answers: Any, cfg: AnswerConfig, name: str
) -> dict[str, Any]:
    """Every candidate sentence of one question: its features and whether it holds the gold."""
    results = retriever.search(question, cfg.k, interpret_dates=False, **PASSAGE_ORDER)
    candidates = gather(results.hits, Documents(retriever), cfg.before_chars)
    info = with_local_idf(read_question(question), [c.text for c in candidates])
    described = [describe(c, info) for c in candidates]
    if not described:
        return {"x": [], "y": [], "set": ""}
    dense = similarities(
        described,
        question,
        lambda texts: retriever.embedder.encode(texts, show_progress=False),
        cfg.dense_chars,
        cfg.window_chars,
    )
    scored = [replace(c, dense=float(d)) for c, d in zip(described, dense, strict=True)]
    return {
        "x": [list(features(c)) for c in scored],
        "y": [bool(answer_found([c.text], answers)) for c in scored],
        "set": name,
    }


def fit_conditional_logit(groups: list[dict], l2: float = 1e-2, steps: int = 3000) -> np.ndarray:
    """Weights maximising log P(a positive | its candidates), averaged per set, then over sets
    (so that the 100 rgb questions count as much as the 400 of each SQuAD set)."""
    usable = [g for g in groups if any(g["y"])]
    sets = sorted({g["set"] for g in usable})
    per_set = {name: sum(g["set"] == name for g in usable) for name in sets}
    share = np.array([1.0 / (len(sets) * per_set[g["set"]]) for g in usable])
    x = np.array([row for g in usable for row in g["x"]], dtype=np.float64)
    y = np.array([label for g in usable for label in g["y"]], dtype=np.float64)
    group = np.repeat(np.arange(len(usable)), [len(g["y"]) for g in usable])
    w = np.array([asdict(SentenceWeights())[n] for n in NAMES], dtype=np.float64)
    for _ in range(steps):
        s = x @ w
        e = np.exp(s - s.max())
        p = e / np.bincount(group, e)[group]  # softmax within each question
        q = e * y / np.bincount(group, e * y)[group]  # the same over its positives only
        w -= 0.5 * (l2 * w - (share[group] * (q - p)) @ x)
    return w


def evaluate(retriever: Any, queries: list, weights: SentenceWeights) -> dict[str, float]:
    """Answer text / cited excerpts holding a gold answer, before abstention."""
    answerer = ExtractiveAnswerer(replace(AnswerConfig(), weights=weights))
    text = cited = 0
    for q in queries:
        results = retriever.search(q.text, answerer.config.k, interpret_dates=False)
        reply = answerer.assess(q.text, results, retriever, query=q.text).answer
        text += bool(answer_found([reply.text], q.answers))
        cited += bool(answer_found([reply.text, *(c.excerpt for c in reply.citations)], q.answers))
    return {"text": round(text / len(queries), 3), "cited": round(cited / len(queries), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="folder for the eval indexes")
    parser.add_argument("--per-set", type=int, default=400, help="questions sampled per set")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "weights.json")
    args = parser.parse_args(argv)
    cfg = AnswerConfig()
    train: list[dict] = []
    held: dict[str, tuple[Any, list]] = {}
    for name in SETS:
        beir = load_beir(EVAL / name)
        retriever = index_corpus(beir, args.work / name, None, progress=False)
        queries = [q for q in sample(beir.queries, args.per_set) if q.answers]
        train += [
            question_rows(retriever, q.text, q.answers, cfg, name)
            for q in queries
            if not held_out(q.id)
        ]
        held[name] = (retriever, [q for q in queries if held_out(q.id)])
        print(f"{name}: {len(queries)} questions", flush=True)
    raw = fit_conditional_logit(train)
    current = np.array([asdict(cfg.weights)[n] for n in NAMES])
    scaled = raw * np.abs(current).sum() / np.abs(raw).sum()
    fitted = SentenceWeights(**{n: round(float(v), 3) for n, v in zip(NAMES, scaled, strict=True)})
    print(f"fitted: {fitted}")
    rows, result = [], {"fitted": asdict(fitted), "current": asdict(cfg.weights), "held_out": {}}
    for name, (retriever, queries) in held.items():
        before, after = (
            evaluate(retriever, queries, cfg.weights),
            evaluate(retriever, queries, fitted),
        )
        result["held_out"][name] = {"n": len(queries), "current": before, "fitted": after}
        rows.append(
            [name, len(queries), before["text"], after["text"], before["cited"], after["cited"]]
        )
    write_json(args.out, result)
    print_table(
        ["set (held-out half)", "questions", "text: current", "text: fitted", "cited: current",
         "cited: fitted"],
        rows,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
