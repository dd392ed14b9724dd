"""Literal articles, whole-article hits and a model-free retriever for the answering tests.

``FakeRetriever`` also serves as the article source of ``sentence_select.Documents`` where a
test (test_answer_golden.py) ranks sentences with the real model.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from qa.models import Article, Hit, SearchResults


def article(aid: str, body: str, date: dt.date | None = None, title: str = "") -> Article:
    return Article(aid, title or f"Title {aid}", date, "src", body, f"{aid}.txt", "0" * 64)


class HashEmbedder:
    """Bag of lower-cased words hashed into 64 dimensions, L2-normalised."""

    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, sum(map(ord, word)) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


class FakeRetriever:
    """Returns every article whole as one hit; enough to drive ``answer``."""

    def __init__(self, *articles: Article) -> None:
        self.articles = {a.id: a for a in articles}
        self.embedder = HashEmbedder()
        self.manifest: dict = {}
        self.searches: list[str] = []
        self._bodies: np.ndarray | None = None

    def get_article(self, article_id: str) -> Article:
        return self.articles[article_id]

    def background(self, vector: np.ndarray) -> float:
        if self._bodies is None:
            self._bodies = self.embedder.encode([a.body for a in self.articles.values()])
        return float(np.mean(self._bodies @ vector))

    def search(self, query: str, k: int = 5, **_: object) -> SearchResults:
        self.searches.append(query)
        hits = tuple(whole_hit(a, 1.0 / (i + 1)) for i, a in enumerate(self.articles.values()))
        return SearchResults(query, hits[:k])


def whole_hit(a: Article, score: float = 1.0) -> Hit:
    return Hit(0, a.body, score, 0, len(a.body), a.meta, dense_score=score)
