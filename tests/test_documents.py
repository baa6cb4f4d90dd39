"""Loaders on real files: Markdown, text, HTML, PDF; Chinese encodings; bad files skipped with a warning."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from mygallery.engine.documents import decode_text, load_document, load_documents
from mygallery.errors import DocumentError

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_pdf", ROOT / "scripts" / "make_pdf.py")
make_pdf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_pdf)


def test_markdown_keeps_title_sections_and_tables(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text(
        "# Link layer notes\n\nIntro paragraph about the link.\n\n## LLR\n\n### Timers\n\n"
        "The replay timer fires after a gap.\n\n| Term | Meaning |\n|---|---|\n| LLR | Link Level Retry |\n"
        "| CBFC | Credit Based Flow Control |\n\n## CBFC\n\n- credits per VC\n- returned by the receiver\n\n"
        "```\ncode stays code\n```\n", encoding="utf-8")
    doc = load_document(tmp_path / "notes.md", tmp_path)
    assert doc.title == "Link layer notes" and doc.path == "notes.md"
    by_kind = {b.kind: b for b in doc.blocks}
    assert by_kind["table"].header == "| Term | Meaning |"
    assert by_kind["table"].text.splitlines() == ["| LLR | Link Level Retry |", "| CBFC | Credit Based Flow Control |"]
    assert by_kind["table"].section == ("LLR", "Timers")
    assert by_kind["list"].section == ("CBFC",) and "credits per VC" in by_kind["list"].text
    assert by_kind["code"].text == "code stays code"
    assert doc.blocks[0].section == () and doc.blocks[0].text == "Intro paragraph about the link."


def test_markdown_underlined_headings_rules_and_opening_titles(tmp_path: Path) -> None:
    """Headings underlined with === or --- are headings (they were a paragraph "Impact ----"); a thematic break
    between slides is no text (it was a paragraph "---"); a file without a level-1 heading takes its title from
    how it opens — a Pandoc title block, bold lines, a short first line — not from its file name alone."""
    (tmp_path / "postmortem.md").write_text(
        "Outage review\n=============\n\nImpact\n------\n\nThree jobs slowed down by 41 %.\n\n---\n\n"
        "Timeline\n--------\n\n- 02:10 upgrade starts\n- 05:55 hash template restored\n", encoding="utf-8")
    doc = load_document(tmp_path / "postmortem.md", tmp_path)
    assert doc.title == "Outage review"
    assert [(b.section, b.text) for b in doc.blocks] == [
        (("Impact",), "Three jobs slowed down by 41 %."),
        (("Timeline",), "- 02:10 upgrade starts\n- 05:55 hash template restored")]
    openings = {"slides.md": ("% Kestrel fabric — Design Review #3\n% R. Okonkwo\n\n---\n\n## Slide 1\n\n- spraying\n",
                              "Kestrel fabric — Design Review #3"),
                "handout.md": ("**ACME TRAINING**\n**Module 2: check yourself**\n\nAnswer every question.\n",
                               "ACME TRAINING Module 2: check yourself"),
                "minutes.md": ("青岚网络组 周会纪要（第 9 次）\n\n时间：2025 年 10 月 9 日\n记录：孙磊\n", "青岚网络组 周会纪要（第 9 次）"),
                "notes.md": ("The pilot ran for six weeks.\n\nIt ended in October.\n", "Notes")}
    for name, (text, title) in openings.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        doc = load_document(tmp_path / name, tmp_path)
        assert doc.title == title, name
        assert not any(b.text in ("---", title) for b in doc.blocks), doc.blocks  # the title line is not repeated


def test_markdown_raw_html_tables_callouts_and_footnotes(tmp_path: Path) -> None:
    """A wiki note exported as Markdown: a raw HTML table is a table (it was a paragraph of tags), a callout is
    read without its quote marks and says its kind, bold marks and footnote references are no text, and a
    footnote's definition is a paragraph of its own."""
    note = ("# EV 数量调整\n\n5 月在 SM3 上做了对比：\n\n<table>\n  <tr><th>EV 数</th><th>乱序比例</th></tr>\n"
            "  <tr><td>128</td><td>27%</td></tr>\n  <tr><td>96</td><td>19%</td></tr>\n</table>\n\n"
            "结论：**从 2026-05-15 起改为 96**[^1]。\n\n> [!WARNING]\n> 3.8.14 固件上不要超过 96。\n\n"
            "> 引用的一段话\n> 第二行\n\n[^1]: 96 = 16 × 6。\n[^2]: 第二条脚注。\n")
    (tmp_path / "note.md").write_text(note, encoding="utf-8")
    doc = load_document(tmp_path / "note.md", tmp_path)
    [table] = [b for b in doc.blocks if b.kind == "table"]
    assert (table.header, table.text) == ("| EV 数 | 乱序比例 |", "| 128 | 27% |\n| 96 | 19% |")
    assert [b.text for b in doc.blocks if b.kind == "para"] == [
        "5 月在 SM3 上做了对比：", "结论：从 2026-05-15 起改为 96。", "Warning: 3.8.14 固件上不要超过 96。",
        "引用的一段话 第二行", "96 = 16 × 6。", "第二条脚注。"]


