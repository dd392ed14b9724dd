"""Chinese questions have settings of their own: answer types read from the noun a question
ends with, sentence weights and an abstention operating point calibrated on Chinese questions
(``AnswerConfig.zh_*``), all recorded in the manifest with the rest."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from qa.answering.answerer import is_chinese
from qa.config import AnswerConfig, RetrievalConfig, SentenceWeights
from qa.search.question import AnswerType, answer_type


@pytest.mark.parametrize(
    "question, kind",
    [
        ("印控克什米尔地区寺庙踩踏事故死亡人数", AnswerType.NUMBER),
        ("2021年北京大兴机场年旅客吞吐量", AnswerType.NUMBER),
        ("我国2021年人口出生率", AnswerType.NUMBER),
        ("第七届香港立法会议员宣誓仪式的时间", AnswerType.DATE),
        ("艾尔登法环发售日期", AnswerType.DATE),
        ("EMNLP2022的举办地", AnswerType.PLACE),
        ("首趟班列的起点？", AnswerType.PLACE),
        ("《重生之门》的导演", AnswerType.PERSON),
        ("《心居》的主演有哪些", AnswerType.PERSON),
        ("2021赛季中超冠军", AnswerType.OTHER),  # a team as often as a person
        ("电影的导演在哪里出生？", AnswerType.PLACE),  # a question word wins over the last noun
        ("What was China's GDP?", AnswerType.OTHER),  # English is read as before
        ("Who hired the new CEO?", AnswerType.PERSON),
    ],
)
def test_a_chinese_question_without_a_question_word_asks_by_its_last_noun(
    question: str, kind: AnswerType
) -> None:
    assert answer_type(question) is kind


def test_mostly_chinese_questions_take_the_chinese_operating_point() -> None:
    config = AnswerConfig()
    assert is_chinese("长春市建成了多少个基站？")
    assert is_chinese("华为 Xu Zhijun 在哪里")  # 2.5 Chinese words of 4.5
    assert not is_chinese("Who held talks with Xu Zhijun in 长春?")
    assert config.abstention(True) == (
        config.zh_abstain_weights,
        config.zh_abstain_bias,
        config.zh_abstain_threshold,
    )
    assert config.abstention(False) == (
        config.abstain_weights,
        config.abstain_bias,
        config.abstain_threshold,
    )
    assert config.zh_weights != config.weights


def test_the_chinese_settings_survive_the_manifest() -> None:
    config = AnswerConfig(zh_weights=SentenceWeights(dense=0.1), zh_abstain_threshold=0.6)
    saved = asdict(config)
    assert isinstance(saved["zh_weights"], dict)
    assert AnswerConfig.from_dict(saved) == config
    retrieval = asdict(RetrievalConfig())
    assert retrieval["zh_dense_weight"] == 0.0 and retrieval["zh_fusion"] == "score"
