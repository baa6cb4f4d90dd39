"""`PieceTokenizer`: the ids a SentencePiece-style BPE tokenizer (`tokenizers.Tokenizer`) gives a text, word by
word from a cache of words — exactly `encode(text, add_special_tokens=False).ids`, checked when it is made.

Why: the tokenizer that ships inside wordllama (Llama 2's) puts "▁" before the text and for every space, then
runs BPE over the whole string at once: ~20 µs for a question, ~150 µs for an answer of 450 characters. No token
joins a character to a following "▁" (`exact` checks it), so BPE never merges across the start of a word, and
the ids of a text are the ids of its words — each tokenized once per process. Text is mostly words seen before.
Used by the embedder (a question's ids, LocalEmbedder.token_ids) and by token counting (token_count.py: the
usage of an OpenAI-style answer counts the answer's tokens on every request).
Non-goal: other tokenizer shapes — for them `ids` calls encode() as it is.
"""

from __future__ import annotations

import functools
import json
import re

_MARK = "\u2581"  # SentencePiece's word-start mark
_WORD_START = re.compile(f"{_MARK}*[^{_MARK}]+|{_MARK}+")  # a word with the marks before it
_DIGIT = re.compile("([0-9])")  # splits a piece into its ASCII digits and what stands between them
_BYTE_TOKEN = re.compile("<0x[0-9A-F]{2}>")


class PieceTokenizer:
    """One tokenizer's ids, word by word from a cache when its shape allows it (`exact`), else by encode()."""

    def __init__(self, tokenizer, cache_size: int = 1 << 16) -> None:
        self.tokenizer = tokenizer
        vocab = tokenizer.get_vocab()  # once for both checks (~17 ms for Llama 2's 32,000 tokens)
        self.exact = _splits_at_word_starts(tokenizer, vocab)
        self._digits_alone = _digits_alone(vocab)
        self._piece_ids = functools.lru_cache(maxsize=cache_size)(self._piece_ids_uncached)

    def ids(self, text: str) -> list[int]:
        """The ids tokenizer.encode(text, add_special_tokens=False) gives."""
        if not self.exact:
            return self.tokenizer.encode(text, add_special_tokens=False).ids
        if not text:
            return []
        ids: list[int] = []
        for piece in _WORD_START.findall(_MARK + text.replace(" ", _MARK)):
            ids.extend(self._piece_ids(piece))
        return ids

    def _piece_ids_uncached(self, piece: str) -> tuple[int, ...]:
        if self._digits_alone and len(piece) > 1 and _DIGIT.search(piece):  # a number ("▁4791", "▁3.6.0"): BPE
            # merges no digit with anything, so the pieces between the digits are tokenized alone (cached)
            return tuple(i for part in _DIGIT.split(piece) if part for i in self._piece_ids(part))
        return tuple(token.id for token in self.tokenizer.model.tokenize(piece))


def _splits_at_word_starts(tokenizer, vocab: dict[str, int]) -> bool:
    """Whether encode() is BPE over "▁" + text with spaces as "▁" and nothing else (no pre-tokenizer, no
    other normalizer), and no token in the vocabulary has a "▁" after another character (only runs of
    marks): then words can be tokenized one by one with the same result (PieceTokenizer.ids). The parts are
    read one by one: the whole tokenizer as JSON (1.3 MB) took ~70 ms to write and parse in every process."""
    from tokenizers.models import BPE

    normalizer = json.loads(tokenizer.normalizer.__getstate__()) if tokenizer.normalizer is not None else None
    expected = {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": _MARK},
                                                     {"type": "Replace", "pattern": {"String": " "}, "content": _MARK}]}
    return (normalizer == expected and tokenizer.pre_tokenizer is None
            and isinstance(tokenizer.model, BPE) and not tokenizer.model.dropout
            and all(_MARK not in token[1:] or set(token) == {_MARK} for token in vocab))


def _digits_alone(vocab: dict[str, int]) -> bool:
    """Whether each ASCII digit is a token and no other token holds one (byte-fallback tokens such as <0x41>
    aside): then BPE never merges a digit, a digit is its own token wherever it stands, and the text between
    two digits is tokenized as it would be alone (PieceTokenizer._piece_ids_uncached)."""
    return all(digit in vocab for digit in "0123456789") and not any(
        len(token) > 1 and _DIGIT.search(token) and not _BYTE_TOKEN.fullmatch(token) for token in vocab)
