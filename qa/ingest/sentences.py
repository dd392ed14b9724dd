"""Sentence boundaries of article bodies, as character spans.

A small rule set for messy machine-translated news:

* English ``. ! ?`` (plus closing quotes or brackets) followed by whitespace ends a sentence,
  unless the ``.`` belongs to an abbreviation or initials (``Mr.``, ``Co.``, ``U.S.``, ``e.g.``)
  or the next word starts in lower case.
* Glued sentences: a lowercase word of two or more letters, ``. ! ?``, then an upper-case letter
  (``Changchun.Jing``) ends a sentence; ``JL.gov``, ``3.5`` and ``e.g.`` do not match.
* Chinese ``。！？；`` always end a sentence, whatever follows.
* A line break always ends a sentence.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_CLOSERS = "\"'”’)\\]」』）》"
# English terminal punctuation followed by whitespace (checked against abbreviations below).
_END_SPACED = re.compile(rf"[.!?]+[{_CLOSERS}]*(?=\s)")
# A sentence glued to the next one: "in Jilin.Jing pointed".
_END_GLUED = re.compile(rf"(?<=[a-z]{{2}})[.!?]+[{_CLOSERS}]*(?=[A-Z“])")
# Chinese full-width terminal punctuation; no space needed after it.
_END_CJK = re.compile(rf"[。！？；]+[{_CLOSERS}]*")
_LINE = re.compile(r"[^\n]+")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt co corp inc ltd llc plc dept govt gov no nos vol vs fig "
    "approx est jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences.

    Args:
        text: Any text; line breaks are treated as hard sentence ends.

    Returns:
        ``(start, end)`` spans into ``text``, in order, without surrounding whitespace; together
        they cover every non-whitespace character of ``text``.
    """
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start = line.start()
        for cut in _line_boundaries(text, line.start(), line.end()):
            _append_trimmed(text, start, cut, spans)
            start = cut
        _append_trimmed(text, start, line.end(), spans)
    return spans


def _line_boundaries(text: str, start: int, end: int) -> list[int]:
    """Sorted offsets inside one line where a sentence ends."""
    cuts = {m.end() for m in _END_CJK.finditer(text, start, end)}
    cuts.update(m.end() for m in _END_GLUED.finditer(text, start, end))
    cuts.update(
        m.end() for m in _END_SPACED.finditer(text, start, end) if _is_real_end(text, m, end)
    )
    return sorted(c for c in cuts if start < c < end)


def _is_real_end(text: str, match: re.Match[str], line_end: int) -> bool:
    """False when a spaced ``.`` belongs to an abbreviation or the sentence clearly goes on."""
    following = text[match.end() : line_end].lstrip()
    if following[:1].islower():
        return False
    if not match.group().startswith(".") or match.group().startswith(".."):
        return True
    word_start = match.start()
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : match.start()].lstrip("\"'“‘([")
    return not (word.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(word))


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append ``(start, end)`` without its surrounding whitespace, unless it is blank."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
