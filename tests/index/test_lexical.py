"""BM25's top passages: the floor found from the rarest words gives the same set as a full sort."""

from __future__ import annotations

import numpy as np
import pytest

from qa.index.lexical import LexicalIndex

COMMON = ["province", "government", "meeting", "work", "development", "city", "project"]


def _corpus(n: int = 3000) -> list[str]:
    """News-like texts: common words in most of them, rarer ones Zipf-distributed."""
    rng = np.random.default_rng(7)
    rare = [f"name{i}" for i in range(400)]
    weights = 1 / np.arange(1, len(rare) + 1)
    texts = []
    for _ in range(n):
        words = list(rng.choice(COMMON, size=6))
        words += list(rng.choice(rare, size=5, p=weights / weights.sum()))
        texts.append(" ".join(words))
    return texts


@pytest.fixture(scope="module")
def lexical() -> LexicalIndex:
    texts = _corpus()
    return LexicalIndex.build(texts, np.arange(1000, 1000 + len(texts)))


def _by_sorting(lexical: LexicalIndex, query: str, n: int, mask=None) -> list[float]:
    scores = lexical.scores(query, mask)
    return sorted((float(s) for s in scores if s > 0), reverse=True)[:n]


@pytest.mark.parametrize(
    "query",
    [
        "name3 name250 government",  # rare words: the floor path
        "name0 name1 province",  # the commonest of the rare ones
        "province government meeting work",  # common words only: every chunk is a candidate
        "name399",  # a handful of chunks, fewer than n
        "nothing matches this",
    ],
)
@pytest.mark.parametrize("n", [1, 10, 100])
def test_top_is_the_best_n_by_score(lexical, query, n) -> None:
    top = lexical.top(query, n)
    assert sorted(top.values(), reverse=True) == pytest.approx(_by_sorting(lexical, query, n))
    positions = np.searchsorted(lexical.ids, list(top))
    assert np.allclose(lexical.scores(query)[positions], list(top.values()))


def test_top_never_returns_a_masked_chunk(lexical) -> None:
    mask = np.zeros(len(lexical.ids), dtype=bool)
    mask[::3] = True
    query = "name3 name250 government"
    top = lexical.top(query, 50, mask)
    assert top and all(mask[np.searchsorted(lexical.ids, i)] for i in top)
    assert sorted(top.values(), reverse=True) == pytest.approx(
        _by_sorting(lexical, query, 50, mask)
    )
    assert lexical.top(query, 50, np.zeros_like(mask)) == {}
