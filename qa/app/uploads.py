"""Articles added through the page: checked before anything is copied into the archive.

Gradio stops receiving a file once it passes the size limit (``launch(max_file_size=...)``);
here every file is checked again, with the number per request, the type (``.txt``/``.md`` that
decodes as text) and a safe name, and nothing is copied unless all of them pass.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.errors import ArticleError, InvalidArgumentError
from qa.ingest.articles import DEFAULT_MAX_BYTES, SUFFIXES, decode_bytes
from qa.ingest.files import read_bytes

DEFAULT_MAX_FILES = 20
_UNSAFE = re.compile(r"[^\w\-. ()\[\]]+")  # \w is Unicode: Chinese names stay readable
_MAX_STEM = 100


@dataclass(frozen=True)
class UploadLimits:
    """How much one request may add."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int = DEFAULT_MAX_FILES

    def describe(self) -> str:
        return f"up to {self.max_files} .txt or .md files of {self.max_bytes / 1e6:g} MB each"


def check_uploads(paths: list[Path], limits: UploadLimits) -> list[tuple[Path, str]]:
    """(received file, safe name in the archive) for each upload, all checked.

    Raises:
        InvalidArgumentError: no files, too many, or one that is not a text article of an
            allowed type and size (the message names it and says why).
    """
    if not paths:
        raise InvalidArgumentError("no files to add")
    if len(paths) > limits.max_files:
        raise InvalidArgumentError(
            f"{len(paths)} files at once; at most {limits.max_files} can be added per upload"
        )
    bad = [p.name for p in paths if p.suffix.lower() not in SUFFIXES]
    if bad:
        raise InvalidArgumentError(f"only .txt and .md articles can be added; not {', '.join(bad)}")
    checked = []
    for path in paths:
        try:
            decode_bytes(read_bytes(path, limits.max_bytes), path.name)
        except ArticleError as exc:
            raise InvalidArgumentError(f"{path.name} was not added: {exc.reason}") from None
        checked.append((path, safe_name(path.name)))
    return checked


def safe_name(name: str) -> str:
    """A file name for the archive: no folder part, not hidden, no control or odd
    characters, at most 100 characters before a lower-case ``.txt``/``.md``."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        stem, suffix = base, "txt"
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:_MAX_STEM].strip(" ._")
    return f"{stem or 'article'}.{suffix.lower()}"


def free_name(path: Path) -> Path:
    """``path``, or ``name-2.txt``, ``name-3.txt``... when it is taken: never overwrite."""
    candidate, n = path, 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
