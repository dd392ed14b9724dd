"""The short answer an answer opens with: the asked-for phrase, quoted from a cited sentence.

No language model: the question's wording says what kind of phrase it asks for (a person for
"who", a date for "when", a number for "how many", a place for "where", a name for "which
company", yes or no for "Did ...?"), and the phrase is found in the supporting sentence by its
shape (``qa.answering.entities``). Among several, the most specific wins, then the one nearest
the question's own words in the sentence ("Xu Zhijun, rotating chairman of Huawei": the name
next to "rotating chairman" for "Who is the rotating chairman of Huawei?").

A question that asks for none of these ("What did Jing Junhai say ...?", "Why ...?") gets no
short answer, and neither does one whose supporting sentences hold no phrase of the kind: the
sentences are then the answer, as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from qa.answering import places
from qa.answering.entities import (
    NOT_NAME_WORDS,
    Mention,
    find_mentions,
    person_names,
    specificity,
)
from qa.answering.open_span import asks_open, find_open
from qa.answering.sentence_select import Candidate
from qa.index.lexical import CJK
from qa.search.question import FRAME_WORDS, FUNCTION_WORDS, AnswerType, QuestionInfo, stems_of

logger = logging.getLogger(__name__)


class Kind(str, Enum):
    """The kinds of phrase a short answer can be."""

    PERSON = "person"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    NAME = "name"  # an organisation, team, event, title: any proper name
    YES_NO = "yes/no"
    PHRASE = "phrase"  # what a "What ...?" question leaves open in its sentence (open_span)


_BY_TYPE = {
    AnswerType.PERSON: Kind.PERSON,
    AnswerType.PLACE: Kind.PLACE,
    AnswerType.DATE: Kind.DATE,
    AnswerType.NUMBER: Kind.NUMBER,
}
# Nouns after "which"/"what" whose answer is a proper name ("Which team ...", "What company").
_NAMED_NOUNS = (
    "company companies organisation organisations organization organizations group groups firm "
    "firms team teams club clubs party parties university universities college school band "
    "brand brands agency agencies network networks channel newspaper magazine airline "
    "airlines manufacturer manufacturers league leagues movie movies film films book books "
    "album albums song songs show shows series game games award awards prize prizes "
    "tournament tournaments event events conference conferences ship ships language "
    "languages religion church museum museums bank banks institute institution institutions "
    "ministry department committee government newspaper publication outlet station station "
    "project projects program programme product products model models car cars vehicle "
    "platform app apps website company's"
).split()
_NAMED_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:" + "|".join(sorted(set(_NAMED_NOUNS))) + r")\b"
    r"|\bwhat (?:is|was|are|were) the names? of\b"
    r"|哪家|哪个(?:公司|企业|组织|机构|单位|团队|球队)|哪些(?:公司|企业|组织|机构|单位)"
)
# "which" and a singular noun asks for a name more often than not ("Which team won ...?").
_WHICH_NOUN = re.compile(r"\bwhich\s+(?!of\b|is\b|was\b|are\b|were\b|did\b|do\b|does\b)[a-z]+")
# "What was Tesla's revenue ...?" asks for an amount as "How much ...?" does.
_AMOUNT_QUESTION = re.compile(
    r"\b(?:what|which)\b.*\b(?:revenue|revenues|sales|profit|profits|income|budget|worth|"
    r"salary|price|cost|costs|valuation|population|score|height|weight|distance|speed|"
    r"temperature|rate|gdp|turnover|capacity|output|area|length|age)\b"
)
_DATE_QUESTION = re.compile(
    r"\b(?:what|which)\b(?:\s+[\w']+){0,4}?\s+(?:date|year|day|month|century|decade)\b(?![-\w])"
    r"|^in (?:what|which) (?:year|century|decade|month)\b"
)
# "What percentage ...?", "How long ...?", "How old ...?": an amount, with its unit.
_MEASURE_QUESTION = re.compile(
    r"\b(?:what|which)\s+(?:percentage|percent|proportion|share|fraction|number|amount|age|"
    r"size|length|height|distance|temperature|speed|frequency|ratio)\b"
    r"|\bhow (?:long|far|old|big|large|tall|high|fast|wide|deep|heavy|often)\b"
)
# "What city ...?", "In which country ...?": a place.
_PLACE_QUESTION = re.compile(
    r"\b(?:what|which)\s+(?:city|cities|country|countries|state|states|region|regions|town|"
    r"province|continent|island|county|nation|capital|village|district|area)\b"
)
# "What was the ship called?", "What is X known as?": a name.
_CALLED_QUESTION = re.compile(r"^what (?:is|was|are|were)\b.*\b(?:called|named|known as)\W*$")
_YES_NO = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may)\b"
)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|n't|none|without)\b|n't\b|不|没|未|无")
# Dates that are no answer on their own ("today", "later", "the century").
_VAGUE_DATE = re.compile(
    r"^(?:yesterday|today|tomorrow|ago|later|earlier|century|decade|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?<![A-Za-z0-9.])\d+[–-]\d+(?![A-Za-z0-9.])|"  # a score: 24–10
    r"(?:[$€£¥]\s?|(?:US|HK|RMB)\$?\s?)?(?<![A-Za-z0-9.])\d+(?:[.,]\d+)*(?:st|nd|rd|th)?"
    r"(?![A-Za-z])"
    r"(?:\s?(?:%|percent|per cent))?"
    r"(?:\s+(?:hundred|thousand|million|billion|trillion)s?)?"
    r"(?:\s?(?:万|亿|千|百))*"
    r"(?:元|美元|公斤|千克|吨|个|家|人|次|亩|平方米|平方公里|立方米|公里|千米|米|倍|项|件|辆|台|座|所)?"
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


YES_NO_SUPPORT = 0.8  # share of the question a sentence must state to say yes or no


@dataclass(frozen=True)
class Pick:
    """A short answer found: the candidate sentence and the phrase's offsets in its text."""

    candidate: Candidate
    text: str
    start: int  # relative to the sentence; for yes/no, 0
    end: int  # relative to the sentence; for yes/no, len(sentence)
    kind: Kind


