"""Real PDF files for the tests of mygallery.engine.pdf_text and for bench/bench_pdf.py, written at run time.

Job: a small PDF writer of its own (`Page` + `write_pages`) that places text exactly where a test wants it —
a whole line per text object, or every word as its own BT/ET text object with absolute positioning, as some
generators do — and the sample makers built on it: word-by-word paragraphs with a hyphenated line end, a
two-column page, running headers and footers, a table in aligned columns, a long benchmark document; plus
Chromium print-to-PDF (Playwright driving Debian's chromium) for HTML with a table, headings, page
headers/footers and Chinese text. Each maker returns what the test should find in the extracted text.
Collaborators: scripts/make_pdf.py for Helvetica's glyph widths; playwright only inside `chromium_pdfs`.
Non-goals: embedded fonts (Type 1 standard fonts only, WinAnsi text), images, general PDF writing.
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_pdf", ROOT / "scripts" / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_pdf)  # type: ignore[union-attr]

A4 = (595.0, 842.0)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def single_word_share(text: str) -> float:
    """The share of the text's non-blank lines that hold a single word (a PDF whose words came out one a line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return sum(1 for line in lines if len(line.split()) == 1) / max(1, len(lines))


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    return make_pdf.text_width(text, size, bold=bold)


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


@dataclass
class Page:
    """One page's content stream, built from positioned text; y grows upwards as in PDF."""

    width: float = A4[0]
    height: float = A4[1]
    ops: list[bytes] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, *, size: float = 10.5, bold: bool = False) -> None:
        """The whole string as one text object."""
        font = b"F2" if bold else b"F1"
        self.ops.append(b"BT /%s %.2f Tf %.2f %.2f Td %s Tj ET" % (font, size, x, y, _literal(text)))

    def words(self, x: float, y: float, text: str, *, size: float = 10.5, bold: bool = False,
              order: str = "reading", rng: random.Random | None = None) -> None:
        """Every word its own BT/ET text object at an absolute position (no space characters drawn at all),
        written in reading order, in reverse ("reverse") or in random order ("shuffle", with `rng`)."""
        placed = []
        for word in text.split():
            placed.append((x, word))
            x += text_width(word + " ", size, bold=bold)
        if order == "reverse":
            placed.reverse()
        elif order == "shuffle":
            (rng or random.Random(0)).shuffle(placed)
        for wx, word in placed:
            self.text(wx, y, word, size=size, bold=bold)

    def rule(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.ops.append(b"0.5 w %.2f %.2f m %.2f %.2f l S" % (x0, y0, x1, y1))

    def lines(self, x: float, y: float, lines: Sequence[str], *, size: float = 10.5, leading: float = 1.4,
              bold: bool = False, word_by_word: bool = False) -> float:
        """Set `lines` one under the other from baseline y; return the baseline below the last one."""
        for line in lines:
            (self.words if word_by_word else self.text)(x, y, line, size=size, bold=bold)
            y -= size * leading
        return y


def wrap(text: str, size: float, width: float, *, bold: bool = False, hyphenate: bool = False) -> list[str]:
    """Greedy line breaking in Helvetica; with `hyphenate`, a long word that does not fit is split with '-'."""
    lines: list[str] = []
    current: list[str] = []
    for word in text.split():
        candidate = " ".join(current + [word])
        if current and text_width(candidate, size, bold=bold) > width:
            if hyphenate and len(word) >= 8 and word.isalpha() and word.islower():
                head = word[: len(word) // 2]
                if text_width(" ".join(current + [head + "-"]), size, bold=bold) <= width:
                    lines.append(" ".join(current + [head + "-"]))
                    current = [word[len(word) // 2:]]
                    continue
            lines.append(" ".join(current))
            current = [word]
        else:
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def write_pages(path: Path, pages: Sequence[Page], *, title: str | None = None, compress: bool = False) -> Path:
    """A PDF with Helvetica (F1) and Helvetica-Bold (F2), a correct xref table and an optional /Title."""
    first_page = 6
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    info = b"<< /Producer (tests/pdf_samples.py) >>"
    if title is not None:
        info = b"<< /Title %s /Producer (tests/pdf_samples.py) >>" % make_pdf._info_string(title)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
               font % b"Helvetica", font % b"Helvetica-Bold", info]
    for i, page in enumerate(pages):
        stream = b"\n".join(page.ops)
        extra = b""
        if compress:
            stream, extra = zlib.compress(stream, 6), b" /Filter /FlateDecode"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.0f %.0f] /Resources << /Font << /F1 3 0 R "
                       b"/F2 4 0 R >> >> /Contents %d 0 R >>" % (page.width, page.height, first_page + 2 * i + 1))
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), extra) + stream + b"\nendstream")
    path.write_bytes(make_pdf._serialise(objects, info_number=5))
    return path


