"""Render the two PDFs of the deck-wiki set with the Debian Chromium (Playwright, no `playwright install`).

  spec.html -> ../docs/sedgemoor-uet-profile-spec.pdf   A4, Word-style: cover, document control, contents with dot
               leaders and page numbers (two passes: render, find the page of every clause heading with pypdf,
               render again), running header and footer "Page N of M" on every page.
  deck.html -> ../docs/sm-phase2-design-review-deck.pdf   16:9 landscape slides (13.333 in x 7.5 in), one slide per
               page, no header or footer, no speaker notes.

Every word with a hyphen (SV-3120, sm3-lf-17, AES-256-GCM ...) is first wrapped in a white-space:nowrap span in a
temporary copy, so Chromium never breaks a line after the hyphen (pdftotext would otherwise lose it); ligatures are
switched off in the HTML. The text is unchanged.

    /work/main/.venv/bin/python data/eval/deck-wiki/source/make_pdf.py
"""
import html as htmllib
import io
import pathlib
import re
import sys
import unicodedata

from playwright.sync_api import sync_playwright
from pypdf import PdfReader

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from html_nowrap import nowrap  # noqa: E402 - data/eval/html_nowrap.py, shared by the sets' renderers
DOCS = HERE.parent / "docs"
SPEC_OUT = DOCS / "sedgemoor-uet-profile-spec.pdf"
DECK_OUT = DOCS / "sm-phase2-design-review-deck.pdf"

FONT = "font-family: 'Liberation Sans', Arial, sans-serif; font-size: 7.5pt; color: #555;"
HEADER = f"""<div style="{FONT} width: 100%; margin: 0 20mm; border-bottom: 0.5pt solid #999; padding-bottom: 2pt;
 display: flex;"><span style="flex: 1;">ACC-SFT-SPEC-0042 &middot; Issue 1.3</span>
 <span>Sedgemoor Fabric &mdash; UET Transport Profile Specification</span></div>"""
FOOTER = f"""<div style="{FONT} width: 100%; margin: 0 20mm; border-top: 0.5pt solid #999; padding-top: 2pt;
 display: flex;"><span style="flex: 1;">ACC Internal &middot; Fabric Engineering</span>
 <span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>"""




def headings(src):
    """(level, label) of every numbered clause heading h1-h4 after the contents page."""
    body = src.split("<!--TOC-->", 1)[1]
    out = []
    for m in re.finditer(r"<h([1-4])>(.*?)</h\1>", body, re.S):
        label = htmllib.unescape(re.sub(r"<[^>]+>", "", m.group(2))).strip()
        out.append((int(m.group(1)), label))
    return out


def toc_html(entries, pages):
    rows = []
    for (level, label), page in zip(entries, pages):
        rows.append(f'<div class="row l{level}"><span class="lbl">{htmllib.escape(label)}</span>'
                    f'<span class="lead">{" ." * 120}</span><span class="pg">{page}</span></div>')
    return "\n".join(rows)


def norm(s):
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"\s+", " ", s).strip().lower()


def locate(pdf_bytes, entries):
    texts = [norm(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf_bytes)).pages]
    toc_page = next(i for i, t in enumerate(texts) if "contents 1 scope" in t)
    pages = []
    for _, label in entries:
        want = norm(label)
        hit = next((i + 1 for i, t in enumerate(texts) if i > toc_page and want in t), None)
        if hit is None:
            raise SystemExit(f"heading not found in the rendered PDF: {label!r}")
        pages.append(hit)
    return pages


def render_spec(page):
    src = nowrap((HERE / "spec.html").read_text(encoding="utf-8"))
    entries = headings(src)

    def render(pages):
        page.set_content(src.replace("<!--TOC-->", toc_html(entries, pages)), wait_until="load")
        return page.pdf(format="A4", display_header_footer=True, header_template=HEADER, footer_template=FOOTER,
                        print_background=True, margin={"top": "22mm", "bottom": "20mm", "left": "20mm", "right": "20mm"})

    first = render(["00"] * len(entries))
    pages = locate(first, entries)
    final = render(pages)
    if locate(final, entries) != pages:
        raise SystemExit("contents page numbers moved between the passes")
    SPEC_OUT.write_bytes(final)
    print(f"wrote {SPEC_OUT.name}: {len(PdfReader(io.BytesIO(final)).pages)} pages; contents: "
          + ", ".join(f"{label.split()[0]}={p}" for (_, label), p in zip(entries, pages)))


def render_deck(page):
    src = nowrap((HERE / "deck.html").read_text(encoding="utf-8"))
    page.set_content(src, wait_until="load")
    pdf = page.pdf(width="13.333in", height="7.5in", print_background=True,
                   margin={"top": "0", "bottom": "0", "left": "0", "right": "0"})
    n_slides = src.count('<section class="slide')
    n_pages = len(PdfReader(io.BytesIO(pdf)).pages)
    if n_pages != n_slides:
        raise SystemExit(f"deck: {n_slides} slides but {n_pages} pages (a slide overflows)")
    DECK_OUT.write_bytes(pdf)
    print(f"wrote {DECK_OUT.name}: {n_pages} pages")


def main():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        render_spec(page)
        render_deck(page)
        browser.close()


if __name__ == "__main__":
    main()
