"""Sources that disagree over time: "who is the governor" answered differently by date.

When articles of different dates each have a sentence that holds the role the "who" question
asks about and they name different people for it, the answer shows each of them, oldest
first, instead of silently picking one. The person a sentence names for the role is the name
nearest before the question's word in the sentence ("Han Jun, ... and Governor of the
Province"), falling back to the nearest name after it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answering.entities import Mention
from qa.answering.sentence_select import Candidate
from qa.search.question import AnswerType, QuestionInfo, stems_of

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Claim:
    """What one dated article says: its best sentence and the person it names."""

    candidate: Candidate
    name: str


def named_person(candidate: Candidate, question: QuestionInfo) -> str | None:
    """The person ``candidate`` names for the role the question asks about."""
    names: Sequence[Mention] = candidate.mentions
    if not names:
        return None
    # Prefer the role words of the question ("governor") over its names ("Jilin").
    roles = frozenset(t.stem for t in question.terms if not t.key)
    words = [(m.start(), stems_of(m.group())) for m in _WORD.finditer(candidate.text)]
    anchors = [at for at, stems in words if stems & roles] or [
        at for at, stems in words if stems & question.stems
    ]
    if not anchors:
        return names[0].text

    def distance(name: Mention) -> tuple[int, int]:
        before = [a - name.end for a in anchors if a >= name.end]
        if before:
            return (0, min(before))
        return (1, min(abs(name.start - a) for a in anchors))

    return min(names, key=distance).text


def find_disagreement(
    candidates: Sequence[Candidate], question: QuestionInfo, *, min_coverage: float, limit: int
) -> list[Claim]:
    """Dated claims that name different people, oldest first; empty when the sources agree.

    A claim is an article's best sentence (by coverage of the question, then score) that
    contains every role word of the question ("governor"), names a person and covers at
    least ``min_coverage`` of the question.

    Args:
        candidates: Described sentences (scored or not), in any order.
        question: Only "who" questions with a role word are checked.
        min_coverage: Weighted share of the question a claim's sentence must cover.
        limit: At most this many claims (the best-covering ones are kept).
    """
    roles = frozenset(t.stem for t in question.terms if not t.key)
    if question.answer_type is not AnswerType.PERSON or not roles:
        return []
    best_per_article: dict[str, Claim] = {}
    ordered = sorted(candidates, key=lambda c: (c.coverage, c.score), reverse=True)
    for candidate in ordered:
        if candidate.coverage < min_coverage:
            break
        if candidate.article.date is None or candidate.article.id in best_per_article:
            continue
        if not roles <= stems_of(candidate.text):
            continue
        name = named_person(candidate, question)
        if name is not None:
            best_per_article[candidate.article.id] = Claim(candidate, name)
    claims = list(best_per_article.values())[:limit]
    names = {c.name.lower() for c in claims}
    dates = {c.candidate.article.date for c in claims}
    if len(names) < 2 or len(dates) < 2:
        return []
    return sorted(claims, key=lambda c: (c.candidate.article.date, -c.candidate.score))


def disagreement_note(claims: Sequence[Claim], numbers: Sequence[int]) -> str:
    """``The sources differ over time: Jing Junhai (2020-06-29) [1]; Han Jun (...) [2].``"""
    parts = [
        f"{claim.name} ({claim.candidate.article.date}) [{n}]"
        for claim, n in zip(claims, numbers, strict=True)
    ]
    return "The sources differ over time: " + "; ".join(parts) + "."
