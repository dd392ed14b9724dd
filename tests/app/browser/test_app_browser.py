"""The real app in real headless Chromium: ask, follow up, abstain, add and edit articles.

One app process serves the whole module (see ``conftest.py``); each test opens a fresh tab.
Waits are on page conditions with generous timeouts, never fixed sleeps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
ANSWER_TIMEOUT = 60_000  # ms for an answer (or a rebuild) to show in the page
AUTO_Q = "What did Jing Junhai say about the automobile industry?"
HUAWEI_Q = "Who did Jing Junhai meet from Huawei?"
HUAWEI_TITLE = "Jing Junhai han Jun held talks with Xu Zhijun, rotating chairman of Huawei"
WANG_JI_ID = "004_298f5d365e12d248"
WANG_JI_TITLE = "Mayor Wang Ji to Jilin high-tech zone research"
BOT = '[data-testid="bot"]'

NEW_ARTICLE = """\
Jilin opens winter sports research centre in Beidahu

2024-01-12    Jilin Daily

On January 10, the Beidahu Winter Sports Research Centre opened in Jilin City. \
The centre trains 400 ski coaches a year and tests snow-making equipment for ski resorts.
Its director, Zhao Lan, said the centre will host the national ski coaching conference in 2025.
"""


def ask(page: Any, question: str) -> str:
    """Type ``question``, press Enter, wait for the answer; return the answer's text."""
    before = page.locator(BOT).count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=\"bot\"]').length >= n",
        arg=before + 2,
        timeout=ANSWER_TIMEOUT,
    )
    page.wait_for_selector("#sources .qa-source, #sources .qa-abstain-note")
    return str(page.locator(BOT).last.inner_text())


def source_titles(page: Any) -> list[str]:
    return [str(t) for t in page.locator("#sources .qa-title").all_inner_texts()]


def read_query(page: Any) -> str:
    """Open the last "How the question was read" box and return what it says."""
    page.locator(".thought-group .title").last.click()
    text = page.locator(".thought-group").last.inner_text()
    return str(text)


def test_answer_has_markers_and_sources(page: Any, tmp_path: Path) -> None:
    answer = ask(page, AUTO_Q)
    markers = re.findall(r"\[(\d+)\]", answer)
    assert markers, answer
    cards = page.locator("#sources .qa-source")
    assert cards.count() == len(set(source_titles(page)))  # one card per article
    assert "Automobile Innovation Conference" in source_titles(page)[0]
    card = cards.first
    marks = card.locator(".qa-quote mark").count()  # each cited sentence of the article
    assert 1 <= marks <= len(set(markers))
    assert re.search(r"\d{4}-\d\d-\d\d", card.locator(".qa-meta").inner_text())
    # QA_UPDATE_SCREENSHOT=1 refreshes the README's picture; otherwise the tree stays clean
    refresh = os.environ.get("QA_UPDATE_SCREENSHOT") == "1"
    shot = ROOT / "docs" / "screenshot.png" if refresh else tmp_path / "screenshot.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    card.locator("summary").click()  # the whole article, excerpt marked
    article = card.locator(".qa-article")
    article.wait_for(state="visible")
    assert article.locator(".qa-excerpt mark").count() == marks
    assert len(article.inner_text()) > len(card.locator(".qa-quote").inner_text())


def test_example_question_is_answered(page: Any) -> None:
    examples = page.locator("#chat button.example")
    examples.first.wait_for(state="visible")
    assert examples.count() >= 3
    examples.first.click()
    page.wait_for_selector(f"#chat {BOT}", timeout=ANSWER_TIMEOUT)
    page.wait_for_selector("#sources .qa-source", timeout=ANSWER_TIMEOUT)


def test_follow_up_uses_the_conversation(page: Any) -> None:
    ask(page, HUAWEI_Q)
    answer = ask(page, "Where were the talks held?")
    assert re.search(r"\[\d+\]", answer), answer
    assert "Changchun" in answer
    assert HUAWEI_TITLE in source_titles(page)
    searched = read_query(page)
    assert "Searched for" in searched
    assert re.search(r"Huawei|Jing Junhai|Xu Zhijun", searched), searched


def test_unanswerable_question_abstains(page: Any) -> None:
    answer = ask(page, "What is the boiling point of tungsten in degrees Celsius?")
    assert "Not found in the archive" in answer
    page.wait_for_selector("#sources .qa-abstain-note")


def test_status_panel_and_rebuild_button(page: Any) -> None:
    status = page.locator("#status")
    status.locator("text=all-MiniLM-L6-v2").wait_for()
    assert re.search(r"Articles\s+\d+", status.inner_text())
    status.locator("summary", has_text="skipped").click()
    assert "unsupported file type .pdf" in status.inner_text()
    page.locator("#rebuild").click()
    page.wait_for_selector("#build-msg:has-text('articles up to date')", timeout=ANSWER_TIMEOUT)


