"""Choose the sentences of the retrieved passages that answer a question.

Every sentence of every retrieved passage is a candidate. A cheap score (lexical coverage of the
question, an answer-shaped phrase, the passage's rank) keeps the best few, which are then scored
again with their dense similarity to the question: that of the sentence alone or, when higher,
of the sentence read with its neighbours ("2021 Wimbledon Championships. The Ladies' Singles
title was won by Ashleigh Barty ..."), since a sentence that answers often leaves its subject
to the one before. The most specific sentence wins: it covers the question's words *and* adds
a phrase of the asked type (a place for "where") that the question does not already contain;
a sentence that only echoes the question is penalised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, replace
from typing import Protocol

import numpy as np

from qa.answering.entities import Mention, find_mentions, specificity
from qa.config import SentenceWeights
from qa.index.lexical import CJK
from qa.ingest.header import leading_date
from qa.ingest.sentences import clause_heading, split_sentences
from qa.models import Article, ArticleMeta, Hit
from qa.search.question import AnswerType, QuestionInfo, stems_of

logger = logging.getLogger(__name__)

# A sentence holding "[3]" could not be told apart from an answer's citation markers.
_MARKER_LIKE = re.compile(r"\[\d+\]")
_WORD = re.compile(r"[^\W_]+")


class ArticleSource(Protocol):
    """Where full articles come from (a ``Retriever`` is one)."""

    def get_article(self, article_id: str) -> Article: ...


@dataclass(frozen=True)
class Candidate:
    """One sentence of a retrieved passage, scored; offsets point into the article body."""

    article: ArticleMeta
    index: int  # position among the article's sentences
    start: int
    end: int
    text: str
    hit_rank: int
    hit_score: float  # the passage's fused score relative to the best passage's (<= 1)
    before: str = ""  # the sentence(s) just before, often naming the subject (see gather)
    after: str = ""  # the next sentence (the excerpt shows both)
    heading: str = ""  # the first sentence of its numbered clause (第三条 ...), when not before
    coverage: float = 0.0  # weighted share of the question's terms the sentence contains
    echo: float = 0.0  # share of the sentence's words that are the question's
    mentions: tuple[Mention, ...] = ()  # answer-shaped phrases not already in the question
    shape: float = 0.0  # how specific the best of those phrases is (0..1)
    missing: float = 0.0  # share of the question's names and numbers absent even nearby
    dense: float = 0.0
    score: float = 0.0

    @property
    def key(self) -> tuple[str, int]:
        return (self.article.id, self.start)


class Documents:
    """Articles and their sentence spans, fetched once per answer."""

    def __init__(self, source: ArticleSource) -> None:
        self._source = source
        self._articles: dict[str, Article] = {}
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def article(self, article_id: str) -> Article:
        if article_id not in self._articles:
            self._articles[article_id] = self._source.get_article(article_id)
        return self._articles[article_id]

    def spans(self, article_id: str) -> list[tuple[int, int]]:
        if article_id not in self._spans:
            self._spans[article_id] = split_sentences(self.article(article_id).body)
        return self._spans[article_id]


def gather(hits: Sequence[Hit], docs: Documents, before_chars: int = 0) -> list[Candidate]:
    """The distinct sentences that lie (mostly) inside the hits, best passage first.

    An article's opening dateline is not a candidate (see ``_is_dateline``). A candidate's
    ``before`` is the sentence just before it, extended back over earlier
    sentences while the whole stretch fits in ``before_chars``: after a heading or a label
    ("Xenoblade Chronicles 2 ... Release date. December 1, 2017") the subject is often two or
    three short sentences back. Its ``after`` is the next sentence, and its ``heading`` the
    sentence that opens its numbered clause (第十三条 ..., ``sentences.clause_heading``) when
    that lies farther back than ``before``.
    """
    top = max((h.score for h in hits), default=0.0)
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for rank, hit in enumerate(hits):
        body = docs.article(hit.article.id).body
        relative = hit.score / top if top > 0 else 0.0
        spans = docs.spans(hit.article.id)
        for index, (start, end) in enumerate(spans):
            overlap = min(end, hit.end) - max(start, hit.start)
            if overlap <= 0 or overlap < 0.5 * min(end - start, hit.end - hit.start):
                continue
            if (hit.article.id, start) in seen or _MARKER_LIKE.search(body, start, end):
                continue
            if index == 0 and _is_dateline(body[start:end]):
                continue
            seen.add((hit.article.id, start))
            before = (
                body[spans[_reach_back(spans, index, before_chars)][0] : spans[index - 1][1]]
                if index
                else ""
            )
            after = (
                body[spans[index + 1][0] : spans[index + 1][1]] if index + 1 < len(spans) else ""
            )
            heading = clause_heading(body, spans, index, HEADING_REACH)
            first = _reach_back(spans, index, before_chars) if index else index
            out.append(
                Candidate(
                    hit.article,
                    index,
                    start,
                    end,
                    body[start:end],
                    rank,
                    relative,
                    before,
                    after,
                    body[slice(*spans[heading])] if heading is not None and heading < first else "",
                )
            )
    return out


HEADING_REACH = 2000  # characters back that a sentence's clause number is looked for


def _is_dateline(sentence: str) -> bool:
    """Whether an article's first sentence is only its date ("Mar 3, 2014 ..."): the date of
    the article, shown with every citation, not a statement that could answer anything."""
    found = leading_date(sentence)
    return found is not None and not _WORD.search(sentence, found[1])


def _reach_back(spans: Sequence[tuple[int, int]], index: int, chars: int) -> int:
    """The first of the sentences before ``spans[index]`` that fit, with those after it up to
    ``index``, in ``chars`` characters; always at least the one right before."""
    first = index - 1
    end = spans[index - 1][1]
    while first > 0 and end - spans[first - 1][0] <= chars:
        first -= 1
    return first


def describe(candidate: Candidate, question: QuestionInfo, context: float = 0.5) -> Candidate:
    """Fill in the lexical features of ``candidate`` for ``question``.

    What is around the sentence counts at ``context`` weight: the article's title, the
    sentences before and after it (see :func:`gather`) and the opening of its numbered clause
    (第十三条 ...) name its subject ("It was released on ...") or hold the answer itself
    ("Dec 1, 2017 ... The game came out in Japan.").
    """
    stems = stems_of(candidate.text)
    around = stems | stems_of(candidate.article.title)
    around |= stems_of(candidate.before) | stems_of(candidate.after) | stems_of(candidate.heading)
    total = question.total_weight
    covered = sum(
        t.weight * (1.0 if t.stem in stems else context if t.stem in around else 0.0)
        for t in question.terms
    )
    echo = len(stems & question.stems) / len(stems) if stems else 1.0
    mentions = novel_mentions(candidate.text, question)
    nearby = novel_mentions(candidate.before, question) + novel_mentions(candidate.after, question)
    kind = question.answer_type
    key_terms = [t for t in question.terms if t.key]
    missing = (
        sum(1 for t in key_terms if t.stem not in around) / len(key_terms) if key_terms else 0.0
    )
    return replace(
        candidate,
        coverage=covered / total if total else 0.0,
        echo=echo,
        mentions=mentions,
        shape=max(
            max((specificity(m.text, kind) for m in mentions), default=0.0),
            context * max((specificity(m.text, kind) for m in nearby), default=0.0),
        ),
        missing=missing,
    )


def novel_mentions(text: str, question: QuestionInfo) -> tuple[Mention, ...]:
    """Answer-shaped phrases of ``text`` that are not just the question's own words."""
    return tuple(
        m
        for m in find_mentions(text, question.answer_type)
        if not stems_of(m.text) <= question.stems
    )