def test_text_file_in_gb18030_chinese(tmp_path: Path) -> None:
    text = "UET 学习笔记\n\n包裁剪（packet trimming）在拥塞时只转发报头。\n\n第二段。"
    (tmp_path / "notes.txt").write_bytes(text.encode("gb18030"))
    doc = load_document(tmp_path / "notes.txt", tmp_path)
    assert doc.title == "UET 学习笔记"
    assert doc.blocks[0].text.startswith("包裁剪（packet trimming）")


def test_text_records_with_bar_separated_fields_stay_one_per_line(tmp_path: Path) -> None:
    """A change log exported as "CR | date | type | status | summary" lines without outer bars: each line is a
    record of its own, not a paragraph of wrapped prose to be joined and cut at its semicolons."""
    log = ["CHANGE LOG (fabric)", "cols: CR | opened | status | summary", "-" * 40,
           "CR-1203 | 2025-09-11 | CLOSED | NIC fw 3.3.8 -> 3.4.0 on R09-R11; caused INC-4471",
           "CR-1209 | 2025-09-16 | IMPLEMENTED | INC-4471: set pds.entropy.count 96 on 192 NICs",
           "CR-1212 | 2025-09-18 | IMPLEMENTED | freeze NIC fw rollouts until vendor fix"]
    (tmp_path / "changes.txt").write_text("\n".join(log) + "\n", encoding="utf-8")
    doc = load_document(tmp_path / "changes.txt", tmp_path)
    lines = [line for block in doc.blocks for line in block.text.splitlines()]
    for record in log[3:]:
        assert record in lines


DRAFT_PAGE_1 = """Fabric Team                                              D. Whitlock
Internet-Draft                                     Thornbury Institute
                                                         16 March 2026

               Profile Distribution Protocol, Version 2,
                          for Fabric Endpoints

Abstract

   The protocol hands parameter sets to the agents in NICs and switches
   and makes all agents switch at one common epoch.

1.  Introduction

   Set node by node, fabric tunables drift apart.  The protocol carries
   them as one numbered set; it does not define them.

Whitlock                  Expires 17 September 2026             [Page 1]
"""
DRAFT_PAGE_2 = """Internet-Draft          Profile Distribution, Version 2         March 2026

2.  Procedures

2.1.  Staged Push

   An agent MUST have at least two staging slots; with all slots taken
   it MUST refuse a push with reason 7.

   +------+-----------+-----------+
   | Code | Name      | Direction |
   +------+-----------+-----------+
   | 0x01 | HELLO     | both      |
   | 0x02 | PUSH      | PC -> PA  |
   +------+-----------+-----------+

Whitlock                  Expires 17 September 2026             [Page 2]
"""
DRAFT_PAGE_3 = """Internet-Draft          Profile Distribution, Version 2         March 2026

3.  Security Considerations

   A bad profile can take a fabric down, so an agent MUST accept a push
   only on a mutually authenticated session.

Whitlock                  Expires 17 September 2026             [Page 3]
"""