def test_bad_filter_shows_readable_error(page: Any, app: Any) -> None:
    logged = len(app.log)
    page.locator("#since textarea, #since input").first.fill("last summer")
    page.locator("#question textarea").fill(HUAWEI_Q)
    page.locator("#question textarea").press("Enter")
    page.wait_for_selector("#since.qa-invalid", timeout=ANSWER_TIMEOUT)
    message = page.locator(BOT).last.inner_text()  # in the chat, and beside the field
    assert "since" in message and "YYYY" in message, message
    assert "Traceback" not in message and "Traceback" not in page.locator("#since").inner_text()
    page.wait_for_timeout(500)  # the app's log line arrives through its stdout pipe
    new_lines = app.log[logged:]
    assert any("chat refused:" in line for line in new_lines), new_lines
    assert not any("Traceback" in line for line in new_lines), new_lines  # one line, no trace


def test_uploaded_article_is_found(page: Any, app: Any, tmp_path: Path) -> None:
    upload = tmp_path / "beidahu_centre.txt"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.locator("#upload").click()
    chooser.value.set_files(str(upload))
    page.wait_for_selector("#build-msg:has-text('added 1')", timeout=ANSWER_TIMEOUT)
    assert (app.seeds / "beidahu_centre.txt").exists()
    answer = ask(page, "How many ski coaches does the Beidahu Winter Sports Research Centre train?")
    assert re.search(r"\[\d+\]", answer), answer
    assert "Jilin opens winter sports research centre in Beidahu" in source_titles(page)


def test_seed_edited_on_disk_is_picked_up(page: Any, app: Any) -> None:
    path = app.seeds / f"{WANG_JI_ID}.txt"
    edited = app.seeds / f".{WANG_JI_ID}.txt.tmp"  # saved the way editors do: write, rename
    edited.write_text(
        path.read_text(encoding="utf-8") + "\n\nOn June 4, Wang Ji also inspected the Songhua "
        "Lake hydrogen plant, which will make 5,000 fuel cell stacks a year.\n",
        encoding="utf-8",
    )
    os.replace(edited, path)
    page.wait_for_selector(f"#status:has-text('changed 1 ({WANG_JI_ID})')", timeout=ANSWER_TIMEOUT)
    ask(page, "How many fuel cell stacks will the Songhua Lake hydrogen plant make a year?")
    assert WANG_JI_TITLE in source_titles(page)
    assert "fuel cell stacks" in page.locator("#sources .qa-source").first.inner_text()


def test_api_gives_the_same_answer_as_the_page(page: Any, app: Any) -> None:
    from gradio_client import Client

    shown = ask(page, HUAWEI_Q)
    result = Client(app.url, verbose=False).predict(HUAWEI_Q, api_name="/ask")
    assert set(result) >= {"question", "query", "answer", "abstained", "citations"}
    assert result["question"] == HUAWEI_Q and result["abstained"] is False
    assert " ".join(result["answer"].split()) == " ".join(shown.split())
    cited = list(dict.fromkeys(c["title"] for c in result["citations"]))
    assert cited == source_titles(page)  # one card per article, in order of first citation
    first = result["citations"][0]
    assert set(first) >= {"n", "article_id", "title", "date", "excerpt", "start", "end", "score"}


def test_article_html_is_shown_not_run(page: Any) -> None:
    ask(page, "When did the Changchun Robot Museum open?")
    card = page.locator("#sources .qa-source", has_text="Changchun opens robot museum").first
    card.wait_for(state="visible")
    assert "<script>" in card.locator(".qa-title").inner_text()  # shown as text
    card.locator("summary").click()
    card.locator(".qa-article").wait_for(state="visible")
    assert "onerror" in card.locator(".qa-article").inner_text()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#sources script, #sources img, #chat script").count() == 0


def test_login_page_when_auth_is_set(browser: Any, auth_app: Any) -> None:
    assert auth_app.auth is not None
    name, secret = auth_app.auth
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(auth_app.url, wait_until="load")
    login = page.get_by_role("button", name="Login")
    login.wait_for()
    assert page.locator("#question").count() == 0  # nothing of the app before logging in
    user = page.locator("input:not([type=password]), textarea").first
    password = page.locator("input[type=password]")
    user.fill(name)
    password.fill("wrong")
    login.click()
    page.get_by_text("Incorrect Credentials").wait_for()
    user.fill(name)
    password.fill(secret)
    login.click()
    page.wait_for_selector("#question textarea", state="visible")
    # The page renders its parts one after another: wait for them rather than count at once.
    page.wait_for_selector("#rebuild", state="attached")
    page.wait_for_selector("#upload", state="attached")
    answer = ask(page, HUAWEI_Q)
    assert re.search(r"\[\d+\]", answer), answer
    context.close()
