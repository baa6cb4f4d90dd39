"""HTML pages into blocks: headings as the heading path, paragraphs, list items (a step keeps its number),
definition lists, tables laid out as a browser does (row and column spans stand in each cell, stacked <th> rows
one header), the <title> — or the page's first <h1> — as the title; scripts, styles, the site's <nav> and
anything marked as navigation (breadcrumbs) are not read. `html_blocks` reads a piece of HTML inside another document (Markdown's raw tables).
Non-goals: CSS layout, forms, frames, a page's images.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

from .blocks import Block, Document, title_from_path

# What a page holds but does not say: code, styles, and its navigation (a site's menu of links would otherwise
# be a chunk of every section's title, matching every question). A <header> or <footer> stays: documents put
# their title, owner and revision there.
_UNREAD = frozenset({"script", "style", "noscript", "template", "nav"})
# ... and an element that says it is navigation: a wiki page's breadcrumbs ("Fabric Engineering › SM4 › …")
_NAVIGATION = re.compile(r"breadcrumb", re.IGNORECASE)
# a link that marks itself as a footnote's reference (Pandoc's class="footnote-ref", role="doc-noteref")
_NOTE_REFERENCE = re.compile(r"footnote-?ref|noteref", re.IGNORECASE)


class _HtmlBlocks(HTMLParser):
    """Collect headings, paragraphs, list items, preformatted text and tables; ignore scripts, styles and
    navigation."""

    _BLOCK_TAGS = {"p", "li", "pre", "blockquote", "dd", "dt", "div", "section", "article", "br"}
    # Inline elements that a page's style often sets apart as boxes: two of them side by side are two words
    # ("<span class=badge>LLR</span><span class=badge>CBFC</span>" read "LLRCBFC")
    _INLINE_BOXES = {"span", "a", "code", "b", "strong", "em", "i", "small", "label", "kbd", "abbr", "mark"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []
        self._text: list[str] = []
        self._in_title = False
        self._heading_level = 0
        self._row: list[_Cell] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)  # rowspan, colspan of the cell being read
        self._table: list[list[_Cell]] | None = None
        self._term = ""  # a <dt> waiting for its <dd>: "IN_SYNC" + "The agent's epoch …" is one definition
        self._lists: list[list[int]] = []  # open <ol>/<ul>: [ordered, items so far]
        self._marker = ""  # "3. " or "- " for the text of the <li> being read: a step stays a step
        self._box_closed = False  # an inline box has just ended, no text since
        self._skipped: tuple[str, int] | None = None  # an element not read (_UNREAD, navigation): its tag, its depth
        self._headed = False  # the page's first <h1> has been read
        self._superscript = 0  # depth of open <sup> elements

    def _flush(self, kind: str = "para") -> None:
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._text.clear()
        if text and self._marker:
            text, kind, self._marker = self._marker + text, "list", ""
        if self._term:
            term, self._term = self._term, ""
            text = f"{term}: {text}" if text else term
        if text:
            self.blocks.append(Block(kind, text, tuple(h for _, h in self.headings)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipped is not None:
            if tag == self._skipped[0]:
                self._skipped = (tag, self._skipped[1] + 1)
            return
        found = dict(attrs)
        if tag in _UNREAD or found.get("role") == "navigation" \
                or _NAVIGATION.search(f"{found.get('id') or ''} {found.get('class') or ''}") \
                or tag == "a" and (found.get("href") or "").startswith("#") and (
                    self._superscript or _NOTE_REFERENCE.search(f"{found.get('class') or ''} {found.get('role') or ''}")):
            # (and a footnote's reference, a link to the note in a superscript: "NIC firmware 2.16.<sup>2</sup>"
            # would read "2.16.2", a release that does not exist)
            self._skipped = (tag, 1)  # nothing in it is read, up to its end tag
            return
        if tag == "sup":
            self._superscript += 1
        if tag in self._INLINE_BOXES and self._box_closed:  # another box right after one: a word apart
            pending = self._cell if self._cell is not None else self._text
            if pending and not pending[-1][-1:].isspace():
                pending.append(" ")
        self._box_closed = False
        if tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading_level = int(tag[1])
        elif tag == "table":
            self._flush()
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._span = (_span(found.get("rowspan")), _span(found.get("colspan")))
        elif tag in ("ol", "ul"):
            self._lists.append([tag == "ol", 0])
        elif tag in self._BLOCK_TAGS and self._table is None:
            term = self._term if tag == "dd" else ""
            if term:
                self._term = ""
            self._flush("list" if tag == "li" else "para")
            self._term = term
            if tag == "li":
                if self._lists:
                    self._lists[-1][1] += 1
                ordered, count = self._lists[-1] if self._lists else (False, 0)
                self._marker = f"{count}. " if ordered else "- "

    def handle_endtag(self, tag: str) -> None:
        if self._skipped is not None:
            if tag == self._skipped[0]:
                depth = self._skipped[1] - 1
                self._skipped = (tag, depth) if depth else None
            return
        self._box_closed = tag in self._INLINE_BOXES
        if tag == "sup" and self._superscript:
            self._superscript -= 1
        if tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag) and self._heading_level:
            text = re.sub(r"\s+", " ", "".join(self._text)).strip()
            self._text.clear()
            if text:
                if self._heading_level == 1 and not self._headed:  # the page's own heading names the document,
                    self._headed = True  # it is not a section: the title, or — the <title> says it otherwise
                    if not self.title or text == self.title:  # — the page's first line
                        self.title = text
                    else:
                        self.blocks.append(Block("para", text, ()))
                else:
                    self.headings = [h for h in self.headings if h[0] < self._heading_level]
                    self.headings.append((self._heading_level, text))
            self._heading_level = 0
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = re.sub(r"\s+", " ", "".join(self._cell)).strip().replace("|", "/")
            self._row.append(_Cell(text, tag == "th", *self._span))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if any(cell.text for cell in self._row):
                self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            rows, self._table = self._table, None
            if rows:
                header, body = _table_grid(rows)
                self.blocks.append(Block("table", "\n".join("| " + " | ".join(r) + " |" for r in body),
                                         tuple(h for _, h in self.headings),
                                         header="| " + " | ".join(header) + " |" if header else ""))
        elif tag in ("ol", "ul") and self._lists:
            self._flush()
            self._lists.pop()
        elif tag == "dt" and self._table is None:
            self._term = re.sub(r"\s+", " ", "".join(self._text)).strip()
            self._text.clear()
        elif tag in self._BLOCK_TAGS and self._table is None:
            self._flush("list" if tag == "li" else "para")
            if tag == "li":
                self._marker = ""

    def handle_data(self, data: str) -> None:
        if data:
            self._box_closed = False
        if self._skipped is not None:
            return
        if self._in_title:
            self.title = self.title or data.strip()
        elif self._cell is not None:
            self._cell.append(data)
        elif self._table is None:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


class _Cell(NamedTuple):
    text: str
    heading: bool  # a <th>
    rows: int = 1  # rowspan
    columns: int = 1  # colspan


_MAX_SPAN = 64  # a span beyond this is a broken page, not a table: the cell stays one cell


def _span(value: str | None) -> int:
    return int(value) if value and value.strip().isdigit() and 1 <= int(value) <= _MAX_SPAN else 1


def _table_grid(rows: list[list[_Cell]]) -> tuple[list[str], list[list[str]]]:
    """(header, body rows) of an HTML table, cells laid out as the browser does: a cell spanning rows stands
    in each of them ("Pellworth PW-660" on its three firmware rows), one spanning columns in each column. The
    header is the first row — with the rows of <th> right under it, each column's headings joined ("FPDP
    version" over "v1" and "v2": "FPDP version v1", "FPDP version v2")."""
    grid: list[list[str]] = []
    carried: dict[int, tuple[str, int]] = {}  # column -> (text, rows still to fill) of a cell spanning down
    for row in rows:
        out: list[str] = []
        cells = iter(row)
        column = 0
        while True:
            if column in carried:
                text, left = carried.pop(column)
                out.append(text)
                if left > 1:
                    carried[column] = (text, left - 1)
                column += 1
                continue
            cell = next(cells, None)
            if cell is None:
                break
            for _ in range(cell.columns):
                out.append(cell.text)
                if cell.rows > 1:
                    carried[column] = (cell.text, cell.rows - 1)
                column += 1
        while carried and max(carried) >= column:  # spans reaching past this row's last cell
            text, left = carried.pop(column) if column in carried else ("", 1)
            out.append(text)
            if left > 1:
                carried[column] = (text, left - 1)
            column += 1
        grid.append(out)
    width = max(map(len, grid))
    grid = [r + [""] * (width - len(r)) for r in grid]
    if len(grid) == 1 and not any(cell.heading for cell in rows[0]):
        return [], grid
    count = 1
    if any(cell.heading for cell in rows[0]):
        while count < len(rows) - 1 and all(cell.heading for cell in rows[count]):
            count += 1
    header = [" ".join(dict.fromkeys(t for r in grid[:count] if (t := r[c]))) for c in range(width)]
    return header, grid[count:]


def parse_html(text: str, rel: str) -> Document:
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    return Document(path=rel, title=parser.title or title_from_path(rel), blocks=parser.blocks)


def html_blocks(text: str, section: tuple[str, ...] = ()) -> list[Block]:
    """The blocks of a piece of HTML inside another document (a raw <table> in a Markdown file), under the
    section it stands in."""
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    return [Block(b.kind, b.text, section + b.section, b.page, b.header) for b in parser.blocks]

