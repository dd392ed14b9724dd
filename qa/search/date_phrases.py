"""Finding the date phrases of a question: the engine behind ``qa.search.dates.interpret``.

Two steps: find *points* - a day, a month, a quarter, a half, a year, or a period relative to
the reference date ("last month", "the past 3 years") - each an inclusive interval; then look
at the word just before each point (in/since/after/before/until/between/from...) and at a
second point that closes a range ("between 2020 and 2022", "from May 2021 to 2023").
The choices behind each reading are listed in ``qa.search.dates``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from qa.ingest.chinese import numeral_value

logger = logging.getLogger(__name__)

__all__ = ["DateMention", "find_mentions", "month_span", "named_years", "part_span"]
__all__ += ["shift_months", "year_span"]

# ---------------------------------------------------------------------------- calendar helpers
Span = tuple[dt.date, dt.date]


def year_span(year: int) -> Span:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def month_span(year: int, month: int) -> Span:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def part_span(first: dt.date, halves: int) -> Span:
    """The quarter (``halves=1``) or half year (``halves=2``) that starts on ``first``."""
    last_month = first.month + 3 * halves - 1
    return first, month_span(first.year, last_month)[1]


def shift_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's end (31 March - 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# ---------------------------------------------------------------------------- finding points
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
YEAR = r"(?P<year>(?:19|20)\d\d|2100)\b"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINAL.update({"fourth": 4, "4th": 4})
_NUMBER = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_NUMBER.update({"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3})
NUM = r"(?P<n>\d{1,3}|" + "|".join(_NUMBER) + r")"
UNITS = r"(?P<unit>years?|months?|weeks?|days?|decades?)"
# Words after a number that make it a quantity rather than a year.
_NOT_YEAR_AFTER = (
    r"%|percent|per|km|kilomet|met(?:er|re)|miles?|kg|kilo|tons?|tonnes?|yuan|rmb|dollars?|usd"
    r"|euros?|people|persons?|units?|sets?|vehicles?|cars?|million|billion|thousand|hundred"
    r"|hectares?|mu\b|square|cubic|times|pieces?|households?|workers?|jobs?|enterprises?"
    r"|compan|projects?|students?|mw|kw|gw|kwh|yards?|feet|hours?|minutes?|seconds?|\d"
)


@dataclass(frozen=True)
class DateMention:
    """One date phrase of a question, as offsets into it and the period it names."""

    start: int
    end: int
    phrase: str
    since: dt.date | None
    until: dt.date | None
    relative: bool  # read relative to the reference date


@dataclass(frozen=True)
class _Point:
    start: int
    end: int
    span: Span
    bare_year: bool  # a lone number: a year only with a preposition or as part of a range
    relative: bool


def _pat(rx: str) -> re.Pattern[str]:
    return re.compile(rx, re.IGNORECASE)


def _month_number(m: re.Match[str]) -> int:
    name = m.groupdict().get("mon")
    return _MONTHS[name.lower()] if name else int(m["m"])


def _day_span(m: re.Match[str], _ref: dt.date | None) -> Span | None:
    month = _month_number(m)
    day = dt.date(int(m["year"]), month, int(m["day"]))
    return day, day


def _month_span(m: re.Match[str], _ref: dt.date | None) -> Span | None:
    month = _month_number(m)
    return month_span(int(m["year"]), month)


def _part_span(m: re.Match[str], _ref: dt.date | None) -> Span | None:
    g = m.groupdict()
    halves = 2 if g.get("half") else 1
    digit, word = g.get("q") or g.get("h"), g.get("qword") or g.get("hword") or ""
    n = int(digit) if digit else _ORDINAL[word.lower()]
    if n > 4 // halves:
        return None
    return part_span(dt.date(int(m["year"]), 3 * halves * (n - 1) + 1, 1), halves)


def _year_span(m: re.Match[str], _ref: dt.date | None) -> Span | None:
    return year_span(int(m["year"]))


def _calendar(ref: dt.date, unit: str, back: int) -> Span:
    """The calendar year or month ``back`` of them before the reference's."""
    if unit == "year":
        return year_span(ref.year - back)
    first = shift_months(ref.replace(day=1), -back)
    return month_span(first.year, first.month)


