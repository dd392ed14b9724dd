"""Fusion follows the language of the question and of each passage: the default model knows
English only, so where a question or a passage is in Chinese its dense side weighs less
(``RetrievalConfig.zh_dense_weight``), and nothing where both are."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from qa.config import RetrievalConfig
from qa.ingest.chinese import cjk_share
from qa.search.fusion import language_weight, score_fusion

ZH_ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "zh_archive"


@pytest.mark.parametrize(
    "text, share",
    [
        ("Who is the governor of Jilin?", 0.0),
        ("长春市建成了多少个基站？", 1.0),
        ("长春市建成了多少个5G基站？", 5.5 / 6.5),  # "G" is a Latin word
        ("华为 Xu Zhijun 在哪里", 2.5 / 4.5),  # five characters: 2.5 words; two English words
        ("", 0.0),
        ("2023", 0.0),
    ],
)
def test_the_share_of_chinese_words(text: str, share: float) -> None:
    assert cjk_share(text) == pytest.approx(share)


def test_the_dense_weight_follows_both_languages() -> None:
    config = RetrievalConfig(dense_weight=0.4, zh_dense_weight=0.1)
    assert language_weight(config, 0.0, 0.0) == pytest.approx(0.4)
    assert language_weight(config, 1.0, 0.0) == pytest.approx(0.1)
    assert language_weight(config, 0.0, 1.0) == pytest.approx(0.1)
    assert language_weight(config, 0.5, 0.0) == pytest.approx(0.25)
    assert language_weight(config, 0.5, 0.5) == pytest.approx(0.175)


def test_score_fusion_weighs_each_passage_by_its_own_weight() -> None:
    dense = {1: 1.0, 2: 0.0}
    lexical = {1: 0.0, 2: 1.0}
    assert score_fusion(dense, lexical, 0.5) == {1: 0.5, 2: 0.5}
    fused = score_fusion(dense, lexical, lambda i: 0.0 if i == 1 else 0.5)
    assert fused == {1: 0.0, 2: 0.5}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, embedder):  # type: ignore[no-untyped-def]
    """The five English seeds and the five Chinese test articles in one archive."""
    from qa.index.build import sync_index
    from qa.search.retriever import load_retriever

    root = tmp_path_factory.mktemp("mixed")
    folder = root / "archive"
    shutil.copytree(Path(__file__).resolve().parents[2] / "seeds", folder)
    for path in ZH_ARCHIVE.iterdir():
        shutil.copy(path, folder / path.name)
    sync_index(folder, root / "index", embedder=embedder, progress=False)
    return load_retriever(root / "index", embedder=embedder)


def _is_chinese(hit) -> bool:  # type: ignore[no-untyped-def]
    return cjk_share(hit.text) > 0.5


@pytest.mark.parametrize(
    "question, article",
    [
        ("华为与吉林省在哪里签署战略合作协议？", "huawei_jilin"),
        ("谁出席了华为与吉林的签约仪式？", "huawei_jilin"),
        ("华为 Xu Zhijun 在哪里签约", "huawei_jilin"),
    ],
)
def test_a_chinese_question_on_a_mixed_archive_finds_the_chinese_article(
    mixed, question: str, article: str
) -> None:  # type: ignore[no-untyped-def]
    hybrid = mixed.search(question, k=5)
    assert hybrid[0].article.id == article, [h.article.id for h in hybrid]
    dense = mixed.search(question, k=10, mode="dense")
    ranks = [h.article.id for h in dense]
    assert article in ranks
    first_english = next((i for i, h in enumerate(dense) if not _is_chinese(h)), len(ranks))
    assert ranks.index(article) < first_english, ranks


def test_an_english_question_is_fused_as_before(mixed) -> None:  # type: ignore[no-untyped-def]
    """An English question weighs every passage, Chinese ones included, by ``dense_weight``:
    the Chinese setting changes nothing for it."""
    question = "Who held talks with Xu Zhijun?"
    recorded = mixed.config
    try:
        mixed.config = replace(recorded, zh_dense_weight=0.0, dense_weight=0.4)
        low = mixed.search(question, k=10)
        mixed.config = replace(recorded, zh_dense_weight=0.4, dense_weight=0.4)
        same = mixed.search(question, k=10)
    finally:
        mixed.config = recorded
    assert any(_is_chinese(h) for h in low)  # Chinese passages are among the candidates
    assert [(h.chunk_id, round(h.score, 9)) for h in low] == [
        (h.chunk_id, round(h.score, 9)) for h in same
    ]


def test_where_the_dense_side_weighs_nothing_hybrid_is_the_lexical_ranking(mixed) -> None:  # type: ignore[no-untyped-def]
    """A question all in Chinese weighs the dense side 0 for every passage (the default
    zh_dense_weight): hybrid search then ranks and scores exactly as lexical search does."""
    assert mixed.config.zh_dense_weight == 0.0
    question = "长春市建成了多少个基站？"
    hybrid = mixed.search(question, k=8)
    lexical = mixed.search(question, k=8, mode="lexical")
    assert len(lexical) < len(hybrid)  # the passages BM25 missed follow, below zero
    assert [(h.chunk_id, h.score) for h in hybrid[: len(lexical)]] == [
        (h.chunk_id, h.score) for h in lexical
    ]
    assert all(h.score < 0 for h in hybrid[len(lexical) :])
    assert any(h.dense_score is not None for h in hybrid)  # still measured, for abstention
