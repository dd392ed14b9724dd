"""``qa chat``: questions one after another against an index loaded once.

Each line is a question, answered as ``qa ask`` answers it, with the conversation so far as
history, so a follow-up ("Where were they held?") is read against the previous turn
(``qa.answering.followup``). Lines that start with ``/`` are commands: ``/since DATE``,
``/until DATE`` (no DATE clears the bound), ``/new`` (forget the conversation), ``/help``,
``/quit``. Piped questions are answered one a line, without prompts or greetings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any, TextIO

from qa.answering.answerer import answer
from qa.answering.render import format_answer
from qa.errors import QAError
from qa.models import Answer
from qa.search.dates import coerce_bound

logger = logging.getLogger(__name__)

HELP = """\
Ask a question; follow-ups ("Where were they held?") are read against the conversation.
  /since DATE   only articles on or after DATE (YYYY[-MM[-DD]]); /since alone clears it
  /until DATE   only articles on or before DATE; /until alone clears it
  /new          forget the conversation (keeps the dates)
  /help         this text
  /quit         leave (also Ctrl-D)"""
PROMPT = "? "
MAX_HISTORY = 10  # turns kept: follow-ups read only the latest, the rest is for context


class Chat:
    """One conversation with a retriever: the history and the date bounds it carries."""

    def __init__(
        self,
        retriever: Any,
        *,
        k: int | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        as_of: str | dt.date | None = None,
        mode: str | None = None,
    ) -> None:
        self.retriever = retriever
        self.k = k
        self.since = coerce_bound(since, end=False)
        self.until = coerce_bound(until, end=True)
        self.as_of = as_of
        self.mode = mode
        self.history: list[Answer] = []

    def ask(self, question: str) -> Answer:
        """Answer ``question`` in the context of the conversation, and remember it."""
        reply = answer(
            question,
            self.retriever,
            history=self.history,
            k=self.k,
            since=self.since,
            until=self.until,
            as_of=self.as_of,
            mode=self.mode,
        )
        self.history = (self.history + [reply])[-MAX_HISTORY:]
        return reply

    def command(self, line: str) -> str | None:
        """Carry out a ``/command``; returns what to print, or None to quit.

        Raises:
            InvalidArgumentError: a date that cannot be read.
        """
        name, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if name in ("/quit", "/exit", "/q"):
            return None
        if name == "/new":
            self.history = []
            return "(conversation forgotten)"
        if name == "/since":
            self.since = coerce_bound(rest or None, end=False)
            return f"(since: {self.since or 'any date'})"
        if name == "/until":
            self.until = coerce_bound(rest or None, end=True)
            return f"(until: {self.until or 'any date'})"
        if name == "/help":
            return HELP
        return f"unknown command {name}: try /since, /until, /new, /help or /quit"

    def run(self, lines: Iterable[str] | TextIO, out: TextIO, *, interactive: bool) -> int:
        """Answer each line of ``lines`` on ``out`` until they end or ``/quit``; returns 0.

        ``interactive`` adds a greeting and prompts (a terminal); piped input gets neither.
        """
        if interactive:
            print("Ask the archive. /help for commands, /quit to leave.", file=out)
        for line in _lines(lines, out, interactive):
            line = line.strip()
            if not line:
                continue
            try:
                if line.startswith("/"):
                    said = self.command(line)
                    if said is None:
                        break
                    print(said, file=out)
                    continue
                reply = self.ask(line)
            except QAError as exc:  # one bad line never ends the conversation
                print(f"error: {exc}", file=out)
                continue
            print(format_answer(reply, color=interactive and out.isatty()), file=out)
            print(file=out)
            out.flush()
        return 0


def _lines(lines: Iterable[str] | TextIO, out: TextIO, interactive: bool) -> Iterable[str]:
    """The input's lines; with a prompt before each when ``interactive``."""
    if not interactive:
        yield from lines
        return
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            print(file=out)
            return
