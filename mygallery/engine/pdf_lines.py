"""One PDF page's text as lines in reading order, from where each character sits: characters -> runs -> lines.

Job: `page_lines(textpage, ...)` turns pdfium's text page into `Line`s. Characters on one baseline that follow
each other with no column gap make a run, with a word space where the gap between two characters is wider
than a space (never between two Chinese or Japanese characters), so a PDF that draws every word as its own
text object, in any order, reads as ordinary lines. Runs drawn twice at one place (fake bold, shadows) count
once; rows gather runs by vertical overlap, and runs a column gap separates stay apart as the line's cells
(pdf_blocks.py's table cells). A two-column page — an empty vertical strip, the gutter, with full lines on
both sides — is read band by band, left column then right; what crosses the gutter (a title, a full-width
table) cuts the bands. A paper's first page, whose title block and abstract cross the gutter many times, has
its gutter found among the other lines; full-width lines one after another, and a band with text on one side
only, read as one flow across the page; a column longer by a line or two than its neighbour keeps those lines.
A footnote marker or an exponent (smaller characters raised after a value or a word) becomes a superscript
character: "55⁵", "Sequenceᵃ", "10⁻⁵".
`Page` is how a page comes back, from a worker process too (pickled).
Collaborators: pypdfium2 (one `get_text_range` per page, one loose character box per character through a raw
ctypes call, the font of the first and last character of each run), numpy for the per-character arithmetic;
pdf_text.py calls `page_lines` under its pdfium lock or in a worker; pdf_blocks.py reads the `Line`s;
pdf_superscripts.py turns raised markers into superscripts.
Non-goals: paragraphs, headings, tables, running headers (pdf_blocks.py); rotated or vertical text, more than
two columns, OCR.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections import defaultdict, deque
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .pdf_superscripts import superscripts

if TYPE_CHECKING:
    import pypdfium2 as pdfium

# --- tuning, in units of a line's loose character height h (pdfium's box from the font's ascent to its
# descent: ~1.17 em for Helvetica, ~1.0-1.2 em for most fonts) ------------------------------------------------

_SPACE_GAP = 0.15  # a gap wider than this between two characters is a word space (a space is ~0.24 h)
_CELL_GAP = 0.85  # wider than this is a column gap: a run ends (table cells, the two sides of a page)
_SAME_LINE = 0.35  # baselines closer than this (centre to centre) are one line

CJK_CHAR = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                      r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]")
_CJK_RANGES = ((0x2E80, 0x2FDF), (0x3000, 0x30FF), (0x3100, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
               (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


# --- what a worker sends back: lines in reading order, with their geometry ---------------------------------

class Line(NamedTuple):
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    h: float  # loose character height: the line's font size in pdfium's units
    bold: bool
    column: int  # lines of one column of one band share a number; a new number is a paragraph break
    cells: tuple[tuple[float, float, str], ...]  # the runs of the line, left to right, when there are two or more


class Page(NamedTuple):
    number: int  # 1-based
    top: float  # the page box: top and bottom edge in PDF units (y grows upwards)
    bottom: float
    lines: list[Line]
    width: float = 0.0  # of the page box

    @property
    def landscape(self) -> bool:
        """A page wider than it is high: a slide, mostly."""
        return self.width > self.top - self.bottom


# --- one page: characters -> runs -> lines in reading order ----------------------------------------------

class _Raw(NamedTuple):
    """Raw entry points without pypdfium2's per-call argument conversion: one call per character is the hot
    loop."""

    loose_box: ctypes._CFuncPtr
    font_info: ctypes._CFuncPtr
    font_weight: ctypes._CFuncPtr
    unicode: ctypes._CFuncPtr


@functools.cache
def _raw() -> _Raw:
    # pdfium is loaded with the first page, not with this module: a server that never reads a PDF (the answer
    # processes, most of the time the server itself) does not carry it
    import pypdfium2.raw as pdfium_c

    def bind(name: str, result: type, *arguments: type) -> ctypes._CFuncPtr:
        return ctypes.CFUNCTYPE(result, *arguments)(ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value)

    return _Raw(bind("FPDFText_GetLooseCharBox", ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p),
                bind("FPDFText_GetFontInfo", ctypes.c_ulong, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p,
                     ctypes.c_ulong, ctypes.c_void_p),
                bind("FPDFText_GetFontWeight", ctypes.c_int, ctypes.c_void_p, ctypes.c_int),
                bind("FPDFText_GetUnicode", ctypes.c_uint, ctypes.c_void_p, ctypes.c_int))


# one buffer per process: one page at a time is parsed in a process (pdf_text.py's pdfium lock)
_NAME = ctypes.create_string_buffer(96)
_FLAGS = ctypes.c_int(0)


def _is_bold(handle: int, index: int, cache: dict[bytes, bool]) -> bool:
    name, flags = _NAME, _FLAGS
    name.value = b""
    raw = _raw()
    raw.font_info(handle, index, name, 96, ctypes.addressof(flags))
    key = name.value + b"/%d" % flags.value
    bold = cache.get(key)
    if bold is None:
        bold = bool(_BOLD_NAME.search(name.value.decode("latin-1"))) or bool(flags.value & (1 << 18))
        bold = bold or raw.font_weight(handle, index) >= 600
        cache[key] = bold
    return bold


def _codes(textpage: pdfium.PdfTextPage, handle: int, count: int) -> np.ndarray:
    """The page's characters as code points, index for index with pdfium's character list."""
    text = textpage.get_text_range()
    if len(text) == count:
        return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype="<u4").astype(np.int64)
    # text and character indices differ (characters outside the BMP, excluded ones): ask character by character
    unicode = _raw().unicode
    return np.fromiter((unicode(handle, i) for i in range(count)), dtype=np.int64, count=count)


def page_lines(textpage: pdfium.PdfTextPage, left: float, bottom: float, right: float,
                top: float) -> list[Line]:
    """The text of one page as lines in reading order; the page box (left, bottom, right, top) drops what is
    drawn outside it."""
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
    deque(map(_raw().loose_box, repeat(handle, len(keep)), keep.tolist(), range(base, base + 16 * len(keep), 16)),
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
    chars, y0, y1, h, marker = superscripts(chars, x0, y0, x1, y1, h)
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
    space = (gap > _SPACE_GAP * hmin) & ~(cjk[1:] & cjk[:-1]) & ~new_run & ~marker[1:]
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


def _layout(runs: list[_Run]) -> list[Line]:
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
    lines: list[Line] = []
    column, across = 0, False  # across: the last lines were read across the page

    def flow(rows: list[list[_Run]], reading_across: bool) -> None:
        nonlocal column, across
        if not (reading_across and across):  # lines read across one after another are one flow of text
            column += 1
        across = reading_across
        lines.extend(_make_line(row, column) for row in rows)

    for k, (left_runs, right_runs) in enumerate(bands):
        if k:
            flow([full_rows[k - 1]], True)
        if not left_runs and not right_runs:
            continue
        rows = _rows(left_runs + right_runs)
        if not left_runs or not right_runs or len(rows) == 1:
            # one side only (the last line of a paragraph across the page), or one row (a header's left and
            # right parts): read across, with the full-width rows around it
            flow(rows, True)
            continue
        # what one side holds above or below everything of the other side (a short title, the heading after
        # the columns end) is read across the page, before or after the two columns
        above, left_runs, right_runs, below = _outside_columns(left_runs, right_runs)
        if above:
            flow(_rows(above), True)
        for side in (left_runs, right_runs):
            if side:
                flow(_rows(side), False)
        if below:
            flow(_rows(below), True)
    return lines


def _outside_columns(left: list[_Run], right: list[_Run]) -> tuple[list[_Run], list[_Run], list[_Run], list[_Run]]:
    if not left or not right:
        return [], left, right, []
    top = min(max(r.top for r in left), max(r.top for r in right))
    bottom = max(min(r.bottom for r in left), min(r.bottom for r in right))
    # the lines of the longer column that go on, line under line, past the end of the other one are still its
    # own (balanced columns differ by a line or two); what stands apart below both is read after them
    bottom = min(_column_end(left, bottom), _column_end(right, bottom))
    above = [r for r in left + right if r.bottom >= top]
    below = [r for r in left + right if r.top <= bottom]
    inside = [r for r in left if bottom < r.top and r.bottom < top], [r for r in right if bottom < r.top and r.bottom < top]
    return above, inside[0], inside[1], below


def _column_end(side: list[_Run], bottom: float) -> float:
    """Where the side's column ends: `bottom`, or lower where its lines go on past it each close under the one
    above (a gap of less than a line's height — the smaller of the two: a heading set large below the columns
    is no line of them, however close it stands)."""
    lines = sorted(side, key=lambda r: -r.top)
    end = bottom
    previous = None
    for run in lines:
        if run.top > bottom:
            previous = run
            continue
        if previous is None or previous.bottom - run.top > min(run.h, previous.h):
            break
        end = min(end, run.bottom - 0.01)
        previous = run
    return end


def _find_gutter(runs: list[_Run]) -> tuple[float, float] | None:
    """The empty vertical strip between two columns of prose, or None for a one-column page.

    Looked for in the middle half of the text's width: the x range crossed by the fewest runs. Two columns
    need both sides to hold several lines that run up to the strip (wrapped prose fills its column); a table
    whose first column holds short cells does not. The first page of a paper crosses the strip with many
    lines (a title block, an abstract across both columns): when the strip is not found with them, it is
    looked for among the other lines — the full-width ones become the bands' cuts in `_layout`.
    """
    gutter = _gutter_among(runs)
    if gutter is None and len(runs) >= 8:
        width = max(r.x1 for r in runs) - min(r.x0 for r in runs)
        narrow = [r for r in runs if r.x1 - r.x0 < _FULL_WIDTH * width]
        if len(narrow) < len(runs):
            gutter = _gutter_among(narrow)
    return gutter


_FULL_WIDTH = 0.7  # a run this share of the text's width or wider crosses any gutter: a full-width line


def _gutter_among(runs: list[_Run]) -> tuple[float, float] | None:
    """`_find_gutter` over these runs."""
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
    # prose fills its column: most lines on each side end near that column's right edge ... and span most of
    # it: the right-aligned numbers of a table's last columns end at the edge too, but each is a short cell (a
    # parameter table read as two columns loses its values from every row). Counted by rows, not runs: a column
    # that holds a table as well as prose has more cells than lines.
    for side, start, end in ((left_side, left_edge, gap0), (right_side, right_start, right_edge)):
        rows = _rows(side)
        full = sum(1 for row in rows if max(r.x1 for r in row) >= end - 0.15 * (end - start))
        wide = sum(1 for row in rows if any(r.x1 - r.x0 >= 0.6 * (end - start) for r in row))
        if full < max(3, len(rows) // 3) or wide < max(3, len(rows) // 3):
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


def _make_line(row: list[_Run], column: int) -> Line:
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
        text = join_text(text, piece)
    x0, x1 = row[0].x0, max(run.x1 for run in row)
    top, bottom = max(run.top for run in row), min(run.bottom for run in row)
    cell_spans = tuple((c[0].x0, max(r.x1 for r in c), t) for c, t in zip(cells, texts, strict=True))
    return Line(text, x0, x1, top, bottom, h, bold, column, cell_spans if len(cells) > 1 else ())


def _join_runs(cell: list[_Run]) -> str:
    text = cell[0].text
    for prev, run in zip(cell, cell[1:], strict=False):
        gap = run.x0 - prev.x1
        if gap > _SPACE_GAP * min(run.h, prev.h) and not (prev.cjk_end and run.cjk_start):
            text += " " + run.text
        else:
            text += run.text
    return text


def join_text(a: str, b: str) -> str:
    """Two pieces of one text: a space between them, except between two Chinese/Japanese characters."""
    if not a:
        return b
    if CJK_CHAR.match(a[-1]) and CJK_CHAR.match(b[:1] or " "):
        return a + b
    return a + " " + b