# --- 1. word by word ------------------------------------------------------------------------------------------

WORD_BY_WORD_PARAGRAPHS = [
    ["Reliable transports recover from loss by retransmitting only the",
     "packets that are missing, so a single drop costs little time. The",
     "receiver reports gaps with selective acknowledgements and the sender",
     "resends them on another path."],
    ["Senders watch for signs of conges-",
     "tion such as explicit marks and growing round-trip times, and they",
     "shrink the window in proportion to how severe the signal was. The end-to-",
     "end behaviour stays fair across many flows."],
    ["Endpoints keep almost no state per peer. A context opens with the first",
     "packet and closes when traffic stops, so large jobs start cheaply. The RoCEv2-",
     "based fabrics of today can migrate in steps."],
]
WORD_BY_WORD_SENTENCES = [
    "Reliable transports recover from loss by retransmitting only the packets that are missing, so a single "
    "drop costs little time.",
    "Senders watch for signs of congestion such as explicit marks and growing round-trip times, and they shrink "
    "the window in proportion to how severe the signal was.",
    "The end-to-end behaviour stays fair across many flows.",
    "The RoCEv2-based fabrics of today can migrate in steps.",
]


def word_by_word_pdf(path: Path, *, order: str = "reading") -> Path:
    """Two pages, every word its own text object (in reading, reverse or random order within each line): a
    numbered heading, three paragraphs with line ends "conges-" / "tion", "end-to-" / "end" and "RoCEv2-" /
    "based"."""
    rng = random.Random(7)
    pages = []
    for heading in ("3.2 Retry policy", "3.3 Path selection"):
        page = Page()
        page.words(72, 760, heading, size=13, bold=True, order=order, rng=rng)
        y = 730.0
        for lines in WORD_BY_WORD_PARAGRAPHS:
            for line in lines:
                page.words(72, y, line, size=10.5, order=order, rng=rng)
                y -= 14.7
            y -= 7
        pages.append(page)
    return write_pages(path, pages, title=None)


# --- 2. two columns -------------------------------------------------------------------------------------------

LEFT_COLUMN = [
    "The left column opens with a paragraph about link level retry. Frames that arrive damaged are replayed "
    "by the sender from its buffer without waiting for the transport to notice the loss.",
    "A second paragraph in the left column explains credit based flow control, which stops a sender before "
    "the receiving buffer overflows and keeps the link lossless where that is wanted.",
]
RIGHT_COLUMN = [
    "The right column starts with packet trimming. A congested switch cuts a packet down to its header and "
    "forwards the stub, so the receiver learns about the loss at once.",
    "Its second paragraph covers entropy values, which spread the packets of one message over many paths "
    "and let the sender steer away from a path that has shown congestion.",
]