def asked_kind(question: str, info: QuestionInfo) -> Kind | None:
    """What kind of phrase ``question`` asks for, or None when it asks for none of them.

    Args:
        question: The question as asked (its wording, not the searched query).
        info: The question as read (its answer type).
    """
    lowered = question.strip().lower()
    if _YES_NO.match(lowered) or lowered.rstrip("？?。. ").endswith("吗"):
        return Kind.YES_NO
    if info.answer_type in _BY_TYPE:
        return _BY_TYPE[info.answer_type]
    if _DATE_QUESTION.search(lowered):
        return Kind.DATE
    if _AMOUNT_QUESTION.search(lowered) or _MEASURE_QUESTION.search(lowered):
        return Kind.NUMBER
    if _PLACE_QUESTION.search(lowered) or places.gazetteer_for(question):
        return Kind.PLACE
    if (
        _NAMED_QUESTION.search(lowered)
        or _CALLED_QUESTION.search(lowered)
        or _WHICH_NOUN.search(lowered)
    ):
        return Kind.NAME
    if asks_open(question):
        return Kind.PHRASE
    return None


def phrases(text: str, kind: Kind, question: QuestionInfo) -> list[Mention]:
    """The phrases of ``text`` of ``kind`` that say something the question does not."""
    if CJK.search(text) and kind in _CHINESE_TAGS:
        found = chinese_names(text, _CHINESE_TAGS[kind])
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
        if _YEAR_QUESTION.search(question.text.lower()):
            found = [m for m in found if _YEAR.search(m.text)]  # "What year": not "July 14"
    elif kind is Kind.NUMBER:
        found = amounts(text)
    elif kind is Kind.NAME:
        dates = find_mentions(text, AnswerType.DATE) + amounts(text)
        found = [m for m in name_runs(text) if not any(_inside(m, d) for d in dates)]
    else:
        return []
    trimmed = [t for t in (_trim(m, text, question, kind) for m in found) if t is not None]
    trimmed = [
        m for m in trimmed if not any(o != m and _inside(m, o) for o in trimmed)
    ]  # "2020" inside "5 January 2020"
    return merge_lists(text, trimmed) if kind is not Kind.DATE else trimmed


