"""Document loaders: Markdown, plain text, HTML and PDF files into structured blocks.

Each `Block` keeps where it came from — file (relative to the docs folder), document title, heading path and PDF
page — and what it is: a paragraph, a list, a code block or a table (tables keep their header row so that every
row can later be shown and indexed with it). Text files are decoded as UTF-8, UTF-16 (with BOM) or GB18030.
A file that cannot be read (binary, undecodable, corrupt PDF) is skipped with a warning naming it; it never stops
the others. Markdown is read by markdown_text.py, plain text by plain_text.py, PDF text comes from pdf_text.py,
by the geometry of the page. Non-goals: images, OCR.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from ..errors import DocumentError
from .blocks import Block, Document, title_from_path
from .markdown_text import parse_markdown
from .pdf_text import read_pdf
from .plain_text import parse_text

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".html": "html", ".htm": "html",
                      ".pdf": "pdf"}
# How each kind of file is read, as a number raised when reading it changes what comes out: an index keeps a
# document's chunks only while its file and its reader are the ones they came from (ingest.py). pdf 2: a paper's
# first page in two columns, a column holding a table, a sentence cut by a column or a page joined again,
# footnote markers and exponents as superscripts. markdown 2: an underscore inside a heading's name stays
# ("SPRAY_WIDTH"). html 2: table cells spanning rows or columns stand in each, stacked <th> rows form the
# header, a <dt> and its <dd> are one definition; html 3: <nav> is not read. text 2: a laid-out page (an
# Internet-Draft, a man page) read as one — pages at form feeds, running headers and footers dropped, margin
# headings, the indented body as paragraphs; text 3: rules drawn across the text are no text, a banner between
# two rules at the top is the title, "Host driver ....... tlnic 2.8.0" an entry of its own.
# markdown 3: headings underlined with === or ---, a thematic break ("---") no text, the title of a file
# without a level-1 heading from how it opens (a Pandoc "% title", bold lines, a short first line).
# html 4: the page's first <h1> is no section (a paragraph when the <title> words it otherwise), inline boxes side
# by side are words apart. pdf 3: the short last line of a centred caption stays in the caption. text 4: a
# table set in fixed-width columns under a rule of dashes is a table, lines stamped with a time are records.
READER_VERSIONS = {"markdown": 3, "text": 4, "html": 4, "pdf": 3}


def reader_version(path: Path) -> int:
    return READER_VERSIONS[SUPPORTED_SUFFIXES[path.suffix.lower()]]


def read_as_now(meta: dict, path: Path, sha: str) -> bool:
    """Whether a document's entry in a manifest is of this file, read the way it is read now (an entry from
    before reader versions: 1)."""
    return meta.get("sha256") == sha and meta.get("reader", 1) == reader_version(path)


def find_documents(docs_dir: Path) -> list[Path]:
    """Every supported file under docs_dir, sorted, skipping hidden files and folders."""
    found = []
    for path in sorted(docs_dir.rglob("*")):
        rel = path.relative_to(docs_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            found.append(path)
    return found


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode_text(data: bytes) -> str:
    """Decode a text file; refuse binary data instead of indexing garbage."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise DocumentError("looks like a binary file (NUL bytes)")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls > max(8, len(text[:8192]) // 100):
            raise DocumentError("looks like a binary file (control characters)")
        return text
    raise DocumentError("not valid UTF-8, UTF-16 or GB18030 text")


def load_document(path: Path, docs_dir: Path) -> Document:
    """Load one file; raise DocumentError with a readable reason when it cannot be used."""
    rel = path.relative_to(docs_dir).as_posix()
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(f"unsupported file type {path.suffix!r}")
    try:
        if kind == "pdf":
            doc = _load_pdf(path, rel)
        else:
            text = decode_text(path.read_bytes())
            doc = {"markdown": parse_markdown, "text": parse_text, "html": _parse_html}[kind](text, rel)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - parsers of broken files raise many kinds; the file is skipped
        raise DocumentError(f"cannot parse: {type(exc).__name__}: {exc}") from exc
    doc.blocks = [b for b in doc.blocks if b.text.strip()]
    if not doc.blocks:
        raise DocumentError("no text found")
    return doc


