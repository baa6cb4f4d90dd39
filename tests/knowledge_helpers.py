"""What the knowledge-base tests share: a real server over a private copy of the corpus and its index, uploads
as real multipart requests, waiting for the index job, fixture PDFs from scripts/make_pdf.py, and a chat load of
many users on keep-alive connections."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mygallery.service import GalleryService
from tests.conftest import BUNDLED_DOCS, ROOT, make_settings
from tests.http_helpers import Reply, call, connect, wait_ready
from tests.pdf_samples import make_pdf

write_pdf = make_pdf.write_pdf

TOKEN = "knowledge-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BOUNDARY = "----mygallery-test-7f3a9c"


def form_data(files: list[tuple[str, bytes]], *, field: str = "file") -> bytes:
    """A multipart/form-data body as a browser sends it: one part per (file name, bytes)."""
    body = b""
    for name, data in files:
        body += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def upload(url: str, files: list[tuple[str, bytes]], *, headers: dict[str, str] | None = None,
           field: str = "file") -> Reply:
    return call(url, "POST", "/api/admin/documents", raw=form_data(files, field=field),
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **AUTH, **(headers or {})})


def wait_for_job(url: str, timeout: float = 60) -> dict:
    """The index job's status once it is no longer running."""
    deadline = time.monotonic() + timeout
    while True:
        status = call(url, "GET", "/api/admin/ingest", headers=AUTH).json()
        if status["state"] != "running":
            return status
        assert time.monotonic() < deadline, f"the index job did not finish: {status}"
        time.sleep(0.02)


def spec_pdf(path: Path) -> bytes:
    """A three-page PDF whose second page alone tells about the heliotrope beacon."""
    write_pdf(path, "Orchard Fabric Handbook", [
        ["1 Introduction", "The orchard fabric connects greenhouse racks with plain Ethernet links."],
        ["2 Heliotrope beacons", "Every heliotrope beacon announces the rack temperature once per 250 "
                                 "milliseconds so that the sprinkler controller can react in time."],
        ["3 Maintenance", "Replace the sprinkler valves every spring."]])
    return path.read_bytes()


@contextmanager
def gallery_starter(tmp_path: Path, index_dir: Path) -> Iterator[Callable[..., GalleryService]]:
    """Start real servers (port 0, admin token, no rate limit) over tmp_path/docs — a copy of the bundled corpus
    — and `index_dir`, a copy of its index that the server's own index job loads; all stopped on exit. The
    `knowledge_gallery` fixture (conftest.py) wraps it."""
    started: list[GalleryService] = []
    docs = tmp_path / "docs"
    shutil.copytree(BUNDLED_DOCS, docs)

    def start(**changes) -> GalleryService:
        options = {"docs_dir": docs, "index_dir": index_dir, "answer_processes": "0",
                   "admin_token": TOKEN, "rate_limit_per_minute": 0, **changes}
        gallery = GalleryService(make_settings(tmp_path, **options)).start()
        started.append(gallery)
        wait_ready(gallery.url)
        return gallery

    try:
        yield start
    finally:
        for gallery in started:
            gallery.stop(grace_seconds=5)


class ChatLoad:
    """`users` threads, each with its own session and keep-alive connection, chatting until `stop()` and at least
    `minimum` times; every answer that is not a 200 with an answer is a failure."""

    def __init__(self, url: str, questions: list[str], *, users: int = 50, minimum: int = 5) -> None:
        self.url, self.questions, self.minimum = url, questions, minimum
        self.lock = threading.Lock()
        self.done = 0
        self.failures: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._user, args=(n,), name=f"load-user-{n}") for n in range(users)]

    def __enter__(self) -> ChatLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)

    def _user(self, number: int) -> None:
        conn = connect(self.url)
        try:
            session = call(self.url, "POST", "/api/sessions", {}, conn=conn).json()["session_id"]
            sent = 0
            while sent < self.minimum or not self.stopping.is_set():
                question = self.questions[(number + sent) % len(self.questions)]
                try:
                    reply = call(self.url, "POST", "/api/chat", {"message": question, "session_id": session},
                                 conn=conn)
                    ok = reply.status == 200 and reply.json()["answer"]
                    problem = "" if ok else f"{reply.status}: {reply.body[:200]!r}"
                except Exception as exc:  # noqa: BLE001 - a failed chat is what this counts
                    problem = f"{type(exc).__name__}: {exc}"
                    conn.close()
                    conn = connect(self.url)
                with self.lock:
                    self.done += 1
                    if problem:
                        self.failures.append(problem)
                sent += 1
        finally:
            conn.close()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright (as tests/test_browser.py launches it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"])
        try:
            yield browser
        finally:
            browser.close()
