"""Read the files of an archive folder into ``Article`` records.

Files are news pages saved as text: a title (sometimes after a lead paragraph of site
boilerplate), a line with the date and source, the body, then site furniture (editor credits,
slogans, "Head Office"). ``parse_article_text`` keeps the title, date, source and a cleaned body;
``read_article`` adds decoding and file checks; ``scan_archive`` reads a whole folder and reports
every file it skips, with the reason, and every file it read with a caveat (bytes that no
encoding could read, replaced). Files are read only from inside the archive folder (see
``qa.ingest.files``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import ArticleError, InvalidArgumentError
from qa.ingest.files import confine, list_archive, read_bytes
from qa.ingest.header import TERMINAL, parse_header
from qa.models import Article

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
DEFAULT_MAX_BYTES = 10_000_000

_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")


@dataclass(frozen=True)
class Skipped:
    """A file of the archive that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class ScanResult:
    """Everything ``scan_archive`` found: the articles, the files it skipped, and the files
    it read with a caveat (``warnings``: same shape as ``skipped``, but indexed)."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class Decoded:
    """Text decoded from a file's bytes, and how many bytes no encoding could read."""

    text: str
    encoding: str
    replaced: int = 0

    @property
    def caveat(self) -> str | None:
        """The warning to report for this file, if any bytes were replaced."""
        if not self.replaced:
            return None
        return f"{self.replaced} undecodable byte(s) replaced with U+FFFD (read as {self.encoding})"


