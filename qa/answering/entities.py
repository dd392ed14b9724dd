"""Phrases of a sentence that could answer a question of a given type, found by pattern.

Without a tagger, the shape of the text is the evidence: a person is a run of capitalised words
that are not titles or institutions, a place follows "in"/"at" or ends in "City"/"Province", a
date names a month or a year (in Chinese text: 2023年1月9日, 12月18日), a number is digits or a
number word. Chinese names and places have no such shape; jieba can tag them
(``qa.ingest.chinese``), but as answer shapes its tags cost accuracy and time (see the README),
so Chinese "who" and "where" questions rank sentences by their other features only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.search.question import AnswerType

logger = logging.getLogger(__name__)

# Abbreviated months only before a day or a year, so that "Han Jun" is not a date.
_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?(?=\s*\d))"
)
_DATE = re.compile(
    rf"\b{_MONTHS}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+\d{{4}})?\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTHS + r"|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b(?:1[0-9]|20)\d{2}s?\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)[- ]century\b|"
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|"
    r"\b(?:yesterday|today|tomorrow|ago|later|earlier|century|decade)\b|"
    r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}[日号])?|\d{4}年",  # Chinese: 2023年1月9日, 12月18日, 2022年
)
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions trillion dozen dozens "
    "half twice once percent"
).split()
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?|\b(?:" + "|".join(_NUMBER_WORDS) + r")\b", re.IGNORECASE)
_CAPITALISED_RUN = re.compile(
    r"[A-Z][\w'’.-]*(?:\s+(?:(?:of|de|van|von|la|le|du|da|del|der|den|di)\s+){0,2}"
    r"(?:[A-Z]\.(?=\s+[A-Z])|[A-Z][\w'’-]*))*"
)
_PLACE_AFTER = re.compile(
    r"\b(?:in|at|near|from|to|across|throughout|outside|inside|within|into|toward|towards)"
    r"\s+(?:the\s+)?([A-Z][\w'’-]*(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’-]*)*)"
)
_PLACE_SUFFIX = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*\s+(?:City|Province|County|District|Park|Zone|Stadium|"
    r"Hall|River|Mountains?|Island|Islands|Street|Road|Square|Lake|Sea|Ocean|Valley|Bay|"
    r"State|Village|Town|Airport|Port|Palace|Arena|Center|Centre|Building|Avenue)\b"
)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|so that|in order to|so as to|as a result|caused by|"
    r"thanks to|reason|since)\b",
    re.IGNORECASE,
)
_MANNER = re.compile(r"\b(?:by|through|using|via|with)\b", re.IGNORECASE)

# Capitalised words that name a role, an institution or a calendar unit rather than a person.
NOT_NAME_WORDS = frozenset(
    """
    The A This That These Those It He She They We I In On At Of For And Or But To From By With
    As After Before During Since Under Over According While When Where Who What Which Why How
    Secretary Deputy Governor Vice Mayor Chairman Chairwoman Chair Director President Minister
    Ministry Premier Committee Party Provincial Province Municipal Municipality Government General
    Member Standing CPC CCP Chief Head Council Bureau Office University Institute Institutes
    Group Corporation Company Co Ltd Inc Center Centre Conference Day City Zone Park Industry
    Industrial Innovation Department Administration Commission People People's National State
    Central Communist China Chinese Republic Congress Assembly Association Federation Union
    Mr Mrs Ms Dr Prof Sir Lord King Queen Prince Princess Emperor Pope Saint St Senator
    Representative Ambassador Professor Editor Editors Science Technology Development Economic
    Team Club League Cup World Championship Olympics Games Award Prize Church School College
    January February March April May June July August September October November December
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday North South East West Northern
    Southern Eastern Western New Old Great Supreme Court Army Navy Force Forces
    """.split()
)


# Words of NOT_NAME_WORDS that begin a name when a capitalised word follows ("New England").
NAME_LEADS = frozenset(
    "New Old Great North South East West Northern Southern Eastern Western Saint St".split()
)


@dataclass(frozen=True)
class Mention:
    """A phrase found in a sentence, with offsets relative to the sentence."""

    text: str
    start: int
    end: int


# The lower-case words inside a person's name: "Ursula von der Leyen", "Charles de Gaulle".
_PARTICLES = frozenset("de van von la le du da del der den di".split())


def _joins(word: str, rest: Sequence[re.Match[str]]) -> bool:
    """Whether the lower-case ``word`` is a particle that joins the name before it to the
    capitalised word after it (``rest``: the words after it)."""
    if word not in _PARTICLES:
        return False
    for nxt in rest:
        bare = nxt.group().strip(".,'’")
        if bare in _PARTICLES:
            continue
        return bare[:1].isupper() and bare not in NOT_NAME_WORDS
    return False


def person_names(text: str) -> list[Mention]:
    """Runs of capitalised words that are not titles, institutions or sentence openers, with
    the particles inside a name ("Ursula von der Leyen")."""
    mentions: list[Mention] = []
    for run in _CAPITALISED_RUN.finditer(text):
        words = list(re.finditer(r"\S+", run.group()))
        current: list[re.Match[str]] = []
        for i, word in enumerate([*words, None]):
            bare = word.group().strip(".,'’") if word else ""
            leads = bare in NAME_LEADS and i + 1 < len(words) and not current
            named = bare not in NOT_NAME_WORDS or leads  # "New" of "New England"
            if word is not None and bare and named and bare[:1].isupper():
                current.append(word)
                continue
            if word is not None and current and _joins(bare, words[i + 1 :]):
                current.append(word)  # "Maria de la Queillerie", "Jan van Riebeeck"
                continue
            if current and not (run.start() + current[0].start() == 0 and len(current) == 1):
                first, last = current[0], current[-1]
                start, end = run.start() + first.start(), run.start() + last.end()
                mentions.append(Mention(text[start:end].rstrip(".,"), start, end))
            current = []
    return mentions


def _matches(pattern: re.Pattern[str], text: str, group: int = 0) -> list[Mention]:
    return [Mention(m.group(group), m.start(group), m.end(group)) for m in pattern.finditer(text)]


def find_mentions(text: str, kind: AnswerType) -> list[Mention]:
    """Phrases of ``text`` shaped like an answer of type ``kind`` (empty for OTHER)."""
    if kind is AnswerType.PERSON:
        return person_names(text)
    if kind is AnswerType.PLACE:
        found = _matches(_PLACE_AFTER, text, 1) + _matches(_PLACE_SUFFIX, text)
        return [m for m in found if not set(m.text.split()) <= NOT_NAME_WORDS]
    if kind is AnswerType.DATE:
        return _matches(_DATE, text)
    if kind is AnswerType.NUMBER:  # a day or a year is not a count
        dates = _matches(_DATE, text)
        return [
            m
            for m in _matches(_NUMBER, text)
            if not any(d.start < m.end and m.start < d.end for d in dates)
        ]
    if kind is AnswerType.REASON:
        return _matches(_REASON, text)
    if kind is AnswerType.MANNER:
        return _matches(_MANNER, text)
    return []


_CJK_DATE = re.compile(r"\d[年月日号]")
_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\b")
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d{2}\b")


def specificity(text: str, kind: AnswerType) -> float:
    """How precisely a mention answers: a full date beats a year, a full name a surname."""
    if kind is AnswerType.DATE and _CJK_DATE.search(text):
        parts = sum(unit in text for unit in "年月") + bool(re.search("[日号]", text))
        return {3: 1.0, 2: 0.75}.get(parts, 0.5)
    if kind is AnswerType.DATE:
        has_year = bool(_YEAR.search(text))
        has_day = bool(_DAY.search(_YEAR.sub("", text)))
        has_month = bool(re.search(_MONTHS, text))
        return {3: 1.0, 2: 0.75}.get(has_year + has_day + has_month, 0.5)
    if kind is AnswerType.PERSON:
        return 1.0 if " " in text.strip() else 0.3  # a lone capitalised word is often a place
    if kind is AnswerType.NUMBER:
        return 1.0 if any(c.isdigit() for c in text) else 0.7
    if kind in (AnswerType.REASON, AnswerType.MANNER):
        return 0.5
    return 1.0
