"""Long Chinese policy texts: numbered clauses are sentences of their own, and a quote from
one starts at its number.

tests/data/zh_policy holds two invented municipal regulations (not real ones): one of twenty
articles (第一条 … 第二十条) in five chapters, some with numbered items (（一）, （二）), and one
on saving water whose long 第十三条 spans three chunks, so that its later chunks do not show its
number: BM25 reads it from the heading they carry (``lexical.chunk_text``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answering.answerer import answer
from qa.answering.citations import answer_sentences, contract_violations, excerpt_bounds
from qa.index import integrity, store
from qa.index.build import sync_index
from qa.index.lexical import LexicalIndex
from qa.ingest.sentences import clause_heading, enclosing_headings, split_sentences
from qa.search.retriever import load_retriever

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


def test_an_offset_inside_an_article_is_under_its_chapter_and_number() -> None:
    starts = [TEXT.index(words) for words in ("第三条", "（二）", "申请人对", "第四条")]
    assert enclosing_headings(TEXT, starts, 1000) == [
        "第二章 申请",  # the article's own number is the chunk's first word: not repeated
        "第二章 申请 第三条",
        "第二章 申请 第三条",
        "第二章 申请",
    ]
    assert enclosing_headings(TEXT, [TEXT.index("申请人对")], 20) == ["第二章 申请"]  # too far
    text = "第二条　前一章的条文。\n第二章　申请\n（一）不在任何一条之内。"
    assert enclosing_headings(text, [text.index("（一）")], 1000) == ["第二章 申请"]
    assert enclosing_headings("No numbered clauses here.", [3], 1000) == [""]


# Two clauses say "开展一次水平衡测试", 第十一条 with more of the question's words (按照规定);
# only the number tells 第十三条's third chunk, which does not show it, from 第十一条's.
NUMBERED = "临江市节约用水管理办法第十三条规定多久开展一次水平衡测试？"


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_a_question_naming_an_article_finds_its_body_in_a_later_chunk(policy, mode) -> None:  # type: ignore[no-untyped-def]
    top = policy.search(NUMBERED, k=3, mode=mode)[0]
    assert "每三年开展一次水平衡测试" in top.text, top.text
    assert "第十三条" not in top.text  # the number is in the chunk before


def test_the_article_is_quoted_from_its_number_once(policy) -> None:  # type: ignore[no-untyped-def]
    reply = answer(NUMBERED, policy)
    assert not reply.abstained, reply.text
    assert "每三年" in answer_sentences(reply.text)[0][0], reply.text
    excerpt = reply.citations[0].excerpt
    assert excerpt.startswith("第十三条") and excerpt.count("第十三条") == 1, excerpt
    assert "每三年开展一次水平衡测试" in excerpt
    assert contract_violations(reply, policy) == []


def test_a_new_lexical_recipe_rewrites_bm25_and_embeds_nothing(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "idx"
    sync_index(ARCHIVE, index, embedder=embedder, progress=False)
    gen = store.require_generation(index)
    dense = (gen / store.DENSE).read_bytes()
    # Make it an index of the recipe before: BM25 of title and chunk text only.
    table = store.ChunkTable(gen / store.TABLE)
    titles = {a: m.title for a, m in table.metas().items()}
    rows = table.chunk_starts()
    table.close()
    old = LexicalIndex.build(
        [f"{titles[a]}\n{text}" for _, a, _, text in rows], [r[0] for r in rows]
    )
    old.save(gen / store.LEXICAL)
    manifest = {**store.read_manifest(gen), "lexical_recipe": "title+chunk-v5"}
    manifest[integrity.FILES] = integrity.file_records(gen)  # as a build of then wrote it
    store.write_manifest(gen, manifest)

    report = sync_index(ARCHIVE, index, embedder=embedder, progress=False)
    assert report.chunks_embedded == 0 and not report.touched
    assert (store.require_generation(index) / store.DENSE).read_bytes() == dense
    top = load_retriever(index, embedder=embedder).search(NUMBERED, k=1, mode="lexical")[0]
    assert "每三年开展一次水平衡测试" in top.text
