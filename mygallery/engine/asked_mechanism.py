"""Which mechanism an English "how does X …" question asks about: `mechanism_words`, the words that say which
("handshake", "establishment" in "How does the UET PDC establishment handshake work?") — neither the thing it
is asked of (its names: UET, PDC) nor words any such question uses ("work", "handle") — and `says_how`, whether
a passage speaks of them. A folder that mentions UET in passing has no passage on how UET establishes a PDC: the
passage of its best unit then shares the names of the question and none of these words, and answerability.py
says "not in the documents". An English question over Chinese notes is judged by the Chinese forms of its words
the lexicon knows. Non-goals: "why" and "what happens if" questions (their answers give causes and outcomes in
words of their own), procedures ("how do I …": their steps name commands), Chinese questions.
"""

from __future__ import annotations

import re

from .lexicon import has_cjk, tokenize, translations
from .question_shape import QuestionShape
from .unknown_words import ASKING_WORDS

# "How does UET handle multicast traffic", "how is the front-end network cabled" — not "how do I …", "how many"
_HOW_MECHANISM = re.compile(r"^\s*how\s+(?:does|do|did|is|are|can)\s+(?!(?:i|we|you)\b)", re.IGNORECASE)
# verbs a question about any mechanism uses
_ANY_MECHANISM = frozenset(tokenize("work works handle handles happen happens use used support supports deal deals"))
# On the tune halves and the probes, the passage of the best unit held 0.3 or more of these words for every
# answerable "how does" question, less for 5 unanswerable ones (the best unit alone: 0.38 or more against 0.25
# or less for 7 of 8 — but a short unit, "UET 不使用 go-back-N。", leaves the mechanism to the next sentence).
MIN_SHARE = 0.3


def mechanism_words(question: str, asked: QuestionShape) -> tuple[str, ...]:
    """The words (as the index tokenizes them) saying which mechanism an English "how does X …" question asks
    about; none for other questions, or when fewer than two are left."""
    if asked.language != "en" or asked.kind != "reason" or not _HOW_MECHANISM.match(question):
        return ()
    named = {token for anchor in asked.anchors for token in tokenize(anchor)}
    words = tuple(dict.fromkeys(token for token in tokenize(question) if token.isalpha() and len(token) >= 4
                                and token not in ASKING_WORDS and token not in _ANY_MECHANISM and token not in named))
    return words if len(words) >= 2 else ()


def says_how(words: tuple[str, ...], text: str) -> bool:
    """Whether `text` speaks of the mechanism: it holds at least MIN_SHARE of its words — in a Chinese unit, of
    those it can hold, as written or in a Chinese form of the lexicon (集合 for "collective"); when fewer than
    two can be told, it is taken to."""
    held = set(tokenize(text))
    if has_cjk(text):
        forms = {word: [form for form in translations(word) if has_cjk(form)] for word in words}
        words = tuple(word for word in words if forms[word] or word in held)
        if len(words) < 2:
            return True
        return sum(word in held or any(form in text for form in forms[word]) for word in words) >= MIN_SHARE * len(words)
    return sum(word in held for word in words) >= MIN_SHARE * len(words)
