"""The chat page and the admin panel in real headless Chromium (Debian's package, driven by Playwright),
against a real server: streaming, citations, language switch, XSS payloads shown as text, admin login.
Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mygallery.config import Settings
from mygallery.engine.embeddings import make_embedder
from mygallery.engine.index import LiveIndex
from mygallery.engine.ingest import ingest
from mygallery.service import GalleryService
from tests.conftest import BUNDLED_DOCS, ROOT, make_settings

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
XSS = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("MYGALLERY_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (MYGALLERY_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()


@pytest.fixture
def xss_gallery(tmp_path: Path, no_thread_leak):
    """The bundled corpus plus one note whose text carries an HTML payload."""
    docs = tmp_path / "docs"
    shutil.copytree(BUNDLED_DOCS, docs)
    (docs / "xss-note.md").write_text(
        f"# Lab notebook\n\n## Flux capacitor calibration\n\nThe flux capacitor calibration marker is {XSS} and "
        "it must be shown as plain text by every page that quotes it.\n", encoding="utf-8")
    settings = make_settings(tmp_path, docs_dir=docs, index_dir=tmp_path / "index")
    _, index = ingest(settings, make_embedder(Settings()))
    gallery = GalleryService(settings, library=LiveIndex(index)).start()
    yield gallery
    gallery.stop()


def ask(page, question: str) -> None:
    """Send with Enter and wait until this question's own answer is complete."""
    answered = page.locator(".message.assistant").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    page.locator(".message.assistant[data-state='done']").nth(answered).wait_for(timeout=30_000)


RECORD_ANSWER_SIZES = """
    window.__answerSizes = [];
    new MutationObserver(() => {
      const bodies = document.querySelectorAll('.message.assistant .answer-body');
      if (bodies.length) window.__answerSizes.push(bodies[bodies.length - 1].textContent.length);
    }).observe(document, {subtree: true, childList: true, characterData: true});
"""


def test_answer_appears_token_by_token(page, gallery_factory) -> None:
    """With a model that takes time per token (the stand-in for a remote LLM), the page shows the answer grow."""
    from tests.fake_openai import FakeOpenAI

    reply = "Reliable unordered delivery hands every packet to the receiver exactly once [1], in any order [2]."
    with FakeOpenAI(reply=reply, delay=0.05) as model:
        gallery = gallery_factory(openai_base_url=model.url, openai_api_key="k", answer_backend="openai")
        page.add_init_script(RECORD_ANSWER_SIZES)  # an init script is not subject to the page's CSP
        page.goto(gallery.url + "/")
        page.locator("#question").wait_for()
        ask(page, "What does RUD guarantee?")
    sizes = page.evaluate("window.__answerSizes")
    assert len(set(sizes)) >= 8 and sizes == sorted(sizes), f"the answer did not grow token by token: {sizes}"
    answer = page.locator(".message.assistant").last
    assert "exactly once" in answer.inner_text() and answer.locator("a.cite").count() == 2
    page.screenshot(path=str(ARTIFACTS / "chat-streamed-llm.png"), full_page=True)


def test_chat_cites_switches_language_and_never_runs_payloads(page, xss_gallery: GalleryService) -> None:
    page.goto(xss_gallery.url + "/")
    page.locator("#question").wait_for()

    ask(page, "What does RUD guarantee?")
    answer = page.locator(".message.assistant").last
    assert "exactly once" in answer.inner_text().lower()
    citation = answer.locator("a.cite").first
    number = citation.get_attribute("data-cite")
    citation.click()
    source = page.locator(f"#source-{number}")
    source.wait_for(state="visible")
    assert "delivery" in source.inner_text().lower() or ".md" in source.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)

    # A payload in the question and in a document: both shown as text, neither executed.
    ask(page, f"Where is the flux capacitor calibration marker {XSS} described?")
    user_message = page.locator(".message.user").last
    assert XSS in user_message.inner_text()
    assert XSS in page.locator(".message.assistant").last.inner_text() + page.locator("#sources").inner_text()
    assert page.locator("#messages img, #sources img").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(ARTIFACTS / "chat-xss-as-text.png"), full_page=True)

    # Language switch: the interface turns Chinese and stays so after a reload.
    send_label = page.locator("#send").inner_text()
    page.click("#lang-toggle")
    assert page.locator("#send").inner_text() != send_label
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.reload()
    page.locator("#question").wait_for()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.locator(".message.user").count() >= 2  # the conversation was restored from the server
    page.screenshot(path=str(ARTIFACTS / "chat-zh.png"), full_page=True)
    assert not [e for e in page.errors if "Content Security Policy" in e], page.errors


