"""Turn fpdp-draft.src.txt into ../docs/draft-whitlock-uet-fpdp-03.txt: RFC-style pages of 56 lines,
a running header from page 2 on, a footer with the page number, pages separated by a form feed,
and the page numbers of the table of contents filled in.   python3 paginate.py

Page 1 is everything before the @@PAGE marker (title block, abstract, contents); the rest is packed
greedily by blocks (paragraphs, tables, the header diagram are never split; a section heading stays
with the block that follows it)."""
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "draft-whitlock-uet-fpdp-03.txt"
PAGE_LINES = 56
HEAD = "Internet-Draft        FPDP Version 2 for UET Endpoints        March 2026"
FOOT = "Whitlock & Halvorsen     Expires 17 September 2026             [Page {n}]"
HEADING = re.compile(r"^(\d+(?:\.\d+)?)\.\s+\S|^Authors' Addresses")

src = (HERE / "fpdp-draft.src.txt").read_text(encoding="utf-8")
first, _, rest = src.partition("@@PAGE\n")
blocks = [b.split("\n") for b in re.split(r"\n\s*\n", rest.strip("\n"))]
blocks = [["" if line == "@@KEEP" else line for line in b] for b in blocks]  # @@KEEP: blank line inside a block
merged = []
for b in blocks:
    if merged and HEADING.match(merged[-1][-1]):
        merged[-1] = merged[-1] + [""] + b
    else:
        merged.append(b)
room = PAGE_LINES - 3 - 2
pages = [first.strip("\n").split("\n")]
cur = []
for b in merged:
    need = len(b) + (1 if cur else 0)
    if cur and len(cur) + need > room:
        pages.append(cur)
        cur = []
    cur = cur + ([""] if cur else []) + b
pages.append(cur)

where = {}
for n, lines in enumerate(pages, 1):
    for line in lines:
        m = HEADING.match(line)
        if m:
            where.setdefault(m.group(1) or "A", n)

out_pages = []
for n, lines in enumerate(pages, 1):
    body = []
    for line in lines:
        m = re.search(r"\s*\.+\{([\d.A]+)\}$", line)
        if m:
            num = str(where[m.group(1)])
            stem = line[: m.start()] + " "
            line = stem + "." * (72 - len(stem) - len(num) - 1) + " " + num
        body.append(line.rstrip())
    top = [] if n == 1 else [HEAD, "", ""]
    space = PAGE_LINES - len(top) - 2
    assert len(body) <= space, (n, len(body), space)
    page = top + body + [""] * (space - len(body)) + ["", FOOT.format(n=n)]
    for line in page:
        assert len(line) <= 72, (n, len(line), line)
    out_pages.append("\n".join(page))
OUT.write_text("\n\f\n".join(out_pages) + "\n", encoding="utf-8")
print(f"wrote {OUT.name}: {len(out_pages)} pages, {OUT.stat().st_size} bytes")
