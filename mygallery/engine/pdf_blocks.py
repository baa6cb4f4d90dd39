"""A PDF's lines into blocks: headings, paragraphs and tables in reading order, without running headers.

Job: `assemble(pages)` takes every page's `Line`s (pdf_lines.py) and returns the document's `PdfBlock`s and
its first heading (the title when the metadata has none). Lines repeated at the same height in the top or bottom
band of most pages (running headers and footers, page numbers such as "Page 3 of 40" or "— 12 —") are
dropped, and so are the entries of a table of contents (dot leaders, page numbers counting up). The rest become
paragraphs by vertical gaps larger than the document's usual line gap, first-line indents (not the short last
line of a centred caption), style changes, bullets and short sentence-ending lines (on a slide — a landscape
page — every line that opens with a capital: its bullet marker is drawn, not text); a line-end hyphen is mended
when it split a word ("conges-" / "tion") and kept when it belongs to one ("end-to-end"), judged by the
document's own words;
a short block of bold or larger lines, or a numbered one ("3.2 Retry policy"), is a heading; lines of cells
whose column gaps line up over several rows become a table ("| a | b |" rows, the first row as its header); a
paragraph that stops mid-sentence at the end of a column or a page and goes on in lower case is joined again.
Collaborators: pdf_lines.py (`Line`, `Page`, `join_text`, `CJK_CHAR`); pdf_text.py calls `assemble` once per
document in the calling process, after the pages came back, since running headers need every page.
Non-goals: reading pdfium (pdf_lines.py, pdf_text.py), tables without visible column gaps (cells that touch
read as prose), nesting headings into sections (the document loader, documents.py).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .pdf_lines import CJK_CHAR, Line, Page, join_text


@dataclass(frozen=True)
class PdfBlock:
    """One block of a PDF's text, with its page for citations (re-exported by pdf_text.py)."""

    kind: str  # "heading" | "para" | "table"
    text: str  # heading/paragraph text; for tables the body rows, one per line, as "| a | b |"
    page: int  # 1-based page number
    header: str = ""  # tables only: the header row "| A | B |"


# --- tuning, in units of a line's loose character height h (pdfium's box from the font's ascent to its
# descent: ~1.17 em for Helvetica, ~1.0-1.2 em for most fonts) ------------------------------------------------

_INDENT = 0.8  # a line starting this much right of the paragraph's left edge starts a new paragraph
_MAX_SECTION = 99  # a numbered heading's first number ("4" of "4.3.2 PDC lifecycle"); "128 EVs …" is a count
_PARA_EXTRA_GAP = 0.45  # a vertical gap this much larger than the document's usual line gap breaks paragraphs
_BAND = 0.12  # running headers/footers live in the top and bottom 12 % of the page height
_REPEAT_SHARE = 0.5  # ...and repeat on at least half of the pages (2 of 2, 2 of 3, 3 of 5, ...)
_REPEAT_Y_TOL = 4.0  # points: "at the same height" on every page

_NUMBERED_HEADING = re.compile(r"^(\d+(?:\.\d+)*\.?|[A-Z](?:\.\d+)+\.?)\s+(\S.{0,100})$")
_ANNEX_HEADING = re.compile(r"^(?:Annex|Appendix)\s+[A-Z]\b(?!\.\d)|^附录\s*[A-Z]")  # "Annex A (informative) …"
_BULLET_GLYPHS = r"\u2022\u2023\u25aa\u25cf\u25e6\u2013\u2014*\-"
_BULLET = re.compile(rf"^(?:[{_BULLET_GLYPHS}]|\(?\d{{1,2}}[.)]|\(?[a-z][.)])\s")
_SENTENCE_END = (".", "!", "?", ":", "\u3002", "\uff01", "\uff1f", "\uff1a")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_HYPHEN_TOKEN = re.compile(r"((?:[^\W\d_]+-)*[^\W\d_]*[a-z\u00df-\u00ff])-")  # "conges-", "end-to-"
_LEADING_WORD = re.compile(r"^([a-z\u00df-\u00ff][^\W\d_]*)")
_DIGITS = re.compile(r"\d+")
_ROMAN = re.compile(r"\b[ivxlcdm]{1,6}\b")
_SPACES = re.compile(r"\s+")


