"""Question answering over a folder of news articles, with cited excerpts.

    from qa import load_retriever, answer
    retriever = load_retriever("embeddings/")
    hits = retriever.search("Who met Huawei's rotating chairman?", k=5)
    reply = answer("Where were the talks held?", retriever)
    print(reply.text, reply.citations)

Heavy modules (torch, faiss) load on first use, so ``import qa`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_retriever": "qa.search.retriever",
    "Retriever": "qa.search.retriever",
    "IndexStats": "qa.search.retriever",
    "sync_index": "qa.index.build",
    "sync_articles": "qa.index.build",
    "BuildReport": "qa.index.build",
    "answer": "qa.answering.answerer",
    "AnswerConfig": "qa.config",
    "load_embedder": "qa.index.embedding",
    "Embedder": "qa.index.embedding",
    "scan_archive": "qa.ingest.articles",
    "read_article": "qa.ingest.articles",
    "RetrievalConfig": "qa.config",
    "ChunkingConfig": "qa.ingest.chunking",
    "Article": "qa.models",
    "ArticleMeta": "qa.models",
    "Chunk": "qa.models",
    "Hit": "qa.models",
    "SearchResults": "qa.models",
    "DateRange": "qa.models",
    "Answer": "qa.models",
    "Citation": "qa.models",
    "QAError": "qa.errors",
    "IndexNotFoundError": "qa.errors",
    "IndexMismatchError": "qa.errors",
    "IndexLockedError": "qa.errors",
    "IndexDamagedError": "qa.errors",
    "InvalidArgumentError": "qa.errors",
    "ModelLoadError": "qa.errors",
    "ParserLoadError": "qa.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
