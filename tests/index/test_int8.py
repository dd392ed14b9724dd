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
from qa.index.int8 import Int8Embedder
from qa.index.store import current_generation
from qa.search.retriever import load_retriever

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "answering"))
from test_answer_golden import GOLDEN  # noqa: E402

QUESTIONS = [p.values[0] if hasattr(p, "values") else p[0] for p in GOLDEN]
HEAVY = ("torch", "sentence_transformers", "transformers")


@pytest.fixture(scope="module")
def int8():
    return load_embedder(encoder="int8")


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
    assert (fp32 * quantised).sum(axis=1).min() > 0.99  # the long text is cut at 256 as well
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
            assert top.chunk_id == retriever.search(question, 1)[0].chunk_id, question
    finally:
        int8_index.close()


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
