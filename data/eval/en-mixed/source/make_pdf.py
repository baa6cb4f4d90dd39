"""Render report.html to ../docs/kestrel-pilot-report.pdf with running headers and footers.

Needs Playwright (python) and a system Chromium at /usr/bin/chromium; pypdf is used to find the
page of each section for the table of contents (two passes: render, locate headings, render again).

    python3 -m venv /tmp/evalvenv && /tmp/evalvenv/bin/pip install playwright pypdf
    /tmp/evalvenv/bin/python make_pdf.py
"""
import io
import pathlib
import re
import unicodedata

from playwright.sync_api import sync_playwright
from pypdf import PdfReader

HERE = pathlib.Path(__file__).resolve().parent
SRC = HERE / "report.html"
OUT = HERE.parent / "docs" / "kestrel-pilot-report.pdf"

HEADER = """<div style="font-family: DejaVu Sans, Arial, sans-serif; font-size: 7.5pt; color: #444;
 width: 100%; margin: 0 20mm; border-bottom: 0.5pt solid #999; padding-bottom: 2pt; display: flex;">
 <span style="flex: 1;">NCL-TR-2025-014 &middot; Ultra Ethernet pilot evaluation (Project Kestrel)</span>
 <span>Revision 1.2 &middot; 21 November 2025</span></div>"""

FOOTER = """<div style="font-family: DejaVu Sans, Arial, sans-serif; font-size: 7.5pt; color: #444;
 width: 100%; margin: 0 20mm; border-top: 0.5pt solid #999; padding-top: 2pt; display: flex;">
 <span style="flex: 1;">Northfield Compute Laboratory &mdash; Fabric Engineering Group &mdash; internal distribution</span>
 <span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>"""

# (anchor id, TOC label, level, text searched on the page to locate the section)
TOC = [
    ("s1", "1 Executive summary", 1), ("s2", "2 Scope and objectives", 1),
    ("s3", "3 Cluster and fabric topology", 1), ("s4", "4 Transport configuration", 1),
    ("s4", "4.4 Packet delivery parameters", 2), ("s4", "4.5 Retransmission and error reporting", 2),
    ("s5", "5 Congestion management", 1), ("s5", "5.3 ECN marking and packet trimming in the switches", 2),
    ("s5", "5.4 Packet spraying", 2), ("s6", "6 Link layer", 1), ("s6", "6.2 Link-level retry", 2),
    ("s7", "7 Transport security", 1), ("s8", "8 Test methodology", 1), ("s9", "9 Results", 1),
    ("s9", "9.5 Failure injection", 2), ("s9", "9.8 CBFC trial", 2), ("s10", "10 Issues found", 1),
    ("s11", "11 Recommendations", 1), ("s12", "12 References", 1),
    ("sA", "Appendix A \u2014 Per-leaf statistics", 1), ("sB", "Appendix B \u2014 Complete parameter listing", 1),
    ("sC", "Appendix C \u2014 Test run log", 1), ("sD", "Appendix D \u2014 Revision history", 1),
]


def toc_html(pages):
    rows = []
    for (anchor, label, level), page in zip(TOC, pages):
        rows.append(f'<div class="lvl{level}"><span>{label}</span><span class="dots"></span>'
                    f'<span>{page}</span></div>')
    return "\n".join(rows)


def norm(s):
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", " ", s.replace("\u2014", "-").replace("&mdash;", "-")).strip().lower()


def render(page, html):
    page.set_content(html, wait_until="load")
    return page.pdf(format="A4", display_header_footer=True, header_template=HEADER,
                    footer_template=FOOTER, print_background=True,
                    margin={"top": "24mm", "bottom": "22mm", "left": "20mm", "right": "20mm"})


def locate(pdf_bytes):
    texts = [norm(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf_bytes)).pages]
    pages = []
    for _, label, _ in TOC:
        want = norm(label)
        found = "?"
        for i, t in enumerate(texts):
            if i < 2:  # title page and contents
                continue
            if want in t:
                found = str(i + 1)
                break
        pages.append(found)
    return pages


def main():
    base = SRC.read_text(encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        first = render(page, base.replace("<!--TOC-->", toc_html(["00"] * len(TOC))))
        pages = locate(first)
        final = render(page, base.replace("<!--TOC-->", toc_html(pages)))
        browser.close()
    OUT.write_bytes(final)
    print(f"wrote {OUT} ({len(PdfReader(io.BytesIO(final)).pages)} pages); toc pages: {pages}")


if __name__ == "__main__":
    main()
