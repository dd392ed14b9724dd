"""Sentence boundaries of article bodies, as character spans.

A small rule set for messy machine-translated news:

* English ``. ! ?`` (plus closing quotes or brackets) followed by whitespace ends a sentence,
  unless the ``.`` belongs to an abbreviation or initials (``Mr.``, ``Co.``, ``U.S.``, ``e.g.``)
  or the next word starts in lower case.
* Glued sentences: a lowercase word of two or more letters, ``. ! ?``, then an upper-case letter
  (``Changchun.Jing``) ends a sentence; ``JL.gov``, ``3.5`` and ``e.g.`` do not match.
* Chinese ``。！？；`` always end a sentence, whatever follows.
* In Chinese, a numbered item starts a sentence when it follows a colon, a comma or a space
  (``主要任务：（一）加强……``, ``，二是推进……``, ``　第三条　……``): the items of policy texts
  (第三条, 一、, （一）, 1., ①, 一是) each say one thing and are quoted on their own.
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
_NUMERAL = "零〇一二两三四五六七八九十百千"
# The number of a clause or an item of a Chinese text: 第三条 (an article, 章 a chapter, 节 a
# section, 款 a paragraph), 一、, （一）or (一), （1）, 1. or 1、(not 1.5), ①, 一是.
ITEM = re.compile(
    rf"第[{_NUMERAL}\d]+[条章节款]|[{_NUMERAL}]+、|[（(][{_NUMERAL}\d]{{1,3}}[）)]"
    rf"|(?<![\d.])\d{{1,2}}(?:\.(?!\d)|、)|[①-⑳]|[一二三四五六七八九十]是(?=[\u4e00-\u9fff])"
)
_BEFORE_CHINESE = r"(?=\s*[“《（(【]?[\u4e00-\u9fff])"
# An item starts a new sentence after a colon, a comma or a space, before Chinese text.
_ITEM_START = re.compile(rf"(?<=[：:，,\s　])(?:{ITEM.pattern}){_BEFORE_CHINESE}")
_HEADING = re.compile(rf"(?:{ITEM.pattern}){_BEFORE_CHINESE}")  # at a sentence's start
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
    cuts.update(m.start() for m in _ITEM_START.finditer(text, start, end))
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


def clause_heading(text: str, spans: list[tuple[int, int]], index: int, reach: int) -> int | None:
    """The sentence that opens the numbered clause ``spans[index]`` lies in, or None.

    That is the nearest sentence, itself included, that starts with an article's number
    (第三条) no more than ``reach`` characters back; failing one, the nearest that starts with an
    item's number (（二）, 1., 一是) in the same paragraph, or on a line of its own (a heading
    line such as "（二）基本原则"). A chapter or section (第二章) ends the search: an article of
    another chapter is not this one's. Only Chinese text is numbered this way.
    """
    start = spans[index][0]
    item = None
    for i in range(index, -1, -1):
        begin, end = spans[i]
        if start - begin > reach:
            break
        found = _HEADING.match(text, begin)
        if found is None:
            continue
        marker = found.group()
        if marker.startswith("第") and marker.endswith("条"):
            return i
        if marker.startswith("第"):
            break
        own_line = (begin == 0 or text[begin - 1] == "\n") and text[end : end + 1] in ("", "\n")
        if item is None and ("\n" not in text[begin:start] or own_line):
            item = i
    return item


_NUMBERED = re.compile(rf"第[{_NUMERAL}\d]+[条章节]")  # a body without one has no headings
_CHAPTER_LINE = 40  # most characters of a chapter's (or section's) heading line


def enclosing_headings(text: str, starts: list[int], reach: int) -> list[str]:
    """The headings a reader of ``text`` from each of ``starts`` on has not seen: the title
    line of the chapter or section (第三章　充电设施补贴) and the number of the article (第十三条)
    that the offset lies inside, "" where there is none.

    An article counts no more than ``reach`` characters after its number and not past a
    chapter, as in ``clause_heading``; a chapter or section counts to the next one. A heading
    that starts exactly at the offset is the reader's own first words, so it is left out.
    """
    if not _NUMBERED.search(text):
        return [""] * len(starts)
    marks = []  # (offset, is an article, what to carry)
    for begin, end in split_sentences(text):
        found = _HEADING.match(text, begin)
        if found is None or not found.group().startswith("第"):
            continue
        marker = found.group()
        if marker.endswith("条"):
            marks.append((begin, True, marker))
        else:
            line = text[begin:end] if end - begin <= _CHAPTER_LINE else marker
            marks.append((begin, False, " ".join(line.split())))
    return [_headings_at(marks, start, reach) for start in starts]


def _headings_at(marks: list[tuple[int, bool, str]], start: int, reach: int) -> str:
    """The chapter, section and article headings that ``start`` lies inside (see above)."""
    article: str | None = None  # None: still looked for; "" : none counts
    chapters: list[str] = []
    for begin, is_article, words in reversed(marks):
        if begin > start:
            continue
        if is_article:
            if article is None and not chapters:
                article = words if begin < start and start - begin <= reach else ""
            continue
        if begin == start:
            return ""
        if chapters and "节" in words.split()[0]:
            continue  # a section of an earlier chapter
        chapters.insert(0, words)
        if "章" in words.split()[0]:
            break
    return " ".join([*chapters, article or ""]).strip()
