"""The ``/ask`` API's JSON: an answer as data, and earlier answers read back as history."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from qa.errors import InvalidArgumentError

if TYPE_CHECKING:
    from qa.models import Answer


def answer_json(answer: Answer) -> dict[str, Any]:
    """The answer as JSON-ready data, the shape of ``qa ask --json``."""
    from qa.answering.render import answer_to_dict

    return answer_to_dict(answer)


def answer_from_json(data: dict[str, Any]) -> Answer:
    """An earlier ``answer_json`` result, enough of it to serve as conversation history."""
    from qa.models import Answer, Citation

    try:
        citations = tuple(
            Citation(
                int(c["n"]),
                str(c["article_id"]),
                str(c["title"]),
                dt.date.fromisoformat(c["date"]) if c.get("date") else None,
                c.get("source"),
                str(c["excerpt"]),
                int(c["start"]),
                int(c["end"]),
                int(c.get("sentence_start", c["start"])),
                int(c.get("sentence_end", c["end"])),
                float(c.get("score", 0.0)),
            )
            for c in data.get("citations", [])
        )
        return Answer(
            str(data["question"]),
            str(data.get("query", data["question"])),
            str(data.get("answer", "")),
            citations,
            bool(data.get("abstained", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"history must be a list of earlier /ask results; this one is not: {exc!r}"
        ) from None
