"""Plain-text rendering of build reports and search hits for the terminal."""

from __future__ import annotations

import textwrap
from typing import Any

from qa.index.build import BuildReport
from qa.index.lexical import matching_spans
from qa.models import Hit, SearchResults
from qa.search.dates import weighing

BOLD, YELLOW, DIM, RESET = "\033[1m", "\033[33m", "\033[2m", "\033[0m"


def _names(ids: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", ... (+{len(ids) - limit})" if len(ids) > limit else "")


def format_build_report(report: BuildReport, seeds: str, stages: bool = False) -> str:
    """A readable summary of what a build did or would do; ``stages`` adds its cost by stage."""
    verb = "would be" if report.dry_run else "were"
    lines = [
        f"{'Dry run: ' if report.dry_run else ''}index {report.index_dir} vs {seeds} "
        f"({report.seconds:.1f} s)"
    ]
    if report.full_rebuild_reason:
        lines.append(f"  full rebuild: {report.full_rebuild_reason}")
    for label, ids in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        lines.append(f"  {len(ids)} {verb} {label}" + (f": {_names(ids)}" if ids else ""))
    lines.append(f"  {len(report.unchanged)} unchanged (not embedded again)")
    if not report.dry_run:
        lines.append(f"  {report.chunks_embedded} chunks embedded")
    if report.skipped:
        lines.append(f"  {len(report.skipped)} skipped:")
        lines.extend(f"    {s.path}: {s.reason}" for s in report.skipped)
    if report.warnings:
        lines.append(f"  {len(report.warnings)} read with a warning:")
        lines.extend(f"    {w.path}: {w.reason}" for w in report.warnings)
    lines.extend(f"  warning: {note}" for note in report.notes)
    if report.up_to_date and not report.dry_run:
        lines.append("  up to date: nothing written")
    if stages and report.stages:
        lines.append("  seconds by stage: " + format_stages(report.stages))
    return "\n".join(lines)


def format_stages(stages: tuple[tuple[str, float], ...]) -> str:
    """``parse 0.01, chunk 0.20, ...`` with each stage's share of their sum."""
    total = sum(seconds for _, seconds in stages) or 1.0
    return ", ".join(f"{name} {seconds:.2f} ({seconds / total:.0%})" for name, seconds in stages)


def hit_to_dict(rank: int, hit: Hit) -> dict[str, Any]:
    """The ``qa search --json`` record of one hit."""
    return {
        "rank": rank,
        "score": round(hit.score, 6),
        "article_id": hit.article.id,
        "title": hit.article.title,
        "date": hit.article.date.isoformat() if hit.article.date else None,
        "text": hit.text,
        "start": hit.start,
        "end": hit.end,
    }


def highlight(text: str, query: str, color: bool) -> str:
    """Mark the words of ``text`` whose stem is a query term, and the stretches of Chinese
    that query bigrams cover (bold yellow, or **...**)."""
    out, last = [], 0
    for start, end in matching_spans(text, query):
        word = text[start:end]
        out += [text[last:start], f"{BOLD}{YELLOW}{word}{RESET}" if color else f"**{word}**"]
        last = end
    return "".join(out) + text[last:]


def format_hits(results: SearchResults, color: bool) -> str:
    """Ranked passages with title, date and highlighted query terms."""
    lines = []
    if results.dates is not None and results.dates.description:
        lines.append(f"dates: {results.dates.description}")
    if results.window is not None:
        lines.append(f"period: {weighing(results.window)}")
    if not results.hits:
        lines.append("no passages found")
    for rank, hit in enumerate(results, 1):
        date = hit.article.date.isoformat() if hit.article.date else "undated"
        head = f"{rank}. {hit.article.title} ({date}) score {hit.score:.3f}"
        lines.append(f"{BOLD}{head}{RESET}" if color else head)
        where = f"   [{hit.article.id} chars {hit.start}-{hit.end}]"
        lines.append(f"{DIM}{where}{RESET}" if color else where)
        body = textwrap.fill(
            " ".join(hit.text.split()), width=96, initial_indent="   ", subsequent_indent="   "
        )
        lines.append(highlight(body, results.query, color))
        lines.append("")
    return "\n".join(lines).rstrip()
