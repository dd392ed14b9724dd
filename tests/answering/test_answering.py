"""Unit tests of answering on literal articles and hits: no index, no model.

The embedder here is a bag-of-words hash, only so the pipeline can run without a model; the
quality of real answers is tested on the seeds with the real model in test_answer_golden.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, replace

import numpy as np
import pytest
from fakes import FakeRetriever, article, whole_hit

from qa.answering.abstain import (
    FEATURES,
    NO_EVIDENCE,
    Evidence,
    above,
    confidence,
    coverage,
    gather_evidence,
)
from qa.answering.answerer import (
    NOT_IN_ARCHIVE,
    ExtractiveAnswerer,
    answer,
    closest_articles,
)
from qa.answering.citations import (
    answer_sentences,
    answer_text,
    contract_violations,
    excerpt_bounds,
)
from qa.answering.disagreement import find_disagreement
from qa.answering.entities import find_mentions, person_names, specificity
from qa.answering.render import answer_to_dict, format_answer
from qa.answering.sentence_select import (
    Documents,
    clip,
    describe,
    gather,
    rank,
    select,
    similarities,
    window,
    words,
)
from qa.config import REVISION, AnswerConfig, SentenceWeights
from qa.errors import InvalidArgumentError
from qa.index.embedding import VectorCache
from qa.ingest.sentences import split_sentences
from qa.models import Hit
from qa.search.question import AnswerType, answer_type, content_terms, read_question, with_local_idf

TALKS = (
    "The talks were important. On February 17, Jing Junhai and Xu Zhijun held talks in "
    "Changchun. Hu Jiafu and Li Wei attended the talks. The weather was fine."
)
SIGNING = (
    "On July 14, Nanjing and CEC signed a strategic cooperation agreement in Beijing. "
    "It is the 5th strategic cooperation between the two sides since 2005."
)


SURE = AnswerConfig(abstain_weights=(0.0,) * len(FEATURES), abstain_bias=5.0)  # always answers
NEVER = AnswerConfig(abstain_weights=(0.0,) * len(FEATURES), abstain_bias=-5.0)  # always abstains


# ---------------------------------------------------------------------------- question
@pytest.mark.parametrize(
    "question, kind",
    [
        ("Where were the talks held?", AnswerType.PLACE),
        ("When was it signed?", AnswerType.DATE),
        ("What year did the war end?", AnswerType.DATE),
        ("What is the release date of Cyberpunk 2077?", AnswerType.DATE),
        ("How many tires a year?", AnswerType.NUMBER),
        ("What is the population of Brazil?", AnswerType.NUMBER),
        ("Who is the governor of Jilin?", AnswerType.PERSON),
        ("Which actor won Best Actor?", AnswerType.PERSON),
        ("Why did they meet?", AnswerType.REASON),
        ("What did the agreement say?", AnswerType.OTHER),
        ("Super Bowl 2021 location", AnswerType.PLACE),
        # a later "when" opens a clause; the first wh-word asks
        ("Who was the leader when the Franks entered the Euphrates valley?", AnswerType.PERSON),
        ("What sea bordered the empire to the east when he died?", AnswerType.OTHER),
        ("Where was Shirey going to be when Fort Oswego was attacked?", AnswerType.PLACE),
        ("How do members vote when there is a division?", AnswerType.MANNER),
        # ... unless it is joined to the first, ends the question or follows a word for a time
        ("How and when did the plague enter Europe?", AnswerType.DATE),
        ("When and where did the conference open?", AnswerType.DATE),
        ("An illustrated version of this appeared when?", AnswerType.DATE),
        ("What was the year when the bridge opened?", AnswerType.DATE),
        # a later "who" or "where" still counts: "the player who ..." is a person
        ("What is the last name of the player who scored?", AnswerType.PERSON),
        ("What is the southern region where protestants live?", AnswerType.PLACE),
        # a news quiz asks by statement: "this <noun>" is "which <noun>" when no wh-word asks
        ("The mayor met this minister, her Danish counterpart, this week:", AnswerType.PERSON),
        ("This week the board named this city as the host.", AnswerType.PLACE),
        ("This happened in Ohio.", AnswerType.OTHER),
        ("Who did this senator meet this week?", AnswerType.PERSON),
    ],
)
def test_answer_type_follows_the_wh_word(question: str, kind: AnswerType) -> None:
    assert answer_type(question) is kind


def test_content_terms_weigh_names_and_numbers_above_frame_words() -> None:
    terms = {t.word: t for t in content_terms("What year did Huawei open the 2nd plant?")}
    assert set(terms) == {"year", "Huawei", "open", "2nd", "plant"}
    assert terms["Huawei"].weight == terms["2nd"].weight == 2.0 and terms["Huawei"].key
    assert terms["year"].weight < terms["open"].weight < terms["Huawei"].weight


def test_carried_terms_count_half_and_are_never_key() -> None:
    info = read_question("Where were the talks held? Xu Zhijun", "Where were the talks held?")
    terms = {t.word: t for t in info.terms}
    assert info.answer_type is AnswerType.PLACE
    assert terms["Xu"].weight == 1.0 and not terms["Xu"].key
    assert terms["talks"].weight == 1.0


def test_local_idf_lowers_words_every_candidate_shares() -> None:
    info = read_question("Who is the governor of Jilin?")
    texts = ["Jilin is big.", "Jilin grows.", "The governor of Jilin spoke.", "Jilin again."]
    weights = {t.word: t.weight for t in with_local_idf(info, texts).terms}
    assert weights["governor"] > weights["Jilin"]


# ---------------------------------------------------------------------------- entities
def test_person_names_skip_titles_and_institutions() -> None:
    sentence = (
        "On February 17, Jing Junhai, Secretary of CPC Provincial Committee, Han Jun, "
        "Deputy Secretary and Governor of The Province, and An Guiwu attended."
    )
    assert [m.text for m in person_names(sentence)] == ["Jing Junhai", "Han Jun", "An Guiwu"]


@pytest.mark.parametrize(
    "sentence, names",
    [
        # a directional word or "New" begins a name when a capitalised word follows it
        (
            "The champion New England Patriots lost to North Korea's team.",
            ["New England Patriots", "North Korea's"],
        ),
        # an initial stays inside the name
        (
            "It was translated by John C. Messenger and George W. Bush.",
            ["John C. Messenger", "George W. Bush"],
        ),
        # ... but a title does not begin one, and a lone "New" is no name
        ("Governor Li Wei met the New delegation.", ["Li Wei"]),
        # a particle stays inside the name; "of" and a particle before no name do not
        (
            "Ursula von der Leyen met Maria de la Queillerie and Xu Zhijun of Huawei de facto.",
            ["Ursula von der Leyen", "Maria de la Queillerie", "Xu Zhijun", "Huawei"],
        ),
    ],
)
def test_person_names_keep_leading_words_and_initials(sentence: str, names: list[str]) -> None:
    assert [m.text for m in person_names(sentence)] == names


def test_a_place_after_its_preposition_runs_across_of() -> None:
    sentence = "Harold II fell at the Battle of Hastings; the style spread in the Kingdom of Sicily"
    places = [m.text for m in find_mentions(sentence, AnswerType.PLACE)]
    assert places == ["Battle of Hastings", "Kingdom of Sicily"]


def test_mentions_by_type() -> None:
    text = "Held talks in Changchun on July 21, 2017 with 15 million tires."
    assert [m.text for m in find_mentions(text, AnswerType.PLACE)] == ["Changchun"]
    assert "July 21, 2017" in [m.text for m in find_mentions(text, AnswerType.DATE)]
    assert {"15", "million"} <= {m.text for m in find_mentions(text, AnswerType.NUMBER)}
    assert find_mentions("Han Jun spoke.", AnswerType.DATE) == []  # "Jun" is not June here
    counts = find_mentions("On July 14, 2020 they held the 5th round.", AnswerType.NUMBER)
    assert [m.text for m in counts] == ["5"]  # days and years are not counts


def test_a_full_date_is_more_specific_than_a_year() -> None:
    assert specificity("July 21, 2017", AnswerType.DATE) > specificity("2017", AnswerType.DATE)
    assert specificity("Jing Junhai", AnswerType.PERSON) > specificity("Jing", AnswerType.PERSON)


# ---------------------------------------------------------------------------- selection
def test_gather_keeps_sentences_inside_hits_once() -> None:
    a = article("a", TALKS)
    spans = split_sentences(TALKS)
    first_two = Hit(1, TALKS[: spans[1][1]], 1.0, 0, spans[1][1], a.meta)
    second_three = Hit(2, TALKS[spans[1][0] : spans[2][1]], 0.5, spans[1][0], spans[2][1], a.meta)
    found = gather([first_two, second_three], Documents(FakeRetriever(a)))
    assert [(c.start, c.end) for c in found] == spans[:3]
    assert [c.hit_rank for c in found] == [0, 0, 1]
    assert all(c.text == TALKS[c.start : c.end] for c in found)


def test_gather_reads_back_over_short_sentences_within_reach() -> None:
    body = "Notice. The 2024 Auto Expo. Venue. Changchun. Dates. July 12 to 20. Tickets online."
    a = article("a", body)
    spans = split_sentences(body)

    def dates(before_chars: int) -> str:
        found = gather([whole_hit(a)], Documents(FakeRetriever(a)), before_chars)
        return next(c.before for c in found if c.text == "July 12 to 20.")

    assert dates(0) == "Dates."  # the sentence right before, whatever the reach
    assert dates(5) == "Dates."
    assert dates(len("Venue. Changchun. Dates.")) == "Venue. Changchun. Dates."
    assert dates(1000) == body[: body.index(" July")]  # back to the first sentence
    first = gather([whole_hit(a)], Documents(FakeRetriever(a)), 1000)[0]
    assert (first.before, (first.start, first.end)) == ("", spans[0])


def test_an_opening_dateline_is_not_a_candidate() -> None:
    body = "Mar 3, 2014 ... Diablo 3 was released on May 15, 2012. Sales were strong."
    a = article("a", body)
    texts = [c.text for c in gather([whole_hit(a)], Documents(FakeRetriever(a)))]
    assert texts[0] == "Diablo 3 was released on May 15, 2012." and len(texts) == 2
    # a date-only sentence later on is a value after its label, and stays
    later = article("b", "Release date. December 1, 2017. It sold well.")
    found = gather([whole_hit(later)], Documents(FakeRetriever(later)))
    assert "December 1, 2017." in [c.text for c in found]
    reply = answer("When was Diablo 3 released?", FakeRetriever(a))
    assert "Mar 3, 2014" not in reply.text and "May 15, 2012" in reply.text


def test_the_most_specific_sentence_wins() -> None:
    """The sentence naming a place beats one that only repeats the question's words."""
    source = FakeRetriever(article("a", TALKS))
    docs = Documents(source)
    info = read_question("Where were the talks held?")
    ranked = rank(
        [describe(c, info) for c in gather([whole_hit(source.articles["a"])], docs)],
        info,
        source.embedder.encode,
        weights=SentenceWeights(),
        shortlist=10,
    )
    assert "Changchun" in ranked[0].text
    assert ranked[0].mentions and ranked[0].mentions[0].text == "Changchun"


