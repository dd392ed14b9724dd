"""Exact-match signals that a dense model misses: quoted phrases, names, numbers, duplicates."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.index.lexical import CJK_CHARS

_QUOTED = re.compile(r'"([^"]{2,80})"|“([^”]{2,80})”|「([^」]{1,40})」')
_CJK_RUN = re.compile(rf"[{CJK_CHARS}]{{2,}}")
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b")
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_WORD = re.compile(r"\w+")
_NOT_NAMES = frozenset(
    "who whom whose what which when where why how is are was were do does did can could "
    "will would should has have had the a an in on at of for to and or but by from with "
    "tell list name give show find i we you he she it they this that these those there".split()
)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def must_match_terms(query: str) -> tuple[str, ...]:
    """Quoted phrases, capitalised names, numbers (not years) and Chinese runs of ``query``."""
    terms: list[str] = []
    for match in _QUOTED.finditer(query):
        terms.append(next(g for g in match.groups() if g))
    unquoted = _QUOTED.sub(" ", query)
    terms.extend(_CJK_RUN.findall(unquoted))
    for match in _NUMBER.finditer(unquoted):
        value = match.group()
        if not (value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100):
            terms.append(value)
    terms.extend(_names(unquoted))
    seen: dict[str, None] = {}
    for term in terms:
        seen.setdefault(_norm(term).removesuffix("'s"), None)
    return tuple(t for t in seen if t)


def _names(text: str) -> list[str]:
    names = []
    for match in _NAME.finditer(text):
        words = [w for w in match.group().split() if w.lower().strip("'’") not in _NOT_NAMES]
        if words:
            names.append(" ".join(words))
    return names


def phrase_coverage(terms: Sequence[str], text: str) -> float:
    """Share of ``terms`` present in ``text`` (case- and spacing-insensitive)."""
    if not terms:
        return 0.0
    haystack = _norm(text)
    squashed = haystack.replace(" ", "")
    found = sum(1 for t in terms if t in haystack or t.replace(" ", "") in squashed)
    return found / len(terms)


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {tuple(words)}
    return set(zip(*(words[i:] for i in range(n))))  # every run of n words


def crowd(ranked: Sequence[int], article_of: Callable[[int], str], per_article: int) -> list[int]:
    """``ranked`` with the passages past the first ``per_article`` of their article moved
    after all the others, each part in its order (0: unchanged). The first passage of each
    article keeps its place among the articles, so the articles rank as before; more of them
    fit in a list of given length, as a result page shows several sites before a second
    page of one."""
    if not per_article:
        return list(ranked)
    seen: dict[str, int] = {}
    first: list[int] = []
    later: list[int] = []
    for i in ranked:
        article = article_of(i)
        seen[article] = seen.get(article, 0) + 1
        (first if seen[article] <= per_article else later).append(i)
    return first + later


def collapse_duplicates(
    ranked: Sequence[int], texts: dict[int, str], threshold: float, limit: int | None = None
) -> list[int]:
    """The first ``limit`` of ``ranked`` left after dropping near-duplicates of better ones."""
    kept: list[int] = []
    kept_shingles: list[set[tuple[str, ...]]] = []
    for chunk_id in ranked:
        if limit is not None and len(kept) >= limit:
            break
        shingles = _shingles(texts[chunk_id])
        if any(_jaccard(shingles, other) > threshold for other in kept_shingles):
            continue
        kept.append(chunk_id)
        kept_shingles.append(shingles)
    return kept


def _jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a and not b:
        return 0.0
    shared = len(a & b)  # walks the smaller set; building the union would cost more
    return shared / (len(a) + len(b) - shared)
