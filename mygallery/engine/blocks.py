"""The shape of a loaded document: `Document` (path, title, blocks) and `Block` (a paragraph, a list, code or a
table, with its heading path and PDF page), plus the small helpers every loader shares — a title from a file
name, table rows in one form. Collaborators: the loaders (documents.py, plain_text.py), chunking.py.
Non-goals: reading files.
"""

from __future__ import annotations

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


def normalise_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return "| " + " | ".join(cells) + " |"


def table_cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]
