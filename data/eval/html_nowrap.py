"""Wrap every word of an HTML document's body that contains a hyphen (VX-8200, pl-agent, AES-256-GCM …) in
<span style="white-space:nowrap">, so that Chromium never breaks a line after the hyphen when it prints the page:
pdftotext would otherwise join "VX-" + "8200" at a line end into "VX8200" and the text layer would lose the
hyphen. The text of the document is unchanged (only tags are added). Shared by the sets' `source/make_pdf.py`
scripts; `python3 html_nowrap.py in.html out.html` writes a wrapped copy."""
import re
import sys

_HYPHENATED = re.compile(r"[^\s<>]*\w-[^\s<>]*\w[^\s<>]*")


def nowrap(src: str) -> str:
    head, sep, body = src.partition("<body>")
    parts = re.split(r"(<[^>]+>)", body)
    for i, part in enumerate(parts):
        if not part.startswith("<"):
            parts[i] = _HYPHENATED.sub(lambda m: f'<span style="white-space:nowrap">{m.group(0)}</span>', part)
    return head + sep + "".join(parts)


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source, open(sys.argv[2], "w", encoding="utf-8") as target:
        target.write(nowrap(source.read()))
