"""A passage's lexical side read in its article: BM25 over whole articles, blended by span."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from qa.index import store
from qa.index.lexical import ArticleLexicalIndex
from qa.search.fusion import with_article


def test_with_article_blends_each_passage_by_its_share() -> None:
    lexical = {1: 10.0, 2: 6.0, 3: 2.0}  # min-max: 1.0, 0.5, 0.0
    article = {1: 1.0, 2: 5.0, 3: 5.0, 4: 3.0}  # min-max: 0.0, 1.0, 1.0, 0.5
    share = {1: 1.0, 2: 1.0, 3: 0.0, 4: 1.0}
    blended = with_article(lexical, article, 0.4, share)
    assert blended == pytest.approx({1: 0.6, 2: 0.7, 3: 0.0, 4: 0.2})


def test_an_article_of_one_passage_keeps_its_passage_ranking() -> None:
    lexical = {1: 3.0, 2: 9.0, 3: 5.0}
    article = {1: 8.0, 2: 1.0, 3: 4.0}
    blended = with_article(lexical, article, 0.5, {})  # every share 0
    assert sorted(blended, key=blended.__getitem__) == sorted(lexical, key=lexical.__getitem__)
    assert with_article(lexical, article, 0.0, {1: 1.0}) is lexical


def test_the_article_index_holds_every_article_and_round_trips(tmp_path) -> None:
    rows = [
        ("a", "Harbin ice festival", "Sculptures of ice line the river."),
        ("b", "Tire plant", "A tire project worth 15 million yuan opened in Jilin."),
    ]
    built = ArticleLexicalIndex.build(rows)
    built.save(tmp_path / "articles")
    loaded = ArticleLexicalIndex.load(tmp_path / "articles")
    assert loaded.article_ids == ["a", "b"]
    scores = loaded.scores("tire project in Jilin")
    assert scores[1] > 0 == scores[0]
    assert np.allclose(scores, built.scores("tire project in Jilin"))


def test_scores_of_some_articles_are_those_of_the_full_scan() -> None:
    rng = np.random.default_rng(3)
    vocabulary = [f"word{i}" for i in range(300)]
    rows = [
        (f"a{i}", f"title {i}", " ".join(rng.choice(vocabulary, size=int(rng.integers(5, 80)))))
        for i in range(500)
    ]
    index = ArticleLexicalIndex.build(rows)
    positions = rng.integers(0, 500, size=120)  # repeats, any order
    for query in ("word1 word2 word250", "word7 word7 title", "nothing matches", "word299"):
        full = index.scores(query)
        assert np.allclose(index.scores_of(query, positions), full[positions], atol=1e-5)


def test_the_seeds_index_has_an_article_bm25_of_its_articles(folder_retriever) -> None:
    generation = folder_retriever.generation
    assert (generation / store.ARTICLE_LEXICAL).is_dir()
    assert sorted(folder_retriever.article_lexical.article_ids) == sorted(folder_retriever.metas)


def test_at_full_weight_the_lexical_side_is_the_article_ranking(folder_retriever) -> None:
    question = "Jing Junhai Huawei talks"
    scores = folder_retriever.article_lexical.scores(question)
    best = folder_retriever.article_lexical.article_ids[int(np.argmax(scores))]
    hits = folder_retriever.search(question, k=3, dense_weight=0.0, article_weight=1.0)
    assert hits[0].article.id == best
    # off, the passage's own BM25 decides as before, and the two settings do differ
    plain = folder_retriever.search(question, k=3, dense_weight=0.0, article_weight=0.0)
    assert [h.score for h in plain] != [h.score for h in hits]


def test_article_weight_out_of_range_is_refused(folder_retriever) -> None:
    from qa.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="article_weight"):
        folder_retriever.search("Huawei", k=1, article_weight=1.5)


def test_the_article_lift_raises_a_long_article_by_its_whole_bm25(folder_retriever) -> None:
    from qa.search import retriever as module

    question = "Which companies reported at the automobile innovation conference in Jilin?"
    plain = folder_retriever.search(question, k=20, per_article=0, article_lift=0.0)
    lifted = folder_retriever.search(question, k=20, per_article=0, article_lift=0.5)
    before = {h.chunk_id: h.score for h in plain}
    gains: dict[str, set[float]] = {}
    for hit in lifted:
        if hit.chunk_id in before:
            gains.setdefault(hit.article.id, set()).add(round(hit.score - before[hit.chunk_id], 6))
    # an article's passages all rise by one amount, never fall, and some article rises
    assert all(len(amounts) == 1 and min(amounts) >= 0 for amounts in gains.values())
    rise = {article: amounts.pop() for article, amounts in gains.items()}
    assert max(rise.values()) > 0
    # each by its article's BM25 over whole texts, min-max normalised, as far as its length
    # lets it (nothing at LIFT_FROM passages or fewer), times the best score
    bm25 = folder_retriever.article_lexical
    whole = dict(zip(bm25.article_ids, bm25.scores(question).tolist()))
    passages = Counter(folder_retriever.article_of)
    share = {
        a: min(
            1.0, max(0.0, (passages[a] - module.LIFT_FROM) / (module.LIFT_SPAN - module.LIFT_FROM))
        )
        for a in rise
    }
    # every one of the five seeds is among the candidates and names a word of the question
    low, high = min(whole.values()), max(whole.values())
    assert low > 0 and set(rise) <= set(whole)
    for article, amount in rise.items():
        fit = (whole[article] - low) / (high - low)
        assert amount == pytest.approx(0.5 * share[article] * plain[0].score * fit, abs=1e-5)


def test_article_lift_out_of_range_is_refused(folder_retriever) -> None:
    from qa.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="article_lift"):
        folder_retriever.search("Huawei", k=1, article_lift=-0.1)
