"""What a question asks for: its answer type and its weighted content terms.

No language model: the wh-word decides the expected answer type (``where`` -> a place,
``when`` -> a date, ``how many`` -> a number, ``who`` -> a person), and the question's content
words are weighted by how much they pin the answer down (names and numbers most, frame words
such as "name" or "year" least).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache

from qa.index.lexical import CJK, CJK_CHARS, bigrams, tokenize
from qa.ingest import chinese

logger = logging.getLogger(__name__)

_WORD = re.compile(rf"[{CJK_CHARS}]+|[^\W_{CJK_CHARS}]+(?:['’][^\W_{CJK_CHARS}]+)?", re.UNICODE)

# Function words on top of the BM25 stop list: they never carry what a question is about.
FUNCTION_WORDS = frozenset(
    """
    what whats who whom whose when where which why how did do does done doing were was is are am
    be been being has have had having can could would should shall may might must i me my we our
    you your he him his she her it its they them their this that these those there here from
    about after before during between over under up down out off than too very just also only
    any some each every all both either neither other another such same own so not no nor
    a an the and or but if of on in into to for with by at as per then else much many
    """.split()
)
# Words that frame a question without saying what it is about.
FRAME_WORDS = frozenset(
    """
    name named called call type kind year years date day time number amount percent percentage
    first last one two new main known considered used use make made get got take took give gave
    happen happened according located location place term word refer refers mean means
    """.split()
)


CARRIED_WEIGHT = 0.5  # of a term a follow-up carries over from the conversation


class AnswerType(str, Enum):
    """The kind of phrase a question asks for."""

    PERSON = "person"
    PLACE = "place"
    DATE = "date"
    NUMBER = "number"
    REASON = "reason"
    MANNER = "manner"
    OTHER = "other"


# Checked in order; the first pattern found in the lower-cased question wins. Chinese question
# words sit beside the English ones: 多少 / 几 (how many), 什么时候 / 何时 (when), 哪里 (where),
# 谁 (who), 为什么 (why), 如何 / 怎么 (how). "几月" and "几号" ask for a date, not a count.
_TYPE_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    (
        AnswerType.DATE,
        re.compile(
            r"什么时候|什么时间|何时|哪一?年|哪一?天|哪一?月|几月|几号|几日|(?:日期|时间)是"
        ),
    ),
    (
        AnswerType.NUMBER,
        re.compile(
            r"\bhow (many|much|long|old|far|large|big|high|tall|often|fast)\b|"
            r"\bwhat (is the |was the )?(number|amount|percentage|size|population|cost|price)\b|"
            r"多少|几(?!乎)|多大|多高|多长|多远|多久|多重"
        ),
    ),
    (
        AnswerType.DATE,
        re.compile(
            r"\bwhen\b|\b(what|which|in what) (year|date|day|month|time|century|decade|era)\b|"
            r"\b(release|premiere|launch|opening|founding|start|end|birth) date\b"
        ),
    ),
    (
        AnswerType.PLACE,
        re.compile(
            r"\bwhere\b|\b(what|which|in what) (city|country|state|province|place|location|"
            r"region|town|venue|stadium|county|continent|nation)\b|\blocation\b|"
            r"哪里|哪儿|在哪|何地|何处|什么地方|哪个(?:城市|国家|省|地方|地区)|哪座城市"
        ),
    ),
    (
        AnswerType.PERSON,
        re.compile(
            r"\bwho(m|se)?\b|\b(what|which) (person|man|woman|actor|actress|director|player|"
            r"singer|author|writer|artist|president|leader|ceo|chairman|governor|mayor|minister)\b|"
            r"谁|哪位|什么人"
        ),
    ),
    (AnswerType.REASON, re.compile(r"\bwhy\b|为什么|为何|什么原因")),
    (AnswerType.MANNER, re.compile(r"\bhow\b|如何|怎么|怎样")),
    # A Chinese question often has no question word, only the noun it asks for at its end:
    # 死亡人数 (a count), 上映时间 (a date), 举办地 (a place), 的导演 (a person). Checked last,
    # so a question word anywhere wins.
    (
        AnswerType.NUMBER,
        re.compile(
            r"(?:人数|数量|数目|总数|总量|产量|销量|票房|营收|收入|利润|规模|金额|价格|售价|"
            r"票价|吞吐量|增长率|增速|增幅|涨幅|跌幅|比例|占比|通胀率|失业率|利率|税率|"
            rf"(?<=[{CJK_CHARS}])gdp|"
            r"总值|总额|市值|估值|人口|面积|震级|时速|得分|比分|[^少]数|[^质]量|[^频效]率)"
            r"(?:是)?[？?。]?$"
        ),
    ),
    (AnswerType.DATE, re.compile(r"(?:时间|日期|日子|年份)(?:是)?[？?。]?$")),
    (
        AnswerType.PLACE,
        re.compile(
            r"(?:地点|举办地|举行地|主办地|举办城市|地址|起点|终点|所在地|目的地|发源地|首都|"
            r"位置|场馆)(?:是)?[？?。]?$"
        ),
    ),
    (
        AnswerType.PERSON,
        re.compile(
            r"(?:导演|主演|演员|得主|获得者|获奖者|作者|编剧|主持人|创始人|发言人|总统|总理|"
            r"首相|主席|市长|省长|董事长|首席执行官|总裁|主教练|代言人|凶手|嫌疑人|主犯|"
            rf"(?<=[{CJK_CHARS}])ceo)"
            r"(?:是|有哪些)?[？?。]?$"
        ),
    ),
)


@dataclass(frozen=True)
class Term:
    """One content word of a question."""

    word: str  # as written (for a bigram of Chinese: the run it comes from)
    stem: str  # as the lexical index sees it
    weight: float
    key: bool = False  # a name or a number: an answer must agree with it


@dataclass(frozen=True)
class QuestionInfo:
    """A question read for answering."""

    text: str
    answer_type: AnswerType
    terms: tuple[Term, ...]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(t.stem for t in self.terms)

    @property
    def total_weight(self) -> float:
        return sum(t.weight for t in self.terms)


# English wh-words. A later "when" usually opens a clause inside the question ("Who was the
# leader when the Franks entered ...?"); after a word for a time it is still about a time ("the
# year when ..."). A later "who" or "where" is kept: it names a person or a place the answer
# is about more often than not ("the player who ...", "the region where ...").
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b")
_JOINED = re.compile(r"\s*(?:,|and|or|,\s*and|,\s*or)\s*")
_TIME_BEFORE = re.compile(
    r"\b(?:year|years|day|days|date|time|times|period|era|age|moment|month|months|decade|"
    r"century|season|week|hour|night|morning|evening)\s*$"
)


def main_clause(lowered: str) -> str:
    """``lowered`` with the "when" of its inner clauses blanked out.

    The first wh-word asks the question; a later "when" opens a clause inside it ("who was the
    leader *when* the Franks entered the valley?" asks for a person). One joined to the
    wh-word before it ("how and when"), ending the question ("... appeared when?") or after
    a word for a time ("the year when") still asks for a date.
    """
    found = list(_WH.finditer(lowered))
    out = lowered
    for before, match in zip(found, found[1:]):
        if match.group() != "when":
            continue
        joined = _JOINED.fullmatch(lowered[before.end() : match.start()])
        last = not lowered[match.end() :].strip(" ?.!")
        if not (joined or last or _TIME_BEFORE.search(lowered[: match.start()])):
            out = out[: match.start()] + "    " + out[match.end() :]
    return out


# A news quiz asks by statement: "Biden held talks with this leader, his Mexican counterpart:"
# asks "which leader"; "this week", "this year" date it, and "this is" asks nothing.
_QUIZ_THIS = re.compile(
    r"\bthis\s+(?!(?:week|weekend|year|month|morning|afternoon|evening|night|summer|winter|"
    r"spring|fall|autumn|season|offseason|time|past|day|century|decade|quarter|holiday|is|was|"
    r"has|had|will|would|could|can|may|might|means|marks|makes|made|comes|came|includes)\b)"
    r"([a-z][a-z-]*[a-z])\b(?<!ed)"
)
# "Twitter will lift Trump's suspension. True or false?": a yes/no question of a quiz.
TRUE_OR_FALSE = re.compile(r"\btrue\s+or\s+false\b", re.IGNORECASE)


def as_asked(lowered: str) -> str:
    """``lowered`` with a news quiz's "this <noun>" read as "which <noun>" when it has no
    wh-word: "... romped past this opponent on Monday." asks which opponent."""
    if _WH.search(lowered):
        return lowered
    return _QUIZ_THIS.sub(r"which \1", lowered, count=1)


def answer_type(question: str) -> AnswerType:
    """The answer type the wh-word of ``question`` asks for (see :func:`main_clause`), or a
    quiz's "this <noun>" (:func:`as_asked`)."""
    lowered = main_clause(as_asked(question.lower()))
    for kind, pattern in _TYPE_RULES:
        if pattern.search(lowered):
            return kind
    return AnswerType.OTHER


def term_weight(word: str) -> float:
    """How much a word pins the answer down: names and numbers 2, long words 1.3, frame 0.3."""
    if word.lower() in FRAME_WORDS:
        return 0.3
    if is_key(word):
        return 2.0
    return 1.3 if len(word) >= 7 else 1.0


def is_key(word: str) -> bool:
    """Names and numbers: capitalised or containing a digit."""
    return word[:1].isupper() or any(c.isdigit() for c in word)


def content_terms(text: str) -> tuple[Term, ...]:
    """The distinct content words of ``text`` with their weights (first occurrence wins)."""
    seen: dict[str, Term] = {}
    for match in _WORD.finditer(TRUE_OR_FALSE.sub(" ", text)):
        word = match.group()
        if word.lower() in FUNCTION_WORDS:
            continue
        if CJK.match(word):
            terms = _chinese_terms(word)
        else:
            terms = [Term(word, stem, term_weight(word), is_key(word)) for stem in stems_of(word)]
        for term in terms:
            if term.stem not in seen or seen[term.stem].weight < term.weight:
                seen[term.stem] = term
    return tuple(seen.values())


def _chinese_terms(run: str) -> list[Term]:
    """The bigrams of a run of Chinese; those inside a name (place, person, organisation) are
    key terms, as a capitalised English word is: "贵州省" in "贵州省2023年地区生产总值". So is
    a number written in Chinese numerals (第二十四届: 24)."""
    if len(run) < 2:
        return [Term(run, run, 1.0)]
    names = chinese.name_mask(run)
    terms = []
    for i, gram in enumerate(bigrams(run)):
        key = names[i] and names[i + 1]
        terms.append(Term(run, gram, 2.0 if key else 1.0, key))
    # an ordinal or year in Chinese numerals is a number, like 24 in "the 24th"
    return terms + [Term(run, number, 2.0, True) for number in chinese.numbers(run)]


def read_question(text: str, asked: str | None = None) -> QuestionInfo:
    """Read the query ``text`` for answering.

    Args:
        text: What was searched: the question, or a follow-up with the conversation's terms.
        asked: The question as asked, when it differs. Its wh-word sets the answer type, and
            the terms carried over from the conversation count half and are never key terms
            (an answer need not repeat them).
    """
    if not asked or asked == text:
        return QuestionInfo(text, answer_type(text), content_terms(text))
    own = content_terms(asked)
    known = {t.stem for t in own}
    carried = tuple(
        replace(t, weight=t.weight * CARRIED_WEIGHT, key=False)
        for t in content_terms(text)
        if t.stem not in known
    )
    return QuestionInfo(text, answer_type(asked), own + carried)


def with_local_idf(question: QuestionInfo, texts: Sequence[str]) -> QuestionInfo:
    """``question`` with each term's weight scaled by its rarity among ``texts``.

    ``texts`` are the candidate sentences: a word that most of them share ("Jilin" in an
    archive about Jilin) says little about which one answers, a rare one ("governor") a lot.
    The scale is ``log(1 + n / (1 + df))`` divided by its value for an absent word, so in (0, 1].
    """
    if not texts or not question.terms:
        return question
    bags = [stems_of(t) for t in texts]
    top = math.log(1 + len(bags))
    terms = tuple(
        replace(
            t,
            weight=t.weight * math.log(1 + len(bags) / (1 + sum(t.stem in b for b in bags))) / top,
        )
        for t in question.terms
    )
    return replace(question, terms=terms)


# Past forms the stemmer leaves alone, mapped to the stem of their present form, so that
# "Who won?" matches "X wins" and "Where were the talks held?" matches "hold talks".
IRREGULAR = {
    "won": "win", "held": "hold", "led": "lead", "met": "meet", "began": "begin",
    "begun": "begin", "took": "take", "taken": "take", "made": "make", "becam": "becom",
    "wrote": "write", "written": "write", "bought": "buy", "sold": "sell", "lost": "lose",
    "chose": "choos", "chosen": "choos", "gave": "give", "given": "give", "went": "go",
    "gone": "go", "built": "build", "spoke": "speak", "spoken": "speak", "saw": "see",
    "seen": "see", "paid": "pay", "sent": "send", "spent": "spend", "left": "leav",
    "brought": "bring", "thought": "think", "taught": "teach", "fought": "fight",
    "caught": "catch", "ran": "run", "drew": "draw", "drawn": "draw", "grew": "grow",
    "grown": "grow", "knew": "know", "known": "know", "rose": "rise", "risen": "rise",
    "fell": "fall", "fallen": "fall", "struck": "strike", "sang": "sing", "sung": "sing",
    "told": "tell", "said": "say", "came": "come", "got": "get", "kept": "keep",
    "stood": "stand", "hit": "hit", "shot": "shoot", "signed": "sign",
}  # fmt: skip


@lru_cache(maxsize=65536)
def stems_of(text: str) -> frozenset[str]:
    """The lexical stems of ``text`` (stop words dropped, irregular past forms mapped)."""
    return frozenset(IRREGULAR.get(t, t) for t in tokenize(text))
