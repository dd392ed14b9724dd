"""The app's event handlers: what each button, box and API call of the page does.

Thin over ``qa.app.state.Archive``; every handler a user can trigger goes through ``edge`` so
an error reaches the page (or an API client) as a readable ``gr.Error``, never a stack trace,
and a user's mistake is logged in one line (only an unexpected error logs its trace).
This module imports gradio, so ``app.py`` imports it only once gradio is loaded (it loads while
the index opens).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from qa.app.access import WritePolicy
from qa.app.html import (
    answer_markdown,
    markdown_escape,
    query_markdown,
    sources_html,
    status_html,
)
from qa.app.payload import answer_from_json, answer_json
from qa.app.state import Archive, report_summary
from qa.errors import QAError
from qa.ingest.articles import Skipped
from qa.search.dates import parse_bound

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def edge(fn: F) -> F:
    """Turn any error into a readable ``gr.Error`` for the page or API client, never a trace."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except QAError as exc:
            logger.info("%s refused: %s", fn.__name__, exc)
            raise gr.Error(str(exc), print_exception=False) from None
        except Exception as exc:
            logger.exception("unexpected error in %s", fn.__name__)
            raise gr.Error(
                f"Something went wrong ({type(exc).__name__}: {exc}). Details are in the log.",
                print_exception=False,
            ) from None

    return wrapper  # type: ignore[return-value]


def status_panel(archive: Archive, policy: WritePolicy | None = None) -> str:
    """The archive panel with a line on what the index is doing or last did."""
    notices = [policy.reason] if policy is not None and not policy.allowed else []
    live = archive.generations.live
    if live is None:
        return status_html(0, 0, "…", "…", (), "Loading the index…", notices=notices)
    stats = live.stats
    if stats.articles == 0:
        notices.insert(
            0, f"The archive folder {archive.seeds_dir} has no articles: add .txt or .md files."
        )
    if archive.building:
        activity = "Updating the index… questions are answered from the current one meanwhile."
    elif archive.last_error:
        activity = f"Last update failed: {archive.last_error}"
    else:
        activity = f"{archive.last_report_at} {report_summary(archive.last_report)}"
    warned = [Skipped(w["path"], w["reason"]) for w in live.manifest.get("warnings", [])]
    return status_html(
        stats.articles,
        stats.chunks,
        stats.model,
        stats.built_at,
        stats.skipped,
        activity,
        warnings=warned,
        notices=notices,
    )


