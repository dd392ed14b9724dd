"""The app's live archive: rebuilds swap whole indexes, uploads and file edits are picked up."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.app.html import query_markdown
from qa.app.state import Archive, fingerprint, report_summary
from qa.app.uploads import UploadLimits, free_name, safe_name
from qa.errors import InvalidArgumentError, QAError
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
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("..\\..\\win.TXT") == "win.txt"
    assert safe_name("a\x00b<script>.md") == "a_b_script.md"
    assert safe_name("报告 2024.txt") == "报告 2024.txt"
    assert safe_name("notes") == "notes.txt"
    assert safe_name("x" * 300 + ".md") == "x" * 100 + ".md"
    assert safe_name("....txt") == "article.txt"
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a-2.txt").write_text("x")
    assert free_name(tmp_path / "a.txt").name == "a-3.txt"


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
    _append(
        archive.seeds_dir / f"{WANG_JI}.txt",
        "\n\nWang Ji also inspected the Songhua Lake hydrogen plant, which makes fuel cells.\n",
    )
    seen_during: list[object] = []
    with archive.generations.hold() as old:  # a question in flight across the rebuild
        report = archive.rebuild(lambda done, total: seen_during.append(archive.retriever))
        assert report is not None and report.changed == (WANG_JI,)
        assert seen_during and all(r is old for r in seen_during)  # readers kept the old index
        assert archive.retriever is not old
        assert "hydrogen" in archive.retriever.get_article(WANG_JI).body
        hits = old.search("Songhua Lake hydrogen plant fuel cells", k=3)  # old one still works
        assert all("hydrogen" not in h.text for h in hits)
        assert old.generation.is_dir()
    _wait(lambda: not old.generation.exists())  # closed after its last question, then removed
    with pytest.raises(QAError, match="was closed"):
        old.get_article(WANG_JI)


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


HUAWEI_Q = "Who did Jing Junhai meet from Huawei?"


def test_a_question_asked_while_the_index_loads_waits_and_is_answered(
    tmp_path: Path, embedder: object
) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    live = Archive(seeds, tmp_path / "index")
    replies: list[object] = []
    asker = threading.Thread(target=lambda: replies.append(live.ask(HUAWEI_Q)))
    asker.start()  # before the index even starts loading
    time.sleep(0.2)
    assert asker.is_alive() and not live.loaded  # waiting, not refused
    live.open()
    asker.join(60)
    assert replies and replies[0].answer.citations  # type: ignore[attr-defined]
    live.close()


def test_waiting_for_the_index_ends_with_a_reason(tmp_path: Path) -> None:
    never = Archive(tmp_path / "seeds", tmp_path / "index", load_wait=0.2)
    with pytest.raises(QAError, match="still being built after 0 s"):
        never.ask(HUAWEI_Q)
    broken = Archive(tmp_path / "missing", tmp_path / "index")
    with pytest.raises(InvalidArgumentError):
        broken.open()
    with pytest.raises(QAError, match="could not be opened: archive folder .* does not exist"):
        broken.ask(HUAWEI_Q)


def _open_files_under(folder: Path) -> list[str]:
    """What this process's open file descriptors point to under ``folder``."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_no_deleted_file_is_held_open_after_swaps(archive: Archive) -> None:
    seed = archive.seeds_dir / f"{WANG_JI}.txt"
    for i in range(3):
        archive.ask(HUAWEI_Q)  # opens the generation's files in this thread
        _append(seed, f"\n\nOn June {i + 5}, Wang Ji inspected hydrogen plant number {i}.\n")
        assert archive.rebuild() is not None  # a new generation is swapped in
        assert archive.rebuild(force=True) is not None  # nothing changed: nothing written
        archive.ask(HUAWEI_Q)
    live = archive.retriever.generation
    _wait(lambda: [p.name for p in archive.index_dir.glob("gen-*")] == [live.name])
    held = _open_files_under(archive.index_dir)
    assert held and not [t for t in held if t.endswith("(deleted)")]
    assert {Path(t).relative_to(archive.index_dir).parts[0] for t in held} == {live.name}
    assert archive.generations.open_count == 1
    assert archive.generation == 4  # the first load and three swaps; no-op builds swap nothing