# --- the document: running lines, paragraphs, tables, headings ------------------------------------------

def assemble(pages: list[Page]) -> tuple[list[PdfBlock], str]:
    """The document's blocks in reading order, and its first heading (or first short line) for a title."""
    dropped = _running_lines(pages) | _contents_lines(pages)
    kept = [[line for i, line in enumerate(page.lines) if (page.number, i) not in dropped] for page in pages]
    body_h = _body_height(kept)
    line_gap = _usual_gap(kept)
    mender = _Hyphens(kept)
    blocks: list[PdfBlock] = []
    first_heading = ""
    for page, lines in zip(pages, kept, strict=True):
        for k, block in enumerate(_page_blocks(lines, page.number, body_h, line_gap, mender, page.landscape)):
            if k == 0 and blocks and _continues(blocks[-1], block):
                # a table running on from the page before without repeating its header: its first row is data
                block = PdfBlock("table", f"{block.header}\n{block.text}".strip(), block.page, blocks[-1].header)
                if not blocks[-1].text:
                    blocks.pop()  # the header row alone ended the page before
            elif blocks and blocks[-1].kind == "table" and not blocks[-1].text:
                blocks[-1] = PdfBlock("para", blocks[-1].header.strip("| ").replace(" | ", " "), blocks[-1].page)
            elif blocks and _runs_on(blocks[-1], block):
                # a sentence that a column or a page cut ("… a spine that carries extra" / "storage traffic, or …")
                blocks[-1] = PdfBlock("para", mender.join(blocks[-1].text, block.text), blocks[-1].page)
                continue
            blocks.append(block)
            if not first_heading and block.kind == "heading" and len(block.text) <= 150:
                first_heading = block.text
    if not first_heading and blocks:
        first = blocks[0].text.splitlines()[0] if blocks[0].kind != "table" else ""
        first_heading = first if len(first) <= 100 else ""
    return blocks, first_heading


def _continues(before: PdfBlock, block: PdfBlock) -> bool:
    """Whether `block`, first on its page, is the rest of the table `before` that ended the previous page."""
    return (before.kind == block.kind == "table" and block.header != before.header
            and block.header.count(" | ") == before.header.count(" | ") and block.page == before.page + 1)


def _runs_on(before: PdfBlock, block: PdfBlock) -> bool:
    """Whether the paragraph `block` is the rest of the paragraph `before`: that one stops mid-sentence (no
    closing punctuation) and this one starts with a lower-case word."""
    return (before.kind == block.kind == "para" and bool(before.text) and block.text[:1].islower()
            and block.text[:1].isascii() and not before.text.rstrip().endswith(_SENTENCE_END + _CLOSERS))


_CLOSERS = (";", ")", "]", '"', "\u201d", "\u2019", "\uff1b", "\uff09", "\u3001")


def _band_key(text: str) -> str:
    """Running-line identity: case, spacing and numbers (page numbers, dates) do not count."""
    text = _DIGITS.sub("#", _SPACES.sub(" ", text.strip().lower()))
    return _ROMAN.sub("#", text) if len(text) <= 12 else text


def _running_lines(pages: list[Page]) -> set[tuple[int, int]]:
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


# A line of a table of contents: a title, dot leaders ("....", ". . . ."), a page number
_CONTENTS_ENTRY = re.compile(r"\S.*?(?:\s*\.){4,}\s*(\d{1,4})$")
_CONTENTS_LINES = 4  # at least this many on a page


