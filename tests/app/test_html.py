"""The app's HTML and Markdown: exact highlighting, and article text that can never inject."""

from __future__ import annotations

import datetime as dt

from qa.app.html import (
    answer_markdown,
    article_html,
    highlight,
    markdown_escape,
    sources_html,
    status_html,
)
from qa.ingest.articles import Skipped
from qa.models import Answer, Article, ArticleMeta, Citation, Hit

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
    assert out.count("<mark>") == 2  # the excerpt and the whole article
    assert "2024-06-05 · City News · a1" in out


def test_sources_html_leaves_out_the_article_when_offsets_do_not_match():
    answer = Answer("q", "q", "x [1]", (_citation(),), False)
    out = sources_html(answer, {"a1": _article(body="something else entirely, edited")})
    assert "qa-full" not in out and "<mark>" in out


def test_abstention_lists_related_passages():
    meta = ArticleMeta("a1", "Park visit", None, None, "a1.txt")
    hit = Hit(7, BODY[:11], 0.2, 0, 11, meta)
    answer = Answer("q", "q", "No passage answers this.", (), True, related=(hit,))
    out = sources_html(answer, {"a1": _article()})
    assert "does not answer" in out and "Possibly related" in out
    assert "undated · a1" in out


def test_answer_markdown_bolds_markers_and_neutralises_markup():
    answer = Answer("q", "q", "It opened <script>x</script> in *2024*. [1] See [2]", (), False)
    text = answer_markdown(answer)
    assert "**[1]**" in text and "**[2]**" in text
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
