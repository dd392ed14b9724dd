"""HTML and Markdown for the app's panels: answers, their sources, the archive's status.

Everything taken from an article (title, source, body, path) is passed through
``html.escape`` before it is placed in markup, so an article containing ``<script>`` or an
``onerror`` attribute is shown as text and never run. Offsets index into ``Article.body``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from qa.models import Answer, Article, Citation, Hit
from qa.search.dates import weighing

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
    start = min(max(sentence[0] - offset, 0), len(text))
    end = min(max(sentence[1] - offset, start), len(text))
    if start == end:
        return _esc(text)
    return f"{_esc(text[:start])}<mark>{_esc(text[start:end])}</mark>{_esc(text[end:])}"


def article_html(body: str, start: int, end: int, sentence: tuple[int, int] | None = None) -> str:
    """The whole body, escaped, with ``body[start:end]`` marked as the excerpt."""
    inner = highlight(body[start:end], start, sentence or (start, start))
    return (
        f'<div class="qa-article">{_esc(body[:start])}'
        f'<span class="qa-excerpt">{inner}</span>{_esc(body[end:])}</div>'
    )


def _meta_line(date: dt.date | None, source: str | None, article_id: str) -> str:
    parts = [date.isoformat() if date else "undated", source, article_id]
    return " · ".join(_esc(p) for p in parts if p)


def _card(
    label: str,
    title: str,
    meta: str,
    excerpt_html: str,
    full_html: str | None,
    anchor: str,
) -> str:
    """One source: header, excerpt, and (when the article is known) the whole text on demand."""
    full = (
        f'<details class="qa-full"><summary>Show the whole article</summary>{full_html}</details>'
        if full_html is not None
        else ""
    )
    return (
        f'<div class="qa-source" id="{anchor}">'
        f'<div class="qa-source-head"><span class="qa-n">{_esc(label)}</span>'
        f'<span class="qa-title">{_esc(title)}</span></div>'
        f'<div class="qa-meta">{meta}</div>'
        f'<blockquote class="qa-quote">{excerpt_html}</blockquote>{full}</div>'
    )


def citation_card(c: Citation, article: Article | None) -> str:
    """The card of one ``[n]`` citation, its supporting sentence highlighted."""
    sentence = (c.sentence_start, c.sentence_end)
    body_matches = article is not None and article.body[c.start : c.end] == c.excerpt
    full = (
        article_html(article.body, c.start, c.end, sentence) if body_matches and article else None
    )
    return _card(
        f"[{c.n}]",
        c.title,
        _meta_line(c.date, c.source, c.article_id),
        highlight(c.excerpt, c.start, sentence),
        full,
        f"qa-src-{c.n}",
    )


def related_card(i: int, hit: Hit, article: Article | None) -> str:
    """The card of one "possibly related" passage shown with an abstention."""
    body_matches = article is not None and article.body[hit.start : hit.end] == hit.text
    full = article_html(article.body, hit.start, hit.end) if body_matches and article else None
    meta = _meta_line(hit.article.date, hit.article.source, hit.article.id)
    return _card(f"~{i}", hit.article.title, meta, _esc(hit.text), full, f"qa-rel-{i}")


def sources_html(answer: Answer, articles: Mapping[str, Article]) -> str:
    """The sources panel for ``answer``: its citations, or related passages for an abstention."""
    if answer.abstained:
        cards = [
            related_card(i, h, articles.get(h.article.id)) for i, h in enumerate(answer.related, 1)
        ]
        head = (
            '<p class="qa-abstain-note">The archive does not answer this question. '
            + ("Possibly related passages:" if cards else "Nothing related was found.")
            + "</p>"
        )
        return f'<div class="qa-sources qa-abstained">{head}{"".join(cards)}</div>'
    cards = [citation_card(c, articles.get(c.article_id)) for c in answer.citations]
    notes = "".join(f'<p class="qa-note">{_esc(n)}</p>' for n in answer.notes)
    return f'<div class="qa-sources">{notes}{"".join(cards)}</div>'


def answer_markdown(answer: Answer) -> str:
    """The chat message for ``answer``: its text, Markdown-escaped, with bold ``[n]`` markers."""
    text = _MARKER.sub(r"**[\1]**", markdown_escape(answer.text))
    if answer.abstained:
        text = f"**Not found in the archive.** {text}"
    notes = "".join(f"\n\n_{markdown_escape(n)}_" for n in answer.notes)
    return text + notes


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
