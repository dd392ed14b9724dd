"""When to say "the archive does not say": how strong the evidence for an answer is.

A logistic score over a few features that generalise across collections: how close the best
sentence and the best passage are to the question (dense similarity; the passage's measured
above the question's similarity to an average passage of the archive, so that a language the
model finds uniformly alike, such as Chinese for the English default, does not look like
evidence), how much of the question's wording the sentence and its passage contain, and
whether the question's names and numbers appear at all. The weights and the
threshold are calibrated by ``bench/calibrate_abstention.py`` on questions an archive can and
cannot answer, and recorded in ``AnswerConfig``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from qa.answering.sentence_select import Candidate
from qa.models import Hit
from qa.search.question import QuestionInfo, stems_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """The features abstention is decided on, each in about [0, 1]."""

    best_dense: float  # highest dense similarity of a shortlisted sentence to the question
    best_coverage: float  # highest weighted coverage of the question by a top sentence
    passage_coverage: float  # weighted coverage of the question by the best passage (+ title)
    key_coverage: float  # share of the question's names and numbers in the best passage
    top_dense: float  # the best passage's, above the background (best_dense when unknown)
    shaped: float  # 1 when the answer holds a phrase of the asked kind (or none is asked)

    def vector(self) -> tuple[float, ...]:
        return astuple(self)


FEATURES = tuple(Evidence.__dataclass_fields__)
NO_EVIDENCE = Evidence(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def coverage(question: QuestionInfo, text: str) -> float:
    """Weighted share of the question's terms that ``text`` contains."""
    total = question.total_weight
    if not total:
        return 0.0
    stems = stems_of(text)
    return sum(t.weight for t in question.terms if t.stem in stems) / total


def key_coverage(question: QuestionInfo, text: str) -> float:
    """Share of the question's names and numbers in ``text`` (1.0 when it has none)."""
    keys = [t for t in question.terms if t.key]
    if not keys:
        return 1.0
    stems = stems_of(text)
    return sum(1 for t in keys if t.stem in stems) / len(keys)


def above(similarity: float, background: float) -> float:
    """``similarity`` rescaled so that ``background`` reads 0 and a perfect match still 1."""
    return (similarity - background) / (1.0 - background) if background < 1.0 else 0.0


def gather_evidence(
    question: QuestionInfo,
    ranked: Sequence[Candidate],
    hits: Sequence[Hit],
    top: int = 3,
    *,
    background: float = 0.0,
    shaped: bool = False,
) -> Evidence:
    """The evidence for answering ``question`` from ``ranked`` sentences and their ``hits``.

    ``background`` is the question's mean dense similarity to the archive's passages; the
    best passage's similarity is read against it. (The best sentence's is not: short texts are
    more alike than passages, and the archive's mean similarity to sentences is not known.)
    ``shaped`` says whether the answer holds the asked-for kind of phrase (an amount for "How
    much did Huawei invest?"; true when the question asks for none). Whether its names and
    relation are stated together is a rule of the answerer, not a feature (see
    ``short_answer.related_anywhere``).
    """
    if not ranked or not hits:
        return NO_EVIDENCE
    best_dense = max(c.dense for c in ranked)
    passages = [h.text + "\n" + h.article.title for h in hits[:top]]
    top_dense = hits[0].dense_score if hits[0].dense_score is not None else best_dense
    return Evidence(
        best_dense=best_dense,
        best_coverage=max(c.coverage for c in ranked[:top]),
        passage_coverage=max(coverage(question, p) for p in passages),
        key_coverage=max(key_coverage(question, p) for p in passages),
        top_dense=above(float(top_dense), background),
        shaped=1.0 if shaped else 0.0,
    )


def confidence(evidence: Evidence, weights: Sequence[float], bias: float) -> float:
    """The calibrated probability that the archive answers the question."""
    z = bias + sum(w * x for w, x in zip(weights, evidence.vector(), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
