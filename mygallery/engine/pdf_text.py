"""Faithful, fast text of a PDF file: headings, paragraphs and tables in reading order, each with its page.

Job: `read_pdf(path)` opens the file with pdfium (pypdfium2) and rebuilds the text from where each character
sits on the page, not from the order in which the file happens to draw it: characters become lines by their
baselines and words by the gaps between them (so a PDF that draws every word as its own text object reads as
ordinary lines), lines become paragraphs by vertical gaps, indentation and style changes, a line-end hyphen is
mended when it split a word ("conges-" / "tion") and kept when it belongs to one ("end-to-end"), lines of
cells aligned in columns over several rows become a table ("| a | b |" rows with the first row as header), a
two-column page is read column by column, and lines repeated at the same height in the top or bottom band of
most pages (running headers and footers, page numbers such as "Page 3 of 40" or "— 12 —") are dropped; the
page survives only as `PdfBlock.page`, for citations. Chinese and Japanese text gets no spaces between its
characters. Large files are parsed by a process pool over page ranges (pdfium is not thread-safe, so every
worker opens the document itself; inside one process a lock lets one thread at a time use pdfium); small ones
in this process, where starting workers would cost more than it saves. A worker pool that breaks falls back to
this process; one that does not answer in time is killed (PdfTextError), so a call never hangs on it.
Collaborators: pypdfium2 (pdfium's text page API: one `get_text_range` per page, one loose character box per
character through a raw call, the font of the first and last character of each run) and numpy for the
per-character arithmetic. It imports no other module of this project; the document loader turns `PdfText`
into its own blocks.
Non-goals: OCR (a scan without a text layer is refused as "no text"), images and figures, rotated or vertical
text, more than two columns, tables without visible column gaps (cells that touch read as prose), form
fields and annotations, repairing files pdfium cannot open, and passwords (an encrypted file that needs one
is refused; one with only an owner password opens, as in every viewer).
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import re
import statistics
import sys
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

__all__ = ["PdfBlock", "PdfText", "PdfTextError", "read_pdf"]

log = logging.getLogger(__name__)


class PdfTextError(Exception):
    """The file cannot give text (unreadable, not a PDF, encrypted, corrupt, no text layer); the message says
    which, in words safe to show to a user."""


@dataclass(frozen=True)
class PdfBlock:
    kind: str  # "heading" | "para" | "table"
    text: str  # heading/paragraph text; for tables the body rows, one per line, as "| a | b |"
    page: int  # 1-based page number
    header: str = ""  # tables only: the header row "| A | B |"


@dataclass
class PdfText:
    title: str  # from metadata /Title, else the first heading-like line
    pages: int
    blocks: list[PdfBlock]


# --- tuning, in units of a line's loose character height h (pdfium's box from the font's ascent to its
# descent: ~1.17 em for Helvetica, ~1.0-1.2 em for most fonts) ------------------------------------------------

_SPACE_GAP = 0.15  # a gap wider than this between two characters is a word space (a space is ~0.24 h)
_CELL_GAP = 0.85  # wider than this is a column gap: a run ends (table cells, the two sides of a page)
_SAME_LINE = 0.35  # baselines closer than this (centre to centre) are one line
_INDENT = 0.8  # a line starting this much right of the paragraph's left edge starts a new paragraph
_PARA_EXTRA_GAP = 0.45  # a vertical gap this much larger than the document's usual line gap breaks paragraphs
_BAND = 0.12  # running headers/footers live in the top and bottom 12 % of the page height
_REPEAT_SHARE = 0.5  # ...and repeat on at least half of the pages (2 of 2, 2 of 3, 3 of 5, ...)
_REPEAT_Y_TOL = 4.0  # points: "at the same height" on every page

# Parallel parsing, measured on the 2-core machine (bench/bench_pdf.py; figures in bench/README.md): a page
# costs ~4 ms, a forked pool a few tens of ms (the forkserver ~0.3-1 s the first time in a process); two
# workers beat one from 32-64 pages on.
_PARALLEL_MIN_PAGES = 64
_PAGES_PER_TASK = 24  # smaller tasks balance two workers better; each task opens the document once
_TIMEOUT_BASE_S = 30.0  # a worker that does not answer in base + per-page time is killed: never hang
_TIMEOUT_PER_PAGE_S = 0.5

_CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                  r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_CJK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
               (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*\.?|[A-Z](?:\.\d+)+\.?)\s+(\S.{0,100})$")
_BULLET = re.compile(r"^(?:[\u2022\u2023\u25aa\u25cf\u25e6\u2013\u2014*\-]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
_SENTENCE_END = (".", "!", "?", ":", "\u3002", "\uff01", "\uff1f", "\uff1a")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_HYPHEN_TOKEN = re.compile(r"((?:[^\W\d_]+-)*[^\W\d_]*[a-z\u00df-\u00ff])-")  # "conges-", "end-to-"
_LEADING_WORD = re.compile(r"^([a-z\u00df-\u00ff][^\W\d_]*)")
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"\b[ivxlcdm]{1,6}\b")
_SPACES = re.compile(r"\s+")
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


# --- what a worker sends back: lines in reading order, with their geometry ---------------------------------

class _Line(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    h: float  # loose character height: the line's font size in pdfium's units
    bold: bool
    column: int  # lines of one column of one band share a number; a new number is a paragraph break
    cells: tuple[tuple[float, float, str], ...]  # the runs of the line, left to right, when there are two or more


class _Page(NamedTuple):
    number: int  # 1-based
    top: float  # the page box: top and bottom edge in PDF units (y grows upwards)
    bottom: float
    lines: list[_Line]


# --- reading ----------------------------------------------------------------------------------------------

# pdfium is not thread-safe: in one process, one thread at a time uses it (worker processes have their own)
_PDFIUM = threading.Lock()


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
    blocks, first_heading = _assemble(pages)
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


def _extract_in_pool(path: Path, page_count: int, count: int) -> list[_Page] | None:
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
    never sees released — so its workers come from the forkserver, which imports this module once (~0.3 s, or
    ~1 s on a busy machine, the first time in a process). Spawn where neither exists."""
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


