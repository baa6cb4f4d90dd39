"""Write small text-only PDF files, and rebuild the bundled quick-reference primer from its source text.

Job: `write_pdf(path, title, pages)` lays plain text out on A4 pages in the standard Type 1 fonts Helvetica
and Helvetica-Bold (WinAnsiEncoding). Each item of a page is a paragraph, wrapped to the text width with
Helvetica's glyph widths; an item that looks like a numbered heading ("2.1 Delivery modes") is set in bold; an
empty item adds a blank line; text that overflows a page continues on the next one. The file gets a correct
cross-reference table and an /Info dictionary whose /Title is the given title. `main()` regenerates
data/docs/uec-primer-quick-reference.pdf from scripts/uec-primer-quick-reference.txt (kept outside data/docs
so the corpus does not index the same text twice).
Collaborators: only the standard library. mygallery.engine.documents reads the result through pypdf and recognises
the headings; tests import `write_pdf` to make fixture PDFs.
Non-goals: embedded fonts, so text outside Windows-1252 (Chinese, for instance) is written as "?"; images,
links, compression, hyphenation and justified text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 64
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_SIZE, HEADING_SIZE, TITLE_SIZE = 10.5, 12.5, 17.0
LEADING = 1.4  # line height as a multiple of the font size

# Same shape as the heading pattern of mygallery.engine.documents: what is drawn bold here reads back as a heading.
HEADING = re.compile(r"^(\d+(?:\.\d+)*\.?)\s+\S.{0,80}$")

# Advance widths of Helvetica for the printable ASCII range 32..126, in 1/1000 em (Adobe's published metrics).
_ASCII_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # 0-9 : ; < = > ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ A-O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # P-Z [ \ ] ^ _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # ` a-o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # p-z { | } ~
]
_WIDTHS = {chr(32 + i): w for i, w in enumerate(_ASCII_WIDTHS)}
_WIDTHS.update({"\u2013": 556, "\u2014": 1000, "\u2022": 350, "\u2018": 222, "\u2019": 222, "\u201c": 333,
                "\u201d": 333, "\u2026": 1000, "\u00d7": 584, "\u00b5": 556})
_DEFAULT_WIDTH = 556
_BOLD_FACTOR = 1.1  # Helvetica-Bold is at most ~10% wider; headings are short, so an estimate is enough


def is_heading(text: str) -> bool:
    """The rule mygallery.engine.documents applies to a PDF line: numbered, short, not ending like a sentence."""
    return bool(HEADING.match(text)) and len(text) < 90 and not text.endswith((".", ",", ";"))


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width of `text` in points when set in Helvetica (or an upper estimate for Helvetica-Bold)."""
    units = sum(_WIDTHS.get(ch, _DEFAULT_WIDTH) for ch in text)
    return units * size / 1000 * (_BOLD_FACTOR if bold else 1.0)


def wrap(text: str, size: float, width: float = TEXT_WIDTH, *, bold: bool = False) -> list[str]:
    """Break a paragraph into lines that fit `width`; a single over-long word gets a line of its own."""
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        if current and text_width(" ".join(current + [word]), size, bold=bold) > width:
            # A continuation line starting "400 Gb/s ..." would read back as a numbered heading, so carry
            # words over until the new line starts with a word that is not a number (keeping one here).
            carried: list[str] = []
            while word[0].isdigit() and len(current) > 1 and (not carried or carried[0][0].isdigit()):
                carried.insert(0, current.pop())
            lines.append(" ".join(current))
            current = carried
        current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def _escape(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252) bytes; characters it cannot hold become '?'."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _info_string(text: str) -> bytes:
    """A PDF text string for /Info: literal when plain ASCII, otherwise UTF-16BE with a byte-order mark."""
    if all(32 <= ord(ch) < 127 for ch in text):
        return _escape(text)
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


