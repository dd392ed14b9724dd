"""Answers with verified, sentence-level citations, or an honest "the archive does not say".

    reply = answer("Where were the talks held?", retriever, history=[previous])
    reply.text       # "... held talks in Changchun. [1]"
    reply.citations  # Citation(n=1, excerpt=body[start:end], sentence_start=..., ...)

The default answerer is extractive and needs no language model: it quotes the sentences of the
retrieved passages that answer the question, so every sentence of ``Answer.text`` ends with a
marker ``[n]`` whose citation's excerpt contains that sentence verbatim. A generative backend can
implement :class:`Answerer` later under the same citation contract.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from qa.answering.abstain import Evidence, confidence, gather_evidence
from qa.answering.citations import build_answer, build_citations, contract_violations
from qa.answering.disagreement import Claim, disagreement_note, find_disagreement
from qa.answering.followup import Turn, rewrite
from qa.answering.sentence_select import (
    ArticleSource,
    Candidate,
    Documents,
    describe,
    gather,
    rank,
    select,
)
from qa.answering.short_answer import (
    Kind,
    Pick,
    asked_kind,
    find_short,
    is_list_question,
    related_anywhere,
    sentence_support,
    states_asked_verb,
)
from qa.config import AnswerConfig
from qa.errors import InvalidArgumentError
from qa.index.embedding import Embedder, VectorCache
from qa.ingest.chinese import cjk_share
from qa.models import Answer, Hit, SearchResults, ShortAnswer
from qa.search import dates
from qa.search.question import QuestionInfo, read_question, stems_of, with_local_idf

logger = logging.getLogger(__name__)

# How an answer searches: the passages that state the most, in score order, however many
# share an article, and without the lift a long article's other paragraphs give its passages
# (``RetrievalConfig.per_article``, ``article_lift``: they rank articles, not statements;
# measured in the README, issue 18).
PASSAGE_ORDER: dict[str, Any] = {"per_article": 0, "article_lift": 0.0}

NOT_IN_ARCHIVE = "The archive does not say: none of its articles answers this question."


class Answerer(Protocol):
    """Turns retrieved passages into an ``Answer`` under the citation contract.

    Every sentence of ``Answer.text`` ends with ``[n]``; citation ``n`` holds an excerpt
    ``body[start:end]`` of its article that contains the sentence verbatim; citations are
    numbered 1..N in order of first use. When the passages do not answer the question,
    ``abstained`` is true and ``related`` offers the closest passages.
    """

    def __call__(
        self, question: str, results: SearchResults, source: AnswerSource, *, query: str
    ) -> Answer: ...


class AnswerSource(ArticleSource, Protocol):
    """What an answerer needs from an index: full articles and the embedder (a Retriever)."""

    embedder: Embedder

    def background(self, vector: np.ndarray) -> float:
        """The mean similarity of a unit query vector to the index's passages."""
        ...


@dataclass(frozen=True)
class Assessment:
    """What the extractive answerer found, before deciding whether to abstain."""

    evidence: Evidence
    confidence: float  # calibrated probability that the archive answers the question
    answer: Answer  # the answer it would give (an abstention when nothing was retrieved)
    question: QuestionInfo | None = None  # as read, with its terms weighed among candidates
    ranked: tuple[Candidate, ...] = ()  # the shortlisted sentences, best first
    chosen: tuple[Candidate, ...] = ()  # the sentences selected, before the short answer