def _extract_here(path: Path) -> list[_Page]:
    with _open(path) as pdf:
        return _extract(pdf, 0, len(pdf))


def _extract_file(path: str, start: int, stop: int) -> list[_Page]:
    """One pool task: open the document in this process and extract pages [start, stop)."""
    with _open(Path(path)) as pdf:
        return _extract(pdf, start, stop)


def _extract(pdf: pdfium.PdfDocument, start: int, stop: int) -> list[_Page]:
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
                lines = _page_lines(textpage, left, bottom, right, top)
            finally:
                textpage.close()
        finally:
            page.close()
        pages.append(_Page(index + 1, top, bottom, lines))
    return pages


# --- one page: characters -> runs -> lines in reading order ----------------------------------------------

# Raw entry points without pypdfium2's per-call argument conversion: one call per character is the hot loop.
_LOOSE_BOX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)(
    ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value)
_FONT_INFO = ctypes.CFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_ulong,
                              ctypes.c_void_p)(ctypes.cast(pdfium_c.FPDFText_GetFontInfo, ctypes.c_void_p).value)
_FONT_WEIGHT = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetFontWeight, ctypes.c_void_p).value)
_UNICODE = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.c_int)(
    ctypes.cast(pdfium_c.FPDFText_GetUnicode, ctypes.c_void_p).value)


_NAME = ctypes.create_string_buffer(96)  # one buffer per process: a worker parses one page at a time
_FLAGS = ctypes.c_int(0)


def _is_bold(handle: int, index: int, cache: dict[bytes, bool]) -> bool:
    name, flags = _NAME, _FLAGS
    name.value = b""
    _FONT_INFO(handle, index, name, 96, ctypes.addressof(flags))
    key = name.value + b"/%d" % flags.value
    bold = cache.get(key)
    if bold is None:
        bold = bool(_BOLD_NAME.search(name.value.decode("latin-1"))) or bool(flags.value & (1 << 18))
        bold = bold or _FONT_WEIGHT(handle, index) >= 600
        cache[key] = bold
    return bold