_YEAR_QUESTION = re.compile(r"\b(?:what|which)\s+(?:year|century|decade)\b")
_YEAR = re.compile(r"\b\d{4}s?\b|\bcentury\b|\d{2}s\b")
_YEAR_AFTER = re.compile(r",?\s+(?:1[0-9]|20)\d{2}\b")


def _with_year(text: str, m: Mention) -> Mention:
    """A day and month with the year written after it ("5 January" of "5 January 2020")."""
    after = _YEAR_AFTER.match(text, m.end)
    if after is None or re.search(r"\d{4}", m.text):
        return m
    return Mention(text[m.start : after.end()], m.start, after.end())


_REGION_AFTER = re.compile(r",\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?(?=[\s.,;:)]|$)")


def _with_region(text: str, m: Mention) -> Mention:
    """A place with the region or country written after it ("Tampa, Florida")."""
    after = _REGION_AFTER.match(text, m.end)
    if after is None or after.group().lstrip(", ").split()[0] in NOT_NAME_WORDS:
        return m
    return Mention(text[m.start : after.end()], m.start, after.end())


def _inside(m: Mention, other: Mention) -> bool:
    return other.start <= m.start and m.end <= other.end


# jieba's tags for the names a Chinese short answer can be: people, places, organisations.
_CHINESE_TAGS = {
    Kind.PERSON: frozenset({"nr", "nrfg", "nrt"}),
    Kind.PLACE: frozenset({"ns"}),
    Kind.NAME: frozenset({"nt", "nz", "ns"}),
}


def chinese_names(text: str, tags: frozenset[str]) -> list[Mention]:
    """The words of Chinese ``text`` that jieba tags with one of ``tags`` (徐直军 as a person,
    长春市 as a place); adjacent ones are one name."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    out: list[Mention] = []
    at = 0
    for pair in jieba.posseg.cut(text, HMM=True):
        start, at = at, at + len(pair.word)
        if pair.flag not in tags:
            continue
        if out and out[-1].end == start:
            out[-1] = Mention(text[out[-1].start : at], out[-1].start, at)
        else:
            out.append(Mention(pair.word, start, at))
    return out


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
        out.append(_clean(text, words[0][0], words[-1][1]))
    return out


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
    words = list(re.finditer(r"\S+", m.text))
    while kind not in (Kind.DATE, Kind.NUMBER) and words and asked(words[0]):
        words = words[1:]
    while kind is Kind.PERSON and words and asked(words[-1]):
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


def word_distance(text: str, m: Mention, question: QuestionInfo) -> int:
    """How many words lie between ``m`` and the nearest of the question's words outside it in
    ``text`` (``REACH`` when there is none); in Chinese, a word is counted per two characters
    and the question's words are its bigrams."""
    if CJK.search(text):
        gaps = [
            max(m.start - (at + len(stem)), at - m.end, 0) // 2
            for stem in question.stems
            for at in _occurrences(text, stem)
            if not m.start <= at < m.end
        ]
        return min(gaps, default=REACH)
    before = after = REACH
    for i, w in enumerate(_WORDS.finditer(text)):
        if not stems_of(w.group()) & question.stems or m.start <= w.start() < m.end:
            continue
        if w.end() <= m.start:
            before = len(_WORDS.findall(text, w.end(), m.start))
        elif w.start() >= m.end:
            after = min(after, len(_WORDS.findall(text, m.end, w.start())))
    return min(before, after)