class ExtractiveAnswerer:
    """The default answerer: quotes the sentences that answer, or abstains.

    Keeps the vectors of sentences it has embedded, so repeated questions over the same
    articles are fast; one instance can serve a whole session.
    """

    def __init__(self, config: AnswerConfig | None = None, cache_size: int = 4096) -> None:
        self.config = config or AnswerConfig()
        self._vectors = VectorCache(cache_size)

    def _encoder(self, source: AnswerSource) -> Callable[[list[str]], np.ndarray]:
        # A retriever's own cache outlives this answerer, which ``answer()`` makes anew for
        # each question; a source without one (a test's fake) uses this answerer's.
        cache = getattr(source, "vector_cache", None)
        if cache is None:
            cache = self._vectors
        embedder = source.embedder

        def encode(texts: list[str]) -> np.ndarray:
            return cache.encode(texts, lambda todo: embedder.encode(todo, show_progress=False))

        return encode

    def assess(
        self, question: str, results: SearchResults, source: AnswerSource, *, query: str
    ) -> Assessment:
        """The answer the passages support, with the evidence for it, before abstention."""
        cfg = self.config
        docs = Documents(source)
        candidates = gather(results.hits, docs, cfg.before_chars)
        info = with_local_idf(read_question(query, question), [c.text for c in candidates])
        described = [describe(c, info) for c in candidates]
        listing = is_list_question(question)
        ranked = rank(
            described,
            info,
            self._encoder(source),
            weights=cfg.zh_weights if is_chinese(question) else cfg.weights,
            shortlist=cfg.list_shortlist if listing else cfg.shortlist,
            dense_chars=cfg.dense_chars,
            window_chars=cfg.window_chars,
        )
        background = (
            source.background(self._encoder(source)([info.text])[0])  # cached by rank
            if ranked
            else 0.0
        )
        if not ranked:
            evidence = gather_evidence(info, ranked, results.hits, background=background)
            return Assessment(evidence, 0.0, abstention(question, query, results, cfg.related))
        kind = asked_kind(question, info)
        claims = _disagreement(query, described, ranked, info, cfg)
        pick: Pick | None = None
        if claims:
            chosen = [c.candidate for c in claims]
        elif listing:
            chosen = select_across_articles(ranked, info, cfg)
        else:
            chosen = select(
                ranked, max_sentences=cfg.max_sentences, margin=cfg.margin, kind=info.answer_type
            )
        selected = tuple(chosen)
        stated = False  # whether the short answer's own sentence states the question
        if not claims:  # a list's phrases come from its own sentences only
            pick = find_short(chosen, kind, info, () if listing else ranked, cfg.parser)
            stated = pick is not None and sentence_support(pick.candidate, info) > 0
            if pick is not None and not listing:
                # Two sentences suffice when the short answer's own sentence states the
                # question (its names, numbers and relation); otherwise the phrase may be the
                # wrong one ("the CEO of the LEGO Foundation" for "the CEO of Lego in 2021")
                # and the other chosen sentences stay as evidence. A "What ...?" question's
                # noun phrase is a guess by alignment: the chosen sentences stay (with two,
                # SQuAD 2.0's cited excerpts fell 0.855 -> 0.8475).
                two = stated and kind is not Kind.PHRASE
                limit = cfg.short_supporting if two else cfg.max_sentences
                chosen = supporting(pick, chosen, limit)
        evidence = gather_evidence(
            info,
            ranked,
            results.hits,
            background=background,
            # as fitted: a "What ...?" question's phrase is no phrase of a kind
            shaped=kind in (None, Kind.PHRASE) or pick is not None,
        )
        weights, bias, _ = cfg.abstention(is_chinese(question))
        sure = confidence(evidence, weights, bias)
        if not related_anywhere(question, info, [*chosen, *ranked]):
            sure = 0.0  # its names are found, but never with the relation asked about
        logger.debug("answer confidence %.3f from %s", sure, evidence)
        if pick is not None and pick.kind is Kind.PHRASE:
            # a noun phrase is a guess by alignment: shown when its sentence states the
            # question or the answer is sure; otherwise the sentences answer, as chosen
            trusted = stated or sure >= cfg.phrase_confidence
            if not trusted or not states_asked_verb(question, pick.candidate.text):
                pick, chosen = None, list(selected)
        if pick is not None:  # the sentence holding the short answer is cited first
            chosen = [pick.candidate, *(c for c in chosen if c.key != pick.candidate.key)]
        citations = build_citations(chosen, docs, cfg.context_chars, cfg.heading_chars)
        notes = (disagreement_note(claims, [c.n for c in citations]),) if claims else ()
        reply = build_answer(
            question,
            query,
            chosen,
            citations,
            results.dates,
            notes,
            results.window,
            short_answer(pick, citations[0].n) if pick else None,
        )
        return Assessment(evidence, sure, reply, info, tuple(ranked), selected)

    def __call__(
        self, question: str, results: SearchResults, source: AnswerSource, *, query: str
    ) -> Answer:
        assessment = self.assess(question, results, source, query=query)
        _, _, threshold = self.config.abstention(is_chinese(question))
        if assessment.confidence < threshold:
            return abstention(question, query, results, self.config.related)
        return assessment.answer


def answer_config(retriever: Any) -> AnswerConfig:
    """The answer settings ``retriever``'s index recorded (``AnswerConfig.for_index``): those
    ``answer`` uses when it is given none."""
    return AnswerConfig.for_index(getattr(retriever, "manifest", {}))


def is_chinese(question: str) -> bool:
    """Whether ``question`` is mostly in Chinese: it is then weighed by Chinese settings."""
    return cjk_share(question) >= 0.5


def short_answer(pick: Pick, n: int) -> ShortAnswer:
    """The short answer ``pick`` as cited by ``[n]``, with offsets into the article body."""
    sentence = pick.candidate
    if pick.kind is Kind.YES_NO:
        return ShortAnswer(pick.text, n, sentence.start, sentence.end)
    return ShortAnswer(pick.text, n, sentence.start + pick.start, sentence.start + pick.end)


def supporting(pick: Pick, chosen: Sequence[Candidate], limit: int) -> list[Candidate]:
    """The sentence holding the short answer, then the best others of ``chosen`` (which left
    out those that add nothing new, see ``select``), ``limit`` sentences in all."""
    others = [c for c in chosen if c.key != pick.candidate.key]
    return [pick.candidate, *others][:limit]