def _codes(textpage: pdfium.PdfTextPage, handle: int, count: int) -> np.ndarray:
    """The page's characters as code points, index for index with pdfium's character list."""
    text = textpage.get_text_range()
    if len(text) == count:
        return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4").astype(np.int64)
    # text and character indices differ (characters outside the BMP, excluded ones): ask character by character
    return np.fromiter((_UNICODE(handle, i) for i in range(count)), dtype=np.int64, count=count)


def _page_lines(textpage: pdfium.PdfTextPage, left: float, bottom: float, right: float,
                top: float) -> list[_Line]:
    count = textpage.count_chars()
    if count <= 0:
        return []
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    codes = _codes(textpage, handle, count)
    # pdfium marks a hyphen it saw at a line end as U+FFFE (0x02 through GetUnicode); it is a hyphen for us,
    # and whether it splits a word is decided when lines are joined
    codes[(codes == 0xFFFE) | (codes == 2)] = 0x2D
    keep = np.flatnonzero((codes > 32) & (codes != 0xA0) & (codes != 0x3000) & (codes != 0xFEFF)
                          & (codes != 0xFFFF) & ((codes < 0xD800) | (codes > 0xDFFF)))
    if not len(keep):
        return []
    boxes = np.zeros((len(keep), 4), dtype=np.float32)  # FS_RECTF: left, top, right, bottom
    base = boxes.ctypes.data
    # map() keeps the loop itself in C: ~0.45 us a character instead of ~0.65 with a Python for loop
    deque(map(_LOOSE_BOX, repeat(handle, len(keep)), keep.tolist(), range(base, base + 16 * len(keep), 16)),
          maxlen=0)
    x0, y1, x1, y0 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    # characters drawn outside the page (generators park text there) are not part of it
    inside = (x1 > left) & (x0 < right) & (y1 > bottom) & (y0 < top)
    if not inside.all():
        keep, x0, y1, x1, y0 = keep[inside], x0[inside], y1[inside], x1[inside], y0[inside]
        if not len(keep):
            return []
    chars = codes[keep]
    h = np.maximum(y1 - y0, 0.5)
    cy = (y1 + y0) * 0.5
    cjk = np.zeros(len(chars), dtype=bool)
    for low, high in _CJK_RANGES:
        cjk |= (chars >= low) & (chars <= high)

    # Runs: characters that follow each other in drawing order on one baseline, moving right with no column
    # gap. Word-by-word PDFs still give one run per line when they draw in reading order; any other order only
    # gives more, shorter runs, which the rows below put back together by position.
    hmin = np.minimum(h[1:], h[:-1])
    gap = x0[1:] - x1[:-1]
    new_run = (np.abs(cy[1:] - cy[:-1]) > _SAME_LINE * hmin) | (gap < -0.5 * hmin) | (gap > _CELL_GAP * hmin)
    space = (gap > _SPACE_GAP * hmin) & ~(cjk[1:] & cjk[:-1]) & ~new_run
    starts = np.concatenate(([0], np.flatnonzero(new_run) + 1))
    inserts = np.concatenate((np.flatnonzero(new_run) + 1, np.flatnonzero(space) + 1))
    values = np.concatenate((np.full(int(new_run.sum()), 10), np.full(int(space.sum()), 32)))
    text = np.insert(chars, inserts, values).astype("<u4").tobytes().decode("utf-32-le", errors="replace")
    run_texts = text.split("\n")
    rx0 = np.minimum.reduceat(x0, starts).tolist()
    rx1 = np.maximum.reduceat(x1, starts).tolist()
    rtop = np.maximum.reduceat(y1, starts).tolist()
    rbottom = np.minimum.reduceat(y0, starts).tolist()
    rh = np.maximum.reduceat(h, starts).tolist()
    ends = np.concatenate((starts[1:], [len(chars)])) - 1
    first_cjk, last_cjk = cjk[starts].tolist(), cjk[ends].tolist()
    fonts: dict[bytes, bool] = {}
    runs = []
    for i, run_text in enumerate(run_texts):
        bold = _is_bold(handle, int(keep[starts[i]]), fonts) and _is_bold(handle, int(keep[ends[i]]), fonts)
        runs.append(_Run(run_text, rx0[i], rx1[i], rtop[i], rbottom[i], rh[i], bold, first_cjk[i], last_cjk[i]))
    return _layout(_dedupe(runs))


