"""``qa eval``: index a BEIR corpus, then measure retrieval (and optionally answers) on it.

Each question is asked as of the day it was asked (``metadata.question_date``) when the set
gives one, as a person reading the archive that day would: "this week" is that week, and
articles dated later are left out. ``--no-question-dates`` asks them as of today instead. The
period a question names only weighs dated passages (see ``qa.search.dates``); it never drops any.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from qa.errors import InvalidArgumentError
from qa.evaluation.metrics import (
    BeirQuery,
    BeirSet,
    RetrievalReport,
    corpus_articles,
    evaluate_answers,
    evaluate_retrieval,
    format_table,
    load_beir,
    load_queries_jsonl,
)
from qa.index.build import sync_articles
from qa.index.pg import is_database
from qa.search.retriever import Retriever, load_retriever

logger = logging.getLogger(__name__)


def index_corpus(
    beir: BeirSet,
    index_dir: Path | str,
    model: str | None,
    progress: bool,
    encoders: tuple[str | None, str | None] = (None, None),
) -> Retriever:
    """Build (or bring up to date) an index of the BEIR corpus and open it.

    ``encoders`` are the (document, query) encoders, as ``qa index --encoder --query-encoder``.
    """
    sync_articles(
        corpus_articles(beir),
        index_dir,
        model=model,
        encoder=encoders[0],
        query_encoder=encoders[1],
        progress=progress,
        source=f"beir:{beir.name}",
    )
    return load_retriever(index_dir)


def as_of(query: BeirQuery, args: argparse.Namespace) -> dt.date | None:
    """The date a question is asked as of: its own, unless ``--no-question-dates``."""
    return query.date if getattr(args, "question_dates", True) else None


def retrieval_reports(
    retriever: Retriever, beir: BeirSet, modes: list[str], args: argparse.Namespace
) -> dict[str, RetrievalReport]:
    reports = {}
    for mode in modes:

        def search(query: BeirQuery, n: int, mode: str = mode) -> list[tuple[str, str]]:
            hits = retriever.search(
                query.text,
                n,
                mode=mode,
                fusion=args.fusion,
                dense_weight=args.dense_weight,
                as_of=as_of(query, args),
            )
            return [(h.article.id, h.text) for h in hits]

        reports[mode] = evaluate_retrieval(beir, search, k=args.k, progress=not args.quiet)
    return reports


def answer_reports(
    retriever: Retriever, beir: BeirSet, folder: Path, args: argparse.Namespace
) -> dict[str, Any]:
    from qa.answering.answerer import answer

    def ask(query: BeirQuery) -> Any:
        return answer(query.text, retriever, as_of=as_of(query, args))

    progress = not args.quiet
    out = {"answerable": evaluate_answers(beir.queries, ask, answerable=True, progress=progress)}
    if (folder / "unanswerable.jsonl").is_file():
        queries = _window(load_queries_jsonl(folder / "unanswerable.jsonl"), args)
        out["unanswerable"] = evaluate_answers(queries, ask, answerable=False, progress=progress)
    if args.unanswerable_from:
        other = load_beir(args.unanswerable_from)
        queries = _window(other.queries, args)
        out[f"questions of {other.name}"] = evaluate_answers(
            queries, ask, answerable=False, progress=progress
        )
    return {name: report.to_dict() for name, report in out.items()}


def _window(queries: Sequence[BeirQuery], args: argparse.Namespace) -> tuple[BeirQuery, ...]:
    """The queries ``--offset`` and ``--limit`` select, in the set's order."""
    end = None if args.limit is None else args.offset + args.limit
    return tuple(queries[args.offset : end])


def run_eval(args: argparse.Namespace) -> int:
    """The body of ``qa eval``; prints a table (or JSON) and returns the exit status."""
    if args.k < 1:
        raise InvalidArgumentError(f"--k must be at least 1, got {args.k}")
    folder = Path(args.folder)
    beir = load_beir(folder)
    if args.offset < 0 or (args.limit is not None and args.limit < 1):
        raise InvalidArgumentError(
            f"--offset must be 0 or more and --limit 1 or more, got {args.offset} and {args.limit}"
        )
    kept = _window(beir.queries, args)
    if args.offset and not kept:
        raise InvalidArgumentError(
            f"--offset {args.offset} skips all {len(beir.queries)} queries of {folder} "
            "that have qrels"
        )
    beir = BeirSet(beir.name, beir.corpus, kept, beir.qrels)
    modes = ["hybrid", "dense", "lexical"] if args.mode == "all" else [args.mode]
    with ExitStack() as stack:
        work: Path | str = (
            (args.work if is_database(args.work) else Path(args.work))
            if args.work
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="qa-eval-")))
        )
        encoders = (getattr(args, "encoder", None), getattr(args, "query_encoder", None))
        retriever = index_corpus(beir, work, args.model, not args.quiet, encoders)
        reports = retrieval_reports(retriever, beir, modes, args)
        answers = answer_reports(retriever, beir, folder, args) if args.answers else None
    dated = sum(as_of(q, args) is not None for q in beir.queries)
    asked = f"as of their own dates: {dated} of {len(beir.queries)} questions"
    if args.json:
        for mode, report in reports.items():
            row = {"set": beir.name, "mode": mode, **report.to_dict(), "question_dates": dated}
            row |= {"encoder": retriever.manifest.get("encoder", "fp32")}
            row |= {"query_encoder": retriever.embedder.encoder}
            print(json.dumps(row))
        if answers:
            print(json.dumps({"set": beir.name, "answers": answers, "question_dates": dated}))
        return 0
    print(f"{beir.name}: {asked}; documents scored: the first {args.k} distinct ones")
    print(
        f"encoders: documents {retriever.manifest.get('encoder', 'fp32')}, "
        f"questions {retriever.embedder.encoder}"
    )
    print(format_table({f"{beir.name} {mode}": r for mode, r in reports.items()}))
    if answers:
        for name, values in answers.items():
            print(f"answers, {name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return 0
