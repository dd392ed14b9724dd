"""Dates: the ``since``/``until`` bounds a caller gives, and the period a question names.

``interpret`` reads phrases such as "in 2023", "last June", "between 2020 and 2022" or
"in the past 2 years" and turns them into a ``DateRange`` (the phrases are found by
``qa.search.date_phrases``).

A bare four-digit number counts as a year only when it lies in 1900..2100, is introduced by a
date preposition and is not followed by a unit ("in 2005 km" is not a year); numbers next to a
month name are read as part of that date. Relative phrases are read against the reference
date: the as-of date a caller gives (``qa ask --as-of``, a question's own date in ``qa eval``),
else today. Without one they are ignored.

The period a question names never filters: the retriever weighs dated passages by it (see
``window_fit`` and ``year_fit``) and keeps undated ones. Only the caller's ``since``/``until``
and the as-of date leave articles out.

Choices, in plain words:

* "last June" is the latest June that has begun on or before the reference date: on
  2024-06-05 it is June 2024, on 2024-05-20 it is June 2023. "this June" is the June of
  the reference year. A month without a year and without last/this ("in June") is not read.
* "last month"/"last year" are the calendar month/year before the reference's; "this month"/
  "this year" the reference's own; "the past N years/months/weeks/days" runs from the
  reference date moved back N units to the reference date, both inclusive. "last week" is
  the past seven days; "this week" the seven days up to the reference date; "today",
  "yesterday" and "on Monday" (the latest Monday on or before it) are single days; "so far
  this year" runs from 1 January to the reference date.
* A question about the present ("recently", "now", "current", "the latest", "soon", "later
  this year") names the 30 days up to the reference date: the news of then speaks of it.
* Several phrases: the closed periods are joined into the smallest range that covers them all,
  then the open-ended ones ("since 2021", "before 2023") narrow it. If that leaves an empty
  range, only the first phrase is kept. ``phrase`` then lists the phrases read, joined by "; ".
* Chinese follows the same rules: 2023年6月15日, 2023年6月, 2023年上半年, 2023年第一季度,
  今年/去年/前年, 本月/上个月, 本周/上周, 今天/昨天, 近三年 and 最近/目前/现在 are read as
  they stand; a bare 2023年 needs a preposition before it (在, 于, 自, 从, 截至, 到) or a
  word after it (以来 since, 以后/之后 after, 以前/之前 before), because "2022年地区生产总值"
  is the 2022 figure, reported in 2023.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import math
import re
from collections.abc import Collection

from qa.errors import InvalidArgumentError
from qa.models import DateRange
from qa.search.date_phrases import (
    DateMention,
    find_mentions,
    month_span,
    named_years,
    part_span,
    year_span,
)

logger = logging.getLogger(__name__)

__all__ = ["DateMention", "coerce_bound", "describe", "find_mentions", "interpret", "merge"]
__all__ += ["named_years", "news_of_then", "parse_bound", "weighing", "window_fit", "year_fit"]

WINDOW_SCALE_MIN_DAYS = 7

_BOUND = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def parse_bound(text: str, *, end: bool, name: str | None = None) -> dt.date:
    """Parse a ``since``/``until``/``as_of`` bound given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Args:
        text: The bound as typed.
        end: True for ``until`` and ``as_of``: a year or month then stands for its last day,
            else its first.
        name: What the bound is called in an error (default: "until" or "since").

    Raises:
        InvalidArgumentError: The text is not one of the accepted formats or not a real date.
    """
    which = name or ("until" if end else "since")
    m = _BOUND.fullmatch(text.strip())
    try:
        if m is None:
            raise ValueError("unknown format")
        year, month, day = int(m[1]), m[2], m[3]
        if day is not None:
            return dt.date(year, int(month), int(day))
        first, last = month_span(year, int(month)) if month is not None else year_span(year)
        return last if end else first
    except ValueError:
        raise InvalidArgumentError(
            f"invalid {which} date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023, "
            "2023-06 or 2023-06-30)"
        ) from None


def coerce_bound(
    value: str | dt.date | None, *, end: bool, name: str | None = None
) -> dt.date | None:
    """Turn a caller's bound (``None``, blank, a date or a string) into a date or ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_bound(value, end=end, name=name)
    raise InvalidArgumentError(
        f"invalid {name or ('until' if end else 'since')} date {value!r}: give a "
        "datetime.date or a string YYYY, YYYY-MM or YYYY-MM-DD"
    )


def merge(explicit: DateRange | None, inferred: DateRange | None) -> DateRange | None:
    """Combine the caller's range with the question's; the caller's bounds win.

    A bound the caller leaves open is taken from the question, unless that would make the
    range empty, in which case the question's reading is dropped.
    """
    if explicit is None or (explicit.since is None and explicit.until is None):
        return inferred
    if inferred is None:
        return explicit
    since = explicit.since if explicit.since is not None else inferred.since
    until = explicit.until if explicit.until is not None else inferred.until
    if (since, until) == (explicit.since, explicit.until) or (
        since is not None and until is not None and since > until
    ):
        return explicit
    text = f"{describe(since, until)} (given bounds, the rest read from '{inferred.phrase}')"
    return DateRange(since, until, inferred.phrase, text)