_WORDS = re.compile(r"[^\W_]+")


def _occurrences(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)] if word else []


def _precision(text: str, kind: Kind) -> float:
    if kind in (Kind.PERSON, Kind.NAME) and CJK.search(text):
        return 1.0 if len(text) >= 2 else 0.3  # Chinese names have no spaces
    if kind is Kind.NAME:
        return 1.0 if " " in text.strip() else 0.6
    if kind is Kind.NUMBER:
        return 1.0 if any(c.isdigit() for c in text) else 0.7
    by_type = {
        Kind.PERSON: AnswerType.PERSON,
        Kind.PLACE: AnswerType.PLACE,
        Kind.DATE: AnswerType.DATE,
    }
    return specificity(text, by_type.get(kind, AnswerType.OTHER))


POOL = 5  # sentences a short answer is looked for in: the chosen ones, then the next best
RANK_COST = 0.15  # a phrase's score lost per place its sentence is down the list
VOTE = 0.2  # a phrase's score gained per other article of the pool that names it too
NEAR = 1.0  # a phrase's score lost when it is REACH words or more from the question's words
REACH = 20


def find_short(
    chosen: Sequence[Candidate],
    kind: Kind | None,
    question: QuestionInfo,
    ranked: Sequence[Candidate] = (),
) -> Pick | None:
    """The short answer for ``question``: a phrase of ``kind`` from the chosen sentences (best
    first) or, after them, the next best of ``ranked``; for yes/no, "Yes" or "No" from the
    best sentence when it states most of the question, its names and relation included.

    Each phrase scores its precision (a full date over a year, a full name over a surname),
    less ``RANK_COST`` per place its sentence is down the list, plus ``VOTE`` for each other
    article that names it too (articles that agree are better evidence than one), less up
    to ``NEAR`` by how far it is, in words, from the question's own words in its sentence
    ("... leading the NFL in interceptions with 24": 24, not the 308 points before it).
    The weights were chosen on the first halves of xquad_en and rgb_en_fact (see README).
    """
    if kind is None or not chosen:
        return None
    if kind is Kind.YES_NO:
        best = chosen[0]
        if sentence_support(best, question) < YES_NO_SUPPORT:
            return None
        said = bool(_NEGATION.search(best.text.lower()))
        asked = bool(_NEGATION.search(question.text.lower()))
        return Pick(best, "No" if said != asked else "Yes", 0, len(best.text), kind)
    seen = {c.key for c in chosen}
    pool = [*chosen, *(c for c in ranked if c.key not in seen)][: max(POOL, len(chosen))]
    if kind is Kind.PHRASE:
        opened = find_open(pool, question.text, question)
        if opened is None:
            return None
        c, m = opened
        return Pick(c, m.text, m.start, m.end, kind)
    found = [(i, c, m) for i, c in enumerate(pool) for m in phrases(c.text, kind, question)]
    if not found:
        return None
    votes: dict[frozenset[str], set[str]] = {}  # the articles that name each phrase
    for _, c, m in found:
        votes.setdefault(stems_of(m.text), set()).add(c.article.id)

    def score(item: tuple[int, Candidate, Mention]) -> tuple[float, int]:
        i, c, m = item
        far = min(word_distance(c.text, m, question), REACH) / REACH
        agreed = len(votes[stems_of(m.text)]) - 1
        return (_precision(m.text, kind) - RANK_COST * i + VOTE * agreed - NEAR * far, -i)

    i, c, m = max(found, key=score)
    return Pick(c, m.text, m.start, m.end, kind)


