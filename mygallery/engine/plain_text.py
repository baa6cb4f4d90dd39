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
- a label and dots leading to its value ("Host driver ....... tlnic 2.8.0"): an entry of its own, "Host driver:
  tlnic 2.8.0", with its wrapped lines;
- rules drawn across the text ("=====", "# -----"): no text, a break between paragraphs; the lines between two
  rules at the top of a file (a banner) are its title;
- a table set in fixed-width columns, a rule of dashes under each header (`column_table`; a Chinese character
  takes two columns, a row with a blank first column continues the row above); lines stamped with a time (a
  chat log) kept one per line;
- everything else: paragraphs, their wrapped lines joined.
A file laid out as printed pages (an Internet-Draft, a man page) is read as one: pages at form feeds (each
block keeps its page, for citations), the header and footer lines that repeat on the pages dropped
(`_page_lines`), and — where the body is indented and headings stand at the margin ("3.2.  Message Types",
"Abstract"; `_margin_headings`) — those headings as sections and the body un-indented, so that its wrapped
prose reads as paragraphs; a table drawn with +----+ borders is a table.
`loose_heading` and `loose_table_rows` are shared with the Markdown loader, which meets the same habits in
.md files that use little Markdown. Non-goals: e-mail threading, quoted-reply levels, guessing headings
from font or case alone.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter

from .blocks import Block, Document, normalise_row, title_from_path, title_of_lines

_CHINESE_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十百]+[、．.]|第[一二三四五六七八九十百\d]+[章节部分篇])\s*\S")
_BRACKETED = re.compile(r"^\[[^\[\]\n]{1,60}\]$")
_UNDERLINE = re.compile(r"^(?:={3,}|-{3,})$")
# A rule drawn across the text ("=====", "-----", "#####", a configuration file's "# =====") separates what is
# above from what is below; there is nothing in it to read
_RULE_LINE = re.compile(r"^(?:(?:#|;|//)\s*)?([=\-*_~#])\1{2,}$")
_COMMENT_MARK = re.compile(r"^(?:#+|;+|//)\s*")
_BANNER_LINES = 4  # at most this many lines between the two rules of a banner at the top of a file
_ITEM = re.compile(r"^(?:[-*+•·]|\d+[.)、]|[a-z][.)]|o(?=\s\s))\s+\S")  # "o  " is a bullet of RFC-style text
_ALIGNED = re.compile(r"\S {3,}\S")
_SETTING = re.compile(r"^[\w.\-/]{2,60}\s*[=:]\s*\S")
_RULE_ROW = re.compile(r"^\|?[\s:|-]+\|?$")
# A chat or log line that starts with its time: "[2026-05-12 09:14] <nick> …", "09:14:03 …" — a record of its own
_STAMPED = re.compile(r"^\[?(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?\]?\s")
# The rule under the header of a table set in fixed-width columns: "--------  ----------  ------"
_COLUMN_RULE = re.compile(r"^\s*-{2,}(?: +-{2,})+\s*$")
# A label, dots leading to its value: "Host driver ........... tlnic 2.8.0 or later" (release notes, a spec's
# list of limits): an entry of its own, read "Host driver: tlnic 2.8.0 or later"
_LEADER = re.compile(r"^(\S[^.]{0,40}?)\s*\.{3,}\s*(?=\S)")
_BORDER = re.compile(r"^\+[-=+]*\+$")  # the rule of a table drawn with borders: +------+-----+
# A heading at the margin: "3.2.  Message Types", "Appendix A.  Examples", "Abstract", "EXIT STATUS" — one run
# of words after its number (a log entry's "QL-B-011  2025-09-04  ZM" is columns, not a heading)
_MARGIN_HEADING = re.compile(r"^(?:(?:\d+\.)+\d*\s+|Appendix\s+[A-Z]\.?\s+|[A-Z]\.\d+(?:\.\d+)*\.?\s+)?"
                             r"[A-Z](?:[^.,;:\s]| (?! ))*[^.,;:\s]$")
_RUNNING_LINES = 2  # at each end of a page: where headers and footers stand
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


def table_block(rows: list[str], section: tuple[str, ...], page: int | None = None) -> Block:
    """A table from its |-rows: the first is the header, a dashes-only row is skipped."""
    cleaned = [normalise_row(row.strip()) for row in rows if not _RULE_ROW.match(row.strip())]
    return Block("table", "\n".join(cleaned[1:]), section, page, header=cleaned[0] if cleaned else "")


