"""Answer units: the self-contained pieces an extractive answer quotes — sentences, list items, table rows and
configuration lines — with what scoring needs of each, prepared once per passage.

- A table row is shown with its header ("Parameter: PDC pool size; Default: 4,096") but matched on its cells
  alone: header words are shared by every row and would make all rows look alike to the question; the header
  is the row's context instead.
- A configuration line ("heartbeat_ms = 200") keeps the comment lines written just above it, which say what
  the key means and its default.
- A lead-in sentence ending in a colon keeps the list it introduces.
`UnitCache` keeps the prepared units of recently used passages (an LRU): splitting, tokenizing and embedding
them was most of an answer's time, and the same passages come back question after question.
Non-goals: scoring against a question (extractive.py), splitting documents into chunks (chunking.py).
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from .answer_types import Source
from .blocks import named_title, table_cells
from .chunking import split_sentences
from .index import HybridIndex
from .lexicon import cjk_ratio, tokenize
from .pdf_lines import join_text  # a space between two pieces of one text, none between two CJK characters
from .question_shape import REFERENCE, counts_in, numbers_in

_CHECKBOX = r"^\s*(?:\[[ xX✓]?\]\s*)?"  # "[ ] ", "[x] " before a checklist's items
_LIST_ITEM = re.compile(_CHECKBOX + r"(?:(?:[-*+•]|\d+[.)])\s+|\d+、\s*)")  # "- ", "2. ", "[ ] 8. ", "3、"
_NUMBERED = re.compile(_CHECKBOX + r"(\d+)[.)、]")
_SETTING = re.compile(r"^\s*[\w.\-/\[\]]{2,60}\s*(?:=|:)\s*\S")  # key = value, key: value
_COMMENT = re.compile(r"^\s*(?:#|;|//)\s?")
# A table or figure caption names what follows; it states no fact of its own. "Table 3 gives …" is a sentence.
# So is a figure's stand-in in brackets, a line of its own ("[Figure 1 — Topology: … Image omitted.]").
_CAPTION = re.compile(r"^(?:(?:Table|Figure|Fig\.|Listing)\s*[A-Z]?\d+(?:[.\-]\d+)*\s*(?:[:.：—–\-]|$)"
                      r"|(?:表|图)\s*[A-Z]?\d+(?:[.\-]\d+)*)", re.IGNORECASE)
_STAND_IN = re.compile(r"\[(?:Table|Figure|Fig\.|Image|Diagram|表|图)[^\[\]]*\]", re.IGNORECASE)
MIN_UNIT_CHARS = 12
_RULE = re.compile(r"[\W_]+")  # a line of dashes, equals signs or stars drawn across a text file: nothing to quote


@dataclass
class Unit:
    shown: str  # what the answer quotes
    matched: str  # what is compared with the question
    context: str = ""  # the table header, or nothing
    step: bool = False  # an item of a numbered list or checklist: a step of a procedure, usually
    number: int = 0  # the step's number in its list ("4. Classify." is 4), 0 when it has none
    label: str = ""  # what the unit is about by its layout: a table row's first cell, a setting's key
    line: int = -1  # for a sentence of prose, which line (or joined list item) of its source it stands in


def in_place(unit: Unit, source: Source, units: list[Unit]) -> str:
    """A unit's text with what says what it is about around it — its table header, its passage's title and
    section, and the sentence its line opens with (among the passage's `units`): where a passage names the
    thing, or the attribute, a unit gives a value of ("64 × 800G" in the row "Ports" under a header naming the
    KX-5160, "fixes …" under a heading naming release 7.2.2, "P99 one-way latency … 31 us" in the log entry
    that opens "QL-B-038  2025-10-16  ZM Re-run of QL-B-033 …")."""
    opening = units[unit.line].shown if 0 <= unit.line < len(units) and units[unit.line] is not unit else ""
    return f"{unit.shown} {unit.context} {source.title} {source.section} {opening}"


@dataclass
class PreparedUnits:
    """The answer units of one source and what scoring needs of each that does not depend on the question."""

    units: list[Unit]
    tokens: list[set[str]]  # of the matched text
    numbers: list[set[str]]  # numbers written in the shown text
    source_numbers: frozenset[str]  # numbers written anywhere in the source and its context (each candidate
    # of the source holds this one set: frozen, it is not copied)
    ratios: list[float]  # CJK share of the shown text
    chinese: list[bool]  # whether the matched text is mostly Chinese
    vectors: np.ndarray | None
    context_tokens: set[str]  # of the source's title, section and (tables) header
    lowered: str  # the whole source text and its context, lower-cased (for the question's names)
    name_numbers: set[str]  # integers anywhere, also inside names: "rack 12" is written R12 or osp-lf12
    counts: list[set[str]]  # counts spelled out in the shown text ("four delivery modes"): values of "how many"
    labels: list[frozenset[str]]  # tokens of each unit's label (Unit.label), empty for prose
    # numbers of the sentences before each one on its line: the setting of a log entry's or a report's results
    # ("32:1 incast, trimming threshold 1 MiB. Peak trim rate 3.2 %. Median … 6.4 us.")
    setting_numbers: list[set[str]]
    shown: str  # the shown texts of all units, one a line: a word no unit shows is not in it
    # whether each unit's shown text holds a value of a sort (`holding`), by the sort's pattern
    sorts: dict[re.Pattern[str], list[bool]] = field(default_factory=dict)

    def holding(self, sort: re.Pattern[str]) -> list[bool]:
        """Whether each unit's shown text holds a value of the sort `sort` describes (question_shape.ANSWER_TYPES),
        searched once per passage and sort: the value patterns are long (~15 µs a search), the same passages come
        back question after question, and there are a dozen sorts. Threads that race store equal lists."""
        found = self.sorts.get(sort)
        if found is None:
            found = self.sorts[sort] = [bool(sort.search(unit.shown)) for unit in self.units]
        return found


def answer_units(source: Source) -> list[Unit]:
    """Every unit of a source, in order."""
    if source.kind == "table":
        lines = [line for line in source.text.splitlines() if line.strip()]
        header = table_cells(lines[0]) if lines else []
        rows = []
        for row in lines[1:]:
            cells = table_cells(row)
            pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
            rows.append(Unit("; ".join(pairs), " ".join(c for c in cells if c), " ".join(header),
                             label=cells[0] if cells else ""))
        return rows
    units: list[Unit] = []
    for block in re.split(r"\n\s*\n", source.text):
        lines = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("|")]
        if not lines:
            continue
        if _looks_like_settings(lines):
            units.extend(_setting_units(lines))
            continue
        headed = len(lines) > 2 and lines[0].endswith((":", "：")) and not _LIST_ITEM.match(lines[0]) \
            and all(_NUMBERED.match(line) for line in lines[1:])  # "Upgrade (per adapter):" over numbered steps:
        if headed:  # the heading a unit of its own, the steps steps
            units.append(Unit(lines[0], lines[0]))
            lines = lines[1:]
        if all(_LIST_ITEM.match(line) for line in lines):
            items = [_LIST_ITEM.sub("", line) for line in lines]
            if units and units[-1].shown.endswith((":", "：")) and not headed:
                lead = units.pop()  # a lead-in sentence keeps the list it introduces
                text = f"{lead.shown} {'; '.join(items)}"
                units.append(Unit(text, text))
            else:  # numbered items are steps, however short ("4. Classify."); bullets are facts side by side
                for item, line in zip(items, lines, strict=True):
                    numbered = _NUMBERED.match(line)
                    if len(item) >= MIN_UNIT_CHARS or numbered and len(item) >= 3:
                        units.append(Unit(item, item, step=bool(numbered),
                                          number=int(numbered.group(1)) if numbered else 0))
            continue
        for line in (line for line in _items_whole(lines) if not _STAND_IN.fullmatch(line)):
            first = len(units)  # the line's number: the position of its first sentence
            units.extend(Unit(s, s, line=first) for s in split_sentences(_LIST_ITEM.sub("", line))
                         if len(s) >= MIN_UNIT_CHARS and not _CAPTION.match(s) and not _RULE.fullmatch(s))
    return units


def _items_whole(lines: list[str]) -> list[str]:
    """The lines with each list item on one: the lines that continue an item (a wrapped Markdown or text list:
    "- Firmware … says 2.15.2" / "fixed only the trimmed-packet path; …") joined to it, so that a sentence is
    not cut where the item's line ends."""
    first = next((i for i, line in enumerate(lines) if _LIST_ITEM.match(line)), None)
    if first is None or all(_LIST_ITEM.match(line) for line in lines[first:]):
        return lines
    items = lines[:first + 1]
    for line in lines[first + 1:]:
        if _LIST_ITEM.match(line) or _ENDS.search(items[-1]) or _OWN_LINE.search(line):
            items.append(line)  # an item, or a line after a finished one ("判定标准：" / "a) …"), or a row
        else:
            items[-1] = join_text(items[-1], line)
    return items


_ENDS = re.compile(r"[.:;!?。：；！？]$")  # a line that ends a sentence or introduces what follows
_OWN_LINE = re.compile(r"^\(?[A-Za-z][.)]\s|\S {3,}\S")  # "a) …", "(b) …", and a row set in columns


def _looks_like_settings(lines: list[str]) -> bool:
    settings = sum(bool(_SETTING.match(line)) and not _COMMENT.match(line) for line in lines)
    comments = sum(bool(_COMMENT.match(line)) for line in lines)
    return settings >= 2 and settings + comments >= 0.8 * len(lines)


def _setting_units(lines: list[str]) -> list[Unit]:
    """One unit per setting line, with the comment lines just above it in brackets after it."""
    units: list[Unit] = []
    comments: list[str] = []
    for line in lines:
        if _COMMENT.match(line):
            text = _COMMENT.sub("", line).strip(" #")
            if text:
                comments.append(text)
            continue
        if _SETTING.match(line):
            shown = f"{line} ({' '.join(comments)})" if comments else line
            units.append(Unit(shown, shown, label=re.split(r"\s*[=:]", line, maxsplit=1)[0]))
        comments = []
    return units


# the time a chat or log line was written, before what it says: "[2026-05-12 09:29] ", "14:52  "
_STAMP = re.compile(r"^\s*\[?(?:\d{4}-\d{2}-\d{2}[ T])?\d{1,2}:\d{2}(?::\d{2})?\]?\s+")
_IN_NAMES = re.compile(r"(?<![\d.,])\d+(?![\d]|[.,]\d)")  # the 12 of R12 and of osp-lf12 (and every integer)


# A unit that opens with a pronoun continues the unit before it; its words count as the unit's own. So does a
# bare "Default: …" — a manual page's option ("-s, --socket path  Control socket of fpdd.  Default: /run/…"),
# whose default is a sentence of its own that names nothing.
_REFERS_BACK = re.compile(r"(?:(?:It|Its|This|That|These|Those|They|Their|Both|Each)\b|[该其它此这两]|(?:Default|默认值?)\s*[:：])")


def refers_back(text: str) -> bool:
    return bool(_REFERS_BACK.match(text))


@functools.lru_cache(maxsize=4096)  # the answerer compares the same units for near-duplicates answer after answer
def word_set(text: str) -> frozenset[str]:
    """The lower-cased words of a unit's text (split at white space)."""
    return frozenset(text.lower().split())


class UnitCache:
    """Prepared units per (kind, text) of a source, for one index at a time (its embedder made the vectors)."""

    def __init__(self, size: int = 512) -> None:
        self.size = size  # sources whose units are kept (~30 KB each): the hot part of the corpus
        self._lock = threading.Lock()  # guards _prepared and _for; never held while preparing
        self._prepared: OrderedDict[tuple[str, str, str, str], PreparedUnits] = OrderedDict()  # LRU
        self._for: HybridIndex | None = None

    def forget(self) -> None:
        with self._lock:
            self._prepared.clear()
            self._for = None

    def get(self, source: Source, index: HybridIndex | None) -> PreparedUnits:
        key = (source.kind, source.text, source.title, source.section)
        with self._lock:
            if self._for is not index:
                self._prepared.clear()
                self._for = index
            cached = self._prepared.get(key)
            if cached is not None:
                self._prepared.move_to_end(key)
                return cached
        prepared = prepare(source, index)
        with self._lock:
            if self._for is index:
                self._prepared[key] = prepared
                while len(self._prepared) > self.size:
                    self._prepared.popitem(last=False)
        return prepared


def prepare(source: Source, index: HybridIndex | None) -> PreparedUnits:
    units = answer_units(source)
    vectors = None
    if index is not None and index.embedder.local and units:
        vectors = index.embedder.embed([unit.shown for unit in units])
    tokens = [set(tokenize(unit.matched)) for unit in units]
    for i in range(len(units) - 1, 0, -1):  # "It started on 11 September": what "it" is stands just before
        if refers_back(units[i].matched):
            tokens[i] |= tokens[i - 1]
    header = units[0].context if units and source.kind == "table" else ""
    context = f"{named_title(source.title, source.doc)} {source.section} {header}"
    lowered = f"{context}\n{source.text}".lower()
    # "Table 2" gives no value, nor does the time a chat or log line was written ("[2026-05-12 09:29] <ana> …")
    numbers = [numbers_in(REFERENCE.sub(" ", _STAMP.sub("", unit.shown, count=1))) for unit in units]
    setting: list[set[str]] = []
    for i, unit in enumerate(units):
        before = i - 1
        setting.append(setting[before] | numbers[before] if before >= 0 and unit.line >= 0
                       and units[before].line == unit.line else set())
    return PreparedUnits(
        units, tokens, numbers,
        frozenset(numbers_in(f"{context} {source.text}")),
        [cjk_ratio(unit.shown) for unit in units], [cjk_ratio(unit.matched) >= 0.2 for unit in units], vectors,
        set(tokenize(context)), lowered, set(_IN_NAMES.findall(lowered)), [counts_in(unit.shown) for unit in units],
        [frozenset(t for t in tokenize(unit.label) if not t.isdigit()) for unit in units],
        setting,
        "\n".join(unit.shown for unit in units))
