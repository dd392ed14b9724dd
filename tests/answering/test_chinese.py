"""Chinese questions over Chinese articles, end to end with the real model.

The archive is tests/data/zh_archive: five short articles invented for these tests (not real
news), with the same "标题/日期/来源" headers as Chinese originals. The questions ask who, when,
where and how many in Chinese; the answer must quote the sentence that holds the asked-for
phrase first and cite its article, and a question the archive cannot answer must abstain.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answering.abstain import key_coverage
from qa.answering.answerer import answer
from qa.answering.citations import answer_sentences, contract_violations
from qa.answering.entities import find_mentions, specificity
from qa.index.lexical import tokenize
from qa.ingest.chinese import numbers, numeral_value
from qa.search.display import highlight
from qa.search.question import AnswerType, answer_type, read_question

ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "zh_archive"


@pytest.fixture(scope="module")
def zh_retriever(tmp_path_factory, embedder):  # type: ignore[no-untyped-def]
    from qa.index.build import sync_index
    from qa.search.retriever import load_retriever

    index = tmp_path_factory.mktemp("zh-index")
    sync_index(ARCHIVE, index, embedder=embedder, progress=False)
    return load_retriever(index, embedder=embedder)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("哈尔滨冰雪大世界什么时候开园？", AnswerType.DATE),
        ("会议是几月几号召开的？", AnswerType.DATE),
        ("长春市建成了多少个5G基站？", AnswerType.NUMBER),
        ("四川地震几级？", AnswerType.NUMBER),
        ("会议在哪里召开？", AnswerType.PLACE),
        ("谁出席了签约仪式？", AnswerType.PERSON),
        ("水稻为什么丰收？", AnswerType.REASON),
        ("项目几乎完成了吗？", AnswerType.OTHER),  # 几乎 is "almost", not "how many"
    ],
)
def test_chinese_question_words_set_the_answer_type(question: str, kind: AnswerType) -> None:
    assert answer_type(question) is kind


def test_chinese_dates_are_found_and_ranked_by_precision() -> None:
    text = "2023年1月9日，会议召开。12月18日开园。2022年全省生产总值达到1.31万亿元。"
    dates = [m.text for m in find_mentions(text, AnswerType.DATE)]
    assert dates == ["2023年1月9日", "12月18日", "2022年"]
    assert [specificity(d, AnswerType.DATE) for d in dates] == [1.0, 0.75, 0.5]
    assert [m.text for m in find_mentions(text, AnswerType.NUMBER)] == ["1.31"]  # not the dates


def test_numbers_glued_to_chinese_are_tokens_of_their_own() -> None:
    # CJK characters are word characters: without the split, "5G基站10486个" was one token
    assert tokenize("建成5G基站10486个") == ["建成", "基站", "个", "5g", "10486"]
    assert tokenize("2022年地区生产总值") == [
        "年地",
        "地区",
        "区生",
        "生产",
        "产总",
        "总值",
        "2022",
    ]


@pytest.mark.parametrize(
    "question, keys",
    [
        ("贵州省2023年地区生产总值是多少？", {"贵州", "州省", "2023"}),
        ("谁出席了华为与吉林的签约仪式？", {"华为", "吉林"}),
        ("王建国在哪里调研？", {"王建", "建国"}),
        ("会议在哪里召开？", set()),
    ],
)
def test_chinese_names_are_key_terms(question: str, keys: set[str]) -> None:
    terms = read_question(question).terms
    assert {t.stem for t in terms if t.key} == keys
    assert all(t.weight == 2.0 for t in terms if t.key)
    # a passage about another province lacks the question's name, one about it has it
    info = read_question("贵州省2023年地区生产总值是多少？")
    assert key_coverage(info, "吉林省2023年地区生产总值13580.6亿元。") == pytest.approx(1 / 3)
    assert key_coverage(info, "贵州省2023年地区生产总值20913亿元。") == 1.0


@pytest.mark.parametrize(
    "numeral, value",
    [("十", 10), ("十四", 14), ("二十四", 24), ("三百", 300), ("一百零五", 105),
     ("两千零二十三", 2023), ("二〇二三", 2023), ("二三十", None), ("十百", None)],
)  # fmt: skip
def test_chinese_numerals_are_read(numeral: str, value: int | None) -> None:
    assert numeral_value(numeral) == value


def test_ordinals_and_years_in_chinese_numerals_match_digits() -> None:
    assert "24" in tokenize("第二十四届哈尔滨冰雪大世界开园")
    assert "2023" in tokenize("二〇二三年十二月")
    assert "24" in tokenize("第24届冰雪大世界")
    assert numbers("一带一路，第一产业，十四五") == ["1"]  # only after 第, or a year
    keys = {t.stem for t in read_question("第二十五届冰雪大世界什么时候开园？").terms if t.key}
    assert "25" in keys  # the ordinal is a number the answer's passage must hold


def test_search_highlights_the_matching_chinese_not_the_whole_clause() -> None:
    text = "截至10月底，长春市累计建成5G基站10486个。Xu Zhijun attended."
    assert highlight(text, "长春市5G基站 Xu", color=False) == (
        "截至10月底，**长春市**累计建成**5G基站**10486个。**Xu** Zhijun attended."
    )


def test_lexical_search_matches_chinese_next_to_numbers(zh_retriever) -> None:  # type: ignore[no-untyped-def]
    hits = zh_retriever.search("10486个基站", k=1, mode="lexical")
    assert hits[0].article.id == "changchun_5g"
    hits = zh_retriever.search("亩产610公斤", k=1, mode="lexical")
    assert hits[0].article.id == "yanbian_rice"


# (question, the article that must be cited, words the answer must contain)
GOLDEN = [
    ("哈尔滨冰雪大世界什么时候开园？", "harbin_ice", ["12月18日"]),
    ("第25届冰雪大世界什么时候开园？", "harbin_ice", ["12月18日"]),  # 第二十五届 in the article
    ("长春市建成了多少个5G基站？", "changchun_5g", ["10486"]),
    ("吉林省2022年地区生产总值是多少？", "jilin_economy", ["1.31万亿元"]),
    ("谁出席了华为与吉林的签约仪式？", "huawei_jilin", ["徐直军"]),
    ("华为与吉林省在哪里签署战略合作协议？", "huawei_jilin", ["长春"]),
    ("延边州水稻平均亩产多少公斤？", "yanbian_rice", ["610公斤"]),
]


@pytest.mark.parametrize("question, article, words", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_chinese_golden_question(zh_retriever, question: str, article: str, words) -> None:  # type: ignore[no-untyped-def]
    reply = answer(question, zh_retriever)
    assert not reply.abstained, reply.text
    assert reply.citations[0].article_id == article, reply.citations
    pairs = answer_sentences(reply.text)[1 if reply.short_answer else 0 :]
    first = pairs[0][0]  # the best sentence holds the asked-for phrase
    for word in words:
        assert word in first, reply.text
    assert contract_violations(reply, zh_retriever) == []


def test_a_chinese_date_phrase_is_read_as_of_a_date_and_reported(zh_retriever) -> None:  # type: ignore[no-untyped-def]
    reply = answer("去年长春建成了多少个5G基站？", zh_retriever, as_of="2023-12-31")
    assert reply.window is not None and reply.window.phrase == "去年" and reply.window.relative
    assert (reply.window.since.isoformat(), reply.window.until.isoformat()) == (
        "2022-01-01",
        "2022-12-31",
    )
    assert reply.dates is not None and "as of 2023-12-31" in reply.dates.description
    assert reply.citations and all(c.date and c.date.year == 2022 for c in reply.citations)
    assert "10486" in reply.text
    week = zh_retriever.search("本周哈尔滨冰雪大世界接待了多少游客？", k=3, as_of="2023-12-20")
    assert week.window is not None and week.window.phrase == "本周"
    assert week[0].article.date.isoformat() == "2023-12-18"
    before = zh_retriever.search("哈尔滨冰雪大世界", k=5, as_of="2023-12-01")
    assert all(h.article.date.isoformat() != "2023-12-18" for h in before)  # not yet written


def test_a_chinese_follow_up_is_answered_from_the_conversation(zh_retriever) -> None:  # type: ignore[no-untyped-def]
    first = answer("哈尔滨冰雪大世界什么时候开园？", zh_retriever)
    reply = answer("它首日接待了多少游客？", zh_retriever, history=[first])
    assert reply.query.startswith("它首日接待了多少游客？ 哈尔滨冰雪大世界")
    assert not reply.abstained
    assert reply.citations[0].article_id == "harbin_ice"
    assert "4万人次" in reply.text


@pytest.mark.parametrize(
    "question",
    [
        "上海迪士尼乐园的门票价格是多少？",
        "深圳的房价是多少？",
        "谁赢得了2022年世界杯？",  # shares the year 2022 with an article
        "贵州省2023年地区生产总值是多少？",  # another province's GDP: the name is a key term
    ],
)
def test_chinese_question_the_archive_cannot_answer_abstains(zh_retriever, question: str) -> None:  # type: ignore[no-untyped-def]
    reply = answer(question, zh_retriever)
    assert reply.abstained, reply.text
    assert reply.related