def describe(since: dt.date | None, until: dt.date | None) -> str:
    """A short label for a range: "2023", "June 2024", "Q1 2023", "2020-01-01 to 2022-12-31"."""
    if since is None and until is None:
        return "any date"
    if since is None:
        return f"up to {until}"
    if until is None:
        return f"from {since} on"
    if since == until:
        return f"{since.day} {calendar.month_name[since.month]} {since.year}"
    if (since, until) == year_span(since.year):
        return str(since.year)
    if (since, until) == month_span(since.year, since.month):
        return f"{calendar.month_name[since.month]} {since.year}"
    if since.day == 1 and since.month % 3 == 1 and (since, until) == part_span(since, 1):
        return f"Q{since.month // 3 + 1} {since.year}"
    if since.day == 1 and since.month % 6 == 1 and (since, until) == part_span(since, 2):
        return f"H{since.month // 6 + 1} {since.year}"
    if (since.month, since.day, until.month, until.day) == (1, 1, 12, 31):
        return f"{since.year} to {until.year}"
    return f"{since} to {until}"


def interpret(question: str, reference: dt.date | None) -> DateRange | None:
    """The period a question asks about, or ``None`` when it names none.

    Args:
        question: The question as asked, e.g. "What did Jilin sign with Huawei last June?".
        reference: The "now" of relative phrases (the as-of date, else today); ``None``
            skips them.

    Returns:
        A ``DateRange`` whose ``phrase`` holds the words read (several joined by "; ") and
        whose ``description`` says how they were read; ``None`` if no phrase names a period.
    """
    mentions = find_mentions(question, reference)
    if not mentions:
        return None
    since, until = _combine(mentions)
    if since is not None and until is not None and since > until:
        logger.debug("date phrases of %r contradict each other; keeping the first", question)
        mentions = mentions[:1]
        since, until = mentions[0].since, mentions[0].until
    phrase = "; ".join(m.phrase for m in mentions)
    read = ", ".join(f"'{m.phrase}'" for m in mentions)
    relative = any(m.relative for m in mentions)
    if relative:
        read += f" relative to {reference}"
    return DateRange(since, until, phrase, f"{describe(since, until)} (read {read})", relative)


def _combine(mentions: tuple[DateMention, ...]) -> tuple[dt.date | None, dt.date | None]:
    """Cover all closed periods, then narrow by the open-ended ones."""
    closed = [m for m in mentions if m.since is not None and m.until is not None]
    since = min((m.since for m in closed if m.since), default=None)
    until = max((m.until for m in closed if m.until), default=None)
    for m in mentions:
        if m.until is None and m.since is not None:
            since = m.since if since is None else max(since, m.since)
        if m.since is None and m.until is not None:
            until = m.until if until is None else min(until, m.until)
    return since, until


def news_of_then(as_of: dt.date, days: int) -> DateRange:
    """The period a question that names none is read in when the archive is read as of a day."""
    since = as_of - dt.timedelta(days=days - 1)
    note = f"{describe(since, as_of)} (the news of the {days} days up to {as_of}, the as-of date)"
    return DateRange(since, as_of, "", note, relative=True)


def weighing(window: DateRange) -> str:
    """How "how the question was read" shows a period the question names (it only weighs)."""
    what = "dated articles near it weigh more" if window.relative else "dates weigh the ranking"
    return f"{window.description}: {what}; none is left out"


def window_fit(day: dt.date, window: DateRange) -> float:
    """How near an article dated ``day`` is to the period a question names, from 0 to 1.

    1 inside the period; outside it ``exp(-gap / scale)``, the gap being the days to the
    period's nearer end and the scale the period's length (a week at least): an article a day
    before "this week" still counts 0.87, one a month before 0.01. Nothing counts against an
    article, so a period far from every article (an old archive asked about "this week" of
    today) changes no ranking.
    """
    since, until = window.since, window.until
    if since is not None and day < since:
        gap = (since - day).days
    elif until is not None and day > until:
        gap = (day - until).days
    else:
        return 1.0
    length = (until - since).days + 1 if since is not None and until is not None else 0
    return math.exp(-gap / max(WINDOW_SCALE_MIN_DAYS, length))


def year_fit(year: int, named: Collection[int]) -> float:
    """How well an article dated in ``year`` fits a question that names the years ``named``.

    News is written when things happen: an article of the named year is the likeliest to
    report on it (1.0), one of the year after still often does, since annual figures and
    results come out then (0.5), and one dated before every named year cannot report on them,
    only look ahead (-1.0). Later years, and a question that names none, are neutral (0.0).
    """
    if not named:
        return 0.0
    if year in named:
        return 1.0
    if year - 1 in named:
        return 0.5
    return -1.0 if year < min(named) else 0.0
