"""Cut article bodies into overlapping windows of whole sentences that fit the embedding model.

Every sentence is tokenized once. Sentences are packed greedily into chunks of at most
``max_tokens`` word pieces; the next chunk starts with the trailing sentences of the previous
one (at most ``overlap_tokens``). A sentence too long for one chunk is cut at commas and
semicolons, then at spaces, then between characters, so no chunk is ever too long.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qa.errors import InvalidArgumentError
from qa.ingest.sentences import split_sentences
from qa.models import Article, Chunk

logger = logging.getLogger(__name__)

TokenCounter = Callable[[str], int]
_CLAUSE_END = re.compile(r"[,;:，；、：]+(?=\s*\S)")
_WORD_END = re.compile(r"\S(?=\s+\S)")


@dataclass(frozen=True)
class ChunkingConfig:
    """How bodies are cut into chunks; saved in the index manifest.

    Attributes:
        max_tokens: Most word pieces in one chunk's text, not counting the model's special
            tokens (all-MiniLM-L6-v2 reads 256 including them).
        overlap_tokens: Most word pieces of trailing sentences of a chunk repeated at the
            start of the next one.
    """

    max_tokens: int = 160
    overlap_tokens: int = 40

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise InvalidArgumentError(f"max_tokens must be at least 1, got {self.max_tokens}")
        if not 0 <= self.overlap_tokens < self.max_tokens:
            raise InvalidArgumentError(
                f"overlap_tokens must be between 0 and max_tokens - 1 ({self.max_tokens - 1}), "
                f"got {self.overlap_tokens}"
            )


@dataclass(frozen=True)
class _Unit:
    """A sentence, or a piece of a long one, with its token count."""

    start: int
    end: int
    tokens: int


def chunk_id(article_id: str, start: int, end: int, text: str) -> int:
    """Stable non-negative int64 id of a chunk (blake2b of its article, offsets and text)."""
    key = f"{article_id}\x00{start}\x00{end}\x00{text}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def token_counter(tokenizer: Any) -> TokenCounter:
    """A fast ``count_tokens`` for a Hugging Face tokenizer: word pieces without special tokens.

    Fast tokenizers are used through a private copy of their Rust backend, so no truncation set
    elsewhere (e.g. by a SentenceTransformer sharing the tokenizer) can shorten the count.
    """
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        from tokenizers import Tokenizer

        private = Tokenizer.from_str(backend.to_str())
        private.no_truncation()
        private.no_padding()

        def count_fast(text: str) -> int:
            return len(private.encode(text, add_special_tokens=False).ids)

        return count_fast

    def count_slow(text: str) -> int:
        encoded = tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)
        return len(encoded["input_ids"])

    return count_slow


def chunk_article(
    article: Article, count_tokens: TokenCounter, config: ChunkingConfig = ChunkingConfig()
) -> list[Chunk]:
    """Cut ``article.body`` into chunks of whole sentences.

    Args:
        article: The article; its title is not part of any chunk.
        count_tokens: Number of word pieces of a text, without special tokens
            (see ``token_counter``).
        config: Chunk size and overlap.

    Returns:
        The chunks in order; ``chunk.text == article.body[chunk.start:chunk.end]`` and no chunk
        has more than ``config.max_tokens`` tokens.
    """
    body = article.body
    units = _units(body, count_tokens, config.max_tokens)
    chunks: list[Chunk] = []
    for first, last in _windows(body, units, count_tokens, config):
        start, end = units[first].start, units[last - 1].end
        text = body[start:end]
        chunks.append(
            Chunk(chunk_id(article.id, start, end, text), article.id, len(chunks), start, end, text)
        )
    return chunks


def _units(body: str, count: TokenCounter, max_tokens: int) -> list[_Unit]:
    """Sentences of ``body`` with their token counts, long ones cut into pieces that fit."""
    units: list[_Unit] = []
    for start, end in split_sentences(body):
        units.extend(_fit(body, start, end, count(body[start:end]), count, max_tokens, 0))
    return units


def _fit(
    body: str, start: int, end: int, tokens: int, count: TokenCounter, max_tokens: int, level: int
) -> list[_Unit]:
    """``body[start:end]`` as one unit if it fits, else as pieces cut ever finer."""
    if tokens <= max_tokens or end - start <= 1:
        return [_Unit(start, end, tokens)]
    pieces: list[_Unit] = []
    for piece_start, piece_end in _cut(body, start, end, level):
        n = count(body[piece_start:piece_end])
        pieces.extend(_fit(body, piece_start, piece_end, n, count, max_tokens, level + 1))
    return _merge(body, pieces, count, max_tokens)


def _cut(body: str, start: int, end: int, level: int) -> list[tuple[int, int]]:
    """Split a span at clause punctuation (level 0), at spaces (1), or in halves (2 and on)."""
    pattern = (_CLAUSE_END, _WORD_END)[level] if level < 2 else None
    cuts = [m.end() for m in pattern.finditer(body, start, end)] if pattern else []
    if not cuts:
        if level < 2:
            return _cut(body, start, end, level + 1)
        cuts = [(start + end) // 2]
    spans = []
    for piece_start, piece_end in zip([start, *cuts], [*cuts, end]):
        while piece_start < piece_end and body[piece_start].isspace():
            piece_start += 1
        if piece_start < piece_end:
            spans.append((piece_start, piece_end))
    return spans


def _merge(body: str, pieces: list[_Unit], count: TokenCounter, max_tokens: int) -> list[_Unit]:
    """Join neighbouring pieces back together greedily while they fit."""
    merged: list[_Unit] = []
    for piece in pieces:
        if merged and merged[-1].tokens + piece.tokens <= max_tokens:
            joined = count(body[merged[-1].start : piece.end])
            if joined <= max_tokens:
                merged[-1] = _Unit(merged[-1].start, piece.end, joined)
                continue
        merged.append(piece)
    return merged


def _windows(
    body: str, units: list[_Unit], count: TokenCounter, config: ChunkingConfig
) -> list[tuple[int, int]]:
    """``(first, last)`` unit ranges of the chunks, each overlapping the previous one."""
    windows: list[tuple[int, int]] = []
    first = 0
    while first < len(units):
        last = _pack(body, units, first, count, config.max_tokens)
        if windows and last <= windows[-1][1]:  # the overlap left no room for a new unit
            first = windows[-1][1]
            last = _pack(body, units, first, count, config.max_tokens)
        windows.append((first, last))
        if last == len(units):
            break
        first = _overlap_start(units, first, last, config)
    return windows


def _pack(body: str, units: list[_Unit], first: int, count: TokenCounter, max_tokens: int) -> int:
    """End (exclusive) of the longest run of units from ``first`` that fits in ``max_tokens``."""
    last, total = first, 0
    while last < len(units) and total + units[last].tokens <= max_tokens:
        total += units[last].tokens
        last += 1
    # Counts add up exactly for WordPiece; check the joined text for tokenizers where they don't.
    while last - first > 1 and count(body[units[first].start : units[last - 1].end]) > max_tokens:
        last -= 1
    return max(last, first + 1)


def _overlap_start(units: list[_Unit], first: int, last: int, config: ChunkingConfig) -> int:
    """First unit of the next chunk: trailing units of this one, leaving room for a new unit."""
    start, overlap = last, 0
    budget = min(config.overlap_tokens, config.max_tokens - units[last].tokens)
    while start - 1 > first and overlap + units[start - 1].tokens <= budget:
        start -= 1
        overlap += units[start].tokens
    return start
