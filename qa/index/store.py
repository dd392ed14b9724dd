"""The index on disk: generations of (manifest, FAISS index, chunk table, BM25) swapped atomically.

Layout of ``embeddings/``::

    CURRENT            name of the live generation, replaced atomically with os.replace
    .lock              held by a build (filelock)
    gen-<stamp>/       manifest.json, dense.faiss, chunks.sqlite, lexical/, .readers

A build writes a whole new generation beside the live one and publishes it by replacing
``CURRENT``; a reader or a crash never sees half an index. No pickle: FAISS's own format,
JSON, SQLite and ``.npy`` without pickling. The manifest's checksums are checked by
``qa.index.integrity``; ``.readers`` is the readers' lease (``qa.index.leases``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import IndexDamagedError, IndexNotFoundError, QAError
from qa.models import Article, ArticleMeta, Chunk

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DENSE = "dense.faiss"
TABLE = "chunks.sqlite"
LEXICAL = "lexical"
ARTICLE_LEXICAL = "lexical-articles"
_GENERATION = re.compile(r"gen-[0-9A-Za-z-]+")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, source TEXT, path TEXT NOT NULL,
    content_hash TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id, idx);
"""


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when nothing was ever published.

    Raises:
        IndexDamagedError: ``CURRENT`` cannot be read, or names no generation folder.
    """
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_bytes().decode("utf-8", "replace").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexDamagedError(index_dir, f"{CURRENT} cannot be read: {exc.strerror}") from exc
    if not _GENERATION.fullmatch(name):
        raise IndexDamagedError(index_dir, f"{CURRENT} does not name a generation")
    gen = index_dir / name
    if not gen.is_dir():
        raise IndexDamagedError(index_dir, f"{CURRENT} names {name}, which is missing")
    return gen


def require_generation(index_dir: Path) -> Path:
    """The live generation folder; ``IndexNotFoundError`` when nothing was published."""
    gen = current_generation(index_dir)
    if gen is None:
        raise IndexNotFoundError(index_dir)
    return gen


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder (not yet live)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}"
    gen = index_dir / f"gen-{stamp}"
    gen.mkdir()
    return gen


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, gen: Path) -> None:
    """Make ``gen`` the live generation in one atomic step, then drop stale ones."""
    for path in gen.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(gen)
    tmp = index_dir / f".{CURRENT}.tmp"
    tmp.write_text(gen.name + "\n", encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)


def read_manifest(gen: Path) -> dict[str, Any]:
    """The manifest of ``gen``; ``IndexDamagedError`` when it is missing or not JSON."""
    try:
        with open(gen / MANIFEST, encoding="utf-8") as fh:
            manifest: dict[str, Any] = json.load(fh)
    except FileNotFoundError as exc:
        raise IndexDamagedError(gen.parent, f"{MANIFEST} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexDamagedError(gen.parent, f"{MANIFEST} is not valid JSON") from exc
    return manifest


def write_manifest(gen: Path, manifest: dict[str, Any]) -> None:
    with open(gen / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def read_dense(gen: Path) -> Any:
    import faiss

    return faiss.read_index(str(gen / DENSE))


def write_dense(gen: Path, index: Any) -> None:
    import faiss

    faiss.write_index(index, str(gen / DENSE))


def dense_centroid(index: Any, batch: int = 65536) -> np.ndarray:
    """The mean of the vectors in ``index`` (zeros when empty), read in batches.

    Its dot product with a unit query vector is the query's mean similarity to every chunk.
    """
    import faiss

    inner = faiss.downcast_index(index.index if hasattr(index, "id_map") else index)
    total = np.zeros(inner.d, dtype=np.float64)
    for start in range(0, inner.ntotal, batch):
        total += inner.reconstruct_n(start, min(batch, inner.ntotal - start)).sum(axis=0)
    return (total / max(inner.ntotal, 1)).astype(np.float32)


def empty_dense(dim: int) -> Any:
    """IDMap2 over an exact inner-product index: ids are chunk ids, vectors are unit length."""
    import faiss

    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _date_text(date: dt.date | None) -> str | None:
    return date.isoformat() if date else None


def _parse_date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


class ChunkTable:
    """Articles and chunks in SQLite; opened read-only by retrievers, read-write by builds.

    A read-only table may be shared by threads: each thread reads through its own
    connection (one SQLite connection must not run two statements at once), the connections
    of threads that have ended are closed when a new one opens (thread pools come and go),
    and ``close`` closes them all. A read that fails on a damaged file raises
    ``IndexDamagedError``.
    """

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = path
        self.writable = writable
        self._local = threading.local()
        self._opened: dict[int, sqlite3.Connection] = {}  # by thread id
        self._lock = threading.Lock()
        self._closed = False
        if writable:
            self._writer: sqlite3.Connection | None = sqlite3.connect(path, check_same_thread=False)
            self._writer.executescript(_SCHEMA)
        else:
            self._writer = None
            self._rows("SELECT count(*) FROM articles")  # fails now on a file that is no table

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection (the single writer's, when writable)."""
        if self._writer is not None:
            return self._writer
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            if self._closed:
                raise QAError(f"{self.path.parent} was closed; load the index again to read it")
            uri = f"file:{self.path}?mode=ro"
            with self._lock:
                db = sqlite3.connect(uri, uri=True, check_same_thread=False)
                self._forget_ended_threads()
                self._opened[threading.get_ident()] = db
            self._local.db = db
        return db

    def _forget_ended_threads(self) -> None:
        """Close the connections of threads that have ended (under ``_lock``); a new thread
        may reuse an ended one's id, so its old connection goes too."""
        threading.current_thread()  # a thread not started by ``threading`` is listed from now on
        alive = {t.ident for t in threading.enumerate()}
        ended = [i for i in self._opened if i not in alive or i == threading.get_ident()]
        for ident in ended:
            self._opened.pop(ident).close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexDamagedError(
                self.path.parent.parent, f"{self.path.name} cannot be read: {exc}"
            ) from exc

    def close(self) -> None:
        """Close every connection (the table is not used afterwards)."""
        with self._lock:
            opened, self._opened = list(self._opened.values()), {}
            self._closed = True
        for db in opened:
            db.close()
        if self._writer is not None:
            self._writer.close()
        self._local = threading.local()

    def add(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> None:
        self.db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (a.id, a.title, _date_text(a.date), a.source, a.path, a.content_hash, a.body)
                for a in articles
            ],
        )
        self.db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            [(c.id, c.article_id, c.index, c.start, c.end, c.text) for c in chunks],
        )

    def remove(self, article_ids: Iterable[str]) -> None:
        rows = [(a,) for a in article_ids]
        self.db.executemany("DELETE FROM chunks WHERE article_id = ?", rows)
        self.db.executemany("DELETE FROM articles WHERE id = ?", rows)

    def commit(self) -> None:
        self.db.commit()

    def chunk_rows(self) -> Iterator[tuple[int, str, str | None, str]]:
        """(chunk id, article id, article date, text) of every chunk, in id order."""
        yield from self._rows(
            "SELECT c.id, c.article_id, a.date, c.text FROM chunks c "
            "JOIN articles a ON a.id = c.article_id ORDER BY c.id"
        )

    def chunk_starts(self) -> list[tuple[int, str, int, str]]:
        """(chunk id, article id, start, text) of every chunk, in id order."""
        return self._rows("SELECT id, article_id, start, text FROM chunks ORDER BY id")

    def article_texts(self) -> Iterator[tuple[str, str, str]]:
        """(article id, title, body) of every article."""
        yield from self._rows("SELECT id, title, body FROM articles ORDER BY id")

    def numbered_bodies(self) -> Iterator[tuple[str, str]]:
        """(article id, body) of the articles whose body may hold a numbered clause (第)."""
        yield from self._rows("SELECT id, body FROM articles WHERE body LIKE '%第%'")

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        found: dict[int, Chunk] = {}
        for start in range(0, len(ids), 500):
            part = [int(i) for i in ids[start : start + 500]]
            marks = ",".join("?" * len(part))
            for row in self._rows(
                f'SELECT id, article_id, idx, start, "end", text FROM chunks WHERE id IN ({marks})',
                part,
            ):
                found[row[0]] = Chunk(*row)
        return found

    def chunks_of(self, article_id: str) -> list[Chunk]:
        rows = self._rows(
            'SELECT id, article_id, idx, start, "end", text FROM chunks '
            "WHERE article_id = ? ORDER BY idx",
            (article_id,),
        )
        return [Chunk(*row) for row in rows]

    def article(self, article_id: str) -> Article | None:
        rows = self._rows(
            "SELECT id, title, date, source, path, content_hash, body FROM articles WHERE id = ?",
            (article_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return Article(
            id=row[0],
            title=row[1],
            date=_parse_date(row[2]),
            source=row[3],
            path=row[4],
            content_hash=row[5],
            body=row[6],
        )

    def metas(self) -> dict[str, ArticleMeta]:
        rows = self._rows("SELECT id, title, date, source, path FROM articles")
        return {r[0]: ArticleMeta(r[0], r[1], _parse_date(r[2]), r[3], r[4]) for r in rows}

    def chunk_articles(self) -> list[tuple[int, str]]:
        """(chunk id, article id) of every chunk, in id order."""
        return [(r[0], r[1]) for r in self._rows("SELECT id, article_id FROM chunks ORDER BY id")]
