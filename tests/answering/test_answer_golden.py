"""Answers on the real seeds with the real model: golden questions, follow-ups, disagreement
over time, abstention, and the citation invariant on many generated questions.

The seeds index and the model are built and loaded once per session (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
from dataclasses import replace
from pathlib import Path

import pytest
from fakes import FakeRetriever, article, whole_hit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.answering.answerer import NOT_IN_ARCHIVE, answer
from qa.answering.citations import answer_sentences, contract_violations
from qa.answering.render import answer_to_dict, format_answer
from qa.answering.sentence_select import Documents, describe, gather, rank
from qa.config import AnswerConfig
from qa.models import Answer, Article
from qa.search.question import read_question, with_local_idf

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

TALKS, MEETING, CONFERENCE, SIGNING, VISIT = "000_", "001_", "002_", "003_", "004_"

# (question, the article that must be cited, words the answer must contain)
GOLDEN = [
    ("Who held talks with Xu Zhijun?", TALKS, ["Jing Junhai", "Han Jun"]),
    ("Where were the talks with Xu Zhijun held?", TALKS, ["Changchun"]),
    ("When did Jing Junhai and Han Jun hold talks with Xu Zhijun?", TALKS, ["February 17"]),
    ("Who is the rotating chairman of Huawei?", TALKS, ["Xu Zhijun"]),
    ("Who attended the talks with Huawei?", TALKS, ["Hu Jiafu"]),
    (
        "When did Jing Junhai preside over the special meeting on the electronic information "
        "industry?",
        MEETING,
        ["June 28"],
    ),
    (
        "Who presided over the special meeting on the electronic information industry?",
        MEETING,
        ["Jing Junhai"],
    ),
    ("Where did the 2023 China Automotive Innovation Conference open?", CONFERENCE, ["Changchun"]),
    ("When did the 2023 China Automotive Innovation Conference open?", CONFERENCE, ["July 23"]),
    (
        "Who presided over the opening ceremony of the automotive innovation conference?",
        CONFERENCE,
        ["Li Guoqiang"],
    ),
    ("Who signed a strategic cooperation agreement with CEC?", SIGNING, ["Nanjing"]),
    (
        "Where was the strategic cooperation agreement between Nanjing and CEC signed?",
        SIGNING,
        ["Beijing"],
    ),
    (
        "When did Nanjing sign the agreement with China Electronics Technology Group Corporation?",
        SIGNING,
        ["July 14"],
    ),
    ("Who is the chairman of CEC?", SIGNING, ["Wang Haibo"]),
    # ("since 2005" would be read as a date filter, and this article is undated)
    ("How many strategic cooperations have Nanjing and CEC had?", SIGNING, ["5th"]),
    ("Who presided over the signing event for CEC?", SIGNING, ["Li Shouwu"]),
    ("Which high-tech zone did Mayor Wang Ji visit?", VISIT, ["Jilin High-tech Zone"]),
    ("When did Mayor Wang Ji visit Jilin High-tech Zone?", VISIT, ["June 3"]),
    (
        "How many new energy automobile tires does the project produce each year?",
        VISIT,
        ["15 million"],
    ),
    ("Who accompanied Mayor Wang Ji on the investigation?", VISIT, ["Cui Zhigang"]),
]

NOT_IN_SEEDS = [
    "What is the population of Brazil?",
    "Who won the 2018 World Cup?",
    "What is the capital of France?",
    "How many goals did Messi score in 2012?",
    "When did the Apollo 11 mission land on the Moon?",
]


@pytest.fixture(scope="session")
def retriever(any_retriever):
    """These golden tests run on each store: the folder, then PostgreSQL (skipped, saying
    why, only when no PostgreSQL server can start)."""
    return any_retriever


def check_contract(reply: Answer, retriever) -> None:  # type: ignore[no-untyped-def]
    """Every [n] exists; its excerpt is body[start:end] and contains the sentence verbatim;
    citations are numbered 1..N in order of first use (see qa.answering.citations)."""
    assert contract_violations(reply, retriever) == [], reply
    assert all(sentence for sentence, _ in answer_sentences(reply.text))


def test_a_sentence_that_leaves_its_subject_to_the_one_before_can_win(embedder) -> None:
    """Read with the heading before it, the sentence that names the winner answers; alone,
    it loses to the heading, which only repeats the question."""
    awards = article(
        "a",
        "2023 Jilin Provincial Science and Technology Awards. The top prize went to Zhang Wei "
        "of Jilin University for his work on corn breeding. The ceremony was held in Changchun.",
    )
    history = article(
        "b",
        "Jilin has held the science and technology awards every year since 1999. Li Hong, a "
        "chemist, won the award in 2019.",
    )
    hits = [(awards, 0.9), (history, 1.0)]
    question = "Who won the 2023 Jilin science and technology award?"
    config = AnswerConfig()
    read = _best_sentence(embedder, hits, question, replace(config, window_chars=300))
    assert read.startswith("The top prize went to Zhang Wei")
    alone = _best_sentence(embedder, hits, question, replace(config, window_chars=0))
    assert alone.startswith("2023 Jilin Provincial")


def test_a_value_after_its_label_is_read_with_the_heading_further_back(embedder) -> None:
    """In a notice of labelled fields the dates name no event; the event's name is three short
    sentences back. Read that far back, the dates answer; with only the label before them
    ("Dates."), a history sentence that repeats the question's words wins."""
    notice = article(
        "a",
        "Notice. 2024 Changchun International Auto Expo. Venue. Changchun International "
        "Exhibition Center. Dates. July 12 to 20, 2024. Tickets are sold online.",
    )
    history = article(
        "b",
        "The Changchun Auto Expo has been held every summer since 2004 and drew 800,000 "
        "visitors in 2023.",
    )
    hits = [(notice, 1.0), (history, 0.9)]
    question = "When is the 2024 Changchun Auto Expo held?"
    config = AnswerConfig()
    assert _best_sentence(embedder, hits, question, config) == "July 12 to 20, 2024."
    near = _best_sentence(embedder, hits, question, replace(config, before_chars=0))
    assert near.startswith("The Changchun Auto Expo has been held")


