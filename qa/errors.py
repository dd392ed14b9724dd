"""One family of errors for the whole package.

The library raises these and never prints; the CLI turns them into ``error: ...`` and a non-zero
exit, the app into ``gr.Error``.
"""

from __future__ import annotations

from pathlib import Path


def _where(path: str | Path) -> str:
    """How a message names an index: a folder as a path, a database address as given."""
    return path if isinstance(path, str) and "://" in path else str(Path(path))


class QAError(Exception):
    """Base class of every error this package raises on purpose."""


class IndexNotFoundError(QAError):
    """No built index where one was expected."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        where = _where(path)
        super().__init__(f"no index at {where}: build one with `qa index --index {where}`")


class IndexMismatchError(QAError):
    """The index on disk was made differently from what the caller asks for."""

    def __init__(
        self,
        path: str | Path,
        what: str,
        expected: object,
        found: object,
        *,
        remedy: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.what = what
        self.expected = expected
        self.found = found
        where = _where(path)
        remedy = remedy or f"rebuild it with `qa index --full --index {where}`"
        super().__init__(f"index at {where} has {what} {found!r}, expected {expected!r}: {remedy}")


class IndexDamagedError(QAError):
    """The live index on disk is damaged (a file missing, cut short or overwritten).

    ``qa index`` rebuilds it from the archive; the message says so, in one line.
    """

    def __init__(self, path: str | Path, detail: str, *, seeds: str | None = None) -> None:
        self.path = Path(path)
        self.detail = detail
        fix = (
            f"qa index --seeds {seeds} --index {self.path}"
            if seeds
            else f"qa index --index {self.path}"
        )
        super().__init__(
            f"index at {self.path} is damaged ({detail}): "
            f"run `{fix}` to rebuild it from the archive"
        )


class IndexLockedError(QAError):
    """Another build holds the index lock."""

    def __init__(self, path: str | Path, waited: float) -> None:
        self.path = Path(path)
        self.waited = waited
        super().__init__(
            f"another build is running on {_where(path)} (waited {waited:.0f} s); "
            "try again when it has finished"
        )


class ModelLoadError(QAError):
    """The embedding model could not be loaded."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"cannot load embedding model {model!r}: {reason}")


class ParserLoadError(QAError):
    """The spaCy pipeline that finds noun phrases could not be loaded."""

    def __init__(self, parser: str, reason: str) -> None:
        self.parser = parser
        self.reason = reason
        super().__init__(
            f"cannot load the parser {parser!r}: {reason} (install it with "
            "`pip install -c constraints.txt -e .`, or name another pipeline in "
            'AnswerConfig.parser; "" answers "What ...?" questions without one)'
        )


class InvalidArgumentError(QAError, ValueError):
    """A caller passed a value outside the valid choices (a bad date, mode or k)."""


class EvalDataError(QAError):
    """An evaluation folder is not in BEIR layout."""


class ArticleError(QAError):
    """A file of the archive that cannot be read as an article; the build skips and reports it."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class DatabaseError(QAError):
    """A PostgreSQL index cannot be reached or used (server down, bad address, no pgvector).

    ``location`` is the address with any password masked.
    """

    def __init__(self, location: str, reason: str) -> None:
        self.location = location
        self.reason = reason
        super().__init__(f"PostgreSQL index {location}: {reason}")
