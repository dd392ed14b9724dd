"""The approximate (HNSW) dense index, with its threshold lowered so the seeds cross it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.index import approximate
from qa.index.approximate import ApproxConfig
from qa.index.build import sync_index
from qa.index.store import current_generation
from qa.search.retriever import load_retriever

LOW = ApproxConfig(min_passages=10)
QUESTIONS = [
    "Who held talks with Xu Zhijun?",
    "Where did the 2023 China Automotive Innovation Conference open?",
    "Who is the chairman of CEC?",
    "Which high-tech zone did Mayor Wang Ji visit?",
    "Jing Junhai special meeting electronic information industry",
]


def dense_index(index: Path) -> dict:
    gen = current_generation(index)
    return json.loads((gen / "manifest.json").read_text())["dense_index"]


def every_hit(index: Path, embedder, query: str, **kw):
    retriever = load_retriever(index, embedder=embedder)
    try:
        n = retriever.dense.ntotal
        return {m: retriever.search(query, n, mode=m, **kw) for m in ("dense", "hybrid")}
    finally:
        retriever.close()


@pytest.fixture()
def approx_index(seeds_copy, tmp_path, embedder) -> Path:
    index = tmp_path / "index"
    sync_index(seeds_copy, index, embedder=embedder, approx=LOW, progress=False)
    return index


def test_above_the_threshold_the_index_is_hnsw(approx_index, seeds_index, embedder) -> None:
    assert dense_index(approx_index) == {"kind": "hnsw", "exact": False, **LOW.__dict__}
    assert (current_generation(approx_index) / approximate.HNSW).is_file()
    approx = load_retriever(approx_index, embedder=embedder)
    exact = load_retriever(seeds_index, embedder=embedder)
    try:
        assert approx._exact_view is not None  # HNSW, with an exact view for filters
        for q in QUESTIONS:
            assert approx.search(q, 3)[0].chunk_id == exact.search(q, 3)[0].chunk_id
            filtered = dict(since="2022-01-01", until="2023-06-30")
            assert [h.chunk_id for h in approx.search(q, 5, mode="dense", **filtered)] == [
                h.chunk_id for h in exact.search(q, 5, mode="dense", **filtered)
            ]
    finally:
        approx.close()
        exact.close()


def test_a_deleted_article_is_never_returned(approx_index, seeds_copy, embedder) -> None:
    victim = sorted(seeds_copy.iterdir())[0]  # the talks with Xu Zhijun
    before = every_hit(approx_index, embedder, QUESTIONS[0])
    assert any(h.article.id.startswith("000_") for h in before["dense"])
    victim.unlink()
    report = sync_index(seeds_copy, approx_index, embedder=embedder, approx=LOW, progress=False)
    assert report.removed and report.removed[0].startswith("000_")
    assert dense_index(approx_index)["kind"] == "hnsw"
    for q in QUESTIONS + ["Xu Zhijun Huawei rotating chairman talks Changchun"]:
        for mode, hits in every_hit(approx_index, embedder, q).items():
            assert hits, mode
            assert not any(h.article.id.startswith("000_") for h in hits), (mode, q)


def test_an_added_article_joins_the_graph(approx_index, seeds_copy, embedder) -> None:
    (seeds_copy / "new.txt").write_text(
        "Harbin ice festival opens\n\n2023-12-20 0 By\n\n"
        "The Harbin Ice and Snow World opened to visitors on December 18 with 1,000 sculptures.\n"
    )
    report = sync_index(seeds_copy, approx_index, embedder=embedder, approx=LOW, progress=False)
    assert report.added and not report.removed
    retriever = load_retriever(approx_index, embedder=embedder)
    try:
        assert retriever.dense.ntotal == len(retriever.ids)
        top = retriever.search("When did the Harbin Ice and Snow World open?", 1, mode="dense")
        assert top[0].article.title == "Harbin ice festival opens"
    finally:
        retriever.close()


def test_exact_forces_flat_and_is_kept(approx_index, seeds_copy, embedder) -> None:
    report = sync_index(
        seeds_copy, approx_index, embedder=embedder, approx=LOW, exact=True, progress=False
    )
    assert report.written and report.chunks_embedded == 0  # nothing re-embedded
    assert dense_index(approx_index)["kind"] == "flat" and dense_index(approx_index)["exact"]
    assert not (current_generation(approx_index) / approximate.HNSW).exists()
    again = sync_index(seeds_copy, approx_index, embedder=embedder, approx=LOW, progress=False)
    assert again.up_to_date and dense_index(approx_index)["kind"] == "flat"


def test_below_the_threshold_the_index_stays_flat(seeds_index) -> None:
    assert dense_index(seeds_index)["kind"] == "flat"
    assert not (current_generation(seeds_index) / approximate.HNSW).exists()


def test_exact_view_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((500, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = rng.choice(10**12, size=500, replace=False).astype(np.int64)
    graph = approximate.empty_hnsw(16, ApproxConfig(m=8))
    graph.add_with_ids(vectors, ids)
    view = approximate.ExactView(graph)
    subset = ids[::7]
    query = vectors[3:4]
    scores, found = view.search(query, 5, subset)
    expected = subset[np.argsort(-(vectors[::7] @ query[0]))[:5]]
    assert found[0].tolist() == expected.tolist()
    assert np.allclose(scores[0], np.sort(vectors[::7] @ query[0])[::-1][:5], atol=1e-5)