def two_column_pdf(path: Path) -> Path:
    """A title across the page, then two columns of justified-width paragraphs whose lines share baselines."""
    page = Page()
    page.text(72, 780, "Layer notes in two columns", size=16, bold=True)
    width = (page.width - 144 - 24) / 2
    for x, paragraphs in ((72.0, LEFT_COLUMN), (72.0 + width + 24, RIGHT_COLUMN)):
        y = 740.0
        for paragraph in paragraphs:
            y = page.lines(x, y, wrap(paragraph, 10, width), size=10, leading=1.35) - 8
    return write_pages(path, [page], title="Layer notes")



CENTRED_CAPTION = ("Figure 3.1: Rail-optimised two-tier topology: 8 rails of 8 leaves each, 16 spines, two "
                   "parallel links between every leaf and spine pair. Drawing not reproduced in this text edition.")
AFTER_CAPTION = ("Leaves are numbered L00 to L63 so that leaf Lnn belongs to rail nn div 8; spines are numbered S00 "
                 "to S15 and sit in two network racks.")


def centred_caption_pdf(path: Path) -> Path:
    """A body paragraph, a caption centred on the page whose short last line is centred too, a body paragraph."""
    page = Page()
    y = page.lines(72, 760, wrap(AFTER_CAPTION, 10.5, page.width - 144), size=10.5, leading=1.2) - 14
    for line in wrap(CENTRED_CAPTION, 10.5, page.width - 180, bold=True):
        page.text((page.width - text_width(line, 10.5, bold=True)) / 2, y, line, size=10.5, bold=True)
        y -= 12.6
    page.lines(72, y - 14, wrap(AFTER_CAPTION, 10.5, page.width - 144), size=10.5, leading=1.2)
    return write_pages(path, [page], title="Topology")


SLIDE_BULLETS = ["128 EVs per PDC (spec 4.4.4.1)", "Spine uplink load: max-min spread 3.4 % over one hour",
                 "27 % of packets arrive out of order", "Watch item: receiver reorder buffer occupancy"]
CONTENTS = [("1 Scope", 4), ("2 Normative references", 4), ("4.1 Profile selection", 5),
            ("4.3.2 PDC lifecycle", 6), ("A.1 Parameter summary", 8)]
LEADER_SHEET = [("Max PDCs per port", "8192"), ("Reorder buffer, packets", "2560"), ("Trim threshold, KiB", "288"),
                ("LLR replay timeout, ns", "3350")]


def slides_pdf(path: Path) -> Path:
    """16:9 slides whose bullets' markers are drawn, not text: each bullet one line in a large font."""
    slides = []
    for title, bullets in (("Spraying", SLIDE_BULLETS), ("Next steps", ["14 April: 288 KiB on SM1-SM3",
                                                                       "Late April: KettleOS 11.4.3 on all pods"])):
        slide = Page(960, 540)
        slide.text(58, 470, title, size=40, bold=True)
        slide.lines(83, 405, bullets, size=24, leading=1.6)
        slides.append(slide)
    return write_pages(path, slides, title="Review")


def contents_pdf(path: Path) -> Path:
    """A page of contents (dot leaders, page numbers counting up), then a page of values set with dot leaders
    (they do not count up like pages) under a lettered heading."""
    contents = Page()
    contents.text(72, 770, "Contents", size=14, bold=True)
    y = 740.0
    for title, number in CONTENTS:
        leaders = " ." * int((440 - text_width(title, 11)) / text_width(" .", 11))
        contents.text(72, y, f"{title}{leaders} {number}", size=11)
        y -= 18
    sheet = Page()
    sheet.text(72, 770, "A.1 Parameter summary", size=14, bold=True)
    y = 740.0
    for name, value in LEADER_SHEET:
        sheet.text(72, y, f"{name} {'.' * 40} {value}", size=11)
        y -= 18
    sheet.lines(72, y - 10, wrap("The values above are those in force since the last review of the fabric; "
                                 "later tickets take precedence over them.", 11, 451), size=11)
    return write_pages(path, [contents, sheet], title="Specification")