class _Run(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    h: float
    bold: bool
    cjk_start: bool
    cjk_end: bool


def _dedupe(runs: list[_Run]) -> list[_Run]:
    """Drop a run drawn twice at (almost) the same place: fake bold and shadows repeat every glyph."""
    seen: dict[str, list[_Run]] = defaultdict(list)
    out = []
    for run in runs:
        twins = seen[run.text]
        if any(abs(t.x0 - run.x0) < 0.3 * run.h and abs(t.bottom - run.bottom) < 0.3 * run.h for t in twins):
            continue
        twins.append(run)
        out.append(run)
    return out


def _layout(runs: list[_Run]) -> list[_Line]:
    """Lines in reading order: across the page, or column by column where the page has two.

    On a two-column page, rows that cross the gutter (a title, a full-width table, a footer) cut the page into
    bands; each band is read left column first, then right, and the bands top to bottom.
    """
    gutter = _find_gutter(runs)
    if gutter is None:
        return [_make_line(row, 0) for row in _rows(runs)]
    g0, g1 = gutter
    full_rows, sides = [], []
    for row in _rows(runs):
        if any(run.x0 < g1 and run.x1 > g0 for run in row):
            full_rows.append(row)
        else:
            sides.extend(row)
    cuts = [min(run.bottom for run in row) for row in full_rows]  # top to bottom
    bands: list[tuple[list[_Run], list[_Run]]] = [([], []) for _ in range(len(full_rows) + 1)]
    for run in sides:
        centre = (run.top + run.bottom) / 2
        band = sum(1 for cut in cuts if cut > centre)
        bands[band][run.x0 >= g1 - 1].append(run)
    lines: list[_Line] = []
    column = 0
    for k, (left_runs, right_runs) in enumerate(bands):
        if k:
            column += 1
            lines.append(_make_line(full_rows[k - 1], column))
        # what one side holds above or below everything of the other side (a short title, the heading after
        # the columns end) is read across the page, before or after the two columns
        above, left_runs, right_runs, below = _outside_columns(left_runs, right_runs)
        for part in (above, left_runs, right_runs, below):
            if part:
                column += 1
                lines.extend(_make_line(row, column) for row in _rows(part))
    return lines


def _outside_columns(left: list[_Run], right: list[_Run]) -> tuple[list[_Run], list[_Run], list[_Run], list[_Run]]:
    if not left or not right:
        return [], left, right, []
    top = min(max(r.top for r in left), max(r.top for r in right))
    bottom = max(min(r.bottom for r in left), min(r.bottom for r in right))
    above = [r for r in left + right if r.bottom >= top]
    below = [r for r in left + right if r.top <= bottom]
    inside = [r for r in left if bottom < r.top and r.bottom < top], [r for r in right if bottom < r.top and r.bottom < top]
    return above, inside[0], inside[1], below


def _find_gutter(runs: list[_Run]) -> tuple[float, float] | None:
    """The empty vertical strip between two columns of prose, or None for a one-column page.

    Looked for in the middle half of the text's width: the x range crossed by the fewest runs. Two columns
    need both sides to hold several lines that run up to the strip (wrapped prose fills its column); a table
    whose first column holds short cells does not.
    """
    if len(runs) < 8:
        return None
    xs0 = np.array([r.x0 for r in runs])
    xs1 = np.array([r.x1 for r in runs])
    lo, hi = float(xs0.min()), float(xs1.max())
    width = hi - lo
    if width < 100:
        return None
    bins = np.zeros(int(width) + 2, dtype=np.int32)
    np.add.at(bins, (xs0 - lo).astype(int), 1)
    np.add.at(bins, np.minimum((xs1 - lo).astype(int) + 1, len(bins) - 1), -1)
    cover = np.cumsum(bins)[:-1]
    a, b = int(width * 0.25), int(width * 0.75)
    middle = cover[a:b]
    least = int(middle.min())
    if least > max(2, len(runs) // 8):
        return None
    centre = a + int(np.flatnonzero(middle == least)[len(np.flatnonzero(middle == least)) // 2])
    g0 = centre
    while g0 > 0 and cover[g0 - 1] <= least:
        g0 -= 1
    g1 = centre
    while g1 < len(cover) - 1 and cover[g1 + 1] <= least:
        g1 += 1
    gap0, gap1 = lo + g0, lo + g1 + 1
    median_h = float(np.median([r.h for r in runs]))
    if gap1 - gap0 < 0.8 * median_h:
        return None
    left_side = [r for r in runs if r.x1 <= gap0 + 1]
    right_side = [r for r in runs if r.x0 >= gap1 - 1]
    if len(left_side) < 4 or len(right_side) < 4:
        return None
    left_edge = min(r.x0 for r in left_side)
    right_edge = max(r.x1 for r in right_side)
    right_start = min(r.x0 for r in right_side)
    # prose fills its column: most lines on each side end near that column's right edge
    full_left = sum(1 for r in left_side if r.x1 >= gap0 - 0.15 * (gap0 - left_edge))
    full_right = sum(1 for r in right_side if r.x1 >= right_edge - 0.15 * (right_edge - right_start))
    if full_left < max(3, len(left_side) // 3) or full_right < max(3, len(right_side) // 3):
        return None
    return gap0, gap1


def _rows(runs: list[_Run]) -> list[list[_Run]]:
    """Runs grouped into rows by vertical overlap, top to bottom, each row left to right."""
    rows: list[list[_Run]] = []
    spans: list[tuple[float, float]] = []
    for run in sorted(runs, key=lambda r: -(r.top + r.bottom)):
        # the run belongs to a recent row it overlaps by half its height (rows are built top-down)
        for k in range(len(rows) - 1, max(-1, len(rows) - 4), -1):
            top, bottom = spans[k]
            if min(top, run.top) - max(bottom, run.bottom) > 0.5 * min(top - bottom, run.top - run.bottom):
                rows[k].append(run)
                spans[k] = (max(top, run.top), min(bottom, run.bottom))
                break
        else:
            rows.append([run])
            spans.append((run.top, run.bottom))
    order = sorted(range(len(rows)), key=lambda k: -(spans[k][0] + spans[k][1]))
    return [sorted(rows[k], key=lambda r: r.x0) for k in order]


def _make_line(row: list[_Run], column: int) -> _Line:
    """One row of runs as a line; neighbouring runs closer than a column gap merge into one cell."""
    cells: list[list[_Run]] = [[row[0]]]
    for run in row[1:]:
        last = cells[-1][-1]
        if run.x0 - last.x1 > _CELL_GAP * min(run.h, last.h):
            cells.append([run])
        else:
            cells[-1].append(run)
    texts = [_join_runs(cell) for cell in cells]
    h = max(run.h for run in row)
    bold = all(run.bold for run in row)
    text = texts[0]
    for piece in texts[1:]:
        text = _join_text(text, piece)
    x0, x1 = row[0].x0, max(run.x1 for run in row)
    top, bottom = max(run.top for run in row), min(run.bottom for run in row)
    cell_spans = tuple((c[0].x0, max(r.x1 for r in c), t) for c, t in zip(cells, texts, strict=True))
    return _Line(text, x0, x1, top, bottom, h, bold, column, cell_spans if len(cells) > 1 else ())


def _join_runs(cell: list[_Run]) -> str:
    text = cell[0].text
    for prev, run in zip(cell, cell[1:], strict=False):
        gap = run.x0 - prev.x1
        if gap > _SPACE_GAP * min(run.h, prev.h) and not (prev.cjk_end and run.cjk_start):
            text += " " + run.text
        else:
            text += run.text
    return text


def _join_text(a: str, b: str) -> str:
    """Two pieces of one text: a space between them, except between two Chinese/Japanese characters."""
    if not a:
        return b
    if _CJK.match(a[-1]) and _CJK.match(b[:1] or " "):
        return a + b
    return a + " " + b


# --- the document: running lines, paragraphs, tables, headings ------------------------------------------

def _assemble(pages: list[_Page]) -> tuple[list[PdfBlock], str]:
    dropped = _running_lines(pages)
    kept = [[line for i, line in enumerate(page.lines) if (page.number, i) not in dropped] for page in pages]
    body_h = _body_height(kept)
    line_gap = _usual_gap(kept)
    mender = _Hyphens(kept)
    blocks: list[PdfBlock] = []
    first_heading = ""
    for page, lines in zip(pages, kept, strict=True):
        for block in _page_blocks(lines, page.number, body_h, line_gap, mender):
            blocks.append(block)
            if not first_heading and block.kind == "heading" and len(block.text) <= 150:
                first_heading = block.text
    if not first_heading and blocks:
        first = blocks[0].text.splitlines()[0] if blocks[0].kind != "table" else ""
        first_heading = first if len(first) <= 100 else ""
    return blocks, first_heading


def _band_key(text: str) -> str:
    """Running-line identity: case, spacing and numbers (page numbers, dates) do not count."""
    text = _DIGITS.sub("#", _SPACES.sub(" ", text.strip().lower()))
    return _ROMAN.sub("#", text) if len(text) <= 12 else text


def _running_lines(pages: list[_Page]) -> set[tuple[int, int]]:
    """(page, line index) of lines repeated at the same height in the top or bottom band of most pages."""
    if len(pages) < 2:
        return set()
    where: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
    for page in pages:
        height = page.top - page.bottom
        for i, line in enumerate(page.lines):
            if line.bottom >= page.top - _BAND * height:
                band = "top"
            elif line.top <= page.bottom + _BAND * height:
                band = "bottom"
            else:
                continue
            where[(band, _band_key(line.text))].append((page.number, i, (line.top + line.bottom) / 2))
    needed = max(2, int(len(pages) * _REPEAT_SHARE + 0.999))
    dropped: set[tuple[int, int]] = set()
    for places in where.values():
        if len({number for number, _, _ in places}) < needed:
            continue
        usual = statistics.median(y for _, _, y in places)
        near = [(number, i) for number, i, y in places if abs(y - usual) <= _REPEAT_Y_TOL]
        if len({number for number, _ in near}) >= needed:
            dropped.update(near)
    return dropped


def _body_height(pages: list[list[_Line]]) -> float:
    """The character height of body text: the most common one, weighted by text length."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            weights[round(line.h, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _usual_gap(pages: list[list[_Line]]) -> float:
    """The vertical gap between lines of one paragraph, as a fraction of the line height: the lower quartile of
    all gaps between consecutive lines of a column (paragraph gaps are the larger ones)."""
    ratios = []
    for lines in pages:
        for prev, line in zip(lines, lines[1:], strict=False):
            if line.column == prev.column and abs(line.h - prev.h) < 0.1 * line.h and not line.cells:
                gap = prev.bottom - line.top
                if -0.5 * line.h < gap < 2.0 * line.h:
                    ratios.append(gap / line.h)
    if not ratios:
        return 0.3
    ratios.sort()
    return min(ratios[len(ratios) // 4], 0.8)


class _Hyphens:
    """Decides whether a line-end hyphen splits a word ("conges-" + "tion") or belongs to it ("end-to-" +
    "end", "RoCEv2-" + "based"), using the document's own words: whichever form it uses elsewhere wins, and a
    plain lower-case word split at its end is mended otherwise."""

    def __init__(self, pages: list[list[_Line]]) -> None:
        self._pages = pages
        self._words: set[str] | None = None

    def words(self) -> set[str]:
        if self._words is None:
            text = "\n".join(line.text for lines in self._pages for line in lines)
            self._words = set(_WORD.findall(text.lower()))
        return self._words

    def join(self, a: str, b: str) -> str:
        if a.endswith("\u00ad"):  # a soft hyphen is a break opportunity by definition
            return a[:-1] + b
        if not a.endswith("-"):
            return _join_text(a, b)
        tail = _HYPHEN_TOKEN.fullmatch(a[a.rfind(" ") + 1:].lstrip("([/\"'\u201c\u2018"))
        head = _LEADING_WORD.match(b)
        if tail is None or head is None or "-" in tail.group(1):
            return a + b  # "end-to-" + "end", "RoCEv2-" + "based", "-" + "-": the hyphen is part of the text
        fragment, rest = tail.group(1), head.group(1)
        words = self.words()
        if (fragment + rest).lower() in words:
            return a[:-1] + b
        if (fragment + "-" + rest).lower() in words:
            return a + b
        return a[:-1] + b


def _page_blocks(lines: list[_Line], number: int, body_h: float, line_gap: float,
                 mender: _Hyphens) -> list[PdfBlock]:
    blocks: list[PdfBlock] = []
    edges = _column_edges(lines)
    i = 0
    while i < len(lines):
        table_end = _table_at(lines, i)
        if table_end > i:
            blocks.append(_table_block(lines[i:table_end], number))
            i = table_end
            continue
        group = [lines[i]]
        i += 1
        while i < len(lines) and not _breaks(group, lines[i], body_h, line_gap, edges) and _table_at(lines, i) == i:
            group.append(lines[i])
            i += 1
        blocks.append(_text_block(group, number, body_h, mender, edges))
    return [b for b in blocks if b.text.strip()]


def _column_edges(lines: list[_Line]) -> dict[int, tuple[float, float]]:
    edges: dict[int, tuple[float, float]] = {}
    for line in lines:
        lo, hi = edges.get(line.column, (line.x0, line.x1))
        edges[line.column] = (min(lo, line.x0), max(hi, line.x1))
    return edges


def _looks_numbered_heading(text: str) -> bool:
    match = _NUMBERED_HEADING.match(text)
    if not match or len(text) >= 120 or text.endswith((".", ",", ";", ":")):
        return False
    first = match.group(2)[0]
    return first.isupper() or bool(_CJK.match(first))


def _styled(line: _Line, body_h: float) -> bool:
    return line.bold or line.h >= 1.12 * body_h


def _breaks(group: list[_Line], line: _Line, body_h: float, line_gap: float,
            edges: dict[int, tuple[float, float]]) -> bool:
    """Does `line` start a new block after the lines of `group`?"""
    prev = group[-1]
    if line.column != prev.column or line.top > prev.bottom + 0.5 * line.h:  # another column, or back up
        return True
    gap = prev.bottom - line.top
    if gap > (line_gap + _PARA_EXTRA_GAP) * max(line.h, prev.h):
        return True
    if abs(line.h - prev.h) > 0.12 * max(line.h, prev.h) or _styled(line, body_h) != _styled(prev, body_h):
        return True
    # "3.2 Retry policy" between paragraphs; not "400 Gb/s links ..." continuing a wrapped sentence: a heading
    # line does not fill its column, and neither does the line before it unless that ended a sentence
    column_right = edges[line.column][1]
    if (_looks_numbered_heading(line.text) and _short(line, column_right)
            and (_short(prev, column_right) or prev.text.endswith(_SENTENCE_END))):
        return True
    if len(group) == 1 and _looks_numbered_heading(prev.text) and _short(prev, column_right):
        return True
    if _BULLET.match(line.text):
        return True
    left = group[0].x0 if len(group) == 1 else min(g.x0 for g in group[1:])
    if len(group) > 1 and line.x0 - left > _INDENT * line.h:  # a first-line indent opens a new paragraph
        return True
    # a short last line that ends a sentence ends the paragraph even without a gap
    return (prev.text.endswith(_SENTENCE_END) and prev.x1 < column_right - 6 * prev.h
            and (line.text[:1].isupper() or bool(_CJK.match(line.text[:1]))))


def _short(line: _Line, column_right: float) -> bool:
    """The line ends well before its column's right edge (it is not a full line of wrapped text)."""
    return line.x1 < column_right - 3 * line.h


def _text_block(group: list[_Line], number: int, body_h: float, mender: _Hyphens,
                edges: dict[int, tuple[float, float]]) -> PdfBlock:
    text = group[0].text
    for line in group[1:]:
        text = mender.join(text, line.text)
    text = text.strip()
    heading = len(text) <= 200 and len(group) <= 3 and not text.endswith((".", ",", ";"))
    numbered = (_looks_numbered_heading(text) and len(group) <= 2
                and (_styled(group[0], body_h) or _short(group[-1], edges[group[-1].column][1])))
    if numbered or heading and all(_styled(line, body_h) for line in group) and len(text) >= 2:
        return PdfBlock("heading", text, number)
    return PdfBlock("para", text, number)


def _table_at(lines: list[_Line], i: int) -> int:
    """End (exclusive) of a table starting at line i, or i when none does: consecutive lines of one column with
    two or more cells whose column gaps line up — at least 3 rows, or 2 with three or more columns."""
    if not lines[i].cells:
        return i
    column = lines[i].column
    gutters = _gaps([lines[i]])
    j = i + 1
    while j < len(lines) and lines[j].column == column and lines[j].top <= lines[j - 1].bottom + 2.5 * lines[j].h:
        candidate = _common_gaps(gutters, lines[j])
        if lines[j].cells and candidate:
            gutters = candidate
            j += 1
        elif not lines[j].cells and candidate and lines[j].x0 > gutters[0][0]:
            j += 1  # a continuation line of a wrapped cell, not in the first column
        else:
            break
    rows = [line for line in lines[i:j] if line.cells]
    columns = max(len(line.cells) for line in rows)
    if len(rows) >= 3 or (len(rows) >= 2 and columns >= 3):
        # a first column of long prose is two columns of text the gutter search missed, not a table
        widths = [line.cells[0][1] - line.cells[0][0] for line in rows]
        span = max(line.x1 for line in rows) - min(line.x0 for line in rows)
        if columns >= 3 or statistics.median(widths) < 0.4 * span:
            return j
    return i


def _gaps(lines: Sequence[_Line]) -> list[tuple[float, float]]:
    """The x ranges left empty by every line, between the lines' first and last cells."""
    line = lines[0]
    return [(a[1], b[0]) for a, b in zip(line.cells, line.cells[1:], strict=False)]


def _common_gaps(gaps: list[tuple[float, float]], line: _Line) -> list[tuple[float, float]]:
    """The gaps that stay empty when `line` is added (each at least 2 points wide)."""
    spans = [(c[0], c[1]) for c in line.cells] if line.cells else [(line.x0, line.x1)]
    out = []
    for g0, g1 in gaps:
        for s0, s1 in spans:
            if s0 < g1 and s1 > g0:  # the line has text inside the gap: shrink it to what is left
                if s0 - g0 >= g1 - s1:
                    g1 = min(g1, s0)
                else:
                    g0 = max(g0, s1)
        if g1 - g0 >= 2.0:
            out.append((g0, g1))
    return out if len(out) == len(gaps) else []


def _table_block(lines: list[_Line], number: int) -> PdfBlock:
    gutters = _gaps([lines[0]])
    for line in lines[1:]:
        gutters = _common_gaps(gutters, line) or gutters
    bounds = [(g0 + g1) / 2 for g0, g1 in gutters]
    rows: list[list[str]] = []
    for line in lines:
        cells = [""] * (len(bounds) + 1)
        spans = line.cells or ((line.x0, line.x1, line.text),)
        for x0, x1, text in spans:
            k = sum(1 for b in bounds if (x0 + x1) / 2 > b)
            cells[k] = _join_text(cells[k], text)
        if rows and not cells[0] and not line.cells:
            rows[-1] = [_join_text(a, b) if b else a for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)

    def show(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "/").strip() for c in cells) + " |"

    return PdfBlock("table", "\n".join(show(r) for r in rows[1:]), number, header=show(rows[0]))
