"""Reading dates: caller bounds, question phrases, and merging the two."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import InvalidArgumentError
from qa.ingest.header import leading_date
from qa.models import DateRange
from qa.search import dates
from qa.search.dates import coerce_bound, describe, find_mentions, interpret, merge, parse_bound

D = dt.date
REF = D(2024, 6, 5)  # the newest seed article


# ----------------------------------------------------------------------------- bounds
@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2023", False, D(2023, 1, 1)),
        ("2023", True, D(2023, 12, 31)),
        ("2023-06", False, D(2023, 6, 1)),
        ("2023-06", True, D(2023, 6, 30)),
        ("2024-02", True, D(2024, 2, 29)),  # leap year
        ("2023-02", True, D(2023, 2, 28)),
        ("2023-12", True, D(2023, 12, 31)),
        ("2022-05-29", False, D(2022, 5, 29)),
        ("2022-05-29", True, D(2022, 5, 29)),
        (" 2022-5-9 ", True, D(2022, 5, 9)),
    ],
)
def test_parse_bound(text: str, end: bool, expected: dt.date) -> None:
    assert parse_bound(text, end=end) == expected


@pytest.mark.parametrize("text", ["", "22", "2023-13", "2023-02-30", "June 2023", "2023/06/01"])
def test_parse_bound_rejects_with_formats_named(text: str) -> None:
    with pytest.raises(InvalidArgumentError, match="YYYY, YYYY-MM or YYYY-MM-DD") as err:
        parse_bound(text, end=True)
    assert "until" in str(err.value)


def test_coerce_bound() -> None:
    assert coerce_bound(None, end=False) is None
    assert coerce_bound("  ", end=False) is None
    assert coerce_bound(D(2020, 3, 4), end=True) == D(2020, 3, 4)
    assert coerce_bound(dt.datetime(2020, 3, 4, 12, 0), end=True) == D(2020, 3, 4)
    assert coerce_bound("2020", end=False) == D(2020, 1, 1)
    with pytest.raises(InvalidArgumentError, match="since"):
        coerce_bound(2020, end=False)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- phrases
CASES = [
    # (question, phrase read, since, until)
    ("What happened in 2023?", "in 2023", D(2023, 1, 1), D(2023, 12, 31)),
    ("Who visited in February 2022?", "in February 2022", D(2022, 2, 1), D(2022, 2, 28)),
    ("February 2022 talks with Huawei", "February 2022", D(2022, 2, 1), D(2022, 2, 28)),
    ("What was agreed in Feb. 2024?", "in Feb. 2024", D(2024, 2, 1), D(2024, 2, 29)),
    ("What happened in June 2024?", "in June 2024", D(2024, 6, 1), D(2024, 6, 30)),
    ("Any news in December 2023?", "in December 2023", D(2023, 12, 1), D(2023, 12, 31)),
    ("What happened last June?", "last June", D(2024, 6, 1), D(2024, 6, 30)),
    ("What happened last December?", "last December", D(2023, 12, 1), D(2023, 12, 31)),
    ("What happened this year?", "this year", D(2024, 1, 1), D(2024, 12, 31)),
    ("What happened last year?", "last year", D(2023, 1, 1), D(2023, 12, 31)),
    ("What happened last month?", "last month", D(2024, 5, 1), D(2024, 5, 31)),
    ("What happened this month?", "this month", D(2024, 6, 1), D(2024, 6, 30)),
    ("in the past 2 years", "in the past 2 years", D(2022, 6, 5), D(2024, 6, 5)),
    ("over the past three months", "the past three months", D(2024, 3, 5), D(2024, 6, 5)),
    ("in the last 10 days", "in the last 10 days", D(2024, 5, 26), D(2024, 6, 5)),
    ("What has Jilin done since 2021?", "since 2021", D(2021, 1, 1), None),
    ("Deals after 2021", "after 2021", D(2022, 1, 1), None),
    ("Deals before 2022", "before 2022", None, D(2021, 12, 31)),
    ("Targets by 2025", "by 2025", None, D(2025, 12, 31)),
    ("between 2020 and 2022", "between 2020 and 2022", D(2020, 1, 1), D(2022, 12, 31)),
    ("from 2020 to 2022", "from 2020 to 2022", D(2020, 1, 1), D(2022, 12, 31)),
    ("output in 2020-2022", "in 2020-2022", D(2020, 1, 1), D(2022, 12, 31)),
    ("from May 2021 to June 2022", "from May 2021 to June 2022", D(2021, 5, 1), D(2022, 6, 30)),
    ("What was published on 2022-05-29?", "on 2022-05-29", D(2022, 5, 29), D(2022, 5, 29)),
    ("talks on 29 May 2022", "on 29 May 2022", D(2022, 5, 29), D(2022, 5, 29)),
    ("the May 29, 2022 meeting", "May 29, 2022", D(2022, 5, 29), D(2022, 5, 29)),
    ("on February 29, 2024", "on February 29, 2024", D(2024, 2, 29), D(2024, 2, 29)),
    ("in the first half of 2023", "in the first half of 2023", D(2023, 1, 1), D(2023, 6, 30)),
    ("sales in Q1 2023", "in Q1 2023", D(2023, 1, 1), D(2023, 3, 31)),
    ("the fourth quarter of 2022", "the fourth quarter of 2022", D(2022, 10, 1), D(2022, 12, 31)),
    ("in the year 2019", "in the year 2019", D(2019, 1, 1), D(2019, 12, 31)),
    ("the 5th strategic cooperation since 2005", "since 2005", D(2005, 1, 1), None),
    # Chinese
    ("在2023年吉林省签了什么协议？", "在2023年", D(2023, 1, 1), D(2023, 12, 31)),
    ("2023年6月15日发生了什么？", "2023年6月15日", D(2023, 6, 15), D(2023, 6, 15)),
    ("2023年6月签署了什么协议？", "2023年6月", D(2023, 6, 1), D(2023, 6, 30)),
    ("2023年上半年的产量是多少？", "2023年上半年", D(2023, 1, 1), D(2023, 6, 30)),
    ("2022年第四季度的出口？", "2022年第四季度", D(2022, 10, 1), D(2022, 12, 31)),
    ("今年有什么新闻？", "今年", D(2024, 1, 1), D(2024, 12, 31)),
    ("去年签了什么协议？", "去年", D(2023, 1, 1), D(2023, 12, 31)),
    ("上个月有什么会议？", "上个月", D(2024, 5, 1), D(2024, 5, 31)),
    ("近三年的投资是多少？", "近三年", D(2021, 6, 5), D(2024, 6, 5)),
    ("2020年以来的合作？", "2020年以来", D(2020, 1, 1), None),
    ("2021年以后的项目", "2021年以后", D(2022, 1, 1), None),
    ("2022年之前的规划", "2022年之前", None, D(2021, 12, 31)),
    ("从2020年到2022年的产量", "从2020年到2022年", D(2020, 1, 1), D(2022, 12, 31)),
]


@pytest.mark.parametrize(("question", "phrase", "since", "until"), CASES)
def test_interpret(
    question: str, phrase: str, since: dt.date | None, until: dt.date | None
) -> None:
    got = interpret(question, REF)
    assert got is not None
    assert (got.since, got.until, got.phrase) == (since, until, phrase)
    assert phrase in question


@pytest.mark.parametrize(
    "question",
    [
        "What is rule 4266 about?",
        "How many of the 15 million tires were exported?",
        "What happened on the 5th?",
        "The road is 2005 km long; what was built in 2005 km?",
        "It grew by 2025 tons",
        "It cost $2023 per unit",
        "Which of 2,022 firms signed?",
        "Was 2023 a good year?",  # a bare year without a preposition
        "May I ask what Huawei signed?",
        "What happened in June?",  # a month without a year is not read
        "What changed in recent years?",
        "What happened on the last day of the fair?",
        "What happened in 1850?",
        "What happened on 2023-02-30?",
        "2022年地区生产总值是多少？",  # a bare year: "the 2022 GDP", reported in 2023
        "10486个基站建成了吗？",
    ],
)
def test_not_a_date(question: str) -> None:
    assert interpret(question, REF) is None


def test_last_june_when_the_reference_is_before_june() -> None:
    got = interpret("What happened last June?", D(2024, 5, 20))
    assert got is not None and (got.since, got.until) == (D(2023, 6, 1), D(2023, 6, 30))


def test_past_months_clamp_to_month_end() -> None:
    got = interpret("in the past month", D(2024, 3, 31))
    assert got is not None and (got.since, got.until) == (D(2024, 2, 29), D(2024, 3, 31))


def test_relative_phrases_need_a_reference() -> None:
    assert interpret("What happened last June?", None) is None
    assert interpret("in the past 2 years", None) is None
    got = interpret("in 2023", None)
    assert got is not None and got.since == D(2023, 1, 1)


def test_description_names_the_phrase_and_reference() -> None:
    got = interpret("What happened last June?", REF)
    assert got is not None
    assert got.description == "June 2024 (read 'last June' relative to 2024-06-05)"
    assert got.relative
    got = interpret("in 2023", REF)
    assert got is not None and got.description == "2023 (read 'in 2023')"
    assert not got.relative


# ----------------------------------------------------------------------------- as of a date
AS_OF = D(2023, 1, 5)  # a Thursday, the day a weekly news quiz was asked

RELATIVE = [
    ("Which pope was laid to rest this week?", "this week", D(2022, 12, 30), AS_OF),
    ("What did the storm destroy last week?", "last week", D(2022, 12, 29), AS_OF),
    ("Who resigned last month?", "last month", D(2022, 12, 1), D(2022, 12, 31)),
    ("What did the FDA recently add to its list?", "recently", D(2022, 12, 6), AS_OF),
    ("Who is the current speaker?", "current", D(2022, 12, 6), AS_OF),
    ("What is the latest on the strike?", "latest", D(2022, 12, 6), AS_OF),
    ("Which team is now top?", "now", D(2022, 12, 6), AS_OF),
    ("What will open later this year?", "later this year", D(2022, 12, 6), AS_OF),
    ("How many flights were cancelled so far this year?", "so far this year", D(2023, 1, 1),
     AS_OF),
    ("Who won this year?", "this year", D(2023, 1, 1), D(2023, 12, 31)),
    ("Who was arrested yesterday?", "yesterday", D(2023, 1, 4), D(2023, 1, 4)),
    ("What happened today?", "today", AS_OF, AS_OF),
    ("What did the Senate pass on Monday?", "on Monday", D(2023, 1, 2), D(2023, 1, 2)),
    ("What opened last Friday?", "last Friday", D(2022, 12, 30), D(2022, 12, 30)),
    ("本周谁获得了冠军？", "本周", D(2022, 12, 30), AS_OF),
    ("上个月的进出口总额是多少？", "上个月", D(2022, 12, 1), D(2022, 12, 31)),
    ("最近发布了什么政策？", "最近", D(2022, 12, 6), AS_OF),
    ("今年的目标是多少？", "今年", D(2023, 1, 1), D(2023, 12, 31)),
    ("目前有多少个基站？", "目前", D(2022, 12, 6), AS_OF),
    ("昨天谁访问了长春？", "昨天", D(2023, 1, 4), D(2023, 1, 4)),
]  # fmt: skip


@pytest.mark.parametrize(("question", "phrase", "since", "until"), RELATIVE)
def test_relative_phrases_are_read_against_the_as_of_date(
    question: str, phrase: str, since: dt.date, until: dt.date
) -> None:
    got = interpret(question, AS_OF)
    assert got is not None and got.relative
    assert (got.phrase, got.since, got.until) == (phrase, since, until)
    assert "relative to 2023-01-05" in got.description


@pytest.mark.parametrize(
    "question",
    [
        "What changed in recent years?",
        "What is now known as Changchun?",
        "What is the current account balance?",
        "Which Monday was chosen?",  # a weekday without on/last/this
        "最近三年",  # a rolling period, read as such, not as "recently"
    ],
)
def test_words_that_do_not_ask_about_the_present(question: str) -> None:
    got = interpret(question, AS_OF)
    assert got is None or got.phrase == "最近三年"


def test_window_fit_is_one_inside_and_decays_outside() -> None:
    week = interpret("this week", AS_OF)
    assert week is not None
    assert dates.window_fit(D(2023, 1, 1), week) == 1.0
    assert dates.window_fit(D(2022, 12, 29), week) == pytest.approx(0.8669, abs=1e-4)
    assert dates.window_fit(D(2022, 12, 2), week) == pytest.approx(0.0183, abs=1e-4)  # e^-4
    assert dates.window_fit(D(2023, 1, 6), week) == pytest.approx(0.8669, abs=1e-4)
    year = interpret("this year", AS_OF)
    assert year is not None  # a longer period decays more slowly: the scale is its length
    assert dates.window_fit(D(2022, 12, 2), year) == pytest.approx(0.9211, abs=1e-4)
    assert "none is left out" in dates.weighing(week)


def test_several_phrases_combine() -> None:
    got = interpret("in 2022 and in 2023", REF)
    assert got is not None
    assert (got.since, got.until, got.phrase) == (
        D(2022, 1, 1),
        D(2023, 12, 31),
        "in 2022; in 2023",
    )
    got = interpret("since 2021 but before 2023", REF)
    assert got is not None and (got.since, got.until) == (D(2021, 1, 1), D(2022, 12, 31))
    got = interpret("in 2022 before 2020", REF)  # contradictory: the first phrase wins
    assert got is not None and (got.since, got.until, got.phrase) == (
        D(2022, 1, 1),
        D(2022, 12, 31),
        "in 2022",
    )


def test_find_mentions_gives_offsets() -> None:
    q = "What did Jilin and Huawei sign on 29 May 2022?"
    (m,) = find_mentions(q, REF)
    assert q[m.start : m.end] == "on 29 May 2022" == m.phrase
    assert not m.relative


@pytest.mark.parametrize(
    ("since", "until", "label"),
    [
        (D(2023, 1, 1), D(2023, 12, 31), "2023"),
        (D(2024, 2, 1), D(2024, 2, 29), "February 2024"),
        (D(2023, 4, 1), D(2023, 6, 30), "Q2 2023"),
        (D(2023, 7, 1), D(2023, 12, 31), "H2 2023"),
        (D(2022, 5, 29), D(2022, 5, 29), "29 May 2022"),
        (D(2020, 1, 1), D(2022, 12, 31), "2020 to 2022"),
        (D(2020, 3, 4), D(2022, 1, 2), "2020-03-04 to 2022-01-02"),
        (D(2021, 1, 1), None, "from 2021-01-01 on"),
        (None, D(2021, 12, 31), "up to 2021-12-31"),
        (None, None, "any date"),
    ],
)
def test_describe(since: dt.date | None, until: dt.date | None, label: str) -> None:
    assert describe(since, until) == label


# ----------------------------------------------------------------------------- merge
def test_merge_explicit_wins() -> None:
    inferred = interpret("What happened in 2023?", REF)
    assert merge(None, inferred) == inferred
    assert merge(DateRange(None, None), inferred) == inferred
    explicit = DateRange(D(2023, 3, 1), D(2023, 3, 31))
    assert merge(explicit, inferred) == explicit
    assert merge(explicit, None) == explicit
    assert merge(None, None) is None


def test_merge_fills_open_bounds_from_the_question() -> None:
    inferred = interpret("What happened in 2023?", REF)
    got = merge(DateRange(None, D(2023, 6, 30)), inferred)
    assert got is not None
    assert (got.since, got.until, got.phrase) == (D(2023, 1, 1), D(2023, 6, 30), "in 2023")
    # a question's bound that would empty the range is dropped
    explicit = DateRange(D(2024, 1, 1), None)
    assert merge(explicit, inferred) == explicit


# ----------------------------------------------------------------------------- any text
WORDS = (
    "in since before after between and from to last this past the June May Q1 first half of "
    "2023 2020 1850 4266 5th 2022-02-29 2024-02-29 year month 3 years months - , km"
).split()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.sampled_from([REF, None]))
def test_any_words_give_a_valid_range_or_none(words: list[str], ref: dt.date | None) -> None:
    question = " ".join(words)
    got = interpret(question, ref)
    if got is not None:
        assert got.since is not None or got.until is not None
        assert got.since is None or got.until is None or got.since <= got.until
        assert all(part in question for part in got.phrase.split("; "))


@pytest.mark.parametrize(
    ("question", "years"),
    [
        ("Who is the Maxwell Award winner in 2019?", {2019}),
        ("the 2019 Maxwell Award", {2019}),  # bare: no preposition needed here
        ("What was Tesla's revenue in Q1 2021?", {2021}),
        ("2022年吉林省GDP是多少？", {2022}),
        ("On 2023-06-05, who spoke?", {2023}),
        ("between 2020 and 2022", {2020, 2022}),
        ("He ran 2000 km", set()),  # a quantity
        ("It cost $2019.50", set()),
        ("What happened last year?", set()),  # relative: left to interpret
        ("When was Diablo 3 released?", set()),
    ],
)
def test_named_years(question: str, years: set[int]) -> None:
    assert dates.named_years(question) == years


def test_named_years_stop_at_the_reference() -> None:
    question = "What is the release date of Cyberpunk 2077?"
    assert dates.named_years(question) == {2077}
    assert dates.named_years(question, dt.date(2023, 5, 1)) == set()
    assert dates.named_years("between 2020 and 2024", dt.date(2023, 5, 1)) == {2020}


def test_year_fit() -> None:
    assert dates.year_fit(2019, {2019}) == 1.0
    assert dates.year_fit(2020, {2019}) == 0.5  # the year's figures come out the year after
    assert dates.year_fit(2018, {2019}) == -1.0  # written before it: cannot report it
    assert dates.year_fit(2018, {2018, 2020}) == 1.0
    assert dates.year_fit(2017, {2018, 2020}) == -1.0
    assert dates.year_fit(2022, {2019}) == 0.0
    assert dates.year_fit(2019, set()) == 0.0


@pytest.mark.parametrize(
    ("text", "date", "rest"),
    [
        ("Oct 23, 2019 ... Tesla posted", dt.date(2019, 10, 23), "Tesla posted"),
        ("Sept. 5, 2020 ... x", dt.date(2020, 9, 5), "x"),
        ("23 October 2019 - Foo", dt.date(2019, 10, 23), "Foo"),
        ("  2019-10-23 — Foo", dt.date(2019, 10, 23), "Foo"),
        ("2023年1月20日，吉林省统计局", dt.date(2023, 1, 20), "吉林省统计局"),
        ("Mar 3, 2014 ...", dt.date(2014, 3, 3), ""),
    ],
)
def test_leading_date(text: str, date: dt.date, rest: str) -> None:
    found = leading_date(text)
    assert found is not None and found[0] == date and text[found[1] :] == rest


@pytest.mark.parametrize(
    "text", ["Tesla said on Oct 23, 2019", "2012年伦敦奥运会", "May 2012 ...", "Feb 30, 2020 ..."]
)
def test_no_leading_date(text: str) -> None:
    assert leading_date(text) is None
