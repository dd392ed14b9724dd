"""How dense and lexical rankings are combined (the settings are ``config.RetrievalConfig``).

Two fusion methods, both measured on ../shared/eval (see bench/eval_retrieval.py):
reciprocal rank fusion (ranks only) and a convex combination of min-max normalised scores.

The dense side's weight follows the language of the question and of each passage
(``language_weight``): the default model knows English only, and rates any two Chinese texts
alike whatever they say, so in Chinese its similarity is noise that fusion must not let in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from qa.config import RetrievalConfig

Weight = Callable[[int], float]  # the dense weight of a passage, by its id


def language_weight(config: RetrievalConfig, question: float, passage: float) -> float:
    """The dense weight for a question and a passage with these shares of Chinese words
    (``chinese.cjk_share``): ``config.dense_weight`` when both are in English,
    ``config.zh_dense_weight`` when either is all Chinese, and between them by the product of
    their shares of English ("华为 Xu Zhijun 在哪里" against an English passage: 0.44 of the
    way)."""
    known = (1.0 - question) * (1.0 - passage)
    return config.zh_dense_weight + (config.dense_weight - config.zh_dense_weight) * known


def _weigh(weight: float | Weight) -> Weight:
    return weight if callable(weight) else (lambda _id: weight)


def rrf(
    dense: dict[int, float], lexical: dict[int, float], weight: float | Weight, k: int
) -> dict[int, float]:
    """Weighted reciprocal rank fusion of two {id: score} rankings."""
    w = _weigh(weight)
    fused: dict[int, float] = {}
    for side, is_dense in ((dense, True), (lexical, False)):
        ranked = sorted(side, key=side.__getitem__, reverse=True)
        for rank, chunk_id in enumerate(ranked):
            share = w(chunk_id) if is_dense else 1.0 - w(chunk_id)
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 2.0 * share / (k + rank + 1)
    return fused


def _minmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    span = high - low
    if span <= 1e-12:
        return {i: 1.0 for i in scores}
    return {i: (s - low) / span for i, s in scores.items()}


def score_fusion(
    dense: dict[int, float], lexical: dict[int, float], weight: float | Weight
) -> dict[int, float]:
    """Convex combination of min-max normalised scores; a side that missed an id gives it 0."""
    d, lx, w = _minmax(dense), _minmax(lexical), _weigh(weight)
    return {i: w(i) * d.get(i, 0.0) + (1.0 - w(i)) * lx.get(i, 0.0) for i in d.keys() | lx.keys()}


def _zscore(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64)
    std = float(values.std()) or 1.0
    mean = float(values.mean())
    return {i: (s - mean) / std for i, s in scores.items()}


def zscore_fusion(
    dense: dict[int, float], lexical: dict[int, float], weight: float | Weight
) -> dict[int, float]:
    """Convex combination of standardised scores; a side that missed an id gives its minimum."""
    d, lx, w = _zscore(dense), _zscore(lexical), _weigh(weight)
    d_floor = min(d.values(), default=0.0)
    l_floor = min(lx.values(), default=0.0)
    return {
        i: w(i) * d.get(i, d_floor) + (1.0 - w(i)) * lx.get(i, l_floor)
        for i in d.keys() | lx.keys()
    }


def fuse(
    dense: dict[int, float],
    lexical: dict[int, float],
    config: RetrievalConfig,
    weight: Weight | None = None,
    method: str | None = None,
) -> dict[int, float]:
    """Fuse the two sides by ``method`` (default ``config.fusion``), the dense side weighing
    ``weight(id)`` for each passage (default ``config.dense_weight`` for all)."""
    w: float | Weight = config.dense_weight if weight is None else weight
    method = method or config.fusion
    if method == "rrf":
        return rrf(dense, lexical, w, config.rrf_k)
    if method == "zscore":
        return zscore_fusion(dense, lexical, w)
    return score_fusion(dense, lexical, w)


def with_article(
    lexical: dict[int, float],
    article: dict[int, float],
    weight: float,
    share: dict[int, float],
) -> dict[int, float]:
    """The lexical side read in each passage's article: ``1 - w`` of the passage's own min-max
    normalised BM25 and ``w`` of its article's (``article``: by passage id, over the candidates
    of both sides), where ``w`` is ``weight`` times the passage's ``share`` (0..1: how much
    more than the passage its article holds). A passage only the dense side found gets its
    article's part alone."""
    if weight == 0 or not article:
        return lexical
    own, whole = _minmax(lexical), _minmax({i: s for i, s in article.items() if s > 0})
    fused = {}
    for i in own.keys() | whole.keys():
        w = weight * share.get(i, 0.0)
        fused[i] = (1.0 - w) * own.get(i, 0.0) + w * whole.get(i, 0.0)
    return fused


def with_context(
    fused: dict[int, float], article_of: dict[int, str], weight: float
) -> dict[int, float]:
    """Add ``weight`` x the best score of a sibling passage (same article) to each passage."""
    if weight == 0 or not fused:
        return fused
    top: dict[str, list[float]] = {}
    for chunk_id, score in fused.items():
        best = top.setdefault(article_of[chunk_id], [])
        best.append(score)
    for scores in top.values():
        scores.sort(reverse=True)
        del scores[2:]
    out = {}
    for chunk_id, score in fused.items():
        siblings = top[article_of[chunk_id]]
        if len(siblings) < 2:
            other = 0.0
        else:
            other = siblings[1] if siblings[0] == score else siblings[0]
        out[chunk_id] = score + weight * other
    return out
