"""Quotes for each thing a comparison names: "Compare OSP-T03 and OSP-T04: what latency was measured within one
leaf, and what across a spine?" is answered by both tests' rows, not by the better-scoring one alone
(`each_named`). Identifiers of one family — the same letters, other numbers — that the question names together
are what it compares. Non-goals: choosing the best unit (extractive.py), siblings the question does not name
(answerability.names_other).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

from .index_lookups import held

_FAMILY = re.compile(r"^([a-z][a-z\-_.]*?[a-z])[\-_. ]?\d+$")  # "osp-t03": "osp-t"


class Quoted(Protocol):
    text: str


Q = TypeVar("Q", bound=Quoted)


def each_named(chosen: list[Q], candidates: Sequence[Q], names: Sequence[str]) -> list[Q]:
    """`chosen`, and after it — for each identifier of `names` (lower-cased) that shares its family with another
    of them and that no quote of `chosen` holds — the first of `candidates` that holds it."""
    families: dict[str, list[str]] = {}
    for name in names:
        if match := _FAMILY.match(name):
            families.setdefault(match.group(1), []).append(name)
    compared = [name for family in families.values() if len(family) >= 2 for name in family]
    added = list(chosen)
    for name in compared:
        if not held(name, [c.text.lower() for c in added]):
            quote = next((c for c in candidates if held(name, [c.text.lower()])), None)
            if quote is not None:
                added.append(quote)
    return added