def test_a_text_file_laid_out_as_pages_is_read_as_one(tmp_path: Path) -> None:
    """An Internet-Draft in plain text: pages at form feeds (blocks keep theirs), the running header and
    footer gone, the headings at the margin as sections, the indented prose as paragraphs (wrapped lines
    joined), a table drawn with borders as a table, the centred title as the title."""
    (tmp_path / "draft.txt").write_text("\f\n".join([DRAFT_PAGE_1, DRAFT_PAGE_2, DRAFT_PAGE_3]), encoding="utf-8")
    doc = load_document(tmp_path / "draft.txt", tmp_path)
    assert doc.title == "Profile Distribution Protocol, Version 2, for Fabric Endpoints"
    texts = [b.text for b in doc.blocks]
    assert not any("[Page" in t or "Expires 17" in t or "Internet-Draft   " in t for t in texts[1:]), texts
    slots = next(b for b in doc.blocks if "staging slots" in b.text)
    assert (slots.kind, slots.section, slots.page) == ("para", ("2.1. Staged Push",), 2)
    assert slots.text == ("An agent MUST have at least two staging slots; with all slots taken it MUST refuse a push "
                          "with reason 7.")
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.header == "| Code | Name | Direction |" and table.text.splitlines()[0] == "| 0x01 | HELLO | both |"
    assert next(b for b in doc.blocks if "drift apart" in b.text).section == ("1. Introduction",)
    assert next(b for b in doc.blocks if "common epoch" in b.text).page == 1
    assert next(b for b in doc.blocks if "authenticated" in b.text).page == 3


def test_an_indented_log_is_not_taken_for_a_laid_out_page(tmp_path: Path) -> None:
    """Entries whose header line is columns ("QL-B-011  2025-09-04  ZM") and whose body is indented are read
    as before: no margin headings, each entry one item with its indented lines."""
    log = "".join(f"QL-B-0{n}  2025-09-0{n}  ZM\n  Run {n}: all-reduce, 512 ranks.\n  busbw at 1 GiB: 4{n}.8 GB/s.\n\n"
                  for n in range(1, 6))
    (tmp_path / "log.txt").write_text("BENCH LOG\n\n" + log, encoding="utf-8")
    doc = load_document(tmp_path / "log.txt", tmp_path)
    assert all(b.section == () and b.kind == "list" for b in doc.blocks), doc.blocks
    assert doc.blocks[0].text == "QL-B-01  2025-09-01  ZM Run 1: all-reduce, 512 ranks. busbw at 1 GiB: 41.8 GB/s."


def test_rules_banners_and_dot_leaders_in_a_text_file(tmp_path: Path) -> None:
    """Release notes in plain text: the banner between the two rules at the top is the title (not "=====");
    a rule is no text and ends a paragraph; "Host driver ....... tlnic 2.8.0" starts an entry of its own, read
    "Host driver: tlnic 2.8.0", its wrapped lines joined to it (they had all run into one entry). A
    configuration file's commented banner gives its title without the comment marks."""
    notes = ("=" * 60 + "\n ACME NETWORKS\n AX-400 ADAPTER FIRMWARE RELEASE NOTES -- 3.2.0\n" + "=" * 60 + "\n\n"
             "1. SUMMARY\n" + "-" * 60 + "\nFirmware 3.2.0 is a feature release.\n\n" + "-" * 60 + "\n"
             "2. PREREQUISITES\n" + "-" * 60 + "\n"
             "  Host driver ........... axnic 2.8.0 or later (REQUIRED).\n"
             "                          Drivers 2.7.x refuse to load a 3.2.0 image.\n"
             "  libfabric ............. 1.22 or later\n")
    (tmp_path / "release-notes.txt").write_text(notes, encoding="utf-8")
    doc = load_document(tmp_path / "release-notes.txt", tmp_path)
    assert doc.title == "ACME NETWORKS AX-400 ADAPTER FIRMWARE RELEASE NOTES -- 3.2.0"
    assert not any(set(b.text) <= set("=- ") for b in doc.blocks), doc.blocks
    summary = next(b for b in doc.blocks if "feature release" in b.text)
    assert (summary.section, summary.text) == (("1. SUMMARY",), "Firmware 3.2.0 is a feature release.")
    entries = [line.strip() for b in doc.blocks if b.section == ("2. PREREQUISITES",) for line in b.text.splitlines()]
    assert entries == ["Host driver: axnic 2.8.0 or later (REQUIRED). Drivers 2.7.x refuse to load a 3.2.0 image.",
                       "libfabric: 1.22 or later"]
    conf = "# " + "=" * 50 + "\n# Fabric inventory\n# generated by inv 0.9\n# " + "=" * 50 + "\n\n[leaf]\nasn = 65101\n"
    (tmp_path / "inventory.txt").write_text(conf, encoding="utf-8")
    assert load_document(tmp_path / "inventory.txt", tmp_path).title == "Fabric inventory generated by inv 0.9"


