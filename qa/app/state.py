"""The live archive behind the app: one current index, rebuilt in the background.

``Archive`` holds the current ``Retriever``. Builds run one at a time under a lock and only
swap the reference once the new index has loaded, so a question asked during a rebuild is
answered from the previous index, never from half of one. A ``watchfiles`` thread (and a cheap
check before each question) notices files added, edited or removed in the archive folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.errors import InvalidArgumentError, QAError

if TYPE_CHECKING:
    from qa.index.build import BuildReport
    from qa.index.embedding import Embedder
    from qa.models import Answer, Article
    from qa.search.retriever import Retriever

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".txt", ".md")
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
    """(relative path, size, mtime in ns) of every non-hidden file under ``folder``."""
    if not folder.is_dir():
        return ()
    rows = []
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if any(p.startswith(".") for p in rel.parts) or not path.is_file():
            continue
        st = path.stat()
        rows.append((rel.as_posix(), st.st_size, st.st_mtime_ns))
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

    def __init__(self, seeds_dir: str | Path, index_dir: str | Path, model: str | None = None):
        self.seeds_dir = Path(seeds_dir)
        self.index_dir = Path(index_dir)
        self.model = model
        self._retriever: Retriever | None = None
        self._embedder: Embedder | None = None
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
        """The index questions are answered from (replaced whole, never modified)."""
        if self._retriever is None:
            raise QAError("the index is still loading; try again in a moment")
        return self._retriever

    @property
    def loaded(self) -> bool:
        return self._retriever is not None

    @property
    def building(self) -> bool:
        """True while a build runs or one is queued."""
        return self._worker is not None or self._busy.is_set()

    def open(self) -> BuildReport | None:
        """Build or update the index, then load it (done once, at start-up)."""
        return self.rebuild(force=True)

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
            if not force and seen == self._built and self._retriever is not None:
                return None
            self._busy.set()
            try:
                report = self._sync(progress)
                # The report is in place before the new index is swapped in and before the
                # archive stops saying it is building: whoever sees either sees the report.
                self.last_report, self.last_error = report, None
                self.last_report_at = time.strftime("%H:%M:%S")
                if report.touched or self._retriever is None or report.full_rebuild_reason:
                    self._swap()
                self._built = seen
            finally:
                self._busy.clear()
            logger.info("%s", report_summary(report))
            return report

    def _sync(self, progress: ProgressFn | None) -> BuildReport:
        from qa.index.build import sync_index
        from qa.index.embedding import load_embedder

        if not self.seeds_dir.is_dir():
            raise InvalidArgumentError(f"archive folder {self.seeds_dir} does not exist")
        if self._embedder is None:
            self._embedder = load_embedder(self.model)
        return sync_index(
            self.seeds_dir, self.index_dir, embedder=self._embedder, progress=progress or False
        )

    def _swap(self) -> None:
        from qa.search.retriever import load_retriever

        fresh = load_retriever(self.index_dir, embedder=self._embedder)
        self._retriever = fresh  # one reference assignment: readers see old or new, never half
        self.generation += 1

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
        """Stop the watcher and any pending background rebuild."""
        self._stop.set()

    # -- adding articles ----------------------------------------------------------------

    def add_files(
        self, paths: Sequence[str | Path], progress: ProgressFn | None = None
    ) -> BuildReport:
        """Copy ``.txt``/``.md`` files into the archive folder and rebuild.

        A name already taken gets a numeric suffix, so an upload never overwrites an article.

        Raises:
            InvalidArgumentError: no files, or a file of another type (nothing is copied then).
        """
        sources = [Path(p) for p in paths]
        if not sources:
            raise InvalidArgumentError("no files to add")
        bad = [p.name for p in sources if p.suffix.lower() not in UPLOAD_SUFFIXES]
        if bad:
            raise InvalidArgumentError(
                f"only .txt and .md articles can be added; not {', '.join(bad)}"
            )
        with self._build_lock:  # the watcher's rebuild waits, then finds nothing new
            for src in sources:
                dest = _free_name(self.seeds_dir / _safe_name(src.name))
                shutil.copyfile(src, dest)
                logger.info("added %s to the archive as %s", src, dest.name)
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
        retriever = self.retriever  # one generation for the whole answer
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
        retriever = self.retriever
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


def _safe_name(name: str) -> str:
    """The file name without any folder part, and not hidden (hidden files are not read)."""
    base = Path(name).name.lstrip(".")
    return base or "article.txt"


def _free_name(path: Path) -> Path:
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as JSON-ready data, the shape of ``qa ask --json``."""
    from qa.answering.render import answer_to_dict

    return answer_to_dict(answer)


def answer_from_json(data: dict[str, Any]) -> Answer:
    """An earlier ``answer_json`` result, enough of it to serve as conversation history."""
    from qa.models import Answer, Citation

    try:
        citations = tuple(
            Citation(
                int(c["n"]),
                str(c["article_id"]),
                str(c["title"]),
                dt.date.fromisoformat(c["date"]) if c.get("date") else None,
                c.get("source"),
                str(c["excerpt"]),
                int(c["start"]),
                int(c["end"]),
                int(c.get("sentence_start", c["start"])),
                int(c.get("sentence_end", c["end"])),
                float(c.get("score", 0.0)),
            )
            for c in data.get("citations", [])
        )
        return Answer(
            str(data["question"]),
            str(data.get("query", data["question"])),
            str(data.get("answer", "")),
            citations,
            bool(data.get("abstained", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"history must be a list of earlier /ask results; this one is not: {exc!r}"
        ) from None
