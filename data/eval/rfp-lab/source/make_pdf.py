"""Render the acceptance test report of the rfp-lab set with the Debian Chromium (Playwright, no `playwright install`).

  report.html -> ../docs/acceptance-test-report.pdf   A4, a cover page, a running header with the report ID and a
                 footer "Page N of M" on every page; Table 6-1 (test cases) is allowed to break across pages and
                 repeats its header row.

Every word with a hyphen (BR-840, YW2-ATR-0117, AES-256-GCM ...) is first wrapped in a white-space:nowrap span in a
temporary copy, so Chromium never breaks a line after the hyphen (pdftotext would otherwise lose it); ligatures are
switched off in the HTML. The text is unchanged. The script asserts that the page count is within 6 to 10 and
that Table 6-1 really continues over a page break.

    /work/main/.venv/bin/python data/eval/rfp-lab/source/make_pdf.py
"""
import io
import pathlib
import re
import sys

from playwright.sync_api import sync_playwright
from pypdf import PdfReader

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from html_nowrap import nowrap  # noqa: E402 - data/eval/html_nowrap.py, shared by the sets' renderers
OUT = HERE.parent / "docs" / "acceptance-test-report.pdf"

FONT = "font-family: 'Liberation Sans', Arial, sans-serif; font-size: 7.5pt; color: #555;"
HEADER = f"""<div style="{FONT} width: 100%; margin: 0 18mm; border-bottom: 0.5pt solid #999; padding-bottom: 2pt;
 display: flex;"><span style="flex: 1;">YW2-ATR-0117 Rev B</span>
 <span>YW2 Fabric &mdash; Acceptance Test Report</span></div>"""
FOOTER = f"""<div style="{FONT} width: 100%; margin: 0 18mm; border-top: 0.5pt solid #999; padding-top: 2pt;
 display: flex;"><span style="flex: 1;">YACC Network Lab &middot; Internal</span>
 <span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>"""




def main():
    src = nowrap((HERE / "report.html").read_text(encoding="utf-8"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(src, wait_until="load")
        pdf = page.pdf(format="A4", display_header_footer=True, header_template=HEADER, footer_template=FOOTER,
                       print_background=True,
                       margin={"top": "20mm", "bottom": "18mm", "left": "18mm", "right": "18mm"})
        browser.close()
    texts = [re.sub(r"\s+", " ", p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]
    n = len(texts)
    if not 6 <= n <= 10:
        raise SystemExit(f"{n} pages, expected 6 to 10")
    first = next(i for i, t in enumerate(texts) if "TC-01 Link bring-up" in t)
    last = next(i for i, t in enumerate(texts) if "TC-16 libfabric conformance" in t)
    if last == first:
        raise SystemExit("Table 6-1 fits on one page; it is meant to continue over a page break")
    OUT.write_bytes(pdf)
    print(f"wrote {OUT.name}: {n} pages; Table 6-1 on pages {first + 1}-{last + 1}")


if __name__ == "__main__":
    main()
