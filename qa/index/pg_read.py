"""Reading a PostgreSQL index (``qa.index.pg``): lookups, dense and BM25 top-n in SQL, and the
article BM25 of a search's candidates.

Every read runs in a snapshot: a read-only, repeatable-read transaction on a connection of
a small pool, so a search's several statements see one build even while another commits, and
threads (or the app's workers) never share a connection.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.errors import DatabaseError, IndexNotFoundError
from qa.index import pg, pg_bm25
from qa.index.lexical import tokenize
from qa.models import Article, ArticleMeta, Chunk


def as_array(value: Any) -> np.ndarray:
    """A vector as the driver returns it (pgvector's ``Vector``, or an array) as float32."""
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    return np.asarray(value, dtype=np.float32)


@dataclass(frozen=True)
class Totals:
    """What BM25 reads of a whole corpus (passages, or articles) as of one build."""

    documents: int
    length: int  # the documents' summed BM25 lengths

    def sql(self, vocabulary: str, terms: list[str]) -> tuple[str, list[Any], str, list[Any]]:
        """BM25 of a query's ``terms`` over this corpus, whose vocabulary is the table
        ``vocabulary``, as SQL (bm25s' Lucene formula: idf = ln(1 + (N - df + 0.5) / (df +
        0.5)), tf / (tf + k1 (1 - b + b len / avglen)); a term the query repeats counts each
        time): a ``WITH`` item ``q`` (the terms' ids and weights) and its parameters, then
        the score summed over the postings ``p`` that join ``q``, and its parameters."""
        weights = (
            "q AS (SELECT t.id, count(*) * ln(1 + (%s - t.df + 0.5) / (t.df + 0.5)) AS w "
            f"FROM unnest(%s::text[]) AS u(term) JOIN {vocabulary} t ON t.term = u.term "
            "GROUP BY t.id, t.df)"
        )
        # tf / (tf + k1 (1 - b) + k1 b len / avglen); the postings carry len, so no join
        score = "sum(q.w * p.tf / (p.tf + %s + %s * p.length))"
        flat = pg_bm25.K1 * (1 - pg_bm25.B)
        per_length = pg_bm25.K1 * pg_bm25.B * self.documents / max(self.length, 1)
        return weights, [float(self.documents), terms], score, [flat, per_length]


@dataclass(frozen=True)
class Scope:
    """The hard filters of a search, as SQL on ``qa_chunks c``.

    ``since``/``until`` keep dated chunks in the range (undated ones go); ``as_of`` drops
    chunks dated after it (undated ones stay); ``sources`` keeps those articles' chunks.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    as_of: dt.date | None = None
    sources: tuple[str, ...] | None = None

    def sql(self, date: str = "c.date", chunk: str = "c.id") -> tuple[str, list[Any]]:
        """The filters as a condition on the columns ``date`` and ``chunk`` (a chunk's id)."""
        parts: list[str] = ["true"]
        params: list[Any] = []
        if self.since or self.until:
            parts.append(f"{date} BETWEEN %s AND %s")
            params += [self.since or dt.date.min, self.until or dt.date.max]
        if self.as_of is not None:
            parts.append(f"({date} IS NULL OR {date} <= %s)")
            params.append(self.as_of)
        if self.sources is not None:
            parts.append(
                f"{chunk} IN (SELECT s.id FROM qa_chunks s JOIN qa_articles a "
                "ON a.id = s.article_id WHERE a.source = ANY(%s))"
            )
            params.append(list(self.sources))
        return " AND ".join(parts), params


class Reader:
    """Pooled, snapshot-consistent reads of the index in ``dsn``."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.where = pg.redact(dsn)
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._local = threading.local()
        self._closed = False
        with self.snapshot() as conn:
            if not pg.exists(conn) or conn.execute("SELECT 1 FROM qa_meta").fetchone() is None:
                raise IndexNotFoundError(self.where)
            if not pg_bm25.layout_current(conn):
                raise DatabaseError(
                    self.where, "its BM25 tables predate this version: run qa index --store again"
                )

    @contextmanager
    def snapshot(self) -> Iterator[Any]:
        """This thread's read transaction (opened here, or the one already open)."""
        current = getattr(self._local, "conn", None)
        if current is not None:
            yield current
            return
        conn = self._take()
        self._local.conn = conn
        ended = False
        try:
            with pg.errors_as_database_error(self.dsn):
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield conn
                finally:
                    conn.execute("ROLLBACK")
                    ended = True
        finally:
            self._local.conn = None
            if ended:
                self._give(conn)
            else:
                conn.close()  # a connection in an unknown state is not reused

    def _take(self) -> Any:
        with self._lock:
            if self._closed:
                raise DatabaseError(self.where, "closed; load the index again to read it")
            if self._idle:
                return self._idle.pop()
        return pg.connect(self.dsn, autocommit=True)

    def _give(self, conn: Any) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < 8:
                self._idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for conn in idle:
            conn.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.snapshot() as conn:
            rows: list[tuple[Any, ...]] = conn.execute(sql, params).fetchall()
            return rows

    # -- the state a retriever holds ----------------------------------------------------

    def state(self) -> tuple[int, dict[str, Any], Totals, Totals]:
        """(build number, manifest settings, BM25 totals of passages, of articles)."""
        row = self._rows(
            "SELECT build, manifest, passages, total_length, articles, article_length FROM qa_meta"
        )[0]
        return int(row[0]), dict(row[1]), Totals(row[2], row[3]), Totals(row[4], row[5])

    def metas(self) -> dict[str, ArticleMeta]:
        rows = self._rows("SELECT id, title, date, source, path FROM qa_articles")
        return {r[0]: ArticleMeta(*r) for r in rows}

    def centroid(self, dim: int) -> np.ndarray:
        row = self._rows("SELECT avg(embedding) FROM qa_chunks")[0]
        if row[0] is None:
            return np.zeros(dim, dtype=np.float32)
        return as_array(row[0])

    # -- lookups, as ``store.ChunkTable`` offers them -------------------------------------

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        rows = self._rows(
            'SELECT id, article_id, idx, start, "end", text FROM qa_chunks WHERE id = ANY(%s)',
            ([int(i) for i in ids],),
        )
        return {r[0]: Chunk(*r) for r in rows}

    def chunks_of(self, article_id: str) -> list[Chunk]:
        rows = self._rows(
            'SELECT id, article_id, idx, start, "end", text FROM qa_chunks '
            "WHERE article_id = %s ORDER BY idx",
            (article_id,),
        )
        return [Chunk(*r) for r in rows]

    def article(self, article_id: str) -> Article | None:
        rows = self._rows(
            "SELECT id, title, date, source, body, path, content_hash FROM qa_articles "
            "WHERE id = %s",
            (article_id,),
        )
        return Article(*rows[0]) if rows else None

    def articles_of(self, chunk_ids: Sequence[int]) -> dict[int, str]:
        rows = self._rows(
            "SELECT id, article_id FROM qa_chunks WHERE id = ANY(%s)",
            ([int(i) for i in chunk_ids],),
        )
        return {int(r[0]): r[1] for r in rows}

    # -- the two rankings ---------------------------------------------------------------

    def dense(
        self, vector: np.ndarray, n: int, scope: Scope | None, *, exact: bool, ef_search: int
    ) -> dict[int, float]:
        """The ``n`` chunks most alike ``vector`` (inner product), within ``scope``.

        ``exact`` scans every vector (as the folder store's flat index does); otherwise the
        HNSW graph is searched with iterative scans, so a filter still yields ``n`` rows.
        """
        where, params = (scope or Scope()).sql()
        with self.snapshot() as conn:
            if exact:
                conn.execute("SET LOCAL enable_indexscan = off")
            else:
                conn.execute(f"SET LOCAL hnsw.ef_search = {min(max(ef_search, n), 1000)}")
                conn.execute("SET LOCAL hnsw.iterative_scan = strict_order")
            rows = conn.execute(
                f"SELECT c.id, -(c.embedding <#> %s) FROM qa_chunks c WHERE {where} "
                "ORDER BY c.embedding <#> %s LIMIT %s",
                [vector, *params, vector, n],
            ).fetchall()
            if exact:
                conn.execute("SET LOCAL enable_indexscan = on")
        return {int(i): float(s) for i, s in rows}

    def lexical(self, query: str, n: int, scope: Scope | None, chunks: Totals) -> dict[int, float]:
        """The ``n`` best BM25 scores for ``query`` within ``scope`` (``Totals.sql``)."""
        terms = [t for t in tokenize(query) if t]
        if not terms or chunks.documents == 0:
            return {}
        where, params = (scope or Scope()).sql(date="p.date", chunk="p.chunk_id")
        weights, weight_params, score, score_params = chunks.sql("qa_terms", terms)
        rows = self._rows(
            f"WITH {weights} SELECT p.chunk_id, {score} AS score "
            f"FROM q JOIN qa_postings p ON p.term_id = q.id WHERE {where} "
            "GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT %s",
            [*weight_params, *score_params, *params, n],
        )
        return {int(i): float(s) for i, s in rows if s > 0 and math.isfinite(s)}

    def article_scores(
        self, query: str, chunk_ids: Sequence[int], articles: Totals
    ) -> dict[int, tuple[float, int]]:
        """For each of ``chunk_ids``: its article's BM25 score for ``query`` (the folder's
        ``ArticleLexicalIndex.scores_of``) and its article's number of passages. Only these
        articles' postings are read: a term's, at each article, by the postings' key."""
        terms = [t for t in tokenize(query) if t]  # none: every score 0, the counts still read
        weights, weight_params, score, score_params = articles.sql("qa_article_terms", terms)
        rows = self._rows(
            f"WITH {weights}, "
            "c AS (SELECT id, article_id FROM qa_chunks WHERE id = ANY(%s)), "
            "a AS (SELECT article_id, count(*) AS passages FROM qa_chunks "
            "WHERE article_id IN (SELECT article_id FROM c) GROUP BY article_id), "
            f"s AS (SELECT p.article_id, {score} AS score FROM q JOIN qa_article_postings p "
            "ON p.term_id = q.id WHERE p.article_id IN (SELECT article_id FROM a) "
            "GROUP BY p.article_id) "
            "SELECT c.id, coalesce(s.score, 0), a.passages FROM c JOIN a USING (article_id) "
            "LEFT JOIN s USING (article_id)",
            [*weight_params, [int(i) for i in chunk_ids], *score_params],
        )
        return {int(i): (float(s), int(n)) for i, s, n in rows}
