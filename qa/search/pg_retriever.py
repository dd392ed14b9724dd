"""A ``Retriever`` over a PostgreSQL index: the same search, fusion, priors and answers;
only the lookups differ (``qa.index.pg_read``).

A folder index is immutable once published, so a retriever holds one generation. A
database changes in place, so this one follows it: each search reads one snapshot, and when a
build has committed since the last search, the article table it keeps in memory (titles and
dates for the priors) is read again in that snapshot. Several processes can serve one
database; none needs to be told of a build.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import RetrievalConfig
from qa.index.embedding import Embedder
from qa.index.pg_read import Reader, Scope, Totals
from qa.ingest import chinese
from qa.models import ArticleMeta, Hit
from qa.search.retriever import Retriever, _Dates, checked_embedder

DEFAULT_EF_SEARCH = 64


def open_database(
    dsn: str, embedder: Embedder | None = None, query_encoder: str | None = None
) -> DatabaseRetriever:
    """Open the index in the database at ``dsn`` (see ``load_retriever``)."""
    reader = Reader(dsn)
    try:
        _, manifest, _, _ = reader.state()
        embedder = checked_embedder(reader.where, manifest, embedder, query_encoder)
        return DatabaseRetriever(reader, manifest, embedder)
    except BaseException:
        reader.close()
        raise


@dataclass(frozen=True)
class _View:
    """What a search needs besides the rankings, as of one build."""

    build: int
    metas: dict[str, ArticleMeta]
    newest_date: dt.date | None
    chunks: Totals  # BM25's
    articles: Totals


class DatabaseRetriever(Retriever):
    """Searches the index in a PostgreSQL database; safe to share between threads."""

    # A search's statements share this thread's read transaction, so that they see one build:
    # its dense side stays on the calling thread.
    overlap_sides = False

    def __init__(self, reader: Reader, manifest: dict[str, Any], embedder: Embedder) -> None:
        self.lease = None
        self.reader = reader
        self.table = reader  # the lookups (articles, chunks) of ``Retriever``
        self.index_dir = Path(reader.where)  # for messages only
        self._take_settings(manifest, embedder)
        recorded = manifest.get("dense_index") or {}
        self.exact = recorded.get("kind") != "hnsw"
        self.ef_search = int(recorded.get("ef_search", DEFAULT_EF_SEARCH))
        self._local = threading.local()
        self._latest = self._read_view()

    @property
    def generation(self) -> str:  # type: ignore[override]
        """The build this retriever last read (the app names it in its log)."""
        return f"{self.reader.where}#{self._view.build}"

    def _read_view(self) -> _View:
        with self.reader.snapshot():
            build, _, chunks, articles = self.reader.state()
            latest = getattr(self, "_latest", None)
            if latest is not None and latest.build == build:
                return latest
            metas = self.reader.metas()
        days = [m.date for m in metas.values() if m.date]
        view = _View(build, metas, max(days) if days else None, chunks, articles)
        self._latest = view
        return view

    @property
    def _view(self) -> _View:
        view: _View | None = getattr(self._local, "view", None)
        return view if view is not None else self._read_view()

    @property
    def metas(self) -> dict[str, ArticleMeta]:
        return self._view.metas

    @property
    def newest_date(self) -> dt.date | None:
        return self._view.newest_date

    @cached_property
    def centroid(self) -> np.ndarray:
        return self.reader.centroid(self.embedder.dim)

    def _sizes(self) -> tuple[int, int, dt.date | None]:
        view = self._view
        return len(view.metas), view.chunks.documents, view.newest_date

    # -- the storage side of ``Retriever._search`` ------------------------------------------

    def _search(
        self,
        query: str,
        k: int,
        config: RetrievalConfig,
        when: _Dates,
        sources: Sequence[str] | None,
    ) -> list[Hit]:
        with self.reader.snapshot():
            self._local.view = self._read_view()
            try:
                return super()._search(query, k, config, when, sources)
            finally:
                self._local.view = None

    def _mask(self, when: _Dates, sources: Sequence[str] | None) -> Scope | None:
        explicit = when.explicit
        since = explicit.since if explicit else None
        until = explicit.until if explicit else None
        if since is None and until is None and when.as_of is None and sources is None:
            return None
        return Scope(since, until, when.as_of, None if sources is None else tuple(sources))

    def _dense(self, query: str, n: int, mask: Any) -> dict[int, float]:
        if self._view.chunks.documents == 0:
            return {}
        vector = self.embedder.encode([query], show_progress=False)[0]
        return self.reader.dense(vector, n, mask, exact=self.exact, ef_search=self.ef_search)

    def _lexical(self, query: str, n: int, mask: Any) -> dict[int, float]:
        return self.reader.lexical(query, n, mask, self._view.chunks)

    def _article_scores(self, query: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found = self.reader.article_scores(query, ids.tolist(), self._view.articles)
        scores, spans = zip(*(found[int(i)] for i in ids))
        return np.array(scores, dtype=np.float64), np.array(spans, dtype=np.int64)

    def _cjk_shares(self, chunk_ids: Iterable[int]) -> dict[int, float]:
        ids = [int(i) for i in chunk_ids]
        return {i: chinese.cjk_share(c.text) for i, c in self._chunks(ids).items()}

    def _articles_of(self, chunk_ids: Iterable[int]) -> dict[int, str]:
        return self.reader.articles_of(list(chunk_ids))