def test_a_new_unreadable_file_is_listed_without_another_change(archive: Archive) -> None:
    from qa.app.events import status_panel

    (archive.seeds_dir / "loop.txt").symlink_to(archive.seeds_dir / "loop.txt")
    assert archive.changed_on_disk()
    report = archive.rebuild()
    assert report is not None and report.written and not report.touched
    reasons = {Path(s.path).name: s.reason for s in archive.retriever.stats.skipped}
    assert reasons["loop.txt"] == "link loop (the link leads back to itself)"
    assert "link loop" in status_panel(archive)


def test_uploads_are_checked_before_anything_is_copied(archive: Archive, tmp_path: Path):
    archive.upload_limits = UploadLimits(max_bytes=2_000, max_files=2)
    before = sorted(p.name for p in archive.seeds_dir.iterdir())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = inbox / "good.txt"
    good.write_text("Harbin ice festival\n\n2024-01-05\n\nThe festival opened on January 5.\n")
    big = inbox / "big.txt"
    big.write_text("Big\n\n" + "A sentence about nothing in particular. " * 100)
    binary = inbox / "image.md"
    binary.write_bytes(bytes(range(256)) * 4)
    for files, message in [
        ([good, big], r"big\.txt was not added: larger than 0\.002 MB limit"),
        ([good, binary], r"image\.md was not added: binary file, not text"),
        ([good, good, good], r"3 files at once; at most 2"),
        ([inbox / "notes.pdf"], r"only \.txt and \.md"),
    ]:
        with pytest.raises(InvalidArgumentError, match=message):
            archive.add_files(files)
    assert sorted(p.name for p in archive.seeds_dir.iterdir()) == before  # nothing copied
    assert archive.add_files([good]).added == ("good",)


def test_questions_asked_at_once_share_one_retriever(archive: Archive) -> None:
    from concurrent.futures import ThreadPoolExecutor

    questions = [
        HUAWEI_Q,
        "What did Mayor Wang Ji inspect in the Jilin High-tech Zone?",
        "What agreement did Nanjing sign with China Electronics Technology Group?",
        "What is the boiling point of tungsten?",
    ]
    alone = {q: archive.ask(q).answer.text for q in questions}
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda q: (q, archive.ask(q).answer.text), questions * 4))
    assert all(alone[q] == text for q, text in together)
    assert archive.generations.open_count == 1


def test_threads_that_come_and_go_leave_no_connection_open(archive: Archive) -> None:
    retriever = archive.retriever
    for _ in range(12):  # a thread pool's workers end when idle; new ones take their place
        worker = threading.Thread(target=lambda: retriever.search("Huawei", k=1))
        worker.start()
        worker.join()
    tables = [t for t in _open_files_under(archive.index_dir) if t.endswith("chunks.sqlite")]
    assert len(tables) <= 2  # this thread's and the last worker's, not one per worker


def test_an_empty_archive_is_shown_as_a_warning(tmp_path: Path, embedder: object) -> None:
    from qa.app.events import status_panel

    (tmp_path / "seeds").mkdir()
    empty = Archive(tmp_path / "seeds", tmp_path / "index")
    report = empty.open()
    assert report is not None and report.notes
    assert "has no articles: add .txt or .md files" in status_panel(empty)
    empty.close()


def test_the_parser_is_loaded_before_the_first_what_question(
    archive: Archive, caplog: pytest.LogCaptureFixture
) -> None:
    from qa.answering.syntax import load_parser

    before = load_parser.cache_info()
    archive.load_parser()
    after = load_parser.cache_info()
    assert after.hits + after.misses == before.hits + before.misses + 1  # loaded, or was
    assert after.currsize >= 1  # so the first "What ...?" question waits for nothing
    with archive.generations.hold() as retriever:
        retriever.manifest["answering"]["parser"] = "no_such_pipeline"
    archive.load_parser()  # logged, not raised: the page works for every other question
    assert "no_such_pipeline" in caplog.text
