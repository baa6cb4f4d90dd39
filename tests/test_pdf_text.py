"""mygallery.engine.pdf_text on real PDF files written at test time (tests/pdf_samples.py) and on the bundled
primer: the extracted text itself — whole sentences, order, mended hyphens, tables, headings, pages — and the
refusals of files without usable text. Chromium print-to-PDF samples need Debian's chromium (skipped without
it unless MYGALLERY_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from mygallery.engine.documents import load_document
from mygallery.engine.pdf_text import PdfBlock, PdfText, read_pdf
from mygallery.errors import PdfTextError
from tests import pdf_samples as samples
from tests.conftest import BUNDLED_DOCS

PRIMER = BUNDLED_DOCS / "uec-primer-quick-reference.pdf"


def all_text(doc: PdfText) -> str:
    return "\n".join(b.text for b in doc.blocks)


def blocks_of(doc: PdfText, kind: str) -> list[PdfBlock]:
    return [b for b in doc.blocks if b.kind == kind]


# --- 1. word by word --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["reading", "reverse", "shuffle"])
def test_words_placed_one_by_one_come_back_as_lines_and_sentences(tmp_path: Path, order: str) -> None:
    doc = read_pdf(samples.word_by_word_pdf(tmp_path / "words.pdf", order=order))
    text = all_text(doc)
    assert samples.single_word_share(text) < 0.10
    for sentence in samples.WORD_BY_WORD_SENTENCES:
        assert text.count(sentence) == 2, sentence  # once per page
    assert "congestion" in text and "conges" not in text.replace("congestion", "")
    assert "end-to-end" in text and "RoCEv2-based" in text and "round-trip" in text
    assert [(b.text, b.page) for b in blocks_of(doc, "heading")] == [("3.2 Retry policy", 1),
                                                                     ("3.3 Path selection", 2)]
    paragraphs = blocks_of(doc, "para")
    assert len(paragraphs) == 6 and [b.page for b in paragraphs] == [1, 1, 1, 2, 2, 2]
    assert paragraphs[0].text.startswith("Reliable transports recover") and paragraphs[0].text.endswith(
        "resends them on another path.")
    assert doc.title == "3.2 Retry policy" and doc.pages == 2  # no /Title: the first heading


# --- 2. two columns ---------------------------------------------------------------------------------------------

def test_two_columns_are_read_column_by_column(tmp_path: Path) -> None:
    doc = read_pdf(samples.two_column_pdf(tmp_path / "columns.pdf"))
    paragraphs = [b.text for b in blocks_of(doc, "para")]
    assert paragraphs == samples.LEFT_COLUMN + samples.RIGHT_COLUMN
    assert doc.blocks[0] == PdfBlock("heading", "Layer notes in two columns", 1)
    assert doc.title == "Layer notes"



def test_a_centred_caption_is_one_paragraph(tmp_path: Path) -> None:
    """A caption centred under a figure: its short, centred last line ("text edition.") is not a paragraph of
    its own, as a first-line indent would be."""
    doc = read_pdf(samples.centred_caption_pdf(tmp_path / "caption.pdf"))
    assert samples.CENTRED_CAPTION in [b.text for b in doc.blocks]


def test_slide_bullets_contents_and_dot_leader_values(tmp_path: Path) -> None:
    """On a slide each line is a bullet of its own (they ran into one paragraph, and "128 EVs per PDC" was taken
    for a numbered heading); a table of contents is not read (its entries were headings and glued paragraphs);
    values set with dot leaders are read, under their lettered heading."""
    deck = [(b.kind, b.text) for b in read_pdf(samples.slides_pdf(tmp_path / "deck.pdf")).blocks]
    assert [("para", bullet) for bullet in samples.SLIDE_BULLETS] == [t for t in deck if t[1] in samples.SLIDE_BULLETS]
    assert ("heading", "Spraying") in deck and ("para", "Late April: KettleOS 11.4.3 on all pods") in deck
    texts = [(b.kind, b.text) for b in read_pdf(samples.contents_pdf(tmp_path / "spec.pdf")).blocks]
    assert not any("Profile selection" in text or "Normative references" in text for _, text in texts), texts
    assert ("heading", "A.1 Parameter summary") in texts
    assert all(any(name in text and value in text for _, text in texts) for name, value in samples.LEADER_SHEET)


def test_a_papers_first_page_is_read_across_then_column_by_column(tmp_path: Path) -> None:
    """Title, authors and abstract across both columns (more lines cross the gutter than on any other page),
    then the two columns: the abstract is one paragraph and the columns are not read line by line across."""
    doc = read_pdf(samples.paper_first_page_pdf(tmp_path / "paper.pdf"))
    paragraphs = [b.text for b in blocks_of(doc, "para")]
    assert samples.PAPER_ABSTRACT in paragraphs
    assert paragraphs[-4:] == samples.LEFT_COLUMN + samples.RIGHT_COLUMN
    assert ("heading", "1 Introduction") in [(b.kind, b.text) for b in doc.blocks]
    assert not blocks_of(doc, "table")



def test_a_sentence_cut_by_a_page_or_a_column_is_one_paragraph(tmp_path: Path) -> None:
    """A paragraph that stops mid-sentence at the foot of a page and goes on, lower-case, at the top of the
    next is one paragraph (cited at the page it starts on); a finished sentence and a capitalised start stay
    two paragraphs."""
    first, second = samples.Page(), samples.Page()
    first.lines(72, 700, ["A single optic with a rising error rate, a spine that carries extra"], size=10)
    second.lines(72, 760, ["storage traffic, or a link that has just recovered from a flap makes one path worse.",
                           "", "Every trimmed packet is recovered."], size=10, leading=1.6)
    doc = read_pdf(samples.write_pages(tmp_path / "cut.pdf", [first, second]))
    paragraphs = [(b.text, b.page) for b in blocks_of(doc, "para")]
    assert paragraphs[0] == ("A single optic with a rising error rate, a spine that carries extra storage traffic, or a "
                             "link that has just recovered from a flap makes one path worse.", 1)
    assert paragraphs[1] == ("Every trimmed packet is recovered.", 2)



def test_a_column_that_holds_a_table_is_still_a_column(tmp_path: Path) -> None:
    """Two columns of prose, the right one with a table of short cells: the columns are read one after the other
    and the table keeps its rows (it came out as one table of the whole page, prose lines in its cells)."""
    doc = read_pdf(samples.column_table_pdf(tmp_path / "column-table.pdf"))
    assert [b.text for b in blocks_of(doc, "para")] == samples.LEFT_COLUMN * 2 + samples.RIGHT_COLUMN
    [table] = blocks_of(doc, "table")
    assert table.header == "| Message size | ECMP | OBL | PL |"
    assert table.text.splitlines()[2] == "| 256 MiB | 38.1 | 42.6 | 46.3 |"



def test_footnote_markers_and_exponents_are_superscripts(tmp_path: Path) -> None:
    """Smaller characters raised right after a value or a word (a footnote marker, an exponent) are written as
    superscripts: "55⁵" and "Sequenceᵃ", not "555" or "Sequencea"; "10⁻⁵", not "10-5"."""
    page = samples.Page()
    y = 700.0
    for base, raised in (("Max: 55", "5"), ("Header Check Sequence", "a"), ("The pre-FEC BER stays below 10", "-5")):
        page.text(72, y, base, size=10)
        page.text(72 + samples.text_width(base, 10) + 0.5, y + 3.5, raised, size=7)
        y -= 20
    page.text(72, y, "5 Storage (non-operating): -40 C to 85 C.", size=8)
    doc = read_pdf(samples.write_pages(tmp_path / "marks.pdf", [page]))
    text = all_text(doc)
    for expected in ("Max: 55\u2075", "Header Check Sequence\u1d43", "below 10\u207b\u2075", "5 Storage (non-operating)"):
        assert expected in text, text


# --- 3. running headers and footers -----------------------------------------------------------------------------

def test_running_headers_footers_and_page_numbers_are_dropped(tmp_path: Path) -> None:
    doc = read_pdf(samples.running_headers_pdf(tmp_path / "running.pdf"))
    text = all_text(doc)
    for gone in ("UEC Field Guide", "Chapter 2", "Page 1 of 4", "of 4", "\u2014"):
        assert gone not in text
    for number, sentence in enumerate(samples.RUNNING_BODY, start=1):
        [block] = [b for b in doc.blocks if sentence in b.text]
        assert block.page == number and block.kind == "para"
        assert block.text.endswith("long enough to wrap onto a second line of text here.")
    assert [(b.text, b.page) for b in blocks_of(doc, "heading")] == [(f"2.{n} Topic {n}", n) for n in range(1, 5)]
    assert doc.pages == 4 and doc.title == "UEC Field Guide"


# --- 4. a table ---------------------------------------------------------------------------------------------------

def test_aligned_columns_become_a_table_with_its_header(tmp_path: Path) -> None:
    doc = read_pdf(samples.table_pdf(tmp_path / "table.pdf"))
    assert [b.kind for b in doc.blocks] == ["heading", "para", "table", "para"]
    table = doc.blocks[2]
    assert table.header == "| Mode | Ordering | State at receiver |"
    assert table.text.splitlines() == ["| RUD | none | per packet bitmap |",
                                       "| ROD | in sequence | expected sequence number |",
                                       "| RUDI | none | almost none |", "| UUD | none | none |"]
    assert doc.blocks[3].text == "Every mode but UUD retransmits what was lost."



def test_right_aligned_value_columns_stay_in_their_rows(tmp_path: Path) -> None:
    """Right-aligned value columns end at one edge like prose does: the page must not be read as two columns
    (left half first, then a list of bare numbers), or every parameter loses its value."""
    doc = read_pdf(samples.parameter_table_pdf(tmp_path / "parameters.pdf"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert tables and tables[0].header == "| Key | Meaning | Default | Pilot value |"
    rows = "\n".join(b.text for b in tables).splitlines()
    for key, meaning, default, value in samples.PARAMETERS:
        assert f"| {key} | {meaning} | {default} | {value} |" in rows


@pytest.mark.parametrize("padding", [14, 4])
def test_a_table_over_a_page_break_keeps_its_header_and_its_wrapped_rows(tmp_path: Path, padding: float) -> None:
    """The caption is text, not the table's first row; the header row alone at the foot of page 1 heads the
    rows of page 2; a row whose cells wrap onto a second line stays one row, with generous padding between
    rows and with little."""
    doc = read_pdf(samples.split_table_pdf(tmp_path / "split.pdf", padding=padding))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1
    assert tables[0].header == "| Parameter | Default | Pilot | Notes |"
    assert tables[0].page == 2
    assert tables[0].text.splitlines() == [f"| {' | '.join(row)} |" for row in samples.LINK_ROWS]
    assert any(b.kind != "table" and "Table 2 Link layer parameters" in b.text for b in doc.blocks)


def test_cells_centred_in_their_rows_stay_in_their_rows(tmp_path: Path) -> None:
    """A one-line value centred beside a wrapped note lies between the note's lines, and the header's two-line
    cell reaches above the others: rows are found by the padding between them, not line by line."""
    doc = read_pdf(samples.centred_table_pdf(tmp_path / "centred.pdf"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].header == "| Parameter | Default | Pilot value | Notes |"
    assert tables[0].text.splitlines() == [f"| {' | '.join(row)} |" for row in samples.LINK_ROWS]


def test_rows_that_all_wrap_onto_several_lines_stay_rows(tmp_path: Path) -> None:
    """Test cases in narrow columns, every row five or six lines deep and the rows little apart: the gaps
    between rows are a fifth of all, yet each row is one row — its result beside its measured value, not
    "Worst pre-FEC BER" on one row and "3.1E-7" on the next."""
    doc = read_pdf(samples.test_case_table_pdf(tmp_path / "cases.pdf"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 1 and tables[0].header == "| TC | Setup | Expected | Measured | Result |"
    assert tables[0].text.splitlines() == [f"| {' | '.join(row)} |" for row in samples.TEST_CASE_ROWS]

# --- 5./6. Chromium print-to-PDF ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium_samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not samples.chromium_available():
        if samples.env_flag("MYGALLERY_REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (MYGALLERY_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it as root)")
    folder = tmp_path_factory.mktemp("chromium-pdfs")
    paths = {"report": folder / "report.pdf", "chinese": folder / "chinese.pdf", "columns": folder / "columns.pdf"}
    samples.chromium_pdfs([(paths["report"], samples.report_html(), samples.REPORT_HEADER, samples.REPORT_FOOTER),
                           (paths["chinese"], samples.chinese_html(), "", ""),
                           (paths["columns"], samples.columns_html(), "", "")])
    return paths


def raw_page_of(path: Path, needle: str) -> int:
    """The 1-based page whose raw pdfium text contains `needle` (the reference for citations)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            if needle in pdf[index].get_textpage().get_text_range().replace("\r\n", " "):
                return index + 1
    finally:
        pdf.close()
    raise AssertionError(f"{needle!r} is on no page")


