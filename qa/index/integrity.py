"""Is a generation whole? Sizes and checksums of its files, recorded in its manifest.

Every file of a generation but the manifest itself is listed in ``manifest["files"]`` with its
size and sha256. Opening an index checks the manifest's shape and every file's size (a few
``stat`` calls); a build checks every checksum before it reuses anything. A generation that
fails either check is damaged: readers get ``IndexDamagedError`` in one line, with the command
that fixes it, and ``qa index`` rebuilds the index from the archive.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import IndexDamagedError, QAError
from qa.index import store
from qa.index.leases import LEASE, Lease, hold_live

FILES = "files"  # the manifest's key: {relative path: {"bytes": size, "sha256": hex}}
REQUIRED = (store.DENSE, store.TABLE, f"{store.LEXICAL}/ids.npy")
_SKIP = {store.MANIFEST, LEASE}


def file_records(gen: Path) -> dict[str, dict[str, Any]]:
    """Size and sha256 of every file of ``gen`` but the manifest (and the lease file)."""
    records = {}
    for path in sorted(p for p in gen.rglob("*") if p.is_file()):
        rel = path.relative_to(gen).as_posix()
        if rel not in _SKIP:
            records[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return records


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_problem(manifest: Any) -> str | None:
    """What is wrong with the shape of a manifest (garbage that happens to be JSON), or None."""
    if not isinstance(manifest, dict):
        return "manifest.json is not a JSON object"
    model = manifest.get("model")
    if not isinstance(model, dict) or not isinstance(model.get("name"), str):
        return "manifest.json has no model name"
    if not isinstance(model.get("dimension"), int):
        return "manifest.json has no model dimension"
    if not isinstance(manifest.get("chunking"), dict):
        return "manifest.json has no chunking"
    articles = manifest.get("articles")
    if not isinstance(articles, dict) or not all(map(_article_entry, articles.values())):
        return "manifest.json has no valid article list"
    if not isinstance(manifest.get(FILES, {}), dict):
        return "manifest.json has no valid file list"
    return None


def _article_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("hash"), str)
        and isinstance(entry.get("chunk_ids"), list)
    )


def files_problem(gen: Path, manifest: dict[str, Any], *, checksums: bool) -> str | None:
    """The first file of ``gen`` that is missing, of the wrong size or (with ``checksums``)
    whose content differs from what the manifest recorded; None when all are whole.

    An index written before checksums were recorded is checked for its files only.
    """
    records: dict[str, Any] = manifest.get(FILES) or {name: {} for name in REQUIRED}
    for name in REQUIRED:
        if name not in records:
            return f"manifest.json does not list {name}"
    for name, record in records.items():
        path = gen / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return f"{name} is missing"
        except OSError as exc:
            return f"{name} cannot be read: {exc.strerror or exc}"
        if not path.is_file():
            return f"{name} is not a file"
        expected = record.get("bytes")
        if expected is not None and size != expected:
            return f"{name} is {size:,} bytes, not {expected:,}"
        if checksums and record.get("sha256") and _sha256(path) != record["sha256"]:
            return f"{name} does not match its checksum"
    return None


@dataclass(frozen=True)
class Inspection:
    """The live generation as a build finds it: the manifest when it could be read, and
    what is damaged (None when the generation is whole, or when there is none)."""

    generation: Path | None
    manifest: dict[str, Any] | None
    damage: str | None


def inspect(index_dir: Path) -> Inspection:
    """Check the live generation of ``index_dir`` completely (checksums included)."""
    try:
        gen = store.current_generation(index_dir)
        if gen is None:
            return Inspection(None, None, None)
        manifest = read_checked_manifest(gen)
    except IndexDamagedError as exc:
        return Inspection(None, None, exc.detail)
    problem = files_problem(gen, manifest, checksums=True)
    return Inspection(gen, manifest, problem)


def read_checked_manifest(gen: Path) -> dict[str, Any]:
    """The manifest of ``gen``; ``IndexDamagedError`` when it is unreadable or malformed."""
    manifest = store.read_manifest(gen)
    problem = manifest_problem(manifest)
    if problem:
        raise IndexDamagedError(gen.parent, problem)
    return manifest


def open_live(index_dir: Path) -> tuple[Path, dict[str, Any], Lease | None]:
    """The live generation, its checked manifest, and a lease that keeps it on disk.

    Checks the manifest's shape and every file's size, not the checksums (a build does).

    Raises:
        IndexNotFoundError: nothing was built there yet.
        IndexDamagedError: the generation is damaged.
    """
    gen, lease = hold_live(index_dir)
    try:
        manifest = read_checked_manifest(gen)
        problem = files_problem(gen, manifest, checksums=False)
        if problem:
            raise IndexDamagedError(index_dir, problem, seeds=_seeds(manifest))
    except BaseException:
        if lease is not None:
            lease.release()
        raise
    return gen, manifest, lease


def _seeds(manifest: dict[str, Any]) -> str | None:
    """The archive folder the index was built from, when it is there to rebuild from."""
    source = str(manifest.get("source") or "")
    return source if source and Path(source).is_dir() else None


@contextlib.contextmanager
def damage_as_error(index_dir: Path, manifest: dict[str, Any]) -> Iterator[None]:
    """Turn what a damaged file raises while it is being read into ``IndexDamagedError``."""
    try:
        yield
    except QAError:
        raise
    except (OSError, RuntimeError, ValueError, EOFError, KeyError, sqlite3.DatabaseError) as exc:
        detail = f"cannot read it: {type(exc).__name__}: {' '.join(str(exc).split())[:160]}"
        raise IndexDamagedError(index_dir, detail, seeds=_seeds(manifest)) from exc
