"""Reading evaluation sets in BEIR layout, and turning their corpus into articles.

A set is a folder holding ``corpus.jsonl`` (``_id``, ``title``, ``text``, ``metadata``),
``queries.jsonl`` (``_id``, ``text``, ``metadata.answers``) and ``qrels/<split>.tsv``
(``query-id corpus-id score``, relevance per document, header optional).

Gold answers come in three shapes and are normalised to groups of alternatives, all of which
must be matched: ``"Norway"`` -> ``(("Norway",),)``; ``["France", "FR"]`` (alternatives) ->
``(("France", "FR"),)``; ``[["a", "A"], ["b"]]`` (every inner list must be matched) ->
``(("a", "A"), ("b",))``. In a list mixing strings and lists, each string is a group of its own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.errors import EvalDataError
from qa.ingest.header import leading_date
from qa.models import Article

logger = logging.getLogger(__name__)

__all__ = ["BeirDoc", "BeirQuery", "BeirSet", "corpus_articles", "load_beir"]
__all__ += ["load_queries_jsonl", "normalise_answers"]

Answers = tuple[tuple[str, ...], ...]
_ARTICLE_RECIPE = "dateline-v2"  # how a document becomes an article; see corpus_articles
_DATE_KEYS = ("date", "published", "publish_date", "pub_date", "published_at", "time")


@dataclass(frozen=True)
class BeirDoc:
    """One document of a BEIR corpus."""

    id: str
    title: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class BeirQuery:
    """One query, with its gold answers as groups of alternatives (all groups must match)."""

    id: str
    text: str
    answers: Answers = ()
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def date(self) -> dt.date | None:
        """The day the question was asked (``metadata.question_date``), when the set says."""
        return _metadata_date(self.metadata, ("question_date",))


@dataclass(frozen=True)
class BeirSet:
    """A loaded set: only queries with at least one relevant document (score > 0) are kept."""

    name: str
    corpus: dict[str, BeirDoc]
    queries: tuple[BeirQuery, ...]
    qrels: dict[str, dict[str, int]]  # query id -> doc id -> grade, for the kept queries


def load_beir(folder: str | Path, split: str = "test") -> BeirSet:
    """Load a BEIR folder.

    Args:
        folder: Holds ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.
        split: Which qrels file to use.

    Raises:
        EvalDataError: A file is missing or a line cannot be read (the message names both).
    """
    folder = Path(folder)
    corpus = {doc.id: doc for doc in _read_corpus(folder / "corpus.jsonl")}
    qrels = _read_qrels(folder / "qrels" / f"{split}.tsv")
    all_queries = load_queries_jsonl(folder / "queries.jsonl")
    known = {q.id for q in all_queries}
    queries = tuple(q for q in all_queries if any(g > 0 for g in qrels.get(q.id, {}).values()))
    missing_docs = {d for rel in qrels.values() for d in rel} - corpus.keys()
    if missing_docs:
        logger.warning("%s: %d judged documents are not in the corpus", folder, len(missing_docs))
    if qrels.keys() - known:
        logger.warning("%s: qrels name %d unknown queries", folder, len(qrels.keys() - known))
    kept = {q.id: qrels[q.id] for q in queries}
    logger.info("%s: %d documents, %d queries with qrels", folder, len(corpus), len(queries))
    return BeirSet(folder.name, corpus, queries, kept)


def load_queries_jsonl(path: str | Path) -> tuple[BeirQuery, ...]:
    """Read a ``queries.jsonl``-style file (also unanswerable sets, which have no qrels)."""
    queries = []
    for lineno, row in _read_jsonl(Path(path)):
        metadata = _metadata(row)
        try:
            answers = normalise_answers(metadata.get("answers"))
        except (TypeError, ValueError) as err:
            raise EvalDataError(f"{path}:{lineno}: bad answers: {err}") from None
        queries.append(
            BeirQuery(
                str(_field(row, "_id", (str, int), path, lineno)),
                _field(row, "text", str, path, lineno),
                answers,
                metadata,
            )
        )
    return tuple(queries)


def normalise_answers(raw: object) -> Answers:
    """Gold answers in any of the BEIR shapes as groups of alternatives (see the module doc)."""
    if raw is None:
        return ()
    if isinstance(raw, (str, int, float)):
        return ((str(raw),),) if str(raw).strip() else ()
    if not isinstance(raw, list):
        raise TypeError(f"expected a string or a list, got {type(raw).__name__}")
    if all(isinstance(a, (str, int, float)) for a in raw):
        group = tuple(str(a) for a in raw if str(a).strip())
        return (group,) if group else ()
    groups = [normalise_answers(a) for a in raw]
    return tuple(alt for g in groups for alt in g)


def corpus_articles(beir: BeirSet) -> list[Article]:
    """One ``Article`` per corpus document, so a set can be indexed like the archive.

    An article's date is the first ISO date among the usual metadata keys or, failing that,
    the date its text opens with ("Oct 23, 2019 ...", "2023年1月20日，..."; see
    ``header.leading_date``). The text is kept whole.
    """
    articles = []
    for doc in beir.corpus.values():
        # The reading's recipe is hashed too: when it changes, an index built by an earlier
        # one re-reads every document instead of keeping articles without their dates.
        hashed = f"{_ARTICLE_RECIPE}\n{doc.title}\n\n{doc.text}"
        digest = hashlib.sha256(hashed.encode()).hexdigest()
        date = _metadata_date(doc.metadata) or _dateline(doc.text)
        articles.append(Article(doc.id, doc.title, date, None, doc.text, f"beir:{doc.id}", digest))
    return articles


def _dateline(text: str) -> dt.date | None:
    found = leading_date(text)
    return found[0] if found else None


def _metadata_date(metadata: dict[str, Any], keys: Sequence[str] = _DATE_KEYS) -> dt.date | None:
    """The first ISO-looking date (``2023-01-05`` or ``2023/01/05``) among ``keys``."""
    for key in keys:
        value = metadata.get(key)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10].replace("/", "-"))
            except ValueError:
                continue
    return None


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    value = row.get("metadata")
    return value if isinstance(value, dict) else {}


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for lineno, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise EvalDataError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None
        if not isinstance(row, dict):
            raise EvalDataError(f"{path}:{lineno}: expected a JSON object")
        rows.append((lineno, row))
    return rows


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalDataError(
            f"{path}: missing; a BEIR folder holds corpus.jsonl, queries.jsonl and "
            "qrels/<split>.tsv"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise EvalDataError(f"{path}: cannot read ({err})") from None


def _field(row: dict[str, Any], key: str, kind: Any, path: str | Path, lineno: int) -> Any:
    """``row[key]``, checked to be of ``kind``."""
    value = row.get(key)
    if not isinstance(value, kind):
        raise EvalDataError(f"{path}:{lineno}: field {key!r} missing or not {_kind_name(kind)}")
    return value


def _kind_name(kind: Any) -> str:
    names = [k.__name__ for k in kind] if isinstance(kind, tuple) else [kind.__name__]
    return " or ".join(names)


def _read_corpus(path: Path) -> list[BeirDoc]:
    docs = []
    for lineno, row in _read_jsonl(path):
        doc_id = str(_field(row, "_id", (str, int), path, lineno))
        title = row.get("title") or ""
        text = _field(row, "text", str, path, lineno)
        metadata = _metadata(row)
        docs.append(BeirDoc(doc_id, str(title), text, metadata))
    return docs


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for lineno, line in enumerate(_read_lines(path), start=1):
        parts = line.split("\t") if "\t" in line else line.split()
        if not parts or not line.strip() or (lineno == 1 and parts[0] == "query-id"):
            continue
        if len(parts) != 3:
            raise EvalDataError(
                f"{path}:{lineno}: expected 'query-id<TAB>corpus-id<TAB>score', got {line!r}"
            )
        try:
            grade = int(float(parts[2]))
        except ValueError:
            raise EvalDataError(f"{path}:{lineno}: score {parts[2]!r} is not a number") from None
        qrels.setdefault(parts[0].strip(), {})[parts[1].strip()] = grade
    return qrels
