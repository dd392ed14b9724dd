"""Answers for people and for scripts: terminal text (``qa ask``) and JSON (``qa ask --json``).

In a terminal the supporting sentence of each excerpt is bold yellow; without colour the text
is plain, so piping ``qa ask`` into a file or another program gives clean text.
"""

from __future__ import annotations

import re
from typing import Any

from qa.models import Answer, Citation, DateRange, Hit
from qa.search.dates import weighing

BOLD, YELLOW, DIM, RESET = "\033[1m", "\033[33m", "\033[2m", "\033[0m"
WIDTH = 96
INDENT = "    "
RELATED_CHARS = 300
_WORD = re.compile(r"\S+")


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    """The ``qa ask --json`` record: question, query, answer, abstained, citations (+ extras).

    Each citation has ``n, article_id, title, date, excerpt, start, end, score`` and the
    supporting sentence's ``sentence_start``/``sentence_end`` (offsets in the article body).
    ``short_answer`` is ``{text, n, start, end}`` (offsets in the body of citation ``n``'s
    article) or None when the question asks for no name, date, number, place or yes/no, or
    the supporting sentences hold none.
    """
    short = answer.short_answer
    return {
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "short_answer": (
            {"text": short.text, "n": short.n, "start": short.start, "end": short.end}
            if short is not None
            else None
        ),
        "abstained": answer.abstained,
        "citations": [_citation_dict(c) for c in answer.citations],
        "notes": list(answer.notes),
        "related": [_hit_dict(h) for h in answer.related],
        "dates": _dates_dict(answer.dates),
        "window": _dates_dict(answer.window),
    }


def _citation_dict(c: Citation) -> dict[str, Any]:
    return {
        "n": c.n,
        "article_id": c.article_id,
        "title": c.title,
        "date": c.date.isoformat() if c.date else None,
        "source": c.source,
        "excerpt": c.excerpt,
        "start": c.start,
        "end": c.end,
        "sentence_start": c.sentence_start,
        "sentence_end": c.sentence_end,
        "score": c.score,
    }


def _hit_dict(h: Hit) -> dict[str, Any]:
    return {
        "article_id": h.article.id,
        "title": h.article.title,
        "date": h.article.date.isoformat() if h.article.date else None,
        "text": h.text,
        "start": h.start,
        "end": h.end,
        "score": round(h.score, 6),
    }


def _dates_dict(d: DateRange | None) -> dict[str, Any] | None:
    if d is None or (d.since is None and d.until is None):
        return None
    return {
        "since": d.since.isoformat() if d.since else None,
        "until": d.until.isoformat() if d.until else None,
        "phrase": d.phrase,
        "description": d.description,
        "relative": d.relative,
    }


def wrap_marked(text: str, marked: tuple[int, int], color: bool, width: int = WIDTH) -> list[str]:
    """Word-wrap ``text``, styling the words inside the ``marked`` character range.

    Wrapping is done on the plain words, so escape codes never count towards the width; each
    line's run of marked words is styled as one span.
    """
    lines: list[list[tuple[str, bool]]] = [[]]
    used = len(INDENT)
    for match in _WORD.finditer(text):
        word = match.group()
        if lines[-1] and used + 1 + len(word) > width:
            lines.append([])
            used = len(INDENT)
        used += len(word) + (1 if lines[-1] else 0)
        lines[-1].append((word, match.start() < marked[1] and match.end() > marked[0]))
    return [INDENT + _join_styled(line, color) for line in lines if line]


def _join_styled(words: list[tuple[str, bool]], color: bool) -> str:
    """Words joined by spaces, each run of marked words wrapped in one highlight span."""
    out: list[str] = []
    for i, (word, inside) in enumerate(words):
        opening = color and inside and (i == 0 or not words[i - 1][1])
        closing = color and inside and (i == len(words) - 1 or not words[i + 1][1])
        out.append(f"{BOLD + YELLOW if opening else ''}{word}{RESET if closing else ''}")
    return " ".join(out)


def _style(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{RESET}" if color else text


def format_citation(c: Citation, color: bool) -> list[str]:
    """``[n] Title (date)``, where it is, then the excerpt with its sentence highlighted."""
    date = c.date.isoformat() if c.date else "undated"
    lines = [_style(f"[{c.n}] {c.title or c.article_id} ({date})", BOLD, color)]
    lines.append(_style(f"{INDENT}{c.article_id}, characters {c.start}-{c.end}", DIM, color))
    marked = (c.sentence_start - c.start, c.sentence_end - c.start)
    lines.extend(wrap_marked(_with_ellipses(c.excerpt), (marked[0] + 2, marked[1] + 2), color))
    return lines


def _with_ellipses(excerpt: str) -> str:
    """``excerpt`` with "…" where it visibly starts or stops inside a sentence (2 chars added
    in front either way, so that offsets shift by exactly 2)."""
    head = "… " if excerpt[:1].islower() else "  "
    tail = "" if excerpt.rstrip()[-1:] in ".!?。！？\"'”’)" else " …"
    return head + excerpt + tail


def format_related(hit: Hit, rank: int, color: bool) -> list[str]:
    """A "possibly related" passage: title, date and the start of its text."""
    date = hit.article.date.isoformat() if hit.article.date else "undated"
    text = " ".join(hit.text.split())
    if len(text) > RELATED_CHARS:
        text = text[:RELATED_CHARS].rsplit(" ", 1)[0] + " …"
    lines = [_style(f"{rank}. {hit.article.title or hit.article.id} ({date})", BOLD, color)]
    return lines + wrap_marked(text, (0, 0), color)


def format_answer(answer: Answer, color: bool) -> str:
    """The answer with its markers, notes, then the numbered sources (or related passages)."""
    lines: list[str] = []
    if answer.query != answer.question:
        lines.append(_style(f"searched: {answer.query}", DIM, color))
    if answer.dates is not None and answer.dates.description:
        lines.append(_style(f"dates: {answer.dates.description}", DIM, color))
    if answer.window is not None:
        lines.append(_style(f"period: {weighing(answer.window)}", DIM, color))
    if lines:
        lines.append("")
    lines.append(answer.text)
    for note in answer.notes:
        lines += ["", _style(f"Note: {note}", BOLD, color)]
    if answer.citations:
        lines += ["", _style("Sources", BOLD, color)]
        for citation in answer.citations:
            lines += format_citation(citation, color)
    if answer.related:
        lines += ["", _style("Possibly related", BOLD, color)]
        for rank, hit in enumerate(answer.related, 1):
            lines += format_related(hit, rank, color)
    return "\n".join(lines)
