"""Fusion and exact-match helpers on tiny literal inputs with hand-computed values."""

from __future__ import annotations

import math

import pytest

from qa.index.lexical import matching_spans, tokenize
from qa.search.fusion import rrf, score_fusion, with_context, zscore_fusion
from qa.search.matching import collapse_duplicates, crowd, must_match_terms, phrase_coverage

DENSE = {1: 0.9, 2: 0.7, 3: 0.5}
LEXICAL = {2: 10.0, 4: 5.0}


def test_rrf_weights_ranks() -> None:
    fused = rrf(DENSE, LEXICAL, weight=0.5, k=60)
    # id 2: dense rank 2 -> 1/62, lexical rank 1 -> 1/61 (each side weighted 2 * 0.5 = 1)
    assert fused[2] == pytest.approx(1 / 62 + 1 / 61)
    assert fused[1] == pytest.approx(1 / 61)
    assert fused[4] == pytest.approx(1 / 62)
    assert max(fused, key=fused.__getitem__) == 2


def test_score_fusion_min_max() -> None:
    fused = score_fusion(DENSE, LEXICAL, weight=0.4)
    # dense normalised: 1 -> 1, 2 -> 0.5, 3 -> 0; lexical: 2 -> 1, 4 -> 0
    assert fused[1] == pytest.approx(0.4)
    assert fused[2] == pytest.approx(0.4 * 0.5 + 0.6 * 1.0)
    assert fused[3] == pytest.approx(0.0)
    assert fused[4] == pytest.approx(0.0)


def test_zscore_fusion_missing_side_takes_its_floor() -> None:
    fused = zscore_fusion(DENSE, LEXICAL, weight=0.5)
    std = math.sqrt(((0.2) ** 2 + 0 + (0.2) ** 2) / 3)
    assert fused[1] == pytest.approx(0.5 * (0.2 / std) + 0.5 * -1.0)
    assert fused[2] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)


def test_context_adds_best_sibling() -> None:
    fused = {1: 1.0, 2: 0.5, 3: 0.4}
    out = with_context(fused, {1: "a", 2: "a", 3: "b"}, weight=0.1)
    assert out == pytest.approx({1: 1.05, 2: 0.6, 3: 0.4})
    assert with_context(fused, {1: "a", 2: "a", 3: "b"}, weight=0.0) is fused


def test_must_match_terms() -> None:
    assert must_match_terms('Who spoke of the "six new industries" with Xu Zhijun in 2022?') == (
        "six new industries",
        "xu zhijun",
    )
    assert must_match_terms("What is the 4266 system?") == ("4266",)
    # Four characters with a point or comma are numbers, not years (this used to raise).
    assert must_match_terms("Why did oil rise to $5.11 in 1973?") == ("5.11",)
    assert must_match_terms("Was it 1,20 or 2010?") == ("1,20",)
    assert must_match_terms("习近平总书记 said what?") == ("习近平总书记",)
    assert must_match_terms("what happened?") == ()


def test_phrase_coverage_ignores_case_and_spacing() -> None:
    terms = ("wang ji", "4266")
    assert phrase_coverage(terms, "Mayor WangJi visited") == 0.5
    assert phrase_coverage(terms, "wang  ji and the “4266” system") == 1.0


def test_number_words_and_ordinals_also_give_their_digits() -> None:
    assert set(tokenize("season 4")) & set(tokenize("the fourth season")) == {"season", "4"}
    assert "14" in tokenize("the fourteenth Five-Year Plan")
    assert "14" in tokenize("the 14th Five-Year Plan")
    assert "12" in tokenize("twelve people")
    assert "1" not in tokenize("one of the first")  # mostly not numbers
    text = "The fourth season premieres"
    assert [text[a:b] for a, b in matching_spans(text, "season 4")] == ["fourth", "season"]


def test_quarters_and_halves_match_however_they_are_written() -> None:
    q3 = set(tokenize("Tesla's revenue in Q3 2019"))
    for text in (
        "third-quarter revenue",
        "the Third Quarter of 2019",
        "its 3rd quarter",
        "2019年三季度",
    ):
        assert "q3" in set(tokenize(text)) & q3, text
    assert "q1" in tokenize("In the first quarter, we produced")
    assert "h1" in set(tokenize("H1 2022")) & set(tokenize("the first half of 2022"))
    assert "h1" in tokenize("上半年")
    assert not {"q3", "h3"} & set(tokenize("a third half and three quarters"))
    text = "Tesla's third-quarter revenue"
    assert [text[a:b] for a, b in matching_spans(text, "Tesla Q3")] == ["Tesla", "third-quarter"]


def test_duplicates_collapse_keeps_the_better_copy() -> None:
    story = "the governor visited the new tire plant in Jilin on Monday morning with officials"
    texts = {1: story, 2: story + " today", 3: "a different story about rice harvests in autumn"}
    assert collapse_duplicates([1, 2, 3], texts, 0.8) == [1, 3]
    assert collapse_duplicates([1, 2, 3], texts, 0.8, limit=1) == [1]


def test_crowding_moves_an_article_s_extra_passages_after_the_others() -> None:
    article = {1: "a", 2: "a", 3: "a", 4: "b", 5: "a", 6: "c", 7: "b"}
    ranked = [1, 2, 3, 4, 5, 6, 7]
    crowded = crowd(ranked, article.__getitem__, 2)
    assert crowded == [1, 2, 4, 6, 7, 3, 5]
    # the articles keep the order of their best passages
    assert list(dict.fromkeys(article[i] for i in crowded)) == ["a", "b", "c"]
    assert crowd(ranked, article.__getitem__, 1) == [1, 4, 6, 2, 3, 5, 7]
    assert crowd(ranked, article.__getitem__, 0) == ranked
