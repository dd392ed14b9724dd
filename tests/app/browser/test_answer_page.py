"""The answer first, then the evidence, in real headless Chromium: the short answer, [n] links
to one card per article, the page while it works and when a filter is wrong, a narrow screen.

Shares the app process of ``conftest.py`` with the other browser tests; waits are on page
conditions, never fixed sleeps.
"""

from __future__ import annotations

import re
from typing import Any

from test_app_browser import ANSWER_TIMEOUT, BOT, ask

TALKS_Q = "Who held talks with Xu Zhijun?"  # two sentences of one article
GOVERNOR_Q = "Who is the governor of Jilin?"  # several articles, one sentence each
MEETING_Q = "Who presided over the special meeting on the electronic information industry?"


def test_the_answer_opens_with_the_short_answer_in_bold(page: Any) -> None:
    ask(page, "Who is the rotating chairman of Huawei?")
    bold = page.locator(BOT).last.locator("strong").first
    assert bold.inner_text() == "Xu Zhijun"
    # the short answer is underlined inside its highlighted sentence in the card
    assert page.locator("#sources mark .qa-short").first.inner_text() == "Xu Zhijun"


def test_one_card_per_article_with_every_cited_sentence_marked(page: Any) -> None:
    answer = ask(page, TALKS_Q)
    markers = sorted(set(re.findall(r"\[(\d+)\]", answer)))
    assert len(markers) >= 2, answer
    cards = page.locator("#sources .qa-source")
    titles = page.locator("#sources .qa-title").all_inner_texts()
    assert cards.count() == len(set(titles)) == 1  # both sentences come from one article
    for n in markers:
        assert cards.first.locator(f"mark#qa-src-{n}").count() == 1
    assert cards.first.locator(".qa-file").inner_text().startswith("file 000_")
    # the outlet, when the article names one, with the date; the file name only as a detail
    page.locator("#new-chat").click()  # a new question, not a follow-up
    page.wait_for_function("() => !document.querySelector('#chat [data-testid=\"bot\"]')")
    ask(page, MEETING_Q)
    meta = page.locator("#sources .qa-meta").first.inner_text()
    assert meta == "2020-06-29 · JL.gov", meta
    assert page.locator("#sources .qa-file").first.inner_text() == "file 001_75a8eb6acca57ea7.txt"


def test_a_marker_scrolls_to_its_card_and_highlights_it(page: Any) -> None:
    ask(page, GOVERNOR_Q)
    links = page.locator(f'{BOT} a[href^="#qa-src-"]')
    last = links.last
    target = str(last.get_attribute("href"))[1:]
    page.locator("#sources").evaluate("e => { e.scrollTop = 0; }")
    last.click()
    mark = page.locator(f"#{target}")
    page.wait_for_function(
        "id => document.getElementById(id).classList.contains('qa-current')", arg=target
    )
    card = page.locator(".qa-source.qa-flash")
    assert card.count() == 1
    assert card.locator(f"#{target}").count() == 1  # the card that holds that sentence
    assert page.url.endswith("/") or "#" not in page.url  # the page did not navigate
    # the sentence is in view: scrolled to, inside the window
    page.wait_for_function(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=target,
    )
    assert mark.is_visible()


def test_the_question_shows_at_once_with_a_working_line(page: Any) -> None:
    page.evaluate(
        """() => {
            window.__seen = [];
            new MutationObserver(() => {
                const text = document.querySelector('#chat').innerText;
                if (text.includes('Searching the archive')) window.__seen.push(text);
            }).observe(document.querySelector('#chat'), {subtree: true, childList: true,
                                                         characterData: true});
        }"""
    )
    answer = ask(page, "When did Mayor Wang Ji visit Jilin High-tech Zone?")
    working = page.evaluate("window.__seen")
    assert working, "no working line was shown"
    assert "When did Mayor Wang Ji visit Jilin High-tech Zone?" in working[0]
    assert "Searching the archive" not in page.locator("#chat").inner_text()  # replaced
    assert "June 3" in answer


def test_a_bad_date_is_shown_beside_its_field_and_in_the_chat(page: Any) -> None:
    page.locator("#since textarea, #since input").first.fill("last summer")
    box = page.locator("#question textarea")
    box.fill(TALKS_Q)
    box.press("Enter")
    page.wait_for_selector("#since.qa-invalid", timeout=ANSWER_TIMEOUT)
    beside = page.locator("#since").inner_text()
    assert "invalid since date 'last summer'" in beside and "YYYY" in beside
    said = page.locator(BOT).last.inner_text()
    assert "Since:" in said and "last summer" in said and "YYYY" in said
    assert page.locator(".toast-body").count() == 0  # no pop-up
    assert page.locator("#chat .error, #sources .error, #since .error").count() == 0
    assert "qa-invalid" not in (page.locator("#until").get_attribute("class") or "")
    # once corrected, the field is plain again and the question is answered
    page.locator("#since textarea, #since input").first.fill("2022")
    answer = ask(page, TALKS_Q)
    assert re.search(r"\[\d+\]", answer)
    assert "qa-invalid" not in (page.locator("#since").get_attribute("class") or "")


def test_the_chat_grows_with_the_answer(page: Any) -> None:
    ask(page, TALKS_Q)
    ask(page, GOVERNOR_Q)
    chat = page.locator("#chat")
    height, inner, scroll = chat.evaluate(
        "e => [e.getBoundingClientRect().height, e.clientHeight, e.scrollHeight]"
    )
    assert height > 470  # no longer a fixed 470 px box
    assert scroll <= inner + 2  # nothing scrolls inside it


def test_a_narrow_screen_starts_with_the_sidebar_closed(browser: Any, app: Any) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    try:
        page.goto(app.url, wait_until="load")
        page.wait_for_selector("#question textarea", state="visible")
        page.wait_for_function("() => !document.querySelector('.sidebar.open')")
        box = page.locator("#question").bounding_box()
        column = page.locator("#chat").bounding_box()
        assert box is not None and column is not None
        assert box["width"] >= 0.95 * column["width"], (box, column)  # the full width
        answer = ask(page, TALKS_Q)
        assert re.search(r"\[\d+\]", answer)
    finally:
        context.close()