def test_select_stops_at_the_margin_and_skips_repeats() -> None:
    a = article("a", TALKS)
    base = gather([whole_hit(a)], Documents(FakeRetriever(a)))
    scored = [replace(c, score=s) for c, s in zip(base, (1.0, 0.95, 0.5, 0.4), strict=True)]
    assert select(scored, max_sentences=3, margin=0.1) == scored[:2]
    assert select(scored, max_sentences=1, margin=1.0) == scored[:1]
    twice = [scored[0], replace(scored[0], score=0.99)]
    assert select(twice, max_sentences=3, margin=1.0) == [scored[0]]


def test_select_skips_a_sentence_that_adds_no_new_answer() -> None:
    """A sentence whose dates a chosen one already gives, or (for a date question) whose only
    date is its chosen neighbour's, makes way for one that says something new."""
    a = article(
        "a",
        "The fourth season premieres Nov. 15 on Netflix. All ten episodes debut on Netflix on "
        "Nov 15. It was released on 15 November 2020.",
    )
    b = article(
        "b", "The game was released on September 14, 2018. It was available digitally as a pack."
    )
    info = read_question("When was it released?")
    hits = [whole_hit(a), whole_hit(b)]
    described = [describe(c, info) for c in gather(hits, Documents(FakeRetriever(a, b)))]
    premieres, debut, released, game, digitally = described
    assert debut.mentions and not digitally.mentions and digitally.shape > 0
    order = [premieres, debut, game, digitally, released]
    scored = [replace(c, score=1.0 - i / 100) for i, c in enumerate(order)]
    chosen = select(scored, max_sentences=3, margin=1.0, kind=AnswerType.DATE)
    assert [c.text for c in chosen] == [premieres.text, game.text, released.text]
    # a place or a name the finder misses would make an answering sentence look empty, so
    # only a date question drops a sentence for its neighbour's phrase
    chosen = select(scored, max_sentences=3, margin=1.0)
    assert [c.text for c in chosen] == [premieres.text, game.text, digitally.text]


