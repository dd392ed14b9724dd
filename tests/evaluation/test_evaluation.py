"""BEIR loading, retrieval metrics and answer matching, checked against numbers worked by hand."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
from pathlib import Path

import pytest

from qa.errors import EvalDataError, InvalidArgumentError
from qa.evaluation.beir import BeirDoc, BeirQuery, BeirSet
from qa.evaluation.metrics import (
    answer_found,
    corpus_articles,
    evaluate_answers,
    evaluate_retrieval,
    format_table,
    load_beir,
    load_queries_jsonl,
    mrr_at_k,
    ndcg_at_k,
    recall_at_k,
)
from qa.models import Answer, Citation

TINY = Path(__file__).parents[1] / "data" / "tiny_beir"
LOG2_3 = math.log2(3)  # 1.5849625...


# ----------------------------------------------------------------------------- metrics
RANKED = ["d3", "d1", "d3", "d5", "d2"]  # unique order: d3, d1, d5, d2
GRADED = {"d1": 2, "d5": 1, "d9": 0}


def test_recall() -> None:
    assert recall_at_k(RANKED, GRADED, 1) == 0.0  # d3 is not relevant
    assert recall_at_k(RANKED, GRADED, 2) == 0.5  # d1 of {d1, d5}
    assert recall_at_k(RANKED, GRADED, 3) == 1.0  # the repeated d3 does not take a rank
    assert recall_at_k(RANKED, {"d9": 0}, 10) == 0.0  # nothing relevant


def test_mrr() -> None:
    assert mrr_at_k(RANKED, GRADED, 1) == 0.0
    assert mrr_at_k(RANKED, GRADED, 10) == 0.5  # d1 at rank 2
    assert mrr_at_k([], GRADED, 10) == 0.0


def test_ndcg_graded_linear_gain() -> None:
    # DCG@10 = 0/log2(2) + 2/log2(3) + 1/log2(4) = 1.26186 + 0.5 = 1.76186
    # IDCG@10 = 2/log2(2) + 1/log2(3) = 2 + 0.63093 = 2.63093  -> 0.66967
    assert ndcg_at_k(RANKED, GRADED, 10) == pytest.approx(0.66967, abs=1e-5)
    # at 2: DCG = 2/log2(3) = 1.26186, IDCG@2 = 2.63093 -> 0.47962
    assert ndcg_at_k(RANKED, GRADED, 2) == pytest.approx(0.47962, abs=1e-5)
    assert ndcg_at_k(["d1", "d5"], GRADED, 10) == pytest.approx(1.0)
    # the less relevant first: (1 + 2/log2(3)) / 2.63093 = 0.85972
    assert ndcg_at_k(["d5", "d1"], GRADED, 10) == pytest.approx(0.85972, abs=1e-5)
    assert ndcg_at_k(["d3"], GRADED, 10) == 0.0
    assert ndcg_at_k(["d1"], {}, 10) == 0.0


# ----------------------------------------------------------------------------- answers
def test_answer_found_groups_and_alternatives() -> None:
    groups = (("July 23", "23 July"), ("Changchun",))
    assert answer_found(["opened in CHANGCHUN on\n  july   23."], groups) is True
    assert answer_found(["On 23 July", "in Changchun"], groups) is True  # groups may split
    assert answer_found(["opened on July 23 in Jilin"], groups) is False  # Changchun missing
    assert answer_found([], groups) is False
    assert answer_found(["anything"], ()) is None
    assert answer_found(["anything"], (("  ",),)) is None  # blank answers count as none


# ----------------------------------------------------------------------------- loading
def test_load_tiny_beir() -> None:
    beir = load_beir(TINY)
    assert beir.name == "tiny_beir"
    assert sorted(beir.corpus) == ["d1", "d2", "d3", "d4", "d5"]
    assert beir.corpus["d5"].title == "" and beir.corpus["d5"].metadata == {}
    # q4 has no qrels and q5 only a zero grade: both are left out
    assert [q.id for q in beir.queries] == ["q1", "q2", "q3"]
    assert beir.qrels == {"q1": {"d1": 2, "d5": 1}, "q2": {"d2": 1}, "q3": {"d3": 1}}
    answers = {q.id: q.answers for q in beir.queries}
    assert answers["q1"] == (("Jilin leaders", "Jilin"),)  # a list: alternatives
    assert answers["q2"] == (("July 23", "23 July"), ("Changchun",))  # list of lists
    assert answers["q3"] == (("15 million",),)  # a plain string


def test_load_queries_jsonl_keeps_all() -> None:
    queries = load_queries_jsonl(TINY / "queries.jsonl")
    assert [q.id for q in queries] == ["q1", "q2", "q3", "q4", "q5"]
    assert queries[4].answers == ()


def test_corpus_articles() -> None:
    articles = {a.id: a for a in corpus_articles(load_beir(TINY))}
    d1 = articles["d1"]
    assert (d1.title, d1.path, d1.source) == ("Huawei talks in Changchun", "beir:d1", None)
    assert d1.body.startswith("On February 17")
    expected = hashlib.sha256(f"dateline-v2\n{d1.title}\n\n{d1.body}".encode()).hexdigest()
    assert d1.content_hash == expected
    assert d1.date == dt.date(2022, 5, 29)
    assert articles["d2"].date == dt.date(2024, 6, 5)  # "2024-06-05 07:33"
    assert articles["d4"].date is None  # "not a date"
    assert articles["d5"].date is None
    news = BeirSet("n", {"x": BeirDoc("x", "", "t", {"publish_date": "2023/01/05"})}, (), {})
    assert corpus_articles(news)[0].date == dt.date(2023, 1, 5)  # realtimeqa's slashes


def test_corpus_articles_read_the_date_a_text_opens_with() -> None:
    docs = {
        "en": BeirDoc("en", "", "Oct 23, 2019 ... Tesla posted $6.3 billion in revenue."),
        "zh": BeirDoc("zh", "", "2023年1月20日，吉林省统计局召开新闻发布会。"),
        "meta": BeirDoc("meta", "", "Oct 23, 2019 ... x", {"date": "2020-01-02"}),
        "inside": BeirDoc("inside", "", "Tesla said on Oct 23, 2019 that revenue rose."),
        "event": BeirDoc("event", "", "2012年伦敦奥运会女子10米跳台决赛，陈若琳卫冕。"),
        "month": BeirDoc("month", "", "May 2012 ... Diablo 3 is out."),
    }
    articles = {a.id: a for a in corpus_articles(BeirSet("s", docs, (), {}))}
    assert articles["en"].date == dt.date(2019, 10, 23)
    assert articles["en"].body == docs["en"].text  # the text is kept whole
    assert articles["zh"].date == dt.date(2023, 1, 20)
    assert articles["meta"].date == dt.date(2020, 1, 2)  # metadata comes first
    assert articles["inside"].date is None  # a date inside the text is not the article's
    assert articles["event"].date is None  # a year alone is not a dateline
    assert articles["month"].date is None


def _copy_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    shutil.copytree(TINY, folder)
    return folder


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    with (folder / "corpus.jsonl").open("a") as f:
        f.write('{"_id": "d6", "text": \n')
    with pytest.raises(EvalDataError, match=r"corpus\.jsonl:6: not valid JSON"):
        load_beir(folder)


def test_missing_field_names_file_and_line(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "queries.jsonl").write_text('{"_id": "q1"}\n')
    with pytest.raises(EvalDataError, match=r"queries\.jsonl:1: field 'text'"):
        load_beir(folder)


def test_bad_qrels_and_missing_files(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n")
    with pytest.raises(EvalDataError, match=r"test\.tsv:2: expected"):
        load_beir(folder)
    with pytest.raises(EvalDataError, match=r"dev\.tsv: missing"):
        load_beir(folder, split="dev")


# ----------------------------------------------------------------------------- evaluation
TEXT = {
    "d1": "On February 17, Jilin leaders held talks with Huawei in Changchun.",
    "d2": "The 2023 China Automotive Innovation Conference opened in Changchun on July 23.",
    "d4": "Farmers in Jilin harvested rice early this autumn.",
    "d5": "FAW and Huawei signed a strategic cooperation agreement.",
}
RESULTS = {  # question -> ranked passages, several per document possible
    "Who held talks with Huawei in Changchun?": ["d5", "d1", "d5"],
    "When and where did the automotive conference open?": ["d1", "d2"],
    "How many tires were exported?": ["d4"],
}


ASKED: list[int] = []


def fake_search(query: BeirQuery, n: int) -> list[tuple[str, str]]:
    ASKED.append(n)
    return [(doc, TEXT[doc]) for doc in RESULTS[query.text]][:n]


def test_evaluate_retrieval_by_hand() -> None:
    report = evaluate_retrieval(load_beir(TINY), fake_search, k=10, progress=False)
    # q1: d5, d1 -> R@1 1/2, R@5 1, RR 1, nDCG (1 + 2/log2 3) / (2 + 1/log2 3) = 0.85972
    # q2: d1, d2 -> R@1 0, R@5 1, RR 1/2, nDCG (1/log2 3) / 1 = 0.63093
    # q3: d4     -> all 0; no passage says "15 million"
    assert report.n_queries == 3
    assert report.recall == pytest.approx({1: 1 / 6, 5: 2 / 3, 10: 2 / 3})
    assert report.mrr == pytest.approx(0.5)
    assert report.ndcg == pytest.approx((0.85972 + 1 / LOG2_3) / 3, abs=1e-5)
    assert report.answer_at_5 == pytest.approx(2 / 3)  # q1 and q2 (both groups), not q3
    assert report.n_with_answers == 3
    assert [r.ranked for r in report.per_query] == [("d5", "d1"), ("d1", "d2"), ("d4",)]
    flat = report.to_dict()
    assert flat["recall@5"] == pytest.approx(2 / 3) and "per_query" not in flat
    assert len(report.to_dict(per_query=True)["per_query"]) == 3  # type: ignore[arg-type]


def test_documents_are_scored_from_four_passages_each() -> None:
    ASKED.clear()
    evaluate_retrieval(load_beir(TINY), fake_search, k=10, progress=False)
    assert ASKED == [40, 40, 40]  # the first 10 distinct documents of 40 passages
    ASKED.clear()
    evaluate_retrieval(load_beir(TINY), fake_search, k=1, progress=False)
    assert ASKED == [5, 5, 5]  # never fewer than answer@5 needs


def test_a_query_knows_the_day_it_was_asked() -> None:
    assert BeirQuery("q", "x", metadata={"question_date": "2023/01/05"}).date == dt.date(2023, 1, 5)
    assert BeirQuery("q", "x", metadata={"question_date": "2023-01-05"}).date == dt.date(2023, 1, 5)
    assert BeirQuery("q", "x", metadata={"question_date": "soon"}).date is None
    assert BeirQuery("q", "x").date is None


def test_evaluate_retrieval_rejects_bad_k() -> None:
    with pytest.raises(InvalidArgumentError):
        evaluate_retrieval(load_beir(TINY), fake_search, k=0, progress=False)


def test_format_table() -> None:
    report = evaluate_retrieval(load_beir(TINY), fake_search, progress=False)
    table = format_table({"tiny/dense": report}).splitlines()
    assert table[0] == (
        "| run | queries | R@1 | R@5 | R@10 | MRR@10 | nDCG@10 | answer@5 | s/query |"
    )
    assert table[2].startswith("| tiny/dense | 3 | 0.167 | 0.667 | 0.667 | 0.500 | 0.497 | 0.667 |")
    assert format_table({}) == ""


def _answer(question: str, text: str, excerpt: str, abstained: bool = False) -> Answer:
    citation = Citation(1, "d1", "t", None, None, excerpt, 0, len(excerpt), 0, len(excerpt), 1.0)
    return Answer(question, question, text, () if abstained else (citation,), abstained)


def test_evaluate_answers() -> None:
    queries = load_beir(TINY).queries
    replies = {
        "q1": _answer(queries[0].text, "Jilin leaders did [1].", "Jilin leaders held talks"),
        "q2": _answer(queries[1].text, "It opened on July 23 [1].", "opened in Changchun"),
        "q3": _answer(queries[2].text, "I could not find this.", "", abstained=True),
    }
    by_text = {q.text: replies[q.id] for q in queries}

    def ask(query: BeirQuery) -> Answer:
        return by_text[query.text]

    report = evaluate_answers(queries, ask, answerable=True, progress=False)
    assert (report.n, report.n_with_answers) == (3, 3)
    assert report.abstention_rate == pytest.approx(1 / 3)
    assert report.cited_answer_rate == pytest.approx(2 / 3)  # q2 needs its excerpt too
    assert report.text_answer_rate == pytest.approx(1 / 3)  # only q1's text has everything
    unanswerable = evaluate_answers(queries, ask, answerable=False, progress=False)
    assert unanswerable.cited_answer_rate is None and unanswerable.text_answer_rate is None
    assert unanswerable.to_dict()["abstention_rate"] == pytest.approx(1 / 3)
