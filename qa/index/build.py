"""Keep ``embeddings/`` in step with the archive folder, embedding only what changed.

Articles are compared by the sha256 of their raw bytes against the live manifest: new ones are
added, changed ones re-embedded, deleted ones removed, unchanged ones left alone. A different
model or chunking setting forces a full rebuild. Each build writes a new generation and
publishes it atomically (see ``qa.index.store``), under a lock so two builds never interleave;
a build with nothing to change writes nothing. A build first checks the live generation's
checksums (``qa.index.integrity``) and rebuilds a damaged one from the archive, and it ends by
removing the generations nobody reads any more (``qa.index.leases``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa import __version__
from qa.errors import IndexLockedError
from qa.index import approximate, integrity, leases, pg, store
from qa.index import manifest as mf
from qa.index.approximate import ApproxConfig
from qa.index.embedding import (
    DEFAULT_ENCODER,
    DEFAULT_MODEL,
    DEFAULT_QUERY_ENCODER,
    Embedder,
    effective_encoder,
    embed_text,
    encode_with_progress,
    load_embedder,
)
from qa.index.lexical import ArticleLexicalIndex, LexicalIndex, chunk_headings, chunk_text
from qa.index.stages import Stages
from qa.ingest.articles import Skipped, scan_archive
from qa.ingest.chunking import ChunkingConfig, chunk_article
from qa.models import Article, Chunk

logger = logging.getLogger(__name__)

Progress = bool | Callable[[int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build did (or, with ``dry_run``, would do)."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    chunks_embedded: int = 0
    seconds: float = 0.0
    full_rebuild_reason: str | None = None
    dry_run: bool = False
    index_dir: str = ""
    notes: tuple[str, ...] = field(default=())  # warnings about the whole build
    warnings: tuple[Skipped, ...] = ()  # files indexed with a caveat (bytes replaced)
    written: bool = False  # a new generation was published
    # Seconds per stage, in order: parse, chunk (word-piece counting aside), tokenise (that
    # counting), embed, bm25, write (chunk table, FAISS, manifest, publish); "load model"
    # when a model had to be loaded. Stages a build skipped are absent.
    stages: tuple[tuple[str, float], ...] = ()

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def up_to_date(self) -> bool:
        """The index already matched the archive: nothing was (or would be) written."""
        return not self.written and not self.touched and self.full_rebuild_reason is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "changed": list(self.changed),
            "removed": list(self.removed),
            "unchanged": list(self.unchanged),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "chunks_embedded": self.chunks_embedded,
            "seconds": round(self.seconds, 3),
            "full_rebuild_reason": self.full_rebuild_reason,
            "dry_run": self.dry_run,
            "written": self.written,
            "warnings": [{"path": w.path, "reason": w.reason} for w in self.warnings],
            "notes": list(self.notes),
            "stages": {name: round(seconds, 3) for name, seconds in self.stages},
        }


def sync_index(
    seeds_dir: str | Path,
    index_dir: str | Path,
    *,
    model: str | None = None,
    encoder: str | None = None,
    query_encoder: str | None = None,
    exact: bool | None = None,
    approx: ApproxConfig | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress = True,
    embedder: Embedder | None = None,
    chunking: ChunkingConfig | None = None,
    lock_timeout: float = 300.0,
) -> BuildReport:
    """Synchronise the index in ``index_dir`` with the articles in ``seeds_dir``.

    Args:
        seeds_dir: the archive folder (``.txt``/``.md`` files, read recursively).
        index_dir: where the index lives (created if missing).
        model: sentence-transformers model name or path; default: the one the index was built
            with, or all-MiniLM-L6-v2 for a new index. A different model forces a full rebuild.
        encoder: what embeds the documents, "fp32" or "int8" (the default model only);
            default: the index's, else fp32. A different encoder forces a full rebuild.
        query_encoder: what embeds questions, recorded for readers of the index; default:
            the index's, else int8 (fp32 for a model other than the default). Changing it
            re-embeds nothing.
        exact: True keeps the dense index exact (flat) whatever its size; False lets it
            become approximate (HNSW) from ``approx.min_passages``; default: the index's,
            else False.
        approx: when and how the HNSW graph is built (default ``ApproxConfig()``).
        full: re-embed everything even if nothing changed.
        dry_run: report what would change and write nothing (no model is loaded).
        progress: show a progress bar (True), nothing (False), or call ``progress(done, total)``.
        embedder: an already loaded embedder (takes precedence over ``model``).
        chunking: chunk sizes; default: the index's, or ``ChunkingConfig()``.
        lock_timeout: seconds to wait for another build before raising ``IndexLockedError``.

    Returns:
        A ``BuildReport``; files that could not be read are in ``skipped`` with a reason, files
        read with bytes replaced in ``warnings``, and an archive with no article in ``notes``.
    """
    started = time.perf_counter()
    scan = scan_archive(Path(seeds_dir))
    parsed = time.perf_counter() - started
    report = sync_articles(
        scan.articles,
        index_dir,
        skipped=scan.skipped,
        warnings=scan.warnings,
        model=model,
        encoder=encoder,
        query_encoder=query_encoder,
        exact=exact,
        approx=approx,
        full=full,
        dry_run=dry_run,
        progress=progress,
        embedder=embedder,
        chunking=chunking,
        lock_timeout=lock_timeout,
        source=str(seeds_dir),
    )
    return replace(
        report, seconds=report.seconds + parsed, stages=(("parse", parsed),) + report.stages
    )


def sync_articles(
    articles: Sequence[Article],
    index_dir: str | Path,
    *,
    skipped: Sequence[Skipped] = (),
    warnings: Sequence[Skipped] = (),
    model: str | None = None,
    encoder: str | None = None,
    query_encoder: str | None = None,
    exact: bool | None = None,
    approx: ApproxConfig | None = None,
    full: bool = False,
    dry_run: bool = False,
    progress: Progress = True,
    embedder: Embedder | None = None,
    chunking: ChunkingConfig | None = None,
    lock_timeout: float = 300.0,
    source: str = "",
) -> BuildReport:
    """``sync_index`` for articles already in memory (an evaluation corpus, say).

    ``index_dir`` may be a PostgreSQL address (``postgresql://...``): the same sync then runs
    in one transaction of that database (``qa.index.pg_build``).
    """
    notes = () if articles else (f"the archive {source or 'given'} has no articles to index",)
    for note in notes:
        logger.warning("%s", note)
    args = (
        articles,
        (tuple(skipped), tuple(warnings)),
        model,
        (encoder, query_encoder),
        (exact, approx),
        full,
        dry_run,
        progress,
        embedder,
        chunking,
        source,
    )
    if isinstance(index_dir, str) and pg.is_database(index_dir):
        from qa.index.pg_build import sync_database

        report = sync_database(index_dir, lock_timeout, *args)
        return replace(report, notes=report.notes + notes)
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _lock(index_dir, lock_timeout):
        report = _Build(index_dir, *args).run()
        if not dry_run:
            leases.remove_unused(index_dir)
    return replace(report, notes=report.notes + notes)


def recorded_embedding(index_dir: str | Path) -> tuple[str | None, str | None]:
    """(model, document encoder) the live index was built with; (None, None) when there is
    none (or it cannot be read): what an embedder made outside the build must match."""
    if isinstance(index_dir, str) and pg.is_database(index_dir):
        from qa.index.pg_build import recorded_manifest

        manifest = recorded_manifest(index_dir)
    else:
        manifest = integrity.inspect(Path(index_dir)).manifest
    if not manifest:
        return None, None
    return manifest["model"]["name"], mf.encoder_of(manifest)


def remove_unused_generations(index_dir: str | Path) -> list[str]:
    """Remove the generations nobody reads, unless a build is running (it will, when done).

    Returns the names removed.
    """
    from filelock import FileLock, Timeout

    index_dir = Path(index_dir)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return []
    try:
        return leases.remove_unused(index_dir)
    finally:
        lock.release()


class _lock:
    """Exclusive build lock on the index folder; says so when it has to wait."""

    def __init__(self, index_dir: Path, timeout: float) -> None:
        from filelock import FileLock

        self.index_dir = index_dir
        self.timeout = timeout
        self.lock = FileLock(str(index_dir / ".lock"))

    def __enter__(self) -> None:
        from filelock import Timeout

        try:
            self.lock.acquire(timeout=0)
            return
        except Timeout:
            logger.warning(
                "another build is running on %s; waiting up to %.0f s", self.index_dir, self.timeout
            )
        try:
            self.lock.acquire(timeout=self.timeout)
        except Timeout as exc:
            raise IndexLockedError(self.index_dir, self.timeout) from exc

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


class _Build:
    """One synchronisation run; ``run`` reads top to bottom as the steps of a build."""

    def __init__(
        self,
        index_dir: Path,
        articles: Sequence[Article],
        skipped: tuple[tuple[Skipped, ...], tuple[Skipped, ...]],
        model: str | None,
        encoders: tuple[str | None, str | None],
        dense: tuple[bool | None, ApproxConfig | None],
        full: bool,
        dry_run: bool,
        progress: Progress,
        embedder: Embedder | None,
        chunking: ChunkingConfig | None,
        source: str,
    ) -> None:
        self.started = time.perf_counter()
        self.articles = {a.id: a for a in articles}
        self.index_dir = index_dir
        self.skipped, self.warnings = skipped
        self.full = full
        self.dry_run = dry_run
        self.progress = progress
        self.source = source
        live = self._inspect()
        self.damage = live.damage
        if live.damage:
            logger.warning("the index at %s is damaged (%s): rebuilding it", index_dir, live.damage)
        # A damaged generation's vectors are not reused, but its settings still say how it
        # was made (when its manifest could be read).
        self.old_gen = None if live.damage else live.generation
        self.old = None if live.damage else live.manifest
        was = live.manifest
        self.model = (embedder.name if embedder else model) or (
            was["model"]["name"] if was else DEFAULT_MODEL
        )
        self._embedder = embedder
        self.chunking = chunking or _chunking_of(was)
        self.encoder, self.query_encoder = _encoders(self.model, encoders, embedder, was)
        self.stages = Stages()
        recorded = (was or {}).get("dense_index") or {}
        self.exact = dense[0] if dense[0] is not None else bool(recorded.get("exact", False))
        self.approx = dense[1] or ApproxConfig()
        self.dense_kind = "flat"

    def _inspect(self) -> integrity.Inspection:
        """The live index as this build finds it."""
        return integrity.inspect(self.index_dir)

    def _dense_record(self, n_passages: int) -> dict[str, Any]:
        kind = approximate.kind_for(n_passages, self.exact, self.approx)
        return approximate.record(kind, self.exact, self.approx)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self.stages("load model"):
                self._embedder = load_embedder(self.model, self.encoder)
            if getattr(self._embedder, "graph", None) == "package":
                logger.warning(
                    "the fast int8 encoder is not prepared: documents embed at about fp32's "
                    "speed (run `qa prepare` once to embed them about 2x faster)"
                )
        return self._embedder

    def run(self) -> BuildReport:
        reason = self._rebuild_reason()
        old_articles = {} if reason or not self.old else self.old["articles"]
        added, changed, removed, unchanged = mf.diff(self.articles, old_articles)
        report = BuildReport(
            added,
            changed,
            removed,
            unchanged,
            self.skipped,
            full_rebuild_reason=reason,
            dry_run=self.dry_run,
            index_dir=str(self.index_dir),
            warnings=self.warnings,
        )
        if self.dry_run or (not report.touched and not reason and self._same_records()):
            return _finish(report, self.started, 0)
        embedded = self._write(
            added + changed, changed + removed, fresh=bool(reason) or not self.old
        )
        report = replace(report, stages=self.stages.totals(), written=True)
        return _finish(report, self.started, embedded)

    def _same_records(self) -> bool:
        """The live manifest already says what this build would write (the articles aside):
        the same skipped files and warnings, search settings and file checksums."""
        old = self.old
        if old is None or integrity.FILES not in old:
            return False
        return self._records_match(old)

    def _records_match(self, old: dict[str, Any]) -> bool:
        """``old`` (a manifest) has the skipped files, warnings, encoders, dense index and
        search settings this build would record."""
        expected = {
            "skipped": mf.skips(self.skipped),
            "warnings": mf.skips(self.warnings),
            "query_encoder": self.query_encoder,
            "dense_index": self._dense_record(int(old.get("counts", {}).get("chunks", 0))),
            **mf.search_settings(),
        }
        return all(old.get(k, []) == v for k, v in expected.items())

    def _rebuild_reason(self) -> str | None:
        """Why old vectors cannot be kept, judged from names so a no-op loads no model."""
        if self.damage:
            return f"the index was damaged ({self.damage}); rebuilt from the archive"
        if self.old is None:
            return None
        if self.old.get("format_version") != store.FORMAT_VERSION:
            return f"index format {self.old.get('format_version')} is not {store.FORMAT_VERSION}"
        was = self.old["model"]["name"]
        if self._embedder is not None and self._embedder.name != was:
            return f"model changed from {was!r} to {self._embedder.name!r}"
        if self.model != was:
            return f"model changed from {was!r} to {self.model!r}"
        if self.encoder != mf.encoder_of(self.old):
            return f"document encoder changed from {mf.encoder_of(self.old)} to {self.encoder}"
        if asdict(self.chunking) != self.old["chunking"]:
            return f"chunking changed from {self.old['chunking']} to {asdict(self.chunking)}"
        if self.old.get("embed_recipe") != mf.EMBED_RECIPE:
            return f"embedding recipe changed to {mf.EMBED_RECIPE}"
        return "full rebuild asked for (--full)" if self.full else None

    def _write(self, to_embed: tuple[str, ...], to_drop: tuple[str, ...], fresh: bool) -> int:
        gen = store.new_generation(self.index_dir)
        try:
            embedded = self._fill(gen, to_embed, to_drop, fresh)
            with self.stages("write"):
                store.publish(self.index_dir, gen)
        except BaseException:
            import shutil

            shutil.rmtree(gen, ignore_errors=True)
            raise
        return embedded

    def _fill(
        self, gen: Path, to_embed: tuple[str, ...], to_drop: tuple[str, ...], fresh: bool
    ) -> int:
        if fresh or self.old_gen is None or self.old is None:
            dense = store.empty_dense(self.embedder.dim)
            old_entries: dict[str, Any] = {}
            to_embed, to_drop = tuple(sorted(self.articles)), ()
        else:
            with self.stages("write"):
                dense = store.read_dense(self.old_gen)  # vectors of unchanged articles are kept
                old_entries = dict(self.old["articles"])
                import shutil

                shutil.copyfile(self.old_gen / store.TABLE, gen / store.TABLE)
        table = store.ChunkTable(gen / store.TABLE, writable=True)
        try:
            with self.stages("write"):
                _drop(dense, table, old_entries, to_drop)
            new = [self.articles[i] for i in to_embed]
            chunks = self._chunk(new) if new else []
            vectors = self._embed(new, chunks)
            ids = np.array([c.id for c in chunks], dtype=np.int64)
            with self.stages("write"):
                if chunks:
                    dense.add_with_ids(vectors, ids)
                table.add(new, chunks)
                table.commit()
                store.write_dense(gen, dense)
            self._write_approximate(gen, dense, (vectors, ids), rebuild=fresh or bool(to_drop))
            with self.stages("bm25"):
                self._write_lexical(gen, table)
            with self.stages("write"):
                entries = old_entries | mf.entries(new, chunks)
                manifest = self._manifest(entries, dense.ntotal)
                manifest[integrity.FILES] = integrity.file_records(gen)  # the manifest last
                store.write_manifest(gen, manifest)
        finally:
            table.close()
        return len(chunks)

    def _write_approximate(
        self, gen: Path, dense: Any, added: tuple[np.ndarray, np.ndarray], rebuild: bool
    ) -> None:
        """Write the HNSW graph when the index is large enough: the previous one plus the
        added vectors when articles were only added, else rebuilt from every vector."""
        wanted = self._dense_record(dense.ntotal)
        self.dense_kind = wanted["kind"]
        if self.dense_kind != "hnsw":
            return
        was = (self.old or {}).get("dense_index")
        with self.stages("hnsw"):
            if rebuild or was != wanted or self.old_gen is None:
                logger.info("building the HNSW graph of %d passages", dense.ntotal)
                graph = approximate.from_exact(dense, self.approx)
            else:
                graph = approximate.read(self.old_gen, self.approx.ef_search)
                if len(added[1]):
                    graph.add_with_ids(*added)
            approximate.write(gen, graph)

    @functools.cached_property
    def count_tokens(self) -> Callable[[str], int]:
        """The embedder's counter, memoised and timed as the "tokenise" stage: chunking
        counts each chunk's text once and ``embed_text`` asks again for it and for the title
        of every chunk."""
        return functools.lru_cache(maxsize=1 << 16)(
            self.stages.timed("tokenise", self.embedder.count_tokens)
        )

    def _chunk(self, articles: Sequence[Article]) -> list[Chunk]:
        count = self.count_tokens
        with self.stages("chunk", minus="tokenise"):
            return [c for a in articles for c in chunk_article(a, count, self.chunking)]

    def _embed(self, articles: Sequence[Article], chunks: Sequence[Chunk]) -> np.ndarray:
        if not chunks:
            return np.zeros((0, 0), dtype=np.float32)
        titles = {a.id: a.title for a in articles}
        window, count = self.embedder.window, self.count_tokens
        with self.stages("chunk", minus="tokenise"):  # the text embedded: title or not
            texts = [embed_text(titles[c.article_id], c.text, count, window) for c in chunks]
        with self.stages("embed"):
            return encode_with_progress(self.embedder, texts, self.progress)

    def _write_lexical(self, gen: Path, table: store.ChunkTable) -> None:
        titles = {a: m.title for a, m in table.metas().items()}
        rows = table.chunk_starts()
        headings = chunk_headings(table.numbered_bodies(), [(a, s) for _, a, s, _ in rows])
        ids = [chunk_id for chunk_id, *_ in rows]
        texts = [chunk_text(titles[a], text, headings.get((a, s), "")) for _, a, s, text in rows]
        folder = gen / store.LEXICAL
        folder.mkdir()
        LexicalIndex.build(texts, np.array(ids, dtype=np.int64)).save(folder)
        ArticleLexicalIndex.build(table.article_texts()).save(gen / store.ARTICLE_LEXICAL)

    def _manifest(self, entries: dict[str, Any], n_chunks: int) -> dict[str, Any]:
        if self._embedder is None and self.old is not None:
            manifest = {
                k: self.old[k] for k in ("format_version", "model", "chunking", "embed_recipe")
            }
            manifest["encoder"] = mf.encoder_of(self.old)
        else:
            manifest = mf.vector_settings(self.embedder, self.chunking)
        manifest |= {
            "query_encoder": self.query_encoder,
            "dense_index": approximate.record(self.dense_kind, self.exact, self.approx),
            "package_version": __version__,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "source": self.source,
            **mf.search_settings(),
            "counts": {"articles": len(entries), "chunks": n_chunks},
            "skipped": mf.skips(self.skipped),
            "warnings": mf.skips(self.warnings),
            "articles": dict(sorted(entries.items())),
        }
        return manifest


def _drop(dense: Any, table: store.ChunkTable, entries: dict[str, Any], ids: Sequence[str]) -> None:
    chunk_ids = [c for i in ids for c in entries.pop(i)["chunk_ids"]]
    if chunk_ids:
        dense.remove_ids(np.array(chunk_ids, dtype=np.int64))
    table.remove(ids)


def _encoders(
    model: str,
    asked: tuple[str | None, str | None],
    embedder: Embedder | None,
    was: dict[str, Any] | None,
) -> tuple[str, str]:
    """(document encoder, query encoder) of a build: asked for, else the index's, else the
    defaults; int8 only where it serves ``model`` (judged from names: a no-op loads nothing)."""
    same_model = was is not None and was["model"]["name"] == model
    documents = asked[0] or (mf.encoder_of(was) if was and same_model else DEFAULT_ENCODER)
    if embedder is not None:
        documents = embedder.encoder
    queries = (
        asked[1]
        or (was.get("query_encoder") if was and same_model else None)
        or DEFAULT_QUERY_ENCODER
    )
    return effective_encoder(model, documents), effective_encoder(model, queries)


def _chunking_of(manifest: dict[str, Any] | None) -> ChunkingConfig:
    """The chunking a manifest records (the default when there is none, or it is unreadable)."""
    try:
        return ChunkingConfig(**manifest["chunking"]) if manifest else ChunkingConfig()
    except TypeError:
        return ChunkingConfig()


def _finish(report: BuildReport, started: float, embedded: int) -> BuildReport:
    return replace(report, chunks_embedded=embedded, seconds=time.perf_counter() - started)