def _calendar_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    if ref is None:
        return None
    return _calendar(ref, m["unit"].lower(), 0 if m["which"].lower() == "this" else 1)


def _named_month_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    if ref is None:
        return None
    month = _MONTHS[m["mon"].lower()]
    which = m["which"].lower()
    year = ref.year if which == "this" or month <= ref.month else ref.year - 1
    return month_span(year, month)


def _rolling(ref: dt.date, n: int, unit: str) -> Span:
    """From ``n`` days/weeks/months/years/decades before the reference to the reference."""
    if unit in ("day", "week"):
        return ref - dt.timedelta(days=n * (7 if unit == "week" else 1)), ref
    months = n * {"month": 1, "year": 12, "decade": 120}[unit]
    return shift_months(ref, -months), ref


def _rolling_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    if ref is None:
        return None
    n = _NUMBER.get((m["n"] or "a").lower()) or int(m["n"])
    return _rolling(ref, n, m["unit"].lower().rstrip("s"))


RECENT_DAYS = 30  # "recently", "now", "the latest": the month up to the reference date
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
# (days back to the first day, days back to the last): "this week" is the seven days up to
# the reference date, "上周" as "last week" the seven days before it (see _rolling).
_DAYS = {"today": (0, 0), "tonight": (0, 0), "yesterday": (1, 1), "this week": (6, 0)}
_DAYS |= {"今天": (0, 0), "今日": (0, 0), "昨天": (1, 1), "本周": (6, 0), "这周": (6, 0)}
_DAYS |= {"本星期": (6, 0), "上周": (7, 0), "上星期": (7, 0)}


def _days_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    """ "today", "yesterday", "this week", 本周 ... counted back from the reference date."""
    if ref is None:
        return None
    back, to = _DAYS[re.sub(r"\s+", " ", m[0].lower())]
    return ref - dt.timedelta(days=back), ref - dt.timedelta(days=to)


def _weekday_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    """ "on Monday", "last Friday": the latest such day on or before the reference date."""
    if ref is None:
        return None
    day = ref - dt.timedelta(days=(ref.weekday() - _WEEKDAYS[m["wd"].lower()]) % 7)
    return day, day


def _so_far_span(_m: re.Match[str], ref: dt.date | None) -> Span | None:
    return None if ref is None else (ref.replace(month=1, day=1), ref)


def _recent_span(_m: re.Match[str], ref: dt.date | None) -> Span | None:
    """A question about the present ("recently", "now", "the latest", "later this year")."""
    return None if ref is None else (ref - dt.timedelta(days=RECENT_DAYS), ref)


WEEKDAY = r"(?P<wd>" + "|".join(_WEEKDAYS) + r")\b"
# Words that ask about the present; "recent years" and "the current account" do not.
_PRESENT = (
    r"\b(?:recently|lately|nowadays|currently|latest|newest|upcoming|soon|"
    r"recent(?!\s+(?:years?|decades?|centur))|now(?!\s+(?:known|called|named|part))|"
    r"current(?!\s+account)|later\s+this\s+(?:year|month|week))\b"
)