def test_clip_cuts_at_a_word() -> None:
    assert clip("one two three", 9) == "one two"
    assert clip("short", 9) == "short"


def test_reading_window_holds_the_neighbours_within_its_size() -> None:
    source = FakeRetriever(article("a", TALKS))
    middle = gather([whole_hit(source.articles["a"])], Documents(source))[1]
    assert middle.text.startswith("On February 17")
    wide = window(middle, 1000)
    assert wide == f"{middle.before} {middle.text} {middle.after}"
    narrow = window(middle, 40)  # half of it at most from the sentence before, from a word
    assert narrow == "were important. On February 17, Jing"
    first = gather([whole_hit(source.articles["a"])], Documents(source))[0]
    assert window(first, 1000) == f"{first.text} {first.after}"  # nothing before the first


def test_window_similarity_counts_only_when_higher() -> None:
    source = FakeRetriever(article("a", TALKS))
    found = gather([whole_hit(source.articles["a"])], Documents(source))
    encode = source.embedder.encode
    question = "Who attended the talks in Changchun?"
    alone = similarities(found, question, encode, dense_chars=400)
    read = similarities(found, question, encode, dense_chars=400, window_chars=300)
    assert np.all(read >= alone - 1e-6)
    windows = encode([question] + [window(c, 300) for c in found])
    assert np.allclose(read, np.maximum(alone, windows[1:] @ windows[0]))
    assert read[2] > alone[2]  # "Hu Jiafu and Li Wei attended": Changchun is next door


