"""Answering: retrieval + numbered sources + an `Answerer`, with a safe fallback — the `AnswerService`.

`AnswerService` rewrites follow-up questions into standalone queries, retrieves and numbers the sources,
streams the primary answerer (extractive.py offline, openai_answerer.py with an OpenAI-compatible server) and,
when that fails or times out (also mid-stream), falls back to the extractive answer with a notice.
`make_answer_service` picks the primary answerer from the settings.
Non-goals: where an answer is computed (a thread or an answer process: the web layer decides), HTTP.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
import weakref
from collections.abc import Callable, Iterator

from ..config import Settings
from ..errors import AnswerBackendError, NotReady
from .answer_types import Answerer, AnswerResult, Source, Turn, chunk_snippet, standalone_query, word_pieces
from .document_references import documents_of_kind, referenced_kind, without_reference
from .extractive import ExtractiveAnswerer
from .index import Hit, HybridIndex, LiveIndex
from .lexicon import detect_language, question_language
from .openai_answerer import OpenAIAnswerer
from .question_shape import numbers_in, shape

LANGUAGE_RESERVE = 5  # extra hits looked at for a passage in the question's language, or holding the asked value
ROW_RESERVE = 10  # and further, for a table with a row labelled by an identifier the question names


@functools.lru_cache(maxsize=8192)  # chunk texts come back answer after answer; counting their letters does not
def mostly_chinese(text: str) -> bool:
    return detect_language(text) == "zh"


def with_question_language(hits: list[Hit], question: str, k: int) -> list[Hit]:
    """The first k hits, but with the best passage in the question's language among them when one is close
    behind: a Chinese question then gets a Chinese source to quote, an English question an English one."""
    chinese = question_language(question) == "zh"
    top = hits[:k]
    if not top or any(mostly_chinese(h.chunk.text) == chinese for h in top):
        return top
    match = next((h for h in hits[k:] if mostly_chinese(h.chunk.text) == chinese), None)
    return top if match is None else _swapped_in(top, match)


def with_asked_value(hits: list[Hit], top: list[Hit], question: str) -> list[Hit]:
    """`top`, but — for a question asking for a value ("how many bits wide is the entropy value") of which no
    passage of `top` holds one (of the asked sort when it has one, else a number the question does not give) —
    with the best passage close behind in `hits` that does: the glossary row "16-bit per-packet value" ranked
    ninth behind eight sentences about what entropy values are for."""
    asked = shape(question)
    if asked.kind != "number" or asked.valueless or not top:
        return top

    def holds(hit: Hit) -> bool:
        if asked.expects is not None:
            return holds_sort(hit.chunk.text, asked.expects)
        return bool(chunk_numbers(hit.chunk.text) - asked.numbers)

    return _taken_in(hits, top, holds)


def with_labelled_row(hits: list[Hit], top: list[Hit], question: str) -> list[Hit]:
    """`top`, but — for a question naming an identifier ("L23", "PW-680") that labels a row of a table further
    behind in `hits` while no passage of `top` has such a row — with that table: a per-leaf statistics table of
    thirty rows ranks below every sentence that mentions leaf L23 once, yet its row holds the asked figure. So
    for a code the question gives ("NAK 原因码 6", "exit code 7"): a table of codes is labelled by them."""
    labels = frozenset(label.lower() for label in shape(question).numbered + tuple(_CODE_NUMBER.findall(question)))
    if not labels or not top:
        return top

    def labelled(hit: Hit) -> bool:
        return hit.chunk.kind == "table" and not labels.isdisjoint(_first_cells(hit.chunk.text))

    return _taken_in(hits, top, labelled)


# a numbered code: "reason code 6", "NAK reason 3", "exit code 7", "原因码 6", "错误码 0x13" (not "code 6 times")
_CODE_NUMBER = re.compile(r"(?:\b(?:code|reason)|码)\s*(\d+|0x[0-9a-f]+)\b(?!\s*(?:times|次))", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)  # the same tables come back question after question
def _first_cells(text: str) -> frozenset[str]:
    """The first cells of a table's rows ("| L23 | …" → "l23"), lower-cased: what labels each row. (A pattern of
    the question's labels cost ~0.3 ms to compile, for every question naming an identifier.)"""
    return frozenset(cells[0].strip().lower() for line in text.split("\n")
                     if line.startswith("|") and len(cells := line[1:].split("|", 1)) == 2)