PAPER_ABSTRACT = (
    "Abstract. Packet spraying spreads the packets of one message over every equal-cost path of a Clos fabric. "
    "On a real network the paths are rarely equally healthy: a degraded optic or a busy spine makes one of them "
    "much worse than the rest, and an oblivious sprayer keeps sending its share of every message there. We show "
    "how a sender that remembers which entropy values led to trimmed packets can avoid those paths for a while, "
    "and we measure the gain on a large training cluster where the bus bandwidth of an all-reduce rises by a "
    "tenth and the tail of small messages is cut by half.")


def paper_first_page_pdf(path: Path) -> Path:
    """A paper's first page: a title, authors and an abstract across the page (many lines that cross the
    gutter), then two columns — the left one with a numbered heading."""
    page = Page()
    page.text(120, 790, "Trim-Guided Entropy Selection for Packet Spraying", size=15, bold=True)
    page.text(160, 770, "A. Author, B. Author and C. Author, Example Research Institute", size=10)
    full = page.width - 144
    page.lines(72, 740, wrap(PAPER_ABSTRACT, 10, full), size=10, leading=1.35)
    width = (full - 24) / 2
    page.text(72, 620, "1 Introduction", size=11, bold=True)
    y = 600.0
    for paragraph in LEFT_COLUMN:
        y = page.lines(72, y, wrap(paragraph, 10, width), size=10, leading=1.35) - 8
    y = 620.0
    for paragraph in RIGHT_COLUMN:
        y = page.lines(72 + width + 24, y, wrap(paragraph, 10, width), size=10, leading=1.35) - 8
    return write_pages(path, [page], title="Trim-guided spraying")



COLUMN_TABLE = [("Message size", "ECMP", "OBL", "PL"), ("1 MiB", "9.8", "10.6", "10.7"),
                ("16 MiB", "27.4", "33.9", "35.2"), ("256 MiB", "38.1", "42.6", "46.3"),
                ("1 GiB", "38.9", "43.0", "46.9"), ("4 GiB", "39.0", "43.2", "47.1"),
                ("16 GiB", "39.1", "43.3", "47.2"), ("64 GiB", "39.1", "43.3", "47.3")]


def column_table_pdf(path: Path) -> Path:
    """Two columns of prose; the right one also holds a table of short cells (more cells than prose lines)."""
    page = Page()
    width = (page.width - 144 - 24) / 2
    right = 72.0 + width + 24
    y = 780.0
    for paragraph in LEFT_COLUMN * 2:
        y = page.lines(72, y, wrap(paragraph, 10, width), size=10, leading=1.35) - 8
    y = page.lines(right, 780, wrap(RIGHT_COLUMN[0], 10, width), size=10, leading=1.35) - 8
    y = set_rows(page, y, COLUMN_TABLE, [right, right + 80, right + 130, right + 180], [75, 45, 45, 45], gap=2,
                 bold_first=True) - 8
    page.lines(right, y, wrap(RIGHT_COLUMN[1], 10, width), size=10, leading=1.35)
    return write_pages(path, [page], title="Column table")


# --- 3. running headers and footers ------------------------------------------------------------------------

RUNNING_BODY = [
    "Page one explains why the fabric sprays packets over every available path.",
    "Page two describes how a receiver acknowledges what has arrived.",
    "Page three covers the retransmission timer as a last resort.",
    "Page four closes with the checklist for a first deployment.",
]


def running_headers_pdf(path: Path) -> Path:
    """Four pages with a header (title + chapter), a footer "Page n of 4" and a centred "— n —"."""
    pages = []
    for number, sentence in enumerate(RUNNING_BODY, start=1):
        page = Page()
        page.text(72, 800, "UEC Field Guide", size=9)
        page.text(420, 800, "Chapter 2: Transport", size=9)
        page.text(72, 740, f"2.{number} Topic {number}", size=12, bold=True)
        page.lines(72, 716, wrap(sentence + " It is a body paragraph long enough to wrap onto a second line "
                                  "of text here.", 10.5, 451))
        page.text(72, 40, f"Page {number} of {len(RUNNING_BODY)}", size=9)
        page.text(290, 40, f"\u2014 {number} \u2014", size=9)
        pages.append(page)
    return write_pages(path, pages, title="UEC Field Guide")