def _best_sentence(  # type: ignore[no-untyped-def]
    embedder, scored: list[tuple[Article, float]], question: str, config: AnswerConfig
) -> str:
    """The best candidate sentence for ``question`` when each article is retrieved whole with
    its score, ranked as ``config`` says."""
    docs = Documents(FakeRetriever(*(a for a, _ in scored)))
    hits = [whole_hit(a, score) for a, score in scored]
    candidates = gather(hits, docs, config.before_chars)
    info = with_local_idf(read_question(question), [c.text for c in candidates])
    ranked = rank(
        [describe(c, info) for c in candidates],
        info,
        lambda texts: embedder.encode(texts, show_progress=False),
        weights=config.weights,
        shortlist=config.shortlist,
        dense_chars=config.dense_chars,
        window_chars=config.window_chars,
    )
    return ranked[0].text


@pytest.mark.parametrize("question, article, words", GOLDEN)
def test_golden_question(retriever, question: str, article: str, words: list[str]) -> None:
    reply = answer(question, retriever)
    assert not reply.abstained, reply.text
    assert any(c.article_id.startswith(article) for c in reply.citations)
    for word in words:
        assert word in reply.text, reply.text
    check_contract(reply, retriever)


@pytest.mark.parametrize("question", NOT_IN_SEEDS)
def test_questions_the_seeds_cannot_answer_abstain(retriever, question: str) -> None:
    reply = answer(question, retriever)
    assert reply.abstained, reply.text
    assert reply.text == NOT_IN_ARCHIVE and reply.citations == ()
    assert reply.related  # the closest passages are still offered


def test_follow_up_pair(retriever) -> None:
    first = answer("Who held talks with Xu Zhijun?", retriever)
    second = answer("Where were the talks held?", retriever, history=[first])
    assert "Xu Zhijun" in second.query and second.query.startswith("Where were the talks held?")
    assert not second.abstained and "Changchun" in second.text
    assert second.citations[0].article_id.startswith(TALKS)
    check_contract(second, retriever)
    third = answer("Who else attended?", retriever, history=[first, second])
    assert not third.abstained and "Hu Jiafu" in third.text, third.text


def test_answer_that_changed_over_time(retriever) -> None:
    reply = answer("Who is the governor of Jilin?", retriever)
    cited = [(c.date.isoformat() if c.date else None) for c in reply.citations]
    assert cited == sorted(cited) and {"2020-06-29", "2022-05-29", "2023-07-24"} <= set(cited)
    for name in ("Jing Junhai", "Han Jun", "Hu Yuting"):
        assert name in reply.text
    (note,) = reply.notes
    assert note.startswith("The sources differ over time:")
    assert re.search(r"Jing Junhai \(2020-06-29\) \[\d\]", note)
    assert re.search(r"Han Jun \(2022-05-29\) \[\d\]", note)
    assert re.search(r"Hu Yuting \(2023-07-24\) \[\d\]", note)
    check_contract(reply, retriever)


