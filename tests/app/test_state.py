"""The app's live archive: rebuilds swap whole indexes, uploads and file edits are picked up."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.app.html import query_markdown
from qa.app.state import Archive, _free_name, _safe_name, fingerprint, report_summary
from qa.errors import InvalidArgumentError
from qa.index.build import BuildReport

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
WANG_JI = "004_298f5d365e12d248"


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture()
def archive(tmp_path: Path, embedder: object) -> Archive:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    live = Archive(seeds, tmp_path / "index")
    live.open()
    yield live
    live.close()


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_fingerprint_sees_edits_additions_removals_but_not_hidden_files(tmp_path: Path):
    (tmp_path / "a.txt").write_text("one")
    first = fingerprint(tmp_path)
    (tmp_path / ".a.txt.swp").write_text("editor junk")
    assert fingerprint(tmp_path) == first
    (tmp_path / "a.txt").write_text("two")
    os.utime(tmp_path / "a.txt", ns=(1, 1))
    edited = fingerprint(tmp_path)
    assert edited != first
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("b")
    assert [row[0] for row in fingerprint(tmp_path)] == ["a.txt", "sub/b.md"]
    (tmp_path / "a.txt").unlink()
    assert [row[0] for row in fingerprint(tmp_path)] == ["sub/b.md"]
    assert fingerprint(tmp_path / "missing") == ()


def test_report_summary():
    assert report_summary(None) == "The index is up to date."
    assert report_summary(BuildReport(unchanged=("a", "b"))) == "No changes: 2 articles up to date."
    text = report_summary(
        BuildReport(added=("x",), removed=("y", "z"), chunks_embedded=3, seconds=1.26)
    )
    assert text == (
        "Index updated: added 1 (x), changed 0, removed 2 (y, z); 3 passages embedded in 1.3 s."
    )


def test_upload_names_never_overwrite_or_hide(tmp_path: Path):
    assert _safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert _safe_name(".hidden.md") == "hidden.md"
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a-2.txt").write_text("x")
    assert _free_name(tmp_path / "a.txt").name == "a-3.txt"


def test_open_builds_and_loads(archive: Archive):
    stats = archive.retriever.stats
    assert stats.articles == 5 and stats.chunks > 5
    assert archive.last_report is not None and len(archive.last_report.added) == 5
    assert archive.rebuild() is None  # nothing changed on disk


def test_ask_reads_the_archive_as_of_a_day_and_shows_the_period(archive: Archive):
    reply = archive.ask("What did Jing Junhai attend this week?", [], as_of="2023-07-27")
    cited = {c.date.isoformat() for c in reply.answer.citations if c.date}
    assert cited and all(d <= "2023-07-27" for d in cited)
    assert "2024-06-05" not in {
        a.meta.date.isoformat() for a in reply.articles.values() if a.meta.date
    }
    shown = query_markdown(reply.answer, reply.mode).replace("\\", "")  # Markdown escapes
    assert "as of 2023-07-27" in shown and "Period: 2023-07-21 to 2023-07-27" in shown
    with pytest.raises(InvalidArgumentError, match="as_of"):
        archive.ask("Who?", [], as_of="last week")


def test_rebuild_swaps_only_after_the_new_index_loads(archive: Archive):
    old = archive.retriever
    _append(
        archive.seeds_dir / f"{WANG_JI}.txt",
        "\n\nWang Ji also inspected the Songhua Lake hydrogen plant, which makes fuel cells.\n",
    )
    seen_during: list[object] = []
    report = archive.rebuild(lambda done, total: seen_during.append(archive.retriever))
    assert report is not None and report.changed == (WANG_JI,)
    assert seen_during and all(r is old for r in seen_during)  # readers kept the old index
    assert archive.retriever is not old
    assert "hydrogen" in archive.retriever.get_article(WANG_JI).body
    hits = old.search("Songhua Lake hydrogen plant fuel cells", k=3)  # old one still works
    assert all("hydrogen" not in h.text for h in hits)


def test_add_files_copies_and_indexes(archive: Archive, tmp_path: Path):
    new = tmp_path / "upload" / f"{WANG_JI}.txt"  # same name as a seed: must not overwrite
    new.parent.mkdir()
    new.write_text(
        "Beidahu ski centre opens\n\n2024-01-12  Jilin Daily\n\n"
        "The Beidahu centre trains 400 ski coaches a year.\n",
        encoding="utf-8",
    )
    report = archive.add_files([new])
    assert report.added == (f"{WANG_JI}-2",)
    assert (archive.seeds_dir / f"{WANG_JI}-2.txt").exists()
    assert archive.retriever.stats.articles == 6
    with pytest.raises(InvalidArgumentError, match=r"\.txt and \.md"):
        archive.add_files([tmp_path / "report.pdf"])
    with pytest.raises(InvalidArgumentError):
        archive.add_files([])


def test_changes_on_disk_trigger_one_background_rebuild(archive: Archive):
    generation = archive.generation
    (archive.seeds_dir / "001_75a8eb6acca57ea7.txt").unlink()
    assert archive.changed_on_disk()
    for _ in range(5):  # requests while one runs are coalesced
        archive.refresh_if_changed()
    _wait(lambda: not archive.building)
    assert archive.generation == generation + 1
    assert archive.last_report is not None and archive.last_report.removed == (
        "001_75a8eb6acca57ea7",
    )
    assert not archive.changed_on_disk()


def test_watcher_picks_up_a_new_file(archive: Archive):
    archive.watch()
    time.sleep(0.3)  # let the watcher register before the change
    (archive.seeds_dir / "robots.md").write_text(
        "Changchun opens robot museum\n\n2024-05-20  Changchun Daily\n\n"
        "The Changchun Robot Museum opened on May 18 with 300 industrial robots.\n",
        encoding="utf-8",
    )
    _wait(lambda: archive.retriever.stats.articles == 6)
    assert archive.last_report is not None and archive.last_report.added == ("robots",)
