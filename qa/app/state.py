"""The live archive behind the app: one current index, rebuilt in the background.

``Archive`` holds the current ``Retriever`` (in ``Generations``, which counts the questions
using each one). Builds run one at a time under a lock and only swap the live generation once
the new one has loaded, so a question asked during a rebuild is answered from the previous
index, never from half of one; the previous one is closed after its last question, and its
files removed. A ``watchfiles`` thread (and a cheap check before each question) notices files
added, edited or removed in the archive folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.app.generations import DEFAULT_LOAD_WAIT, Generations
from qa.app.uploads import UploadLimits, check_uploads, free_name
from qa.errors import InvalidArgumentError, QAError
from qa.index.pg import is_database
from qa.ingest.files import list_archive

if TYPE_CHECKING:
    from qa.index.build import BuildReport
    from qa.models import Answer, Article
    from qa.search.retriever import Retriever

logger = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
Fingerprint = tuple[tuple[str, int, int], ...]

# Questions for a first visit; only those the index can answer are shown.
CANDIDATE_QUESTIONS = (
    "Who did Jing Junhai meet from Huawei?",
    "What did Mayor Wang Ji inspect in the Jilin High-tech Zone?",
    "What agreement did Nanjing sign with China Electronics Technology Group?",
    "What did Jing Junhai say about the automobile industry?",
    "What opened at the 2023 China Automotive Innovation Conference?",
)


@dataclass(frozen=True)
class Reply:
    """An answer plus the articles it cites, read from the same index generation."""

    answer: Answer
    articles: dict[str, Article]
    mode: str


def fingerprint(folder: Path) -> Fingerprint:
    """(relative path, size, mtime in ns) of every non-hidden file or link under ``folder``:
    what a scan of the archive reads, so an unreadable file or a link loop counts too."""
    if not folder.is_dir():
        return ()
    rows = []
    for path in list_archive(folder).files:
        try:
            st = os.lstat(path) if path.is_symlink() else path.stat()
        except OSError:  # gone since it was listed
            continue
        rows.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    return tuple(sorted(rows))


def report_summary(report: BuildReport | None) -> str:
    """One line saying what a build changed, e.g. "added 1 (a), changed 0, removed 0"."""
    if report is None:
        return "The index is up to date."
    if not report.touched and report.full_rebuild_reason is None:
        return f"No changes: {len(report.unchanged)} articles up to date."
    parts = []
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        shown = f" ({', '.join(ids)})" if 0 < len(ids) <= 3 else ""
        parts.append(f"{label} {len(ids)}{shown}")
    full = f" Full rebuild: {report.full_rebuild_reason}." if report.full_rebuild_reason else ""
    return (
        f"Index updated: {', '.join(parts)}; {report.chunks_embedded} passages embedded "
        f"in {report.seconds:.1f} s.{full}"
    )


class Archive:
    """The archive folder and its index, kept in step while the app runs."""

    def __init__(
        self,
        seeds_dir: str | Path,
        index_dir: str | Path,
        model: str | None = None,
        *,
        load_wait: float = DEFAULT_LOAD_WAIT,
        upload_limits: UploadLimits | None = None,
    ):
        self.seeds_dir = Path(seeds_dir)
        # A folder, or a PostgreSQL address (kept as a string: a Path would fold its //).
        self.index_dir: Path | str = index_dir if is_database(index_dir) else Path(index_dir)
        self.model = model
        self.upload_limits = upload_limits or UploadLimits()
        self.generations = Generations(self._remove_unused, load_wait)
        self._build_lock = threading.RLock()  # one build at a time
        self._state_lock = threading.Lock()  # guards the worker fields below
        self._worker: threading.Thread | None = None
        self._dirty = False
        self._built: Fingerprint | None = None
        self._stop = threading.Event()
        self._busy = threading.Event()
        self.last_report: BuildReport | None = None
        self.last_report_at = ""  # local time of the last build, HH:MM:SS
        self.last_error: str | None = None
        self.generation = 0

    # -- the current index --------------------------------------------------------------

    @property
    def retriever(self) -> Retriever:
        """The live index (replaced whole, never modified). To read its files for a
        question, hold it instead: ``with archive.generations.hold() as retriever``."""
        live = self.generations.live
        if live is None:
            raise QAError("the index is still loading; try again in a moment")
        return live

    @property
    def loaded(self) -> bool:
        return self.generations.live is not None

    @property
    def building(self) -> bool:
        """True while a build runs or one is queued."""
        return self._worker is not None or self._busy.is_set()

    def open(self) -> BuildReport | None:
        """Build or update the index, then load it (done once, at start-up).

        Questions asked meanwhile wait for it; if it fails, they get the reason.
        """
        try:
            return self.rebuild(force=True)
        except Exception as exc:
            self.generations.failed(str(exc) if isinstance(exc, QAError) else repr(exc))
            raise

    def rebuild(
        self, progress: ProgressFn | None = None, force: bool = False
    ) -> BuildReport | None:
        """Bring the index in step with the folder and swap in the result.

        Args:
            progress: called with (passages embedded, total) while embedding.
            force: run the build even if the folder looks unchanged since the last one.

        Returns:
            What the build did, or None when nothing had changed and ``force`` is false.
        """
        with self._build_lock:
            seen = fingerprint(self.seeds_dir)
            if not force and seen == self._built and self.loaded:
                return None
            self._busy.set()
            try:
                report = self._sync(progress)
                # The report is in place before the new index is swapped in and before the
                # archive stops saying it is building: whoever sees either sees the report.
                self.last_report, self.last_error = report, None
                self.last_report_at = time.strftime("%H:%M:%S")
                self._swap_if_published()
                self._built = seen
            finally:
                self._busy.clear()
            logger.info("%s", report_summary(report))
            return report

    def _sync(self, progress: ProgressFn | None) -> BuildReport:
        from qa.index.build import sync_index

        if not self.seeds_dir.is_dir():
            raise InvalidArgumentError(f"archive folder {self.seeds_dir} does not exist")
        # No embedder is handed over: the build loads the document encoder only when it has
        # something to embed (once per process), so an app over an up-to-date index starts
        # without torch when its questions are embedded by the int8 encoder.
        return sync_index(
            self.seeds_dir, self.index_dir, model=self.model, progress=progress or False
        )

    def _swap_if_published(self) -> None:
        """Load the generation the index folder names as live, unless it is already live
        (a build with nothing to change published none)."""
        from qa.index.store import current_generation
        from qa.search.retriever import load_retriever

        live = self.generations.live
        if live is not None and is_database(self.index_dir):
            return  # a database retriever follows every build by itself
        if live is not None and live.generation == current_generation(Path(self.index_dir)):
            return
        self.generations.install(load_retriever(self.index_dir))
        self.generation += 1

    def _remove_unused(self) -> None:
        """Remove the generations nobody holds any more (after one is closed), off the
        thread that answered the last question on it."""
        from qa.index.build import remove_unused_generations

        if is_database(self.index_dir):
            return  # a database has no generations to remove

        def run() -> None:
            try:
                remove_unused_generations(self.index_dir)
            except Exception:  # the next build removes them instead
                logger.exception("could not remove unused generations of %s", self.index_dir)

        threading.Thread(target=run, name="qa-remove-unused", daemon=True).start()

    # -- background rebuilds ------------------------------------------------------------

    def request_rebuild(self) -> None:
        """Rebuild soon in a background thread; requests made meanwhile are coalesced."""
        with self._state_lock:
            self._dirty = True
            if self._worker is not None:
                return
            self._worker = threading.Thread(target=self._drain, name="qa-rebuild", daemon=True)
            self._worker.start()

    def _drain(self) -> None:
        while True:
            with self._state_lock:
                if not self._dirty or self._stop.is_set():
                    self._worker = None
                    return
                self._dirty = False
            try:
                self.rebuild()
            except Exception as exc:  # a background thread has no caller to raise to
                logger.exception("background rebuild failed")
                self.last_error = str(exc) if isinstance(exc, QAError) else repr(exc)

    def changed_on_disk(self) -> bool:
        """True when the folder differs from what the current index was built from."""
        return self._built is not None and fingerprint(self.seeds_dir) != self._built

    def refresh_if_changed(self) -> bool:
        """Start a background rebuild if the folder changed (cheap; call before a question)."""
        if self.changed_on_disk():
            self.request_rebuild()
            return True
        return False

    def watch(self) -> threading.Thread:
        """Watch the folder in a daemon thread and rebuild whenever files change."""
        thread = threading.Thread(target=self._watch, name="qa-watch", daemon=True)
        thread.start()
        return thread

    def _watch(self) -> None:
        from watchfiles import DefaultFilter, watch

        try:
            for changes in watch(
                self.seeds_dir,
                watch_filter=DefaultFilter(),
                stop_event=self._stop,
                debounce=400,
                raise_interrupt=False,
            ):
                logger.info("archive folder changed (%d files); rebuilding", len(changes))
                self.request_rebuild()
        except Exception:  # watching is a convenience: questions still check before answering
            logger.exception(
                "watching %s failed; changes are picked up before each question", self.seeds_dir
            )

    def close(self) -> None:
        """Stop the watcher and any pending background rebuild; close the index once the
        questions in flight are answered."""
        self._stop.set()
        self.generations.close()

    # -- adding articles ----------------------------------------------------------------

    def add_files(
        self, paths: Sequence[str | Path], progress: ProgressFn | None = None
    ) -> BuildReport:
        """Copy ``.txt``/``.md`` files into the archive folder and rebuild.

        Every file is checked first (``upload_limits``: count, size, type, text) and given a
        safe name; a name already taken gets a numeric suffix, so an upload never overwrites
        an article.

        Raises:
            InvalidArgumentError: no files, too many, or one that is not a text article of
                an allowed size (nothing is copied then).
        """
        checked = check_uploads([Path(p) for p in paths], self.upload_limits)
        with self._build_lock:  # the watcher's rebuild waits, then finds nothing new
            for src, name in checked:
                dest = free_name(self.seeds_dir / name)
                shutil.copyfile(src, dest)
                logger.info("added %s to the archive as %s", src.name, dest.name)
            report = self.rebuild(progress, force=True)
        assert report is not None
        return report

    # -- questions ----------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Answer] = (),
        *,
        k: int = 5,
        since: str | None = None,
        until: str | None = None,
        mode: str = "hybrid",
        as_of: str | None = None,
    ) -> Reply:
        """Answer ``question`` from the current index, reading the conversation for follow-ups.

        Raises:
            QAError: an invalid filter or an empty question (message says what is valid).
        """
        if not question or not question.strip():
            raise InvalidArgumentError("type a question first")
        self.refresh_if_changed()
        with self.generations.hold() as retriever:  # one generation for the whole answer
            answer = _answer_fn()(
                question.strip(),
                retriever,
                history=list(history) or None,
                k=int(k),
                since=since or None,
                until=until or None,
                as_of=as_of or None,
                mode=mode or None,
            )
            ids = {c.article_id for c in answer.citations} | {h.article.id for h in answer.related}
            articles = {}
            for article_id in ids:
                try:
                    articles[article_id] = retriever.get_article(article_id)
                except QAError:
                    logger.warning("article %s is cited but missing from the index", article_id)
        return Reply(answer, articles, mode or "hybrid")

    def example_questions(self, limit: int = 4) -> list[str]:
        """Curated questions this index answers, else questions made from article titles."""
        with self.generations.hold() as retriever:
            return _examples(retriever, limit)

    def load_parser(self) -> None:
        """Load the parser "What ...?" questions are answered with (``AnswerConfig.parser``),
        so that the first one asked does not wait for it (0.8 s). One that cannot be loaded
        is logged here and raised where a question needs it."""
        from qa.answering.answerer import answer_config
        from qa.answering.syntax import load_parser

        with self.generations.hold() as retriever:
            parser = answer_config(retriever).parser
        if not parser:
            return
        try:
            load_parser(parser)
        except QAError as exc:
            logger.warning("%s", exc)


def _examples(retriever: Retriever, limit: int) -> list[str]:
    """Curated questions ``retriever`` answers, then questions made from its newest titles."""
    answer = _answer_fn()
    found = []
    for q in CANDIDATE_QUESTIONS:
        try:
            if not answer(q, retriever).abstained:
                found.append(q)
        except QAError:
            continue
        if len(found) >= limit:
            return found
    metas = sorted(retriever.metas.values(), key=lambda m: str(m.date or ""), reverse=True)
    for meta in metas[: limit - len(found)]:
        title = " ".join(meta.title.split()[:12])
        found.append(f"What does the archive say about “{title}”?")
    return found


def _answer_fn() -> Callable[..., Answer]:
    from qa.answering.answerer import answer

    return answer