def _contents_lines(pages: list[Page]) -> set[tuple[int, int]]:
    """(page, line index) of the entries of a table of contents: on a page with several lines ending in dot
    leaders and a page number, the numbers never going down and none past the document's end. They repeat every
    heading's words (a question would find the contents before the clause) and are no facts; a sheet of values
    set with dot leaders ("Max PDCs ........ 8192") does not count up like pages."""
    found: set[tuple[int, int]] = set()
    for page in pages:
        entries = [(i, int(m.group(1))) for i, line in enumerate(page.lines)
                   if (m := _CONTENTS_ENTRY.fullmatch(line.text.strip()))]
        numbers = [number for _, number in entries]
        if len(entries) >= _CONTENTS_LINES and numbers == sorted(numbers) and numbers[-1] <= len(pages) + 10:
            found.update((page.number, i) for i, _ in entries)
    return found


def _body_height(pages: list[list[Line]]) -> float:
    """The character height of body text: the most common one, weighted by text length."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            weights[round(line.h, 1)] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def _usual_gap(pages: list[list[Line]]) -> float:
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

    def __init__(self, pages: list[list[Line]]) -> None:
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
            return join_text(a, b)
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


def _page_blocks(lines: list[Line], number: int, body_h: float, line_gap: float,
                 mender: _Hyphens, slide: bool = False) -> list[PdfBlock]:
    blocks: list[PdfBlock] = []
    edges = _column_edges(lines)
    i = 0
    start_of_group = 0
    while i < len(lines):
        table_end = _table_at(lines, i)
        if table_end > i:
            start = i
            if start_of_group == i - 1 and blocks and lines[i - 1].bottom < lines[i].top:
                # the line just above reaches into the table's first row: a header cell centred on two lines
                # ("Pilot" / "value" beside one-line "Parameter") — part of the table, not a heading of its own
                blocks.pop()
                start = i - 1
            blocks.append(_table_block(lines[start:table_end], number))
            i = table_end
            continue
        start_of_group = i
        group = [lines[i]]
        i += 1
        while i < len(lines) and not _breaks(group, lines[i], body_h, line_gap, edges, slide) \
                and _table_at(lines, i) == i:
            group.append(lines[i])
            i += 1
        blocks.append(_text_block(group, number, body_h, mender, edges))
    return [b for b in blocks if b.text.strip() or b.header]


def _column_edges(lines: list[Line]) -> dict[int, tuple[float, float]]:
    edges: dict[int, tuple[float, float]] = {}
    for line in lines:
        lo, hi = edges.get(line.column, (line.x0, line.x1))
        edges[line.column] = (min(lo, line.x0), max(hi, line.x1))
    return edges


def _looks_numbered_heading(text: str) -> bool:
    if len(text) >= 120 or text.endswith((".", ",", ";", ":")):
        return False
    if _ANNEX_HEADING.match(text):
        return True
    match = _NUMBERED_HEADING.match(text)
    if not match or (top := _DIGITS.match(match.group(1))) and int(top.group(0)) > _MAX_SECTION:
        return False  # "128 EVs per PDC" is no clause; "A.1 Constants" is one
    first = match.group(2)[0]
    return first.isupper() or bool(CJK_CHAR.match(first))


def _styled(line: Line, body_h: float) -> bool:
    # 1.18: a body line mixing Latin and CJK glyphs comes out ~12 % taller than a pure one (the fallback font's
    # ascent and descent), and a bullet glyph as much; headings are set ~1.25 x or more, or in bold
    return line.bold or line.h >= 1.18 * body_h


def _breaks(group: list[Line], line: Line, body_h: float, line_gap: float,
            edges: dict[int, tuple[float, float]], slide: bool = False) -> bool:
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
    centred = abs((line.x0 + line.x1) - (prev.x0 + prev.x1)) <= 0.8 * line.h \
        and column_right - line.x1 > _INDENT * line.h  # set in from both sides, on the line's axis above
    if len(group) > 1 and line.x0 - left > _INDENT * line.h and not centred:  # a first-line indent opens a new
        return True  # paragraph; the short last line of a centred one (a caption) does not
    # a short last line that ends a sentence ends the paragraph even without a gap; on a slide, a line that opens
    # with a capital is a bullet of its own (their markers are drawn, not text)
    opens = line.text[:1].isupper() or line.text[:1].isdigit() or bool(CJK_CHAR.match(line.text[:1]))
    return opens and (slide or prev.text.endswith(_SENTENCE_END) and prev.x1 < column_right - 6 * prev.h)


def _short(line: Line, column_right: float) -> bool:
    """The line ends well before its column's right edge (it is not a full line of wrapped text)."""
    return line.x1 < column_right - 3 * line.h