# --- 4. a table in aligned columns ----------------------------------------------------------------------------

TABLE_ROWS = [
    ("Mode", "Ordering", "State at receiver"),
    ("RUD", "none", "per packet bitmap"),
    ("ROD", "in sequence", "expected sequence number"),
    ("RUDI", "none", "almost none"),
    ("UUD", "none", "none"),
]


def table_pdf(path: Path) -> Path:
    """A paragraph, a bold header row and four body rows with cells at fixed x positions, then a paragraph."""
    page = Page()
    page.text(72, 780, "4.1 Delivery modes compared", size=13, bold=True)
    page.lines(72, 750, ["The table below compares the four delivery modes of the transport."])
    y = 720.0
    for i, row in enumerate(TABLE_ROWS):
        for x, cell in zip((72, 180, 300), row, strict=True):
            page.text(x, y, cell, size=10, bold=i == 0)
        if i == 0:
            page.rule(72, y - 4, 520, y - 4)
        y -= 16
    page.lines(72, y - 14, ["Every mode but UUD retransmits what was lost."])
    return write_pages(path, [page], title="Delivery modes")



PARAMETERS = [(f"agent.{('telemetry_export_port', 'degrade_events_to_drain', 'heartbeat_ms')[i % 3]}_{i:02d}",
               f"what setting number {i} of the agent controls" + (" when the link is busy" if i % 3 == 0 else ""),
               str(100 * i + 7), str(90 * i + 3)) for i in range(1, 19)]


def parameter_table_pdf(path: Path) -> Path:
    """A full-page parameter table as report generators set it: key and meaning left-aligned (the meaning
    wrapped onto a second line when long), the two value columns right-aligned at the right margin — so
    every value cell ends at the same edge, like the lines of a column of prose."""
    page = Page()
    y = 790.0
    for i, (key, meaning, default, value) in enumerate([("Key", "Meaning", "Default", "Pilot value"), *PARAMETERS]):
        size = 9.5
        page.text(72, y, key, size=size, bold=i == 0)
        meaning_lines = wrap(meaning, size, 150, bold=i == 0)
        for k, line in enumerate(meaning_lines):
            page.text(238, y - k * 12, line, size=size, bold=i == 0)
        for right, cell in ((450, default), (530, value)):
            page.text(right - text_width(cell, size, bold=i == 0), y, cell, size=size, bold=i == 0)
        y -= 12 * len(meaning_lines) + 8
    return write_pages(path, [page], title="Agent parameters")


LINK_ROWS = [("llr.replay_timer", "1.0 us", "2.4 us", "longest AOC 35 m"),
             ("llr.replay_buffer (bytes per port, both ends)", "128 KB", "256 KB", "covers 2.4 us of 400G traffic with margin"),
             ("llr.max_replay", "3", "4", "then the link retrains"),
             ("cbfc.credit_unit", "64 B", "256 B", "fewer credit updates")]


def set_rows(page: Page, y: float, rows: Sequence[Sequence[str]], xs: Sequence[float], widths: Sequence[float], *,
             gap: float, centred: bool = False, bold_first: bool = False) -> float:
    """Table rows at 10 pt: each cell wrapped to its column's width, lines 12 pt apart, rows `gap` points apart;
    a cell shorter than its row starts at the row's top, or with `centred` sits in its middle. Returns the
    baseline below the last row."""
    for i, row in enumerate(rows):
        bold = bold_first and i == 0
        wrapped = [wrap(cell, 10, width, bold=bold) for cell, width in zip(row, widths, strict=True)]
        height = 12 * max(map(len, wrapped))
        for x, cell_lines in zip(xs, wrapped, strict=True):
            top = y - (height - 12 * len(cell_lines)) / 2 if centred else y
            for k, line in enumerate(cell_lines):
                page.text(x, top - 12 * k, line, size=10, bold=bold)
        y -= height + gap
    return y


