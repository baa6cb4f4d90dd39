"""The shape of a loaded document: `Document` (path, title, blocks) and `Block` (a paragraph, a list, code or a
table, with its heading path and PDF page), plus the small helpers every loader shares — a title from a file
name or its opening lines, table rows in one form. Collaborators: the loaders (documents.py, plain_text.py), chunking.py.
Non-goals: reading files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Block:
    kind: str  # "para" | "list" | "code" | "table"
    text: str  # for tables: the body rows, one per line, as "| a | b |"
    section: tuple[str, ...] = ()
    page: int | None = None
    header: str = ""  # tables only: the header row "| A | B |"


@dataclass
class Document:
    path: str  # relative to the docs folder, with forward slashes
    title: str
    blocks: list[Block] = field(default_factory=list)


def title_from_path(rel: str) -> str:
    return Path(rel).stem.replace("-", " ").replace("_", " ").strip().capitalize() or rel


def named_title(title: str, rel: str) -> str:
    """The title with the file's name after it when the name has words the title lacks ("青岚网络组 周会纪要
    (Meeting minutes 2025 10 09)"): a file's name says what it holds, often in the words users ask in. Not a
    name of numbers and single letters ("a.md", "2025-10.md")."""
    named = title_from_path(rel)
    if not {w for w in re.findall(r"\w{3,}", named.lower()) if not w.isdigit()} - set(re.findall(r"\w+", title.lower())):
        return title
    return f"{title} ({named})"


MAX_TITLE_CHARS = 120


def title_of_lines(lines: list[str]) -> str:
    """A title made of a document's opening lines (a banner, a run of bold lines): as many of them as fit."""
    title = ""
    for line in (" ".join(line.split()) for line in lines):
        if not line:
            continue
        if title and len(title) + 1 + len(line) > MAX_TITLE_CHARS:
            break
        title = f"{title} {line}" if title else line[:MAX_TITLE_CHARS]
    return title


def normalise_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return "| " + " | ".join(cells) + " |"


def table_cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]
