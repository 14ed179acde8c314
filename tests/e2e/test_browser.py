"""The chat in a real browser: Debian's Chromium driven by playwright.

One app per module, served in-process on a copy of the seed articles plus an
article whose title, source, url and text carry script payloads.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import SEEDS
from servers import chromium, running_app

from rag.app.handlers import SEED_EXAMPLES

pytestmark = pytest.mark.e2e

PAYLOAD_TEXT = """\
The harbour council approved the new flood wall on Tuesday by seven votes to two. \
<img src=x onerror="window.__pwned=1;alert('img')"> \
<script>window.__pwned=1;alert('script')</script>

Residents of the harbour district [welcomed](javascript:alert('md')) the flood wall decision, \
${alert('template')} {{constructor.constructor('alert(1)')()}} \
<a href="javascript:alert('a')">said the mayor</a>.
"""
PAYLOAD_META = {"title": "<script>window.__pwned=1;alert('title')</script>Flood wall vote",
                "source": "<img src=x onerror=\"window.__pwned=1;alert('source')\">Harbour Gazette",
                "url": "javascript:alert('url')", "date": "2024-05-02"}

UPLOADED = """\
Lighthouse keeper retires after forty years

Margarethe Olsen, the keeper of the Skerryvane lighthouse, retired on Friday after forty \
years of service. She said she will miss the foghorn most of all.
"""


@pytest.fixture(scope="module")
def app(seed_engine, tmp_path_factory):
    from rag.engine import Engine

    articles = tmp_path_factory.mktemp("browser-articles")
    for f in SEEDS.iterdir():
        shutil.copy(f, articles / f.name)
    settings = seed_engine.settings.replace(articles_dir=articles,
                                            index_dir=tmp_path_factory.mktemp("browser-index"),
                                            example_questions="|".join(SEED_EXAMPLES))
    engine = Engine(settings, embedder=seed_engine.embedder)  # share the loaded model
    engine.build(progress=False)
    with running_app(engine) as url:
        yield url, engine


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = chromium(p)
        yield b
        b.close()


def open_page(app, browser, **context_options):
    """A fresh page on the chat that records every dialog (alert, confirm…)."""
    url, _ = app
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900},
                                     **context_options})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return page


@pytest.fixture
def page(app, browser):
    page = open_page(app, browser)
    yield page
    page.context.close()


def ask(page, question):
    """Type a question, press Enter, wait for the final answer and its sources."""
    page.wait_for_selector("#chat")
    page.wait_for_selector("#sources")
    page.evaluate("""() => { window.__seen = new Set();
        new MutationObserver(() => {
          const bots = document.querySelectorAll('#chat .bot');
          if (bots.length) window.__seen.add(bots[bots.length - 1].innerText);
        }).observe(document.querySelector('#chat'),
                   {subtree: true, childList: true, characterData: true}); }""")
    page.fill("#question textarea", question)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !(document.querySelector('#sources')?.innerText ?? 'Cited passages appear')"
        ".includes('Cited passages appear')"
        " && !" + LAST_BOT + ".includes('Searching')", timeout=120_000)
    page.wait_for_selector("#sources .source")


LAST_BOT = "([...document.querySelectorAll('#chat .bot')].pop()?.innerText ?? '')"


def last_answer(page) -> str:
    return page.evaluate(LAST_BOT)


def test_question_streams_an_answer_with_citations_that_open_their_passage(page):
    ask(page, "Who decided not to use its veto?")
    answer = last_answer(page)
    assert "veto" in answer and "[1]" in answer
    # The reply arrived in steps (a "searching" message, then the answer text).
    assert page.evaluate("window.__seen.size") >= 2
    card = page.locator("#sources .source").first
    assert "[1]" in card.inner_text() and card.locator("mark").count() >= 1

    shot = os.environ.get("RAG_SCREENSHOT")
    if shot:  # `make screenshot` writes docs/chat.png this way
        Path(shot).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot, full_page=True)

    passage = card.locator(".passage").inner_text()
    card.locator("button.open-article").click()
    page.wait_for_selector("#article-view .target")
    target = page.locator("#article-view .target").inner_text()
    assert " ".join(passage.split())[:120] in " ".join(target.split())
    body = page.locator("#article-view .body").inner_text()
    assert len(body) > len(target)  # the whole article, not just the passage


def test_the_opened_passage_is_one_outlined_box_not_a_ragged_outline_per_line(page):
    # (An inline outline drew a box around each line and an empty one on each
    # blank line between the passage's paragraphs.)
    ask(page, "How did Netanyahu react to the UN vote?")
    page.locator("#sources button.open-article").first.click()
    page.wait_for_selector("#article-view .target")
    boxes = page.evaluate("document.querySelector('#article-view .target').getClientRects().length")
    assert boxes == 1


def test_a_question_sent_while_an_answer_streams_is_asked_after_it_not_dropped(page):
    # (Every streamed step emptied the question box and a second Enter was
    # ignored: the next question vanished unanswered.)
    first, second = "Who decided not to use its veto?", SEED_EXAMPLES[2]
    page.fill("#question textarea", first)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#chat .user').length == 1")
    page.fill("#question textarea", second)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#chat .user').length == 2 && "
                           + LAST_BOT + ".includes('Sources')", timeout=120_000)
    assert page.locator("#chat .user").all_inner_texts() == [first, second]
    assert "14" in last_answer(page)


def test_compare_sources_shows_each_articles_passage_for_the_question_asked(page):
    # (It never filled: run beside the answer, it read the emptied question box.)
    page.click("#compare-sources")
    ask(page, "How did Netanyahu react to the UN vote?")
    page.wait_for_selector("#compare .compare .column", timeout=60_000)
    assert page.locator("#compare .column").count() == 2    # the two seed articles
    assert page.locator("#compare .column mark").count() >= 1
    page.click("#clear")
    page.wait_for_function("() => document.querySelector('#compare')"
                           ".innerText.includes('Ask a question')")


def test_source_filter_restricts_the_cited_articles(page):
    page.click("#options")  # open the accordion
    page.click("#source-filter input")
    page.get_by_role("option", name="The Independent").click()
    page.keyboard.press("Escape")
    ask(page, "Who decided not to use its veto?")
    metas = page.locator("#sources .source .meta").all_inner_texts()
    assert metas and all("The Independent" in m for m in metas)


def test_date_filter_outside_the_collection_finds_nothing(page):
    page.click("#options")
    page.fill("#date-from textarea, #date-from input", "2030-01-01")
    page.fill("#question textarea", "Who decided not to use its veto?")
    page.keyboard.press("Enter")
    page.wait_for_function("() => " + LAST_BOT + ".includes('do not answer')", timeout=120_000)


def test_uploaded_article_becomes_searchable_without_restart(page, tmp_path, app):
    _, engine = app
    upload = tmp_path / "lighthouse keeper.txt"
    upload.write_text(UPLOADED, encoding="utf-8")
    page.click("#uploads")
    page.set_input_files("#upload input[type=file]", str(upload))
    page.wait_for_function("() => document.querySelector('#upload-status')"
                           "?.innerText.includes('added')", timeout=120_000)
    stored = list((engine.settings.articles_dir / "uploads").iterdir())
    assert [p.name for p in stored] == ["lighthouse_keeper.txt"]
    ask(page, "Who retired from the Skerryvane lighthouse?")
    assert "Margarethe Olsen" in last_answer(page)
    assert "Lighthouse keeper retires" in page.locator("#sources").inner_text()


def test_script_payload_article_renders_as_text_and_runs_nothing(app, browser):
    _, engine = app
    articles = engine.settings.articles_dir
    (articles / "payload.txt").write_text(PAYLOAD_TEXT, encoding="utf-8")
    (articles / "payload.json").write_text(json.dumps(PAYLOAD_META), encoding="utf-8")
    engine.add([articles / "payload.txt"])
    page = open_page(app, browser)
    ask(page, "When did the harbour council approve the flood wall?")
    sources = page.locator("#sources").inner_text()
    assert "<script>" in sources and "Harbour Gazette" in sources  # shown, as text
    assert "flood wall" in last_answer(page)
    page.locator("#sources button.open-article").first.click()
    page.wait_for_selector("#article-view .target")
    assert "<img src=x onerror=" in page.locator("#article-view").inner_text()
    page.wait_for_timeout(500)  # give any injected handler the chance to fire

    assert page.dialogs == []
    assert page.evaluate("window.__pwned") is None
    injected = page.evaluate("""() => [
        ...document.querySelectorAll('img[src="x"]'),
        ...document.querySelectorAll('a[href^="javascript:" i]'),
        ...[...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')),
    ].length""")
    assert injected == 0, page.evaluate("""() => [...document.querySelectorAll(
        'img[src="x"], a[href^="javascript:" i], script')].map(e => e.outerHTML.slice(0, 200))""")
    page.context.close()


def test_wide_window_shows_sources_beside_the_chat_from_the_first_load(app, browser):
    # (The page used to shrink to its content, ~660 px, until an answer widened it,
    # so the sources sat under the chat and jumped beside it after the first answer.)
    page = open_page(app, browser)   # 1280 px wide, nothing asked yet
    chat, sources = page.locator("#chat").bounding_box(), page.locator("#sources").bounding_box()
    assert sources["x"] >= chat["x"] + chat["width"] and sources["y"] < chat["y"] + chat["height"]
    assert page.evaluate("document.querySelector('.gradio-container')"
                         ".getBoundingClientRect().width") >= 1200
    page.context.close()


def test_phone_width_stacks_sources_under_the_chat_without_sideways_scrolling(app, browser):
    page = open_page(app, browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    ask(page, "Who decided not to use its veto?")
    chat, sources = page.locator("#chat").bounding_box(), page.locator("#sources").bounding_box()
    assert sources["y"] > chat["y"] + chat["height"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.context.close()


@pytest.fixture(scope="module")
def short_app(seed_engine):
    """The chat on the seed articles with short answers on (off by default)."""
    from rag.engine import Engine

    engine = Engine(seed_engine.settings.replace(short_answer=True), vectors=seed_engine.vectors)
    with running_app(engine) as url:
        yield url, engine


def test_short_answer_comes_first_in_bold_and_is_bold_inside_the_cited_passages(short_app,
                                                                                 browser):
    page = open_page(short_app, browser)
    ask(page, "How many nations backed the resolution?")
    first_bold = page.evaluate("[...document.querySelectorAll('#chat .bot')].pop()"
                               ".querySelector('strong')?.innerText")
    assert first_bold == "14" and last_answer(page).startswith("14")
    in_sources = page.locator("#sources .source mark strong.short-answer")
    assert in_sources.count() >= 1 and set(in_sources.all_inner_texts()) == {"14"}
    card = page.locator("#sources .source", has=page.locator("strong.short-answer")).first
    card.locator("button.open-article").click()
    page.wait_for_selector("#article-view .target")
    assert page.locator("#article-view mark strong.short-answer").all_inner_texts() == ["14"]
    page.context.close()
