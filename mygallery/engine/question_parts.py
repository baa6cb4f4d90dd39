"""The parts of a question that its checks read: the asking part after sentences of context (`asking_part`:
"Priya measured it at 10 us and 6 us. What was it at 8 us?" asks at 8 us), and how many of its names and
measures count (`bounded`: a message of 600 identifiers is read for 16, those of its asking part first).
Non-goals: what the question asks (question_shape.py).
"""

from __future__ import annotations

import functools
import re

from .chunking import split_sentences


@functools.lru_cache(maxsize=256)  # read by several checks of one answer
def asking_part(question: str) -> str:
    """What a question asks — from its first sentence ending with a question mark to its end — when sentences
    of context come before it ("Priya measured it at 10 us and 6 us. What was it at 8 us?"); the question itself
    when it is one sentence or no sentence ends with a question mark."""
    marks = [at for at in (question.find("?"), question.find("？")) if at >= 0]
    if not marks or not _SENTENCE_BREAK.search(question, 0, min(marks)):  # most questions: one sentence asks
        return question
    sentences = split_sentences(question)
    first = next((i for i, s in enumerate(sentences) if s.rstrip().endswith(("?", "？"))), None)
    return " ".join(sentences[first:]) if first and len(sentences) >= 2 else question


# where a sentence may end before a question's first question mark (as chunking.split_sentences cuts them)
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z0-9\"'(\[]|[。！？；]")


def bounded(found: list[str], question: str) -> tuple[str, ...]:
    """The first MAX_NAMES of `found` (lower-cased names or measures of the question), in order — those of its
    asking part first, so that a question listing names before it asks keeps the one it asks about."""
    if len(found) <= MAX_NAMES:
        return tuple(found)
    asking = asking_part(question).lower()
    kept = set(([f for f in found if f.split(" ", 1)[0] in asking] + [f for f in found if f.split(" ", 1)[0] not in asking])
               [:MAX_NAMES])
    return tuple(f for f in found if f in kept)


# The names (and the measures) of a question that count: the first this many (a question names a handful; each
# costs patterns to make and passages to search — 600 names, a 4,000-character message of identifiers, cost
# half a second)
MAX_NAMES = 16
