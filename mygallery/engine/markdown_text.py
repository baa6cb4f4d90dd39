"""Markdown files into blocks: ATX headings ("## LLR") and headings underlined with === or --- as the heading
path, pipe tables with their header row, raw HTML tables (html_text.py), fenced code, lists, paragraphs; quotes
and callouts ("> [!WARNING]") without their marks, a footnote's definition a paragraph of its own, bold marks
and footnote references dropped; a thematic break ("---") is no text.
A file without a level-1 heading takes its title from how it opens (a Pandoc title block, bold lines, a short
first line), else from its name. Notes that use little Markdown keep their habits (plain_text.py): "三、议题 2"
headings, |-tables without a rule row. Non-goals: inline HTML, nested block quotes, reference links.
"""

from __future__ import annotations

import itertools
import re

from .blocks import Block, Document, normalise_row, title_from_path, title_of_lines
from .html_text import html_blocks
from .plain_text import is_table_row, loose_heading, loose_table_rows, table_block

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BREAK = re.compile(r"^ {0,3}([-*_])(?:\s*\1){2,}\s*$")  # a thematic break: "---", "***", "- - -"
_SETEXT = re.compile(r"^ {0,3}(={3,}|-{3,})\s*$")  # the line under a heading: "=====" (level 1), "-----" (level 2)
_BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*$")
_PANDOC_TITLE = re.compile(r"^%\s+(\S.*)$")
_HTML_BLOCK = re.compile(r"^ {0,3}<(table|div|details|dl|figure|section)\b", re.IGNORECASE)  # raw HTML in Markdown
_QUOTE = re.compile(r"^ {0,3}>\s?")
_CALLOUT = re.compile(r"^\[!(\w+)\]\s*")  # a GitHub-style callout opening a quote: "> [!WARNING]"
_FOOTNOTE = re.compile(r"^\[\^([^\]]+)\]:\s*")  # a footnote's definition: "[^1]: …"
# Marks that are not text: bold ("**96**") and a footnote's reference ("溢出[^1]")
_INLINE_NOISE = re.compile(r"\*\*|\[\^[^\]\s]+\](?!:)")


