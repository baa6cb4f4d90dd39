"""Render guide.html to ../docs/fpdd-install-ops-guide-zh.pdf (A4, running header and footer on every page
but the cover's header, "第 N 页 / 共 M 页").

Needs Playwright (python) and the Debian Chromium at /usr/bin/chromium (no `playwright install`), and the
Noto CJK fonts (fonts-noto-cjk). Like data/eval/html_nowrap.py, every word with a hyphen (PW-660,
pod-a, lkmgmt-01, --pod ...) is first wrapped in a white-space:nowrap span in a temporary copy, so that Chromium
never breaks a line after the hyphen and pdftotext keeps the hyphen; the text is unchanged.

    /work/main/.venv/bin/python data/eval/ops-rfc/source/make_pdf.py     (or any venv with playwright, pypdf)
"""
import io
import pathlib
import re

from playwright.sync_api import sync_playwright
from pypdf import PdfReader

HERE = pathlib.Path(__file__).resolve().parent
SRC = HERE / "guide.html"
OUT = HERE.parent / "docs" / "fpdd-install-ops-guide-zh.pdf"

FONT = "font-family: 'Noto Sans CJK SC', sans-serif; font-size: 7.5pt; color: #444;"
HEADER = f"""<div style="{FONT} width: 100%; margin: 0 18mm; border-bottom: 0.5pt solid #999;
 padding-bottom: 2pt; display: flex;"><span style="flex: 1;">TIC-NET-OPS-017 · Larkspur 集群 fpdd 安装与运维指南</span>
 <span>V2.1 · 2026-03-10</span></div>"""
FOOTER = f"""<div style="{FONT} width: 100%; margin: 0 18mm; border-top: 0.5pt solid #999;
 padding-top: 2pt; display: flex;"><span style="flex: 1;">计算平台部 网络运维组 · 内部资料，请勿外传</span>
 <span>第 <span class="pageNumber"></span> 页 / 共 <span class="totalPages"></span> 页</span></div>"""


def nowrap(src):
    head, sep, body = src.partition("<body>")
    parts = re.split(r"(<[^>]+>)", body)
    for i, part in enumerate(parts):
        if part.startswith("<"):
            continue
        parts[i] = re.sub(r"(?:--|[A-Za-z0-9_./]*[A-Za-z0-9]-)[A-Za-z0-9][A-Za-z0-9_.\-/]*",
                          lambda m: f'<span style="white-space:nowrap">{m.group(0)}</span>', part)
    return head + sep + "".join(parts)


def main():
    html = nowrap(SRC.read_text(encoding="utf-8"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.set_content(html, wait_until="load")
        pdf = page.pdf(format="A4", display_header_footer=True, header_template=HEADER,
                       footer_template=FOOTER, print_background=True,
                       margin={"top": "22mm", "bottom": "20mm", "left": "18mm", "right": "18mm"})
        browser.close()
    OUT.write_bytes(pdf)
    print(f"wrote {OUT.name}: {len(PdfReader(io.BytesIO(pdf)).pages)} pages")


if __name__ == "__main__":
    main()
