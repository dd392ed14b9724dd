"""The index in PostgreSQL: articles, chunks, vectors (pgvector, HNSW) and BM25 in tables.

One database holds one index::

    qa_meta      one row: build (from the sequence qa_builds), manifest (jsonb: the folder
                 store's manifest less the per-article entries), BM25 totals (passages and
                 their summed lengths, articles and theirs)
    qa_articles  id, title, date, source, path, content_hash, body, length (article BM25 tokens)
    qa_chunks    id, article_id, idx, start, end, text, date (the article's, for filters in
                 SQL), length (BM25 tokens), embedding vector(dim) with an HNSW index
    qa_terms, qa_postings, qa_article_terms, qa_article_postings
                 BM25 of passages and of whole articles (``qa.index.pg_bm25``)

BM25 is kept as statistics in tables rather than Postgres full-text search, so the tokenizer
(stems, number words, quarters, Chinese bigrams) and the scores are those of the folder
store's bm25s indexes; see README "PostgreSQL store".

A build writes in one transaction under an advisory lock, so readers see the index before or
after it, never between; a reader reads each search in one snapshot (repeatable read).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from qa.errors import DatabaseError
from qa.index import pg_bm25
from qa.index.lexical import article_text, chunk_headings, chunk_text
from qa.models import Article, Chunk

logger = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
INSTALL = "pip install -e '.[postgres]'  (psycopg[binary], pgvector)"
LOCK_KEY = 0x7161_6964_7822  # pg_advisory_xact_lock key of builds ("qaidx")
TABLES = (*pg_bm25.TABLES, "qa_chunks", "qa_articles", "qa_meta")

_SCHEMA = """
CREATE TABLE qa_meta (
    one boolean PRIMARY KEY DEFAULT true CHECK (one), build bigint NOT NULL,
    manifest jsonb NOT NULL, passages bigint NOT NULL, total_length bigint NOT NULL,
    articles bigint NOT NULL, article_length bigint NOT NULL);
CREATE TABLE qa_articles (
    id text PRIMARY KEY, title text NOT NULL, date date, source text, path text NOT NULL,
    content_hash text NOT NULL, body text NOT NULL, length integer NOT NULL);
CREATE TABLE qa_chunks (
    id bigint PRIMARY KEY, article_id text NOT NULL REFERENCES qa_articles(id) ON DELETE CASCADE,
    idx integer NOT NULL, start integer NOT NULL, "end" integer NOT NULL, text text NOT NULL,
    date date, length integer NOT NULL, embedding vector({dim}) NOT NULL);
CREATE INDEX qa_chunks_by_article ON qa_chunks (article_id, idx);
CREATE INDEX qa_chunks_by_date ON qa_chunks (date);
"""
_HNSW = (
    "CREATE INDEX qa_chunks_hnsw ON qa_chunks USING hnsw (embedding vector_ip_ops) "
    "WITH (m = {m}, ef_construction = {ef})"
)


def is_database(location: object) -> bool:
    """True when ``location`` is a PostgreSQL address rather than an index folder."""
    return isinstance(location, str) and location.startswith(SCHEMES)


def redact(dsn: str) -> str:
    """``dsn`` with its password masked, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", dsn)


def _psycopg() -> Any:
    try:
        import pgvector.psycopg  # noqa: F401
        import psycopg
    except ImportError as exc:
        raise ImportError(f"a PostgreSQL index needs the postgres extra: {INSTALL}") from exc
    return psycopg


def connect(dsn: str, *, autocommit: bool = False) -> Any:
    """A connection to ``dsn`` with the vector type registered.

    Raises:
        DatabaseError: the server cannot be reached, refuses the login, or lacks pgvector.
    """
    psycopg = _psycopg()
    from pgvector.psycopg import register_vector

    try:
        conn = psycopg.connect(dsn, connect_timeout=10, autocommit=autocommit)
    except psycopg.Error as exc:
        raise DatabaseError(redact(dsn), f"cannot connect: {_first_line(exc)}") from exc
    except Exception as exc:  # a malformed address is a ProgrammingError or a ValueError
        raise DatabaseError(redact(dsn), f"not a valid address: {_first_line(exc)}") from exc
    try:
        if not _has_vector_type(conn):
            with conn.transaction():
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        register_vector(conn)
    except psycopg.Error as exc:
        conn.close()
        raise DatabaseError(redact(dsn), f"pgvector is not available: {_first_line(exc)}") from exc
    if not autocommit:
        conn.commit()
    return conn


def _has_vector_type(conn: Any) -> bool:
    row = conn.execute("SELECT to_regtype('vector') IS NOT NULL").fetchone()
    return bool(row[0])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def errors_as_database_error(dsn: str) -> Iterator[None]:
    """Turn a driver error (the server went away, a statement failed) into one line."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.Error as exc:
        raise DatabaseError(redact(dsn), _first_line(exc)) from exc


# -- what a build reads and writes (on the build's connection, inside its transaction) ------


def lock(conn: Any, dsn: str, timeout: float) -> bool:
    """Take the builds' advisory lock for this transaction; False when ``timeout`` ran out."""
    psycopg = _psycopg()
    conn.execute(f"SET LOCAL lock_timeout = '{max(int(timeout * 1000), 1)}ms'")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
    except psycopg.errors.LockNotAvailable:
        return False
    conn.execute("SET LOCAL lock_timeout = 0")
    return True