def test_fixed_width_columns_and_stamped_lines_in_a_text_file(tmp_path: Path) -> None:
    """A sheet set in fixed-width columns under a rule of dashes is a table — Chinese characters take two
    columns on such a sheet, and a row whose first column is blank goes on in the row above — and its last row
    over the closing rule is a row, not a heading; a chat log's time-stamped lines are records, one per line
    (the log was one paragraph)."""
    sheet = ("GLOSSARY\n\n" + "=" * 60 + "\n"
             "TERM        中文            VALUE         NOTES\n"
             "----------  --------------  ------------  ----------------\n"
             "CBFC        基于信用的流控  1.25 MiB      per VC\n"
             "                            per VC        PFC is off\n"
             "UUD         不可靠无序传递  telemetry     to sgmon\n" + "=" * 60 + "\n")
    (tmp_path / "sheet.txt").write_text(sheet, encoding="utf-8")
    doc = load_document(tmp_path / "sheet.txt", tmp_path)
    [table] = [b for b in doc.blocks if b.kind == "table"]
    assert table.header == "| TERM | 中文 | VALUE | NOTES |" and table.section == ()
    assert table.text.splitlines() == ["| CBFC | 基于信用的流控 | 1.25 MiB per VC | per VC PFC is off |",
                                       "| UUD | 不可靠无序传递 | telemetry | to sgmon |"]
    log = ("--- Log opened Tue May 12 09:00:41 2026\n[2026-05-12 09:14] <dferreira> 211 replay timeouts in the last 6h\n"
           "[2026-05-12 09:24] <tcoyle> 2.2us was the 11.4.1 default; 11.4.3 ships 3.35us\n"
           "[2026-05-12 09:25] <dferreira> so the 2.2 in the spec is stale\n")
    (tmp_path / "irc.txt").write_text(log, encoding="utf-8")
    lines = [line for b in load_document(tmp_path / "irc.txt", tmp_path).blocks for line in b.text.splitlines()]
    assert "[2026-05-12 09:24] <tcoyle> 2.2us was the 11.4.1 default; 11.4.3 ships 3.35us" in lines


def test_ligatures_and_invisible_characters_inside_words_are_plain_words(tmp_path: Path) -> None:
    """Notes pasted from a typeset PDF carry "ﬁ" ligatures, soft hyphens and zero-width spaces inside words: the
    words come out whole, in the text, the headings and the title, so that "configuration" finds them."""
    (tmp_path / "notes.md").write_text(
        "# Con\ufb01guration notes\n\n## Flow control\u200b \ufb02ags\n\nThe con\ufb01guration of the \ufb02ow "
        "control is e\ufb03cient.\n\n| Key | Meaning |\n|---|---|\n| \ufeffretry | o\ufb00set of the de\ufb01nition |\n",
        encoding="utf-8")
    (tmp_path / "page.html").write_text(
        "<html><body><h1>Re&shy;trans&shy;mission</h1><p>Con&shy;fig&shy;uration of the re\u200btry timer.</p>"
        "</body></html>", encoding="utf-8")
    notes = load_document(tmp_path / "notes.md", tmp_path)
    assert notes.title == "Configuration notes"
    texts = [b.text for b in notes.blocks]
    assert "The configuration of the flow control is efficient." in texts
    assert any("| retry | offset of the definition |" in t for t in texts)
    assert all(b.section[-1] == "Flow control flags" for b in notes.blocks)
    page = load_document(tmp_path / "page.html", tmp_path)
    assert page.title == "Retransmission" and page.blocks[0].text == "Configuration of the retry timer."


def test_html_footnote_references_are_not_read_into_the_text(tmp_path: Path) -> None:
    """"NIC firmware 2.16.<sup><a href="#fn2">2</a></sup>" reads "NIC firmware 2.16.", not "2.16.2" (a release that
    does not exist); a Pandoc noteref goes too; an in-page link's words and an exponent stay."""
    (tmp_path / "matrix.html").write_text(
        '<html><body><h1>Matrix</h1><p>NIC-to-leaf LLR needs NIC firmware 2.16.<sup><a href="#fn2">2</a></sup> '
        'See <a href="#sec3">Section 3</a>; BER 10<sup>-5</sup>.<a href="#fn1" class="footnote-ref" '
        'role="doc-noteref"><sup>1</sup></a></p><ol><li id="fn2">Firmware 2.16 is due in Q3.</li></ol>'
        '</body></html>', encoding="utf-8")
    texts = [b.text for b in load_document(tmp_path / "matrix.html", tmp_path).blocks]
    assert texts[0] == "NIC-to-leaf LLR needs NIC firmware 2.16. See Section 3; BER 10-5."
    assert texts[1] == "1. Firmware 2.16 is due in Q3."


