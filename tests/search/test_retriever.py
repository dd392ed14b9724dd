"""Hybrid retrieval on the real seeds with the real model: golden questions, dates, deletions."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.answering.answerer import answer
from qa.errors import IndexMismatchError, IndexNotFoundError, InvalidArgumentError
from qa.index.build import sync_index
from qa.search.retriever import load_retriever

HUAWEI = "000_8acc33fc03b76885"
ELECTRONIC = "001_75a8eb6acca57ea7"
AUTO = "002_b7002ee26ad1e5c6"
CEC = "003_999e1e7306369b4b"
WANG_JI = "004_298f5d365e12d248"
TINY_BEIR = Path(__file__).parents[1] / "data" / "tiny_beir"
TINY_NEWS = Path(__file__).parents[1] / "data" / "tiny_news_beir"

GOLDEN = [
    ("Who met Huawei's rotating chairman?", HUAWEI),  # name, possessive
    ("Who held talks with Xu Zhijun?", HUAWEI),  # person name
    ("What is the 4266 industrial system?", CEC),  # number
    ("Nanjing signs agreement with China Electronics Technology Group", CEC),
    ("Which conference opened in Changchun on July 23?", AUTO),  # date in text
    (
        "What did the provincial government plan for electronic information in June 2020?",
        ELECTRONIC,
    ),  # date phrase in the question
    ("What did Mayor Wang Ji inspect in the high-tech zone?", WANG_JI),
    ("tire project with an annual output of 15 million", WANG_JI),  # number
    ('Who spoke of the "six new industries"?', HUAWEI),  # quoted phrase
    ("新时代推动东北全面振兴座谈会", WANG_JI),  # Chinese fragment
    ("Who presided over the opening ceremony of the automotive innovation day?", AUTO),
    ("Sino-German Industrial Park", WANG_JI),
    ("What did Jing Junhai do in 2020?", ELECTRONIC),  # a year weighs; a name and the year
    ("What did Hu Yuting attend?", AUTO),
]


@pytest.fixture(scope="session")
def retriever(any_retriever):
    """These golden tests run on each store: the folder, then PostgreSQL (skipped, saying
    why, only when no PostgreSQL server can start)."""
    return any_retriever


@pytest.mark.parametrize(("question", "article"), GOLDEN)
def test_golden_question_names_its_article_first(retriever, question: str, article: str) -> None:
    hits = retriever.search(question, k=3)
    assert hits[0].article.id == article, [h.article.title for h in hits]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_hits_carry_exact_offsets_and_metadata(retriever, mode: str) -> None:
    hits = retriever.search("Huawei cooperation in Jilin", k=5, mode=mode)
    assert hits.mode == mode and 0 < len(hits) <= 5
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    for hit in hits:
        body = retriever.get_article(hit.article.id).body
        assert body[hit.start : hit.end] == hit.text
    assert hits[0].article.date == dt.date(2022, 5, 29)


def test_names_and_numbers_are_found_even_when_dense_misses(retriever) -> None:
    for query, article in (("4266", CEC), ("Xu Zhijun", HUAWEI), ("Cui Zhigang", WANG_JI)):
        assert retriever.search(query, k=1)[0].article.id == article


def test_top_k_are_distinct_evidence(retriever) -> None:
    hits = retriever.search("Jing Junhai", k=10)
    assert len({h.chunk_id for h in hits}) == len(hits)


def test_date_filters_include_and_exclude_exactly(retriever) -> None:
    day = retriever.search("Jing Junhai talks", k=10, since="2022-05-29", until="2022-05-29")
    assert {h.article.id for h in day} == {HUAWEI}
    after = retriever.search("Jing Junhai talks", k=10, since="2022-05-30")
    assert HUAWEI not in {h.article.id for h in after}
    assert all(h.article.date and h.article.date >= dt.date(2022, 5, 30) for h in after)
    before = retriever.search("Jing Junhai talks", k=10, until="2022-05-28")
    assert {h.article.id for h in before} == {ELECTRONIC}
    year = retriever.search("cooperation", k=10, since="2023", until="2023")
    assert {h.article.id for h in year} == {AUTO}
    assert CEC not in {h.article.id for h in retriever.search("Nanjing", k=10, since="2000")}


def test_a_period_named_in_the_question_weighs_and_drops_nothing(retriever) -> None:
    hits = retriever.search("What did Jing Junhai do in 2023?", k=10)
    assert hits.window is not None and hits.window.phrase == "in 2023"
    assert (hits.window.since, hits.window.until) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert hits.dates is None  # nothing was filtered
    assert hits[0].article.id == AUTO  # dated 2023-07-24
    assert len({h.article.id for h in hits}) > 1  # the other years are still there
    last_june = retriever.search(
        "Who visited the high-tech zone last June?", k=5, as_of="2024-06-20"
    )
    assert last_june.window is not None and last_june.window.relative
    assert (last_june.window.since, last_june.window.until) == (
        dt.date(2024, 6, 1),
        dt.date(2024, 6, 30),
    )
    assert last_june[0].article.id == WANG_JI
    plain = retriever.search("What did Jing Junhai do in 2023?", k=10, interpret_dates=False)
    assert plain.window is None and plain.dates is None


def test_a_year_named_in_the_question_lifts_the_articles_of_that_year(retriever) -> None:
    question = "Jing Junhai cooperation talks 2023"  # a bare year: read as a prior, no filter
    hits = retriever.search(question, k=5, per_article=0)  # every passage in score order
    assert hits.dates is None
    assert hits[0].article.id == AUTO  # dated 2023-07-24
    assert [h.article.id for h in hits].count(AUTO) > [h.article.id for h in hits].count(HUAWEI)
    flat = retriever.search(question, k=5, date_prior=0.0)
    assert flat[0].article.id == HUAWEI  # dated 2022-05-29: the words alone favour it


def test_a_question_naming_a_year_still_finds_an_undated_article(retriever) -> None:
    question = "How many strategic cooperations has Nanjing had with CEC since 2005?"
    hits = retriever.search(question, k=5)
    assert hits[0].article.id == CEC and hits[0].article.date is None
    assert hits.window is not None and hits.window.phrase == "since 2005"
    reply = answer(question, retriever)
    assert not reply.abstained and reply.citations[0].article_id == CEC


def test_as_of_leaves_out_later_articles_and_keeps_undated_ones(retriever) -> None:
    every = {h.article.id for h in retriever.search("Jing Junhai Nanjing CEC talks", k=20)}
    assert {HUAWEI, AUTO, CEC} <= every
    hits = retriever.search("Jing Junhai Nanjing CEC talks", k=20, as_of="2022-12-31")
    kept = {h.article.id for h in hits}
    assert AUTO not in kept and WANG_JI not in kept  # dated 2023-07-24 and 2024-06-05
    assert {HUAWEI, CEC} <= kept  # 2022-05-29, and undated
    assert all(h.article.date is None or h.article.date <= dt.date(2022, 12, 31) for h in hits)
    assert hits.dates is not None and hits.dates.until == dt.date(2022, 12, 31)
    assert "as of 2022-12-31" in hits.dates.description
    for mode in ("dense", "lexical"):
        only = retriever.search("automobile innovation conference", k=10, mode=mode, as_of="2023")
        assert WANG_JI not in {h.article.id for h in only}  # 2024, after the end of 2023


def test_this_week_lifts_the_articles_of_the_week_before_the_as_of_date(retriever) -> None:
    question = "What did Jing Junhai do this week?"
    week = retriever.search(question, k=5, as_of="2022-06-02")
    assert week.window is not None and week.window.phrase == "this week"
    assert (week.window.since, week.window.until) == (dt.date(2022, 5, 27), dt.date(2022, 6, 2))
    assert week[0].article.id == HUAWEI  # dated 2022-05-29, inside that week
    later = retriever.search(question, k=5, as_of="2023-07-27")
    assert later[0].article.id == AUTO  # dated 2023-07-24
    assert HUAWEI in {h.article.id for h in later}  # weighed down, not dropped


def test_deleted_article_is_gone_from_dense_and_lexical(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    index = tmp_path / "idx"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert (
        load_retriever(index, embedder=embedder).search("Xu Zhijun Huawei", k=1)[0].article.id
        == HUAWEI
    )
    (seeds_copy / f"{HUAWEI}.txt").unlink()
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    retriever = load_retriever(index, embedder=embedder)
    for mode in ("dense", "lexical", "hybrid"):
        hits = retriever.search("Xu Zhijun rotating chairman of Huawei", k=20, mode=mode)
        assert HUAWEI not in {h.article.id for h in hits}, mode
    with pytest.raises(InvalidArgumentError):
        retriever.get_article(HUAWEI)


def test_bad_arguments_name_the_valid_choices(retriever) -> None:
    with pytest.raises(InvalidArgumentError, match="hybrid, dense, lexical"):
        retriever.search("x", mode="fuzzy")
    with pytest.raises(InvalidArgumentError, match="positive"):
        retriever.search("x", k=0)
    with pytest.raises(InvalidArgumentError, match="YYYY"):
        retriever.search("x", since="last tuesday")
    with pytest.raises(InvalidArgumentError, match="after"):
        retriever.search("x", since="2024", until="2023")
    with pytest.raises(InvalidArgumentError, match="empty"):
        retriever.search("   ")


def test_loading_refuses_missing_index_and_other_model(tmp_path: Path, seeds_index, embedder):
    with pytest.raises(IndexNotFoundError, match="qa index"):
        load_retriever(tmp_path / "nothing")
    from qa.index.embedding import Embedder

    other = Embedder("someone/other-model", embedder.model)
    with pytest.raises(IndexMismatchError, match="qa index --full"):
        load_retriever(seeds_index, embedder=other)


def test_an_index_with_an_old_lexical_recipe_is_refused_until_synced(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    from qa.index import store

    index = tmp_path / "idx"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    gen = store.require_generation(index)
    manifest = store.read_manifest(gen)
    store.write_manifest(gen, {**manifest, "lexical_recipe": "title+chunk-v1"})
    with pytest.raises(
        IndexMismatchError, match=r"qa index --seeds .*nothing is re-embedded"
    ) as caught:
        load_retriever(index, embedder=embedder)
    assert "--full" not in str(caught.value)
    report = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert not report.touched  # the articles did not change: BM25 is rewritten, nothing embedded
    assert load_retriever(index, embedder=embedder).search("Xu Zhijun", k=1)[0].article.id == HUAWEI


def test_round_trip_same_results(seeds_index: Path, retriever, embedder) -> None:
    again = load_retriever(seeds_index, embedder=embedder)
    for query in ("Huawei", "automobile conference", "Nanjing"):
        first = [(h.chunk_id, round(h.score, 5)) for h in retriever.search(query, k=5)]
        second = [(h.chunk_id, round(h.score, 5)) for h in again.search(query, 5)]
        assert first == second


def test_dense_side_on_a_worker_thread_gives_the_same_hits(
    seeds_index: Path, folder_retriever, embedder
) -> None:
    serial = load_retriever(seeds_index, embedder=embedder)
    serial.overlap_sides = False
    assert folder_retriever.overlap_sides  # the folder store overlaps the two sides
    for question, _ in GOLDEN:
        hits = folder_retriever.search(question, k=5)
        overlapped = [(h.chunk_id, round(h.score, 5)) for h in hits]
        assert overlapped == [(h.chunk_id, round(h.score, 5)) for h in serial.search(question, 5)]
    serial.close()


def test_background_is_the_mean_similarity_to_every_chunk(folder_retriever, embedder) -> None:
    retriever = folder_retriever
    vectors = np.stack([retriever.dense.reconstruct(int(i)) for i in retriever.ids])
    question = embedder.encode(["Who held talks with Xu Zhijun?"], show_progress=False)[0]
    expected = float(np.mean(vectors @ question))
    assert retriever.background(question) == pytest.approx(expected, abs=1e-5)
    best = float(np.max(vectors @ question))
    assert 0.0 < expected < best  # an average chunk is less alike than the matching one


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True)


def test_search_cli_json_and_text(seeds_index: Path) -> None:
    out = _cli(
        "search",
        "Who met Huawei's rotating chairman?",
        "-k",
        "2",
        "--json",
        "--index",
        str(seeds_index),
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["rank"] for r in rows] == [1, 2]
    assert set(rows[0]) == {"rank", "score", "article_id", "title", "date", "text", "start", "end"}
    assert rows[0]["article_id"] == HUAWEI and rows[0]["date"] == "2022-05-29"
    text = _cli("search", "Xu Zhijun", "-k", "1", "--index", str(seeds_index))
    assert "**Xu**" in text.stdout and "2022-05-29" in text.stdout
    bad = _cli("search", "x", "--since", "yesterday", "--index", str(seeds_index))
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
    args = ("search", "Jing Junhai Jilin cooperation", "-k", "6", "--json", "--index")
    for n, most in (("1", 1), ("0", 6)):
        out = _cli(*args, str(seeds_index), "--per-article", n)
        ids = [json.loads(line)["article_id"] for line in out.stdout.splitlines()]
        assert out.returncode == 0 and len(ids) == 6, out.stderr
        # the seeds are five articles: one passage of each before a second of any, or in
        # score order four of the best article's passages first
        assert len(set(ids[:5])) == (5 if most == 1 else 2)
    bad = _cli("search", "x", "--per-article", "-1", "--index", str(seeds_index))
    assert bad.returncode == 2 and "per_article" in bad.stderr


def test_eval_cli_on_tiny_beir_matches_hand_computed_metrics(tmp_path: Path) -> None:
    """3 queries have qrels (q4 has none, q5 only a 0 grade).

    q1: relevant d1 (grade 2) and d5 (grade 1); both retrieved at ranks 1 and 2 ->
        R@1 = 1/2, R@5 = 1, RR = 1, nDCG@10 = (2 + 1/log2 3) / (2 + 1/log2 3) = 1.
    q2, q3: their single relevant doc at rank 1 -> every metric 1.
    Means: R@1 = (0.5 + 1 + 1) / 3 = 0.8333, R@5 = R@10 = 1, MRR@10 = 1, nDCG@10 = 1.
    answer@5: the top-5 passages hold "Jilin", "July 23" + "Changchun", "15 million" -> 1.
    """
    out = _cli(
        "eval", str(TINY_BEIR), "--mode", "lexical", "--json", "-q", "--work", str(tmp_path / "idx")
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[0])
    assert report["n_queries"] == 3
    assert report["recall@1"] == pytest.approx(0.8333, abs=1e-3)
    assert report["recall@5"] == pytest.approx(1.0)
    assert report["mrr@10"] == pytest.approx(1.0)
    assert report["ndcg@10"] == pytest.approx(1.0)
    assert report["answer@5"] == pytest.approx(1.0)


def test_eval_cli_offset_and_limit_select_a_slice_of_the_queries(tmp_path: Path) -> None:
    """--offset 1 --limit 1 keeps q2 alone (the second query with qrels): every metric 1.

    q1 alone would give R@1 = 1/2 (see above), so the slice is not the first query.
    """
    work = str(tmp_path / "idx")
    out = _cli(
        "eval",
        str(TINY_BEIR),
        "--mode",
        "lexical",
        "--json",
        "-q",
        "--work",
        work,
        "--offset",
        "1",
        "--limit",
        "1",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[0])
    assert report["n_queries"] == 1
    assert report["recall@1"] == pytest.approx(1.0)
    rest = _cli(
        "eval", str(TINY_BEIR), "--mode", "lexical", "--json", "-q", "--work", work, "--offset", "1"
    )
    assert json.loads(rest.stdout.splitlines()[0])["n_queries"] == 2
    past = _cli("eval", str(TINY_BEIR), "--mode", "lexical", "-q", "--work", work, "--offset", "3")
    assert past.returncode == 2
    assert past.stderr.startswith("error:") and "skips all 3 queries" in past.stderr


def test_eval_cli_asks_each_question_as_of_its_own_date(tmp_path: Path) -> None:
    """tiny_news_beir: three reports of a cup final with different winners, asked "this week".

    w1, asked 2023-01-05: n3 (2023-01-10) is left out; n1 (2023-01-04, inside the week) and
        n2 (2022-01-04) match the same words, and the recency prior puts n1 first.
    w2: "since 2005" is read softly: the undated n4 that answers it still ranks first.
    w3, the same words asked 2023-01-12: n3 (2023-01-10) is inside that week and first.
    Every relevant document is at rank 1 -> R@1 = MRR@10 = nDCG@10 = 1, answer@5 = 1.
    Asked as of today instead, w1 and w3 get one ranking and cannot both find theirs first.
    """
    work = str(tmp_path / "idx")
    out = _cli("eval", str(TINY_NEWS), "--mode", "lexical", "--json", "-q", "--work", work)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.splitlines()[0])
    assert report["question_dates"] == 3 and report["n_queries"] == 3
    for metric in ("recall@1", "mrr@10", "ndcg@10", "answer@5"):
        assert report[metric] == pytest.approx(1.0), metric
    today = _cli(
        "eval", str(TINY_NEWS), "--mode", "lexical", "--json", "-q", "--work", work,
        "--no-question-dates",
    )  # fmt: skip
    undated = json.loads(today.stdout.splitlines()[0])
    assert undated["question_dates"] == 0
    assert undated["recall@10"] == pytest.approx(1.0)
    assert undated["recall@1"] < 1.0
    text = _cli("eval", str(TINY_NEWS), "--mode", "lexical", "-q", "--work", work)
    assert "as of their own dates: 3 of 3 questions" in text.stdout


def test_an_article_s_passages_past_two_go_after_the_other_articles(retriever) -> None:
    question = "Jing Junhai Jilin cooperation"
    crowded = [h.article.id for h in retriever.search(question, k=12)]
    plain = [h.article.id for h in retriever.search(question, k=12, per_article=0)]
    articles, before = list(dict.fromkeys(crowded)), list(dict.fromkeys(plain))
    assert len(articles) > len(before)  # more articles in as many passages
    assert articles[: len(before)] == before  # ranked alike, by their best passages
    first = crowded[: len(set(crowded)) * 2]
    assert all(first.count(a) <= 2 for a in first)
    seen: dict[str, int] = {}
    for at, a in enumerate(crowded):  # once a third passage comes, every article has shown
        seen[a] = seen.get(a, 0) + 1
        if seen[a] == 3:
            assert set(crowded[:at]) == set(crowded)
    for bad in (-1, 1.5, True):
        with pytest.raises(InvalidArgumentError, match="per_article"):
            retriever.search(question, k=3, per_article=bad)