def features(candidate: Candidate) -> tuple[float, ...]:
    """The terms of a candidate's score, one per ``SentenceWeights`` field and in its order,
    signed so that each weight counts for (+) or against (-) as its name says."""
    return (
        candidate.dense,
        candidate.coverage,
        candidate.shape,
        -candidate.missing,
        candidate.hit_score,
        -max(0.0, candidate.echo - 0.6),
        -1.0 if words(candidate.text) < 4 else 0.0,
    )


def words(text: str) -> int:
    """About how many words ``text`` has: whitespace-separated ones, or where there is Chinese
    (written without spaces), its runs of letters or digits plus a word per two characters."""
    cjk = len(CJK.findall(text))
    if not cjk:
        return len(text.split())
    return len(_WORD.findall(CJK.sub(" ", text))) + cjk // 2


def combine(candidate: Candidate, weights: SentenceWeights) -> float:
    """The score of a described candidate (dense similarity may still be 0)."""
    return sum(w * f for w, f in zip(astuple(weights), features(candidate), strict=True))


def rank(
    described: Sequence[Candidate],
    question: QuestionInfo,
    encode: Callable[[list[str]], np.ndarray],
    *,
    weights: SentenceWeights,
    shortlist: int,
    dense_chars: int = 400,
    window_chars: int = 0,
) -> list[Candidate]:
    """Score the best of the ``described`` candidates for ``question``, best first.

    Args:
        described: Candidates from :func:`gather`, passed through :func:`describe`.
        question: The question (or rewritten follow-up) as read by ``read_question``.
        encode: Texts to unit vectors; the question is encoded with the shortlisted sentences,
            their reading windows in a second call.
        weights: Feature weights.
        shortlist: How many candidates, by lexical score, get a dense similarity; only these
            are returned.
        dense_chars: Only the first this many characters of a sentence are embedded (a run-on
            sentence costs time in proportion to its length and says little more).
        window_chars: See :func:`similarities`; 0 embeds the sentence alone.
    """
    short = sorted(described, key=lambda c: combine(c, weights), reverse=True)[:shortlist]
    if not short:
        return []
    similarity = similarities(short, question.text, encode, dense_chars, window_chars)
    scored = [replace(c, dense=float(s)) for c, s in zip(short, similarity, strict=True)]
    scored = [replace(c, score=combine(c, weights)) for c in scored]
    return sorted(scored, key=lambda c: c.score, reverse=True)


