"""Document loaders: Markdown, plain text, HTML and PDF files into structured blocks.

Each `Block` keeps where it came from — file (relative to the docs folder), document title, heading path and PDF
page — and what it is: a paragraph, a list, a code block or a table (tables keep their header row so that every
row can later be shown and indexed with it). Text files are decoded as UTF-8, UTF-16 (with BOM) or GB18030.
A file that cannot be read (binary, undecodable, corrupt PDF) is skipped with a warning naming it; it never stops
the others. Markdown is read by markdown_text.py, plain text by plain_text.py, HTML by html_text.py; PDF text
comes from pdf_text.py, by the geometry of the page. Non-goals: images, OCR.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..errors import DocumentError
from .blocks import Block, Document, title_from_path
from .html_text import parse_html
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
# markdown 4: raw HTML tables read as tables, quotes and callouts without their marks, bold marks and footnote
# references dropped, a footnote's definition a paragraph of its own.
# pdf 4: a table of contents (dot leaders, page numbers counting up) is not read, a slide's lines that open with
# a capital are bullets of their own, "128 EVs per PDC" is no numbered heading.
# html 5: an element marked as navigation (role="navigation", breadcrumbs) is not read.
# all (markdown 5, text 5, html 6, pdf 5): typographic ligatures spelt out ("ﬁ" → "fi"), soft hyphens and
# zero-width characters dropped — text copied out of a typeset PDF into notes carries them inside words; pdf 5
# also: a heading set large just below two columns is read after both, not as the end of the left one; html 6
# also: a footnote's reference (a link to the note in a superscript, a Pandoc noteref) is not read into the text.
READER_VERSIONS = {"markdown": 5, "text": 5, "html": 6, "pdf": 6}

# Characters that sit inside words without being letters of them: the Latin ligatures of the Alphabetic
# Presentation Forms block, spelt out; soft hyphens, zero-width spaces and joiners, word joiners and byte-order
# marks, dropped. "conﬁguration" and "con\u00adfig\u00aduration" are the word "configuration" to search and quote.
_IN_WORD = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                          "\ufb05": "st", "\ufb06": "st", "\u00ad": None, "\u200b": None, "\u200c": None,
                          "\u200d": None, "\u2060": None, "\ufeff": None})


def plain_words(text: str) -> str:
    """`text` with ligatures spelt out and invisible in-word characters dropped (see _IN_WORD)."""
    return text.translate(_IN_WORD) if not text.isascii() else text


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
            doc = {"markdown": parse_markdown, "text": parse_text, "html": parse_html}[kind](text, rel)
    except DocumentError:
        raise
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # noqa: BLE001 - parsers of broken files raise many kinds; the file is skipped
        raise DocumentError(f"cannot parse: {type(exc).__name__}: {exc}") from exc
    doc.title = plain_words(doc.title)
    doc.blocks = [replace(b, text=plain_words(b.text), section=tuple(map(plain_words, b.section)),
                          header=plain_words(b.header)) for b in doc.blocks if b.text.strip()]
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