def _keeps_lines(lines: list[str]) -> bool:
    """Whether a paragraph's lines are facts of their own (items, aligned columns, settings), not wrapped prose."""
    structured = sum(bool(_ITEM.match(line.strip()) or _ALIGNED.search(line.strip()) or _SETTING.match(line.strip())
                          or _LEADER.match(line.strip()) or _STAMPED.match(line.strip())
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
        if leader := _LEADER.match(stripped):  # "Host driver ....... tlnic 2.8.0": "Host driver: tlnic 2.8.0"
            logical.append(f"{line[:len(line) - len(line.lstrip())]}{leader.group(1)}: {stripped[leader.end():]}")
            continue
        continuation = (logical and line[:1] in " \t" and not _ITEM.match(stripped)
                        and not _ALIGNED.search(stripped) and not _SETTING.match(stripped))
        if continuation:
            logical[-1] = f"{logical[-1]} {stripped}"
        else:
            logical.append(line.rstrip())
    return logical


def _page_lines(text: str) -> tuple[list[str], list[int | None]]:
    """The lines of the text and the page of each (None without form feeds), the running header and footer
    lines dropped: those near a page's top or bottom that, digits aside, stand on most pages."""
    if "\f" not in text:
        lines = text.splitlines()
        return lines, [None] * len(lines)
    pages = [page.splitlines() for page in text.split("\f")]

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.split()))

    def ends(page: list[str]) -> set[int]:
        filled = [i for i, line in enumerate(page) if line.strip()]
        return set(filled[:_RUNNING_LINES] + filled[-_RUNNING_LINES:])

    counts: dict[str, int] = {}
    for page in pages:
        for k in {key(page[i]) for i in ends(page)}:
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= max(2, (len(pages) - 1) // 2)}  # page 1 has a masthead
    lines, numbers = [], []
    for number, page in enumerate(pages, start=1):
        edge = ends(page)
        for i, line in enumerate(page):
            if not (i in edge and key(line) in running):
                lines.append(line)
                numbers.append(number)
    return lines, numbers


def _margin_headings(lines: list[str]) -> tuple[set[int], int]:
    """Where the body is indented (most lines, by the same few spaces) and headings stand at the margin: the
    heading lines and the body's indent; (empty, 0) for other layouts."""
    filled = [line for line in lines if line.strip()]
    indents = [len(line) - len(line.lstrip(" ")) for line in filled]
    indented = [n for n in indents if n >= 2]
    if len(filled) < 8 or len(indented) < 0.6 * len(filled):
        return set(), 0
    body = min(Counter(indented).items(), key=lambda item: (-item[1], item[0]))[0]  # the commonest, then the least
    if body > 8:
        return set(), 0

    def at_margin(line: str) -> bool:  # a heading fits the 72 columns of such a page
        return bool(line.strip()) and line[0] != " " and len(line) <= 72 and bool(_MARGIN_HEADING.match(line.rstrip()))

    headings = set()
    following = ""  # the next non-blank line after the one looked at, walking from the end: one pass
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if at_margin(line) and not (i and lines[i - 1].strip()) \
                and (following.startswith(" " * body) or at_margin(following)):
            headings.add(i)
        if line.strip():
            following = line
    return (headings, body) if len(headings) >= 2 else (set(), 0)


def _centred_title(lines: list[str]) -> str:
    """The first run of centred lines (indented about as far as they stop short of the page's width, no
    columns) among the first lines of a laid-out page."""
    found: list[str] = []
    width = max((len(line.rstrip()) for line in lines[:30]), default=0)
    for line in lines[:30]:
        left, right = len(line) - len(line.lstrip()), width - len(line.rstrip())
        centred = left >= 5 and abs(left - right) <= 6 and line.strip() and not _ALIGNED.search(line.strip())
        if centred:
            found.append(line.strip())
        elif found:
            break
    return " ".join(found)[:100]


def _display_starts(line: str) -> list[int]:
    """The column at which each character of the line starts on a fixed-width screen, where a Chinese character
    takes two columns (tables set in such columns are aligned that way)."""
    starts, column = [], 0
    for char in line:
        starts.append(column)
        column += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return starts


def column_table(lines: list[str], start: int) -> tuple[str, str, int] | None:
    """A table set in fixed-width columns — a header line, a rule of dashes under each column, rows; a row whose
    first column is blank goes on in the row above (a wrapped cell): (header row, body rows, lines used), or None
    when the header does not fill two columns."""
    spans = [m.start() for m in re.finditer(r"-+", lines[start + 1])]

    def cells(line: str) -> list[str]:
        found = [""] * len(spans)
        for char, column in zip(line, _display_starts(line), strict=True):
            found[max(0, bisect.bisect_right(spans, column) - 1)] += char
        return [" ".join(cell.split()) for cell in found]

    header = cells(lines[start])
    if sum(bool(cell) for cell in header) < 2:
        return None
    rows: list[list[str]] = []
    end = start + 2
    while end < len(lines) and lines[end].strip() and not _RULE_LINE.match(lines[end].strip()):
        row = cells(lines[end])
        if rows and not row[0]:  # the wrapped part of the row above
            rows[-1] = [f"{above} {more}".strip() for above, more in zip(rows[-1], row, strict=True)]
        else:
            rows.append(row)
        end += 1
    if not rows:
        return None
    body = "\n".join(normalise_row(" | ".join(row)) for row in rows)
    return normalise_row(" | ".join(header)), body, end - start


def _banner(lines: list[str]) -> tuple[str, int] | None:
    """A file that opens with a few lines between two rules: those lines (comment marks dropped) as its title —
    as many of them as fit in a title — and the index of the line after the closing rule."""
    filled = [i for i, line in enumerate(lines[:2 * _BANNER_LINES + 8]) if line.strip()]
    if not filled or not _RULE_LINE.match(lines[filled[0]].strip()):
        return None
    inside = []
    for i in filled[1:_BANNER_LINES + 2]:
        stripped = lines[i].strip()
        if _RULE_LINE.match(stripped):
            title = title_of_lines([_COMMENT_MARK.sub("", line) for line in inside])
            return (title, i + 1) if title else None
        inside.append(stripped)
    return None


def parse_text(text: str, rel: str) -> Document:
    lines, pages = _page_lines(text)
    headings, indent = _margin_headings(lines)
    masthead = _centred_title(lines) if headings and lines and _ALIGNED.search(lines[0].strip()) else ""
    if headings:  # un-indent the body; drop the rules of bordered tables, so that their rows are one table
        kept = [(line[indent:] if line.startswith(" " * indent) else line, page, i in headings)
                for i, (line, page) in enumerate(zip(lines, pages, strict=True)) if not _BORDER.match(line.strip())]
        lines, pages = [k[0] for k in kept], [k[1] for k in kept]
        headings = {i for i, k in enumerate(kept) if k[2]}
    doc = Document(path=rel, title="")
    section: tuple[str, ...] = ()
    paragraph: list[str] = []
    page: int | None = None
    i = 0
    if banner := _banner(lines):  # "=====" / "ACME NETWORKS" / "RELEASE NOTES 3.2.0" / "=====": the title
        doc.title, i = banner

    def flush() -> None:
        if not paragraph:
            return
        if _keeps_lines(paragraph):
            doc.blocks.append(Block("list", "\n".join(_logical_lines(paragraph)), section, page))
        else:
            doc.blocks.append(Block("para", " ".join(line.strip() for line in paragraph), section, page))
        paragraph.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not paragraph:
            page = pages[i]
        underlined = not paragraph and i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1].strip()) \
            and 0 < len(stripped) <= 100  # a heading starts a paragraph: not a table's last row over its rule
        if not stripped or _RULE_LINE.match(stripped):
            flush()
        elif i in headings:
            flush()
            section = (" ".join(stripped.split()),)
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
            doc.blocks.append(table_block(lines[i : i + rows], section, pages[i]))
            i += rows
            continue
        elif i + 1 < len(lines) and _COLUMN_RULE.match(lines[i + 1]) and (found := column_table(lines, i)):
            flush()
            header, body, used = found
            doc.blocks.append(Block("table", body, section, pages[i], header=header))
            i += used
            continue
        else:
            paragraph.append(line)
        i += 1
    flush()
    if not doc.title:  # the first line of a text file names it when it is short
        words = (" ".join(_COMMENT_MARK.sub("", line.strip()).split()) for line in lines
                 if not _RULE_LINE.match(line.strip()))
        first = next((line for line in words if line), "")
        first = masthead or first  # a page's masthead in columns: the centred title under it
        doc.title = first if 0 < len(first) <= 100 else title_from_path(rel)
        if doc.blocks and doc.blocks[0].text.strip() == doc.title:
            doc.blocks.pop(0)
    return doc
