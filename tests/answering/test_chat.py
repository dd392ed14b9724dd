"""``qa chat``: a conversation from piped stdin, and its commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.answering.chat import Chat
from qa.errors import QAError

REPO = Path(__file__).resolve().parents[2]


def test_chat_answers_a_question_and_a_follow_up_from_piped_stdin(seeds_index) -> None:
    questions = "Who held talks with Xu Zhijun?\nWhere were the talks held?\n/quit\nignored?\n"
    done = subprocess.run(
        [sys.executable, "-m", "qa.cli", "chat", "--index", str(seeds_index)],
        input=questions,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert "Jing Junhai" in done.stdout and "Changchun" in done.stdout, done.stdout
    assert not done.stdout.startswith(("?", "Ask the archive")), "prompt noise on a pipe"
    assert done.stdout.count("Sources") == 2  # two answers, nothing after /quit
    assert "error" not in done.stderr.lower(), done.stderr


def test_follow_up_is_read_against_the_history_and_new_forgets_it(retriever) -> None:
    chat = Chat(retriever)
    chat.ask("Who held talks with Xu Zhijun?")
    second = chat.ask("Where were the talks held?")
    assert "Xu Zhijun" in second.query and "Changchun" in second.text
    assert chat.command("/new") == "(conversation forgotten)" and chat.history == []
    assert chat.ask("Where were the talks held?").query == "Where were the talks held?"


def test_commands_set_and_clear_the_dates(retriever) -> None:
    chat = Chat(retriever)
    assert chat.command("/since 2023") == "(since: 2023-01-01)"
    assert chat.command("/until 2023-06") == "(until: 2023-06-30)"
    reply = chat.ask("Who held talks with Xu Zhijun?")  # the talks are dated 2022
    assert all(not c.article_id.startswith("000_") for c in reply.citations)
    assert chat.command("/since") == "(since: any date)" and chat.since is None
    assert "/quit" in (chat.command("/help") or "")
    assert chat.command("/quit") is None
    assert "unknown command /frobnicate" in (chat.command("/frobnicate") or "")
    with pytest.raises(QAError):
        chat.command("/since yesterday-ish")


def test_a_bad_line_does_not_end_the_conversation(retriever) -> None:
    out = io.StringIO()
    lines = ["/since 20x3", "Who is the rotating chairman of Huawei?", "/exit", "Who?"]
    assert Chat(retriever).run(lines, out, interactive=False) == 0
    text = out.getvalue()
    assert text.startswith("error: invalid since date '20x3'")
    assert "Xu Zhijun" in text and text.count("Sources") == 1
