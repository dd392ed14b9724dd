"""Who still reads a generation, and removing the ones nobody reads.

A reader (a ``Retriever``) holds a shared ``flock`` on ``gen-*/.readers`` for as long as it is
open; removing a generation takes the exclusive lock without waiting, so a generation that
someone holds is never deleted, whatever process holds it. The kernel drops a dead process's
locks, so a killed reader holds nothing. Generations that are not live and not held (the
previous one once its last reader closes, the debris of a killed build) are removed by the
next build or by the app when it closes an old generation.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
from pathlib import Path

from qa.errors import IndexDamagedError
from qa.index import store

logger = logging.getLogger(__name__)

LEASE = ".readers"


class Lease:
    """A shared lock on one generation: while it is held, the generation stays on disk."""

    def __init__(self, fd: int, gen: Path) -> None:
        self._fd: int | None = fd
        self.generation = gen

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Let go of the generation (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self.release()


def _open_lease_file(gen: Path) -> int | None:
    """The generation's lease file, created if missing; None when the generation is gone."""
    path = gen / LEASE
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EROFS, errno.EPERM):
            raise
    try:  # a read-only index: lock the file if it is there
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None


def hold(gen: Path) -> Lease | None:
    """A lease on ``gen``, or None when ``gen`` was removed (or is being removed) meanwhile."""
    fd = _open_lease_file(gen)
    if fd is None:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a remover holds it, then sees it unlinked
    if os.fstat(fd).st_nlink == 0:
        os.close(fd)
        return None
    return Lease(fd, gen)


def hold_live(index_dir: Path, attempts: int = 20) -> tuple[Path, Lease | None]:
    """The live generation of ``index_dir`` with a lease on it.

    A build may publish a new generation and remove this one between reading ``CURRENT`` and
    taking the lease; then ``CURRENT`` is read again.

    Raises:
        IndexNotFoundError: nothing was ever published there.
        IndexDamagedError: ``CURRENT`` names no generation.
    """
    for attempt in range(attempts):
        try:
            gen = store.require_generation(index_dir)
        except IndexDamagedError:  # CURRENT named one that a build has just removed?
            if attempt == attempts - 1:
                raise
            time.sleep(0.01)
            continue
        try:
            lease = hold(gen)
        except OSError as exc:  # a lease file we cannot lock: read without one
            logger.debug("no lease on %s: %s", gen, exc)
            return gen, None
        if lease is not None:
            return gen, lease
    raise IndexDamagedError(index_dir, f"the live generation kept changing ({attempts} tries)")


def remove_unused(index_dir: Path) -> list[str]:
    """Delete every generation that is not live and that no reader holds; their names.

    Call it where no build can be writing a generation: under the build lock. Does nothing
    when ``CURRENT`` cannot be read (what is live is then unknown).
    """
    try:
        live = store.current_generation(index_dir)
    except IndexDamagedError:
        return []
    removed = []
    for path in sorted(index_dir.glob("gen-*")):
        if live is not None and path.name == live.name:
            continue
        if _remove_if_unheld(path):
            removed.append(path.name)
    if removed:
        logger.info("removed %d unused generation(s) from %s", len(removed), index_dir)
    return removed


def _remove_if_unheld(path: Path) -> bool:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
        return True
    try:
        fd = _open_lease_file(path)
    except OSError as exc:
        logger.warning("cannot remove %s: %s", path, exc)
        return False
    if fd is None:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a reader holds it
        shutil.rmtree(path, ignore_errors=True)
        return not path.exists()
    finally:
        os.close(fd)
