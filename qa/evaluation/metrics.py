"""Evaluation on BEIR-layout sets: retrieval metrics, answer@5, and answer-level rates.

A set is a folder with ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` (see
``qa.evaluation.beir``). Retrieval is scored per document (article), the way other systems are
compared: the caller's search returns ``4 * k`` ranked passages ``(doc_id, text)`` (40 for
k = 10), the first occurrence of each document gives its rank, and the first ``k`` distinct
documents are scored. Metrics follow pytrec_eval (the library BEIR reports with): recall@k,
reciprocal rank cut at k, and nDCG@k with linear gain ``rel / log2(rank + 1)``.

answer@5 is per passage: whether every gold answer group is matched (case-insensitive,
whitespace-normalised substring) by one of its alternatives in one of the top five passages;
queries without gold answers are left out of it.
"""

from __future__ import annotations

import logging
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from tqdm.auto import tqdm

from qa.errors import InvalidArgumentError
from qa.evaluation.beir import (
    BeirDoc,
    BeirQuery,
    BeirSet,
    corpus_articles,
    load_beir,
    load_queries_jsonl,
)
from qa.models import Answer

logger = logging.getLogger(__name__)

__all__ = [
    "AnswerReport",
    "BeirDoc",
    "BeirQuery",
    "BeirSet",
    "QueryResult",
    "RetrievalReport",
    "answer_found",
    "corpus_articles",
    "evaluate_answers",
    "evaluate_retrieval",
    "format_table",
    "load_beir",
    "load_queries_jsonl",
    "mrr_at_k",
    "ndcg_at_k",
    "recall_at_k",
]

_MARKER = re.compile(r"\[\d+\]")
ANSWER_DEPTH = 5  # passages searched for a gold answer (answer@5)
PASSAGES_PER_DOCUMENT = 4  # passages retrieved per document scored (40 for the first 10)


# ---------------------------------------------------------------------------- metrics
def _unique(ranked: Iterable[str]) -> list[str]:
    """Document ids in order of first occurrence."""
    return list(dict.fromkeys(ranked))


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents (grade > 0) found in the first ``k`` of ``ranked``."""
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted.intersection(_unique(ranked)[:k])) / len(wanted)


def mrr_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """``1 / rank`` of the first relevant document within the first ``k``, else 0."""
    for rank, doc in enumerate(_unique(ranked)[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int) -> float:
    """nDCG@k with graded relevance and linear gain, as pytrec_eval's ``ndcg_cut``."""
    gains = [max(relevant.get(doc, 0), 0) for doc in _unique(ranked)[:k]]
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    if idcg == 0:
        return 0.0
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains)) / idcg


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def answer_found(texts: Iterable[str], answers: Sequence[Sequence[str]]) -> bool | None:
    """Whether every answer group has an alternative inside one of ``texts``.

    Args:
        texts: Passages (or an answer and its cited excerpts).
        answers: Groups of alternatives, as ``BeirQuery.answers``; all groups must match.

    Returns:
        ``None`` when there are no gold answers, else whether all groups matched.
    """
    groups = [[_norm(a) for a in group if _norm(a)] for group in answers]
    groups = [g for g in groups if g]
    if not groups:
        return None
    haystack = [_norm(t) for t in texts]
    return all(any(alt in text for alt in group for text in haystack) for group in groups)


# ---------------------------------------------------------------------------- retrieval
@dataclass(frozen=True)
class QueryResult:
    """How one query fared: its ranked documents and scores."""

    query_id: str
    ranked: tuple[str, ...]  # unique document ids, best first, at most k
    recall: float  # at k
    reciprocal_rank: float  # at k
    ndcg: float  # at k
    answer_found: bool | None  # in the top ANSWER_DEPTH passages; None without gold answers


@dataclass(frozen=True)
class RetrievalReport:
    """Mean retrieval metrics over the queries of a set that have qrels."""

    n_queries: int
    k: int
    recall: dict[int, float]  # cutoff -> mean recall, for 1, 5 and k
    mrr: float  # MRR@k
    ndcg: float  # nDCG@k
    answer_at_5: float | None  # over the queries with gold answers; None if there are none
    n_with_answers: int
    seconds: float
    per_query: tuple[QueryResult, ...] = ()

    def to_dict(self, *, per_query: bool = False) -> dict[str, object]:
        """A flat JSON-ready dict ("recall@5", "ndcg@10", ...); per-query rows on request."""
        out: dict[str, object] = {"n_queries": self.n_queries}
        out.update({f"recall@{c}": v for c, v in sorted(self.recall.items())})
        out[f"mrr@{self.k}"] = self.mrr
        out[f"ndcg@{self.k}"] = self.ndcg
        out[f"answer@{ANSWER_DEPTH}"] = self.answer_at_5
        out["n_with_answers"] = self.n_with_answers
        out["seconds"] = round(self.seconds, 3)
        if per_query:
            out["per_query"] = [asdict(r) for r in self.per_query]
        return out


Search = Callable[[BeirQuery, int], list[tuple[str, str]]]


