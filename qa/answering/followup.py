"""Follow-up questions, understood from the conversation without a language model.

"Where were the talks held?" after "Who held talks with Xu Zhijun?" is searched as
"Where were the talks held? Xu Zhijun ...": a question that leans on the conversation gets the
salient terms of the previous turn (the names and content words of its query, the names in the
title of the article its answer cited first). A standalone question is searched as asked.

A question is a follow-up when it names nothing itself (no capitalised name or number after its
first word) and either refers back (it, they, he, she, that, there, else, ...), is bare ("Why?",
"Where exactly?": at most one content word), or is short (at most three content words) and stays
on the previous turn's topic (shares a content word with its query, answer or cited title), so
"Where were the talks held?" after a question about talks is a follow-up but "What is the
budget for rural roads?" after the same question is not. "What about 2023?" and "And Han Jun?"
are follow-ups whatever they name.

In Chinese, which has no capitals and no spaces between words, a question is a follow-up when
it asks "what about ...?" (那...呢？, 还有...) whatever it names, or when it names no place,
person or organisation (by jieba's tags) and no number of its own and either refers back (它,
他们, 该, 这次, 当时, 那里, 其他, ...) or is short (at most eight characters: Chinese leaves
out a subject the conversation supplies), so "它什么时候闭园？" and "接待了多少游客？" after
"哈尔滨冰雪大世界什么时候开园？" are follow-ups.

History is a sequence of earlier turns, oldest first: ``Answer`` objects (they carry their
question), or ``(question, Answer)`` pairs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from qa.answering.entities import person_names
from qa.index.lexical import CJK, CJK_CHARS
from qa.ingest import chinese
from qa.models import Answer
from qa.search.question import FRAME_WORDS, content_terms, stems_of

logger = logging.getLogger(__name__)

Turn = Answer | tuple[str, Answer]

REFERRING_WORDS = frozenset(
    "it its they them their theirs he him his she her hers that this those these there then "
    "else also other another same such".split()
)
_CONTINUATION = re.compile(r"^\s*(and|what about|how about|and what about|what of)\b", re.I)
_CONTINUATION_ZH = re.compile(r"^\s*(?:那么?|还有|另外)|呢\s*[？?]?\s*$")
REFERRING_ZH = re.compile(
    "它|他们|她们|他|她|其他|其余|其|该|此次|此前|这次|那次|这个|那个|这里|那里|这些|那些|当时|当天|同时|上述"
)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
MAX_CARRIED = 8
SHORT_ZH = 8  # characters: Chinese drops a subject the conversation supplies ("接待了多少游客？")
_CJK_RUN = re.compile(rf"[{CJK_CHARS}]+")


def last_answer(history: Sequence[Turn] | None) -> Answer | None:
    """The most recent answer of ``history`` (either form), or None."""
    if not history:
        return None
    turn = history[-1]
    return turn[1] if isinstance(turn, tuple) else turn


def names_anything(question: str) -> bool:
    """True when the question has its own name or number (after its first word)."""
    words = _WORD.findall(question)
    return any(w[:1].isupper() or any(c.isdigit() for c in w) for w in words[1:])


def is_follow_up(question: str, previous: Answer | None = None) -> bool:
    """Whether ``question`` leans on the conversation (see the module docstring).

    Args:
        question: The new question.
        previous: The previous answer; without it a short question counts as a follow-up
            whatever its topic.
    """
    if _CONTINUATION.match(question):
        return True
    if CJK.search(question):
        return _is_chinese_follow_up(question)
    if names_anything(question):
        return False
    words = {w.lower() for w in _WORD.findall(question)}
    if words & REFERRING_WORDS:
        return True
    terms = content_terms(question)
    if len(terms) <= 1:
        return True
    if len(terms) > 3:
        return False
    return previous is None or bool({t.stem for t in terms} & _topic_stems(previous))


def _is_chinese_follow_up(question: str) -> bool:
    if _CONTINUATION_ZH.search(question):
        return True
    if any(c.isdigit() for c in question):
        return False
    runs = [run.group() for run in _CJK_RUN.finditer(question)]
    short = sum(map(len, runs)) <= SHORT_ZH
    if not (short or REFERRING_ZH.search(question)):
        return False
    return not any(any(chinese.name_mask(run)) for run in runs)


def _topic_stems(previous: Answer) -> frozenset[str]:
    """Stems of what the previous turn was about: its query, answer and first cited title."""
    text = f"{previous.query} {previous.text}"
    if previous.citations:
        text += f" {previous.citations[0].title}"
    return stems_of(text)


def salient_terms(previous: Answer, asks_for_others: bool = False) -> list[str]:
    """Words that say what the previous turn was about, most telling first.

    Args:
        previous: The previous answer (its query already carries earlier context).
        asks_for_others: The follow-up says "else"/"other": the people the previous answer
            named are carried too, so that sentences naming only them are not new.
    """
    terms = [t.word for t in content_terms(previous.query) if t.word.lower() not in FRAME_WORDS]
    if previous.citations and not previous.abstained:
        terms += [m.text for m in person_names(previous.citations[0].title)]
        if asks_for_others:
            terms = [m.text for m in person_names(previous.text)] + terms
    return terms


def rewrite(question: str, history: Sequence[Turn] | None) -> str:
    """The query to search for ``question`` given the conversation so far.

    Args:
        question: The new question, as asked.
        history: Earlier turns, oldest first (``Answer`` objects or ``(question, Answer)``).

    Returns:
        ``question`` itself when it stands alone or there is no history, else the question
        followed by the carried terms that it does not already contain.
    """
    previous = last_answer(history)
    question = question.strip()
    if previous is None or not is_follow_up(question, previous):
        return question
    words = {w.lower() for w in _WORD.findall(question)}
    others = bool(words & {"else", "other", "others", "another"})
    have = set(stems_of(question))
    carried: list[str] = []
    for term in salient_terms(previous, asks_for_others=others):
        stems = stems_of(term)
        if stems and not stems <= have:
            carried.append(term)
            have |= stems
    if not carried:
        return question
    query = f"{question} {' '.join(carried[:MAX_CARRIED])}"
    logger.debug("follow-up %r searched as %r", question, query)
    return query
