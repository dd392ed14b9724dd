"""A damaged index is reported in one line and healed by the next build; a build with nothing to
do writes nothing; generations nobody reads are removed, and no one else's (real model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from qa.errors import IndexDamagedError, IndexNotFoundError
from qa.index import integrity, leases, store
from qa.index.build import remove_unused_generations, sync_index
from qa.search.retriever import load_retriever

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import bench_faults  # noqa: E402  (the fault benchmark's damage, so both do the same)

HUAWEI = "000_8acc33fc03b76885"
FILES = (
    "manifest.json",
    "dense.faiss",
    "chunks.sqlite",
    "lexical/ids.npy",
    "lexical/vocab.index.json",
    "lexical/data.csc.index.npy",
    "CURRENT",
)
DAMAGE = ("truncate", "delete", "garbage")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A seeds index, built once; each test damages its own copy."""
    index = tmp_path_factory.mktemp("heal") / "idx"
    sync_index(
        Path(__file__).resolve().parents[2] / "seeds", index, embedder=embedder, progress=False
    )
    return index


@pytest.fixture()
def index(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "idx"
    shutil.copytree(built, copy)
    return copy


def damage(index: Path, name: str, how: str) -> None:
    """Damage ``name`` of the live generation (or ``CURRENT``) as bench/bench_faults.py does."""
    path = index / name if name == "CURRENT" else store.require_generation(index) / name
    bench_faults.damage(path, how)


def _gens(index: Path) -> set[str]:
    return {p.name for p in index.glob("gen-*")}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("name", FILES)
def test_each_damaged_file_is_reported_then_healed(
    index: Path, seeds_copy: Path, embedder, name: str, how: str
) -> None:
    damage(index, name, how)
    expected = IndexNotFoundError if (name, how) == ("CURRENT", "delete") else IndexDamagedError
    with pytest.raises(expected) as info:
        load_retriever(index, embedder=embedder)
    message = str(info.value)
    assert "\n" not in message and "qa index" in message and str(index) in message
    report = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    if expected is IndexDamagedError:
        assert report.full_rebuild_reason and "damaged" in report.full_rebuild_reason
    assert report.written and len(report.added) == 5
    retriever = load_retriever(index, embedder=embedder)
    assert retriever.search("Who met Huawei's rotating chairman?", k=1)[0].article.id == HUAWEI
    assert _gens(index) == {store.require_generation(index).name}  # the damaged one is gone
    retriever.close()


@pytest.mark.parametrize("name", ["dense.faiss", "chunks.sqlite", "lexical/indptr.csc.index.npy"])
def test_a_flipped_byte_is_caught_by_the_build_checksum(
    index: Path, seeds_copy: Path, embedder, name: str
) -> None:
    path = store.require_generation(index) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: loading cannot tell, the checksum can
    path.write_bytes(bytes(data))
    assert integrity.inspect(index).damage == f"{name} does not match its checksum"
    report = sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert report.full_rebuild_reason and "checksum" in report.full_rebuild_reason
    assert integrity.inspect(index).damage is None


@pytest.mark.parametrize(
    ("name", "how"),
    [("dense.faiss", "truncate"), ("chunks.sqlite", "truncate"), ("manifest.json", "garbage")],
)
def test_the_cli_says_what_is_damaged_in_one_line_and_heals_it(
    index: Path, seeds_copy: Path, name: str, how: str
) -> None:
    damage(index, name, how)
    env = dict(os.environ, QA_INDEX_DIR=str(index), QA_SEEDS_DIR=str(seeds_copy))

    def qa(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True
        )

    for command in (["search", "Huawei"], ["ask", "Who met Huawei?"]):
        out = qa(*command)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: index at ")
        assert "is damaged" in out.stderr and "qa index" in out.stderr
    healed = qa("index", "--full") if how == "garbage" else qa("index")
    assert healed.returncode == 0 and "Traceback" not in healed.stderr, healed.stderr
    assert "damaged" in healed.stdout
    out = qa("search", "Huawei", "--json", "-k", "1")
    assert out.returncode == 0 and json.loads(out.stdout)["article_id"] == HUAWEI


def test_full_rebuild_works_whatever_the_index_folder_holds(index: Path, seeds_copy, embedder):
    gen = store.require_generation(index)
    (gen / "manifest.json").write_text("[1, 2]")  # JSON, but no manifest
    (index / "gen-20000101T000000-000000001").write_text("a file where a folder should be")
    (index / "gen-20000101T000000-000000002" / "lexical").mkdir(parents=True)
    report = sync_index(seeds_copy, index, embedder=embedder, progress=False, full=True)
    assert report.written and "damaged" in (report.full_rebuild_reason or "")
    assert _gens(index) == {store.require_generation(index).name}


def test_a_no_op_sync_writes_nothing_and_says_up_to_date(index: Path, seeds_copy: Path):
    before = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.name != ".lock"}
    report = sync_index(seeds_copy, index, progress=False)
    assert report.up_to_date and not report.written and report.chunks_embedded == 0
    after = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.name != ".lock"}
    assert after == before
    from qa.search.display import format_build_report

    assert "up to date: nothing written" in format_build_report(report, str(seeds_copy))