def test_a_question_that_names_its_year_is_not_a_disagreement(retriever) -> None:
    # No filter: the year only weighs the articles, and it chooses the time by itself.
    reply = answer("Who was governor of Jilin province in 2023?", retriever, interpret_dates=False)
    assert not reply.abstained and not reply.notes
    assert reply.citations[0].date == dt.date(2023, 7, 24)
    check_contract(reply, retriever)


def test_date_filter_keeps_one_side_of_the_disagreement(retriever) -> None:
    reply = answer("Who is the governor of Jilin?", retriever, since="2023-01-01")
    assert not reply.notes and "Hu Yuting" in reply.text
    assert all(c.date and c.date.year >= 2023 for c in reply.citations)


def test_json_and_terminal_rendering_of_a_real_answer(retriever) -> None:
    reply = answer("Where was the strategic cooperation agreement signed?", retriever)
    record = json.loads(json.dumps(answer_to_dict(reply)))
    assert record["answer"] == reply.text and record["citations"][0]["n"] == 1
    assert "\033[" not in format_answer(reply, color=False)
    assert "Beijing" in format_answer(reply, color=False)


def _vocabulary() -> list[str]:
    words = set()
    for path in sorted(SEEDS.glob("*.txt")):
        words |= set(re.findall(r"[A-Za-z][a-z]{2,}", path.read_text(encoding="utf-8")))
    return sorted(words)


VOCABULARY = _vocabulary()
WH = ["", "Who", "What", "When", "Where", "How many", "Why", "Which"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    wh=st.sampled_from(WH),
    words=st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=7),
    mark=st.sampled_from(["?", "", "."]),
    k=st.integers(1, 10),
)
def test_citation_invariant_holds_for_any_question(retriever, wh, words, mark, k) -> None:
    question = " ".join([wh, *words]).strip() + mark
    reply = answer(question, retriever, k=k)
    if reply.abstained:
        assert reply.citations == () and reply.text == NOT_IN_ARCHIVE
    else:
        assert reply.citations and not set(reply.text) <= set(string.whitespace)
        check_contract(reply, retriever)


# Pieces that have tripped text handling: numbers with points and commas ("$5.11" was once
# read as a year and raised), years at the edges, Chinese numerals and periods, date phrases,
# quotes, dashes and line breaks.
AWKWARD = [
    "$5.11",
    "1,20",
    "3.5%",
    "12,345,678",
    "1.2.3",
    "0",
    "1900",
    "2100",
    "9999",
    "4266",
    "Q1",
    "last June",
    "in February 2022",
    "May 15, 2012",
    "二〇二三年",
    "第二十四届",
    "上半年",
    "去年",
    '"six new industries"',
    "“Jilin”",
    "Xu Zhijun",
    "—",
    "...",
    "\n",
    "?",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(
        st.one_of(st.sampled_from(AWKWARD), st.sampled_from(VOCABULARY), st.text(max_size=6)),
        min_size=1,
        max_size=6,
    )
)
def test_any_text_is_searched_and_answered_without_error(retriever, pieces) -> None:
    question = " ".join(pieces)
    if not question.strip():
        return
    retriever.search(question, k=5)
    reply = answer(question, retriever)
    if not reply.abstained:
        check_contract(reply, retriever)


def test_an_answer_reads_passages_in_score_order_without_the_article_lift(
    retriever, monkeypatch
) -> None:
    """Crowding and the article lift rank articles for a result list; an answer reads the
    passages that state the most (``PASSAGE_ORDER``), and the lift would change them."""
    asked: list[dict[str, object]] = []
    search = retriever.search

    def recording(query: str, k: int = 5, **options: object):
        asked.append(options)
        return search(query, k, **options)

    monkeypatch.setattr(retriever, "search", recording)
    question = "Which companies reported at the automobile innovation conference?"
    reply = answer(question, retriever)
    assert asked and asked[0]["per_article"] == 0 and asked[0]["article_lift"] == 0.0
    lifted = search(question, 20, per_article=0, article_lift=0.9)
    plain = search(question, 20, per_article=0, article_lift=0.0)
    assert [h.chunk_id for h in lifted] != [h.chunk_id for h in plain]
    assert not reply.abstained
