"""The archive is confined to its folder: links out of it, loops and odd files are reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.errors import ArticleError
from qa.ingest.articles import Skipped, decode_text, read_article, scan_archive

ARTICLE = b"Robot museum opens\n\n2024-05-20\n\nThe Changchun Robot Museum opened on May 18.\n"
SECRET = b"root:x:0:0:root:/root:/bin/bash\n\nThe root shell of this machine is bash.\n"


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "museum.txt").write_bytes(ARTICLE)
    return folder


def _reasons(folder: Path) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in scan_archive(folder).skipped}


def test_a_link_out_of_the_archive_is_skipped_not_read(archive: Path, tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    (archive / "x.txt").symlink_to(secret)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "more.txt").write_bytes(SECRET)
    (archive / "elsewhere").symlink_to(tmp_path / "outside")
    result = scan_archive(archive)
    assert [a.id for a in result.articles] == ["museum"]
    assert all("root" not in a.body for a in result.articles)
    reasons = _reasons(archive)
    assert reasons["x.txt"] == "outside the archive folder (a link that leads out of it)"
    assert reasons["elsewhere"] == "outside the archive folder (a link that leads out of it)"
    assert str(secret) not in " ".join(reasons.values())  # where it leads is not shown
    with pytest.raises(ArticleError, match="outside the archive folder"):
        read_article(archive / "x.txt", root=archive)


def test_a_link_inside_the_archive_is_read_where_it_really_is(archive: Path) -> None:
    (archive / "sub").mkdir()
    (archive / "sub" / "real.txt").write_bytes(ARTICLE.replace(b"Robot", b"Rocket"))
    (archive / "alias.txt").symlink_to(archive / "sub" / "real.txt")
    (archive / "folder-link").symlink_to(archive / "sub")
    result = scan_archive(archive)
    assert [a.id for a in result.articles] == ["alias", "museum"]
    assert _reasons(archive) == {
        "folder-link": "a link to a folder (links to folders are not followed)",
        "real.txt": "duplicate of alias",
    }


def test_a_link_loop_and_a_broken_link_have_reasons(archive: Path) -> None:
    (archive / "loop.txt").symlink_to(archive / "loop.txt")
    (archive / "a.txt").symlink_to(archive / "b.txt")
    (archive / "b.txt").symlink_to(archive / "a.txt")
    (archive / "gone.md").symlink_to(archive / "missing.md")
    result = scan_archive(archive)
    assert [a.id for a in result.articles] == ["museum"]
    assert _reasons(archive) == {
        "a.txt": "link loop (the link leads back to itself)",
        "b.txt": "link loop (the link leads back to itself)",
        "loop.txt": "link loop (the link leads back to itself)",
        "gone.md": "broken link (its target does not exist)",
    }


def test_a_pipe_is_skipped_without_waiting_on_it(archive: Path) -> None:
    os.mkfifo(archive / "pipe.txt")
    assert _reasons(archive) == {"pipe.txt": "not a regular file (a pipe, socket or device)"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can open any folder")
def test_an_unreadable_folder_is_reported(archive: Path) -> None:
    locked = archive / "locked"
    locked.mkdir()
    (locked / "a.txt").write_bytes(ARTICLE)
    locked.chmod(0)
    try:
        assert _reasons(archive) == {"locked": "cannot open folder: Permission denied"}
    finally:
        locked.chmod(0o755)


def test_undecodable_bytes_are_replaced_and_reported(archive: Path) -> None:
    text = "Café talks “in Changchun”\n\n2024-05-20\n\nThe mayor’s talks — on May 18 — went well.\n"
    (archive / "bad.txt").write_bytes(text.encode("utf-8").replace(b"well", b"w\xffell"))
    result = scan_archive(archive)
    bad = next(a for a in result.articles if a.id == "bad")
    assert bad.title == "Café talks “in Changchun”"  # UTF-8, not garbled Latin-1
    assert "w\ufffdell" in bad.body
    reason = "1 undecodable byte(s) replaced with U+FFFD (read as UTF-8)"
    assert result.warnings == (Skipped(str(archive / "bad.txt"), reason),)


def test_latin1_and_clean_utf8_need_no_replacement() -> None:
    assert decode_text("Café à la française.".encode("latin-1")).caveat is None
    assert decode_text("Café à la française.".encode("latin-1")).encoding == "Latin-1"
    assert decode_text("Café “quoted”.".encode()).caveat is None
