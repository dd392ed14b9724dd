"""The header of an archive file: title, date and source, and where the body starts.

Headers are messy: the title may follow a lead paragraph of site boilerplate or share a line
with the date (`` date 2023-07-24 <title>``); date lines carry labels, view counts and sources
(``2022-05-29 0 By``, ``2020-06-29    JL.gov``, ``来源:   时间: 2024-06-05 07:33``); a stray
section label may sit under the title.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from qa.ingest.sentences import split_sentences

logger = logging.getLogger(__name__)

TERMINAL = tuple(".!?。！？；…\"'”’)）")

_HEADER_LINES = 8  # non-blank lines searched for title, date and source
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?"
)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_WORDS = re.compile(
    rf"\b(?:{_MONTH}\s+(\d{{1,2}}),?\s+((?:19|20)\d{{2}})|(\d{{1,2}})\s+{_MONTH},?\s+((?:19|20)\d{{2}}))\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_LABEL = re.compile(
    r"(?:\b(date|time|published|posted|updated|source|from|by|author|views?|clicks?)\b"
    r"|(来源|发布时间|发布日期|时间|日期|作者|浏览次数|点击数?))\s*[:：]?",
    re.IGNORECASE,
)
_SOURCE_LABELS = ("source", "from", "来源")
_BYLINE_LABELS = ("by", "author", "作者")
_SEPARATORS = " |-—–,;:：/·()（）[]【】"
_TITLE_PREFIX = re.compile(r"^(?:#+\s*|(?:title|标题)\s*[:：]\s*)", re.IGNORECASE)
_MID_CAPITAL = re.compile(r"(?<![.!?。]\s)(?<!^)\b[A-Z]")


@dataclass(frozen=True)
class Header:
    """What the first lines of a file say, and where its body starts."""

    title: str | None
    date: dt.date | None
    source: str | None
    body_start: int  # index of the first body line


@dataclass(frozen=True)
class _Meta:
    date: dt.date
    source: str | None
    title: str | None  # a title written on the date line (" date 2023-07-24 <title>")


_META_WORDS = 12  # once a date is known, a longer line that starts with a date is body text


def parse_header(lines: list[str]) -> Header:
    """Read the title, date and source from the first lines and find where the body starts.

    Args:
        lines: The file's lines, stripped, blank lines as ``""`` (see ``articles.clean_lines``).

    Returns:
        The header; ``title`` is None when no line looks like one.
    """
    title: str | None = None
    date: dt.date | None = None
    source: str | None = None
    i, seen = 0, 0
    while i < len(lines) and seen < _HEADER_LINES:
        line = lines[i]
        seen += bool(line)
        meta = _parse_meta_line(line) if line else None
        if not line:
            pass
        elif meta is not None and not (date is not None and len(line.split()) > _META_WORDS):
            date, source = date or meta.date, source or meta.source
            title = title or meta.title
        elif _is_breadcrumb(line):
            logger.debug("dropping breadcrumb %r", line)
        elif title is None and _is_title_like(line):
            title = _TITLE_PREFIX.sub("", line)
        elif title is None and _is_generic_lead(line) and _title_follows(lines, i + 1):
            logger.debug("dropping boilerplate lead paragraph %.60r", line)
        elif title is not None and _is_section_label(line) and any(lines[i + 1 :]):
            logger.debug("dropping section label %r", line)
        else:
            break
        i += 1
    return Header(title, date, source, i)


# What may close a dateline: an ellipsis, a dash, a comma or colon, or the end of the text.
_DATELINE_END = re.compile(r"\s*(?:\.\.\.|…|[-—–,，:：])?\s*")


def leading_date(text: str) -> tuple[dt.date, int] | None:
    """The date a text opens with (its dateline), and where the dateline ends.

    News and search snippets often start with their date: "Oct 23, 2019 ... Tesla's
    third-quarter ...", "2023年1月20日，吉林省统计局召开新闻发布会". The end offset covers the
    date and the ellipsis, dash or comma after it, so ``text[end:]`` is where the words start.

    Returns:
        ``(date, end)``, or ``None`` when the text does not begin with a full date.
    """
    start = len(text) - len(text.lstrip())
    for pattern in (_DATE, _DATE_WORDS):
        match = pattern.match(text, start)
        date = _match_date(match) if match else None
        if match and date:
            closing = _DATELINE_END.match(text, match.end())
            return date, closing.end() if closing else match.end()
    return None


def _find_date(line: str) -> tuple[dt.date, int, int] | None:
    """The first date written in ``line`` (ISO-like, Chinese or with a month name) and its span."""
    for pattern in (_DATE, _DATE_WORDS):
        for match in pattern.finditer(line):
            found = _match_date(match)
            if found is not None:
                return found, match.start(), match.end()
    return None


def _match_date(match: re.Match[str]) -> dt.date | None:
    """The date a match of ``_DATE`` or ``_DATE_WORDS`` spells, if it is a real one."""
    g = match.groups()
    if match.re is _DATE:
        return _make_date(g[0], g[1], g[2])
    year, month, day = (g[2], g[0], g[1]) if g[0] else (g[5], g[4], g[3])
    return _make_date(year, str(_MONTHS.index(month[:3].lower()) + 1), day)


def _make_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _parse_meta_line(line: str) -> _Meta | None:
    """Date, source (and a title on the same line) of a date line; None for other lines."""
    found = _find_date(line)
    if found is None:
        return None
    date, start, end = found
    before, after = line[:start], _TIME.sub(" ", line[end:], count=1).strip()
    if not _strip_labels(before) and not _LABEL.search(after) and len(after.split()) >= 4:
        return _Meta(date, None, after)
    rest = _TIME.sub(" ", before + " | " + after)
    if len(_strip_labels(rest).split()) > 5 or line.endswith((".", "。")):
        return None  # a sentence that happens to contain a date
    return _Meta(date, _source_from(rest), None)


def _strip_labels(text: str) -> str:
    """``text`` without labels, bare numbers and separators."""
    words = (w.strip(_SEPARATORS) for w in _LABEL.sub(" ", text).split())
    return " ".join(w for w in words if w and not w.isdigit())


def _source_from(rest: str) -> str | None:
    """The source named on a date line: a labelled one first, then a byline, then bare text."""
    values: dict[str, str] = {"": _strip_labels(rest[: _first_label_start(rest)])}
    labels = list(_LABEL.finditer(rest))
    for match, following in zip(labels, labels[1:] + [None]):
        value_end = following.start() if following else len(rest)
        label = (match.group(1) or match.group(2)).lower()
        values.setdefault(label, _strip_labels(rest[match.end() : value_end]))
    for names in (_SOURCE_LABELS, _BYLINE_LABELS, ("",)):
        for name in names:
            if values.get(name):
                return values[name]
    return None


def _first_label_start(text: str) -> int:
    match = _LABEL.search(text)
    return match.start() if match else len(text)


def _is_title_like(line: str) -> bool:
    """A heading: one sentence, not too long, not starting in lower case."""
    line = _TITLE_PREFIX.sub("", line)
    if not line or line[0].islower() or len(line) > 250:
        return False
    if len(split_sentences(line)) > 1:
        return False
    return not line.endswith((".", ",", ";", "。", "；", "，")) or len(line.split()) <= 20


def _is_generic_lead(line: str) -> bool:
    """Site boilerplate before the title: prose that names nothing (no number, no proper noun)."""
    if len(line.split()) < 12 or re.search(r"\d", line):
        return False
    return _MID_CAPITAL.search(line) is None


def _title_follows(lines: list[str], start: int) -> bool:
    """True when one of the next non-blank lines is a title."""
    following = [line for line in lines[start:] if line][:3]
    return any(_is_title_like(line) for line in following)


def _is_section_label(line: str) -> bool:
    """A short stray line under the title, such as a section name ("Municipal government")."""
    return len(line.split()) <= 4 and not re.search(r"\d", line) and not line.endswith(TERMINAL)


def _is_breadcrumb(line: str) -> bool:
    """Site navigation such as "Home > News > Local"."""
    parts = [p.strip() for p in re.split(r"[>»›＞]", line)]
    if len(parts) < 2 or re.search(r"\d", line):
        return False
    return all(p and len(p.split()) <= 4 for p in parts)