def select_across_articles(
    ranked: Sequence[Candidate], info: QuestionInfo, cfg: AnswerConfig
) -> list[Candidate]:
    """For a question asking for every answer ("Which events did Li Guoqiang attend?"): the
    best sentence of each article that names the question's names itself and scores within
    ``cfg.list_margin`` of the best such sentence, up to ``cfg.max_sentences``, best first
    (the best sentence alone when none names them)."""
    keys = {t.stem for t in info.terms if t.key}
    naming = [c for c in ranked if keys <= stems_of(c.text)]
    if not naming:
        return [ranked[0]]
    out: dict[str, Candidate] = {}
    for candidate in naming:
        if len(out) >= cfg.max_sentences or candidate.score < naming[0].score - cfg.list_margin:
            break
        out.setdefault(candidate.article.id, candidate)
    return list(out.values())


def abstention(question: str, query: str, results: SearchResults, related: int) -> Answer:
    """The answer that says the archive does not answer, offering the closest passages."""
    return Answer(
        question=question,
        query=query,
        text=NOT_IN_ARCHIVE,
        citations=(),
        abstained=True,
        related=closest_articles(results.hits, related),
        dates=results.dates,
        window=results.window,
    )


def closest_articles(hits: Sequence[Hit], n: int) -> tuple[Hit, ...]:
    """The best ``n`` hits, one per article while other articles remain, in rank order."""
    first: dict[str, int] = {}
    for i, hit in enumerate(hits):
        first.setdefault(hit.article.id, i)
    picked = sorted(first.values())[:n]
    picked += [i for i in range(len(hits)) if i not in picked][: n - len(picked)]
    return tuple(hits[i] for i in sorted(picked))


def _disagreement(
    query: str,
    described: Sequence[Candidate],
    ranked: Sequence[Candidate],
    info: QuestionInfo,
    cfg: AnswerConfig,
) -> list[Claim]:
    """The dated claims to show side by side, or none when the best answer stands alone.

    None when the question names its year ("Who won the U.S. Open in 2020?"): it has chosen
    the time itself, so sources of other dates do not disagree with its answer. None either
    when the best answer's article is not among the claims: they then name other people in
    other roles ("president of the NFL Players Association"), not rivals for the answer.
    """
    if dates.named_years(query):
        return []
    scored = {c.key: c for c in ranked}
    claims = find_disagreement(
        [scored.get(c.key, c) for c in described],
        info,
        min_coverage=cfg.disagreement_coverage,
        limit=cfg.max_sentences,
    )
    if ranked[0].article.id not in {c.candidate.article.id for c in claims}:
        return []
    return claims


def answer(
    question: str,
    retriever: Any,
    history: Sequence[Turn] | None = None,
    k: int | None = None,
    *,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    as_of: str | dt.date | None = None,
    mode: str | None = None,
    interpret_dates: bool = True,
    config: AnswerConfig | None = None,
    answerer: Answerer | None = None,
) -> Answer:
    """Answer ``question`` from the archive behind ``retriever``.

    Args:
        question: The question, in plain language.
        retriever: A ``qa.Retriever`` (anything with ``search``, ``get_article``, ``embedder``).
        history: Earlier turns of the conversation, oldest first: ``Answer`` objects or
            ``(question, Answer)`` pairs. A follow-up ("When was it signed?") is searched with
            the previous turn's salient terms; ``Answer.query`` shows what was searched.
        k: Passages to retrieve (default ``config.k``).
        since, until: Inclusive date bounds, as for ``Retriever.search``.
        as_of: Answer as of this date, as for ``Retriever.search``: "this week" is the week
            before it, and articles dated after it are left out (default: today, none left out).
        mode: "hybrid", "dense" or "lexical" retrieval (default: the index's).
        interpret_dates: Weigh dated passages by the period the question names ("in 2023",
            "this week"); it never leaves any out.
        config: Answering settings; default: those recorded in the index manifest.
        answerer: Another ``Answerer`` implementation (default: extractive). Its answer is
            checked against the citation contract and replaced by an abstention if it fails.

    Raises:
        InvalidArgumentError: The question is empty or ``k`` is not a positive integer.
    """
    if not question or not question.strip():
        raise InvalidArgumentError("the question is empty")
    if config is None:
        config = answer_config(retriever)
    k = config.k if k is None else k
    if not isinstance(k, int) or k < 1:
        raise InvalidArgumentError(f"k must be a positive integer, got {k!r}")
    query = rewrite(question, history)
    results = retriever.search(
        query,
        k,
        since=since,
        until=until,
        as_of=as_of,
        mode=mode,
        interpret_dates=interpret_dates,
        **PASSAGE_ORDER,
    )
    if answerer is None:
        return ExtractiveAnswerer(config)(question.strip(), results, retriever, query=query)
    reply = answerer(question.strip(), results, retriever, query=query)
    problems = contract_violations(reply, retriever)
    if problems:  # another backend's answer is only shown when every citation checks out
        logger.error("answer dropped, its citations do not check out: %s", "; ".join(problems))
        return abstention(question.strip(), query, results, config.related)
    return reply