def split_table_pdf(path: Path, *, padding: float = 14) -> Path:
    """A captioned table whose header row ends page 1 and whose rows fill page 2 without a repeated header, set
    with `padding` points between rows; one row wraps its first and last cells onto a second line."""
    first, second = Page(), Page()
    first.lines(72, 780, wrap("The link layer parameters of the pilot are listed in the table below; "
                              "every value was measured on the longest links.", 10.5, 450))
    first.text(72, 120, "Table 2", size=10)
    first.text(125, 120, "Link layer parameters", size=10)
    header = ("Parameter", "Default", "Pilot", "Notes")
    xs = (72, 240, 320, 400)
    for x, cell in zip(xs, header, strict=True):
        first.text(x, 96, cell, size=10, bold=True)
    y = set_rows(second, 780.0, LINK_ROWS, xs, (150, 70, 70, 130), gap=padding)
    second.lines(72, y - 20, ["The replay timer is the same on every link."])
    return write_pages(path, [first, second], title="Link parameters")


def centred_table_pdf(path: Path) -> Path:
    """LINK_ROWS set as HTML and many templates set tables: every cell centred vertically in its row (a one-line
    value sits between the lines of a wrapped note), the header's "Pilot value" on two lines beside one-line
    header cells, rows apart by padding."""
    page = Page()
    page.lines(72, 780, ["The link layer parameters of the pilot are listed below."])
    y = set_rows(page, 750.0, [("Parameter", "Default", "Pilot value", "Notes"), *LINK_ROWS], (72, 240, 320, 400),
                 (150, 60, 40, 90), gap=10, centred=True, bold_first=True)
    page.lines(72, y - 20, ["The replay timer is the same on every link."])
    return write_pages(path, [page], title="Link parameters, centred")


TEST_CASE_ROWS = [
    ("TC-01 Link bring-up", "All 256 host links and 256 leaf-spine links brought up from cold start with RS FEC; "
     "BER read after 30 min idle.", "All links up at 800 Gb/s; pre-FEC BER below the 2.4E-4 alarm threshold.",
     "512 of 512 links up. Worst pre-FEC BER 3.1E-7 (leaf L05, port 41).", "PASS"),
    ("TC-02 Replay", "Single-frame corruption injected on 8 links by the error injector, 10,000 events.",
     "Every corrupted frame replayed; no transport retransmission.", "10,000 injected, 10,000 replayed. Longest "
     "replay 1.6 us.", "PASS"),
    ("TC-03 Spraying balance", "256-rank all-to-all, 1 MiB messages, 10 min; every uplink sampled each second.",
     "Most to least loaded uplink of a leaf at most 1.15.", "Worst leaf L03: ratio 1.07. Mean 1.04.", "PASS"),
    ("TC-04 Incast", "31 senders to 1 receiver, 256 KiB writes, trimming on, 3 runs of 10 min.",
     "Goodput at least 90 % of line rate; no stall.", "Firmware 2.15.2: goodput 94.6 %, 4.2 % of packets trimmed.",
     "PASS"),
]


def test_case_table_pdf(path: Path) -> Path:
    """An acceptance report's table of test cases in narrow columns: every row wraps onto five or six lines
    (the first column once), rows 6 points apart — four in five line gaps are within a row."""
    page = Page()
    page.lines(72, 780, ["Table 4 lists the test cases of the campaign and their results."])
    xs, widths = (72, 160, 270, 360, 450), (80, 100, 80, 80, 40)
    y = set_rows(page, 750.0, [("TC", "Setup", "Expected", "Measured", "Result"), *TEST_CASE_ROWS], xs, widths,
                 gap=6, bold_first=True)
    page.lines(72, y - 20, ["All test cases passed."])
    return write_pages(path, [page], title="Acceptance tests")