def parse_markdown(text: str, rel: str) -> Document:
    doc = Document(path=rel, title="")
    headings: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    paragraph: list[str] = []

    def section() -> tuple[str, ...]:
        return tuple(title for level, title in headings if level > 1 or not doc.title or title != doc.title)

    def heading(level: int, title: str) -> None:  # the first level-1 heading is the title too
        nonlocal headings
        if level == 1 and not doc.title:
            doc.title = title
        headings = [h for h in headings if h[0] < level] + [(level, title)]

    quoted = False  # the paragraph being read is a quote

    def flush() -> None:
        if paragraph:
            kind = "list" if _LIST_ITEM.match(paragraph[0]) else "para"
            joiner = "\n" if kind == "list" else " "
            text = _INLINE_NOISE.sub("", joiner.join(p.strip() for p in paragraph))
            doc.blocks.append(Block(kind, text, section()))
            paragraph.clear()

    while i < len(lines):
        line = lines[i]
        if bool(_QUOTE.match(line)) != quoted:  # a quote is a paragraph of its own
            flush()
            quoted = not quoted
        if quoted:  # read without its marks ("> > "); a callout's kind opens it ("Warning: …")
            while _QUOTE.match(line):
                line = _QUOTE.sub("", line, count=1)
            if callout := _CALLOUT.match(line.strip()):
                line = f"{callout.group(1).capitalize()}: {line.strip()[callout.end():]}"
                if line.endswith(": "):
                    paragraph.append(line.strip())
                    i += 1
                    continue
        stripped = line.strip()
        underline = _SETEXT.match(lines[i + 1]) if i + 1 < len(lines) and not paragraph else None
        if underline and stripped and not _LIST_ITEM.match(line) and not stripped.startswith(("|", ">", "#")) \
                and not _BREAK.match(line):  # "Overview" over "========": a heading
            heading(1 if underline.group(1)[0] == "=" else 2, _strip_inline(stripped))
            i += 2
            continue
        if _BREAK.match(line) or _SETEXT.match(line):  # a rule between parts: nothing to read
            flush()
        elif stripped.startswith(("```", "~~~")):
            flush()
            fence, body = stripped[:3], []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            doc.blocks.append(Block("code", "\n".join(body), section()))
        elif match := _HEADING.match(line):
            flush()
            heading(len(match.group(1)), _strip_inline(match.group(2)))
        elif not quoted and (tag := _HTML_BLOCK.match(line)):  # raw HTML: a table ends at its closing tag,
            flush()  # anything else at a blank line
            name, chunk = tag.group(1).lower(), []
            while i < len(lines) and (lines[i].strip() or name == "table"):
                chunk.append(lines[i])
                i += 1
                if name == "table" and re.search(r"</table\s*>", chunk[-1], re.IGNORECASE):
                    break
            doc.blocks.extend(html_blocks("\n".join(chunk), section()))
            continue
        elif footnote := _FOOTNOTE.match(stripped):  # a footnote's definition is a paragraph of its own
            flush()
            paragraph.append(stripped[footnote.end():])
        elif stripped.startswith("|") and i + 1 < len(lines) and _TABLE_RULE.match(lines[i + 1]):
            flush()
            header, rows = normalise_row(stripped), []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(normalise_row(lines[i].strip()))
                i += 1
            doc.blocks.append(Block("table", "\n".join(rows), section(), header=header))
            continue
        elif not paragraph and loose_heading(stripped):  # "三、议题 2：…" in notes that use little Markdown
            heading(2, stripped)
        elif is_table_row(stripped) and (rows := loose_table_rows(lines, i)):  # a |-table without its rule row
            flush()
            doc.blocks.append(table_block(lines[i : i + rows], section()))
            i += rows
            continue
        elif not stripped:
            flush()
        elif _LIST_ITEM.match(line) and paragraph and not _LIST_ITEM.match(paragraph[0]):
            flush()
            paragraph.append(line)
        else:
            paragraph.append(line)
        i += 1
    flush()
    doc.title = doc.title or _opening_title(lines, doc) or title_from_path(rel)
    return doc


def _opening_title(lines: list[str], doc: Document) -> str:
    """The title of a Markdown file without a level-1 heading, from how it opens: a Pandoc title block ("% Kestrel
    fabric — Design Review #3"), a run of bold lines, or a first paragraph of one short line that is no sentence
    ("青岚网络组 周会纪要（第 9 次）", which then is no paragraph of its own)."""
    opening = list(itertools.takewhile(str.strip, itertools.dropwhile(lambda line: not line.strip(), lines)))
    if not opening:
        return ""
    if match := _PANDOC_TITLE.match(opening[0].strip()):
        return title_of_lines([match.group(1)])
    bold = [m.group(1) for m in itertools.takewhile(bool, (_BOLD_LINE.match(line.strip()) for line in opening))]
    first = opening[0].strip()
    if bold:
        title = title_of_lines(bold)
    elif len(opening) == 1 and len(first) <= 60 and not first.endswith((".", "。", ":", "：")) \
            and not _LIST_ITEM.match(first) and not first.startswith(("|", ">", "!", "[", "<")):
        title = first
    else:
        return ""
    if doc.blocks and doc.blocks[0].kind == "para" and doc.blocks[0].text == title:
        doc.blocks.pop(0)  # the title's lines are no paragraph of their own
    elif not bold:  # a short first line is a title only when it stands as a paragraph of its own
        return ""
    return title


def _strip_inline(text: str) -> str:
    """A heading without its emphasis and code marks — an underscore only where it opens or closes emphasis,
    not inside a name ("Raise SPRAY_WIDTH to 64" keeps it)."""
    return _INLINE_MARKS.sub("", text).strip()


_INLINE_MARKS = re.compile(r"[*`]+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
