"""Quotes for each thing a comparison names: "Compare OSP-T03 and OSP-T04: what latency was measured within one
leaf, and what across a spine?" is answered by both tests' rows, not by the better-scoring one alone
(`each_named`). Identifiers of one family — the same letters, other numbers — that the question names together
are what it compares (answerability.compared). Non-goals: choosing the best unit (extractive.py), siblings the
question does not name (answerability.names_other).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from .name_forms import Finder


class Quoted(Protocol):
    text: str


Q = TypeVar("Q", bound=Quoted)


def each_named(chosen: list[Q], candidates: Sequence[Q], compared: Sequence[Finder], room: int) -> list[Q]:
    """`chosen`, and after it — for each compared identifier (its pattern, which does not find "TC-1" in
    "TC-10") that no quote of `chosen` names — the first of `candidates` that names it, while the quotes stay
    within `room` characters in all."""
    added = list(chosen)
    used = sum(len(c.text) for c in added)
    for pattern in compared:
        if not any(pattern.search(c.text) for c in added):
            quote = next((c for c in candidates if pattern.search(c.text)), None)
            if quote is not None and used + len(quote.text) <= room:
                added.append(quote)
                used += len(quote.text)
    return added
