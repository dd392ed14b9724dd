"""Long Chinese policy texts: numbered clauses are sentences of their own, and a quote from
one starts at its number.

tests/data/zh_policy holds one invented municipal regulation (not a real one) of twenty
articles (第一条 … 第二十条) in five chapters, some with numbered items (（一）, （二）).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answering.answerer import answer
from qa.answering.citations import answer_sentences, contract_violations, excerpt_bounds
from qa.ingest.sentences import clause_heading, split_sentences

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "zh_policy"

TEXT = (
    "第二章　申请\n"
    "第三条　申请人应当提交下列材料：\n（一）申请书；\n（二）身份证明。申请人对材料负责。\n"
    "第四条 本办法自公布之日起施行。"
)


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("任务：（一）加强建设；（二）推进。", ["任务：", "（一）加强建设；", "（二）推进。"]),
        ("会议强调，一是加强领导，二是落实。", ["会议强调，", "一是加强领导，", "二是落实。"]),
        ("材料包括：1.申请书；2.身份证明。", ["材料包括：", "1.申请书；", "2.身份证明。"]),
        ("办法　第三条　本办法适用于全市。", ["办法", "第三条　本办法适用于全市。"]),
        # a reference to an article, a decimal and a number before a Latin word are not items
        ("依据本办法第三条规定执行，增长1.5%。", ["依据本办法第三条规定执行，增长1.5%。"]),
        ("型号为：3.iPhone", ["型号为：3.iPhone"]),
    ],
)  # fmt: skip
def test_numbered_items_of_chinese_text_are_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_a_sentence_belongs_to_the_nearest_article_before_it() -> None:
    spans = split_sentences(TEXT)
    heads = [clause_heading(TEXT, spans, i, 1000) for i in range(len(spans))]
    labels = [None if h is None else sentences(TEXT)[h][:3] for h in heads]
    assert labels == [None, "第三条", "第三条", "第三条", "第三条", "第四条"]
    # the article farther back than reach: the item of its paragraph, then nothing
    assert clause_heading(TEXT, spans, 4, 10) == 3
    assert clause_heading(TEXT, spans, 4, 5) is None


def test_an_item_without_an_article_is_its_own_heading_in_its_paragraph() -> None:
    text = "一、总体要求\n（一）指导思想。坚持稳中求进。\n另起一段。"
    spans = split_sentences(text)
    heads = [clause_heading(text, spans, i, 1000) for i in range(len(spans))]
    assert heads == [0, 1, 1, 0]  # 另起一段 is under the heading line 一、总体要求


def test_an_excerpt_starts_at_its_clause_number() -> None:
    spans = split_sentences(TEXT)
    start, end = excerpt_bounds(TEXT, spans, 4, 5, heading=1)
    assert TEXT[start:end].startswith("第三条")
    assert TEXT[start:end].endswith("申请人对材料负责。\n第四条")  # 5 characters of the next


def test_a_chinese_excerpt_cut_inside_a_neighbour_begins_after_a_comma() -> None:
    text = "很长的前一句，其中有逗号，还有更多的内容。答案在这里。后一句也很长，后面还有。"
    spans = split_sentences(text)
    start, end = excerpt_bounds(text, spans, 1, 8)
    assert text[start:end] == "还有更多的内容。答案在这里。后一句也很长，"


@pytest.fixture(scope="module")
def policy(tmp_path_factory, embedder):  # type: ignore[no-untyped-def]
    from qa.index.build import sync_index
    from qa.search.retriever import load_retriever

    index = tmp_path_factory.mktemp("zh-policy")
    sync_index(ARCHIVE, index, embedder=embedder, progress=False)
    return load_retriever(index, embedder=embedder)


# (question, the clause the quote must start at, what the first quoted sentence must say)
CLAUSES = [
    ("燃料电池乘用车每辆补贴多少元？", "第五条", "30000元"),
    ("申请购置补贴需要提交哪些材料？", "第八条", "提交下列材料"),
    ("在农村地区建设的充电站补贴标准上浮多少？", "第十二条", "20%"),
    ("第十三条规定的运营补贴每千瓦时补贴多少？", "第十三条", "0.1元"),
]


@pytest.mark.parametrize("question, clause, words", CLAUSES, ids=[c[0] for c in CLAUSES])
def test_the_answering_clause_is_quoted_with_its_number(policy, question, clause, words) -> None:  # type: ignore[no-untyped-def]
    reply = answer(question, policy)
    assert not reply.abstained, reply.text
    first = answer_sentences(reply.text)[1 if reply.short_answer else 0][0]
    assert words in first, reply.text
    assert reply.citations[0].excerpt.startswith(clause), reply.citations[0].excerpt
    assert contract_violations(reply, policy) == []
