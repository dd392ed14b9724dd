"""Answers on evaluation sets, question by question: cited, text and short-answer rates, length.

For tuning and reading misses; the figures in the README come from ``qa eval --answers``,
which measures the same rates (``qa.evaluation.metrics.evaluate_answers``). This script also
writes one JSON row per question (question, gold, short answer, answer text, abstained,
confidence, evidence) so misses can be read, and asks the same questions as ``qa eval`` does:
each as of its own date when the set gives one.

    .venv/bin/python bench/eval_short.py xquad_en --limit 400 --work /tmp/qa-eval \
        --out bench/out/short_xquad.jsonl
    .venv/bin/python bench/eval_short.py squad2_cs224n_dev --unanswerable --limit 400
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from pathlib import Path

from corpus import EVAL

from qa.answering.answerer import PASSAGE_ORDER, ExtractiveAnswerer, is_chinese
from qa.answering.citations import MARKER
from qa.answering.sentence_select import words
from qa.config import AnswerConfig
from qa.evaluation.metrics import answer_found, corpus_articles, load_beir, load_queries_jsonl
from qa.index.build import sync_articles
from qa.search.retriever import load_retriever

LOCAL = Path(__file__).resolve().parent / "data"


def set_path(name: str) -> Path:
    return LOCAL / name if (LOCAL / name).is_dir() else EVAL / name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", help="a set under ../shared/eval or bench/data")
    parser.add_argument("--corpus", help="answer from this set's corpus (cross-set questions)")
    parser.add_argument("--unanswerable", action="store_true", help="its unanswerable.jsonl")
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-eval"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--dump", type=Path, help="pickle what each answer was chosen from")
    args = parser.parse_args(argv)

    beir = load_beir(set_path(args.set))
    corpus_set = load_beir(set_path(args.corpus)) if args.corpus else beir
    queries = (
        load_queries_jsonl(set_path(args.set) / "unanswerable.jsonl")
        if args.unanswerable
        else beir.queries
    )
    end = None if args.limit is None else args.offset + args.limit
    queries = tuple(queries[args.offset : end])
    folder = args.work / corpus_set.name
    sync_articles(
        corpus_articles(corpus_set), folder, progress=False, source=f"beir:{corpus_set.name}"
    )
    retriever = load_retriever(folder)
    answerer = ExtractiveAnswerer(AnswerConfig.for_index(retriever.manifest))
    rows, dumps = [], []
    started = time.perf_counter()
    for q in queries:
        results = retriever.search(q.text, answerer.config.k, as_of=q.date, **PASSAGE_ORDER)
        a = answerer.assess(q.text, results, retriever, query=q.text)
        answered = a.confidence >= answerer.config.abstention(is_chinese(q.text))[2]
        reply = a.answer
        dumps.append((q.text, q.answers, answered, a.question, a.ranked, getattr(a, "chosen", ())))
        found = getattr(reply, "short_answer", None)  # None before short answers existed
        short = found.text if found else None
        texts = [reply.text, *(c.excerpt for c in reply.citations)]
        rows.append(
            {
                "id": q.id,
                "question": q.text,
                "gold": q.answers,
                "answered": answered,
                "confidence": round(a.confidence, 4),
                "evidence": [round(x, 4) for x in a.evidence.vector()],
                "short": short,
                "text": reply.text,
                "words": words(MARKER.sub("", reply.text)),
                "cited": bool(answer_found(texts, q.answers)) if q.answers else None,
                "in_text": bool(answer_found([reply.text], q.answers)) if q.answers else None,
                "in_short": bool(answer_found([short], q.answers))
                if q.answers and short
                else False,
            }
        )
    seconds = time.perf_counter() - started
    judged = [r for r in rows if r["cited"] is not None]

    def rate(key: str) -> float:
        return round(sum(bool(r[key]) and r["answered"] for r in judged) / len(judged), 4)

    summary: dict[str, object] = {
        "set": args.set,
        "corpus": corpus_set.name,
        "unanswerable": args.unanswerable,
        "n": len(rows),
        "answered": round(sum(r["answered"] for r in rows) / max(len(rows), 1), 4),
        "seconds": round(seconds, 1),
    }
    if judged:
        shorts = [r for r in judged if r["short"] and r["answered"]]
        summary |= {
            "cited": rate("cited"),
            "text": rate("in_text"),
            "short": rate("in_short"),
            "with_short": round(len(shorts) / len(judged), 4),
            "short_when_given": round(sum(r["in_short"] for r in shorts) / max(len(shorts), 1), 4),
            "median_words": statistics.median(r["words"] for r in rows if r["answered"]),
        }
    print(json.dumps(summary))
    if args.dump:
        with args.dump.open("wb") as sink:
            pickle.dump(dumps, sink)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w") as sink:
            for r in rows:
                sink.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