# --- 5./6. Chromium print-to-PDF ------------------------------------------------------------------------------

def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def chromium_pdfs(jobs: Sequence[tuple[Path, str, str, str]]) -> None:
    """Print each (path, html, header template, footer template) with one headless Debian chromium, driven by
    Playwright (never a browser Playwright downloads itself)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            for path, html, header, footer in jobs:
                page = browser.new_page()
                page.set_content(html, wait_until="load")
                page.pdf(path=str(path), format="A4", display_header_footer=bool(header or footer),
                         header_template=header or "<span></span>", footer_template=footer or "<span></span>",
                         margin={"top": "60px", "bottom": "60px", "left": "50px", "right": "50px"})
                page.close()
        finally:
            browser.close()


REPORT_HEADER = ('<div style="font-size:9px;width:100%;padding:0 50px;">'
                 '<span>Operations handbook</span></div>')
REPORT_FOOTER = ('<div style="font-size:9px;width:100%;text-align:center;">'
                 'Page <span class="pageNumber"></span> of <span class="totalPages"></span></div>')

REPORT_FILLER = ("Each switch in the fabric keeps its own counters, and the operator collects them every few "
                 "seconds to see where queues build up before they overflow.")


def report_html() -> str:
    """Headings, paragraphs filling three pages, and a Markdown-like table (header row + 3 rows)."""
    filler = "".join(f"<p>{REPORT_FILLER} This is note number {i}.</p>" for i in range(1, 31))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Operations handbook</title>
<style>body{{font-family:sans-serif;font-size:14px;line-height:1.4}}
table{{border-collapse:collapse}} th,td{{border:1px solid #999;padding:4px 14px;text-align:left}}</style>
</head><body>
<h1>Operations handbook</h1>
<h2>1 Monitoring</h2>
<p>The fabric is watched through telemetry that every switch exports. Queue depth is the first figure to check
when a job slows down.</p>
<h2>1.1 Counters to watch</h2>
<table><thead><tr><th>Counter</th><th>Unit</th><th>Alarm above</th></tr></thead>
<tbody><tr><td>queue depth</td><td>KiB</td><td>512</td></tr>
<tr><td>trimmed packets</td><td>per second</td><td>1000</td></tr>
<tr><td>retransmissions</td><td>per second</td><td>200</td></tr></tbody></table>
<h2>2 Notes from the field</h2>
{filler}
<h2>3 Closing remarks</h2>
<p>Keep the counters and the job log side by side; most slow jobs show up in both.</p>
</body></html>"""


COLUMN_PARAGRAPHS = [f"Paragraph {i} of the column test explains something about packet spraying and congestion so "
                     f"that it wraps over several lines in a narrow column; it ends here {i}." for i in range(1, 13)]


def columns_html() -> str:
    """CSS columns (justified, browser hyphenation on), a short title above and a heading + line below."""
    body = "".join(f"<p>{p}</p>" for p in COLUMN_PARAGRAPHS)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Column print</title>
<style>body{{font-family:sans-serif;font-size:13px}} .c{{column-count:2;column-gap:30px;text-align:justify;
hyphens:auto}}</style></head><body><h1>Two column print</h1><div class="c">{body}</div>
<h2>After the columns</h2><p>Full width again.</p></body></html>"""


CHINESE_PARAGRAPHS = [
    "超以太网传输协议在发送端运行拥塞控制算法，它根据显式拥塞通知和往返时间调整发送窗口。",
    "接收端可以选择启用基于信用的拥塞控制，按照自身链路速率向发送端授予信用，从而缓解多对一的突发流量。",
]


def chinese_html() -> str:
    body = "".join(f"<p>{p}</p>" for p in CHINESE_PARAGRAPHS)
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>拥塞控制笔记</title>
<style>body{{font-family:"Noto Sans CJK SC","Noto Serif CJK SC",sans-serif;font-size:15px}}</style></head>
<body><h1>拥塞控制笔记</h1><h2>2.1 发送端拥塞控制</h2>{body}</body></html>"""