def test_utf16_with_bom_decodes() -> None:
    assert decode_text("拥塞控制 NSCC".encode("utf-16")) == "拥塞控制 NSCC"


def test_html_ignores_scripts_and_navigation_and_keeps_table_headers(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        "<html><head><title>Checklist</title><script>alert('x')</script><style>p{}</style></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/docs'>Switch docs</a></li></ul></nav>"
        "<header><p>Owner: fabric team</p></header>"
        "<h1>Checklist</h1><h2>Switches</h2><p>Enable   trimming\n on every port.</p>"
        "<table><tr><th>Item</th><th>Value</th></tr><tr><td>MTU</td><td>4096</td></tr></table>"
        "<ul><li>first item</li><li>second item</li></ul><ol><li>unplug</li><li>replug</li></ol></body></html>",
        encoding="utf-8")
    doc = load_document(tmp_path / "page.html", tmp_path)
    assert doc.title == "Checklist"
    texts = [b.text for b in doc.blocks]
    assert "Enable trimming on every port." in texts
    assert not any("alert" in t or "Home" in t or "Switch docs" in t for t in texts)  # no scripts, no menus
    assert "Owner: fabric team" in texts  # a page's own header is read
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.header == "| Item | Value |" and table.text == "| MTU | 4096 |" and table.section == ("Switches",)
    # items keep a marker, so that a step of a procedure is still a step when answers are composed
    assert [b.text for b in doc.blocks if b.kind == "list"] == ["- first item", "- second item", "1. unplug",
                                                                 "2. replug"]


def test_an_html_page_s_own_heading_badges_and_breadcrumbs(tmp_path: Path) -> None:
    """The page's first <h1> names it: no section over every block, and, worded otherwise than the <title>, its
    first line; badges side by side are words apart ("LLRCBFC" was one word); a word styled in part stays one;
    a wiki page's breadcrumbs and other navigation are not read."""
    (tmp_path / "ds.html").write_text(
        "<html><head><title>AX-400 NIC - Product Datasheet</title></head><body>"
        "<h1>AX-400 400GbE SuperNIC</h1><div><span class='badge'>UET AI Full</span><span class='badge'>LLR</span>"
        "<span class='badge'>CBFC</span></div><h2>Overview</h2><p>One port; <b>PDC</b>s are set up on demand.</p>"
        "<table><tr><th>Feature</th><th>Support</th></tr><tr><td><code>LLR</code><code>CBFC</code></td>"
        "<td>yes</td></tr></table></body></html>", encoding="utf-8")
    doc = load_document(tmp_path / "ds.html", tmp_path)
    assert doc.title == "AX-400 NIC - Product Datasheet"
    (tmp_path / "wiki.html").write_text(
        "<html><head><title>SM4 readiness</title></head><body><div id='breadcrumb-section'><ol id='breadcrumbs'>"
        "<li><a href='/'>Fabric Engineering</a></li><li><div>Pods</div></li></ol></div>"
        "<div role='navigation'><ul><li>Space tools</li></ul></div><p>SM4 goes live on 25 May.</p></body></html>",
        encoding="utf-8")
    assert [b.text for b in load_document(tmp_path / "wiki.html", tmp_path).blocks] == ["SM4 goes live on 25 May."]
    assert [(b.section, b.text) for b in doc.blocks[:4]] == [
        ((), "AX-400 400GbE SuperNIC"), ((), "UET AI Full LLR CBFC"),
        (("Overview",), "One port; PDCs are set up on demand.")] + [(("Overview",), "| LLR CBFC | yes |")]


def test_a_markdown_heading_keeps_the_underscores_of_its_names(tmp_path: Path) -> None:
    """Emphasis and code marks leave a heading, an underscore inside a name does not."""
    (tmp_path / "t.md").write_text("# Tickets\n\n## LKS-402 — Raise SPRAY_WIDTH to **64** for `train`\n\nBody.\n\n"
                                   "## _Draft_ notes\n\nMore.\n", encoding="utf-8")
    doc = load_document(tmp_path / "t.md", tmp_path)
    assert [b.section for b in doc.blocks] == [("LKS-402 — Raise SPRAY_WIDTH to 64 for train",), ("Draft notes",)]


