"""How dense and lexical rankings are combined (the settings are ``config.RetrievalConfig``).

Two fusion methods, both measured on ../shared/eval (see bench/eval_retrieval.py):
reciprocal rank fusion (ranks only) and a convex combination of min-max normalised scores.
"""

from __future__ import annotations

import numpy as np

from qa.config import RetrievalConfig


def rrf(
    dense: dict[int, float], lexical: dict[int, float], weight: float, k: int
) -> dict[int, float]:
    """Weighted reciprocal rank fusion of two {id: score} rankings."""
    fused: dict[int, float] = {}
    for side, w in ((dense, weight), (lexical, 1.0 - weight)):
        ranked = sorted(side, key=side.__getitem__, reverse=True)
        for rank, chunk_id in enumerate(ranked):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + 2.0 * w / (k + rank + 1)
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
    dense: dict[int, float], lexical: dict[int, float], weight: float
) -> dict[int, float]:
    """Convex combination of min-max normalised scores; a side that missed an id gives it 0."""
    d, lx = _minmax(dense), _minmax(lexical)
    return {
        i: weight * d.get(i, 0.0) + (1.0 - weight) * lx.get(i, 0.0) for i in d.keys() | lx.keys()
    }


def _zscore(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    values = np.fromiter(scores.values(), dtype=np.float64)
    std = float(values.std()) or 1.0
    mean = float(values.mean())
    return {i: (s - mean) / std for i, s in scores.items()}


def zscore_fusion(
    dense: dict[int, float], lexical: dict[int, float], weight: float
) -> dict[int, float]:
    """Convex combination of standardised scores; a side that missed an id gives its minimum."""
    d, lx = _zscore(dense), _zscore(lexical)
    d_floor = min(d.values(), default=0.0)
    l_floor = min(lx.values(), default=0.0)
    return {
        i: weight * d.get(i, d_floor) + (1.0 - weight) * lx.get(i, l_floor)
        for i in d.keys() | lx.keys()
    }


def fuse(
    dense: dict[int, float], lexical: dict[int, float], config: RetrievalConfig
) -> dict[int, float]:
    if config.fusion == "rrf":
        return rrf(dense, lexical, config.dense_weight, config.rrf_k)
    if config.fusion == "zscore":
        return zscore_fusion(dense, lexical, config.dense_weight)
    return score_fusion(dense, lexical, config.dense_weight)


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
