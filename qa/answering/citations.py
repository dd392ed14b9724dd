"""Citations for chosen sentences, and the answer text that points to them.

A citation's excerpt is its sentence with the neighbouring sentence on each side (at most
``context_chars`` of each, cut at a word boundary; in Chinese after a comma), always a slice
``body[start:end]`` of the article, so a reader can check it in place and a UI can highlight
the sentence itself. In a numbered clause of a long text (第三条 ……), the excerpt starts at the
clause's number, so the quote says which article or item it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from qa.answering.sentence_select import ArticleSource, Candidate, Documents
from qa.index.lexical import CJK
from qa.ingest.sentences import clause_heading
from qa.models import Answer, Citation, DateRange, ShortAnswer

logger = logging.getLogger(__name__)

MARKER = re.compile(r"\s*\[(\d+)\]")


def excerpt_bounds(
    body: str,
    spans: Sequence[tuple[int, int]],
    index: int,
    context_chars: int,
    heading: int | None = None,
) -> tuple[int, int]:
    """``(start, end)`` of sentence ``index`` of ``body`` with some of each neighbour; from
    sentence ``heading`` on instead when given (the number of the clause it lies in: 第三条)."""
    start, end = spans[index]
    if index > 0:
        previous = spans[index - 1][0]
        start = max(previous, start - context_chars) if context_chars > 0 else start
        if start > previous:  # cut inside the previous sentence: begin at a word
            start = _word_after(body, start, spans[index][0])
    if heading is not None and heading <= index:  # the quote starts at the clause's number
        start = spans[heading][0]
    if index + 1 < len(spans):
        following = spans[index + 1][1]
        end = min(following, end + context_chars) if context_chars > 0 else end
        if end < following:  # cut inside the next sentence: end at a word
            end = _word_before(body, spans[index][1], end)
    return start, end


# Chinese has no spaces: a cut in it falls after a comma, or else between two characters.
_CJK_PAUSE = re.compile(r"[，、：,]")


def _word_after(body: str, cut: int, limit: int) -> int:
    """Where an excerpt cut at ``cut`` starts: at the next word (``limit`` if none)."""
    space = body.find(" ", cut, limit)
    if space != -1:
        return space + 1
    if not CJK.match(body, cut):
        return limit
    pause = _CJK_PAUSE.search(body, cut, limit)
    return pause.end() if pause else cut


def _word_before(body: str, limit: int, cut: int) -> int:
    """Where an excerpt cut at ``cut`` ends: after the last whole word (``limit`` if none)."""
    space = body.rfind(" ", limit, cut)
    if space != -1:
        return space
    if not CJK.match(body, cut - 1):
        return limit
    pauses = list(_CJK_PAUSE.finditer(body, limit, cut))
    return pauses[-1].end() if pauses else cut


def build_citations(
    chosen: Sequence[Candidate], docs: Documents, context_chars: int, heading_chars: int = 0
) -> tuple[Citation, ...]:
    """One citation per chosen sentence, numbered 1..N in the order given. A sentence of a
    numbered clause (第三条, （二）) is quoted from the clause's number on, when that is at
    most ``heading_chars`` before it (see ``sentences.clause_heading``)."""
    citations = []
    for n, candidate in enumerate(chosen, start=1):
        article = docs.article(candidate.article.id)
        spans = docs.spans(article.id)
        heading = (
            clause_heading(article.body, spans, candidate.index, heading_chars)
            if heading_chars
            else None
        )
        start, end = excerpt_bounds(article.body, spans, candidate.index, context_chars, heading)
        citations.append(
            Citation(
                n=n,
                article_id=article.id,
                title=article.title,
                date=article.date,
                source=article.source,
                excerpt=article.body[start:end],
                start=start,
                end=end,
                sentence_start=candidate.start,
                sentence_end=candidate.end,
                score=round(candidate.score, 4),
            )
        )
    return tuple(citations)


def answer_text(
    chosen: Sequence[Candidate],
    citations: Sequence[Citation],
    short: ShortAnswer | None = None,
) -> str:
    """The short answer and its marker on a line of their own, when there is one, then the
    chosen sentences, each followed by the marker of its citation."""
    quoted = " ".join(f"{c.text} [{cit.n}]" for c, cit in zip(chosen, citations, strict=True))
    return f"{short.text} [{short.n}]\n{quoted}" if short is not None else quoted


def build_answer(
    question: str,
    query: str,
    chosen: Sequence[Candidate],
    citations: tuple[Citation, ...],
    dates: DateRange | None,
    notes: tuple[str, ...] = (),
    window: DateRange | None = None,
    short: ShortAnswer | None = None,
) -> Answer:
    """An ``Answer`` quoting ``chosen`` with ``citations``, opening with ``short``."""
    return Answer(
        question=question,
        query=query,
        text=answer_text(chosen, citations, short),
        citations=citations,
        abstained=False,
        dates=dates,
        notes=notes,
        window=window,
        short_answer=short,
    )


def answer_sentences(text: str) -> list[tuple[str, int]]:
    """Split an answer text into ``(sentence, marker number)`` pairs (the inverse of
    :func:`answer_text`); text after the last marker is ignored."""
    pairs, position = [], 0
    for match in MARKER.finditer(text):
        pairs.append((text[position : match.start()].strip(), int(match.group(1))))
        position = match.end()
    return pairs


def contract_violations(answer: Answer, source: ArticleSource) -> list[str]:
    """How ``answer`` breaks the citation contract; empty when it holds.

    The contract: every ``[n]`` of the text names an existing citation; each sentence before a
    marker appears verbatim in that citation's excerpt and at its ``sentence_start:end``; each
    excerpt is ``body[start:end]`` of its article; citations are numbered 1..N in order of
    first use. A short answer opens the text with its marker; it is ``body[start:end]``
    inside its citation's sentence (a yes/no is "Yes" or "No", its span that sentence). An
    abstention has no citations and no short answer.
    """
    if answer.abstained:
        if answer.short_answer is not None:
            return ["an abstention has a short answer"]
        return ["an abstention has citations"] if answer.citations else []
    problems = []
    pairs = answer_sentences(answer.text)
    if answer.short_answer is not None:
        problems += _short_violations(answer.short_answer, pairs, answer.citations, source)
        pairs = pairs[1:]
    first_use = list(dict.fromkeys(n for _, n in pairs))
    numbers = [c.n for c in answer.citations]
    if not pairs or first_use != numbers or numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"markers {first_use} do not number citations {numbers} as 1..N")
    if answer.text[answer.text.rfind("]") + 1 :].strip():
        problems.append("text after the last marker")
    by_number = {c.n: c for c in answer.citations}
    for sentence, n in pairs:
        c = by_number.get(n)
        if c is None:
            problems.append(f"[{n}] has no citation")
            continue
        body = source.get_article(c.article_id).body
        if body[c.start : c.end] != c.excerpt:
            problems.append(f"[{n}] excerpt is not body[{c.start}:{c.end}]")
        if not sentence or sentence not in c.excerpt:
            problems.append(f"[{n}] sentence is not in its excerpt: {sentence[:60]!r}")
        if body[c.sentence_start : c.sentence_end] != sentence:
            problems.append(f"[{n}] sentence is not body[{c.sentence_start}:{c.sentence_end}]")
        if not c.start <= c.sentence_start < c.sentence_end <= c.end:
            problems.append(f"[{n}] sentence lies outside its excerpt")
    return problems


def _short_violations(
    short: ShortAnswer,
    pairs: Sequence[tuple[str, int]],
    citations: Sequence[Citation],
    source: ArticleSource,
) -> list[str]:
    """How a short answer breaks the contract (see :func:`contract_violations`)."""
    if not pairs or pairs[0] != (short.text, short.n):
        return [f"the text does not open with the short answer {short.text!r} [{short.n}]"]
    cited = next((c for c in citations if c.n == short.n), None)
    if cited is None:
        return [f"the short answer's [{short.n}] has no citation"]
    if short.text in ("Yes", "No") and (short.start, short.end) == (
        cited.sentence_start,
        cited.sentence_end,
    ):
        return []
    problems = []
    body = source.get_article(cited.article_id).body
    if body[short.start : short.end] != short.text:
        problems.append(f"short answer is not body[{short.start}:{short.end}]")
    if not cited.sentence_start <= short.start < short.end <= cited.sentence_end:
        problems.append("short answer lies outside its citation's sentence")
    return problems