def test_html_tables_with_spanned_cells_and_definition_lists(tmp_path: Path) -> None:
    """A cell spanning rows stands in each of them and one spanning columns in each column, as a browser lays
    them out; the <th> rows under the first one are part of the header, each column's headings joined; a <dt>
    and its <dd> are one definition."""
    (tmp_path / "kb.html").write_text(
        "<html><head><title>Matrix</title></head><body><h2>Support</h2><table>"
        "<tr><th rowspan='2'>Device</th><th rowspan='2'>Firmware</th><th colspan='2'>Protocol</th></tr>"
        "<tr><th>v1</th><th>v2</th></tr>"
        "<tr><td rowspan='2'>NX-660</td><td>4.7.2</td><td>yes</td><td>no</td></tr>"
        "<tr><td>4.8.1</td><td>yes</td><td>yes</td></tr>"
        "<tr><td>RV-9400</td><td>3.2</td><td colspan='2'>v2 only</td></tr></table>"
        "<dl><dt>STALE</dt><dd>The agent runs an older epoch.</dd><dt>Drain</dt><dd>A pod excluded from pushes.</dd>"
        "</dl></body></html>", encoding="utf-8")
    doc = load_document(tmp_path / "kb.html", tmp_path)
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.header == "| Device | Firmware | Protocol v1 | Protocol v2 |"
    assert table.text.splitlines() == ["| NX-660 | 4.7.2 | yes | no |", "| NX-660 | 4.8.1 | yes | yes |",
                                       "| RV-9400 | 3.2 | v2 only | v2 only |"]
    assert [b.text for b in doc.blocks if b.kind == "para"] == ["STALE: The agent runs an older epoch.",
                                                                "Drain: A pod excluded from pushes."]


def test_pdf_pages_and_headings(tmp_path: Path) -> None:
    make_pdf.write_pdf(tmp_path / "spec.pdf", "Tiny Spec", [
        ["1 Introduction", "Ultra Ethernet carries AI traffic over Ethernet."],
        ["2.1 Delivery modes", "RUD is reliable and unordered.", "ROD adds ordering."],
        ["Annex A (informative) Examples", "A worked example of a delivery in which one packet of the group is lost.",
         "A.1 Lost packet", "The receiver asks for the packet again."],
    ])
    doc = load_document(tmp_path / "spec.pdf", tmp_path)
    assert doc.title == "Tiny Spec"
    pages = {b.page for b in doc.blocks}
    assert pages == {1, 2, 3}
    second = [b for b in doc.blocks if b.page == 2]
    assert second[0].section == ("2.1 Delivery modes",)
    assert "RUD is reliable and unordered." in " ".join(b.text for b in second)
    # an annex is a chapter of its own, and its clauses nest under it
    annex = {b.text: b.section for b in doc.blocks if b.page == 3}
    assert annex["A worked example of a delivery in which one packet of the group is lost."] == (
        "Annex A (informative) Examples",)
    assert annex["The receiver asks for the packet again."] == ("Annex A (informative) Examples", "A.1 Lost packet")


def test_bundled_pdf_loads_with_pages() -> None:
    docs = ROOT / "data" / "docs"
    pdf = next(docs.glob("*.pdf"))
    doc = load_document(pdf, docs)
    assert len({b.page for b in doc.blocks}) >= 3
    assert any(b.section for b in doc.blocks)


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("broken.pdf", b"%PDF-1.7\nthis is not really a pdf", "PDF"),
    ("binary.md", bytes(range(256)) * 8, "binary"),
    ("latin1.txt", "caf\xe9 cr\xe8me br\xfbl\xe9e \x80\x81\x82".encode("latin-1") + b"\x00", "binary"),
    ("empty.md", b"   \n\n", "no text"),
])
def test_bad_files_are_skipped_with_a_warning_naming_them(tmp_path: Path, name: str, data: bytes, reason: str,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.md").write_text("# Good\n\nRUD is reliable.", encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    with caplog.at_level(logging.WARNING):
        results = list(load_documents(tmp_path))
    loaded = {path.name: (doc, warning) for path, doc, warning in results}
    assert loaded["good.md"][0] is not None
    doc, warning = loaded[name]
    assert doc is None and warning.startswith(f"skipped {name}:")
    assert reason.lower() in warning.lower()
    assert name in caplog.text


def test_undecodable_text_is_refused() -> None:
    with pytest.raises(DocumentError):
        decode_text(b"\x81\x30\xff\xfe\x00\x01" * 50)


def test_hidden_and_unsupported_files_are_ignored(tmp_path: Path) -> None:
    (tmp_path / ".draft.md").write_text("# hidden", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "real.md").write_text("# Real\n\ntext", encoding="utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p, _, _ in load_documents(tmp_path)] == ["sub/real.md"]