def _text_block(group: list[Line], number: int, body_h: float, mender: _Hyphens,
                edges: dict[int, tuple[float, float]]) -> PdfBlock:
    text = group[0].text
    for line in group[1:]:
        text = mender.join(text, line.text)
    text = text.strip()
    heading = (len(text) <= 200 and len(group) <= 3 and not text.endswith((".", ",", ";", "\u3002", "\uff0c", "\uff1b"))
               and not _BULLET.match(text))
    numbered = (_looks_numbered_heading(text) and len(group) <= 2
                and (_styled(group[0], body_h) or _short(group[-1], edges[group[-1].column][1])))
    if numbered or heading and all(_styled(line, body_h) for line in group) and len(text) >= 2:
        return PdfBlock("heading", text, number)
    return PdfBlock("para", text, number)


_BULLET_CELL = re.compile(rf"^[{_BULLET_GLYPHS}·]$")  # a bullet set apart from its text, as a cell of its own
_CAPTION = re.compile(r"^(?:表|图|Table|Figure|Fig\.)\s*[\dA-Z一二三四五六七八九十]")


def _table_at(lines: list[Line], i: int) -> int:
    """End (exclusive) of a table starting at line i, or i when none does: consecutive lines of one column with
    two or more cells whose column gaps line up — at least 3 rows, or 2 with three or more columns. A caption
    ("Table 3  Link parameters", "表 3　链路层参数") set with a wide gap is not a row."""
    if not lines[i].cells or _CAPTION.match(lines[i].text) or _BULLET_CELL.match(lines[i].cells[0][2]):
        return i
    column = lines[i].column
    gutters = _gaps([lines[i]])
    j = i + 1
    while j < len(lines) and lines[j].column == column and lines[j].top <= lines[j - 1].bottom + 2.5 * lines[j].h:
        candidate = _common_gaps(gutters, lines[j])
        if lines[j].cells and candidate and not _CAPTION.match(lines[j].text):
            gutters = candidate
            j += 1
        elif lines[j].cells and len(gutters) >= 2 and len(_common_gaps(gutters, lines[j], keep_all=False)) == len(gutters) - 1:
            j += 1  # two cells set too close to part (a long key touching its value): the row, one gutter crossed
        elif not lines[j].cells and candidate and (lines[j].x0 > gutters[0][0]
                                                   or lines[j - 1].bottom - lines[j].top < 0.8 * lines[j].h):
            j += 1  # a continuation line of a wrapped cell: not in the first column, or close under its row
        else:
            break
    rows = [line for line in lines[i:j] if line.cells]
    columns = max(len(line.cells) for line in rows)
    if j == len(lines) and len(rows) == 1 and columns >= 3 and i > 0:
        return j  # a header row ending the page: its table goes on over the page (see assemble)
    if len(rows) >= 3 or (len(rows) >= 2 and columns >= 3):
        # a first column of long prose is two columns of text the gutter search missed, not a table
        widths = [line.cells[0][1] - line.cells[0][0] for line in rows]
        span = max(line.x1 for line in rows) - min(line.x0 for line in rows)
        if columns >= 3 or statistics.median(widths) < 0.4 * span:
            return j
    return i