_DOCUMENTS: weakref.WeakKeyDictionary[HybridIndex, tuple[tuple[str, str], ...]] = weakref.WeakKeyDictionary()


def _documents(index: HybridIndex) -> tuple[tuple[str, str], ...]:
    """(path, title) of each document of the index, made once per index (threads that race store equal ones)."""
    found = _DOCUMENTS.get(index)
    if found is None:
        found = _DOCUMENTS[index] = tuple(dict.fromkeys((chunk.doc, chunk.title) for chunk in index.chunks))
    return found


def with_best_lexical(hits: list[Hit], top: list[Hit]) -> list[Hit]:
    """`top`, but with the passage BM25 ranks first among `hits` when fusion left it out: the one passage that
    holds the question's words best ("how many checks are in the golden test suite" — one row of a table no
    other ranking finds) is read by the answerer, whatever the dense ranking thought of it."""
    lexical = [h for h in hits if h.bm25_score is not None]
    if not lexical or not top:
        return top
    best = max(lexical, key=lambda h: h.bm25_score or 0.0)
    return top if any(h is best for h in top) else _swapped_in(top, best, _brought_in(hits, top))


def _taken_in(hits: list[Hit], top: list[Hit], ok: Callable[[Hit], bool]) -> list[Hit]:
    """`top`, or — when none of it is `ok` — `top` with the first `ok` hit of `hits` swapped in."""
    if any(map(ok, top)):
        return top
    chosen = {id(h) for h in top}
    match = next((h for h in hits if id(h) not in chosen and ok(h)), None)
    return top if match is None else _swapped_in(top, match, _brought_in(hits, top))


def _brought_in(hits: list[Hit], top: list[Hit]) -> set[int]:
    """The ids of the hits of `top` an earlier rule brought in from behind (the only passage in the question's
    language): they stay."""
    return {id(h) for h in top} - {id(h) for h in hits[:len(top)]}


@functools.lru_cache(maxsize=8192)  # the same passages come back for question after question
def chunk_numbers(text: str) -> frozenset[str]:
    """The numbers written in a passage (question_shape.numbers_in)."""
    return frozenset(numbers_in(text))


@functools.lru_cache(maxsize=8192)  # … and the value patterns are long: a count is no measure, no date
def holds_sort(text: str, expects: re.Pattern[str]) -> bool:
    """Whether a passage holds a value of the sort `expects` describes (question_shape.ANSWER_TYPES)."""
    return bool(expects.search(text))


def _swapped_in(top: list[Hit], match: Hit, kept: frozenset[int] | set[int] = frozenset()) -> list[Hit]:
    """`top` with `match` last, in the place of the last hit whose document a better hit already cites (so that
    no document drops out), or of the last hit when all are different documents — never of a hit in `kept`
    (ids)."""
    seen: set[str] = set()
    out = max((i for i, hit in enumerate(top) if id(hit) not in kept), default=len(top) - 1)
    for i, hit in enumerate(top):
        if hit.chunk.doc in seen and id(hit) not in kept:
            out = i
        seen.add(hit.chunk.doc)
    return top[:out] + top[out + 1:] + [match]


