from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.ingest.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_english_sentences_split_after_terminal_punctuation() -> None:
    assert sentences("It rained. Did it? Yes! Done") == ["It rained.", "Did it?", "Yes!", "Done"]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = 'He said "fine." (It was.) Then he left.'
    assert sentences(text) == ['He said "fine."', "(It was.)", "Then he left."]


def test_glued_sentences_are_split() -> None:
    text = "Held talks in Changchun.Jing Junhai welcomed them in Jilin.Jing pointed out."
    assert sentences(text) == [
        "Held talks in Changchun.",
        "Jing Junhai welcomed them in Jilin.",
        "Jing pointed out.",
    ]


def test_glued_sentence_after_a_closing_quote() -> None:
    assert sentences("He said “fine.”Then left.") == ["He said “fine.”", "Then left."]


@pytest.mark.parametrize(
    "text",
    [
        "In FAW Jilin Automobile Co., LTD., Wang Ji understands the situation.",
        "Officials from the U.S. Army arrived.",
        "Mr. Li and Dr. Wang met Prof. Zhang.",
        "Output grew 3.5 percent this year.",
        "The notice was posted on JL.gov yesterday.",
        "Cities e.g. Changchun and Jilin joined.",
        "The plan (i.e. the first phase) starts now.",
        "Wait... there is more.",
    ],
)
def test_abbreviations_initials_decimals_and_domains_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


def test_chinese_terminal_punctuation_splits_with_or_without_following_space() -> None:
    text = "production and operation。Vice Mayor Cui attended。 要深入贯彻；推动振兴！好吗？"
    assert sentences(text) == [
        "production and operation。",
        "Vice Mayor Cui attended。",
        "要深入贯彻；",
        "推动振兴！",
        "好吗？",
    ]


def test_line_breaks_always_end_a_sentence() -> None:
    text = "A heading without a stop\nand a wrapped line\n\n  Next paragraph. Second one.  \n"
    assert sentences(text) == [
        "A heading without a stop",
        "and a wrapped line",
        "Next paragraph.",
        "Second one.",
    ]


def test_spans_are_exact_offsets_without_surrounding_whitespace() -> None:
    text = "  One.  Two.\n\nThree。"
    assert split_sentences(text) == [(2, 6), (8, 12), (14, 20)]


def test_empty_and_blank_text_have_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n ") == []


@given(st.text(alphabet=st.sampled_from('ab A.!?。; \n"”)3'), max_size=80))
def test_spans_cover_all_non_whitespace_in_order(text: str) -> None:
    spans = split_sentences(text)
    covered = "".join(text[start:end] for start, end in spans)
    assert "".join(covered.split()) == "".join(text.split())
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert end <= start
    for start, end in spans:
        assert text[start:end] == text[start:end].strip() != ""