def scan_archive(folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ScanResult:
    """Read every ``*.txt`` and ``*.md`` file under ``folder`` (recursively, in sorted order).

    Hidden files and folders are ignored, and so is every file whose real path is outside
    ``folder`` (a link out of it). Files that cannot be read as an article, other file types,
    links that cannot be followed and articles whose body repeats an earlier one are reported
    in ``skipped``; files read with undecodable bytes replaced are reported in ``warnings``.

    Args:
        folder: The archive folder.
        max_bytes: Files larger than this are skipped.

    Returns:
        The articles, the skipped files and the warnings.

    Raises:
        InvalidArgumentError: ``folder`` does not exist or is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InvalidArgumentError(f"archive folder {folder} {what}")
    listing = list_archive(folder)
    skipped = [Skipped(str(path), reason) for path, reason in listing.unreadable]
    seen = _Seen()
    for path in listing.files:
        reason = _skip_reason(path, folder, max_bytes, seen)
        if reason is not None:
            skipped.append(Skipped(str(path), reason))
    for s in skipped:
        logger.warning("skipping %s: %s", s.path, s.reason)
    for w in seen.warnings:
        logger.warning("%s: %s", w.path, w.reason)
    return ScanResult(tuple(seen.articles), tuple(skipped), tuple(seen.warnings))


@dataclass
class _Seen:
    """What a scan has read so far: articles, their ids and bodies, and warnings."""

    articles: list[Article] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)
    warnings: list[Skipped] = field(default_factory=list)


def _skip_reason(path: Path, folder: Path, max_bytes: int, seen: _Seen) -> str | None:
    """Read one file into ``seen``; return why it was skipped, or None."""
    try:
        real = confine(path, folder)
        if real.is_dir():
            return "a link to a folder (links to folders are not followed)"
        if path.suffix.lower() not in SUFFIXES:
            return f"unsupported file type {path.suffix or '(no suffix)'} (expected .txt or .md)"
        article, decoded = _read(real, path, folder, max_bytes)
    except ArticleError as exc:
        return exc.reason
    if article.id in seen.ids:
        return f"same article id {article.id!r} as {seen.ids[article.id]}"
    key = " ".join(article.body.split())
    if key in seen.bodies:
        return f"duplicate of {seen.bodies[key]}"
    seen.ids[article.id] = str(path)
    seen.bodies[key] = article.id
    seen.articles.append(article)
    if decoded.caveat:
        seen.warnings.append(Skipped(str(path), decoded.caveat))
    return None


def read_article(
    path: Path, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Article:
    """Read and parse one file.

    Args:
        path: The file.
        root: The archive folder; the id of a file in a subfolder is its relative path without
            suffix (``"2024/june/report"``). Without ``root`` the id is the file stem.
        max_bytes: Larger files are refused.

    Returns:
        The parsed article.

    Raises:
        ArticleError: The file is unreadable, too large, empty, binary, in an unknown encoding,
            has no body text, or (with ``root``) its real path is outside ``root``.
    """
    path = Path(path)
    real = confine(path, Path(root)) if root is not None else path
    article, decoded = _read(real, path, root, max_bytes)
    if decoded.caveat:
        logger.warning("%s: %s", path, decoded.caveat)
    return article


def _read(real: Path, path: Path, root: Path | None, max_bytes: int) -> tuple[Article, Decoded]:
    """Read the file at ``real`` as the article at ``path`` (its id and where it is shown)."""
    raw = read_bytes(real, max_bytes, shown=path)
    decoded = decode_text(raw, path)
    content_hash = hashlib.sha256(raw).hexdigest()
    article = parse_article_text(
        decoded.text, id=article_id(path, root), path=str(path), content_hash=content_hash
    )
    return article, decoded


def article_id(path: Path, root: Path | None = None) -> str:
    """The stable id of a file: its stem, or its '/'-joined path under ``root`` without suffix."""
    if root is None:
        return path.stem
    try:
        relative = path.relative_to(root)
    except ValueError:
        return path.stem
    return relative.with_suffix("").as_posix()


def decode_bytes(raw: bytes, path: Path | str = "<bytes>") -> str:
    """Decode file bytes: UTF-8 (with or without BOM), then GB18030, then Latin-1.

    GB18030 is accepted only when the result reads as Chinese, and Latin-1 only when it reads
    as Western text; anything else is refused rather than turned into mojibake. UTF-8 with a
    few undecodable bytes is read as UTF-8 with those bytes replaced (``decode_text`` says how
    many).

    Raises:
        ArticleError: The bytes are empty, binary, or in no supported encoding.
    """
    return decode_text(raw, path).text


def decode_text(raw: bytes, path: Path | str = "<bytes>") -> Decoded:
    """``decode_bytes``, saying which encoding was used and how many bytes were replaced."""
    if not raw.strip():
        raise ArticleError(path, "empty file")
    decoded: Decoded | None = None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        decoded = _strict(raw, "utf-16", "UTF-16")
    elif b"\x00" in raw or len(_CONTROL_BYTES.findall(raw[:65536])) > 0.01 * min(len(raw), 65536):
        raise ArticleError(path, "binary file, not text")
    else:
        decoded = _strict(raw, "utf-8-sig", "UTF-8") or _mostly_utf8(raw)
        if decoded is None:
            decoded = _strict(raw, "gb18030", "GB18030")
            if decoded is not None and not _reads_as_chinese(decoded.text):
                decoded = None
        if decoded is None:
            decoded = _strict(raw, "latin-1", "Latin-1")
            if decoded is not None and not _reads_as_western(decoded.text):
                decoded = None
    if decoded is None:
        raise ArticleError(path, "unknown text encoding (tried UTF-8, GB18030 and Latin-1)")
    if not decoded.text.replace("\ufffd", "").strip():
        raise ArticleError(path, "empty file")
    return decoded


def _strict(raw: bytes, encoding: str, label: str) -> Decoded | None:
    text = _try_decode(raw, encoding)
    return None if text is None else Decoded(text, label)


_ESCAPED = re.compile("[\udc80-\udcff]")  # an undecodable byte, under surrogateescape


def _mostly_utf8(raw: bytes) -> Decoded | None:
    """UTF-8 with its few undecodable bytes replaced by U+FFFD, when the valid multi-byte
    characters outnumber them (a Latin-1 or GB18030 file has almost none)."""
    escaped = raw.decode("utf-8-sig", errors="surrogateescape")
    bad = len(_ESCAPED.findall(escaped))
    wide = sum(1 for ch in escaped if ord(ch) > 127) - bad
    if not bad or wide <= bad:
        return None
    return Decoded(_ESCAPED.sub("\ufffd", escaped), "UTF-8", bad)


def _try_decode(raw: bytes, encoding: str) -> str | None:
    """``raw`` decoded strictly, or None."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError:
        return None


def _reads_as_chinese(text: str) -> bool:
    """True when almost every non-ASCII character is a common (GB2312) Chinese character."""
    wide = [ch for ch in text if ord(ch) > 127]
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common >= 0.9 * len(wide)


def _reads_as_western(text: str) -> bool:
    """True when Latin-1 text is mostly printable ASCII, as English or French would be."""
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    ascii_share = sum(1 for ch in text if ord(ch) < 128) / len(text)
    return printable >= 0.98 * len(text) and ascii_share >= 0.7


def parse_article_text(
    text: str, *, id: str = "article", path: str = "", content_hash: str | None = None
) -> Article:
    """Parse the decoded text of one file into an ``Article``.

    Args:
        text: The whole file, decoded.
        id: The article id.
        path: Where the text came from (kept on the article and used in errors).
        content_hash: sha256 hex of the raw bytes; computed from ``text`` (UTF-8) when None.

    Returns:
        The article, with its cleaned body.

    Raises:
        ArticleError: Nothing remains of the body after cleaning.
    """
    lines = clean_lines(text)
    header = parse_header(lines)
    body = join_paragraphs(lines[header.body_start : _body_end(lines, header.body_start)])
    if not body:
        raise ArticleError(path or id, "no body text after cleaning")
    if content_hash is None:
        content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    title = header.title or _fallback_title(body)
    return Article(id, title, header.date, header.source, body, path, content_hash)


def clean_lines(text: str) -> list[str]:
    """Lines with unusual spaces normalised, runs of spaces collapsed and ends stripped.

    Blank lines are kept (as ``""``) because they separate paragraphs.
    """
    text = _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def join_paragraphs(lines: list[str]) -> str:
    """Body text: one paragraph per line, separated by a blank line.

    A line that stops mid-sentence and is followed by a lowercase continuation is a hard wrap
    and is joined to the next one with a space.
    """
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        if joinable and line[:1].islower():
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
        joinable = not line.endswith(TERMINAL)
    return "\n\n".join(paragraphs)


_EDITOR_CREDIT = re.compile(
    r"^[(（\[【]?\s*(?:editors?(?: in charge)?|responsible editors?|edited by|责任编辑|编辑|"
    r"来源|source)\s*[:：].*$",
    re.IGNORECASE,
)
_FURNITURE_WORDS = re.compile(
    r"\b(?:you|your|contact us|copyright|all rights reserved|subscribe|follow us|scan the|"
    r"qr code|share (?:this|to)|print this|head office|click)\b|©|"
    r"版权所有|打印本页|关闭窗口|分享到|扫一扫|联系我们",
    re.IGNORECASE,
)


def _body_end(lines: list[str], start: int) -> int:
    """Index just past the last real paragraph: trailing site furniture is cut off."""
    end = len(lines)
    while end > start:
        line = lines[end - 1]
        if line and not _is_furniture(line):
            break
        end -= 1
    if end == start:
        return len(lines)  # every line looked like furniture: keep them, it is all there is
    return end


def _is_furniture(line: str) -> bool:
    """A trailing line that belongs to the web page rather than to the article."""
    words = len(line.split())
    if _EDITOR_CREDIT.match(line):
        return True
    if words <= 6 and not line.endswith(TERMINAL):
        return True  # "Head Office", "Graphic design - Design"
    return words <= 30 and bool(_FURNITURE_WORDS.search(line))


def _fallback_title(body: str) -> str:
    """A title for a file that has none: the start of its first line, cut at a word."""
    first = body.split("\n", 1)[0]
    if len(first) <= 100:
        return first
    return first[:100].rsplit(" ", 1)[0] + "…"