class AnswerService:
    """Retrieves, numbers sources, streams an answer and falls back to extractive when the LLM fails."""

    def __init__(self, library: LiveIndex, primary: Answerer | None = None, *, top_k: int = 5,
                 rewriter: Callable[[str, list[Turn]], str] | None = None) -> None:
        self.library = library
        self.extractive = ExtractiveAnswerer(library.current)
        self.primary: Answerer = primary or self.extractive
        self.top_k = top_k
        self.rewriter = rewriter
        # Told (backend, fell_back, answered) after every answer; Metrics keeps the counts (/metrics, admin stats).
        self.on_answer: Callable[[str, bool, bool], None] | None = None

    def retrieve(self, question: str, history: list[Turn]) -> list[Source]:
        index = self.library.current()
        if index is None:
            raise NotReady(f"the index is not ready: {self.library.problem}", retry_after=5)
        query = standalone_query(question, history)
        if self.rewriter is not None and history:
            with contextlib.suppress(AnswerBackendError):  # the heuristic query is good enough for retrieval
                query = self.rewriter(question, history) or query
        reference = referenced_kind(question)  # "论文里 …", "per the datasheet": searched without those words
        found = index.search(without_reference(query, reference[1]) if reference else query,
                             self.top_k + LANGUAGE_RESERVE + ROW_RESERVE)
        if reference and (named := documents_of_kind(reference[0], _documents(index))):
            found = sorted(found, key=lambda hit: hit.chunk.doc not in named)  # theirs first, in order
        nearer = found[:self.top_k + LANGUAGE_RESERVE]
        hits = with_asked_value(nearer, with_question_language(nearer, question, self.top_k), question)
        hits = with_labelled_row(found, hits, question)
        hits = with_best_lexical(found, hits)
        return [Source(n, h.chunk.doc, h.chunk.title, h.chunk.section, h.chunk.page, chunk_snippet(h.chunk.text), h.score,
                       h.chunk.text, h.chunk.kind, h.position, h.chunk.tokens) for n, h in enumerate(hits, start=1)]

    def stream(self, question: str, history: list[Turn] | None = None, *,
               whole: bool = False) -> Iterator[str | AnswerResult]:
        """Yield text pieces as they are produced, then one AnswerResult with the final answer. With `whole`
        (nobody watches the text grow), an extractive answer comes as one piece instead of word by word."""
        started = time.perf_counter()
        history = history or []
        sources = self.retrieve(question, history)
        backend, notice, pieces, answerer = self.primary.name, "", [], self.primary
        if whole and self.primary is self.extractive:
            produced: Iterator[str] = iter((self.extractive.compose(question, sources),))
        else:
            produced = self.primary.stream(question, sources, history)
        try:
            for piece in produced:
                pieces.append(piece)
                yield piece
            text = "".join(pieces)
            if backend != self.extractive.name:
                text = check_citations(text, len(sources))
        except AnswerBackendError as exc:
            backend, notice = self.extractive.name, f"The language model is unavailable ({exc}); showing an " \
                                                     "extractive answer from the documents instead."
            answerer = self.extractive
            text = self.extractive.compose(question, sources)
            if pieces:
                yield "\n\n"
            yield from word_pieces(text)
        answered = answerer.answered(text)
        if self.on_answer:
            self.on_answer(backend, bool(notice), answered)
        yield AnswerResult(text, sources, backend, (time.perf_counter() - started) * 1000, notice, answered)

    def answer(self, question: str, history: list[Turn] | None = None) -> AnswerResult:
        result = None
        for item in self.stream(question, history, whole=True):
            if isinstance(item, AnswerResult):
                result = item
        assert result is not None
        return result


def make_answer_service(settings: Settings, library: LiveIndex) -> AnswerService:
    """The service ANSWER_BACKEND asks for: openai (with extractive fallback) or extractive alone."""
    if settings.resolved_answer_backend == "openai":
        llm = OpenAIAnswerer(settings)
        return AnswerService(library, llm, top_k=settings.top_k, rewriter=llm.rewrite)
    return AnswerService(library, top_k=settings.top_k)


_CITATION = re.compile(r"\[(\d+)\]")


def check_citations(text: str, source_count: int) -> str:
    """Drop citation numbers that do not name one of the sources actually given to the model."""
    return _CITATION.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= source_count else "", text)
