"""The parts of a question that its checks read: the asking part after sentences of context (`asking_part`:
"Priya measured it at 10 us and 6 us. What was it at 8 us?" asks at 8 us), what it reports a document or a
person to say (`reported`: "the paper says the half-life is 2 ms — is that still the default?" asks for no value
at 2 ms), and how many of its names and measures count (`bounded`: a message of 600 identifiers is read for 16,
those of its asking part first).
Non-goals: what the question asks (question_shape.py).
"""

from __future__ import annotations

import functools
import re

from .chunking import split_sentences


@functools.lru_cache(maxsize=256)  # read by several checks of one answer
def asking_part(question: str) -> str:
    """What a question asks — the end of it, from its first sentence ending with a question mark — when
    sentences of context come before it ("Priya measured it at 10 us and 6 us. What was it at 8 us?"); the
    question itself when it is one sentence or no sentence ends with a question mark. What comes before it is
    the context: `question[:-len(asking)]` when they differ."""
    marks = [at for at in (question.find("?"), question.find("？")) if at >= 0]
    if not marks or not _SENTENCE_BREAK.search(question, 0, min(marks)):  # most questions: one sentence asks
        return question
    at = 0
    for number, sentence in enumerate(split_sentences(question)):
        at = question.find(sentence, at)  # each sentence as the question writes it, in order
        if at < 0:
            return question
        if sentence.endswith(("?", "？")):
            return question[at:] if number else question
        at += len(sentence)
    return question


# where a sentence may end before a question's first question mark (as chunking.split_sentences cuts them)
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z0-9\"'(\[]|[。！？；]")


def reported(question: str) -> tuple[str, str]:
    """The clauses of `question` that report what a document or a person says ("the paper says the penalty
    half-life is 2 ms", "according to the spec it is 9.5 µs", "规范里写的是 416 KiB"), joined ("" when it has
    none), and the rest of it. A value there is a claim the question checks, not a condition it asks at. Not a
    noun or a verb of another sense: "the write latency at 4 KiB", "the link state at 3 ms", "which documents
    give …", "配置说明中"."""
    lowered = question.lower()
    if not any(word in lowered for word in _REPORTING):  # most questions report nothing: one look says so
        return "", question
    said = " ".join(m.group(0) for m in _REPORTED.finditer(question))
    return said, _REPORTED.sub(" ", question) if said else question


_REPORTING = ("said", "says", "claim", "state", "according", "quote", "mention", "写", "提到", "记得", "说")
# a reporting verb and the rest of its clause
_REPORTED = re.compile(r"\b(?:says|said|claims|claimed|states\s+that|stated|according\s+to|quotes|quoted|mentions|"
                       r"mentioned)\b[^.?!;。？！；]*|(?:写的是|写着|提到|记得|里说|中说|上说|说是)[^。？！；?]*", re.IGNORECASE)


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
