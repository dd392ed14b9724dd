"""The int8 encoder (onnxruntime, no torch) against the fp32 model, on the real seeds."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.index.build import sync_index
from qa.index.embedding import effective_encoder, load_embedder
from qa.index.int8 import BATCH_TOKENS, Int8Embedder, _batches, load_int8_embedder
from qa.index.int8_prepare import RECIPE, fast_model_path, prepare_fast_model
from qa.index.store import current_generation
from qa.search.retriever import load_retriever

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "answering"))
from test_answer_golden import GOLDEN  # noqa: E402

QUESTIONS = [p.values[0] if hasattr(p, "values") else p[0] for p in GOLDEN]
HEAVY = ("torch", "sentence_transformers", "transformers")
NEAR_TIE = 0.02  # hybrid score


@pytest.fixture(scope="session")
def fused_cache(tmp_path_factory) -> Path:
    """A cache folder where ``qa prepare`` has built the fused int8 graph (once a session)."""
    folder = tmp_path_factory.mktemp("qa-cache")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_CACHE_DIR", str(folder))
        prepare_fast_model()
    return folder


@pytest.fixture(scope="module", params=["package", "fused"])
def int8(request, tmp_path_factory):
    """The int8 encoder on each graph: the package's file, and the one `qa prepare` makes."""
    folder = (
        request.getfixturevalue("fused_cache")
        if request.param == "fused"
        else tmp_path_factory.mktemp("empty-cache")
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QA_CACHE_DIR", str(folder))
        load_int8_embedder.cache_clear()
        embedder = load_embedder(encoder="int8")
        assert embedder.graph == request.param
        yield embedder
    load_int8_embedder.cache_clear()  # later tests load whatever this machine has prepared


@pytest.fixture(scope="module")
def int8_retriever(seeds_index, int8):
    retriever = load_retriever(seeds_index, embedder=int8)
    yield retriever
    retriever.close()


def manifest(index: Path) -> dict:
    return json.loads((current_generation(index) / "manifest.json").read_text())


def test_int8_embeds_as_the_fp32_model_does(embedder, int8) -> None:
    long = "Jing Junhai and Han Jun held talks with Xu Zhijun in Changchun. " * 40
    texts = ["Who held talks with Xu Zhijun?", long, "Huawei", ""]
    assert isinstance(int8, Int8Embedder) and int8.encoder == "int8"
    assert (int8.name, int8.dim, int8.window) == (embedder.name, embedder.dim, embedder.window)
    fp32, quantised = embedder.encode(texts), int8.encode(texts)
    assert quantised.dtype == np.float32 and quantised.shape == (4, 384)
    assert np.allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    # The long text is cut at 256 as well. The fused graph also quantises activations: texts
    # agree to 0.99, the empty one ([CLS] [SEP] only) to 0.975.
    cosines = (fp32 * quantised).sum(axis=1)
    assert cosines[:3].min() > 0.99 and cosines[3] > (0.99 if int8.graph == "package" else 0.97)
    assert [int8.count_tokens(t) for t in texts] == [embedder.count_tokens(t) for t in texts]
    assert int8.encode([]).shape == (0, 384)


@pytest.mark.parametrize("question", QUESTIONS)
def test_int8_and_fp32_queries_give_the_same_top_hit(retriever, int8_retriever, question) -> None:
    for mode in ("hybrid", "dense"):
        fp32 = retriever.search(question, 1, mode=mode)[0]
        quantised = int8_retriever.search(question, 1, mode=mode)[0]
        assert quantised.chunk_id == fp32.chunk_id, (mode, quantised.text, fp32.text)


def test_int8_documents_give_the_same_top_hit(tmp_path, retriever, int8) -> None:
    report = sync_index(REPO / "seeds", tmp_path, encoder="int8", progress=False)
    assert manifest(tmp_path)["encoder"] == "int8" and report.chunks_embedded > 0
    int8_index = load_retriever(tmp_path)
    try:
        assert int8_index.embedder is int8  # int8 documents, int8 questions by default
        for question in QUESTIONS:
            top = int8_index.search(question, 1)[0]
            first, second = retriever.search(question, 2)
            # int8 passages sit at cosine 0.99 to fp32's, so a dense score moves by about
            # 0.01: fp32's top two within NEAR_TIE of each other may swap, nothing else may.
            tied = first.score - second.score < NEAR_TIE
            allowed = {first.chunk_id, second.chunk_id} if tied else {first.chunk_id}
            assert top.chunk_id in allowed, (question, first.score, second.score)
    finally:
        int8_index.close()


def test_prepare_keeps_the_fused_graph_and_builds_it_once(fused_cache, monkeypatch) -> None:
    monkeypatch.setenv("QA_CACHE_DIR", str(fused_cache))
    path = fast_model_path()
    assert path == fused_cache / f"{RECIPE}.onnx" and path.is_file()
    assert [p.name for p in fused_cache.iterdir()] == [path.name]  # no work files left behind
    built = path.stat().st_mtime_ns
    stale = fused_cache / "minilm-l6-fused-int8-v0.onnx"  # an earlier recipe's graph
    stale.write_bytes(b"old")
    assert prepare_fast_model() == path and path.stat().st_mtime_ns == built
    assert not stale.exists()


def test_batches_hold_a_bounded_number_of_padded_pieces() -> None:
    lengths = [3, 5, 100, 200, 256, 256, 256, 256, 256]  # sorted, as encode sorts them
    batches = _batches(lengths, most=64)
    assert [list(b) for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8]]
    assert all(len(b) * lengths[b[-1]] <= BATCH_TOKENS for b in batches)
    assert [list(b) for b in _batches([2] * 5, most=2)] == [[0, 1], [2, 3], [4]]
    assert [list(b) for b in _batches([2000], most=4)] == [[0]]  # one text always goes
    assert _batches([], most=4) == []