_POINTS: tuple[tuple[re.Pattern[str], Callable[..., Span | None], bool, bool], ...] = (
    # (pattern, reader, bare_year, relative)
    (
        _pat(r"(?<![\d.-])" + YEAR + r"[-/.](?P<m>\d\d?)[-/.](?P<day>\d\d?)(?![\d-])"),
        _day_span,
        False,
        False,
    ),
    (_pat(r"\b" + DAY + r"\s+(?:of\s+)?" + MONTH + r",?\s+" + YEAR), _day_span, False, False),
    (_pat(r"\b" + MONTH + r"\s+" + DAY + r",?\s+" + YEAR), _day_span, False, False),
    (_pat(r"\b" + MONTH + r",?\s+(?:of\s+)?" + YEAR), _month_span, False, False),
    (_pat(r"(?<![\d.-])" + YEAR + r"-(?P<m>\d\d)(?![\d-])"), _month_span, False, False),
    (
        _pat(
            r"(?:\bthe\s+)?(?:\bQ(?P<q>[1-4])|\b(?P<qword>first|second|third|fourth|[1-4](?:st|nd"
            r"|rd|th))\s+quarter)\s*(?:of\s+|,\s*)?" + YEAR
        ),
        _part_span,
        False,
        False,
    ),
    (
        _pat(
            r"(?:\bthe\s+)?(?P<half>\bH(?P<h>[12])|\b(?P<hword>first|second|1st|2nd)\s+half)\s*"
            r"(?:of\s+|,\s*)?" + YEAR
        ),
        _part_span,
        False,
        False,
    ),
    (
        _pat(
            r"(?:\bthe\s+year\s+)?(?<![\d.,$€£¥])"
            + YEAR
            + r"(?!-\d\d?-)(?![.,]\d)(?!\s*(?:"
            + _NOT_YEAR_AFTER
            + "))"
        ),
        _year_span,
        True,
        False,
    ),
    (
        _pat(r"\b(?P<which>this|last|previous)\s+(?P<unit>year|month)\b"),
        _calendar_span,
        False,
        True,
    ),
    (_pat(r"\b(?P<which>this|last)\s+" + MONTH), _named_month_span, False, True),
    (
        _pat(
            r"(?:\bthe\s+)?\b(?:past|last|previous|recent)\s+(?:" + NUM + r"\s+)?" + UNITS + r"\b"
        ),
        _rolling_span,
        False,
        True,
    ),
    (_pat(r"\b(?:today|tonight|yesterday|this\s+week)\b"), _days_span, False, True),
    (_pat(r"\b(?:on|last|this|past)\s+" + WEEKDAY), _weekday_span, False, True),
    (_pat(r"\bso\s+far\s+this\s+year\b"), _so_far_span, False, True),
    (_pat(_PRESENT), _recent_span, False, True),
)


# Chinese: 2023年6月15日, 2023年6月, 2023年上半年, 2023年第一季度, 2023年, 今年, 去年, 上个月,
# 近三年. "年" is a word character, so these need no \b after the year.
ZH_YEAR = r"(?<!\d)(?P<year>(?:19|20)\d\d)年"


def _zh_number(text: str) -> int:
    value = int(text) if text.isdigit() else numeral_value(text)
    assert value is not None, text  # the patterns allow only 一 to 十
    return value


def _zh_part_span(m: re.Match[str], _ref: dt.date | None) -> Span | None:
    year = int(m["year"])
    if m["half"]:
        return part_span(dt.date(year, 1 if m["half"] == "上" else 7, 1), 2)
    quarter = _zh_number(m["q"])
    return part_span(dt.date(year, 3 * quarter - 2, 1), 1) if 1 <= quarter <= 4 else None


_ZH_CALENDAR = {
    "今年": ("year", 0), "去年": ("year", 1), "前年": ("year", 2),
    "本月": ("month", 0), "这个月": ("month", 0), "上月": ("month", 1), "上个月": ("month", 1),
}  # fmt: skip
# 最近, 近日, 目前, 现在, 当前, 最新 ask about the present (最近三年 is a rolling period).
_ZH_PRESENT = r"最近(?!\d|[一二两三四五六七八九十])|近日|近期|目前|现在|当前|最新"
_ZH_UNITS = {"年": "year", "月": "month", "周": "week", "天": "day", "日": "day"}


