"""Faithful, fast text of a PDF file: headings, paragraphs and tables in reading order, each with its page.

Job: the public face of PDF text — `read_pdf(path)` returns a `PdfText` of `PdfBlock`s — and the reading
itself: checking and opening the file with pdfium (pypdfium2), its metadata title, and extracting the pages,
here or in a process pool over page ranges. The text is rebuilt from where each character sits on the page,
not from the order in which the file happens to draw it: pdf_lines.py turns each page's characters into lines
(words by the gaps between characters, table cells by column gaps, two-column pages column by column), and
pdf_blocks.py turns the document's lines into blocks (running headers and footers dropped, paragraphs, mended
hyphens, headings, tables). The page survives only as `PdfBlock.page`, for citations. Large files are parsed
by a process pool over page ranges (pdfium is not thread-safe, so every worker opens the document itself;
inside one process a lock lets one thread at a time use pdfium); small ones in this process, where starting
workers would cost more than it saves. A worker pool that breaks falls back to this process; one that does not
answer in time is killed (PdfTextError), so a call never hangs on it.
Collaborators: pypdfium2; pdf_lines.py (`page_lines` per page, run in the workers) and pdf_blocks.py
(`assemble`, run here); errors.py (`PdfTextError`, a `DocumentError`). The document loader (documents.py)
turns `PdfText` into its own blocks.
Non-goals: OCR (a scan without a text layer is refused as "no text"), images and figures, rotated or vertical
text, more than two columns, form fields and annotations, repairing files pdfium cannot open, and passwords
(an encrypted file that needs one is refused; one with only an owner password opens, as in every viewer).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import sys
import threading
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import PdfTextError
from .pdf_blocks import PdfBlock, assemble
from .pdf_lines import Page, page_lines

if TYPE_CHECKING:
    import pypdfium2 as pdfium

__all__ = ["PdfBlock", "PdfText", "page_count", "read_pdf"]

log = logging.getLogger(__name__)


@dataclass
class PdfText:
    title: str  # from metadata /Title, else the first heading-like line
    pages: int
    blocks: list[PdfBlock]


_SPACES = re.compile(r"\s+")

# Parallel parsing, measured on the 2-core machine (bench/bench_pdf.py; figures in bench/README.md): a page
# costs ~4 ms, a forked pool a few tens of ms (the forkserver ~0.3-1 s the first time in a process); two
# workers beat one from 32-64 pages on.
_PARALLEL_MIN_PAGES = 64
_PAGES_PER_TASK = 24  # smaller tasks balance two workers better; each task opens the document once
_TIMEOUT_BASE_S = 30.0  # a worker that does not answer in base + per-page time is killed: never hang
_TIMEOUT_PER_PAGE_S = 0.5


# --- reading ----------------------------------------------------------------------------------------------

# pdfium is not thread-safe: in one process, one thread at a time uses it (worker processes have their own)
_PDFIUM = threading.Lock()


def page_count(path: Path) -> int:
    """The number of pages of the PDF at `path`; PdfTextError when it cannot be opened (read_pdf's checks)."""
    _check_file(path)
    with _PDFIUM, _open(path) as pdf:
        return len(pdf)


def read_pdf(path: Path, *, workers: int | None = None) -> PdfText:
    """The text of the PDF at `path` as headings, paragraphs and tables in reading order.

    `workers`: processes to parse with; None picks by size (this process alone below ~64 pages, else one per
    usable CPU), 0 or 1 parses here. Raises PdfTextError naming the reason when the file has no usable text.
    """
    path = Path(path)
    _check_file(path)
    with _PDFIUM, _open(path) as pdf:
        page_count = len(pdf)
        title = _metadata_title(pdf)
        if page_count == 0:
            raise PdfTextError("the PDF has no pages")
        count = _worker_count(page_count, workers)
        if count <= 1:
            pages = _extract(pdf, 0, page_count)
    if count > 1:
        pooled = _extract_in_pool(path, page_count, count)
        if pooled is None:
            with _PDFIUM:
                pooled = _extract_here(path)
        pages = pooled
    if not any(page.lines for page in pages):
        raise PdfTextError("no text found (a scanned or image-only PDF needs OCR)")
    blocks, first_heading = assemble(pages)
    if not blocks:
        raise PdfTextError("no text found besides running headers and footers")
    return PdfText(title=title or first_heading, pages=page_count, blocks=blocks)


def _check_file(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise PdfTextError(f"cannot read the file: {exc.strerror or exc}") from exc
    if not head:
        raise PdfTextError("the file is empty")
    if b"%PDF-" not in head:
        # pdfium would tolerate a few bytes before the header, as viewers do; beyond 1 KiB it is not a PDF
        raise PdfTextError("not a PDF file (no %PDF header)")


class _open:
    """pdfium's document as a context manager that turns its load errors into PdfTextError with a reason."""

    _REASONS = {1: "pdfium failed to open it", 2: "the file cannot be opened", 3: "not a PDF or corrupt",
                4: "the PDF is encrypted and needs a password", 5: "unsupported security handler (encrypted)",
                6: "a page is missing or corrupt"}

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pdf: pdfium.PdfDocument | None = None

    def __enter__(self) -> pdfium.PdfDocument:
        # pdfium is loaded with the first PDF, not with this module: a server that never reads one (the answer
        # processes, most of the time the server itself) does not carry it (pdf_lines.py loads it the same way)
        import pypdfium2 as pdfium

        try:
            self.pdf = pdfium.PdfDocument(str(self.path))
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            reason = self._REASONS.get(code) if code is not None else None
            if reason is None:
                message = str(exc).lower()
                reason = ("the PDF is encrypted and needs a password" if "password" in message
                          else "not a PDF or corrupt")
            raise PdfTextError(f"cannot open the PDF: {reason}") from exc
        except (OSError, ValueError) as exc:
            raise PdfTextError(f"cannot open the PDF: {exc}") from exc
        return self.pdf

    def __exit__(self, *exc_info: object) -> None:
        if self.pdf is not None:
            self.pdf.close()


def _metadata_title(pdf: pdfium.PdfDocument) -> str:
    import pypdfium2 as pdfium  # loaded by _open already: a look-up

    try:
        title = pdf.get_metadata_value("Title")
    except (pdfium.PdfiumError, KeyError, ValueError):
        return ""
    title = _SPACES.sub(" ", title or "").strip()
    # generators often leave a file name or a placeholder here; that names nothing a reader would recognise
    if title.lower() in {"untitled", "untitled document", "title"} or title.lower().endswith(
            (".doc", ".docx", ".pdf", ".tex", ".dvi", ".odt", ".rtf")):
        return ""
    return title


def _worker_count(page_count: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, min(workers, page_count))
    if page_count < _PARALLEL_MIN_PAGES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, page_count // (_PARALLEL_MIN_PAGES // 2)))


def _extract_in_pool(path: Path, page_count: int, count: int) -> list[Page] | None:
    """Pages in tasks of contiguous ranges over `count` processes; each task opens the document itself.

    None when the pool itself fails (a worker that cannot start or dies): the caller then parses here.
    """
    step = max(1, min(_PAGES_PER_TASK, -(-page_count // count)))
    ranges = [(start, min(start + step, page_count)) for start in range(0, page_count, step)]
    context = _pool_context()
    timeout = _TIMEOUT_BASE_S + _TIMEOUT_PER_PAGE_S * page_count
    executor = ProcessPoolExecutor(count, mp_context=context)
    try:
        futures = [executor.submit(_extract_file, str(path), start, stop) for start, stop in ranges]
        done, late = wait(futures, timeout=timeout, return_when=FIRST_EXCEPTION)
        failed = [f.exception() for f in done if f.exception() is not None]
        if failed and isinstance(failed[0], BrokenProcessPool):
            log.warning("PDF worker processes failed (%s); parsing %s in this process", failed[0], path.name)
            return None
        if failed:
            raise failed[0]  # PdfTextError of a corrupt page, from the worker
        if late:
            _stop_workers(executor)
            raise PdfTextError(f"parsing took longer than {timeout:.0f} s and was stopped")
        return [page for future in futures for page in future.result()]
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _pool_context() -> multiprocessing.context.BaseContext:
    """How workers start. A plain fork of a single-threaded caller costs a few ms and shares the imported
    modules; a threaded caller (the web server) must not fork — another thread may hold a lock the child then
    never sees released — so its workers come from the forkserver, which imports this module, and with it
    pdf_lines and pdf_blocks, once (~0.3 s, or ~1 s on a busy machine, the first time in a process). Spawn
    where neither exists."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.kill()


def _extract_here(path: Path) -> list[Page]:
    with _open(path) as pdf:
        return _extract(pdf, 0, len(pdf))


def _extract_file(path: str, start: int, stop: int) -> list[Page]:
    """One pool task: open the document in this process and extract pages [start, stop)."""
    with _open(Path(path)) as pdf:
        return _extract(pdf, start, stop)


def _extract(pdf: pdfium.PdfDocument, start: int, stop: int) -> list[Page]:
    import pypdfium2 as pdfium  # loaded by _open already: a look-up

    pages = []
    for index in range(start, stop):
        try:
            page = pdf[index]
        except pdfium.PdfiumError as exc:
            raise PdfTextError(f"page {index + 1} is corrupt") from exc
        try:
            left, bottom, right, top = page.get_mediabox()
            textpage = page.get_textpage()
            try:
                lines = page_lines(textpage, left, bottom, right, top)
            finally:
                textpage.close()
        finally:
            page.close()
        pages.append(Page(index + 1, top, bottom, lines, right - left))
    return pages