def test_mixed_lengths_keep_their_order(int8) -> None:
    texts = ["Huawei " * 200, "Who held talks with Xu Zhijun?", "Changchun " * 90, "Jilin"] * 3
    together = int8.encode(texts)
    alone = np.vstack([int8.encode([t]) for t in texts])
    # Activations are quantised per batch, so a text's vector moves a little with its company.
    assert (together * alone).sum(axis=1).min() > 0.99


def test_the_fused_graph_computes_in_int8(fused_cache) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(fused_cache / f"{RECIPE}.onnx"))
    ops = {node.op_type for node in _graph_nodes(fused_cache / f"{RECIPE}.onnx")}
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= ops or "QAttention" in ops, ops
    assert {"IsNaN", "Where"}.isdisjoint(ops)  # the masking of the exported attention is gone
    assert "SkipLayerNormalization" not in ops  # onnxruntime's CPU kernel for it is slow
    assert [i.name for i in session.get_inputs()][:2] == ["input_ids", "attention_mask"]


def _graph_nodes(path: Path) -> list:
    import onnx

    return list(onnx.load(str(path)).graph.node)


def test_changing_the_document_encoder_re_embeds_everything(seeds_copy, tmp_path, embedder):
    index = tmp_path / "index"
    first = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    recorded = manifest(index)
    assert (recorded["encoder"], recorded["query_encoder"]) == ("fp32", "int8")
    again = sync_index(seeds_copy, index, progress=False)
    assert again.up_to_date

    switched = sync_index(seeds_copy, index, encoder="int8", progress=False)
    assert "document encoder changed from fp32 to int8" in switched.full_rebuild_reason
    assert switched.chunks_embedded == first.chunks_embedded
    assert manifest(index)["encoder"] == "int8"
    assert sync_index(seeds_copy, index, progress=False).up_to_date  # the index's is kept

    # An edit with the fp32 embedder handed over cannot mix fp32 vectors into int8 ones.
    (seeds_copy / sorted(p.name for p in seeds_copy.iterdir())[0]).write_text(
        "An edited article\n\n2023-01-02 0 By\n\nSomething new happened in Changchun today.\n"
    )
    mixed = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert "document encoder changed from int8 to fp32" in mixed.full_rebuild_reason
    assert mixed.chunks_embedded == sum(
        len(a["chunk_ids"]) for a in manifest(index)["articles"].values()
    )


def test_changing_the_query_encoder_embeds_nothing(seeds_copy, tmp_path, embedder) -> None:
    index = tmp_path / "index"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    report = sync_index(seeds_copy, index, query_encoder="fp32", progress=False)
    assert report.written and report.chunks_embedded == 0 and report.full_rebuild_reason is None
    assert manifest(index)["query_encoder"] == "fp32"
    retriever = load_retriever(index)
    try:
        assert retriever.embedder.encoder == "fp32"
    finally:
        retriever.close()


def test_another_model_falls_back_to_fp32_and_says_so(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        assert effective_encoder("sentence-transformers/all-mpnet-base-v2", "int8") == "fp32"
    assert "int8 encoder exists only for" in caplog.text
    assert effective_encoder(None, "int8") == "int8"
    with pytest.raises(ValueError, match="fp32, int8"):
        effective_encoder(None, "int4")


def test_build_report_has_the_cost_of_each_stage(seeds_copy, tmp_path, embedder) -> None:
    report = sync_index(seeds_copy, tmp_path, embedder=embedder, progress=False)
    names = [name for name, _ in report.stages]
    assert names == ["parse", "chunk", "tokenise", "embed", "bm25", "write"]
    assert all(seconds >= 0 for _, seconds in report.stages)
    assert sum(s for _, s in report.stages) <= report.seconds + 0.05
    assert set(report.to_dict()["stages"]) == set(names)


def _cold(code: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    import os

    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        cwd=REPO,
    )


def test_cold_ask_and_search_never_import_torch(seeds_index) -> None:
    code = f"""
import sys
from qa.cli import main
index = {str(seeds_index)!r}
assert main(["ask", "Where were the talks with Xu Zhijun held?", "--index", index]) == 0
assert main(["search", "Huawei rotating chairman", "--index", index]) == 0
print("HEAVY", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""
    done = _cold(code)
    assert done.returncode == 0, done.stderr
    assert "Changchun" in done.stdout
    assert "HEAVY []" in done.stdout, done.stdout[-500:]


def test_import_qa_is_cheap() -> None:
    done = _cold(
        "import sys, qa; print(sorted(m for m in ('numpy', 'faiss', 'torch', 'onnxruntime') "
        "if m in sys.modules))"
    )
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