def _zh_calendar_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    return None if ref is None else _calendar(ref, *_ZH_CALENDAR[m[0]])


def _zh_rolling_span(m: re.Match[str], ref: dt.date | None) -> Span | None:
    return None if ref is None else _rolling(ref, _zh_number(m["n"]), _ZH_UNITS[m["unit"]])


_ZH_POINTS: tuple[tuple[re.Pattern[str], Callable[..., Span | None], bool, bool], ...] = (
    (re.compile(ZH_YEAR + r"(?P<m>\d{1,2})月(?P<day>\d{1,2})[日号]"), _day_span, False, False),
    (re.compile(ZH_YEAR + r"(?P<m>\d{1,2})月"), _month_span, False, False),
    (
        re.compile(ZH_YEAR + r"(?:(?P<half>[上下])半年|第(?P<q>[一二三四1-4])季度)"),
        _zh_part_span,
        False,
        False,
    ),
    (re.compile(ZH_YEAR + r"(?!\d)"), _year_span, True, False),
    (re.compile("|".join(_ZH_CALENDAR)), _zh_calendar_span, False, True),
    (
        re.compile(
            r"(?:近|过去|最近)(?P<n>\d{1,2}|[一二两三四五六七八九十])个?(?P<unit>年|月|周|天|日)"
        ),
        _zh_rolling_span,
        False,
        True,
    ),
    (re.compile("|".join(k for k in _DAYS if not k.isascii())), _days_span, False, True),
    (re.compile(_ZH_PRESENT), _recent_span, False, True),
)


def _points(question: str, reference: dt.date | None) -> list[_Point]:
    """All readable points, longest first where they overlap, in order of position."""
    found: list[_Point] = []
    for pattern, reader, bare, relative in _POINTS + _ZH_POINTS:
        for m in pattern.finditer(question):
            if relative and not _rolling_ok(m):
                continue
            try:
                span = reader(m, reference)
            except (ValueError, KeyError):  # 2022-13-40, "the fifth quarter"
                span = None
            if span is not None:
                found.append(
                    _Point(m.start(), m.end(), span, bare and "year " not in m[0].lower(), relative)
                )
    found.sort(key=lambda p: (p.start, p.start - p.end))
    chosen: list[_Point] = []
    for p in found:
        if not chosen or p.start >= chosen[-1].end:
            chosen.append(p)
    return chosen


def named_years(question: str, reference: dt.date | None = None) -> frozenset[int]:
    """The years of every day, month, quarter and year the question names, bare ones included.

    Unlike ``find_mentions`` this needs no preposition: "the 2019 Maxwell Award" and
    "2022年吉林省GDP" name 2019 and 2022. Relative phrases ("last year") are left out, and so
    are years after ``reference`` (the newest article's date), which no article can be dated
    in: "Cyberpunk 2077" names no year of an archive that ends in 2023.
    """
    last = reference.year if reference is not None else None
    return frozenset(
        year
        for p in _points(question, None)
        if not p.relative
        for year in range(p.span[0].year, p.span[1].year + 1)
        if last is None or year <= last
    )


def _rolling_ok(m: re.Match[str]) -> bool:
    """Without a number only "the past year/month/week/decade" and "last week/decade" roll back.

    "last year"/"last month" are calendar periods (read elsewhere), and "recent years" or
    "the last day of the fair" name no period at all.
    """
    groups = m.groupdict()
    if "n" not in groups or groups["n"] is not None:
        return True
    return bool(
        re.fullmatch(
            r"(?:the\s+)?past\s+(?:year|month|week|decade)|last\s+(?:week|decade)", m[0], re.I
        )
    )