class Handlers:
    """What the page's events do; each method is one event, thin over ``Archive``.

    ``examples()`` gives the example questions; each visit asks for them. ``policy`` says
    whether the page may add articles and rebuild; the handlers check it too, whatever the
    page shows.
    """

    def __init__(
        self,
        archive: Archive,
        examples: Callable[[], list[str]],
        policy: WritePolicy | None = None,
    ) -> None:
        self.archive = archive
        self.examples = examples
        self.policy = policy or WritePolicy(True)

    def _may_write(self) -> None:
        if not self.policy.allowed:
            raise QAError(self.policy.reason)

    def ask(
        self,
        question: str,
        k: int = 5,
        since: str = "",
        until: str = "",
        mode: str = "hybrid",
        history: list[dict[str, Any]] | None = None,
        as_of: str = "",
    ) -> dict[str, Any]:
        """Answer a question from the archive, with citations.

        Returns {"question", "query", "answer", "abstained", "citations": [{"n", "article_id",
        "title", "date", "excerpt", "start", "end", "score", ...}], "related", "notes",
        "dates", "window"}. For a follow-up, pass the earlier results (oldest first) as
        ``history``. ``as_of`` (YYYY[-MM[-DD]]) reads the archive as of that day: "this week"
        is read against it and later articles are left out.
        """
        earlier = [answer_from_json(h) for h in history or []]
        reply = self.archive.ask(
            question, earlier, k=k, since=since, until=until, mode=mode, as_of=as_of
        )
        return answer_json(reply.answer)

    def show_question(self, question: str, messages: list) -> tuple[str, list, str]:
        """Put the question in the chat at once, with a working line until the answer comes."""
        if not question or not question.strip():
            return question, messages, ""
        shown = messages + [
            {"role": "user", "content": question},
            {"role": "assistant", "content": WORKING},
        ]
        return "", shown, question

    def chat(
        self,
        question: str,
        messages: list,
        answers: list,
        since: str,
        until: str,
        k: float,
        mode: str,
        as_of: str = "",
    ) -> tuple:
        """Answer the question ``show_question`` put in the chat, in place of its working line.

        A bad Since, Until or As of value is said beside its field and in the chat; nothing
        is asked then. Returns (chatbot, answers, sources, since, until, as_of) updates.
        """
        if messages and _text(messages[-1]) == WORKING:
            messages = messages[:-2]
        if not question or not question.strip():
            return (gr.skip(),) * 6
        fields = {"since": (since, False), "until": (until, True), "as of": (as_of, True)}
        wrong = filter_errors(fields)
        flags = [field_update(name, wrong.get(name)) for name in fields]
        said: list[dict[str, Any]] = [{"role": "user", "content": question}]
        if wrong:
            text = "\n\n".join(
                f"**{n.capitalize()}:** {markdown_escape(e)}" for n, e in wrong.items()
            )
            said.append({"role": "assistant", "content": text})
            logger.info("chat refused: %s", "; ".join(f"{n}: {e}" for n, e in wrong.items()))
            return messages + said, answers, gr.skip(), *flags
        try:
            reply = self.archive.ask(
                question, answers, k=int(k), since=since, until=until, mode=mode, as_of=as_of
            )
        except QAError as exc:
            logger.info("chat refused: %s", exc)
            said.append({"role": "assistant", "content": f"**{markdown_escape(str(exc))}**"})
            return messages + said, answers, gr.skip(), *flags
        a = reply.answer
        said += [
            {
                "role": "assistant",
                "content": query_markdown(a, reply.mode),
                "metadata": {"title": "How the question was read", "status": "done"},
            },
            {"role": "assistant", "content": answer_markdown(a)},
        ]
        return messages + said, answers + [a], sources_html(a, reply.articles), *flags

    def rebuild(self, progress: Any) -> tuple[str, str]:
        self._may_write()
        progress(0, desc="Checking the archive folder")
        report = self.archive.rebuild(_embedding_bar(progress), force=True)
        return self.status(), report_summary(report)

    def upload(self, files: list[str] | None, progress: Any) -> tuple[str, str]:
        self._may_write()
        progress(0, desc="Adding articles")
        report = self.archive.add_files(files or [], _embedding_bar(progress))
        return self.status(), report_summary(report)

    def status(self) -> str:
        return status_panel(self.archive, self.policy)

    def refresh(self, shown: str) -> tuple[Any, Any]:
        html = self.status()
        return (gr.skip(), gr.skip()) if html == shown else (html, html)

    def first_visit(self) -> tuple[Any, str, str]:
        html = self.status()
        return gr.update(examples=[{"text": q} for q in self.examples()] or None), html, html


WORKING = "*Searching the archive…*"
FIELD_INFO = "YYYY, YYYY-MM or YYYY-MM-DD"


def _text(message: dict[str, Any]) -> str:
    """A chat message's text, however Gradio handed it back (a string or a list of parts)."""
    content = message.get("content")
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def filter_errors(fields: dict[str, tuple[str, bool]]) -> dict[str, str]:
    """What is wrong with each date field that holds something other than a date."""
    wrong = {}
    for name, (value, end) in fields.items():
        if value and value.strip():
            try:
                parse_bound(value, end=end, name=name)
            except QAError as exc:
                wrong[name] = str(exc)
    return wrong


def field_update(name: str, error: str | None) -> Any:
    """A date field's update: its error in its info line and a red frame, or back to normal."""
    if error is None:
        return gr.update(info=None if name == "as of" else FIELD_INFO, elem_classes=[])
    return gr.update(info=f"⚠ {error}", elem_classes=["qa-invalid"])


def pick_example(evt: gr.SelectData) -> str:
    return str(evt.value["text"])


def _embedding_bar(progress: Any) -> Callable[[int, int], None]:
    """A build's (done, total) progress, shown on Gradio's bar as "Embedding"."""

    def show(done: int, total: int) -> None:
        progress((done, total), desc="Embedding")

    return show