def exists(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass('qa_meta') IS NOT NULL").fetchone()
    return bool(row[0])


def read_state(conn: Any) -> tuple[dict[str, Any], int] | None:
    """(manifest with its per-article entries, build number), or None for an empty database."""
    if not exists(conn):
        return None
    row = conn.execute("SELECT manifest, build FROM qa_meta").fetchone()
    if row is None:
        return None
    manifest, build = dict(row[0]), int(row[1])
    entries: dict[str, Any] = {}
    for article_id, digest, path, ids in conn.execute(
        "SELECT a.id, a.content_hash, a.path, "
        "coalesce(array_agg(c.id ORDER BY c.idx) FILTER (WHERE c.id IS NOT NULL), '{}') "
        "FROM qa_articles a LEFT JOIN qa_chunks c ON c.article_id = a.id GROUP BY a.id"
    ):
        entries[article_id] = {"hash": digest, "path": path, "chunk_ids": list(ids)}
    manifest["articles"] = entries
    return manifest, build


def create(conn: Any, dim: int) -> None:
    """Drop whatever index the database held and create empty tables for ``dim``-d vectors."""
    conn.execute("DROP TABLE IF EXISTS " + ", ".join(TABLES))
    conn.execute(_SCHEMA.format(dim=int(dim)))
    pg_bm25.create(conn)


def create_hnsw(conn: Any, m: int, ef_construction: int) -> None:
    """The HNSW graph over every vector (built after a first load: faster than row by row)."""
    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    conn.execute(_HNSW.format(m=int(m), ef=int(ef_construction)))


def has_hnsw(conn: Any) -> bool:
    row = conn.execute("SELECT to_regclass('qa_chunks_hnsw') IS NOT NULL").fetchone()
    return bool(row[0])


def remove(conn: Any, article_ids: Sequence[str]) -> None:
    """Remove articles with their chunks and postings, and lower the terms' df to match (of
    passages and of articles)."""
    if not article_ids:
        return
    ids = list(article_ids)
    pg_bm25.lower_df(conn, ids)
    conn.execute("DELETE FROM qa_articles WHERE id = ANY(%s)", (ids,))


def add(
    conn: Any,
    articles: Sequence[Article],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    titles: dict[str, str],
) -> None:
    """Insert articles, their chunks with vectors, and the BM25 postings of both (COPY).

    What BM25 indexes for a chunk is ``lexical.chunk_text``, for an article
    ``lexical.article_text`` (``LEXICAL_RECIPE``).
    """
    headings = chunk_headings(
        ((a.id, a.body) for a in articles), [(c.article_id, c.start) for c in chunks]
    )
    dates = {a.id: a.date for a in articles}
    whole = [pg_bm25.term_counts(article_text(a.title, a.body)) for a in articles]
    with conn.cursor().copy(
        "COPY qa_articles (id, title, date, source, path, content_hash, body, length) FROM STDIN"
    ) as copy:
        for a, tokens in zip(articles, whole):
            fields = (a.id, a.title, a.date, a.source, a.path, a.content_hash, a.body)
            copy.write_row((*fields, pg_bm25.length(tokens)))
    counts = [
        pg_bm25.term_counts(
            chunk_text(titles[c.article_id], c.text, headings.get((c.article_id, c.start), ""))
        )
        for c in chunks
    ]
    with conn.cursor().copy(
        'COPY qa_chunks (id, article_id, idx, start, "end", text, date, length, embedding) '
        "FROM STDIN WITH (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int8", "text", "int4", "int4", "int4", "text", "date", "int4", "vector"])
        for c, tokens, vector in zip(chunks, counts, vectors):
            row = (c.id, c.article_id, c.index, c.start, c.end, c.text, dates[c.article_id])
            copy.write_row((*row, pg_bm25.length(tokens), vector))
    by_chunk = [(c.id, t, (dates[c.article_id],)) for c, t in zip(chunks, counts)]
    pg_bm25.write(conn, pg_bm25.CHUNKS, by_chunk)
    pg_bm25.write(conn, pg_bm25.ARTICLES, [(a.id, t, ()) for a, t in zip(articles, whole)])


def publish(conn: Any, manifest: dict[str, Any]) -> int:
    """Record the manifest (less its per-article entries) and BM25 totals of passages and of
    articles; returns the new build number. The caller commits."""
    import json

    settings = {k: v for k, v in manifest.items() if k != "articles"}
    totals = conn.execute(  # passages and their summed lengths, articles and theirs
        "SELECT c.n, c.length, a.n, a.length FROM "
        "(SELECT count(*) AS n, coalesce(sum(length), 0) AS length FROM qa_chunks) c, "
        "(SELECT count(*) AS n, coalesce(sum(length), 0) AS length FROM qa_articles) a"
    ).fetchone()
    # Build numbers come from a sequence that a full rebuild does not drop, so a number
    # never names two different contents (readers cache what they read by it).
    conn.execute("CREATE SEQUENCE IF NOT EXISTS qa_builds")
    row = conn.execute(
        "INSERT INTO qa_meta (build, manifest, passages, total_length, articles, article_length) "
        "VALUES (nextval('qa_builds'), %s, %s, %s, %s, %s) "
        "ON CONFLICT (one) DO UPDATE SET build = excluded.build, manifest = excluded.manifest, "
        "passages = excluded.passages, total_length = excluded.total_length, "
        "articles = excluded.articles, article_length = excluded.article_length "
        "RETURNING build",
        (json.dumps(settings, ensure_ascii=False), *totals),
    ).fetchone()
    return int(row[0])
