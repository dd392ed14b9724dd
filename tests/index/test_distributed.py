"""``qa index --ray``: embedding on a local Ray (loopback, two workers) with the real model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.index import store
from qa.index.build import sync_index

ray = pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[ray]')")

EDITED = "002_b7002ee26ad1e5c6"


def test_ray_build_equals_the_plain_one_and_embeds_only_changes(
    seeds_copy: Path, tmp_path: Path, seeds_index: Path, embedder
) -> None:
    from qa.index.distributed import RayEmbedder, ray_embedder

    index = tmp_path / "idx"
    with ray_embedder("local", 2) as remote:
        assert isinstance(remote, RayEmbedder) and len(remote.actors) == 2
        first = sync_index(seeds_copy, index, embedder=remote, progress=False)
        assert len(first.added) == 5
        plain = store.read_dense(store.require_generation(seeds_index))
        ours = store.read_dense(store.require_generation(index))
        table = store.ChunkTable(store.require_generation(index) / store.TABLE)
        ids = [row[0] for row in table.chunk_articles()]
        table.close()
        assert ours.ntotal == plain.ntotal == first.chunks_embedded
        for chunk_id in ids:
            assert np.allclose(ours.reconstruct(chunk_id), plain.reconstruct(chunk_id), atol=1e-5)
        edited = seeds_copy / f"{EDITED}.txt"
        edited.write_text(edited.read_text() + "\nThe ceremony ended with a drone show.\n")
        second = sync_index(seeds_copy, index, embedder=remote, progress=False)
    manifest = json.loads((store.require_generation(index) / store.MANIFEST).read_text())
    assert second.changed == (EDITED,) and len(second.unchanged) == 4
    assert second.chunks_embedded == len(manifest["articles"][EDITED]["chunk_ids"])
    assert not ray.is_initialized()  # the Ray it started is stopped


def test_qa_index_ray_into_postgresql(seeds_copy: Path, pg_dsn: str, folder_retriever, capsys):
    from qa.cli import main
    from qa.search.retriever import load_retriever

    args = ["index", "--seeds", str(seeds_copy), "--store", pg_dsn, "--ray", "--workers", "2"]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["added"]) == 5 and report["written"]
    retriever = load_retriever(pg_dsn, embedder=folder_retriever.embedder)
    for query in ("Who met Huawei's rotating chairman?", "tire project 15 million"):
        ours = [(h.chunk_id, round(h.score, 4)) for h in retriever.search(query, k=5)]
        plain = [(h.chunk_id, round(h.score, 4)) for h in folder_retriever.search(query, k=5)]
        assert ours == plain
    retriever.close()
