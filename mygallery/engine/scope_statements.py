"""Scope statements: a passage that says what its document leaves out ("Out of scope are the front-end
network …", "P4 storage heads are inventoried in the storage DCIM, not here", "前端管理网络与存储网络……不在本课
范围内"). Among the best answers to a question, such a passage says the documents do not cover what is asked:
the reader is told so, with the passage, instead of getting it, or its neighbours, as an answer.
Non-goals: judging other evidence of absence (answerability.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, TypeVar

OUT_OF_SCOPE = re.compile(r"\b(?:out|outside|beyond)\s+(?:of\s+)?(?:the\s+|this\s+|its\s+)?scope\b|,\s*not\s+here\b"
                          r"|(?:不在|超出)本.{0,8}范围|不在.{0,6}范围内|本文不涉及", re.IGNORECASE)


class Scored(Protocol):
    text: str
    score: float


C = TypeVar("C", bound=Scored)


def disclaimer(candidates: Sequence[C], best: C, kind: str, within: int, share: float) -> C | None:
    """The first of the leading `within` candidates, scoring at least `share` of the best, that says what the
    documents leave out — None when there is none, or when the question asks yes or no (whether a thing is in
    scope is answered by such a statement)."""
    if kind == "yesno":
        return None
    return next((c for c in candidates[:within] if c.score >= share * best.score and says_out_of_scope(c.text)), None)


_CUES = ("scope", "not here", "范围", "不涉及")  # one of them is in every statement OUT_OF_SCOPE finds


def says_out_of_scope(text: str) -> bool:
    """Whether the text says what its document leaves out. Substring tests first: the pattern costs ~10 µs a
    passage, and most passages hold none of its words."""
    lowered = text.lower()
    return any(cue in lowered for cue in _CUES) and bool(OUT_OF_SCOPE.search(text))