def similarities(
    candidates: Sequence[Candidate],
    question: str,
    encode: Callable[[list[str]], np.ndarray],
    dense_chars: int,
    window_chars: int = 0,
) -> np.ndarray:
    """The dense similarity of each candidate to ``question``.

    With ``window_chars``, a candidate also gets the similarity of its reading window (see
    :func:`window`) and keeps the higher of the two. The sentence alone stays in the running
    so that a passage's off-topic neighbour does not drag down a sentence that answers by
    itself.
    """
    vectors = encode([question] + [clip(c.text, dense_chars) for c in candidates])
    asked = vectors[0]
    similarity = vectors[1:] @ asked
    if not window_chars or not candidates:
        return similarity
    # Apart from the sentences: in one batch they would be padded to the windows' length.
    windows = encode([window(c, window_chars) for c in candidates])
    return np.maximum(similarity, windows @ asked)


def window(candidate: Candidate, chars: int) -> str:
    """The sentence with the end of the text before it and the start of the sentence after,
    in about ``chars`` characters: at most half of them from before."""
    before = candidate.before[-(chars // 2) :]
    cut = before.find(" ") if len(before) < len(candidate.before) else -1
    before = before[cut + 1 :]  # start at a word boundary
    return clip(" ".join(t for t in (before, candidate.text, candidate.after) if t), chars)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


def redundant(
    candidate: Candidate,
    chosen: Sequence[Candidate],
    limit: float = 0.6,
    *,
    neighbours: bool = False,
) -> bool:
    """True when ``candidate`` adds nothing to the ``chosen`` sentences.

    That is when it is one of them or shares at least ``limit`` of its stems with one; or when
    every phrase of the asked type it names, a chosen sentence names already ("debut on Nov
    15" after "premieres Nov. 15"). With ``neighbours``, also when it names none itself and
    owes its answer shape to a chosen neighbour, whose excerpt shows that phrase already ("It
    was available ..." after "The game was released on September 14, 2018."); only for the
    types whose finder sees every such phrase (dates), since a place or a name it misses
    ("the Atlantic coast of Africa") would make an answering sentence look empty.
    """
    named = [stems_of(m.text) for other in chosen for m in other.mentions]
    if candidate.mentions and all(
        any(stems_of(m.text) <= seen for seen in named) for m in candidate.mentions
    ):
        return True
    stems = stems_of(candidate.text)
    for other in chosen:
        if other.key == candidate.key:
            return True
        if (
            neighbours
            and candidate.shape > 0
            and not candidate.mentions
            and other.article.id == candidate.article.id
            and abs(other.index - candidate.index) == 1
        ):
            return True
        theirs = stems_of(other.text)
        union = stems | theirs
        if union and len(stems & theirs) / len(union) >= limit:
            return True
    return False


def select(
    ranked: Sequence[Candidate],
    *,
    max_sentences: int,
    margin: float,
    kind: AnswerType = AnswerType.OTHER,
) -> list[Candidate]:
    """The best sentence plus those within ``margin`` of it that add something new (see
    :func:`redundant`); ``kind`` is the type of answer the question asks for."""
    if not ranked:
        return []
    chosen = [ranked[0]]
    for candidate in ranked[1:]:
        if len(chosen) >= max_sentences or candidate.score < ranked[0].score - margin:
            break
        if not redundant(candidate, chosen, neighbours=kind is AnswerType.DATE):
            chosen.append(candidate)
    return chosen