def test_chromium_print_keeps_headings_table_and_pages_without_its_header_footer(
        chromium_samples: dict[str, Path]) -> None:
    path = chromium_samples["report"]
    doc = read_pdf(path)
    text = all_text(doc)
    assert doc.pages >= 3 and doc.title == "Operations handbook"
    assert "Page 1 of" not in text and "Page 2 of" not in text
    assert text.count("Operations handbook") == 1  # the h1 of page 1 stays, the running header goes
    assert [b.text for b in blocks_of(doc, "heading")] == ["Operations handbook", "1 Monitoring",
                                                           "1.1 Counters to watch", "2 Notes from the field",
                                                           "3 Closing remarks"]
    [table] = blocks_of(doc, "table")
    assert table.header == "| Counter | Unit | Alarm above |"
    assert table.text.splitlines() == ["| queue depth | KiB | 512 |", "| trimmed packets | per second | 1000 |",
                                       "| retransmissions | per second | 200 |"]
    notes = [b for b in doc.blocks if "This is note number" in b.text]
    assert len(notes) == 30
    for n, block in enumerate(notes, start=1):
        assert block.text == f"{samples.REPORT_FILLER} This is note number {n}.", block.text
        assert block.page == raw_page_of(path, f"note number {n}."), n
    assert len({b.page for b in notes}) >= 2
    closing = blocks_of(doc, "heading")[-1]
    assert closing.page == raw_page_of(path, "3 Closing remarks") == doc.blocks[-1].page == doc.pages