def load_documents(docs_dir: Path) -> Iterator[tuple[Path, Document | None, str]]:
    """Yield (path, document or None, warning) for every supported file; bad files come with their warning."""
    for path in find_documents(docs_dir):
        try:
            yield path, load_document(path, docs_dir), ""
        except DocumentError as exc:
            warning = f"skipped {path.relative_to(docs_dir).as_posix()}: {exc}"
            log.warning(warning)
            yield path, None, warning


# --- HTML ---------------------------------------------------------------------------------------------------

# What a page holds but does not say: code, styles, and its navigation (a site's menu of links would otherwise
# be a chunk of every section's title, matching every question). A <header> or <footer> stays: documents put
# their title, owner and revision there.
_UNREAD = frozenset({"script", "style", "noscript", "template", "nav"})


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
        self._skip = 0
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
        self._headed = False  # the page's first <h1> has been read

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
        if tag in self._INLINE_BOXES and self._box_closed:  # another box right after one: a word apart
            pending = self._cell if self._cell is not None else self._text
            if pending and not pending[-1][-1:].isspace():
                pending.append(" ")
        self._box_closed = False
        if tag in _UNREAD:
            self._skip += 1
        elif tag == "title":
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
            found = dict(attrs)
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
        self._box_closed = tag in self._INLINE_BOXES
        if tag in _UNREAD:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
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
        if self._skip:
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


def _parse_html(text: str, rel: str) -> Document:
    parser = _HtmlBlocks()
    parser.feed(text)
    parser.close()
    return Document(path=rel, title=parser.title or title_from_path(rel), blocks=parser.blocks)


# --- PDF ----------------------------------------------------------------------------------------------------

# A heading's number: "4.3.2" (chapter 4), "A.1" and "Annex A" / "Appendix B" / "附录 C" (an annex, a chapter
# of its own).
_NUMBERED = re.compile(r"^(?:(\d+(?:\.\d+)*|[A-Z](?:\.\d+)+)\.?\s|(?:Annex|Appendix|附录)\s*([A-Z])\b)")
_CAPTION = re.compile(r"^(?:Table|Figure|Fig\.|Listing|表|图)\s*[A-Z]?\d+(?:[.\-]\d+)*", re.IGNORECASE)


def _load_pdf(path: Path, rel: str) -> Document:
    """A PDF's text by geometry (pdf_text.py): numbered headings nest by their numbers ("4" > "4.1"; "2.1"
    never under "1"; "Annex A" > "A.1", never under chapter 13), an unnumbered heading goes under the current
    chapter, a table or figure caption heads
    the table that follows it, and every block keeps its page. A file without usable text raises PdfTextError,
    a DocumentError."""
    pdf = read_pdf(path)
    doc = Document(path=rel, title=pdf.title or title_from_path(rel))
    headings: list[tuple[tuple[str, ...], str]] = []  # (number parts, heading) of the current section path
    caption = ""
    for block in pdf.blocks:
        section = tuple(text for _, text in headings)
        if block.kind == "heading":
            if _CAPTION.match(block.text):
                caption = block.text
                doc.blocks.append(Block("para", block.text, section, block.page))
                continue
            number = _NUMBERED.match(block.text)
            if number:  # "2.1" goes under "2", not under whatever heading came before it
                parts = tuple((number.group(1) or number.group(2)).split("."))
                headings = [h for h in headings if h[0] and parts[: len(h[0])] == h[0] and h[0] != parts]
            else:
                parts = ()
                headings = headings[:1] if headings and headings[0][0] else []
            headings.append((parts, block.text))
            caption = ""
            continue
        if block.kind == "table" and caption:
            section += (caption,)
        elif block.kind != "table":
            caption = ""
        doc.blocks.append(Block(block.kind, block.text, section, block.page, block.header))
    return doc