def evaluate_retrieval(
    beir: BeirSet,
    search: Search,
    *,
    k: int = 10,
    fetch: int | None = None,
    progress: bool = True,
) -> RetrievalReport:
    """Run every query of ``beir`` through ``search`` and score the ranking.

    Args:
        beir: The set; only its queries with qrels are run.
        search: ``search(query, n)`` returns up to ``n`` ranked passages for a ``BeirQuery``
            as ``(doc_id, passage_text)``; several passages of one document may appear.
        k: Cutoff of recall, MRR and nDCG (recall is also given at 1 and 5).
        fetch: Passages asked of ``search``; defaults to ``4 * k``, of which the first ``k``
            distinct documents are scored.
        progress: Show a tqdm progress bar.
    """
    if k < 1:
        raise InvalidArgumentError(f"k must be at least 1, got {k}")
    fetch = fetch if fetch is not None else PASSAGES_PER_DOCUMENT * k
    results: list[QueryResult] = []
    started = time.perf_counter()
    for query in tqdm(beir.queries, desc="retrieval", unit="q", disable=not progress):
        passages = search(query, max(fetch, ANSWER_DEPTH))
        ranked = _unique(doc for doc, _ in passages)
        rel = beir.qrels.get(query.id, {})
        found = answer_found((text for _, text in passages[:ANSWER_DEPTH]), query.answers)
        results.append(
            QueryResult(
                query.id,
                tuple(ranked[:k]),
                recall_at_k(ranked, rel, k),
                mrr_at_k(ranked, rel, k),
                ndcg_at_k(ranked, rel, k),
                found,
            )
        )
    report = _summarise(results, beir, k, time.perf_counter() - started)
    logger.info("retrieval: %s", report.to_dict())
    return report


def _summarise(
    results: list[QueryResult], beir: BeirSet, k: int, seconds: float
) -> RetrievalReport:
    recall = {}
    for cutoff in sorted(c for c in {1, 5, k} if c <= k):
        recall[cutoff] = _mean(
            recall_at_k(r.ranked, beir.qrels[r.query_id], cutoff) for r in results
        )
    judged = [r.answer_found for r in results if r.answer_found is not None]
    return RetrievalReport(
        n_queries=len(results),
        k=k,
        recall=recall,
        mrr=_mean(r.reciprocal_rank for r in results),
        ndcg=_mean(r.ndcg for r in results),
        answer_at_5=_mean(judged) if judged else None,
        n_with_answers=len(judged),
        seconds=seconds,
        per_query=tuple(results),
    )


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0


def format_table(reports: Mapping[str, RetrievalReport]) -> str:
    """A markdown table with one row per named report (e.g. one per set or per mode)."""
    if not reports:
        return ""
    first = next(iter(reports.values()))
    cutoffs = sorted(first.recall)
    head = ["run", "queries", *(f"R@{c}" for c in cutoffs), f"MRR@{first.k}", f"nDCG@{first.k}"]
    head += [f"answer@{ANSWER_DEPTH}", "s/query"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in reports.items():
        cells = [name, str(r.n_queries), *(f"{r.recall.get(c, math.nan):.3f}" for c in cutoffs)]
        cells += [f"{r.mrr:.3f}", f"{r.ndcg:.3f}"]
        cells.append("n/a" if r.answer_at_5 is None else f"{r.answer_at_5:.3f}")
        cells.append(f"{r.seconds / max(r.n_queries, 1):.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class AnswerReport:
    """How answers fared: abstentions, and for answerable sets whether the gold answer shows."""

    n: int
    answerable: bool
    abstention_rate: float
    cited_answer_rate: float | None  # gold answer in the answer text or a cited excerpt
    text_answer_rate: float | None  # gold answer in the answer text itself
    n_with_answers: int
    seconds: float
    short_answer_rate: float | None = None  # gold answer in the short answer (None: a miss)
    median_words: float | None = None  # words in an answer (markers left out), over answers

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


def evaluate_answers(
    queries: Sequence[BeirQuery],
    ask: Callable[[BeirQuery], Answer],
    *,
    answerable: bool,
    progress: bool = True,
) -> AnswerReport:
    """Ask every query and rate the answers.

    Args:
        queries: The questions, with gold answers when ``answerable``.
        ask: Answers one question (its text, and its date when the set gives one).
        answerable: Whether the questions have answers in the corpus. For unanswerable sets
            only the abstention rate means anything (higher is better).
        progress: Show a tqdm progress bar.

    An abstention counts as not containing the gold answer, and so does an answer without a
    short answer for ``short_answer_rate``. The rates are over the queries that have gold
    answers and are ``None`` for unanswerable sets.
    """
    abstained, cited, in_text, in_short, judged = 0, 0, 0, 0, 0
    lengths: list[int] = []
    started = time.perf_counter()
    for query in tqdm(queries, desc="answers", unit="q", disable=not progress):
        answer = ask(query)
        abstained += answer.abstained
        if not answer.abstained:
            lengths.append(len(_MARKER.sub(" ", answer.text).split()))
        if not answerable or not query.answers:
            continue
        judged += 1
        if answer.abstained:
            continue
        excerpts = [answer.text, *(c.excerpt for c in answer.citations)]
        cited += bool(answer_found(excerpts, query.answers))
        in_text += bool(answer_found([answer.text], query.answers))
        short = answer.short_answer
        in_short += short is not None and bool(answer_found([short.text], query.answers))
    n = len(queries)
    report = AnswerReport(
        n=n,
        answerable=answerable,
        abstention_rate=abstained / n if n else 0.0,
        cited_answer_rate=cited / judged if answerable and judged else None,
        text_answer_rate=in_text / judged if answerable and judged else None,
        n_with_answers=judged,
        seconds=time.perf_counter() - started,
        short_answer_rate=in_short / judged if answerable and judged else None,
        median_words=statistics.median(lengths) if lengths else None,
    )
    logger.info("answers: %s", report.to_dict())
    return report