def test_chromium_css_columns_are_read_column_by_column_between_full_width_lines(
        chromium_samples: dict[str, Path]) -> None:
    doc = read_pdf(chromium_samples["columns"])
    assert [(b.kind, b.text) for b in doc.blocks] == (
        [("heading", "Two column print")] + [("para", p) for p in samples.COLUMN_PARAGRAPHS]
        + [("heading", "After the columns"), ("para", "Full width again.")])


def test_chinese_text_gets_no_spaces_between_characters(chromium_samples: dict[str, Path]) -> None:
    if not samples.cjk_font_available():
        if samples.env_flag("MYGALLERY_REQUIRE_BROWSER"):
            pytest.fail("a Chinese font is required here (fonts-noto-cjk; scripts/test.sh installs it)")
        pytest.skip("no Chinese font for chromium (apt-get install fonts-noto-cjk)")
    doc = read_pdf(chromium_samples["chinese"])
    assert [b.text for b in blocks_of(doc, "para")] == samples.CHINESE_PARAGRAPHS
    assert [b.text for b in blocks_of(doc, "heading")] == ["拥塞控制笔记", "2.1 发送端拥塞控制"]
    assert doc.title == "拥塞控制笔记"
    assert not re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] [\u4e00-\u9fff]", all_text(doc))


