"""HTML and Markdown for the app's panels: answers, their sources, the archive's status.

Everything taken from an article (title, source, body, path) is passed through
``html.escape`` before it is placed in markup, so an article containing ``<script>`` or an
``onerror`` attribute is shown as text and never run. Offsets index into ``Article.body``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from qa.models import Answer, Article, Citation, Hit
from qa.search.dates import weighing

T = TypeVar("T")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&$])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")

EMPTY_SOURCES = (
    '<div class="qa-sources qa-empty">'
    "<p>Ask a question: the passages behind each <b>[n]</b> of the answer appear here, "
    "with the supporting sentence highlighted.</p></div>"
)


class SkippedLike(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def reason(self) -> str: ...


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def markdown_escape(text: str) -> str:
    """Escape ``text`` so Markdown renders it literally (no links, emphasis or raw HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def highlight(text: str, offset: int, sentence: tuple[int, int]) -> str:
    """Escape ``text`` (which starts at body offset ``offset``) and wrap ``sentence`` in <mark>.

    ``sentence`` holds body offsets; the part outside ``text`` is ignored, and an empty or
    disjoint span leaves the text unmarked.
    """
    return mark_spans(text, offset, [Span(sentence[0], sentence[1])])


class Span:
    """A stretch of an article body to mark: a cited sentence (with its ``[n]``), or a short
    answer inside one."""

    __slots__ = ("start", "end", "n", "short")

    def __init__(
        self, start: int, end: int, n: int | None = None, short: tuple[int, int] | None = None
    ) -> None:
        self.start, self.end, self.n, self.short = start, end, n, short


def mark_spans(text: str, offset: int, spans: Sequence[Span]) -> str:
    """Escape ``text`` (which starts at body offset ``offset``) with each span in a <mark>.

    A span with ``n`` gets ``id="qa-src-n"``, the target of the answer's ``[n]`` link; a short
    answer inside it is wrapped in <b class="qa-short">. Spans outside ``text`` are ignored.
    """
    out, at = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        start = min(max(span.start - offset, at), len(text))
        end = min(max(span.end - offset, start), len(text))
        if start == end:
            continue
        out.append(_esc(text[at:start]))
        attrs = f' id="qa-src-{span.n}" data-n="{span.n}"' if span.n is not None else ""
        inner = _esc(text[start:end])
        if span.short is not None:
            s0 = min(max(span.short[0] - offset, start), end)
            s1 = min(max(span.short[1] - offset, s0), end)
            if s0 < s1:
                inner = (
                    f'{_esc(text[start:s0])}<b class="qa-short">{_esc(text[s0:s1])}</b>'
                    f"{_esc(text[s1:end])}"
                )
        out.append(f"<mark{attrs}>{inner}</mark>")
        at = end
    out.append(_esc(text[at:]))
    return "".join(out)


def article_html(body: str, start: int, end: int, sentence: tuple[int, int] | None = None) -> str:
    """The whole body, escaped, with ``body[start:end]`` marked as the excerpt."""
    return article_html_spans(body, [(start, end)], [Span(*(sentence or (start, start)))])


def article_html_spans(
    body: str, excerpts: Sequence[tuple[int, int]], marks: Sequence[Span]
) -> str:
    """The whole body, escaped, each excerpt underlined and each marked span in <mark>."""
    out, at = [], 0
    for start, end in sorted(excerpts):
        start = max(start, at)
        if start >= end:
            continue
        inner = mark_spans(body[start:end], start, [_plain(m) for m in marks])
        out.append(f'{_esc(body[at:start])}<span class="qa-excerpt">{inner}</span>')
        at = end
    return f'<div class="qa-article">{"".join(out)}{_esc(body[at:])}</div>'


def _plain(span: Span) -> Span:
    """The span without its id (the whole article repeats it; ids must stay unique)."""
    return Span(span.start, span.end)


def _meta_line(date: dt.date | None, source: str | None) -> str:
    parts = [date.isoformat() if date else "undated", source]
    return " · ".join(_esc(p) for p in parts if p)


def _file_line(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return f'<div class="qa-file" title="{_esc(path)}">file {_esc(name)}</div>'


def _card(
    labels: Sequence[tuple[str, str | None]],
    title: str,
    meta: str,
    excerpt_html: str,
    full_html: str | None,
    anchor: str,
    path: str,
) -> str:
    """One article: its labels (text, link target), title, date and outlet, its excerpts, the
    whole text on demand, and its file name as a detail."""
    full = (
        f'<details class="qa-full"><summary>Show the whole article</summary>{full_html}</details>'
        if full_html is not None
        else ""
    )
    badges = "".join(
        f'<a class="qa-n" href="#{_esc(target)}" data-target="{_esc(target)}">{_esc(text)}</a>'
        if target
        else f'<span class="qa-n">{_esc(text)}</span>'
        for text, target in labels
    )
    return (
        f'<div class="qa-source" id="{anchor}">'
        f'<div class="qa-source-head"><span class="qa-ns">{badges}</span>'
        f'<span class="qa-title">{_esc(title)}</span></div>'
        f'<div class="qa-meta">{meta}</div>'
        f'<blockquote class="qa-quote">{excerpt_html}</blockquote>{full}{_file_line(path)}</div>'
    )


def stitch(pieces: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """``(start, end, text)`` slices of one body, overlapping or touching ones joined."""
    out: list[tuple[int, int, str]] = []
    for start, end, text in sorted(pieces):
        if out and start <= out[-1][1]:
            s0, e0, t0 = out[-1]
            if end > e0:
                out[-1] = (s0, end, t0 + text[e0 - start :])
        else:
            out.append((start, end, text))
    return out


def article_card(
    index: int, citations: Sequence[Citation], article: Article | None, short: Answer | None
) -> str:
    """The card of one article: every passage of it the answer cites, joined where they
    overlap, with each cited sentence marked (``id="qa-src-n"``)."""
    first = citations[0]
    short_answer = short.short_answer if short is not None else None
    marks = [
        Span(
            c.sentence_start,
            c.sentence_end,
            c.n,
            (short_answer.start, short_answer.end)
            if short_answer is not None and short_answer.n == c.n
            else None,
        )
        for c in citations
    ]
    pieces = stitch([(c.start, c.end, c.excerpt) for c in citations])
    excerpt = ' <span class="qa-gap">…</span> '.join(
        mark_spans(text, start, marks) for start, _, text in pieces
    )
    body_matches = article is not None and all(
        article.body[c.start : c.end] == c.excerpt for c in citations
    )
    full = (
        article_html_spans(article.body, [(s, e) for s, e, _ in pieces], marks)
        if body_matches and article is not None
        else None
    )
    return _card(
        [(f"[{c.n}]", f"qa-src-{c.n}") for c in citations],
        first.title,
        _meta_line(first.date, first.source),
        excerpt,
        full,
        f"qa-card-{index}",
        article.path if article is not None else first.article_id,
    )


def citation_card(c: Citation, article: Article | None) -> str:
    """The card of one ``[n]`` citation, its supporting sentence highlighted."""
    return article_card(c.n, [c], article, None)


def related_card(i: int, hits: Sequence[Hit], article: Article | None) -> str:
    """The card of one article offering "possibly related" passages with an abstention."""
    first = hits[0]
    pieces = stitch([(h.start, h.end, h.text) for h in hits])
    body_matches = article is not None and all(
        article.body[h.start : h.end] == h.text for h in hits
    )
    full = (
        article_html_spans(article.body, [(s, e) for s, e, _ in pieces], [])
        if body_matches and article is not None
        else None
    )
    return _card(
        [(f"~{i}", None)],
        first.article.title,
        _meta_line(first.article.date, first.article.source),
        ' <span class="qa-gap">…</span> '.join(_esc(text) for _, _, text in pieces),
        full,
        f"qa-rel-{i}",
        first.article.path or first.article.id,
    )


def by_article(items: Sequence[T], key: Callable[[T], str]) -> list[list[T]]:
    """``items`` grouped by article, in the order each article first appears."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


def sources_html(answer: Answer, articles: Mapping[str, Article]) -> str:
    """The sources panel for ``answer``: one card per cited article (or, for an abstention,
    per related article), every cited sentence of it marked."""
    if answer.abstained:
        related = by_article(answer.related, lambda h: h.article.id)
        cards = [
            related_card(i, group, articles.get(group[0].article.id))
            for i, group in enumerate(related, 1)
        ]
        head = (
            '<p class="qa-abstain-note">The archive does not answer this question. '
            + ("Possibly related passages:" if cards else "Nothing related was found.")
            + "</p>"
        )
        return f'<div class="qa-sources qa-abstained">{head}{"".join(cards)}</div>'
    cited = by_article(answer.citations, lambda c: c.article_id)
    cards = [
        article_card(i, group, articles.get(group[0].article_id), answer)
        for i, group in enumerate(cited, 1)
    ]
    notes = "".join(f'<p class="qa-note">{_esc(n)}</p>' for n in answer.notes)
    return f'<div class="qa-sources">{notes}{"".join(cards)}</div>'


def answer_markdown(answer: Answer) -> str:
    """The chat message for ``answer``: the short answer in bold on a line of its own, then
    the quoted sentences, Markdown-escaped; each ``[n]`` links to its source card."""
    text = answer.text
    head = ""
    if answer.short_answer is not None and "\n" in text:
        first, text = text.split("\n", 1)
        short = answer.short_answer
        head = f"**{markdown_escape(short.text)}** {_link(short.n)}\n\n"
    body = _MARKER.sub(lambda m: _link(int(m.group(1))), markdown_escape(text))
    if answer.abstained:
        body = f"**Not found in the archive.** {body}"
    notes = "".join(f"\n\n_{markdown_escape(n)}_" for n in answer.notes)
    return head + body + notes


def _link(n: int) -> str:
    """``[n]`` as a link to the card that quotes it (``SOURCES_JS`` scrolls there)."""
    return f"[\\[{n}\\]](#qa-src-{n})"


def query_markdown(answer: Answer, mode: str) -> str:
    """How the question was read: the searched query, the date filter and the mode."""
    lines = [f"Searched for: {markdown_escape(answer.query)}"]
    if answer.dates is not None:
        lines.append(f"Dates: {markdown_escape(answer.dates.description or _range(answer))}")
    if answer.window is not None:
        lines.append(f"Period: {markdown_escape(weighing(answer.window))}")
    lines.append(f"Mode: {markdown_escape(mode)}")
    return "\n\n".join(lines)


def _range(answer: Answer) -> str:
    d = answer.dates
    since = d.since.isoformat() if d and d.since else "…"
    until = d.until.isoformat() if d and d.until else "…"
    return f"{since} to {until}"


def _when(iso: str) -> str:
    """An ISO timestamp as "2024-06-05 07:33 UTC" (unchanged if it does not parse)."""
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M") + (" UTC" if moment.tzinfo else "")


def status_html(
    articles: int,
    chunks: int,
    model: str,
    built_at: str,
    skipped: Sequence[SkippedLike],
    activity: str = "",
    *,
    warnings: Sequence[SkippedLike] = (),
    notices: Sequence[str] = (),
) -> str:
    """The archive panel: counts, model, build time, skipped files with reasons, files read
    with a warning, and ``notices`` (an empty archive, adding turned off) shown first."""
    rows = [
        ("Articles", f"{articles:,}"),
        ("Passages", f"{chunks:,}"),
        ("Model", model),
        ("Index built", _when(built_at)),
    ]
    table = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    notes = "".join(f'<p class="qa-notice">{_esc(n)}</p>' for n in notices)
    lists = _file_list("qa-skipped", "file(s) skipped", skipped) + _file_list(
        "qa-warned", "file(s) read with a warning", warnings
    )
    act = f'<p class="qa-activity">{_esc(activity)}</p>' if activity else ""
    return f'<div class="qa-status">{notes}<table>{table}</table>{lists}{act}</div>'


def _file_list(css: str, label: str, files: Sequence[SkippedLike]) -> str:
    if not files:
        return ""
    items = "".join(f"<li><code>{_esc(f.path)}</code>: {_esc(f.reason)}</li>" for f in files)
    summary = f"<summary>{len(files)} {label}</summary>"
    return f'<details class="{css}">{summary}<ul>{items}</ul></details>'


# Runs once the sources panel is on the page (gr.HTML's js_on_load). A click on an answer's
# [n] (a link to #qa-src-n) scrolls the sources panel to that sentence and highlights its
# card, instead of following the link; on a narrow screen the Archive sidebar starts closed.
PAGE_JS = """
if (!window.__qaPage) {
  window.__qaPage = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#qa-src-"]');
    if (!link) return;
    const mark = document.getElementById(link.getAttribute('href').slice(1));
    event.preventDefault();
    event.stopPropagation();
    if (!mark) return;
    document.querySelectorAll('.qa-flash').forEach((e) => e.classList.remove('qa-flash'));
    document.querySelectorAll('.qa-current').forEach((e) => e.classList.remove('qa-current'));
    const card = mark.closest('.qa-source');
    if (card) card.classList.add('qa-flash');
    mark.classList.add('qa-current');
    mark.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
  if (window.matchMedia('(max-width: 700px)').matches) {
    let tries = 0;
    const close = () => {
      const toggle = document.querySelector('.sidebar.open .toggle-button');
      if (toggle) toggle.click();
      else if (tries++ < 50) setTimeout(close, 100);
    };
    close();
  }
}
"""
