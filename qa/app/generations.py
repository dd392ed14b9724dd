"""The app's open index generations, counted: an old one is closed after its last question.

``Generations`` holds the live ``Retriever`` and every older one still answering a question.
A question holds one generation from start to end (``with generations.hold() as r``); a swap
makes the new one live and closes the old one as soon as no question holds it any more, which
lets go of its files so they can be removed. A question asked before the first generation has
loaded waits for it (up to ``load_wait`` seconds) instead of failing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from qa.errors import QAError

if TYPE_CHECKING:
    from qa.search.retriever import Retriever

logger = logging.getLogger(__name__)

DEFAULT_LOAD_WAIT = 120.0  # seconds a question waits for the first index to load


class _Held:
    """A retriever and how many questions are using it."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.users = 0
        self.retired = False


class Generations:
    """The live retriever, and the retired ones still answering questions."""

    def __init__(
        self, on_closed: Callable[[], None] | None = None, load_wait: float = DEFAULT_LOAD_WAIT
    ) -> None:
        self.load_wait = load_wait
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self._live: _Held | None = None
        self._open = 0  # generations not yet closed: the live one and retired ones in use
        self._loaded = threading.Event()  # set once the first one is in, or loading failed
        self._failure: str | None = None

    @property
    def live(self) -> Retriever | None:
        """The live retriever (for what needs no files: stats), or None before loading."""
        held = self._live
        return held.retriever if held else None

    @property
    def open_count(self) -> int:
        """Generations not closed yet: the live one plus retired ones still answering."""
        return self._open

    def install(self, retriever: Retriever) -> None:
        """Make ``retriever`` live; the previous one closes after its last question."""
        with self._lock:
            old, self._live = self._live, _Held(retriever)
            self._open += 1
            self._failure = None
            closing = old is not None and self._retire(old)
        self._loaded.set()
        if closing and old is not None:
            self._close(old)

    def failed(self, reason: str) -> None:
        """Loading failed: questions waiting for a first generation get ``reason``."""
        self._failure = reason
        self._loaded.set()

    @contextmanager
    def hold(self) -> Iterator[Retriever]:
        """The live retriever, kept open until the block ends.

        Raises:
            QAError: nothing loaded within ``load_wait`` seconds, or loading failed.
        """
        held = self._acquire()
        try:
            yield held.retriever
        finally:
            self._release(held)

    def close(self) -> None:
        """Retire the live generation (at shutdown); it closes once unused."""
        with self._lock:
            old, self._live = self._live, None
            closing = old is not None and self._retire(old)
        if closing and old is not None:
            self._close(old)

    def _acquire(self) -> _Held:
        if not self._loaded.wait(self.load_wait):
            raise QAError(
                f"the index is still being built after {self.load_wait:.0f} s; "
                "ask again in a moment"
            )
        with self._lock:
            held = self._live
            if held is None:
                raise QAError(f"the index could not be opened: {self._failure or 'closed'}")
            held.users += 1
            return held

    def _release(self, held: _Held) -> None:
        with self._lock:
            held.users -= 1
            closing = held.retired and held.users == 0
        if closing:
            self._close(held)

    @staticmethod
    def _retire(held: _Held) -> bool:
        """Mark ``held`` retired (under the lock); True when it can close now."""
        held.retired = True
        return held.users == 0

    def _close(self, held: _Held) -> None:
        with self._lock:
            self._open -= 1
        try:
            held.retriever.close()
        except Exception:  # closing is best effort; the files are freed when the process ends
            logger.exception("closing %s failed", held.retriever.generation)
        logger.debug("closed %s", held.retriever.generation)
        if self._on_closed is not None:
            self._on_closed()
