"""How a name a question gives may stand in the documents without being written there as the question writes
it (`stands_otherwise`): an abbreviation spelt out ("FAE" / "field application engineer"), a dotted setting path
by its last key ("weights.trim_nack" / a `weights:` block's "trim_nack: 4"), an identifier inside a range the
documents give ("osp-n050" / "nodes = osp-n049..osp-n056") — and a name the question only compares with
("like RoCE", "像 RoCE 那样"), which the documents need not mention at all. answerability.py does not count
such names among those no document mentions. And the members of a family of identifiers a text names, by
number (`members`: "osp-lf07", or a sibling "osp-lf12" beside it). Non-goals: names held as written
(index_lookups.held).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Protocol

from .lexicon import EN_STOP_WORDS


def stands_otherwise(name: str, question: str, texts: list[str]) -> bool:
    """Whether the (lower-cased) name stands in the (lower-cased) texts in another form, or needs no passage."""
    return (spelt_out(name, question, texts) or by_last_key(name, texts) or in_a_range(name, texts)
            or compared_with(name, question))


def spelt_out(name: str, question: str, texts: list[str]) -> bool:
    """Whether `name` is an abbreviation the question writes in capitals ("FAE") whose words a retrieved passage
    spells out ("field application engineer"): a user's shorthand for what the documents write in full."""
    if not 3 <= len(name) <= 5 or not name.isalpha() or name.upper() not in question:
        return False
    spelt = re.compile(r"\b" + r"[\s-]+".join(f"({letter}[a-z]{{2,}})" for letter in name.lower()) + r"\b")
    return any(EN_STOP_WORDS.isdisjoint(match.groups()) for text in texts for match in spelt.finditer(text))


_DOTTED = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")  # "weights.trim_nack", "pds.max_retx"


def by_last_key(name: str, texts: list[str]) -> bool:
    """Whether a dotted setting path ("weights.trim_nack") is held by its last key as a setting ("trim_nack: 4",
    "trim_nack = 4"): a configuration file nests the key under its section."""
    if not _DOTTED.fullmatch(name):
        return False
    key = re.compile(rf"(?<![\w.]){re.escape(name.rpartition('.')[2])}`?\s*[:=]")
    return any(key.search(text) for text in texts)


_NUMBERED = re.compile(r"([a-z][a-z\-_]*?)(\d+)")


def in_a_range(name: str, texts: list[str]) -> bool:
    """Whether an identifier with a number ("osp-n050") lies in a range a passage gives of the same prefix
    ("osp-n049..osp-n056", "osp-n049 – osp-n056", "osp-n049 to 056")."""
    if not (match := _NUMBERED.fullmatch(name)):
        return False
    prefix, number = match.groups()
    span = re.compile(rf"(?<![a-z0-9]){re.escape(prefix)}(\d+)\s*(?:\.\.|–|—|~|-|\bto\b)\s*(?:{re.escape(prefix)})?(\d+)")
    return any(int(low) <= int(number) <= int(high) for text in texts for low, high in span.findall(text))


_COMPARING = r"(?:\b(?:like|unlike|as\s+(?:in|with)|compared\s+(?:to|with)|versus|vs\.?)|像|不像|类似于?|比起|相比)"
_COMPARES = re.compile(_COMPARING, re.IGNORECASE)


def compared_with(name: str, question: str) -> bool:
    """Whether the question names `name` only to compare with it ("a handshake like RoCE's", "像 RoCE 那样",
    "unlike InfiniBand"): what it asks about is something else. (Most questions compare with nothing: one
    search says so before a pattern is made for the name.)"""
    return _compares(question) and bool(re.search(rf"{_COMPARING}\s*{re.escape(name)}(?![a-z0-9])", question.lower()))


@functools.lru_cache(maxsize=256)  # asked once for each name of a question
def _compares(question: str) -> bool:
    return bool(_COMPARES.search(question))


class Finder(Protocol):
    """What finds a name in a text: a compiled pattern, or `Named`."""

    def search(self, text: str) -> object | None: ...


class Named:
    """The names a text gives by one `pattern` whose first group is what tells them apart (an identifier's
    number, a release), kept when `keep` says so: "osp-lf07" of a question about osp-lf07, or a sibling
    "osp-lf12" beside it. `search` answers as a compiled pattern's does (the match, or None). One pattern serves
    every name of its kind; a pattern made for each name a question gives cost ~0.4 ms to compile, question
    after question."""

    __slots__ = ("pattern", "keep")

    def __init__(self, pattern: re.Pattern[str], keep: Callable[[str], bool]) -> None:
        self.pattern, self.keep = pattern, keep

    def search(self, text: str) -> re.Match[str] | None:
        return next((m for m in self.pattern.finditer(text) if self.keep(m.group(1))), None)


def members(letters: str, size: str, numbers: tuple[str, ...], own: bool) -> Named:
    """The members of one family of identifiers — the same letters (and size letter: "Heron-70B") with a number
    — whose number is (`own`) or is not among `numbers`; not "osp-lf070" for osp-lf07."""
    return Named(_family(letters, size), lambda number: (number in numbers) == own)


@functools.lru_cache(maxsize=1024)
def _family(letters: str, size: str) -> re.Pattern[str]:
    end = rf"{size}(?![a-z0-9])" if size else r"(?!\d)"  # "heron-70b", not "heron-70bx"
    return re.compile(rf"(?<![a-z0-9]){re.escape(letters)}[\-_. ]?(\d+){end}", re.IGNORECASE)