def _gaps(lines: Sequence[Line]) -> list[tuple[float, float]]:
    """The x ranges left empty by every line, between the lines' first and last cells."""
    line = lines[0]
    return [(a[1], b[0]) for a, b in zip(line.cells, line.cells[1:], strict=False)]


def _common_gaps(gaps: list[tuple[float, float]], line: Line, *, keep_all: bool = True) -> list[tuple[float, float]]:
    """The gaps that stay empty when `line` is added (each at least 2 points wide); with `keep_all`, none
    unless every gap does."""
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
    return out if len(out) == len(gaps) or not keep_all else []


def _table_block(lines: list[Line], number: int) -> PdfBlock:
    gutters = _gaps([max(lines, key=lambda line: len(line.cells))])  # the row that shows every column
    for line in lines:
        gutters = _common_gaps(gutters, line) or gutters
    bounds = [(g0 + g1) / 2 for g0, g1 in gutters]
    # Rows set with padding are further apart than the lines of one wrapped cell: a line much closer to the
    # one above than rows usually are continues that row, even when it wraps several cells at once.
    gaps = [above.bottom - line.top for above, line in zip(lines, lines[1:], strict=False)]
    # the gap between rows: most gaps when no cell wraps, the larger ones when many do (4 in 5 is enough)
    row_gap = sorted(gaps)[int(0.8 * (len(gaps) - 1))] if gaps else 0.0
    margin = max(2.0, 0.25 * statistics.median(line.h for line in lines))
    padded = bool(gaps) and row_gap - min(gaps) >= margin
    split = [_cells(line, bounds) for line in lines]
    if gaps and not padded and (wrapped_row_gap := _wrapped_row_gap(gaps, split, margin)):
        padded, row_gap = True, wrapped_row_gap
    rows: list[list[str]] = []
    for n, cells in enumerate(split):
        # Padded rows: the gaps alone tell where rows begin (cells set in the middle of their row put a one-line
        # cell between the lines of a two-line one). Rows as close as lines: a line without cells, not in the
        # first column, continues a wrapped cell.
        wrapped = n > 0 and gaps[n - 1] < row_gap - margin if padded else not cells[0] and not lines[n].cells
        if rows and wrapped:
            rows[-1] = [join_text(a, b) if b else a for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)

    def show(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "/").strip() for c in cells) + " |"

    return PdfBlock("table", "\n".join(show(r) for r in rows[1:]), number, header=show(rows[0]))


def _cells(line: Line, bounds: list[float]) -> list[str]:
    """A table line's text in its columns (split at `bounds`, the middles of the column gaps)."""
    cells = [""] * (len(bounds) + 1)
    for x0, x1, text in line.cells or ((line.x0, line.x1, line.text),):
        k = sum(1 for b in bounds if (x0 + x1) / 2 > b)
        cells[k] = join_text(cells[k], text)
    return cells


def _wrapped_row_gap(gaps: list[float], split: list[list[str]], margin: float) -> float | None:
    """The gap between rows of a table whose rows are padded and most of them wrap (an acceptance-test table
    whose every row runs four to six lines), where the larger gaps, a fifth of all, are too few for the share
    `_table_block` looks at first; None for any other table. Its lines split in two clusters by their gap
    above — line spacing and row spacing — and the lines at line spacing continue a row: half of them or more
    leave the first column empty (a key column's "TC-01 Link" wraps once, the longer cells go on). A table whose
    rows are as close as lines, with a wider gap between groups of rows, fills the first column of every line."""
    low = min(gaps)
    large = [g for g in gaps if g >= low + margin]
    following = [cells for gap, cells in zip(gaps, split[1:], strict=True) if gap < low + margin]
    if len(large) >= max(2, len(gaps) // 8) and following \
            and 2 * sum(not cells[0] for cells in following) >= len(following):
        return min(large)
    return None