# --- 7. files without usable text ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "make", "reason"), [
    ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage" + bytes(300)),
     "corrupt"),
    ("truncated.pdf", lambda p: p.write_bytes(samples.write_pages(
        p.with_suffix(".full"), [samples.Page()]).read_bytes()[:120]), "corrupt"),
    ("photo.pdf", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20), "not a PDF"),
    ("empty.pdf", lambda p: p.write_bytes(b""), "empty"),
    ("locked.pdf", lambda p: samples.encrypted_pdf(p), "encrypted"),
    ("drawing.pdf", lambda p: samples.no_text_pdf(p), "no text"),
])
def test_unusable_files_raise_pdf_text_error_naming_the_reason(tmp_path: Path, name, make, reason: str) -> None:
    path = tmp_path / name
    make(path)
    started = time.monotonic()
    with pytest.raises(PdfTextError, match=re.compile(reason, re.IGNORECASE)):
        read_pdf(path)
    assert time.monotonic() - started < 5


def test_a_missing_file_is_a_pdf_text_error(tmp_path: Path) -> None:
    with pytest.raises(PdfTextError, match="cannot read"):
        read_pdf(tmp_path / "nowhere.pdf")


def test_an_owner_password_alone_does_not_lock_the_text(tmp_path: Path) -> None:
    doc = read_pdf(samples.encrypted_pdf(tmp_path / "owner-only.pdf", user_password=""))
    assert all_text(doc) == "This text is locked away."


