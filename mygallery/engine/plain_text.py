"""Loosely structured text: the headings, lists, tables and aligned columns that notes carry without any
markup language — study notes in a .txt file, meeting minutes, an e-mail, a configuration file.

`parse_text` reads a plain-text file line by line:
- headings: a line underlined with === or ---, a bracketed line ("[LLR  Link Level Retry]", an INI section),
  a Chinese numbered line ("三、议题 2：AI Full 切换", "第二章 …"), a change log's release line ("1.8.0 --
  2025-10-03": its entries are about that release);
- tables: two or more lines of |-separated cells (a separator row of dashes is skipped; the first row is the
  header);
- lists and aligned columns: bullet or numbered items, indented lines, lines with columns aligned by runs of
  spaces, "key = value" lines, records with |-separated fields but no outer bars — kept one per line, since
  each line is a fact of its own;
- everything else: paragraphs, their wrapped lines joined.
`loose_heading` and `loose_table_rows` are shared with the Markdown loader, which meets the same habits in
.md files that use little Markdown. Non-goals: e-mail threading, quoted-reply levels, guessing headings
from font or case alone.
"""

from __future__ import annotations

import re

from .blocks import Block, Document, normalise_row, title_from_path

_CHINESE_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十百]+[、．.]|第[一二三四五六七八九十百\d]+[章节部分篇])\s*\S")
_BRACKETED = re.compile(r"^\[[^\[\]\n]{1,60}\]$")
_UNDERLINE = re.compile(r"^(?:={3,}|-{3,})$")
_ITEM = re.compile(r"^(?:[-*+•·]|\d+[.)、]|[a-z][.)])\s+\S")
_ALIGNED = re.compile(r"\S {3,}\S")
_SETTING = re.compile(r"^[\w.\-/]{2,60}\s*[=:]\s*\S")
_RULE_ROW = re.compile(r"^\|?[\s:|-]+\|?$")
# A change log's release line: "1.8.0 -- 2025-10-03", "v2.3 (12 May 2024)", "Version 1.9.0 – 12 Oct 2025"
_RELEASE = re.compile(r"^(?:(?:v|version\s+|release\s+)\d+(?:\.\d+)+|\d+\.\d+\.\d+)"
                      r"(?:\s*(?:--|—|–|-|\(|\[|:)\s*[\w ,./()\[\]-]{0,40})?$", re.IGNORECASE)
MAX_HEADING_CHARS = 60


def loose_heading(line: str) -> bool:
    """Whether a stripped line is a heading by the conventions of plain notes (see the module docstring)."""
    return len(line) <= MAX_HEADING_CHARS and bool(_CHINESE_NUMBERED.match(line) or _BRACKETED.match(line)
                                                   or _RELEASE.match(line))


def is_table_row(line: str) -> bool:
    return line.startswith("|") and line.endswith("|") and line.count("|") >= 3


def loose_table_rows(lines: list[str], start: int) -> int:
    """How many lines from `start` form a |-table (two or more rows; 0 when they do not)."""
    end = start
    while end < len(lines) and is_table_row(lines[end].strip()):
        end += 1
    return end - start if end - start >= 2 else 0


def table_block(rows: list[str], section: tuple[str, ...]) -> Block:
    """A table from its |-rows: the first is the header, a dashes-only row is skipped."""
    cleaned = [normalise_row(row.strip()) for row in rows if not _RULE_ROW.match(row.strip())]
    return Block("table", "\n".join(cleaned[1:]), section, header=cleaned[0] if cleaned else "")


def _keeps_lines(lines: list[str]) -> bool:
    """Whether a paragraph's lines are facts of their own (items, aligned columns, settings), not wrapped prose."""
    structured = sum(bool(_ITEM.match(line.strip()) or _ALIGNED.search(line.strip()) or _SETTING.match(line.strip())
                          or line.count("|") >= 2  # "CR-1203 | 2025-09-11 | STD | …": a record per line
                          or line.startswith(("  ", "\t")) or line.lstrip().startswith(("#", ";", "//")))
                     for line in lines)
    return len(lines) >= 2 and structured >= max(2, len(lines) // 2)


def _logical_lines(lines: list[str]) -> list[str]:
    """The lines of a kept-lines paragraph, with a wrapped item's indented continuation joined to the item
    ("- The fix is scheduled for" / "  firmware 3.5.1." is one line: one sentence, one fact)."""
    logical: list[str] = []
    for line in lines:
        stripped = line.strip()
        continuation = (logical and line[:1] in " \t" and not _ITEM.match(stripped)
                        and not _ALIGNED.search(stripped) and not _SETTING.match(stripped))
        if continuation:
            logical[-1] = f"{logical[-1]} {stripped}"
        else:
            logical.append(line.rstrip())
    return logical


def parse_text(text: str, rel: str) -> Document:
    lines = text.splitlines()
    doc = Document(path=rel, title="")
    section: tuple[str, ...] = ()
    paragraph: list[str] = []

    def flush() -> None:
        if not paragraph:
            return
        if _keeps_lines(paragraph):
            doc.blocks.append(Block("list", "\n".join(_logical_lines(paragraph)), section))
        else:
            doc.blocks.append(Block("para", " ".join(line.strip() for line in paragraph), section))
        paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        underlined = i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1].strip()) and 0 < len(stripped) <= 100
        if not stripped:
            flush()
        elif underlined or loose_heading(stripped):
            flush()
            if not doc.title and not doc.blocks and underlined:
                doc.title = stripped
            else:
                section = (stripped.strip("[]").strip(),)
            i += 2 if underlined else 1
            continue
        elif rows := loose_table_rows(lines, i):
            flush()
            doc.blocks.append(table_block(lines[i : i + rows], section))
            i += rows
            continue
        else:
            paragraph.append(line)
        i += 1
    flush()
    if not doc.title:  # the first line of a text file names it when it is short
        first = next((line.strip() for line in lines if line.strip()), "")
        doc.title = first if 0 < len(first) <= 100 else title_from_path(rel)
        if doc.blocks and doc.blocks[0].text.strip() == doc.title:
            doc.blocks.pop(0)
    return doc