# ---------------------------------------------------------------------------- citations
def test_excerpt_is_the_sentence_with_its_neighbours() -> None:
    spans = split_sentences(TALKS)
    start, end = excerpt_bounds(TALKS, spans, 1, context_chars=1000)
    assert (start, end) == (spans[0][0], spans[2][1])
    start, end = excerpt_bounds(TALKS, spans, 0, context_chars=1000)
    assert (start, end) == (spans[0][0], spans[1][1])


def test_long_neighbours_are_cut_at_word_boundaries() -> None:
    spans = split_sentences(TALKS)
    start, end = excerpt_bounds(TALKS, spans, 1, context_chars=10)
    assert spans[0][0] < start <= spans[1][0] and TALKS[start - 1] == " "
    assert spans[1][1] <= end < spans[2][1] and TALKS[end] == " "


def test_answer_text_and_answer_sentences_are_inverse() -> None:
    reply = ExtractiveAnswerer(SURE)(
        "Where were the talks held?",
        FakeRetriever(article("a", TALKS)).search("q"),
        FakeRetriever(article("a", TALKS)),
        query="Where were the talks held?",
    )
    pairs = answer_sentences(reply.text)
    short = reply.short_answer
    assert short is not None and short.text == "Changchun" and pairs[0] == ("Changchun", short.n)
    assert [n for _, n in pairs[1:]] == [c.n for c in reply.citations]
    assert answer_text([], []) == ""


# ---------------------------------------------------------------------------- answering
def check_contract(reply, source: FakeRetriever) -> None:  # type: ignore[no-untyped-def]
    assert contract_violations(reply, source) == []


def test_answer_quotes_and_cites() -> None:
    source = FakeRetriever(article("a", TALKS), article("b", SIGNING))
    reply = answer("Where were the talks held?", source, config=SURE)
    assert not reply.abstained and "Changchun" in reply.text
    assert reply.query == reply.question == "Where were the talks held?"
    check_contract(reply, source)


def test_sentence_vectors_are_reused_and_the_cache_stays_bounded() -> None:
    source = FakeRetriever(article("a", TALKS), article("b", SIGNING))
    answerer = ExtractiveAnswerer(SURE)
    first = answer("Where were the talks held?", source, answerer=answerer)
    calls = source.embedder.calls
    assert answer("Where were the talks held?", source, answerer=answerer) == first
    assert source.embedder.calls == calls  # every sentence vector came from the cache
    small = ExtractiveAnswerer(SURE, cache_size=3)  # overflows (and is cleared) on each answer
    for question in ("Where were the talks held?", "When was the agreement signed?") * 2:
        expected = answer(question, source, config=SURE)
        assert answer(question, source, answerer=small) == expected
        assert len(small._vectors) <= 3 + 2 * SURE.shortlist


def test_a_sources_vector_cache_serves_every_answer_over_it() -> None:
    """``answer()`` makes a new answerer per question; the sentence vectors live on."""
    source = FakeRetriever(article("a", TALKS), article("b", SIGNING))
    source.vector_cache = VectorCache(64)  # type: ignore[attr-defined]
    first = answer("Where were the talks held?", source, config=SURE)
    calls, cached = source.embedder.calls, len(source.vector_cache)
    assert cached > 0
    assert answer("Where were the talks held?", source, config=SURE) == first
    assert source.embedder.calls == calls  # nothing embedded again
    answer("When was the agreement signed?", source, config=SURE)
    assert len(source.vector_cache) > cached  # the new question and its sentences joined


def test_vector_cache_drops_the_least_recently_used_and_embeds_only_what_it_lacks() -> None:
    embedded: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        embedded.append(texts)
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    cache = VectorCache(size=2)
    first = cache.encode(["a", "bb", "a"], encode)
    assert embedded == [["a", "bb"]]  # one batch, each text once
    assert first.tolist() == [[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]
    cache.encode(["a"], encode)  # "a" used last: "bb" is now the oldest
    cache.encode(["ccc"], encode)
    assert len(cache) == 2
    cache.encode(["a", "bb"], encode)
    assert embedded[-1] == ["bb"]  # "bb" was dropped, "a" was kept
    with pytest.raises(InvalidArgumentError):
        VectorCache(0)


def test_contract_violations_are_found() -> None:
    source = FakeRetriever(article("a", TALKS))
    good = answer("Where were the talks held?", source, config=SURE)
    c = good.citations[0]
    shifted = replace(c, start=c.start + 1, excerpt=c.excerpt[1:] + "x")
    assert contract_violations(replace(good, citations=(shifted,)), source)
    assert contract_violations(replace(good, text="Made up. [1]"), source)
    assert contract_violations(replace(good, text=good.text.replace("[1]", "[2]")), source)
    assert contract_violations(replace(good, text=good.text + " Unsourced."), source)


def test_a_backend_answer_that_fails_the_contract_becomes_an_abstention() -> None:
    source = FakeRetriever(article("a", TALKS))
    good = answer("Where were the talks held?", source, config=SURE)

    def honest(question, results, src, *, query):  # type: ignore[no-untyped-def]
        return good

    def inventive(question, results, src, *, query):  # type: ignore[no-untyped-def]
        return replace(good, text="The talks were held on the Moon. [1]")

    assert answer("Where were the talks held?", source, answerer=honest) == good
    fallback = answer("Where were the talks held?", source, answerer=inventive)
    assert fallback.abstained and fallback.related


def test_weak_evidence_abstains_and_offers_related_passages() -> None:
    source = FakeRetriever(article("a", TALKS), article("b", SIGNING))
    reply = answer("What is the population of Brazil?", source, config=NEVER)
    assert reply.abstained and reply.text == NOT_IN_ARCHIVE and reply.citations == ()
    assert [h.article.id for h in reply.related] == ["a", "b"]


def test_related_passages_come_from_different_articles_first() -> None:
    a, b = article("a", TALKS), article("b", SIGNING)
    hits = [whole_hit(a, 0.9), whole_hit(a, 0.8), whole_hit(a, 0.7), whole_hit(b, 0.6)]
    assert [h.score for h in closest_articles(hits, 3)] == [0.9, 0.8, 0.6]  # b before a's third
    assert [h.score for h in closest_articles(hits, 2)] == [0.9, 0.6]
    assert [h.score for h in closest_articles(hits[:3], 2)] == [0.9, 0.8]  # one article: its best
    assert closest_articles([], 3) == ()


def test_answer_rejects_bad_arguments() -> None:
    source = FakeRetriever(article("a", TALKS))
    with pytest.raises(InvalidArgumentError):
        answer("  ", source)
    with pytest.raises(InvalidArgumentError):
        answer("Who?", source, k=0)


def test_follow_up_is_searched_with_the_conversation() -> None:
    source = FakeRetriever(article("a", TALKS, title="Jing Junhai held talks with Xu Zhijun"))
    first = answer("Who held talks with Xu Zhijun?", source, config=SURE)
    second = answer("Where were they held?", source, history=[first], config=SURE)
    assert second.query.startswith("Where were they held?") and "Zhijun" in second.query
    assert source.searches[-1] == second.query
    again = answer("Where were they held?", source, history=[("q", first)], config=SURE)
    assert again.query == second.query


def test_sources_that_differ_over_time_are_all_cited_by_date() -> None:
    old = article("old", "Jing Junhai, governor of the province, spoke.", dt.date(2020, 6, 29))
    new = article("new", "Hu Yuting, deputy secretary and governor, spoke.", dt.date(2023, 7, 24))
    source = FakeRetriever(new, old)
    reply = answer("Who is the governor?", source, config=SURE)
    assert [c.article_id for c in reply.citations] == ["old", "new"]
    assert reply.notes == (
        "The sources differ over time: Jing Junhai (2020-06-29) [1]; Hu Yuting (2023-07-24) [2].",
    )
    check_contract(reply, source)


def test_sources_that_agree_are_no_disagreement() -> None:
    a = article("a", "Jing Junhai, governor of the province, spoke.", dt.date(2020, 1, 1))
    b = article("b", "Governor Jing Junhai opened the fair.", dt.date(2021, 1, 1))
    source = FakeRetriever(a, b)
    info = read_question("Who is the governor?")
    described = [describe(c, info) for c in gather(list(source.search("q")), Documents(source))]
    assert len(described) == 2
    assert find_disagreement(described, info, min_coverage=0.5, limit=3) == []


def test_undated_sources_are_no_disagreement() -> None:
    a = article("a", "Jing Junhai, governor of the province, spoke.")
    b = article("b", "Hu Yuting, governor of the province, spoke.")
    source = FakeRetriever(a, b)
    reply = answer("Who is the governor?", source, config=SURE)
    assert reply.notes == ()


def test_a_chinese_sentence_is_not_short_for_want_of_spaces() -> None:
    assert words("Release date.") == 2
    assert words("Xu Zhijun met the governor in 2022.") == 7
    assert words("吉林省统计局召开新闻发布会。") == 6  # 12 characters
    assert words("会议召开。") == 2
    assert words("长春市建成5G基站10486个。") == 6  # 5G and 10486 are words of their own


# ---------------------------------------------------------------------------- abstention
def test_confidence_grows_with_the_evidence() -> None:
    weights, bias = (2.0, 2.0, 1.0, 1.0, 1.0, 1.0), -4.0
    weak = confidence(NO_EVIDENCE, weights, bias)
    strong = confidence(Evidence(0.8, 1.0, 1.0, 1.0, 0.7, 1.0), weights, bias)
    assert 0.0 < weak < 0.5 < strong < 1.0


def test_passage_similarity_is_read_above_the_background() -> None:
    assert above(0.3, 0.3) == 0.0  # no closer than an average passage: no evidence
    assert above(1.0, 0.6) == 1.0
    assert above(0.8, 0.6) == pytest.approx(0.5)
    assert above(0.8, 0.0) == 0.8  # a background of 0 leaves it as it is
    assert above(0.8, 0.6) < above(0.6, 0.1)  # 0.8 among Chinese texts says less than 0.6


def test_evidence_of_nothing_is_none() -> None:
    info = read_question("Who won?")
    assert gather_evidence(info, [], []) == NO_EVIDENCE
    assert coverage(info, "Nobody won anything.") == 1.0


# ---------------------------------------------------------------------------- config
def test_config_round_trips_through_the_manifest() -> None:
    config = AnswerConfig(k=4, abstain_weights=(1.0, 2.0, 3.0, 4.0, 5.0, 6.0))
    assert AnswerConfig.from_dict(asdict(config) | {"unknown": 1}) == config
    assert AnswerConfig.for_index({"answering": asdict(config)}) == config


def test_a_stale_config_in_the_manifest_is_ignored() -> None:
    stale = asdict(AnswerConfig(k=4)) | {"revision": REVISION - 1}
    assert AnswerConfig.for_index({"answering": stale}) == AnswerConfig()
    assert AnswerConfig.for_index({}) == AnswerConfig()


# ---------------------------------------------------------------------------- rendering
def test_json_record_has_the_documented_keys() -> None:
    source = FakeRetriever(article("a", TALKS, dt.date(2022, 5, 29)))
    record = answer_to_dict(answer("Where were the talks held?", source, config=SURE))
    assert {"question", "query", "answer", "abstained", "citations"} <= set(record)
    citation = record["citations"][0]
    assert {"n", "article_id", "title", "date", "excerpt", "start", "end", "score"} <= set(citation)
    assert citation["date"] == "2022-05-29" and citation["n"] == 1


def test_terminal_text_is_plain_without_colour_and_highlights_with_it() -> None:
    source = FakeRetriever(article("a", TALKS, dt.date(2022, 5, 29)))
    reply = answer("Where were the talks held?", source, config=SURE)
    plain = format_answer(reply, color=False)
    assert "\033[" not in plain and "[1] Title a (2022-05-29)" in plain and "Changchun" in plain
    coloured = format_answer(reply, color=True)
    assert re.search(r"\033\[1m\033\[33m[^\033]*Changchun[^\033]*\033\[0m", coloured)


def test_terminal_text_of_an_abstention_lists_related_passages() -> None:
    source = FakeRetriever(article("a", TALKS))
    text = format_answer(answer("Population of Brazil?", source, config=NEVER), color=False)
    assert NOT_IN_ARCHIVE in text and "Possibly related" in text and "Title a" in text
