"""What ``manifest.json`` records about how an index was made, and how articles changed.

The manifest is human-readable JSON beside the binary index: format and package version, model
name and dimension, the encoders of documents and of questions (fp32 or int8), chunking, the
recipes of what is embedded and what BM25 indexes, the retrieval and abstention settings, each
article's content hash and chunk ids, skipped files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from qa.config import AnswerConfig, RetrievalConfig
from qa.index import store
from qa.index.embedding import Embedder
from qa.ingest.articles import Skipped
from qa.ingest.chunking import ChunkingConfig
from qa.models import Article, Chunk

EMBED_RECIPE = "title-prefix-v1"  # what text is embedded for a chunk; see embedding.embed_text
LEXICAL_RECIPE = "title+clause+chunk-v7+articles"  # lexical.chunk_text and the article BM25;
# a change rewrites BM25 only

Diff = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def vector_settings(embedder: Embedder, chunking: ChunkingConfig) -> dict[str, Any]:
    """The part of the manifest that, when it differs, makes old vectors unusable."""
    return {
        "format_version": store.FORMAT_VERSION,
        "model": {
            "name": embedder.name,
            "dimension": embedder.dim,
            "max_seq_length": embedder.max_seq_length,
        },
        "chunking": asdict(chunking),
        "embed_recipe": EMBED_RECIPE,
        "encoder": embedder.encoder,
    }


def encoder_of(manifest: dict[str, Any]) -> str:
    """The encoder that embedded an index's documents (fp32 before it was recorded)."""
    return str(manifest.get("encoder", "fp32"))


def search_settings() -> dict[str, Any]:
    """Settings that need no re-embedding: a change rewrites BM25 and the manifest only.

    Given as they read back from ``manifest.json`` (tuples as lists), so they compare equal
    to the recorded ones when nothing changed.
    """
    settings = {
        "lexical_recipe": LEXICAL_RECIPE,
        "retrieval": asdict(RetrievalConfig()),
        "answering": asdict(AnswerConfig()),
    }
    loaded: dict[str, Any] = json.loads(json.dumps(settings))
    return loaded


def skips(skipped: Sequence[Skipped]) -> list[dict[str, str]]:
    return [{"path": s.path, "reason": s.reason} for s in skipped]


def diff(current: dict[str, Article], old: dict[str, Any]) -> Diff:
    """(added, changed, removed, unchanged) article ids, by content hash against ``old``."""
    added = tuple(sorted(i for i in current if i not in old))
    removed = tuple(sorted(i for i in old if i not in current))
    both = sorted(i for i in current if i in old)
    changed = tuple(i for i in both if old[i]["hash"] != current[i].content_hash)
    unchanged = tuple(i for i in both if old[i]["hash"] == current[i].content_hash)
    return added, changed, removed, unchanged


def entries(articles: Sequence[Article], chunks: Sequence[Chunk]) -> dict[str, Any]:
    """The manifest's per-article records: content hash, path, chunk ids."""
    by_article: dict[str, list[int]] = {a.id: [] for a in articles}
    for c in chunks:
        by_article[c.article_id].append(c.id)
    return {
        a.id: {"hash": a.content_hash, "path": a.path, "chunk_ids": by_article[a.id]}
        for a in articles
    }
