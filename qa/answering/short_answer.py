"""The short answer an answer opens with: the asked-for phrase, quoted from a cited sentence.

No language model: the question's wording says what kind of phrase it asks for (a person for
"who", a date for "when", a number for "how many", a place for "where", a name for "which
company", yes or no for "Did ...?"), and the phrase is found in the supporting sentence by its
shape (``qa.answering.entities``). Among several, the most specific wins, then the one nearest
the question's own words in the sentence ("Xu Zhijun, rotating chairman of Huawei": the name
next to "rotating chairman" for "Who is the rotating chairman of Huawei?").

A "What ...?" question that asks for none of these ("What did Tesla's company install?") is
answered by a noun phrase of its sentence, as a parser reads it (``qa.answering.syntax``),
chosen the same way. A question that asks for nothing a phrase can be ("Why ...?", "How did
...?") gets no short answer, and neither does one whose supporting sentences hold no phrase of
the kind: the sentences are then the answer, as before.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answering import places
from qa.answering.chinese_phrases import WORK_QUESTION, asked_units, left_share, unit_of
from qa.answering.entities import Mention, specificity
from qa.answering.open_span import asks_open, find_open
from qa.answering.phrases import Kind, phrases
from qa.answering.sentence_select import Candidate
from qa.answering.syntax import DEFAULT_PARSER, objects_of
from qa.index.lexical import CJK
from qa.search.question import (
    FRAME_WORDS,
    FUNCTION_WORDS,
    TRUE_OR_FALSE,
    AnswerType,
    QuestionInfo,
    as_asked,
    stems_of,
)

logger = logging.getLogger(__name__)


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
    # 哪部电影, 哪支球队; a champion, a medal, a prize's winner; a name, a slogan, a theme
    r"|哪(?:部|支|款|本|首|项|只|个队)|(?:冠军|金牌|银牌|铜牌|得主|获得者|最佳影片)(?:是)?[？?。]?$"
    r"|叫什么|名字|名称|全称|口号|主题"
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
# "What did Jing Junhai say about ...?" asks for what was said, which no phrase is.
_STATEMENT_QUESTION = re.compile(
    r"^what (?:did|does|do|has|have|had|will|would)\b.*\b(?:say|think|feel|believe|argue|"
    r"mean|claim|suggest|stress|emphasi[sz]e)\b"
)
# Chinese questions that name what they ask for by its noun: 哪些国家 (places), 最佳女主角 (a
# person), 成交额 (an amount).
_CHINESE_KINDS = (
    (
        Kind.PLACE,
        re.compile(r"哪些(?:国家|城市|省份?|地区)|(?:国家|城市)(?:有哪些|是哪些|是)?[？?]?$"),
    ),
    (Kind.PERSON, re.compile(r"最佳(?:男|女)?(?:主角|配角|导演|演员)")),
    (Kind.NUMBER, re.compile(r"(?:成交|销售|营业|交易|出口|进口)额")),
)
_YES_NO = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may)\b"
)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|n't|none|without)\b|n't\b|不|没|未|无")
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
    lowered = as_asked(question.strip().lower())
    if (
        _YES_NO.match(lowered)
        or lowered.rstrip("？?。. ").endswith("吗")
        or TRUE_OR_FALSE.search(lowered)  # a quiz's "... True or false?"
    ):
        return Kind.YES_NO
    if places.gazetteer_for(question):
        return Kind.PLACE  # "Which US state is represented by ..., whose bid ...?"
    if info.answer_type not in _BY_TYPE and CJK.search(question):
        for kind, pattern in _CHINESE_KINDS:
            if pattern.search(lowered):
                return kind
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
    if asks_open(question) and not _STATEMENT_QUESTION.search(lowered):
        return Kind.PHRASE
    return None


def question_gaps(text: str, m: Mention, question: QuestionInfo) -> dict[str, int]:
    """For each of the question's words that ``text`` states outside ``m``: how many words lie
    between ``m`` and its nearest occurrence. In Chinese a word is counted per two characters
    and the question's words are its bigrams."""
    nearest: dict[str, int] = {}
    if CJK.search(text):
        for stem in question.stems:
            for at in _occurrences(text, stem):
                if not m.start <= at < m.end:
                    gap = max(m.start - (at + len(stem)), at - m.end, 0) // 2
                    nearest[stem] = min(nearest.get(stem, gap), gap)
        return nearest
    words = list(_WORDS.finditer(text))
    first = next((i for i, w in enumerate(words) if w.end() > m.start), len(words))
    last = next((i for i, w in enumerate(words) if w.start() >= m.end), len(words))
    for i, w in enumerate(words):
        if first <= i < last:
            continue
        gap = first - i - 1 if i < first else i - last
        for stem in stems_of(w.group()) & question.stems:
            nearest[stem] = min(nearest.get(stem, gap), gap)
    return nearest


_WORDS = re.compile(r"[^\W_]+")


def alignment(gaps: dict[str, int], question: QuestionInfo) -> float:
    """How much of the question surrounds a phrase whose ``question_gaps`` are ``gaps``: the
    weighted share of the question's words its sentence states outside it, each counted by
    ``SPAN / (SPAN + words between)`` (at most ``REACH``), so a phrase with the question's
    names and relation beside it ("the NFL's active career sack leader with 136" for "How
    many career sacks did Jared Allen have?") outweighs one beside a single word of it."""
    total = question.total_weight
    if not total:
        return 0.0
    weights = {t.stem: t.weight for t in question.terms}
    return sum(weights[s] * SPAN / (SPAN + min(gap, REACH)) for s, gap in gaps.items()) / total


def _occurrences(text: str, word: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(word), text)] if word else []


def _precision(text: str, kind: Kind) -> float:
    if kind in (Kind.PERSON, Kind.NAME) and CJK.search(text):
        return 1.0 if len(text) >= 2 else 0.3  # Chinese names have no spaces
    if kind in (Kind.NAME, Kind.PHRASE):
        return 1.0 if " " in text.strip() else 0.6
    if kind is Kind.NUMBER:
        return 1.0 if any(c.isdigit() for c in text) else 0.85  # "four" is as good
    if kind is Kind.PERSON and places.is_place(text):
        return PLACE_AS_PERSON
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
ALIGN = 1.0  # a phrase's score gained by its alignment with the question (``alignment``)
SPAN = 3  # words at which a question word beside a phrase counts half (``alignment``)
HEAD = 0.3  # a phrase's score gained by naming the thing asked for ("What award ...?")
PLACE_AS_PERSON = 0.3  # the precision of a country or continent as a "Who ...?" answer
LEFT = 1.0  # a Chinese amount's score gained by the question before it (``left_share``)
OBJECT = 0.5  # a phrase's score gained by being what the verb asked acts on (``objects_of``)
UNIT = 0.5  # a Chinese amount's score gained by being in the unit asked for (``asked_units``)
_HEADED = (Kind.NAME, Kind.PLACE, Kind.PHRASE)  # kinds whose phrase may name the asked noun


def find_short(
    chosen: Sequence[Candidate],
    kind: Kind | None,
    question: QuestionInfo,
    ranked: Sequence[Candidate] = (),
    parser: str = DEFAULT_PARSER,
) -> Pick | None:
    """The short answer for ``question``: a phrase of ``kind`` from the chosen sentences (best
    first) or, after them, the next best of ``ranked``; for yes/no, "Yes" or "No" ("True" or
    "False" for a quiz's "True or false?") from the best sentence when it states most of the
    question, its names and relation included. A "What ...?" question's phrases are the noun
    phrases of the spaCy pipeline ``parser`` ("": the open run of ``open_span`` instead).

    Each phrase scores its precision (a full date over a year, a full name over a surname),
    less ``RANK_COST`` per place its sentence is down the list, plus ``VOTE`` for each other
    article that names it too (articles that agree are better evidence than one), less up
    to ``NEAR`` by how far it is, in words, from the question's own words in its sentence
    ("... leading the NFL in interceptions with 24": 24, not the 308 points before it), plus
    ``ALIGN`` times how much of the question surrounds it (English), ``HEAD`` when it names
    the noun asked about (or is a title, for a Chinese question about a work), and for a
    Chinese amount ``LEFT`` times the question's share right before it and ``UNIT`` when it
    is in the unit asked for, and ``OBJECT`` when it is the object of the verb a "What did
    X <verb>?" question asks about. The weights were chosen on the tuning halves (see README).
    """
    if kind is None or not chosen:
        return None
    if kind is Kind.YES_NO:
        best = chosen[0]
        if sentence_support(best, question) < YES_NO_SUPPORT:
            return None
        said = bool(_NEGATION.search(best.text.lower()))
        asked = bool(_NEGATION.search(question.text.lower()))
        yes, no = ("True", "False") if TRUE_OR_FALSE.search(question.text) else ("Yes", "No")
        return Pick(best, no if said != asked else yes, 0, len(best.text), kind)
    seen = {c.key for c in chosen}
    pool = [*chosen, *(c for c in ranked if c.key not in seen)][: max(POOL, len(chosen))]
    if kind is Kind.PHRASE and not parser:
        opened = find_open(pool, question.text, question)
        if opened is None:
            return None
        c, m = opened
        return Pick(c, m.text, m.start, m.end, kind)
    found = [(i, c, m) for i, c in enumerate(pool) for m in phrases(c.text, kind, question, parser)]
    if not found:
        return None
    votes: dict[frozenset[str], set[str]] = {}  # the articles that name each phrase
    for _, c, m in found:
        votes.setdefault(stems_of(m.text), set()).add(c.article.id)

    head = asked_noun(question.text)
    work = WORK_QUESTION.search(question.text) is not None
    units = asked_units(question.text) if kind is Kind.NUMBER else frozenset()
    verb = asked_verb(question.text) if parser and kind is Kind.PHRASE else frozenset()
    objects = {  # what the verb asked acts on, per sentence (``OBJECT``)
        c.key: objects_of(c.text, verb, parser) for c in pool if verb and not CJK.search(c.text)
    }

    def score(item: tuple[int, Candidate, Mention]) -> tuple[float, int]:
        i, c, m = item
        gaps = question_gaps(c.text, m, question)
        far = min(min(gaps.values(), default=REACH), REACH) / REACH
        agreed = len(_agreeing(votes, stems_of(m.text), kind)) - 1
        # in Chinese the nearest word alone is measured: alignment lost on zh_news_facts
        near = 0.0 if CJK.search(c.text) else ALIGN * alignment(gaps, question)
        named = HEAD if head and kind in _HEADED and _is_head(m.text, head) else 0
        if kind is Kind.NUMBER and CJK.search(c.text):  # 工业投资增长13.8%, not 民间投资 ...
            named += LEFT * left_share(c.text, m, question)
        if kind is Kind.NUMBER and units and unit_of(m.text) in units:
            named += UNIT  # 3210万吨 for 玉米产量预计有多少吨, not 6615万亩
        if kind is Kind.NAME and work and c.text[m.start - 1 : m.start] == "《":
            named = HEAD  # 《三体》 for 刘慈欣凭借哪部作品获得雨果奖？
        if any(o.start <= m.start and m.end <= o.end for o in objects.get(c.key, ())):
            named += OBJECT
        value = _precision(m.text, kind) - RANK_COST * i + VOTE * agreed - NEAR * far + near
        return value + named, -i

    i, c, m = max(found, key=score)
    return Pick(c, m.text, m.start, m.end, kind)


