"""Follow-up questions are read from the conversation; standalone questions are left alone."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.answering.followup import is_follow_up, last_answer, rewrite
from qa.models import Answer, Citation

TITLE = "Jing Junhai han Jun held talks with Xu Zhijun, rotating chairman of Huawei"


def previous(question: str, text: str = "", abstained: bool = False) -> Answer:
    citation = Citation(
        1, "000", TITLE, dt.date(2022, 5, 29), None, text, 0, len(text), 0, len(text), 1.0
    )
    return Answer(
        question=question,
        query=question,
        text=f"{text} [1]" if text else "The archive does not say.",
        citations=() if abstained else (citation,),
        abstained=abstained,
    )


TALKS = previous(
    "Who held talks with Xu Zhijun?",
    "Jing Junhai and Han Jun held talks with Xu Zhijun in Changchun.",
)


@pytest.mark.parametrize(
    "question",
    [
        "When was it signed?",
        "Who else attended?",
        "Where were the talks held?",
        "What did they agree?",
        "And Han Jun?",
        "What about 2023?",
        "Where?",
    ],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Who is the governor of Jilin?",
        "What is the population of Brazil?",
        "Where did Mayor Wang Ji go on June 3?",
        "How many new energy automobile tires does the project produce each year?",
    ],
)
def test_standalone_questions_are_left_unchanged(question: str) -> None:
    assert not is_follow_up(question)
    assert rewrite(question, [TALKS]) == question


@pytest.mark.parametrize(
    "question",
    ["What is the budget for rural roads?", "How are grain prices?", "Which farms flooded?"],
)
def test_short_questions_on_a_new_topic_stand_alone(question: str) -> None:
    assert is_follow_up(question)  # short: without a conversation it could be either
    assert not is_follow_up(question, TALKS)
    assert rewrite(question, [TALKS]) == question


@pytest.mark.parametrize("question", ["Where were the talks held?", "Why?", "Where exactly?"])
def test_short_questions_on_the_same_topic_follow_up(question: str) -> None:
    assert is_follow_up(question, TALKS)
    assert rewrite(question, [TALKS]) != question


def test_no_history_no_rewrite() -> None:
    assert rewrite("Where were the talks held?", None) == "Where were the talks held?"
    assert rewrite("Where were the talks held?", []) == "Where were the talks held?"


def test_follow_up_carries_the_previous_names_and_title() -> None:
    query = rewrite("Where were the talks held?", [TALKS])
    assert query.startswith("Where were the talks held? ")
    assert "Xu Zhijun" in query and "Jing Junhai" in query and "Huawei" in query
    assert query.count("talks") == 1  # words the question already has are not repeated


def test_else_carries_the_people_already_named() -> None:
    query = rewrite("Who else attended?", [TALKS])
    assert "Han Jun" in query and "Xu Zhijun" in query


def test_both_history_forms_give_the_same_query() -> None:
    pairs = [("Who held talks with Xu Zhijun?", TALKS)]
    assert rewrite("When was it?", pairs) == rewrite("When was it?", [TALKS])
    assert last_answer(pairs) is TALKS and last_answer([TALKS]) is TALKS


def test_only_the_last_turn_counts_and_it_chains() -> None:
    first = rewrite("Where were the talks held?", [TALKS])
    chained = Answer("Where were the talks held?", first, "x [1]", TALKS.citations, False)
    query = rewrite("When?", [previous("Who is the mayor?"), chained])
    assert "Xu" in query and "Zhijun" in query


def test_after_an_abstention_only_the_question_is_carried() -> None:
    query = rewrite("When was it founded?", [previous("Who founded Acme Corp?", abstained=True)])
    assert "Acme" in query and "Huawei" not in query


ICE = previous("哈尔滨冰雪大世界什么时候开园？", "12月18日，第二十五届哈尔滨冰雪大世界正式开园。")


@pytest.mark.parametrize(
    "question",
    [
        "它什么时候闭园？",  # refers back
        "他们在哪里签约？",
        "当时有多少游客？",
        "接待了多少游客？",  # short, no subject: the conversation supplies it
        "那2023年呢？",  # "what about 2023?" whatever it names
        "第25届呢？",
        "还有哪些活动？",
    ],
)
def test_chinese_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question, ICE)
    assert rewrite(question, [ICE]).startswith(f"{question} 哈尔滨冰雪大世界什么时候开园")


@pytest.mark.parametrize(
    "question",
    [
        "长春冰雪节什么时候开幕？",  # names a place of its own
        "吉林省2022年地区生产总值是多少？",
        "今年的冰雪节一共接待了多少国内外游客？",  # long, refers to nothing
    ],
)
def test_standalone_chinese_questions_are_left_unchanged(question: str) -> None:
    assert not is_follow_up(question, ICE)
    assert rewrite(question, [ICE]) == question
