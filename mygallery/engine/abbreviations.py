"""Abbreviations learned from the documents themselves: "Packet Sequence Number (PSN)", "PDC（Packet Delivery
Context）", or a table row "| PSN | Packet Sequence Number | … |".

Specifications and study notes are dense with short forms, and a question uses one form while the passage that
answers it uses the other. `find_abbreviations` reads the definitions a corpus gives; `Abbreviations` then links
a question's short form to its long form and back, so the index can search for both; `acronyms` finds the short
forms a question names and `defines` whether a sentence or table row spells one out (the answerer prefers it for
"what does RUDI stand for"). A candidate is accepted
only when the short form's capitals are the initials of the long form's words (small words like "for" may be
skipped, and one word may give two letters: "Ultra Ethernet Transport" → UET) — prose in parentheses is not a
definition. Non-goals: abbreviations the documents never spell out, lower-case short forms, Chinese short forms.
"""

from __future__ import annotations

import functools
import re

from .word_forms import grouped_alternation

_SHORT = r"[A-Z][A-Za-z0-9]{1,9}"
# The look-behind only skips starts inside a word, which never begin the left-most match (starting one letter
# earlier matches the same words); it saves the regex engine a long backtracking run at every letter of a chunk.
_LONG_THEN_SHORT = re.compile(r"(?<![A-Za-z])((?:[A-Za-z][A-Za-z-]*\s+){1,8}[A-Za-z][A-Za-z-]*)\s*[(（]\s*(" + _SHORT + r")\s*[)）]")
_SHORT_THEN_LONG = re.compile(r"(?<![A-Za-z0-9])(" + _SHORT + r")\s*[(（]\s*([A-Za-z][A-Za-z -]{3,80}?)\s*[)）]")
_TABLE_ROW = re.compile(r"^\|\s*(" + _SHORT + r")\s*\|\s*([A-Za-z][A-Za-z -]{3,80}?)\s*\|", re.MULTILINE)
_SMALL_WORDS = {"for", "of", "and", "the", "on", "in", "to", "over", "with", "a", "an", "per", "by"}


def _letters(short: str) -> str:
    """The letters a short form spells: its capitals (PDCs -> PDC, JobID -> JID) plus digits."""
    capitals = "".join(ch for ch in short if ch.isupper() or ch.isdigit())
    return capitals.lower()


def matching_long_form(short: str, words: list[str]) -> str | None:
    """The shortest tail of `words` whose initials spell `short`, or None."""
    target = _letters(short)
    if len(target) < 2 or sum(ch.isupper() for ch in short) < 2:
        return None
    for loose in (False, True):  # one letter per word first: "Link Level Retry", not "Level Retry"
        for start in range(len(words) - 1, -1, -1):
            tail = words[start:]
            if _spells(target, [w.lower() for w in tail if w.lower() not in _SMALL_WORDS], loose):
                return " ".join(tail)
    return None


def _spells(target: str, words: list[str], loose: bool) -> bool:
    """Whether each word gives its first letter to `target`, in order; `loose` lets a word give one more."""
    if not words:
        return not target
    if not target or words[0][0] != target[0]:
        return False
    word, rest = words[0], target[1:]
    if _spells(rest, words[1:], loose):
        return True
    return loose and len(rest) > 0 and rest[0] in word[1:] and _spells(rest[1:], words[1:], loose)


def find_abbreviations(text: str) -> list[tuple[str, str]]:
    """(short form, long form) pairs that `text` defines."""
    found: list[tuple[str, str]] = []
    # Every pattern needs a bracket or a table bar: most chunks have neither, and the patterns are slow to fail
    # (ingesting 100k chunks spent minutes here; bench/bench_retrieval.py).
    brackets = "(" in text or "（" in text
    if brackets:
        for long_text, short in _LONG_THEN_SHORT.findall(text):
            long_form = matching_long_form(short, long_text.split())
            if long_form:
                found.append((short, long_form))
    for pattern, applies in ((_SHORT_THEN_LONG, brackets), (_TABLE_ROW, "|" in text)):
        if not applies:
            continue
        for short, long_text in pattern.findall(text):
            words = long_text.split()
            if len(words) >= 2 and matching_long_form(short, words) == " ".join(words):
                found.append((short, " ".join(words)))
    return found


_SHORT_FORM = re.compile(r"[a-z][a-z0-9]{1,9}")  # a word of a lower-cased question that may be a short form


class Abbreviations:
    """Short form <-> long form, learned from a corpus; lookups are by lower-cased text."""

    def __init__(self, pairs: list[tuple[str, str]] = ()) -> None:
        self.long_forms: dict[str, set[str]] = {}  # "psn" -> {"packet sequence number"}
        for short, long_form in pairs:
            self.long_forms.setdefault(short.lower(), set()).add(long_form.lower())
        self._short_of = {long_form: short for short, longs in self.long_forms.items() for long_form in longs}
        # longest first, grouped by first character (word_forms.grouped_alternation)
        self._long_pattern = re.compile(rf"\b({grouped_alternation(sorted(self._short_of, key=lambda form: len(re.escape(form)), reverse=True))})\b") \
            if self._short_of else None

    def __len__(self) -> int:
        return len(self.long_forms)

    def related_text(self, question: str) -> list[str]:
        """Long forms of the short forms in `question`, and short forms of the long forms in it."""
        lowered = question.lower()
        related: list[str] = []
        # In the question's order, not a set's: the expansion's order is the order BM25 adds float32 scores
        # in, and a set's order changes with the process's string hash seed (a restart moved the last bits).
        long_forms = self.long_forms
        for word in dict.fromkeys(_SHORT_FORM.findall(lowered)):  # most words are no short form: skip them
            if word in long_forms:
                related.extend(sorted(long_forms[word]))
            if word.endswith("s") and word[:-1] in long_forms:
                related.extend(sorted(long_forms[word[:-1]]))
        if self._long_pattern is not None:
            related.extend(self._short_of[m] for m in self._long_pattern.findall(lowered))
        return list(dict.fromkeys(related))


_ACRONYM = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![A-Za-z0-9])")


def acronyms(question: str) -> list[str]:
    """Abbreviations named in a question (RUDI, PDCs, JobID): two or more capitals, at most 10 characters."""
    found = []
    for term in _ACRONYM.findall(question):
        term = term[:-1] if term.endswith("s") and term[:-1].isupper() else term
        if 2 <= len(term) <= 10 and term not in found:
            found.append(term)
    return found


@functools.lru_cache(maxsize=16384)  # the same passages and abbreviations come back question after question
def defines(unit: str, term: str) -> bool:
    """Whether a sentence or table row spells out `term`: "RUDI (Reliable …)", "… (RUDI)", "RUDI stands for",
    "RUDI 是…", or a table row whose first cell is the term ("Term: RUDI; Expansion: …")."""
    return any(pattern.search(unit) for pattern in _definition_patterns(term))


@functools.lru_cache(maxsize=4096)
def _definition_patterns(term: str) -> tuple[re.Pattern[str], ...]:
    t = re.escape(term)
    return (re.compile(rf"^(?:[^:;]{{0,40}}:\s*)?{t}\s*(?:;|[:：—–-]\s|[(（])"),
            re.compile(rf"[(（]\s*{t}\s*[)）]"),
            re.compile(rf"(?<![A-Za-z0-9]){t}(?![A-Za-z0-9])\s*(?:stands\s+for|means|is\s+short\s+for"
                       rf"|is\s+an?\b|is\s+the\b|是|指|即|全称|代表)"))
