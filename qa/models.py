"""The frozen records that cross module boundaries.

Data flows one way: ``Article`` -> ``Chunk`` -> (vectors) -> ``Hit`` -> ``Answer``.
Character offsets always index into ``Article.body``, so ``body[start:end]`` is the excerpt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArticleMeta:
    """What a search hit says about the article it came from (no body)."""

    id: str
    title: str
    date: dt.date | None
    source: str | None
    path: str


@dataclass(frozen=True)
class Article:
    """One parsed file of the archive."""

    id: str  # file stem, stable across rebuilds
    title: str
    date: dt.date | None
    source: str | None
    body: str  # cleaned text; every offset in the package points into this string
    path: str
    content_hash: str  # sha256 hex of the raw file bytes

    @property
    def meta(self) -> ArticleMeta:
        return ArticleMeta(self.id, self.title, self.date, self.source, self.path)


@dataclass(frozen=True)
class Chunk:
    """A window of consecutive sentences of one article; ``text == body[start:end]``."""

    id: int  # stable int64 (non-negative), the FAISS id
    article_id: str
    index: int  # position of the chunk within its article
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class DateRange:
    """A period read from a question or given by the caller; both ends inclusive."""

    since: dt.date | None
    until: dt.date | None
    phrase: str = ""  # the words of the question it was read from ("" when given explicitly)
    description: str = ""  # human-readable, e.g. "June 2024 (read 'last June')"
    relative: bool = False  # read relative to the reference date ("this week", "recently")


@dataclass(frozen=True)
class Hit:
    """One retrieved passage."""

    chunk_id: int
    text: str
    score: float
    start: int
    end: int
    article: ArticleMeta
    dense_score: float | None = None
    lexical_score: float | None = None


@dataclass(frozen=True)
class SearchResults:
    """Ranked hits plus how the question was read; behaves like a sequence of ``Hit``."""

    query: str
    hits: tuple[Hit, ...]
    mode: str = "hybrid"
    dates: DateRange | None = None  # the date filter applied: the caller's bounds, the as-of date
    window: DateRange | None = None  # the period the question names: weighs, never drops

    def __len__(self) -> int:
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __getitem__(self, i: int) -> Hit:
        return self.hits[i]


@dataclass(frozen=True)
class Citation:
    """The evidence behind one ``[n]`` marker of an answer."""

    n: int
    article_id: str
    title: str
    date: dt.date | None
    source: str | None
    excerpt: str  # body[start:end]; contains the supporting sentence verbatim
    start: int
    end: int
    sentence_start: int  # the supporting sentence, as offsets into the article body
    sentence_end: int
    score: float


@dataclass(frozen=True)
class ShortAnswer:
    """The phrase an answer opens with: a name, a date, a number, a place, or yes/no.

    ``text`` is ``body[start:end]`` of the article that citation ``n`` quotes, inside that
    citation's supporting sentence; for a yes/no question it is "Yes" or "No" and
    ``start:end`` is the sentence that says so.
    """

    text: str
    n: int
    start: int
    end: int


@dataclass(frozen=True)
class Answer:
    """An answer in which every sentence ends with a marker of a citation that contains it.

    When ``short_answer`` is set, ``text`` opens with it and its marker ("Xu Zhijun [1]"),
    then the supporting sentences.
    """

    question: str
    query: str  # what was searched, after reading the conversation
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    related: tuple[Hit, ...] = field(default=())  # "possibly related" passages when abstaining
    dates: DateRange | None = None  # the date filter applied (see ``SearchResults``)
    notes: tuple[str, ...] = field(default=())  # e.g. "sources disagree: ..."
    window: DateRange | None = None  # the period the question names, which weighed passages
    short_answer: ShortAnswer | None = None  # the asked-for phrase, quoted; None if none fits