_ASKED_NOUN = re.compile(
    r"\b(?:which|what)\s+(?!(?:is|was|are|were|did|do|does|has|have|had|will|would|can|could|"
    r"kind|type|sort|of|the|a|an)\b)([a-z]+)"
)


_COMPANY_NOUNS = frozenset(stems_of("company firm business corporation maker giant"))
_COMPANY_SUFFIX = re.compile(r"\b(?:Inc|Corp|Corporation|Co|Ltd|LLC|Group|Holdings|plc|AG|SE)\b\.?")


def _is_head(phrase: str, head: frozenset[str]) -> bool:
    """Whether ``phrase`` names a thing of the kind ``head`` asks for: it holds the noun
    ("Academy Award" for "What award ...?"), or a company's suffix for "Which company
    ...?" ("Twitter Inc.")."""
    if stems_of(phrase) & head:
        return True
    return bool(head & _COMPANY_NOUNS) and _COMPANY_SUFFIX.search(phrase) is not None


def asked_noun(question: str) -> frozenset[str]:
    """The stem of the noun a "Which/What ...?" question asks for by name ("award" of "What
    award has Marlee Matlin won?"); empty when it names none."""
    found = _ASKED_NOUN.search(question.lower())
    return stems_of(found.group(1)) if found else frozenset()


def _agreeing(votes: dict[frozenset[str], set[str]], own: frozenset[str], kind: Kind) -> set[str]:
    """The articles that name the phrase of stems ``own``; for a date or a Chinese person,
    also those that name it more or less fully ("November 17" agrees with "November 17,
    2019", which then wins by its precision; 埃尔诺 with 安妮·埃尔诺)."""
    if kind is not Kind.DATE and not (kind is Kind.PERSON and any(CJK.match(s) for s in own)):
        return votes[own]
    return set().union(*(a for p, a in votes.items() if p and (p <= own or own <= p)))


# "What did Nanjing and CEC sign?": an object question that ends with its verb.
_OBJECT_VERB = re.compile(
    r"^what (?:did|does|do|has|have|had|will|would|can|could)\b.*?\b([a-z]+)\W*$"
)


def asked_verb(question: str) -> frozenset[str]:
    """The stems of the verb a "What did X <verb>?" question ends with ("sign"); empty for
    any other question."""
    found = _OBJECT_VERB.match(question.strip().lower())
    return stems_of(found.group(1)) if found else frozenset()


def states_asked_verb(question: str, sentence: str) -> bool:
    """Whether ``sentence`` states the verb a "What did X <verb>?" question ends with (a
    noun phrase of a sentence that never says "sign" is no answer to what was signed); True
    for any other question."""
    found = _OBJECT_VERB.match(question.strip().lower())
    return found is None or bool(stems_of(found.group(1)) & stems_of(sentence))


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
