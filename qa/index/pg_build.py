"""The incremental sync of ``qa.index.build`` into a PostgreSQL index (``qa.index.pg``).

The steps are the folder build's (diff by content hash, chunk, embed only what is new or
changed, record the manifest); only the writing differs. A build takes the builds' advisory
lock and does everything in one transaction: readers see the index before it or after it,
and a build that is killed or fails leaves the database as it was.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.errors import IndexLockedError
from qa.index import integrity, pg, pg_bm25
from qa.index import manifest as mf
from qa.index.build import BuildReport, _Build
from qa.models import Article

logger = logging.getLogger(__name__)


def sync_database(dsn: str, lock_timeout: float, articles: Any, *args: Any) -> BuildReport:
    """Run one build of ``articles`` into the database at ``dsn`` (see ``sync_articles``).

    Raises:
        DatabaseError: the server cannot be reached or a statement failed (nothing written).
        IndexLockedError: another build held the lock for ``lock_timeout`` seconds.
    """
    where = pg.redact(dsn)
    conn = pg.connect(dsn)
    try:
        with pg.errors_as_database_error(dsn):
            _lock(conn, where, lock_timeout)
            report = _DatabaseBuild(conn, where, articles, *args).run()
            if report.written:
                conn.commit()
            else:
                conn.rollback()
    finally:
        conn.close()  # without a commit, the server rolls everything back
    return replace(report, index_dir=where)


def recorded_manifest(dsn: str) -> dict[str, Any] | None:
    """The settings the index in ``dsn`` records (None for an empty database)."""
    conn = pg.connect(dsn)
    try:
        with pg.errors_as_database_error(dsn):
            state = pg.read_state(conn)
    finally:
        conn.close()
    return state[0] if state else None


def _lock(conn: Any, where: str, timeout: float) -> None:
    if conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (pg.LOCK_KEY,)).fetchone()[0]:
        return
    logger.warning("another build is running on %s; waiting up to %.0f s", where, timeout)
    if not pg.lock(conn, where, timeout):
        raise IndexLockedError(where, timeout)


class _DatabaseBuild(_Build):
    """``_Build`` writing into one transaction of ``conn`` instead of a new generation."""

    def __init__(self, conn: Any, where: str, articles: Any, *args: Any) -> None:
        self.conn = conn
        self.where = where
        super().__init__(Path(where), articles, *args)

    def _inspect(self) -> integrity.Inspection:
        state = pg.read_state(self.conn)
        return integrity.Inspection(None, state[0] if state else None, None)

    def _same_records(self) -> bool:
        # No file checksums in a database: the records alone say whether anything changed,
        # unless its postings are of an older layout (then the build rewrites them).
        if self.old is None or not pg_bm25.layout_current(self.conn):
            return False
        return self._records_match(self.old)

    def _write(self, to_embed: tuple[str, ...], to_drop: tuple[str, ...], fresh: bool) -> int:
        """Embed first, then write: the tables are locked only while rows are written (a full
        rebuild's DROP blocks readers until the commit; an incremental write never does)."""
        conn = self.conn
        fresh = fresh or self.old is None
        entries: dict[str, Any] = {} if fresh else dict((self.old or {})["articles"])
        if fresh:
            to_embed, to_drop = tuple(sorted(self.articles)), ()
        new: list[Article] = [self.articles[i] for i in to_embed]
        chunks = self._chunk(new) if new else []
        vectors = self._embed(new, chunks)
        with self.stages("write"):
            if fresh:
                pg.create(conn, self.embedder.dim)
            elif not self._lexical_current(conn):  # first, so the changes below are current
                pg_bm25.rewrite(conn)
            pg.remove(conn, to_drop)
            for article_id in to_drop:
                entries.pop(article_id)
            pg.add(conn, new, chunks, vectors, {a.id: a.title for a in new})
        n_chunks = sum(len(e["chunk_ids"]) for e in entries.values()) + len(chunks)
        self.dense_kind = self._dense_record(n_chunks)["kind"]
        if not pg.has_hnsw(conn):
            with self.stages("hnsw"):
                pg.create_hnsw(conn, self.approx.m, self.approx.ef_construction)
        with self.stages("write"):
            entries |= mf.entries(new, chunks)
            build = pg.publish(conn, self._manifest(entries, n_chunks))
        logger.info("build %d of %s written (not yet committed)", build, self.where)
        return len(chunks)

    def _lexical_current(self, conn: Any) -> bool:
        recipe = (self.old or {}).get("lexical_recipe") == mf.LEXICAL_RECIPE
        return recipe and pg_bm25.layout_current(conn)
