"""The offline answerer: composes an answer from the best-matching sentences and table rows of the sources.

`ExtractiveAnswerer` scores every sentence and table row of the retrieved passages against the question
(IDF-weighted term overlap, embedding similarity, the rank of the passage, the question's language, whether a
unit defines an abbreviation the question names) and quotes the best few, each cited [n]. Table rows are shown
with their header ("Term: RUD; Expansion: …") but matched on their cells. What does not depend on the question
— units, their tokens and vectors — is prepared once per source text and kept in an LRU.
Collaborators: the index (IDF, the question's prepared terms, the embedder), `answer_types`.
Non-goals: generating text, summarising across documents, answering without sources.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .answer_types import Source, Turn, word_pieces
from .chunking import split_sentences
from .documents import table_cells
from .index import EXPANSION_WEIGHT, HybridIndex
from .lexicon import cjk_ratio, detect_language, expand_query, has_cjk, tokenize


def answer_units(source: Source) -> list[tuple[str, str]]:
    """(text, text to match) of each sentence and table row of a source, each a self-contained unit.

    A table row is shown with its header ("Term: RUD; Expansion: …") but matched on its cells alone: header
    words are shared by every row and would make all rows look alike to the question."""
    if source.kind == "table":
        lines = [line for line in source.text.splitlines() if line.strip()]
        header = table_cells(lines[0]) if lines else []
        rows = []
        for row in lines[1:]:
            cells = table_cells(row)
            pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=False) if c]
            rows.append(("; ".join(pairs), " ".join(c for c in cells if c)))
        return rows
    units: list[str] = []
    list_item = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
    for block in re.split(r"\n\s*\n", source.text):
        lines = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("|")]
        if lines and all(list_item.match(line) for line in lines):
            items = [list_item.sub("", line) for line in lines]
            if units and units[-1].endswith((":", "：")):
                units[-1] = f"{units[-1]} {'; '.join(items)}"  # a lead-in sentence keeps the list it introduces
            else:
                units.extend(i for i in items if len(i) >= 12)
            continue
        for line in lines:
            units.extend(s for s in split_sentences(list_item.sub("", line)) if len(s) >= 12)
    return [(unit, unit) for unit in units]


_ACRONYM = re.compile(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?![A-Za-z0-9])")
_DEFINITION_QUESTION = re.compile(
    r"\b(?:what\s+(?:is|are|does|do)|stands?\s+for|mean(?:s|ing)?|define|definition|expan\w*|abbreviat\w*|acronym"
    r"|full\s+name|short\s+for)\b|什么是|是什么|全称|缩写|含义|意思|指什么|代表什么|是啥", re.IGNORECASE)


def acronyms(question: str) -> list[str]:
    """Abbreviations named in a question (RUDI, PDCs, JobID): two or more capitals, at most 10 characters."""
    found = []
    for term in _ACRONYM.findall(question):
        term = term[:-1] if term.endswith("s") and term[:-1].isupper() else term
        if 2 <= len(term) <= 10 and term not in found:
            found.append(term)
    return found


def asks_for_definition(question: str) -> bool:
    return bool(_DEFINITION_QUESTION.search(question))


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


@dataclass
class PreparedUnits:
    """The answer units of one source with what compose() needs of each that does not depend on the question:
    search tokens of the matched text, the CJK share of the shown text, and (local embedder) its vector."""

    units: list[tuple[str, str]]
    tokens: list[set[str]]  # of the matched text
    shown_tokens: dict[str, set[str]]  # unit -> tokens of the shown text (the same set unless a table row)
    ratios: list[float]
    chinese: list[bool]  # whether the matched text is mostly Chinese
    vectors: np.ndarray | None


# How an answer that the documents do not give begins, in each language: `answered` recognises it by this.
NOT_IN_DOCUMENTS = {"en": "The documents do not contain an answer to this question.",
                    "zh": "资料中没有找到这个问题的答案。"}
CLOSEST = {"en": "The documents do not answer this directly; the closest passages are:",
           "zh": "资料中没有直接的答案；最接近的内容是："}
UNANSWERED_LEADS = tuple(NOT_IN_DOCUMENTS.values()) + tuple(CLOSEST.values())


class ExtractiveAnswerer:
    """Composes an answer from the best-matching sentences of the sources; no model, no network."""

    name = "extractive"
    max_units = 4
    max_chars = 900

    prepared_sources = 512  # sources whose units are kept prepared (~30 KB each): the hot part of the corpus

    def __init__(self, index_provider: Callable[[], HybridIndex | None]) -> None:
        self._index_provider = index_provider
        # Splitting sources into sentences, tokenizing and embedding them was most of an answer's time, and
        # the same passages come back for question after question: that work is kept per source text.
        self._prepared_lock = threading.Lock()  # guards _prepared and _prepared_for; never held while preparing
        self._prepared: OrderedDict[tuple[str, str], PreparedUnits] = OrderedDict()  # LRU by (kind, text)
        self._prepared_for: HybridIndex | None = None  # the index whose embedder made the cached vectors

    def forget_index(self) -> None:
        """Drop what was prepared for the previous index (a new generation went live): the old index can go."""
        with self._prepared_lock:
            self._prepared.clear()
            self._prepared_for = None

    def prepare_units(self, source: Source, index: HybridIndex | None) -> PreparedUnits:
        """The source's answer units, prepared once per source text (and index) and then served from an LRU."""
        key = (source.kind, source.text)
        with self._prepared_lock:
            if self._prepared_for is not index:
                self._prepared.clear()
                self._prepared_for = index
            cached = self._prepared.get(key)
            if cached is not None:
                self._prepared.move_to_end(key)
                return cached
        units = answer_units(source)
        vectors = None
        if index is not None and index.embedder.local:
            vectors = index.embedder.embed([unit for unit, _ in units])
        tokens = [set(tokenize(matched)) for _, matched in units]
        shown = {unit: matched_tokens if unit == matched else set(tokenize(unit))
                 for (unit, matched), matched_tokens in zip(units, tokens, strict=True)}
        prepared = PreparedUnits(units, tokens, shown, [cjk_ratio(unit) for unit, _ in units],
                                 [cjk_ratio(matched) >= 0.2 for _, matched in units], vectors)
        with self._prepared_lock:
            if self._prepared_for is index:
                self._prepared[key] = prepared
                while len(self._prepared) > self.prepared_sources:
                    self._prepared.popitem(last=False)
        return prepared

    def compose(self, question: str, sources: list[Source]) -> str:
        language = detect_language(question)
        if not sources:
            return NOT_IN_DOCUMENTS[language]
        index = self._index_provider()
        prepared = index.prepare(question) if index is not None else None
        own = set(prepared.tokens) if prepared else set(tokenize(question))
        related = set(prepared.expansion) if prepared else set(expand_query(question)) - own
        weight = {t: (index.idf(t) if index is not None else 1.0) for t in own | related}
        # What a passage in the other script can match: in a Chinese passage, the Chinese forms of an English
        # question's terms and its abbreviations (written as is in Chinese notes); in an English passage, the
        # Latin words of a Chinese question and the English forms of its terms. Coverage is measured against
        # that view, or every cross-language answer would look weak.
        named = set(tokenize(" ".join(acronyms(question))))
        other_view = ({t for t in related if has_cjk(t)} | (own & named) if language == "en"
                      else {t for t in own | related if not has_cjk(t)})

        # One pass over the units; the arithmetic (terms and their order) is the same as scoring in stages
        # would do, so answers stay what they were — only the per-unit calls and list rebuilds are gone.
        ready_units = [self.prepare_units(source, index) for source in sources]
        if not any(ready.units for ready in ready_units):
            return NOT_IN_DOCUMENTS[language]
        similarity: list[float] | None = None
        if index is not None and index.embedder.local:
            question_vector = index.embedder.embed([question])[0]
            # Source by source: concatenating the unit vectors first copied ~20 KB and let go of the GIL for it.
            similarity = [value for ready in ready_units for value in (ready.vectors @ question_vector).tolist()]
        total_own, total_related, total_other = (sum(weight[t] for t in view) for view in (own, related, other_view))
        term_weight = weight.__getitem__
        terms = acronyms(question)
        definition_bonus = 0.5 if asks_for_definition(question) else 0.1
        language_weight = 0.08 if language == "zh" else -0.15
        candidates: list[tuple[float, float, int, str]] = []  # (score, lexical, n, text)
        following: dict[tuple[int, str], str] = {}  # (n, unit) -> the unit after it in the same source
        shown_tokens: dict[str, set[str]] = {}
        i = 0
        for rank, (source, ready) in enumerate(zip(sources, ready_units, strict=True)):
            units = ready.units
            shown_tokens.update(ready.shown_tokens)
            for (unit, _), (after, _) in zip(units, units[1:], strict=False):
                following[(source.n, unit)] = after
            for (unit, _), unit_tokens, ratio, chinese in zip(units, ready.tokens, ready.ratios, ready.chinese,
                                                              strict=True):
                lexical = min(1.0, (sum(map(term_weight, own & unit_tokens)) / total_own if total_own else 0.0)
                              + EXPANSION_WEIGHT * (sum(map(term_weight, related & unit_tokens)) / total_related
                                                    if total_related else 0.0))
                if other_view and chinese != (language == "zh"):
                    lexical = max(lexical, sum(map(term_weight, other_view & unit_tokens)) / total_other
                                  if total_other else 0.0)
                score = lexical + 0.12 / (1 + rank)
                if similarity is not None:
                    score = score + 0.35 * similarity[i]
                score = score + language_weight * ratio + (
                    definition_bonus if any(term in unit and defines(unit, term) for term in terms) else 0.0)
                candidates.append((score, lexical, source.n, unit))
                i += 1
        candidates.sort(key=lambda c: -c[0])
        best = candidates[0]
        chosen: list[tuple[int, str]] = []
        seen_tokens: list[set[str]] = []
        used = 0
        for score, _, n, unit in candidates:
            if len(chosen) >= self.max_units or score < 0.55 * best[0] or used + len(unit) > self.max_chars and chosen:
                break
            tokens = shown_tokens[unit]
            if any(len(tokens & other) / max(1, len(tokens | other)) > 0.6 for other in seen_tokens):
                continue  # a near-duplicate (overlapping chunks) adds nothing
            chosen.append((n, unit))
            seen_tokens.append(tokens)
            used += len(unit)
        # A short best passage ("UET does not use go-back-N.") usually opens a thought the next sentence
        # completes: quote that one too, right after it.
        best_n, best_unit = chosen[0]
        after = following.get((best_n, best_unit))
        if len(best_unit) < 60 and after and (best_n, after) not in chosen and best[3] == best_unit:
            chosen.insert(1, (best_n, after))
        weak = best[1] < 0.2
        lines = []
        if weak:
            lines.append(CLOSEST[language])
        elif language == "zh" and not any(has_cjk(u) for _, u in chosen):
            lines.append("资料中的相关内容（英文原文）：")
        lines.extend(f"{unit} [{n}]" for n, unit in chosen)
        return "\n\n".join(lines)

    @staticmethod
    def _language_bonus(language: str, unit: str, ratio: float | None = None) -> float:
        ratio = cjk_ratio(unit) if ratio is None else ratio
        if language == "zh":
            return 0.08 * ratio
        return -0.15 * ratio

    def answered(self, text: str) -> bool:
        return not text.startswith(UNANSWERED_LEADS)

    def stream(self, question: str, sources: list[Source], history: list[Turn]) -> Iterator[str]:
        yield from word_pieces(self.compose(question, sources))
