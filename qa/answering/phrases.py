"""The phrases of a sentence that could be a short answer, by the kind the question asks for.

For the typed kinds the shape of the text is the evidence (``qa.answering.entities``). A
person is a run of capitalised words ("New England Patriots", "John C. Messenger"), with the
title of rank before it ("King Charles III"); a date names a month or a year, with its season
or range ("the summer of 1521", "between 2005 and 2010"); a number is an amount with its unit
and scale ("$5.11 billion", "3:08"); a name is any capitalised run that is no heading in
capitals ("LATEST UPDATES") and no common word opening a sentence ("However"). A "What ...?"
question's phrases are the noun phrases of a parse (``qa.answering.syntax``); in Chinese,
jieba's tags, title marks, quotes and venues say which words are names
(``qa.answering.chinese_phrases``). Each phrase is then trimmed of the question's own words
(``_trim``): what is left is what the sentence adds. ``short_answer`` chooses among them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from functools import cache

from qa.answering import places
from qa.answering.chinese_phrases import CHINESE_UNITS, chinese_names, chinese_venues, quoted
from qa.answering.entities import (
    NAME_LEADS,
    NOT_NAME_WORDS,
    Mention,
    find_mentions,
    person_names,
)
from qa.answering.syntax import DEFAULT_PARSER, noun_phrases
from qa.index.lexical import CJK
from qa.search.question import FUNCTION_WORDS, AnswerType, QuestionInfo, stems_of


class Kind(str, Enum):
    """The kinds of phrase a short answer can be."""

    PERSON = "person"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    NAME = "name"  # an organisation, team, event, title: any proper name
    YES_NO = "yes/no"
    PHRASE = "phrase"  # a noun phrase for a "What ...?" question (syntax; without, open_span)


# Dates that are no answer on their own ("today", "later", "the century").
_VAGUE_DATE = re.compile(
    r"^(?:yesterday|today|tomorrow|ago|later|earlier|century|decade|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"\d+(?:小时|时)\d+分(?:钟)?(?:\d+秒)?|\d+分(?:钟)?\d+秒|"  # a Chinese time: 2小时10分32秒
    r"(?<![A-Za-z0-9.:])\d{1,2}:\d{2}(?![0-9:])|"  # a time: 3:08
    r"(?<![A-Za-z0-9.])\d+[–-]\d+(?![A-Za-z0-9.])|"  # a score: 24–10
    r"(?:[$€£¥]\s?|(?:US|HK|RMB)\$?\s?)?(?<![A-Za-z0-9.])\d+(?:[.,]\d+)*(?:st|nd|rd|th)?"
    r"(?![A-Za-z])"
    r"(?:\s?(?:%|percent|per cent))?"
    r"(?:\s+(?:hundred|thousand|million|billion|trillion)s?)?"
    r"(?:\s?(?:万|亿|千|百))*"
    rf"(?:{CHINESE_UNITS})?"
    r"|\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|a|several|a few|hundreds of|thousands of)\s+)?"
    r"(?:hundred|thousand|million|billion|trillion|dozen)s?\b"
    r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|half|twice|once)\b",
    re.IGNORECASE,
)
_NAME_RUN = re.compile(
    r"[A-Z0-9][\w'’&.-]*(?:\s+(?:of|de|van|von|for|the|&)?\s*[A-Z0-9][\w'’&-]*)*"
)
# Words that open a sentence or a run without being part of a name.
_OPENERS = frozenset(
    "The A An This That These Those It He She They We I In On At Of For And Or But To From By "
    "With As After Before During Since Under Over According While When Where Who What Which "
    "Why How Its His Her Their Our Mr Mrs Ms Dr".split()
)


def phrases(
    text: str, kind: Kind, question: QuestionInfo, parser: str = DEFAULT_PARSER
) -> list[Mention]:
    """The phrases of ``text`` of ``kind`` that say something the question does not; for
    ``Kind.PHRASE``, the noun phrases the spaCy pipeline ``parser`` finds (English only)."""
    if kind is Kind.PHRASE:
        if CJK.search(text):
            return []
        found = noun_phrases(text, parser)
        trimmed = [t for t in (_trim(m, text, question, Kind.NAME) for m in found) if t is not None]
        return list({(m.start, m.end): m for m in trimmed}.values())
    venues: list[Mention] = []
    if CJK.search(text) and kind in _CHINESE_TAGS:
        found = chinese_names(text, _CHINESE_TAGS[kind])
        if kind is Kind.NAME:  # a work's title, a quoted name or slogan: 《长津湖》, “冰墩墩”
            found = sorted(found + quoted(text), key=lambda m: m.start)
        if kind is Kind.PLACE:  # where an event is held (在吉林市世纪广场开幕), whole
            venues = [v for v in chinese_venues(text) if not stems_of(v.text) <= question.stems]
    elif kind is Kind.PERSON:
        found = person_names(text) or name_runs(text)
    elif kind is Kind.PLACE:
        names = places.gazetteer_for(question.text)
        if names is not None:  # a country or a US state: those the question does not name
            named = places.named_places(text, names)
            return merge_lists(text, [m for m in named if not places.names(question.text, m)])
        found = [_with_region(text, m) for m in find_mentions(text, AnswerType.PLACE)]
        found = found or name_runs(text)
    elif kind is Kind.DATE:
        found = [
            _with_year(text, m)
            for m in find_mentions(text, AnswerType.DATE)
            if not _VAGUE_DATE.match(m.text)
        ]
        found = _date_spans(text, found)
        if _YEAR_QUESTION.search(question.text.lower()):
            found = [m for m in found if _YEAR.search(m.text)]  # "What year": not "July 14"
    elif kind is Kind.NUMBER:
        found = amounts(text)
        if _COUNT_QUESTION.search(question.text.lower()):
            found = [m for m in found if not _SCORE.fullmatch(m.text)]  # a count, not 20–18
    elif kind is Kind.NAME:
        dates = find_mentions(text, AnswerType.DATE) + amounts(text)
        found = [m for m in name_runs(text) if not any(_inside(m, d) for d in dates)]
        if _WORK_QUESTION.search(question.text.lower()) and not CJK.search(text):
            found = sorted(found + english_titles(text), key=lambda m: m.start)  # "The Simpsons"
    else:
        return []
    trimmed = [t for t in (_trim(m, text, question, kind) for m in found) if t is not None]
    trimmed += venues  # in their place among the others: ``merge_lists`` sorts
    if kind is Kind.PERSON:
        trimmed = [_with_title(text, m) for m in trimmed]
    trimmed = [
        m for m in trimmed if not any(o != m and _inside(m, o) for o in trimmed)
    ]  # "2020" inside "5 January 2020"
    return merge_lists(text, trimmed) if kind is not Kind.DATE else trimmed


# "Which cartoon ...?", "what TV show franchise ...?": a work, whose title news puts in quotes.
_WORK_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?(?:show|shows|series|sitcom|cartoon|film|films|movie|"
    r"movies|book|books|novel|song|songs|album|play|musical|franchise|episode|documentary|drama)\b"
)
_TITLE = re.compile(r"[\"“]([A-Z0-9][^\"“”]{0,60}?)[,.]?[\"”]")


def english_titles(text: str) -> list[Mention]:
    """What ``text`` quotes that begins with a capital: a work's title ("The Simpsons",
    “Laverne & Shirley”), whole, with its "The"."""
    return [Mention(m.group(1), m.start(1), m.end(1)) for m in _TITLE.finditer(text)]


_COUNT_QUESTION = re.compile(r"\bhow many\b")
_SCORE = re.compile(r"\d+[–-]\d+")
_YEAR_QUESTION = re.compile(r"\b(?:what|which)\s+(?:year|century|decade)\b")
_YEAR = re.compile(r"\b\d{4}s?\b|\bcentury\b|\d{2}s\b")
_YEAR_AFTER = re.compile(r",?\s+(?:1[0-9]|20)\d{2}\b")


def _with_year(text: str, m: Mention) -> Mention:
    """A day and month with the year written after it ("5 January" of "5 January 2020")."""
    after = _YEAR_AFTER.match(text, m.end)
    if after is None or re.search(r"\d{4}", m.text):
        return m
    return Mention(text[m.start : after.end()], m.start, after.end())


_SEASON_BEFORE = re.compile(
    r"(?:(?:early|late|mid-?)\s*)?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?$",
    re.IGNORECASE,
)
_RANGE_GAP = re.compile(r"\s*(?:and|to|until|through|–|-)\s*")
_RANGE_BEFORE = re.compile(r"\b(?:between|from)\s+$")


def _date_spans(text: str, found: Sequence[Mention]) -> list[Mention]:
    """Dates with the season before them ("summer of 1521") and ranges made one ("between
    2005 and 2010", "from 1870 to 1939"): the period a "When ...?" asks about."""
    out: list[Mention] = []
    for m in found:
        season = _SEASON_BEFORE.search(text, max(0, m.start - 20), m.start)
        if season is not None:
            m = Mention(text[season.start() : m.end], season.start(), m.end)
        if out and _RANGE_GAP.fullmatch(text[out[-1].end : m.start]):
            opener = _RANGE_BEFORE.search(text, max(0, out[-1].start - 10), out[-1].start)
            if opener is not None:
                m = Mention(text[opener.start() : m.end], opener.start(), m.end)
                out[-1] = m
                continue
        out.append(m)
    return out


_REGION_AFTER = re.compile(r",\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?(?=[\s.,;:)]|$)")


def _with_region(text: str, m: Mention) -> Mention:
    """A place with the region or country written after it ("Tampa, Florida")."""
    after = _REGION_AFTER.match(text, m.end)
    if after is None or after.group().lstrip(", ").split()[0] in NOT_NAME_WORDS:
        return m
    return Mention(text[m.start : after.end()], m.start, after.end())


_TITLE_BEFORE = re.compile(
    r"\b(?:King|Queen|Prince|Princess|Duke|Duchess|Emperor|Empress|Pope|Saint|St\.?|Sir|Lord|"
    r"Lady|Count|Countess|Baron|Tsar|Czar|Sultan|Pharaoh|Archbishop|Bishop|Cardinal|Dame|Rev\.?)"
    r"\s+$"
)


def _with_title(text: str, m: Mention) -> Mention:
    """A person with the title of rank written before the name ("King Charles III")."""
    before = _TITLE_BEFORE.search(text, max(0, m.start - 16), m.start)
    if before is None:
        return m
    return Mention(text[before.start() : m.end], before.start(), m.end)


def _inside(m: Mention, other: Mention) -> bool:
    return other.start <= m.start and m.end <= other.end


# jieba's tags for the names a Chinese short answer can be: people, places, organisations.
_CHINESE_TAGS = {
    Kind.PERSON: frozenset({"nr", "nrfg", "nrt"}),
    Kind.PLACE: frozenset({"ns"}),
    Kind.NAME: frozenset({"nt", "nz", "ns", "nr", "nrfg", "nrt"}),
}


def amounts(text: str) -> list[Mention]:
    """Numbers with their scale and currency ("$5.11 billion", "15 million", "40 %"); a day
    or a year is not an amount."""
    dates = find_mentions(text, AnswerType.DATE)
    out = []
    for m in _AMOUNT.finditer(text):
        phrase = m.group().strip()
        if not phrase or not any(c.isalnum() for c in phrase):
            continue
        start = m.start() + (len(m.group()) - len(m.group().lstrip()))
        end = start + len(phrase)
        found = Mention(phrase, start, end)
        if not any(_inside(found, d) for d in dates):
            out.append(found)
    return out


def name_runs(text: str) -> list[Mention]:
    """Runs of capitalised words (and numbers inside them), without the words that open a
    sentence ("The", "In") and without a run of institution words alone ("Provincial
    Committee")."""
    out = []
    for run in _NAME_RUN.finditer(text):
        at = run.start()
        words = [(at + w.start(), at + w.end()) for w in re.finditer(r"\S+", run.group())]
        shouted = 0
        while shouted < len(words) and _loud(text[slice(*words[shouted])]):
            shouted += 1
        if shouted >= 2:
            words = words[shouted:]  # "LATEST UPDATES Rovers": the heading is no part of it
        while words and (
            text[words[0][0] : words[0][1]] in _OPENERS
            or text[words[0][0] : words[0][1]].lower() in _JOINERS
        ):
            words = words[1:]
        while words and text[words[-1][0] : words[-1][1]].lower() in _JOINERS:
            words = words[:-1]
        bare = [text[s:e].strip(".,'’").replace("’", "'") for s, e in words]
        if not words or all(w in NOT_NAME_WORDS or w.lower() in _JOINERS for w in bare):
            continue
        if not any(c.isupper() for c in "".join(bare)):
            continue
        if _shouting(bare):
            continue  # "DEADLINE TRACKER", "LATEST UPDATES": a page's furniture
        if len(words) == 1 and _common_opener(text, words[0][0], bare[0]):
            continue
        out.append(_clean(text, words[0][0], words[-1][1]))
    return out


def _loud(word: str) -> bool:
    """Whether ``word`` is a word of a heading in capitals: upper case, four letters or more."""
    return word.isupper() and len(word) >= 4


def _shouting(words: Sequence[str]) -> bool:
    """Whether a run is a heading in capitals: every word upper case, two of them ``_loud``
    ("LATEST UPDATES"), unlike an acronym ("NATO", "BBC News")."""
    letters = [w for w in words if any(c.isalpha() for c in w)]
    return all(w.isupper() for w in letters) and sum(_loud(w) for w in letters) >= 2


def _common_opener(text: str, start: int, word: str) -> bool:
    """Whether ``word``, the first of a sentence or clause, is a common word, not a name
    ("Although", "Usually", "However"), or the label of a heading ("Poll: Oscars 2021 ...",
    "UPDATE: ...")."""
    before = text[:start].strip(" \"'“(")
    if before and not before.endswith((":", ";")):
        return False
    if not before and text[start + len(word) : start + len(word) + 1] == ":":
        return True
    lowered = word.lower()
    return lowered in _stop() or (lowered.endswith("ly") and len(lowered) > 4)


@cache
def _stop() -> frozenset[str]:
    from qa.index.lexical import stop_words

    return stop_words() | FUNCTION_WORDS | _DISCOURSE


# Words that open a sentence to link it to the one before; capitalised there, never a name.
_DISCOURSE = frozenset(
    "however thus therefore meanwhile moreover furthermore nevertheless nonetheless although "
    "though even still yet instead indeed also besides hence otherwise finally later earlier "
    "today currently recently overall additionally similarly likewise consequently "
    "accordingly then now soon once perhaps maybe".split()
)


_JOINERS = frozenset(("of", "and", "for", "the", "&", "de", "van", "von"))


def _clean(text: str, start: int, end: int) -> Mention:
    """``text[start:end]`` without the punctuation and quotes at its ends."""
    while end > start and text[end - 1] in ".,;:!?)”\"'’":
        end -= 1
    if text[start:end].endswith(("’s", "'s")):
        end -= 2
    while start < end and text[start] in "(“\"'‘":
        start += 1
    return Mention(text[start:end], start, end)


_ROMAN = re.compile(r"[ivx]{1,4}")


@cache
def _lead_stems() -> frozenset[str]:
    return stems_of(" ".join(NAME_LEADS))


def _trim(m: Mention, text: str, question: QuestionInfo, kind: Kind) -> Mention | None:
    """``m`` without the question's own words at its start (and, for a person, at its end:
    "Huawei Held" for "Who held talks ...?" is "Huawei"; a date or an amount is kept whole).
    None when nothing new is left, or when it holds one of the question's names: it is then
    what the question is about, not its answer ("Vice Governor Li Guoqiang" for "Which
    events did Li Guoqiang attend?", "Zhang Zhijun" beside "Xu Zhijun")."""

    def asked(word: re.Match[str]) -> bool:
        stems = stems_of(word.group())
        return bool(stems) and stems <= question.stems

    keys = {t.stem for t in question.terms if t.key}
    keys = {k for k in keys if not _ROMAN.fullmatch(k)}  # "Harold II" beside "William II"
    keys -= _lead_stems()  # "New" of "New York" does not make "New Paltz" the question's
    words = list(re.finditer(r"\S+", m.text))
    while kind not in (Kind.DATE, Kind.NUMBER) and words and asked(words[0]):
        if words[0].group() in NAME_LEADS and len(words) > 1 and not asked(words[1]):
            break  # "New Paltz" for "What town in upstate New York ...?"
        words = words[1:]
        while words and words[0].group().lower() in _JOINERS:
            words = words[1:]  # "of Taranto" left of "Bohemond of Taranto"
    while kind is Kind.PERSON and words and asked(words[-1]):
        if _ROMAN.fullmatch(words[-1].group().lower()):
            break  # "William II" for "Who killed Harold II?"
        if stems_of(words[-1].group()) & keys:
            break  # a name of the question's: the whole mention is dropped below
        words = words[:-1]
    if not words:
        return None
    trimmed = _clean(text, m.start + words[0].start(), m.start + words[-1].end())
    stems = stems_of(trimmed.text)
    if not trimmed.text or stems <= question.stems:
        return None
    if kind in (Kind.PERSON, Kind.PLACE, Kind.NAME) and stems & keys:
        return None
    if kind in (Kind.PERSON, Kind.PLACE, Kind.NAME):
        if all(w.strip(".,'’").replace("’", "'") in NOT_NAME_WORDS for w in trimmed.text.split()):
            return None
    return trimmed


_LIST_GAP = re.compile(r"\s*(?:,|;|、|，|和|与|及|&|and|or|,\s*and|,\s*or)\s*")


def merge_lists(text: str, found: Sequence[Mention]) -> list[Mention]:
    """Phrases joined only by commas and "and" made one ("Hu Jiafu, Zhang Zhijun, Li Wei and
    An Guiwu"): a list is the answer as a whole."""
    out: list[Mention] = []
    for m in sorted(found, key=lambda m: m.start):
        if out and out[-1].end <= m.start and _LIST_GAP.fullmatch(text[out[-1].end : m.start]):
            out[-1] = Mention(text[out[-1].start : m.end], out[-1].start, m.end)
        else:
            out.append(m)
    return out