def test_an_answer_the_documents_lack_is_marked_in_both_languages(page, gallery: GalleryService) -> None:
    page.goto(gallery.url + "/")
    page.locator("#question").wait_for()
    ask(page, "What does RUD guarantee?")
    assert page.locator(".message.assistant").last.get_attribute("data-answered") == "true"
    assert page.locator(".message.assistant .unanswered").count() == 0
    ask(page, "Which recipe makes the best sourdough bread?")
    answer = page.locator(".message.assistant").last
    assert answer.get_attribute("data-answered") == "false"
    badge = answer.locator(".unanswered")
    assert "Not in the documents" in badge.inner_text()
    assert "related reading" in answer.locator(".show-sources").inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "chat-not-in-documents.png"), full_page=True)
    page.click("#lang-toggle")
    assert "资料中没有" in badge.inner_text()
    page.reload()  # a restored conversation keeps the mark
    page.locator(".message.assistant[data-state='done']").nth(1).wait_for(timeout=30_000)
    assert page.locator(".message.assistant").nth(1).get_attribute("data-answered") == "false"
    assert "资料中没有" in page.locator(".message.assistant .unanswered").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "chat-not-in-documents-zh.png"), full_page=True)


def test_chat_page_on_a_phone(browser, gallery: GalleryService) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(gallery.url + "/")
        page.locator("#question").wait_for()
        ask(page, "什么是 LLR？")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
        page.screenshot(path=str(ARTIFACTS / "chat-phone.png"), full_page=True)
    finally:
        context.close()


def test_admin_panel_logs_in_with_the_token_and_shows_numbers(page, gallery_factory) -> None:
    gallery = gallery_factory(admin_token="panel-token-123")
    from tests.http_helpers import ask as http_ask

    http_ask(gallery.url, "What is packet trimming?")
    page.goto(gallery.url + "/admin")
    page.locator("#token-input").wait_for()
    page.fill("#token-input", "wrong-token")
    page.locator("#token-form").locator("button[type=submit]").click()
    page.locator("#token-error").wait_for(state="visible")
    page.fill("#token-input", "panel-token-123")
    page.locator("#token-form").locator("button[type=submit]").click()
    page.locator("#stats").wait_for(state="visible")
    page.wait_for_selector("#requests-total:not(:empty)")
    assert int("".join(ch for ch in page.inner_text("#requests-total") if ch.isdigit())) >= 1
    for selector in ("#cpu", "#memory", "#disk", "#latency-p50", "#latency-p95", "#latency-p99",
                     "#sessions-active"):
        assert any(ch.isdigit() for ch in page.inner_text(selector)), selector
    assert page.locator("#chart-latency svg path").count() >= 1
    assert page.locator("#sessions-table tbody tr").count() >= 1
    assert page.evaluate("sessionStorage.getItem('mygallery.adminToken')") == "panel-token-123"
    assert page.locator("#cluster").is_hidden()  # one process: no cluster section
    page.screenshot(path=str(ARTIFACTS / "admin-panel.png"), full_page=True)


def test_admin_panel_shows_every_instance_of_a_cluster_in_both_languages(page, gallery_factory, redis_url) -> None:
    """Two instances on one Redis (SESSION_STORE=redis): either one's panel lists both, with the totals."""
    first = gallery_factory(session_store="redis", redis_url=redis_url, instance_id="north")
    gallery_factory(session_store="redis", redis_url=redis_url, instance_id="south")
    page.goto(first.url + "/admin")
    page.locator("#cluster").wait_for(state="visible")
    rows = page.locator("#instances-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().startswith("north") and "answered this page" in rows.nth(0).inner_text()
    assert "up" in rows.nth(1).inner_text() and "south" in rows.nth(1).inner_text()
    assert "2 of 2 instances up" in page.inner_text("#cluster-totals")
    assert "Redis: up" in page.inner_text("#cluster-redis") and page.inner_text("#instance") == "north"
    page.click("#lang-toggle")
    assert page.inner_text("#cluster-title") == "集群中的实例"
    assert "2 个实例中 2 个运行" in page.inner_text("#cluster-totals") and "运行中" in rows.nth(1).inner_text()
    assert not page.errors
    page.screenshot(path=str(ARTIFACTS / "admin-cluster-zh.png"), full_page=True)