def test_an_index_without_checksums_gets_them_once_without_embedding(
    index: Path, seeds_copy: Path
) -> None:
    gen = store.require_generation(index)
    manifest = store.read_manifest(gen)
    del manifest["files"]  # as written before checksums were recorded
    store.write_manifest(gen, manifest)
    first = sync_index(seeds_copy, index, progress=False)  # no embedder: none is needed
    assert first.written and first.chunks_embedded == 0 and first.full_rebuild_reason is None
    assert "files" in store.read_manifest(store.require_generation(index))
    assert not sync_index(seeds_copy, index, progress=False).written


def test_orphans_of_killed_builds_are_removed_by_the_next_sync(index: Path, seeds_copy: Path):
    live = store.require_generation(index)
    orphan = index / "gen-20000101T000000-000000000"
    shutil.copytree(live, orphan)  # what a build killed before publishing leaves
    (orphan / "manifest.json").unlink()
    report = sync_index(seeds_copy, index, progress=False)
    assert not report.written
    assert _gens(index) == {live.name}


def test_a_generation_someone_reads_is_never_removed(index: Path, seeds_copy: Path, embedder):
    reader = load_retriever(index, embedder=embedder)
    held = reader.generation
    (seeds_copy / f"{HUAWEI}.txt").unlink()
    sync_index(seeds_copy, index, embedder=embedder, progress=False)
    assert store.require_generation(index) != held
    assert held.is_dir()  # published over, but still read
    assert remove_unused_generations(index) == []
    assert reader.search("Huawei", k=1)[0].article.id == HUAWEI  # the old one still answers
    reader.close()
    assert remove_unused_generations(index) == [held.name]
    assert _gens(index) == {store.require_generation(index).name}


def test_a_lease_taken_while_its_generation_is_removed_is_refused(index: Path) -> None:
    gen = store.require_generation(index)
    old = index / "gen-20000101T000000-000000000"
    shutil.copytree(gen, old)
    assert leases.remove_unused(index) == [old.name]
    assert leases.hold(old) is None  # gone: a reader reads CURRENT again
    lease = leases.hold(gen)
    assert lease is not None and lease.held
    assert leases.remove_unused(index) == []  # the live one is never a candidate
    lease.release()


def test_readers_opening_the_index_while_builds_publish_never_fail(
    index: Path, seeds_copy: Path, embedder
) -> None:
    stop = threading.Event()
    done: list[str] = []
    failures: list[BaseException] = []

    def read() -> None:
        while not stop.is_set():
            try:
                reader = load_retriever(index, embedder=embedder)
                done.append(reader.search("Huawei", k=1)[0].article.id)
                reader.close()
            except BaseException as exc:  # any failure is the test's failure
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        seed = seeds_copy / "002_b7002ee26ad1e5c6.txt"
        for i in range(3):  # each build publishes a new generation and removes the old one
            seed.write_text(seed.read_text() + f"\nThe drone show number {i} lit up Nanhu.\n")
            assert sync_index(seeds_copy, index, embedder=embedder, progress=False).written
    finally:
        stop.set()
        for t in readers:
            t.join(30)
    assert not failures, failures[:3]
    assert len(done) > 3 and set(done) == {HUAWEI}
    remove_unused_generations(index)  # one a reader held during the last build goes now
    assert _gens(index) == {store.require_generation(index).name}