# --- 8. the bundled primer, against today's pypdf loader ----------------------------------------------------------

def test_bundled_primer_has_the_headings_and_pages_of_the_pypdf_loader() -> None:
    from pypdf import PdfReader

    ours = read_pdf(PRIMER)
    theirs = load_document(PRIMER, BUNDLED_DOCS)
    assert ours.title == theirs.title == "UEC 1.0 Primer: Quick Reference"
    assert ours.pages == 4
    # the loader's headings: pypdf's lines that pass its heading rule (make_pdf.is_heading states it), by page
    loader_headings = [(line.strip(), number)
                       for number, page in enumerate(PdfReader(str(PRIMER)).pages, start=1)
                       for line in page.extract_text().splitlines() if samples.make_pdf.is_heading(line.strip())]
    our_headings = [(b.text, b.page) for b in blocks_of(ours, "heading") if b.text != ours.title]
    assert our_headings == loader_headings
    assert len(our_headings) == 17
    # every sentence of every paragraph the loader found is in one of our blocks of the same page (we keep
    # bullet items apart where the loader ran them together)
    for block in theirs.blocks:
        for sentence in re.split(r"(?<=[.:;])\s+(?:- )?", block.text.removeprefix("- ")):
            pages = {b.page for b in ours.blocks if sentence in b.text}
            assert pages == {block.page}, sentence
    for sentence, page in [("This quick reference condenses the Ultra Ethernet Consortium", 1),
                           ("Every packet carries an entropy value (EV)", 2),
                           ("Link Level Retry (LLR) repairs frames", 3),
                           ("Three profiles bundle required features.", 4)]:
        [block] = [b for b in ours.blocks if sentence in b.text]
        assert block.page == page


# --- parallel parsing ---------------------------------------------------------------------------------------------

def test_a_process_pool_gives_the_same_text_as_one_process(tmp_path: Path) -> None:
    path = samples.long_pdf(tmp_path / "long.pdf", pages=40)
    alone = read_pdf(path, workers=1)
    pooled = read_pdf(path, workers=2)
    assert pooled == alone
    assert alone.pages == 40 and alone.title == "Ultra Ethernet Reference Notes"
    text = all_text(alone)
    assert "Ultra Ethernet Reference Notes" not in text and "Revision 1.1" not in text and " of 40" not in text
    assert {b.page for b in alone.blocks} == set(range(1, 41))
    assert samples.single_word_share(text) < 0.02
    tables = blocks_of(alone, "table")
    assert len(tables) == 8 and all(t.header == "| Name | Value | Meaning |" for t in tables)
    assert all(len(t.text.splitlines()) == 5 for t in tables)
    assert re.search(r"\b1 Section 1: \w+ handling\b", "\n".join(b.text for b in blocks_of(alone, "heading")))


