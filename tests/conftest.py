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
def retriever(seeds_index, embedder):
    from qa.search.retriever import load_retriever

    return load_retriever(seeds_index, embedder=embedder)


@pytest.fixture()
def seeds_copy(tmp_path) -> Path:
    """A private, writable copy of the seeds folder."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder
