"""The app's HTML and Markdown: exact highlighting, and article text that can never inject."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from qa.app.html import (
    answer_markdown,
    article_html,
    highlight,
    markdown_escape,
    sources_html,
    status_html,
)
from qa.ingest.articles import Skipped
from qa.models import Answer, Article, ArticleMeta, Citation, Hit, ShortAnswer

BODY = "Intro line. The <b>mayor</b> visited the park. Then he left & smiled."
SENTENCE = (12, 46)  # "The <b>mayor</b> visited the park."
EVIL_TITLE = 'Robots <script>alert(1)</script> & <img src=x onerror="alert(2)">'


def _article(body: str = BODY, title: str = "Park visit") -> Article:
    return Article("a1", title, dt.date(2024, 6, 5), "City News", body, "a1.txt", "h")


def _citation(title: str = "Park visit") -> Citation:
    return Citation(
        1,
        "a1",
        title,
        dt.date(2024, 6, 5),
        "City News",
        BODY[12:],
        12,
        len(BODY),
        SENTENCE[0],
        SENTENCE[1],
        0.9,
    )


def test_highlight_marks_the_sentence_and_escapes():
    assert BODY[slice(*SENTENCE)] == "The <b>mayor</b> visited the park."
    out = highlight(BODY[12:], 12, SENTENCE)
    assert out == (
        "<mark>The &lt;b&gt;mayor&lt;/b&gt; visited the park.</mark> Then he left &amp; smiled."
    )


def test_highlight_clamps_spans_outside_the_text():
    assert highlight("abc", 10, (0, 11)) == "<mark>a</mark>bc"
    assert highlight("abc", 10, (20, 30)) == "abc"
    assert highlight("a<b", 0, (1, 1)) == "a&lt;b"


def test_article_html_marks_excerpt_inside_the_whole_body():
    out = article_html("AB CD EF", 3, 5, (3, 4))
    assert out == (
        '<div class="qa-article">AB <span class="qa-excerpt"><mark>C</mark>D</span> EF</div>'
    )


def test_sources_html_escapes_everything_from_the_article():
    answer = Answer("q", "q", "The mayor visited the park. [1]", (_citation(EVIL_TITLE),), False)
    out = sources_html(answer, {"a1": _article(title=EVIL_TITLE)})
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "onerror=&quot;alert(2)&quot;" in out
    assert out.count('<mark id="qa-src-1" data-n="1">') == 1  # the excerpt: [1] links here
    assert out.count("<mark>") == 1  # the whole article, without a second id
    assert "2024-06-05 · City News</div>" in out  # the outlet; the file only as a detail
    assert '<div class="qa-file" title="a1.txt">file a1.txt</div>' in out


def test_sources_html_leaves_out_the_article_when_offsets_do_not_match():
    answer = Answer("q", "q", "x [1]", (_citation(),), False)
    out = sources_html(answer, {"a1": _article(body="something else entirely, edited")})
    assert "qa-full" not in out and '<mark id="qa-src-1"' in out


def test_abstention_lists_related_passages():
    meta = ArticleMeta("a1", "Park visit", None, None, "a1.txt")
    hit = Hit(7, BODY[:11], 0.2, 0, 11, meta)
    answer = Answer("q", "q", "No passage answers this.", (), True, related=(hit,))
    out = sources_html(answer, {"a1": _article()})
    assert "does not answer" in out and "Possibly related" in out
    assert '<div class="qa-meta">undated</div>' in out and "file a1.txt" in out


def test_answer_markdown_links_markers_and_neutralises_markup():
    answer = Answer("q", "q", "It opened <script>x</script> in *2024*. [1] See [2]", (), False)
    text = answer_markdown(answer)
    assert "[\\[1\\]](#qa-src-1)" in text and "[\\[2\\]](#qa-src-2)" in text
    assert "<script>" not in text and "\\<script\\>" in text
    assert "\\*2024\\*" in text


def test_answer_markdown_says_when_it_abstains():
    answer = Answer("q", "q", "Nothing in the archive.", (), True)
    assert answer_markdown(answer).startswith("**Not found in the archive.**")


def test_markdown_escape():
    assert markdown_escape("[a](b) _c_ #d") == r"\[a\]\(b\) \_c\_ \#d"


def test_status_html_lists_skipped_files_escaped():
    out = status_html(
        3,
        12,
        "m",
        "2024-06-05T07:33:00+00:00",
        [Skipped("x<y>.pdf", "unsupported file type .pdf")],
        "idle",
    )
    assert "2024-06-05 07:33 UTC" in out
    assert "x&lt;y&gt;.pdf" in out and "1 file(s) skipped" in out
    assert "<td>12</td>" in out


def test_answer_markdown_opens_with_the_short_answer_in_bold():
    short = ShortAnswer("The <b>mayor</b>", 1, 12, 28)
    answer = Answer(
        "q", "q", "The <b>mayor</b> [1]\nThe <b>mayor</b> visited the park. [1]", (), False
    )
    answer = replace(answer, short_answer=short)
    head, rest = answer_markdown(answer).split("\n\n", 1)
    assert head == "**The \\<b\\>mayor\\</b\\>** [\\[1\\]](#qa-src-1)"
    assert rest == "The \\<b\\>mayor\\</b\\> visited the park\\. [\\[1\\]](#qa-src-1)"


def test_one_card_per_article_with_every_cited_sentence_marked():
    body = "One. Two is here. Three. Four is there. Five."
    art = Article("a1", "T", None, "Daily", body, "news/a1.txt", "h")
    first = Citation(1, "a1", "T", None, "Daily", body[0:24], 0, 24, 5, 17, 0.9)
    second = Citation(2, "a1", "T", None, "Daily", body[18:], 18, len(body), 25, 39, 0.8)
    other = Citation(3, "b", "U", None, None, "Elsewhere.", 0, 10, 0, 10, 0.5)
    answer = Answer(
        "q",
        "q",
        "Two is here. [1] Four is there. [2] Elsewhere. [3]",
        (first, second, other),
        False,
    )
    answer = replace(answer, short_answer=ShortAnswer("Two", 1, 5, 8))
    out = sources_html(answer, {"a1": art})
    assert out.count('class="qa-source"') == 2  # a1 once, b once
    card = out.split('<div class="qa-source" id="qa-card-2">')[0]
    assert '<a class="qa-n" href="#qa-src-1" data-target="qa-src-1">[1]</a>' in card
    assert '<a class="qa-n" href="#qa-src-2" data-target="qa-src-2">[2]</a>' in card
    # the two excerpts overlap, so they are shown as one, with both sentences marked
    assert (
        '<blockquote class="qa-quote">One. <mark id="qa-src-1" data-n="1"><b class="qa-short">'
        'Two</b> is here.</mark> Three. <mark id="qa-src-2" data-n="2">Four is there.</mark> '
        "Five.</blockquote>"
    ) in card
    assert "file a1.txt" in card and "Daily" in card


def test_excerpts_of_one_article_that_do_not_touch_are_joined_by_an_ellipsis():
    body = "One. Two. Three. Four. Five."
    first = Citation(1, "a1", "T", None, None, body[0:9], 0, 9, 0, 4, 0.9)
    second = Citation(2, "a1", "T", None, None, body[17:], 17, len(body), 17, 22, 0.8)
    answer = Answer("q", "q", "One. [1] Four. [2]", (first, second), False)
    out = sources_html(answer, {})
    assert (
        '<mark id="qa-src-1" data-n="1">One.</mark> Two. <span class="qa-gap">…</span> '
        '<mark id="qa-src-2" data-n="2">Four.</mark> Five.'
    ) in out
    assert "qa-full" not in out  # the article is not at hand: no whole text
