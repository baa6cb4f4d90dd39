"""Structure-aware, token-bounded chunking of loaded documents.

Blocks are grouped by (section, page) first — a chunk never spans two sections or two PDF pages, so every
citation can name one section and one page. Inside a group, whole blocks are packed up to `max_tokens`; a block
that is too long is split on sentences (prose), rows (tables, each piece repeating the header row) or lines
(code). Consecutive prose chunks of one section share up to `overlap` tokens of trailing sentences.
Each chunk carries a `search_text` ("title > section" + text; a table's caption too) used for indexing, so a
chunk is findable by the name of the section it sits in. Non-goals: semantic chunking by embeddings; chunks across sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from .blocks import Block, Document, named_title
from .token_count import count_many

# Raised when the same documents would be cut into other chunks (ingest.py rebuilds an index cut otherwise).
# 2: a table chunk's search text holds the table's caption. 3: and every chunk's the file's name (named_title).
CHUNKING_VERSION = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|(?<=[。！？；])")


@dataclass
class Chunk:
    doc: str
    title: str
    section: str
    page: int | None
    text: str
    search_text: str
    tokens: int
    kind: str = "para"  # "table" when the chunk is a piece of one table (its first line is the header)

    def to_json(self) -> dict:
        return asdict(self)


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def _pack(units: list[str], budget: int, count: Callable[[str], int]) -> list[list[str]]:
    """Consecutive units grouped greedily so that each group stays within `budget` tokens."""
    groups: list[list[str]] = []
    current: list[str] = []
    used = 0
    for unit in units:
        size = count(unit)
        if current and used + size > budget:
            groups.append(current)
            current, used = [], 0
        current.append(unit)
        used += size
    if current:
        groups.append(current)
    return groups


def _pieces(block: Block, max_tokens: int, count: Callable[[str], int]) -> list[tuple[str, str]]:
    """(kind, text) pieces of one block, each within max_tokens when the block's structure allows it."""
    if block.kind == "table":
        rows = [r for r in block.text.splitlines() if r.strip()]
        header = block.header
        budget = max(1, max_tokens - (count(header) if header else 0))
        return [("table", "\n".join(([header] if header else []) + group)) for group in _pack(rows, budget, count)]
    if count(block.text) <= max_tokens:
        return [(block.kind, block.text)]
    units = block.text.splitlines() if block.kind in ("code", "list") else split_sentences(block.text)
    units = [piece for unit in units for piece in _hard_split(unit, max_tokens, count)]
    joiner = "\n" if block.kind in ("code", "list") else " "
    return [(block.kind, joiner.join(group)) for group in _pack(units, max_tokens, count)]


def _hard_split(text: str, max_tokens: int, count: Callable[[str], int]) -> list[str]:
    """A unit with no sentence or line boundary inside the budget (a run-on PDF line, unpunctuated Chinese)
    is cut into word runs — or character runs where there are no spaces — that fit."""
    size = count(text)
    if size <= max_tokens:
        return [text]
    words = text.split(" ") if " " in text.strip() else list(text)
    joiner = " " if " " in text.strip() else ""
    step = max(1, int(len(words) * max_tokens / size * 0.9))
    pieces = [joiner.join(words[i : i + step]) for i in range(0, len(words), step)]
    return [p for piece in pieces for p in (_hard_split(piece, max_tokens, count) if count(piece) > max_tokens
                                            and len(piece) > 1 else [piece])]


def _tail(text: str, overlap: int, count: Callable[[str], int]) -> str:
    """The trailing whole sentences of text that fit in `overlap` tokens."""
    if overlap <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for sentence in reversed(split_sentences(text)):
        size = count(sentence)
        if used + size > overlap:
            break
        kept.insert(0, sentence)
        used += size
    return " ".join(kept)


# A table's caption ("Table 3: All-reduce bus bandwidth (GB/s) …", "表 2 …") is a paragraph of its own just
# above or below the table: a table chunk is found by it (its search text holds it) as well as by its cells.
_CAPTION = re.compile(r"^\s*(?:(?:Table|TABLE|Tab\.)\s*(?:[A-Z]\.?)?\d+(?:[.\-]\d+)*\s*[:.：．—–\-]|表\s*(?:[A-Z]\.?)?\d+(?:[.\-]\d+)*)\s*\S")
_CAPTION_MAX = 300  # characters: longer is prose that happens to start with "Table 3 …"


def _caption(blocks: list[Block], i: int) -> str:
    """The caption of the table blocks[i]: the paragraph right before it, or else right after it, when that is
    one."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(blocks) and blocks[j].kind == "para":
            last = blocks[j].text.strip().split("\n\n")[-1 if j < i else 0]
            if len(last) <= _CAPTION_MAX and _CAPTION.match(last):
                return last
    return ""


def chunk_document(doc: Document, *, max_tokens: int, overlap: int, count: Callable[[str], int]) -> list[Chunk]:
    # Every block is counted in one batch, then each text at most once: counting was half of a PDF's ingest
    # (a 409-page report: 7,940 tokenizer calls, 1.1 s of 3.9 s). A chunk's size is the sum of its pieces'.
    known = dict(zip((b.text for b in doc.blocks), count_many(count, [b.text for b in doc.blocks]), strict=True))
    count_fresh = count

    def count_once(text: str) -> int:
        size = known.get(text)
        if size is None:
            size = known[text] = count_fresh(text)
        return size

    count = count_once
    chunks: list[Chunk] = []
    groups: dict[tuple[tuple[str, ...], int | None], list[Block]] = {}
    for block in doc.blocks:  # dicts keep insertion order: groups come out in document order
        groups.setdefault((block.section, block.page), []).append(block)
    title = named_title(doc.title, doc.path)
    for (section_path, page), blocks in groups.items():
        section = " > ".join(section_path)
        prefix = " > ".join(p for p in (title, section) if p)
        pieces = [(kind, text, _caption(blocks, i) if b.kind == "table" else "")
                  for i, b in enumerate(blocks) for kind, text in _pieces(b, max_tokens, count)]
        current: list[str] = []
        used = 0

        def emit(parts: list[str], kind: str, section: str = section, page: int | None = page,
                 prefix: str = prefix, caption: str = "") -> None:
            text = "\n\n".join(parts)
            found = f"{prefix}\n{caption}\n{text}" if caption else f"{prefix}\n{text}"
            chunks.append(Chunk(doc.path, doc.title, section, page, text, found, sum(map(count, parts)), kind))

        for kind, text, caption in pieces:
            size = count(text)
            if kind == "table":  # tables stand alone so each piece starts with its header row
                if current:
                    emit(current, "para")
                    current, used = [], 0
                emit([text], "table", caption=caption)
                continue
            if current and used + size > max_tokens:
                emit(current, "para")
                tail = _tail(current[-1], overlap, count)
                current, used = ([tail], count(tail)) if tail and count(tail) + size <= max_tokens else ([], 0)
            current.append(text)
            used += size
        if current:
            emit(current, "para")
    return chunks


def chunk_documents(docs: Iterable[Document], *, max_tokens: int, overlap: int,
                    count: Callable[[str], int]) -> list[Chunk]:
    return [c for d in docs for c in chunk_document(d, max_tokens=max_tokens, overlap=overlap, count=count)]
