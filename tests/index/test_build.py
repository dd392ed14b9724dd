"""The incremental build: manifest, incremental embedding, atomic writes, locking (real model)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.errors import IndexLockedError
from qa.index import store
from qa.index.build import sync_index
from qa.index.embedding import RecordingEmbedder, embed_text
from qa.index.lexical import LexicalIndex
from qa.index.manifest import EMBED_RECIPE
from qa.ingest.chunking import ChunkingConfig
from qa.search.retriever import load_retriever

REPO = Path(__file__).resolve().parents[2]


def _chunk_ids(index_dir: Path) -> dict[str, set[int]]:
    """Chunk ids per article as each part of the live generation sees them."""
    gen = store.require_generation(index_dir)
    dense = store.read_dense(gen)
    table = store.ChunkTable(gen / store.TABLE)
    try:
        in_table = {row[0] for row in table.chunk_rows()}
    finally:
        table.close()
    return {
        "dense": set(faiss.vector_to_array(dense.id_map).tolist()),
        "lexical": set(LexicalIndex.load(gen / store.LEXICAL).ids.tolist()),
        "table": in_table,
    }


def test_manifest_records_how_the_index_was_made(seeds_index: Path) -> None:
    gen = store.require_generation(seeds_index)
    manifest = json.loads((gen / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["package_version"]
    assert manifest["model"] == {
        "name": "sentence-transformers/all-MiniLM-L6-v2",
        "dimension": 384,
        "max_seq_length": 256,
    }
    assert manifest["chunking"] == {"max_tokens": 160, "overlap_tokens": 40}
    assert manifest["embed_recipe"] == EMBED_RECIPE
    assert len(manifest["articles"]) == 5
    for entry in manifest["articles"].values():
        assert len(entry["hash"]) == 64 and entry["chunk_ids"]
    ids = _chunk_ids(seeds_index)
    every = {c for e in manifest["articles"].values() for c in e["chunk_ids"]}
    assert ids["dense"] == ids["lexical"] == ids["table"] == every


def test_no_pickle_anywhere(seeds_index: Path) -> None:
    gen = store.require_generation(seeds_index)
    for path in gen.rglob("*"):
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)
        assert path.suffix in {"", ".json", ".faiss", ".sqlite", ".npy"}, path


def test_no_chunk_is_truncated_by_the_model_window(seeds_index: Path, embedder) -> None:
    gen = store.require_generation(seeds_index)
    table = store.ChunkTable(gen / store.TABLE)
    tokenizer = embedder.model.tokenizer
    titles = {a: m.title for a, m in table.metas().items()}
    rows = list(table.chunk_rows())
    table.close()
    assert rows
    for _, article_id, _, text in rows:
        embedded = embed_text(titles[article_id], text, embedder.count_tokens, embedder.window)
        assert len(tokenizer(embedded)["input_ids"]) <= embedder.max_seq_length


def test_unchanged_archive_embeds_nothing(seeds_copy: Path, tmp_path: Path, embedder) -> None:
    counting = RecordingEmbedder(embedder)
    sync_index(seeds_copy, tmp_path / "idx", embedder=counting, progress=False)
    first = len(counting.texts)
    report = sync_index(seeds_copy, tmp_path / "idx", embedder=counting, progress=False)
    assert first > 0 and len(counting.texts) == first
    assert report.chunks_embedded == 0 and len(report.unchanged) == 5
    assert not (report.added or report.changed or report.removed)


def test_add_edit_delete_embeds_only_new_and_edited(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    index = tmp_path / "idx"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    before = json.loads((store.require_generation(index) / "manifest.json").read_text())
    deleted = "001_75a8eb6acca57ea7"
    (seeds_copy / f"{deleted}.txt").unlink()
    edited = seeds_copy / "002_b7002ee26ad1e5c6.txt"
    edited.write_text(
        edited.read_text() + "\nThe ceremony ended with a drone show over Nanhu Lake.\n"
    )
    (seeds_copy / "new_article.txt").write_text(
        "Harbin opens ice festival\n\n2024-01-05\n\n"
        "On January 5, the Harbin International Ice and Snow Festival opened with 200,000 "
        "square metres of ice sculptures. Visitors queued for the giant ice slide.\n"
    )
    counting = RecordingEmbedder(embedder)
    report = sync_index(seeds_copy, index, embedder=counting, progress=False)
    assert report.added == ("new_article",)
    assert report.changed == ("002_b7002ee26ad1e5c6",)
    assert report.removed == (deleted,)
    assert len(report.unchanged) == 3
    after = json.loads((store.require_generation(index) / "manifest.json").read_text())
    expected = len(after["articles"]["new_article"]["chunk_ids"]) + len(
        after["articles"]["002_b7002ee26ad1e5c6"]["chunk_ids"]
    )
    assert report.chunks_embedded == expected == len(counting.texts)
    assert any("Harbin" in t for t in counting.texts)
    assert any("drone show" in t for t in counting.texts)
    assert not any("Jing Junhai: expedite" in t for t in counting.texts)
    gone = set(before["articles"][deleted]["chunk_ids"])
    for part in _chunk_ids(index).values():
        assert not part & gone
    for unchanged in report.unchanged:
        assert after["articles"][unchanged] == before["articles"][unchanged]


def test_new_chunking_forces_full_rebuild(seeds_copy: Path, tmp_path: Path, embedder) -> None:
    index = tmp_path / "idx"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    report = sync_index(
        seeds_copy,
        index,
        embedder=embedder,
        progress=False,
        chunking=ChunkingConfig(max_tokens=100, overlap_tokens=20),
    )
    assert report.full_rebuild_reason and "chunking" in report.full_rebuild_reason
    assert len(report.added) == 5 and report.chunks_embedded > 0


def test_dry_run_writes_nothing(seeds_copy: Path, tmp_path: Path) -> None:
    report = sync_index(seeds_copy, tmp_path / "idx", dry_run=True, progress=False)
    assert report.dry_run and len(report.added) == 5
    assert store.current_generation(tmp_path / "idx") is None


def test_bad_files_are_reported_and_the_rest_indexed(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "binary.txt").write_bytes(bytes(range(256)) * 40)
    report = sync_index(seeds_copy, tmp_path / "idx", embedder=embedder, progress=False)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt"}
    assert all(reasons.values())
    assert len(report.added) == 5
    manifest = store.read_manifest(store.require_generation(tmp_path / "idx"))
    assert {Path(s["path"]).name for s in manifest["skipped"]} == {"empty.txt", "binary.txt"}


def test_faiss_search_equals_numpy_brute_force(seeds_index: Path, embedder) -> None:
    dense = store.read_dense(store.require_generation(seeds_index))
    ids = faiss.vector_to_array(dense.id_map)
    vectors = np.vstack([dense.reconstruct(int(i)) for i in ids])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    queries = embedder.encode(
        ["Huawei cooperation talks", "automobile innovation conference", "Nanjing CEC agreement"]
    )
    scores, found = dense.search(queries, 5)
    brute = queries @ vectors.T
    for row in range(len(queries)):
        order = np.argsort(-brute[row])[:5]
        assert found[row].tolist() == ids[order].tolist()
        np.testing.assert_allclose(scores[row], brute[row][order], rtol=1e-5, atol=1e-5)


def _write_many(folder: Path, n: int) -> None:
    bodies = [p.read_text() for p in sorted((REPO / "seeds").glob("*.txt"))]
    for i in range(n):
        body = bodies[i % len(bodies)]
        (folder / f"bulk_{i:03d}.txt").write_text(
            f"Bulk article {i}\n\n2021-01-01\n\n{body}\nItem {i}."
        )


def test_killed_build_leaves_previous_index_loadable(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    index = tmp_path / "idx"
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    live = store.require_generation(index)
    _write_many(seeds_copy, 60)
    code = (
        "import sys; from qa.index.build import sync_index; "
        "sync_index(sys.argv[1], sys.argv[2], progress=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(seeds_copy), str(index)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(index.glob("gen-*"))) < 2:
        assert proc.poll() is None, "the build finished before it could be killed"
        time.sleep(0.05)
    time.sleep(1.0)  # well into chunking/embedding
    assert proc.poll() is None, "the build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert store.require_generation(index) == live
    retriever = load_retriever(index, embedder=embedder)
    assert retriever.stats.articles == 5
    assert retriever.search("Huawei", k=1)[0].article.id == "000_8acc33fc03b76885"
    report = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert len(report.added) == 60
    assert load_retriever(index, embedder=embedder).stats.articles == 65
    # the new one and the one ``retriever`` still reads; the killed build's debris is gone
    assert {p.name for p in index.glob("gen-*")} == {
        store.require_generation(index).name,
        retriever.generation.name,
    }


def test_second_build_waits_for_the_lock_or_says_so(
    seeds_copy: Path, tmp_path: Path, embedder
) -> None:
    from filelock import FileLock

    index = tmp_path / "idx"
    index.mkdir()
    lock = FileLock(str(index / ".lock"))
    lock.acquire()
    try:
        with pytest.raises(IndexLockedError, match="another build is running"):
            sync_index(seeds_copy, index, embedder=embedder, progress=False, lock_timeout=0.3)
        results: list[object] = []
        waiter = threading.Thread(
            target=lambda: results.append(
                sync_index(seeds_copy, index, embedder=embedder, progress=False, lock_timeout=60)
            )
        )
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive()  # waiting, not writing
    finally:
        lock.release()
    waiter.join(60)
    assert results and len(results[0].added) == 5  # type: ignore[attr-defined]


def test_report_json_shape(seeds_copy: Path, tmp_path: Path) -> None:
    env = dict(os.environ, QA_SEEDS_DIR=str(seeds_copy), QA_INDEX_DIR=str(tmp_path / "idx"))
    out = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout)
    assert set(report) >= {
        "added",
        "changed",
        "removed",
        "unchanged",
        "skipped",
        "chunks_embedded",
        "seconds",
    }
    assert len(report["added"]) == 5 and report["chunks_embedded"] > 0
    again = subprocess.run(
        [sys.executable, "-m", "qa.cli", "index"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "5 unchanged" in again.stdout


def _qa_index(seeds: Path, index: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "qa.cli", "index", "--seeds", str(seeds)]
    return subprocess.run([*command, "--index", str(index)], capture_output=True, text=True)


def test_missing_archive_folder_is_a_clear_error(tmp_path: Path) -> None:
    out = _qa_index(tmp_path / "nope", tmp_path / "idx")
    assert out.returncode != 0
    assert out.stderr.startswith("error:") and "nope" in out.stderr
    assert "Traceback" not in out.stderr


def test_replace_keeps_frozen_report() -> None:
    from qa.index.build import BuildReport

    report = replace(BuildReport(), seconds=1.5)
    assert report.to_dict()["seconds"] == 1.5


def test_empty_archive_builds_an_empty_searchable_index_and_warns(tmp_path: Path, embedder):
    (tmp_path / "seeds").mkdir()
    report = sync_index(tmp_path / "seeds", tmp_path / "idx", embedder=embedder, progress=False)
    assert report.added == () and report.chunks_embedded == 0
    assert report.notes == (f"the archive {tmp_path / 'seeds'} has no articles to index",)
    out = _qa_index(tmp_path / "seeds", tmp_path / "idx2")
    assert out.returncode == 0 and "has no articles to index" in out.stdout + out.stderr
    retriever = load_retriever(tmp_path / "idx", embedder=embedder)
    assert retriever.stats.articles == 0
    assert len(retriever.search("anything at all", k=3)) == 0
