"""BM25 over chunk texts (bm25s), with a tokenizer that handles English and Chinese.

English words are lower-cased, stop words dropped and Snowball-stemmed (PyStemmer); runs of
CJK characters become overlapping character bigrams, so a Chinese fragment in a question can
match the same fragment in an article without a word segmenter. An ordinal or a year written in
Chinese numerals (第二十四届, 二〇二三年) also gives its number in digits (24, 2023), so that it
matches the way a question or another article writes it (第24届, 2023年). So does an English
number or ordinal word from two to twenty ("fourth", "twelve") and an ordinal in digits ("4th"):
"season 4" then matches "the fourth season", "14th" matches "fourteenth". A quarter or half of a
year also gives one token however it is written: "Q3", "the third quarter", "third-quarter" and
"三季度" all match as "q3", the way business news writes them in turn.

What BM25 indexes for a chunk (``chunk_text``, ``manifest.LEXICAL_RECIPE``) is its article's
title, the headings of the numbered clause of a Chinese text that it starts inside (第三章 充电设施
补贴 第十三条, when they stand in the text before the chunk) and the chunk's own text, so a
question naming a clause's number finds its body in a later chunk too.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.ingest import chinese
from qa.ingest.sentences import enclosing_headings

logger = logging.getLogger(__name__)

CJK_CHARS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # 〇 and the ideographs
# A run of CJK characters, or a run of other letters and digits: "5G基站10486个" is "5G", "基站",
# "10486", "个" (CJK characters count as word characters, so without the split the whole run
# would become one token that nothing else matches).
_TOKEN = re.compile(rf"[{CJK_CHARS}]+|[^\W_{CJK_CHARS}]+", re.UNICODE)
CJK = re.compile(rf"[{CJK_CHARS}]")  # one Chinese (or other CJK) character

# "one" and "first" are left out: they are mostly not numbers ("one of", "for the first time").
_CARDINALS = (
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
_ORDINALS = (
    "second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
).split()
NUMBER_WORDS = {w: str(i) for words in (_CARDINALS, _ORDINALS) for i, w in enumerate(words, 2)}
_DIGIT_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
# A quarter or half of a year, however it is written: "the third quarter", "third-quarter",
# "3rd quarter", "Q3", "三季度" all give "q3"; "first half", "H1", "上半年" give "h1".
_PERIOD = re.compile(
    r"\b(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(quarter|half)\b"
    r"|([一二三四1-4])季度|([上下])半年",
    re.IGNORECASE,
)
_PERIOD_NUMBER = {
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "1st": "1",
    "2nd": "2",
    "3rd": "3",
    "4th": "4",
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "上": "1",
    "下": "2",
}


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """The English stop words BM25 drops (bm25s's list)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


_local = threading.local()


def _stemmer() -> Any:
    """This thread's English stemmer (a PyStemmer object must not be shared by threads)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


def _import_bm25s() -> Any:
    """bm25s sets its own logger to DEBUG on import; give the level back to the application."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


CLAUSE_REACH = 1000  # characters after its number that a chunk still counts as in an article


def chunk_text(title: str, text: str, heading: str = "") -> str:
    """The text BM25 indexes for a chunk: title, clause heading (see ``clause_headings``), text."""
    return f"{title}\n{heading}\n{text}" if heading else f"{title}\n{text}"


def article_text(title: str, body: str) -> str:
    """The text the article BM25 indexes for an article (``ArticleLexicalIndex``, and the
    PostgreSQL store's article postings): its title and body."""
    return chunk_text(title, body)


def clause_headings(body: str, starts: list[int]) -> list[str]:
    """The headings of the numbered clauses that chunks starting at ``starts`` of ``body`` start
    inside and do not show ("" for none): the chapter's title line and the article's number."""
    return enclosing_headings(body, starts, CLAUSE_REACH)


def chunk_headings(
    bodies: Iterable[tuple[str, str]], chunks: Sequence[tuple[str, int]]
) -> dict[tuple[str, int], str]:
    """The clause headings (``clause_headings``) of chunks given as (article id, start), for the
    articles of (article id, body) ``bodies``; a chunk of any other article has none."""
    starts: dict[str, list[int]] = {}
    for article_id, start in chunks:
        starts.setdefault(article_id, []).append(start)
    headings: dict[tuple[str, int], str] = {}
    for article_id, body in bodies:
        at = starts.get(article_id, [])
        headings.update(((article_id, s), h) for s, h in zip(at, clause_headings(body, at)) if h)
    return headings


def tokenize(text: str) -> list[str]:
    """Lexical tokens of ``text``: stemmed English words, numbers, CJK bigrams."""
    stop = stop_words()
    words: list[str] = []
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        run = match.group()
        if CJK.match(run):
            tokens.extend(bigrams(run))
            tokens.extend(chinese.numbers(run))
        elif run not in stop:
            words.append(run)
            tokens.extend(_number_of(run))
    tokens.extend(_stemmer().stemWords(words))
    tokens.extend(_periods(text))
    return tokens


def _periods(text: str) -> list[str]:
    """The quarters and halves of a year that ``text`` names, as "q3" or "h1"."""
    found = []
    for m in _PERIOD.finditer(text):
        ordinal, unit, zh_quarter, zh_half = m.groups()
        if ordinal:
            ordinal, unit = ordinal.lower(), unit.lower()
            if unit == "quarter" or ordinal in ("first", "second", "1st", "2nd"):
                found.append(("q" if unit == "quarter" else "h") + _PERIOD_NUMBER[ordinal])
        elif zh_quarter:
            found.append("q" + _PERIOD_NUMBER.get(zh_quarter, zh_quarter))
        else:
            found.append("h" + _PERIOD_NUMBER[zh_half])
    return found


def _number_of(word: str) -> list[str]:
    """The digits an English number word or digit ordinal stands for ("fourth", "4th": "4")."""
    if word in NUMBER_WORDS:
        return [NUMBER_WORDS[word]]
    ordinal = _DIGIT_ORDINAL.fullmatch(word) if word[0].isdigit() else None  # most words: no
    return [ordinal.group(1)] if ordinal else []


def bigrams(run: str) -> list[str]:
    """The overlapping character bigrams of a run of CJK characters, in order (``bigrams(run)[i]``
    starts at ``run[i]``); a one-character run is its own token."""
    return [run[i : i + 2] for i in range(max(1, len(run) - 1))]


def matching_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match the query's lexical tokens, in order.

    A word matches when its stem is a query token; in a run of Chinese characters, each
    stretch covered by query bigrams matches (not the whole run, which is often a clause).
    Matches that touch ("5G" and "基站") make one span.
    """
    terms = set(tokenize(query))
    covered = [False] * len(text)
    for match in _PERIOD.finditer(text):
        if set(_periods(match.group())) & terms:
            covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    for match in _TOKEN.finditer(text):
        run, start = match.group(), match.start()
        if not CJK.match(run):
            if set(tokenize(run)) & terms:
                covered[start : match.end()] = [True] * len(run)
            continue
        for i, gram in enumerate(bigrams(run)):
            if gram in terms:
                covered[start + i : start + i + len(gram)] = [True] * len(gram)
    spans = []
    for hit, run_of in itertools.groupby(range(len(text)), key=covered.__getitem__):
        if hit:
            positions = list(run_of)
            spans.append((positions[0], positions[-1] + 1))
    return spans


RARE_POSTINGS = 50  # postings read per passage asked for, to find the floor of the best


def _best(scores: np.ndarray, n: int, candidates: np.ndarray | None) -> np.ndarray:
    """Positions of the ``n`` highest ``scores`` (ties at the cut: any of them), using the
    ``n``-th best score among ``candidates`` as a floor when there are enough of them."""
    n = min(n, len(scores))
    if candidates is not None and len(candidates) >= n:
        values = scores[candidates]
        floor = np.partition(values, len(values) - n)[len(values) - n]
        if floor > 0:  # every one of the n best scores at least this much
            above = np.flatnonzero(scores >= floor)
            if len(above) <= n:
                return above
            return above[np.argpartition(-scores[above], n - 1)[:n]]
    return np.argpartition(-scores, n - 1)[:n]


class LexicalIndex:
    """A BM25 index whose document ``i`` is the chunk ``ids[i]``."""

    def __init__(self, bm25: object, ids: np.ndarray) -> None:
        self.bm25 = bm25
        self.ids = ids
        self._vocab: dict[str, int] = bm25.vocab_dict  # type: ignore[attr-defined]

    @classmethod
    def build(
        cls, texts: Iterable[str], ids: np.ndarray, show_progress: bool = False
    ) -> LexicalIndex:
        bm25s = _import_bm25s()

        corpus = [tokenize(t) or [""] for t in texts] or [[""]]  # bm25s needs one document
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=show_progress)
        return cls(bm25, np.asarray(ids, dtype=np.int64))

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder), show_progress=False)  # type: ignore[attr-defined]
        np.save(folder / "ids.npy", self.ids, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        bm25s = _import_bm25s()

        bm25 = bm25s.BM25.load(str(folder), show_progress=False)
        return cls(bm25, np.load(folder / "ids.npy", allow_pickle=False))

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every chunk (aligned with ``ids``); zero where ``mask`` is False."""
        return self._scores(self._token_ids(query), mask)

    def top(self, query: str, n: int, mask: np.ndarray | None = None) -> dict[int, float]:
        """The ``n`` best chunks with a positive score, as chunk id -> BM25 score.

        The same set as sorting every score, found faster at a million passages, where a
        question's common words give a quarter of them a score: the ``n``-th best score among
        the chunks of its rarest words is a floor that all of the ``n`` best reach, so only
        the chunks at or above it are ranked (a full ``argpartition`` was 2 ms of a 10 ms
        search; this is 0.9 ms).
        """
        token_ids = self._token_ids(query)
        if not token_ids or n <= 0 or len(self.ids) == 0:
            return {}
        scores = self._scores(token_ids, mask)
        best = _best(scores, n, self._rare_postings(token_ids, RARE_POSTINGS * n))
        return {int(self.ids[p]): float(scores[p]) for p in best if scores[p] > 0}

    def _token_ids(self, query: str) -> list[int]:
        return [self._vocab[t] for t in tokenize(query) if t and t in self._vocab]

    def _scores(self, token_ids: list[int], mask: np.ndarray | None) -> np.ndarray:
        if not token_ids or len(self.ids) == 0:
            return np.zeros(len(self.ids), dtype=np.float32)
        scores = self.bm25.get_scores_from_ids(token_ids)  # type: ignore[attr-defined]
        scores = np.asarray(scores, dtype=np.float32)
        if mask is not None:
            scores = np.where(mask, scores, 0.0).astype(np.float32)
        return scores

    def scores_at(self, query: str, positions: np.ndarray) -> np.ndarray:
        """BM25 score of the documents at ``positions`` (of ``ids``) alone: the same numbers as
        ``scores(query)[positions]``, read from the question's posting lists by binary search."""
        bm25 = self.bm25
        if getattr(bm25, "nonoccurrence_array", None) is not None:  # not the default variant
            return self.scores(query)[positions]
        matrix = bm25.scores  # type: ignore[attr-defined]
        indptr, indices, data = matrix["indptr"], matrix["indices"], matrix["data"]
        wanted = np.unique(positions)
        found = np.zeros(len(wanted), dtype=np.float32)
        for term in self._token_ids(query):  # a repeated word counts again, as in bm25s
            low, high = int(indptr[term]), int(indptr[term + 1])
            if low == high:
                continue
            postings = indices[low:high]  # ascending document positions
            at = np.minimum(np.searchsorted(postings, wanted), high - low - 1)
            hit = postings[at] == wanted
            found[hit] += data[low:high][at[hit]]
        return found[np.searchsorted(wanted, positions)]

    def _rare_postings(self, token_ids: list[int], most: int) -> np.ndarray | None:
        """The chunks holding the question's rarest words, up to about ``most`` postings;
        None when even the rarest word alone is in more."""
        matrix = self.bm25.scores  # type: ignore[attr-defined]
        indptr, indices = matrix["indptr"], matrix["indices"]
        spans = sorted((int(indptr[t + 1] - indptr[t]), t) for t in set(token_ids))
        parts: list[np.ndarray] = []
        total = 0
        for length, term in spans:
            if total + length > most:
                break
            parts.append(indices[indptr[term] : indptr[term + 1]])
            total += length
        return np.unique(np.concatenate(parts)) if parts else None


ARTICLE_IDS = "articles.json"  # in the folder of an ``ArticleLexicalIndex``: its article ids


class ArticleLexicalIndex:
    """BM25 over whole articles (title and body): what a passage's article says of a question.

    A news question often names things that its answer's article states in other paragraphs
    than the one that answers it ("Damar Hamlin ... which team?": the team in one paragraph,
    the emergency in another); ranked by the passage alone, that article falls below others
    that repeat the question's words in one place. Search blends this score into each
    passage's lexical side (``RetrievalConfig.article_weight``). Where every article is one
    passage, it is the passage's own score and changes nothing.
    """

    def __init__(self, index: LexicalIndex, article_ids: Sequence[str]) -> None:
        self.index = index
        self.article_ids = list(article_ids)

    @classmethod
    def build(cls, articles: Iterable[tuple[str, str, str]]) -> ArticleLexicalIndex:
        """From (article id, title, body) rows."""
        rows = list(articles)
        texts = (article_text(title, body) for _, title, body in rows)
        index = LexicalIndex.build(texts, np.arange(len(rows), dtype=np.int64))
        return cls(index, [article_id for article_id, _, _ in rows])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.index.save(folder)
        (folder / ARTICLE_IDS).write_text(json.dumps(self.article_ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ArticleLexicalIndex:
        ids = json.loads((folder / ARTICLE_IDS).read_text(encoding="utf-8"))
        return cls(LexicalIndex.load(folder), ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every article, aligned with ``article_ids``."""
        return self.index.scores(query)

    def scores_of(self, query: str, positions: np.ndarray) -> np.ndarray:
        """BM25 score of the articles at ``positions`` (of ``article_ids``) alone: the same
        numbers as ``scores(query)[positions]``, at a cost that follows the candidates, not
        the archive's size (``LexicalIndex.scores_at``)."""
        return self.index.scores_at(query, positions)
