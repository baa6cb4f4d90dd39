"""The knowledge base from the browser, in real headless Chromium against a real server over a copy of the corpus:
an admin uploads a PDF and watches the index job, a citation opens the PDF at its page, a Markdown citation
shows its passage highlighted, documents carrying script payloads are shown as text, a thumbs down with a comment
and an unanswerable question reach the admin's reports, and a conversation exports as Markdown and prints.
Screenshots go to test-artifacts/ (git-ignored)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import missing_system_tool
from tests.http_helpers import call
from tests.knowledge_helpers import (
    ARTIFACTS,
    CHROMIUM,
    TOKEN,
    chromium,
    spec_pdf,
    upload,
    wait_for_job,
)

pytestmark = pytest.mark.browser

HELIOTROPE = "How often does a heliotrope beacon announce the rack temperature?"
RECIPE = "How long should I knead sourdough bread dough before the first proof?"
PAYLOAD_IMG = '<img src=x onerror="window.__pwned = 1">'
PAYLOAD_SCRIPT = "<script>window.__pwned = 2</script>"
NOTEBOOK = f"""# Lab notebook

## Flux capacitor calibration

The flux capacitor calibration interval is nineteen days for every marigold relay in the east wing.

## Payloads

This note quotes {PAYLOAD_IMG} and {PAYLOAD_SCRIPT} and must show both as plain text.
"""
CALIBRATION_HTML = """<!doctype html><html><head><title>Tangerine switch log</title>
<script>window.__pwned = 3</script><style>body { display: none }</style></head>
<body onload="window.__pwned = 4"><h1>Tangerine switch log</h1>
<h2>Cooling</h2><p>The tangerine switch fans spin at exactly seven thousand revolutions per minute.</p>
<p><img src=x onerror="window.__pwned = 5"><a href="javascript:window.__pwned = 6">a link</a></p>
<iframe src="javascript:window.__pwned = 7"></iframe></body></html>
"""
# Every payload sets window.__pwned when it runs; the pages themselves never do.
# The observer runs while the page is still being parsed too: the progress box can exist before its bar and its
# text do (that was the "Cannot read properties of null (reading 'value')" some CI runs met on /admin — this
# script's, not the page's).
RECORD_PROGRESS = """
    window.__progress = [];
    new MutationObserver(() => {
      const box = document.getElementById('ingest-progress');
      const bar = document.getElementById('ingest-bar');
      const text = document.getElementById('ingest-text');
      if (box && bar && text) window.__progress.push([box.dataset.state, bar.value, text.textContent]);
    }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("MYGALLERY_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required here (MYGALLERY_REQUIRE_BROWSER=1) but not installed")
        missing_system_tool("Debian's chromium")
    with chromium() as browser:
        yield browser


@pytest.fixture
def context(browser):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.errors = []  # (the page's URL, the error) of every uncaught error in any page of the context
    context.on("weberror", lambda error: context.errors.append((error.page.url if error.page else "", str(error.error))))
    yield context
    context.close()


def page_errors(context) -> list[str]:
    """The uncaught errors of the gallery's own pages, each with its page's URL. A document opened from a
    citation is shown by the browser's own PDF viewer, whose script errors are not the gallery's."""
    return [f"{url}: {error}" for url, error in context.errors if "/api/documents/" not in url]


def sign_in(page, url: str) -> None:
    page.goto(url + "/admin")
    page.locator("#token-input").wait_for()
    page.fill("#token-input", TOKEN)
    page.locator("#token-form button[type=submit]").click()
    page.locator("#documents-table tbody tr").first.wait_for()


def ask(page, question: str) -> object:
    """Send with Enter; the finished answer's element."""
    answered = page.locator(".message.assistant").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    answer = page.locator(".message.assistant[data-state='done']").nth(answered)
    answer.wait_for(timeout=30_000)
    return answer


def citation_of(page, answer, doc: str):
    """The [n] in `answer` that cites `doc` (from the sources panel, which shows this answer's sources)."""
    item = page.locator(".source-item", has=page.locator("code", has_text=doc)).first
    return answer.locator(f"a.cite[data-cite='{item.get_attribute('data-n')}']").first


def test_an_admin_uploads_a_pdf_and_a_citation_opens_it_at_the_page(context, knowledge_gallery, tmp_path) -> None:
    gallery = knowledge_gallery()
    admin = context.new_page()
    admin.add_init_script(RECORD_PROGRESS)
    sign_in(admin, gallery.url)
    pdf = tmp_path / "upload" / "orchard-handbook.pdf"
    pdf.parent.mkdir()
    spec_pdf(pdf)
    admin.set_input_files("#upload-input", str(pdf))
    admin.click("#upload-submit")
    admin.locator("#ingest-progress[data-state='done']").wait_for()
    row = admin.locator("#documents-table tr[data-name='orchard-handbook.pdf']")
    row.wait_for()
    assert "indexed" in row.inner_text() and "PDF" in row.inner_text()
    assert row.locator("td").nth(3).inner_text() == "3"  # pages
    progress = admin.evaluate("window.__progress")
    states = [state for state, _, _ in progress]
    assert "running" in states and states[-1] == "done", progress
    assert progress[-1][1] == 100 and "1 added" in progress[-1][2]
    assert "orchard-handbook.pdf" in admin.inner_text("#upload-result")
    admin.screenshot(path=str(ARTIFACTS / "admin-documents-uploaded.png"), full_page=True)

    chat = context.new_page()
    chat.goto(gallery.url + "/")
    answer = ask(chat, HELIOTROPE)
    assert "250 milliseconds" in answer.inner_text()
    citation = citation_of(chat, answer, "orchard-handbook.pdf")
    assert citation.get_attribute("href").endswith("/api/documents/orchard-handbook.pdf#page=2")
    with context.expect_page() as opened, context.expect_event(
            "response", lambda r: "/api/documents/orchard-handbook.pdf" in r.url) as served:
        citation.click()
    viewer = opened.value
    assert viewer.url.endswith("/api/documents/orchard-handbook.pdf#page=2")
    response = served.value
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.header_value("content-security-policy").startswith("sandbox")
    viewer.wait_for_timeout(1500)  # the browser's PDF viewer draws the page
    viewer.screenshot(path=str(ARTIFACTS / "citation-pdf-at-page.png"))
    # The source card opens the same page.
    card_link = chat.locator(".source-item", has=chat.locator("code", has_text="orchard-handbook.pdf")).first.locator(
        "a.source-open")
    assert card_link.get_attribute("href").endswith("#page=2") and card_link.get_attribute("target") == "_blank"
    assert not page_errors(context), page_errors(context)


def test_a_markdown_citation_highlights_its_passage_and_payloads_stay_text(context, knowledge_gallery) -> None:
    gallery = knowledge_gallery()
    reply = upload(gallery.url, [("lab-notebook.md", NOTEBOOK.encode()),
                                 ("tangerine-log.html", CALIBRATION_HTML.encode())])
    assert reply.status == 202, reply.body
    assert wait_for_job(gallery.url)["state"] == "done"
    page = context.new_page()
    page.goto(gallery.url + "/")

    answer = ask(page, "What is the flux capacitor calibration interval?")
    citation = citation_of(page, answer, "lab-notebook.md")
    citation.click()
    viewer = page.locator("#viewer")
    passage = viewer.locator(".cited-passage").first
    passage.wait_for()
    assert "nineteen days" in passage.inner_text() and passage.is_visible()
    assert "highlighted" in page.inner_text("#viewer-status")
    text = page.inner_text("#viewer-body")
    assert PAYLOAD_IMG in text and PAYLOAD_SCRIPT in text  # shown as text, not run
    assert page.locator("#viewer-body img, #viewer-body script").count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-markdown-highlight.png"))
    page.keyboard.press("Escape")
    assert viewer.is_hidden() and page.evaluate("document.activeElement.dataset.cite") == citation.get_attribute(
        "data-cite")

    ask(page, "How fast do the tangerine switch fans spin?")
    card = page.locator(".source-item", has=page.locator("code", has_text="tangerine-log.html")).first
    card.locator("button.source-open").click()
    passage.wait_for()
    assert "seven thousand revolutions" in passage.inner_text()
    assert "Tangerine switch log" in page.inner_text("#viewer-body")
    assert page.locator("#viewer-body img, #viewer-body script, #viewer-body iframe, #viewer-body a, "
                        "#viewer-body style").count() == 0
    page.screenshot(path=str(ARTIFACTS / "viewer-html-sanitised.png"))
    page.wait_for_timeout(300)  # time for anything that would run late (an image error, a frame)
    assert page.evaluate("window.__pwned") is None
    assert not page_errors(context), page_errors(context)


def test_feedback_unanswered_questions_export_and_print(context, knowledge_gallery) -> None:
    gallery = knowledge_gallery()
    page = context.new_page()
    page.goto(gallery.url + "/")
    answer = ask(page, "What does RUD guarantee?")
    answer.locator("button[data-testid='rate-down']").click()
    comment = answer.locator("textarea.feedback-comment")
    comment.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('feedback-comment')")  # focus moved there
    assert answer.locator("button[data-testid='rate-down']").get_attribute("aria-pressed") == "true"
    comment.fill("It should say what happens to duplicates.")
    answer.locator("button[data-testid='feedback-send']").click()
    answer.locator(".feedback-status", has_text="Comment sent").wait_for()

    unanswered = ask(page, RECIPE)
    assert unanswered.get_attribute("data-answered") == "false"
    page.screenshot(path=str(ARTIFACTS / "chat-feedback.png"), full_page=True)

    with page.expect_download() as downloading:
        page.click("#export-md")
    exported = Path(downloading.value.path()).read_text(encoding="utf-8")
    assert downloading.value.suggested_filename.endswith(".md")
    assert "> What does RUD guarantee?" in exported and f"> {RECIPE}" in exported
    first_line = answer.locator(".answer-body p").first.inner_text().split("[")[0].strip()
    assert first_line and first_line[:40] in exported
    assert "**Sources**" in exported and "`delivery-modes.md`" in exported
    assert "*Rated not helpful (👎): It should say what happens to duplicates.*" in exported

    page.emulate_media(media="print")
    assert page.locator("#composer").is_hidden() and page.locator("#sources").is_hidden()
    assert page.locator(".message.assistant .print-sources").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "chat-print.png"), full_page=True)
    page.emulate_media(media="screen")

    admin = context.new_page()
    sign_in(admin, gallery.url)
    feedback = admin.locator("#feedback-table tbody tr[data-rating='down']").first
    feedback.wait_for()
    assert "It should say what happens to duplicates." in feedback.inner_text()
    assert "What does RUD guarantee?" in feedback.inner_text() and "delivery-modes.md" in feedback.inner_text()
    assert RECIPE in admin.inner_text("#unanswered-table")
    assert RECIPE in admin.inner_text("#top-table")
    with admin.expect_download() as downloading:
        admin.locator("button[data-report='unanswered'][data-format='csv']").click()
    assert RECIPE in Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    admin.screenshot(path=str(ARTIFACTS / "admin-reports.png"), full_page=True)
    admin.click("#lang-toggle")
    assert admin.inner_text("#documents-title") == "文档" and admin.inner_text("#reports-title") == "用户在问什么"
    admin.screenshot(path=str(ARTIFACTS / "admin-reports-zh.png"), full_page=True)
    assert call(gallery.url, "GET", "/api/admin/feedback").status == 401  # the page used the token, not a cookie
    assert not page_errors(context), page_errors(context)
