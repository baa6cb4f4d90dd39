"""Copy an HTML file, wrapping every word that contains a hyphen (VX-8200, pl-agent, 4,096-accelerator …)
in <span style="white-space:nowrap">, so that Chromium never breaks a line after the hyphen. Otherwise
pdftotext joins "VX-" + "8200" at a line end into "VX8200" and the text layer loses the hyphen.
The text of the document is unchanged (only tags are added).   python3 nowrap.py in.html out.html"""
import re
import sys

src = open(sys.argv[1], encoding="utf-8").read()
head, sep, body = src.partition("<body>")
parts = re.split(r"(<[^>]+>)", body)
for i, part in enumerate(parts):
    if part.startswith("<"):
        continue
    parts[i] = re.sub(r"[^\s<>]*\w-[^\s<>]*\w[^\s<>]*",
                      lambda m: f'<span style="white-space:nowrap">{m.group(0)}</span>', part)
open(sys.argv[2], "w", encoding="utf-8").write(head + sep + "".join(parts))
