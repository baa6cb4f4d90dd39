"""Whether the documents — the whole index, not the passages retrieved for a question — hold a thing the
question names: a numbered table, figure, issue or section (`numbered_parts`, `in_documents`), an identifier
(`named_anywhere`: "HX-400", which a long question's other words may keep out of the retrieved passages); and
how a text holds a name (`held`: "hx400" / "HX-400"). answerability.py reads them to tell a name no document
mentions. And how specific each of a question's terms is across the documents (`question_weights`), by which
extractive.py weighs the terms a passage covers. Non-goals: the verdict (answerability.py), ranking (index.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .index import HybridIndex, term_tokens
from .lexicon import tokenize

_SEPARATOR = r"[\s\-_./\u2010-\u2015]"  # also the dashes typeset text uses: "SM1–SM3"
_SEPARATORS = re.compile(f"{_SEPARATOR}+")


def held(name: str, texts: list[str]) -> bool:
    """Whether one of the (lower-cased) texts holds the name — also as the documents write it with a hyphen
    or a space where the question has none, or the reverse ("hx400" / "HX-400", "rb 07" / "RB-07"), or with
    a multiplication sign for an x ("2x400G" / "2 × 400GbE")."""
    if any(name in text for text in texts):
        return True
    squeezed = _SEPARATORS.sub("", name)
    return bool(squeezed) and any(squeezed in _SEPARATORS.sub("", text).replace("×", "x") for text in texts)


_NUMBERED_PART = re.compile(r"\b(Table|Figure|Fig\.)\s*((?:[A-Z]\.?)?\d+(?:[.\-]\d+)*)(?![\d.\-]*\d)|([表图])\s*((?:[A-Z]\.?)?\d+"
                            r"(?:[.\-]\d+)*)", re.IGNORECASE)
_TABLE, _FIGURE = r"(?:table|tab\.|表)", r"(?:figure|fig\.|图)"  # in either language
_PART_WORDS = {"table": _TABLE, "表": _TABLE, "figure": _FIGURE, "fig.": _FIGURE, "图": _FIGURE, "#": "#"}
_HASH_NUMBER = re.compile(r"#\s?(\d{2,})\b")  # an issue, a pull request, a ticket: "issue #219", "PR #231"
_MAX_LOOKUPS = 20_000  # chunks holding the number: past this many, the number is too common to look through
# … and an identifier's parts ("tc" and "1" of "TC-1"): each chunk is lowered and searched whole, so fewer, and
# past this many it counts as named (no "never mentioned" on a guess)
_MAX_NAME_LOOKUPS = 2_000


# a numbered section: "section 9", "clause 4.3", "§ 7", "第 9 节" (not "第 2 节点", a node)
_SECTION_NUMBER = re.compile(r"(?:\b(?:section|clause|chapter)\s+|§\s*)(\d+(?:\.\d+)*)(?![\d.]*\d)"
                             r"|第\s*(\d+(?:\.\d+)*)\s*[节章](?!点)", re.IGNORECASE)


# What an ASCII question needs for any of the three patterns above to match (in ASCII text, ignoring case is
# comparing lower-cased letters): most questions name no table, figure, issue or section, and these substring
# tests cost a fraction of the three scans.
_PART_CUES = ("table", "fig", "#", "section", "clause", "chapter")


def numbered_parts(question: str) -> list[str]:
    if question.isascii() and not any(cue in question.lower() for cue in _PART_CUES):
        return []
    return [f"{m.group(1) or m.group(3)} {m.group(2) or m.group(4)}" for m in _NUMBERED_PART.finditer(question)] \
        + [f"#{number}" for number in _HASH_NUMBER.findall(question)] \
        + [m.group(0).strip() for m in _SECTION_NUMBER.finditer(question)]  # as the question writes it


def named_anywhere(index: HybridIndex, name: str) -> bool:
    """Whether a chunk of the index names the identifier `name` ("hx-400", "xq-net-tr-007") — with or without
    its separators, as held() reads a name, but whole: "tc-1" is not named by "TC-10" — looked up in the chunks
    holding all its tokens, or all its letters' and digits' runs ("hx400" where documents write "HX-400");
    True past _MAX_NAME_LOOKUPS of them."""
    found = _chunks_holding(index, term_tokens(name)) or _chunks_holding(index, _RUNS.findall(name))
    if not found:
        return False
    pattern = _whole_name(name)
    return len(found) > _MAX_NAME_LOOKUPS or any(pattern.search(index.chunks[p].search_text) for p in found)


_RUNS = re.compile(r"[a-z]+|\d+")  # "hx400": "hx", "400"


@functools.lru_cache(maxsize=1024)
def _whole_name(name: str) -> re.Pattern[str]:
    """The name whole, its characters with or without separators between them ("hx400" / "HX-400", "2x400g" /
    "2 × 400G")."""
    squeezed = _SEPARATORS.sub("", name)
    chars = [("[x×]" if c == "x" else re.escape(c)) for c in squeezed]
    return re.compile(r"(?<![a-z0-9])" + f"{_SEPARATOR}*".join(chars) + r"(?![a-z0-9])", re.IGNORECASE)


def in_documents(index: HybridIndex, name: str) -> bool:
    """Whether a chunk (its text or its caption) names the numbered table, figure or issue `name` ("Table 6",
    "#219"), or — a section ("section 9", "第 9 节") — has a heading of that number (or under it: 4.1 for
    section 4), a line that starts with it, or a reference to it."""
    if section := _SECTION_NUMBER.fullmatch(name):
        word, number = "§", section.group(1) or section.group(2)
    else:
        word, number = ("#", name[1:]) if name.startswith("#") else name.split(" ", 1)
    tokens = tokenize(number)
    found = _chunks_holding(index, tokens)
    if not found:  # no chunk holds all its tokens — or it has none to look up
        return found is None
    if len(found) > _MAX_LOOKUPS:
        return True
    if word == "§":
        n = re.escape(number)
        pattern = re.compile(rf"(?m)^\s*(?:[^\n]*> )?{n}(?:\.|\s|、|$)|(?:section|clause|chapter|§|第)\s*{n}(?![\d.]*\d)",
                             re.IGNORECASE)
        return any(pattern.search(f"{index.chunks[p].section}\n{index.chunks[p].text}") for p in found)
    pattern = re.compile(rf"{_PART_WORDS[word.lower()]}\s*{re.escape(number)}(?![\d.\-]*\d)", re.IGNORECASE)
    return any(pattern.search(index.chunks[p].search_text) for p in found)


def _chunks_holding(index: HybridIndex, tokens: Iterable[str]) -> set[int] | None:
    """The positions of the chunks that hold every one of `tokens` (an empty set when a token is in none);
    None when there are no tokens."""
    found: set[int] | None = None
    for token in tokens:
        postings = index.postings(token)
        if postings is None:
            return set()
        positions = set(postings[0].tolist())
        found = positions if found is None else found & positions
    return found


def question_weights(index: HybridIndex | None, terms: set[str]) -> dict[str, float]:
    """IDF of each question term. A term no document has would get the highest IDF of all and decide every
    coverage alone — a Chinese question's bigrams across word boundaries are often such terms — so it weighs
    as little as the question's least specific known term instead."""
    if index is None:
        return dict.fromkeys(terms, 1.0)
    known = {t: index.idf(t) for t in terms if index.doc_frequency.get(t)}
    floor = min(known.values(), default=1.0)
    return {t: known.get(t, floor) for t in terms}