@pytest.mark.parametrize("start", ["forkserver", "spawn"])
def test_workers_from_the_forkserver_or_spawn_find_their_task_and_send_pages_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, start: str) -> None:
    """A caller with several threads (the web server) gets its workers from the forkserver, which preloads
    pdf_text and with it pdf_lines and pdf_blocks; spawn where there is none. The workers import the task by
    name and pickle their pages back; if that broke, the pool would fall back to this process with a warning
    and the text would still be right, so the warning is what shows it."""
    import multiprocessing
    import threading

    from mygallery.engine import pdf_text

    if start not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {start} start method here")
    if start == "spawn":
        monkeypatch.setattr(pdf_text, "_pool_context", lambda: multiprocessing.get_context("spawn"))
    path = samples.long_pdf(tmp_path / "long.pdf", pages=6)
    expected = read_pdf(path, workers=1)
    release = threading.Event()
    caller_thread = threading.Thread(target=release.wait, name="second-caller-thread")
    caller_thread.start()  # with a second thread alive, the pool must not fork
    try:
        assert pdf_text._pool_context().get_start_method() == start
        with caplog.at_level("WARNING"):
            assert read_pdf(path, workers=2) == expected
    finally:
        release.set()
        caller_thread.join()
    assert "in this process" not in caplog.text


def test_a_wrapped_line_starting_with_a_number_is_not_a_heading(tmp_path: Path) -> None:
    page = samples.Page()
    page.text(72, 780, "5 Port speeds", size=12.5, bold=True)
    lines = ["Each port of the new switch generation runs at the full line rate of",
             "400 Gb/s and the uplinks follow the same rule so that nothing is lost in",
             "the middle of the fabric when every port sends at once."]
    page.lines(72, 756, lines)
    page.text(72, 700, "6 Cabling", size=12.5)  # not bold, but alone between paragraphs: still a heading
    page.lines(72, 680, ["Copper reaches three metres."])
    doc = read_pdf(samples.write_pages(tmp_path / "numbers.pdf", [page]))
    assert [(b.kind, b.text) for b in doc.blocks] == [("heading", "5 Port speeds"), ("para", " ".join(lines)),
                                                      ("heading", "6 Cabling"),
                                                      ("para", "Copper reaches three metres.")]


def test_threads_may_call_it_at_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = samples.word_by_word_pdf(tmp_path / "words.pdf")
    expected = read_pdf(path)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: read_pdf(path), range(12)))
    assert all(result == expected for result in results)


def test_a_pool_that_breaks_falls_back_to_this_process_and_a_stuck_one_is_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import multiprocessing
    import os

    from mygallery.engine import pdf_text

    path = samples.long_pdf(tmp_path / "long.pdf", pages=6)
    expected = read_pdf(path, workers=1)
    parent = os.getpid()
    real_extract = pdf_text._extract

    def dies_in_workers(pdf, start, stop):
        if os.getpid() != parent:
            os._exit(3)  # a worker killed mid-task, as by a crash inside pdfium
        return real_extract(pdf, start, stop)

    monkeypatch.setattr(pdf_text, "_pool_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(pdf_text, "_extract", dies_in_workers)
    with caplog.at_level("WARNING"):
        assert read_pdf(path, workers=2) == expected
    assert "parsing long.pdf in this process" in caplog.text

    def hangs_in_workers(pdf, start, stop):
        if os.getpid() != parent:
            time.sleep(60)
        return real_extract(pdf, start, stop)

    monkeypatch.setattr(pdf_text, "_extract", hangs_in_workers)
    monkeypatch.setattr(pdf_text, "_TIMEOUT_BASE_S", 0.5)
    monkeypatch.setattr(pdf_text, "_TIMEOUT_PER_PAGE_S", 0.0)
    started = time.monotonic()
    with pytest.raises(PdfTextError, match="longer than"):
        read_pdf(path, workers=2)
    assert time.monotonic() - started < 10