def sentence_support(candidate: Candidate, question: QuestionInfo) -> float:
    """The weighted share of the question's terms that the sentence itself states, or 0 when
    it lacks one of the question's names or numbers, or the word that relates them: the
    question's rarest other word among the candidates ("mayor" in "Who is the mayor of
    Changchun?", "invest" in "How much did Huawei invest in Jilin?"). Unlike a candidate's
    coverage, its neighbours and its article's title do not count."""
    stems = stems_of(candidate.text)
    must = [t for t in question.terms if t.key]
    others = [t for t in question.terms if not t.key]
    if others:
        must.append(max(others, key=lambda t: t.weight))
    if any(t.stem not in stems for t in must):
        return 0.0
    total = question.total_weight
    if not total:
        return 1.0
    return sum(t.weight for t in question.terms if t.stem in stems) / total


_LIST = re.compile(
    r"\b(?:list|all the|every|name (?:all|the))\b|哪些|"
    r"\b(?:has|have)\b.*\b(?:held|attended|visited|served|met|worked|led|signed|won|opened)\b"
)
_PLURAL_ASKED = re.compile(r"\b(?:which|what)\s+(?:[a-z]+\s+)?([a-z]{3,}s)\b")
_NOT_PLURAL = frozenset(
    "news series species was is has does this its his hers ours yours theirs status process "
    "business class address analysis basis crisis thesis bus gas plus campus census".split()
)


def is_list_question(question: str) -> bool:
    """Whether ``question`` asks for every answer the archive has, not the best one: a plural
    after its wh-word ("Which events did ... attend?"), "list"/"all the", 哪些, or a perfect
    tense over time ("What positions has ... held?")."""
    lowered = question.strip().lower()
    if _LIST.search(lowered):
        return True
    for m in _PLURAL_ASKED.finditer(lowered):
        noun = m.group(1)
        if noun not in _NOT_PLURAL and not noun.endswith(("ss", "us", "is")):
            return True
    return False


# The words that relate a question's names, where its form says which they are: the role of
# "Who is the mayor of Changchun?", the verb of "How much did Huawei invest in Jilin?".
_ROLE_OF = re.compile(
    r"^who (?:is|was|are|were|will be) (?:the |a |an )?(?:current |new |former |next )?"
    r"((?:[a-z-]+ )?[a-z-]+) (?:of|in|at|for) "
)
_AMOUNT_VERB = re.compile(
    r"^how (?:much|many)(?: [a-z-]+)*? (?:did|does|do|has|have|had|will|would) "
    r"(?:the )?(?:[A-Z][\w.'’-]*\s+)+([a-z]+)\b"
)


def relation_terms(question: str) -> frozenset[str]:
    """The stems of the word that relates the question's names: the head noun of the role in
    "Who is the mayor of Changchun?" ("actress" of "Who is the lead actress in ...?"), the
    verb of "How much did Huawei invest in Jilin?"; none when its form does not say (most
    questions)."""
    text = question.strip()
    found = _ROLE_OF.match(text.lower()) or _AMOUNT_VERB.match(text[:1].lower() + text[1:])
    if found is None:
        return frozenset()
    # the role's head noun ("actress" of "lead actress"); "have" or "get" relates nothing
    words = [w for w in re.split(r"[\s-]+", found.group(1).split()[-1]) if w]
    return stems_of(" ".join(w for w in words if w not in FUNCTION_WORDS | FRAME_WORDS))


def related_anywhere(question: str, info: QuestionInfo, candidates: Sequence[Candidate]) -> bool:
    """Whether one of ``candidates`` states the question's names together with the words that
    relate them (see :func:`relation_terms`), in the sentence or right beside it, or its
    article's title: "the mayor of Changchun" is not supported by "Secretary of the Changchun
    Municipal Party Committee" and "Mayor Wang Ji" of another city. True when the question
    has no such words."""
    relation = relation_terms(question)
    if not relation:
        return True
    must = relation | {t.stem for t in info.terms if t.key}
    return any(
        must <= stems_of(" ".join((c.before, c.text, c.after, c.article.title))) for c in candidates
    )
