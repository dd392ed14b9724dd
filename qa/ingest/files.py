"""The files of an archive folder, and reading them without leaving it.

Hidden files and folders are not part of the archive. A link is followed only when its real
path stays inside the archive folder; a link that leads out of it, a broken link, a link loop
and a link to a folder are reported, never read (a link to a folder could make the archive
walk in circles, and its files are listed where they really are).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ArticleError


@dataclass(frozen=True)
class Listing:
    """What ``list_archive`` found: files (and links) to read, folders it could not open."""

    files: tuple[Path, ...]
    unreadable: tuple[tuple[Path, str], ...]  # (folder, reason)


def list_archive(folder: Path) -> Listing:
    """Every non-hidden file or link under ``folder``, sorted by relative path.

    Links to folders are listed, not entered; folders that cannot be opened are returned in
    ``unreadable`` with the reason.
    """
    found: list[Path] = []
    unreadable: list[tuple[Path, str]] = []

    def refused(exc: OSError) -> None:
        unreadable.append((Path(exc.filename), f"cannot open folder: {exc.strerror or exc}"))

    for root, dirs, names in os.walk(folder, onerror=refused, followlinks=False):
        here = Path(root)
        links = [d for d in dirs if (here / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in links)
        found.extend(here / n for n in names + links if not n.startswith("."))
    found.sort(key=lambda p: p.relative_to(folder).as_posix())
    return Listing(tuple(found), tuple(unreadable))


def confine(path: Path, root: Path) -> Path:
    """The real path of ``path``, which must lie inside the folder ``root``.

    Raises:
        ArticleError: a broken link, a link loop, or a path whose real location is outside
            ``root`` (reported without saying where it leads).
    """
    try:
        real = path.resolve(strict=True)
    except RuntimeError as exc:  # Python < 3.13 reports a loop so
        raise ArticleError(path, "link loop (the link leads back to itself)") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ArticleError(path, "link loop (the link leads back to itself)") from exc
        if exc.errno == errno.ENOENT:
            raise ArticleError(path, "broken link (its target does not exist)") from exc
        raise ArticleError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if not real.is_relative_to(root.resolve()):
        raise ArticleError(path, "outside the archive folder (a link that leads out of it)")
    return real


def read_bytes(path: Path, max_bytes: int, *, shown: Path | None = None) -> bytes:
    """The bytes of the regular file ``path``, refusing what is larger than ``max_bytes``.

    The last part of the path is opened without following a link (``confine`` has resolved
    links already, so a link swapped in meanwhile is refused), and without waiting on a pipe.

    Raises:
        ArticleError: not a regular file, too large, or unreadable (named as ``shown``).
    """
    name = shown or path
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ArticleError(name, "link changed while reading; not followed") from exc
        raise ArticleError(name, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ArticleError(name, "a link to a folder (links to folders are not followed)")
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(name, "not a regular file (a pipe, socket or device)")
        if info.st_size > max_bytes:
            raise ArticleError(name, too_large(info.st_size, max_bytes))
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(raw) > max_bytes:  # it grew while being read
        raise ArticleError(name, too_large(len(raw), max_bytes))
    return raw


def too_large(size: int, max_bytes: int) -> str:
    """The reason given for a file over the size limit."""
    return f"larger than {max_bytes / 1_000_000:g} MB limit ({size / 1_000_000:.1f} MB)"