def cjk_font_available() -> bool:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return False
    import subprocess

    out = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


# --- 7. broken files --------------------------------------------------------------------------------------------

def encrypted_pdf(path: Path, *, user_password: str = "secret") -> Path:
    """A one-page PDF encrypted with pypdf (RC4-128: no extra crypto package needed)."""
    from pypdf import PdfReader, PdfWriter

    plain = write_pages(path.with_suffix(".plain.pdf"), [_one_line_page("This text is locked away.")])
    writer = PdfWriter()
    for page in PdfReader(str(plain)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner-" + (user_password or "x"),
                   algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


def _one_line_page(text: str) -> Page:
    page = Page()
    page.text(72, 760, text)
    return page


def no_text_pdf(path: Path) -> Path:
    """Two pages with only drawn lines (like a scan without OCR): there is no text to extract."""
    pages = []
    for _ in range(2):
        page = Page()
        page.rule(72, 700, 500, 700)
        page.rule(72, 600, 500, 650)
        pages.append(page)
    return write_pages(path, pages, title="Drawing only")


# --- the benchmark document --------------------------------------------------------------------------------------

_WORDS = ("packet path sender receiver window credit switch queue fabric endpoint context sequence "
          "acknowledgement retransmission congestion notification entropy trimming transport delivery "
          "ordering semantic sublayer header payload encryption integrity telemetry counter buffer link "
          "retry lossless multipath spraying bandwidth latency throughput collective operation").split()


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def long_pdf(path: Path, *, pages: int = 320, seed: int = 1) -> Path:
    """A realistic long text PDF: running header and footer with page numbers, a numbered section every few
    pages, wrapped and hyphenated paragraphs, a table every 5th page, every 7th page placed word by word."""
    rng = random.Random(seed)
    out: list[Page] = []
    section = 0
    for number in range(1, pages + 1):
        page = Page()
        word_by_word = number % 7 == 0
        page.text(64, 806, "Ultra Ethernet Reference Notes", size=8.5)
        page.text(400, 806, f"Revision 1.{seed} - internal", size=8.5)
        page.text(64, 30, f"Page {number} of {pages}", size=8.5)
        y = 770.0
        if number % 3 == 1:
            section += 1
            page.words(64, y, f"{section} Section {section}: {rng.choice(_WORDS)} handling", size=13, bold=True)
            y -= 26
        sub = 0
        while y > 90:
            if number % 5 == 0 and sub == 1:
                for i in range(6):
                    cells = ("Name", "Value", "Meaning") if i == 0 else (
                        f"{rng.choice(_WORDS)}_{i}", str(rng.randint(1, 4096)), f"{rng.choice(_WORDS)} limit")
                    for x, cell in zip((64, 220, 330), cells, strict=True):
                        page.text(x, y, cell, size=9.5, bold=i == 0)
                    y -= 14
                y -= 10
            sub += 1
            if sub % 3 == 0 and y > 140:
                page.text(64, y, f"{section}.{sub} {rng.choice(_WORDS).capitalize()} rules", size=11.5, bold=True)
                y -= 20
            text = " ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))
            for line in wrap(text, 10.5, 467, hyphenate=True):
                if y < 70:
                    break
                (page.words if word_by_word else page.text)(64, y, line, size=10.5)
                y -= 14.7
            y -= 8
        out.append(page)
    return write_pages(path, out, title="Ultra Ethernet Reference Notes", compress=True)


def env_flag(name: str) -> bool:
    return os.environ.get(name) == "1"
