"""Typos in a question: "drian" for drain, "aproved" for approved, "latnecy", "pathleger", "sedgmoor".

A word of a question that no document has is read as the document word one edit away from it (a letter left
out or added, or two letters swapped — most typos are one of these), when there is one — the most
frequent, if several — and the typed word is no English word: "long" is not a typo of "log", nor "power" of
"lower", nor "baking" of "backing", though no document may have them. What counts as an English word is a
whole-word piece of the Llama-2 tokenizer that ships inside the wordllama package (about 10,000 words of three
letters or more, nothing downloaded), also with a suffix ("bake" + "ing"); a word whose stem has fewer than five
letters is never corrected (too many short words are one edit from another: "form" and "from").
`stands_for` reads a word no document has either way: as a Chinese name typed in pinyin (pinyin_names.py), or
as a typo.
Non-goals: words two edits away, Chinese, names in other scripts; where the index and the answerer use the
corrections (index.py, answerability.py).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path

from .lexicon import stem, tokenize
from .pinyin_names import chinese_name

log = logging.getLogger(__name__)

MIN_LETTERS = 5
# … and at most this long: no word a document has, nor a pinyin name, is longer, and the edits of a word are
# ~28 strings per letter of its length each (a 3,000-letter "word" cost 0.35 s and 250 MB to correct)
MAX_LETTERS = 40
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD_START = "\u2581"  # SentencePiece's mark of a piece that starts a word


def one_edit_away(word: str) -> set[str]:
    """The strings one deletion, transposition or insertion of a letter away from `word` — not a substitution:
    a letter changed makes another word more often than a typo ("power" and "lower", "card" and "care")."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b for a, b in splits for c in _LETTERS})


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Lower-case English words of three letters or more: the whole-word pieces of the tokenizer in the
    wordllama package (empty when it is not installed — then no word is corrected, see `correction`)."""
    try:
        import wordllama
    except ImportError:
        return frozenset()
    for path in sorted(Path(wordllama.__file__).parent.rglob("*tokenizer*.json")):
        try:
            vocabulary = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        words = frozenset(piece[1:].lower() for piece in vocabulary
                          if piece.startswith(_WORD_START) and len(piece) > 3 and piece[1:].isalpha() and piece[1:].isascii())
        if words:
            return words
    log.warning("no tokenizer vocabulary in the wordllama package: question typos are not corrected")
    return frozenset()


_SUFFIXES = ("ing", "ed", "es", "s", "er", "ers", "est", "ly", "ment", "ness", "able")


def is_english(word: str) -> bool:
    """Whether `word` is an English word of the list or one of them with a suffix ("baking" is "bake" + "ing",
    "stopped" "stop" + "ed"): the list holds a word in one or two of its forms."""
    known = english_words()
    if word in known:
        return True
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[:-len(suffix)]
            if base in known or f"{base}e" in known or base[-1] == base[-2] and base[:-1] in known \
                    or base.endswith("i") and f"{base[:-1]}y" in known:
                return True
    return False


def correction(word: str, frequency: Callable[[str], int], stem: Callable[[str], str]) -> str | None:
    """The index term (a stem, as `frequency` counts them) that the typed `word` (lower case) is a typo of, or
    None: only for a word whose stem has MIN_LETTERS letters or more, that no document has and that is no
    English word; the most frequent term whose word is one edit from it (ties: the first in alphabetical order).
    The edits are of the word as typed, then stemmed: "latnecy" is "latency" with two letters swapped — and the
    stem must be one edit from the typed word (or its stem) too: "burnin" is no typo of "burning" (stem burn)."""
    if len(stem(word)) < MIN_LETTERS or not word.isascii() or not word.isalpha() or frequency(stem(word)):
        return None  # (a short stem, "forms" → "form", is one edit from too many words: "from")
    if not english_words() or is_english(word):
        return None
    # the term's stem one edit from the word or its stem too: "burnin" is not "burning" (stem burn) but a compound
    typed = {word, stem(word)}
    best = min(((-count, term) for term in {stem(edit) for edit in one_edit_away(word)}
                if (count := frequency(term)) and not typed.isdisjoint(one_edit_away(term) | {term})), default=None)
    return best[1] if best else None


def stands_for(word: str, frequency: Callable[[str], int], translated: Callable[[str], bool]) -> tuple[str, ...]:
    """What a typed word (lower case) that no document has stands for, as index terms (`frequency` counts
    them): the Chinese name it spells in pinyin ("qiyun": 栖云) or the term it is a typo of ("drian": drain);
    () for neither, and for a word a document has, or has in the other language (`translated`), or an
    English word."""
    if len(word) > MAX_LETTERS or frequency(stem(word)) or translated(word) or is_english(word):
        return ()
    if (name := chinese_name(word, frequency)) is not None:
        return tuple(tokenize(name))
    fixed = correction(word, frequency, stem)
    return (fixed,) if fixed else ()