# ---------------------------------------------------------------------------- reading phrases
_OP = re.compile(
    r"\b(?P<op>since|after|before|until|till|by|from|between|in|on|during|of|for|throughout|"
    r"through|prior\s+to|up\s+to|as\s+early\s+as|starting(?:\s+(?:in|from|on))?|"
    r"beginning(?:\s+(?:in|from|on))?)\s+$",
    re.IGNORECASE,
)
_RANGE_SEP = {
    "between": re.compile(r"\s+and\s+", re.I),
    "": re.compile(r"\s*(?:to|until|till|through|-|–|—|到|至)\s*", re.I),
    "in": re.compile(r"\s*(?:to|until|till|through|-|–|—|and|or)\s*", re.I),
}
# A Chinese preposition just before a point, or a word just after it ("2020年以来": since 2020).
_ZH_OP_BEFORE = re.compile(r"(?P<op>在|于|自|从|截至|截止到?|到)$")
_ZH_OP_AFTER = re.compile(r"以来|以后|之后|以前|之前")
_ZH_OPS = {
    "在": "in", "于": "in", "自": "from", "从": "from", "截至": "until", "截止": "until",
    "截止到": "until", "到": "until", "以来": "since", "以后": "after", "之后": "after",
    "以前": "before", "之前": "before",
}  # fmt: skip
_OPEN_START = ("since", "from", "starting", "beginning", "as early as")
_OPEN_END = ("until", "till", "by", "through", "up to")


def find_mentions(question: str, reference: dt.date | None) -> tuple[DateMention, ...]:
    """Every date phrase of ``question``, in order, with the period it names.

    Args:
        question: The question as asked.
        reference: The date relative phrases are read against (the newest article's date);
            with ``None`` they are skipped.
    """
    points = _points(question, reference)
    mentions: list[DateMention] = []
    i = 0
    while i < len(points):
        p = points[i]
        m = _OP.search(question, max(0, p.start - 40), p.start)
        m = m or _ZH_OP_BEFORE.search(question, max(0, p.start - 3), p.start)
        op = _ZH_OPS.get(m["op"], re.sub(r"\s+", " ", m["op"].lower())) if m else ""
        start = m.start() if m else p.start
        partner = _partner(question, op, p, points[i + 1] if i + 1 < len(points) else None)
        i += 2 if partner else 1
        after = _ZH_OP_AFTER.match(question, (partner or p).end)
        if after and op in ("", "in"):  # "2020年以来": the word after is the preposition
            op = _ZH_OPS[after[0]]
            if partner is None:
                p = replace(p, end=after.end())
            else:
                partner = replace(partner, end=after.end())
        bounds: tuple[dt.date | None, dt.date | None]
        if partner is not None:
            if not op and p.bare_year and partner.bare_year:
                continue  # "4 2020 to 2022 units": too weak on its own
            bounds, last = (p.span[0], partner.span[1]), partner
        elif p.bare_year and not op:
            continue
        else:
            bounds, last = _apply(op, p.span), p
        relative = p.relative or last.relative
        mentions.append(DateMention(start, last.end, question[start : last.end], *bounds, relative))
    return tuple(mentions)


def _partner(question: str, op: str, p: _Point, q: _Point | None) -> _Point | None:
    """The point that closes a range begun by ``p`` ("between 2020 and 2022"), if any."""
    if q is None or q.span[1] < p.span[0]:
        return None
    key = op if op in ("between", "") else "in" if op in ("in", "during", "for", "of") else ""
    if op not in ("between", "from", "", "in", "during", "for", "of", "starting", "beginning"):
        return None
    return q if _RANGE_SEP[key].fullmatch(question, p.end, q.start) else None


def _apply(op: str, span: Span) -> tuple[dt.date | None, dt.date | None]:
    """The range a preposition makes of a period: "after 2021" starts on 2022-01-01."""
    first, last = span
    if op == "after":
        return last + dt.timedelta(days=1), None
    if op in ("before", "prior to"):
        return None, first - dt.timedelta(days=1)
    if op.startswith(_OPEN_START):
        return first, None
    if op in _OPEN_END:
        return None, last
    return first, last
