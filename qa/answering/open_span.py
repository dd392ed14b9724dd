"""The phrase a "What ...?" question leaves open, found by aligning it with a cited sentence.

A question that asks for no kind of phrase by its form ("What did Lady Gaga sing?", "What
theatre was the best example of ...?") still names most of the sentence that answers it: the
words it shares with the sentence are the known part, and the run of words beside them that the
question does not hold is the answer ("Lady Gaga performed the national anthem, while ...": the
run after "Lady Gaga", up to the comma). No language model: a run is bounded by punctuation,
conjunctions and relative pronouns, never holds a word of the question, and is taken only from a
sentence that states most of the question, next to the question's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answering.entities import Mention
from qa.answering.sentence_select import Candidate
from qa.index.lexical import CJK
from qa.search.question import FUNCTION_WORDS, QuestionInfo, stems_of

_TOKEN = re.compile(r"[^\W_](?:[\w'’&.-]*[^\W_])?|[^\w\s]")
# Words that end a run: conjunctions, relative pronouns and the clause openers after them.
_BOUNDS = frozenset(
    "which who whom whose that where when while whereas because although though and but or "
    "since if until unless so than as whether".split()
)
_STOPS = frozenset(',;:()[]"“”!?…—–.')
_ARTICLES = frozenset(("the", "a", "an"))
# "What did X verb?" asks for the verb's object, after the question's words in the sentence;
# "What theatre was ...?" for the subject, before them.
_OBJECT = re.compile(
    r"^(?:[\w ,]*\b)?(?:what|which)(?:\s+[\w'’-]+){0,2}?\s+(?:did|does|do|has|have|had|will|would|"
    r"can|could|should|might|may)\b"
)
_SUBJECT = re.compile(r"^(?:what|which)\s+[\w'’-]+\s+(?!is\b|was\b|are\b|were\b)[\w'’-]+(?:ed|s)\b")
# A lower-case word shaped like a verb or an adverb ("performed", "considering", "quickly").
_VERB_SHAPE = re.compile(r"[a-z]+(?:ed|ing|ly)")
_ASKS = re.compile(r"\b(?:what|which)\b")

ALIGNED = 0.9  # share of the question's weight a sentence must state to yield a phrase (README)
GAP = 2  # most tokens between the phrase and the question's words in the sentence
MAX_WORDS = 10  # longest phrase; a longer run is cut at this many words from its aligned end
SIDE = 0.3  # score for the side the question's form points to (after for object questions)
VERB = 0.3  # score for following the last word of "What did X verb?"
RANK_COST = 0.15  # score lost per place the sentence is down the list
GAP_COST = 0.2  # score lost per token between the phrase and the question's words
LONG_COST = 0.03  # score lost per word of the phrase beyond three


@dataclass(frozen=True)
class Span:
    """A run of the sentence's words the question leaves open, with how it was found."""

    mention: Mention
    gap: int  # tokens between it and the nearest question word
    after: bool  # whether it follows that word
    verb: bool = False  # whether it follows the question's last word ("sign" of "... sign?")


def asks_open(question: str) -> bool:
    """Whether ``question`` is a "what/which" question whose answer can be a run of words."""
    return bool(_ASKS.search(question.lower())) and not CJK.search(question)


def open_spans(text: str, question: str, info: QuestionInfo) -> list[Span]:
    """The runs of ``text`` that hold no word of ``question`` and lie within ``GAP`` tokens of
    one that does, bounded by punctuation, conjunctions and relative pronouns."""
    asked = {w.lower() for w in re.findall(r"[\w'’-]+", question)} - FUNCTION_WORDS
    tokens = list(_TOKEN.finditer(text))

    def role(tok: str) -> str:
        low = tok.lower()
        if tok in _STOPS or low in _BOUNDS:
            return "stop"
        if low in asked or (stems_of(tok) and stems_of(tok) <= info.stems):
            return "asked"
        return "open"

    roles = [role(t.group()) for t in tokens]
    head = wh_noun(question)
    content = [w for w in re.findall(r"[\w'’-]+", question) if stems_of(w)]
    last = stems_of(content[-1]) if content else frozenset()
    marks = [i for i, r in enumerate(roles) if r == "asked"]
    if not marks:
        return []
    out: list[Span] = []
    i = 0
    while i < len(tokens):
        if roles[i] != "open":
            i += 1
            continue
        j = i
        while j < len(tokens) and roles[j] == "open":
            j += 1
        before = max((m for m in marks if m < i), default=None)
        after = min((m for m in marks if m >= j), default=None)
        gaps = []
        if before is not None:
            gaps.append((i - before - 1, True))
        if after is not None:
            gaps.append((after - j, False))
        gap, follows = min(gaps)
        end = j
        while end < len(tokens) and roles[end] == "asked" and _continues(tokens, i, end, head):
            end += 1  # "rounded arches" for "What kind of arches ...?"
        span = _trimmed(text, tokens[i:end], follows)
        if gap <= GAP and span is not None:
            verb = (
                follows
                and before is not None
                and bool(last)
                and stems_of(tokens[before].group()) <= last
            )
            out.append(Span(span, gap, follows, verb))
        i = j
    return out