class _PageLayout:
    """Turns paragraphs into positioned lines, starting a new physical page when the current one is full."""

    def __init__(self) -> None:
        self.pages: list[list[bytes]] = []
        self.y = 0.0

    def new_page(self) -> None:
        self.pages.append([])
        self.y = PAGE_HEIGHT - MARGIN

    def room_for(self, height: float) -> bool:
        return self.y - height >= MARGIN

    def line(self, text: str, font: str, size: float) -> None:
        if not self.room_for(size * LEADING):
            self.new_page()
        self.y -= size * LEADING
        self.pages[-1].append(b"BT /%s %.1f Tf %d %.2f Td %s Tj ET" % (font.encode(), size, MARGIN, self.y,
                                                                        _escape(text)))

    def gap(self, height: float) -> None:
        if self.pages[-1] and self.room_for(height):
            self.y -= height

    def paragraph(self, text: str) -> None:
        text = " ".join(text.split())
        if not text:
            self.gap(BODY_SIZE * LEADING)
        elif is_heading(text):
            lines = wrap(text, HEADING_SIZE, bold=True)
            # keep a heading together with at least two lines of what follows it
            if not self.room_for(HEADING_SIZE * (LEADING + 0.6) * len(lines) + 2 * BODY_SIZE * LEADING):
                self.new_page()
            self.gap(HEADING_SIZE * 0.6)
            for piece in lines:
                self.line(piece, "F2", HEADING_SIZE)
            self.gap(BODY_SIZE * 0.3)
        else:
            for piece in wrap(text, BODY_SIZE):
                self.line(piece, "F1", BODY_SIZE)
            self.gap(BODY_SIZE * 0.5)


def _serialise(objects: list[bytes], info_number: int) -> bytes:
    """Objects numbered from 1, a cross-reference table with exact byte offsets, and the trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info_number, xref_at)
    return bytes(out)


def write_pdf(path: Path | str, title: str, pages: Sequence[Sequence[str]], *,
              show_title: bool = True) -> None:
    """Write `pages` (each a list of lines or paragraphs) to a PDF at `path` with metadata /Title `title`.

    Every input page starts a new PDF page; a long one spills over onto further pages. With `show_title`, the
    title is also printed at the top of the first page.
    """
    if not pages:
        raise ValueError("a PDF needs at least one page")
    layout = _PageLayout()
    for number, items in enumerate(pages):
        layout.new_page()
        if number == 0 and show_title and title.strip():
            for piece in wrap(title, TITLE_SIZE, bold=True):
                layout.line(piece, "F2", TITLE_SIZE)
            layout.gap(BODY_SIZE)
        for item in items:
            layout.paragraph(item)

    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    first_page = 6  # objects 1-5: catalog, page tree, two fonts, info; then a page and its content per page
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(layout.pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(layout.pages)),
        font % b"Helvetica",
        font % b"Helvetica-Bold",
        b"<< /Title %s /Producer (scripts/make_pdf.py) >>" % _info_string(title),
    ]
    for i, lines in enumerate(layout.pages):
        stream = b"\n".join(lines)  # the end-of-line before "endstream" is not part of /Length
        contents = first_page + 2 * i + 1
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R "
                       b"/F2 4 0 R >> >> /Contents %d 0 R >>" % (PAGE_WIDTH, PAGE_HEIGHT, contents))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    Path(path).write_bytes(_serialise(objects, info_number=5))


# --- the bundled primer -------------------------------------------------------------------------------------

SCRIPTS_DIR = Path(__file__).resolve().parent
SOURCE = SCRIPTS_DIR / "uec-primer-quick-reference.txt"
TARGET = SCRIPTS_DIR.parent / "data" / "docs" / "uec-primer-quick-reference.pdf"
PAGE_BREAK = "=== page ==="


def read_source(path: Path) -> tuple[str, list[list[str]]]:
    """Parse the primer source: a "Title: ..." first line, pages split by PAGE_BREAK lines, paragraphs by
    blank lines; inside a paragraph, a line starting with "- " begins a new bullet item."""
    first, _, body = path.read_text(encoding="utf-8").partition("\n")
    if not first.startswith("Title:"):
        raise ValueError(f"{path}: the first line must be 'Title: ...'")
    pages: list[list[str]] = []
    for page_text in body.split(PAGE_BREAK):
        items: list[str] = []
        for block in re.split(r"\n\s*\n", page_text):
            for item in re.split(r"\n(?=- )", block.strip()):
                if item.strip():
                    items.append(" ".join(item.split()))
        if items:
            pages.append(items)
    return first.removeprefix("Title:").strip(), pages


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        print("usage: python scripts/make_pdf.py   (rebuilds data/docs/uec-primer-quick-reference.pdf)",
              file=sys.stderr)
        return 2
    title, pages = read_source(SOURCE)
    write_pdf(TARGET, title, pages)
    print(f"wrote {TARGET} ({len(pages)} source pages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