_WH_NOUN = re.compile(
    r"\b(?:what|which)\s+(?:(?:type|types|kind|kinds|sort|form|forms)\s+of\s+)?((?:[\w'’-]+\s*){1,3})"
)


def wh_noun(question: str) -> frozenset[str]:
    """The stems of the noun the wh-word asks about ("arches" of "What kind of arches ...?",
    "Turing machine" of "what type of Turing machine"), up to the first function word."""
    found = _WH_NOUN.search(question.lower())
    if found is None:
        return frozenset()
    words = []
    for w in found.group(1).split():
        if w in FUNCTION_WORDS:
            break
        words.append(w)
    return stems_of(" ".join(words))


def _continues(tokens: Sequence[re.Match[str]], start: int, at: int, head: frozenset[str]) -> bool:
    """Whether the question's word at ``at`` carries on the run from ``start``: a word of the
    wh-word's noun, or a capitalised word after a capitalised one (a name's last word)."""
    word, last = tokens[at].group(), tokens[at - 1].group()
    if at == start:
        return False
    if stems_of(word) and stems_of(word) <= head:
        return True
    return word[:1].isupper() and last[:1].isupper()


def _trimmed(text: str, run: Sequence[re.Match[str]], follows: bool) -> Mention | None:
    """``run`` without function words at its ends (an article may open it), cut to
    ``MAX_WORDS`` from the end that touches the question's words; None when nothing is left
    or it is no noun phrase (no word of three letters that is not a function word)."""
    words = list(run)
    while words and words[0].group().lower() in FUNCTION_WORDS - _ARTICLES:
        words = words[1:]
    while words and words[-1].group().lower() in FUNCTION_WORDS:
        words = words[:-1]
    if len(words) > MAX_WORDS:
        words = words[:MAX_WORDS] if follows else words[-MAX_WORDS:]
        while words and words[-1].group().lower() in FUNCTION_WORDS:
            words = words[:-1]
    while len(words) > 1 and _VERB_SHAPE.fullmatch(words[0].group()):
        words = words[1:]  # "performed the national anthem": the object, not the verb
    while words and words[0].group().lower() in FUNCTION_WORDS - _ARTICLES:
        words = words[1:]
    content = [w for w in words if w.group().lower() not in FUNCTION_WORDS and len(w.group()) > 2]
    if not content or _VERB_SHAPE.fullmatch(words[-1].group()):
        return None
    start, end = words[0].start(), words[-1].end()
    return Mention(text[start:end], start, end)


def aligned_share(text: str, info: QuestionInfo) -> float:
    """The weighted share of the question's terms that ``text`` states."""
    stems = stems_of(text)
    total = info.total_weight
    if not total:
        return 0.0
    return sum(t.weight for t in info.terms if t.stem in stems) / total


def find_open(
    pool: Sequence[Candidate], question: str, info: QuestionInfo
) -> tuple[Candidate, Mention] | None:
    """The best open run of the best aligned sentence of ``pool`` (best first), or None when
    no sentence states ``ALIGNED`` of the question or none has a run beside its words."""
    lowered = question.strip().lower()
    wants_after = bool(_OBJECT.match(lowered))
    wants_before = bool(_SUBJECT.match(lowered)) and not wants_after
    best: tuple[float, Candidate, Mention] | None = None
    for i, c in enumerate(pool):
        share = aligned_share(c.text, info)
        if share < ALIGNED:
            continue
        for s in open_spans(c.text, question, info):
            side = (wants_after and s.after) or (wants_before and not s.after)
            n = len(s.mention.text.split())
            score = (
                share
                - RANK_COST * i
                - GAP_COST * s.gap
                + SIDE * side
                + VERB * (wants_after and s.verb)
                - LONG_COST * max(n - 3, 0)
            )
            if best is None or score > best[0]:
                best = (score, c, s.mention)
    return None if best is None else (best[1], best[2])
