"""What every answerer and every caller of one shares: numbered sources, conversation turns and the result.

`Source` is a retrieved passage numbered for citation ([n]); `Turn` one message of the conversation so far;
`AnswerResult` the answer with its sources, the backend that produced it, whether the documents answered the
question (`answered`: when not, the sources are related reading) and, after a fallback, a notice.
`Answerer` is the protocol both answerers implement: `stream(question, sources, history)` yields text pieces,
`answered(text)` tells whether a finished answer states an answer or says the documents do not have one.
Also here: the snippet shown for a source, how an answer is cut into stream tokens, and how a follow-up question
becomes a standalone search query — small pieces the extractive and the OpenAI answerer both use.
Non-goals: retrieval (index.py), composing answers (extractive.py, openai_answerer.py), the service around
them (answering.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from .lexicon import has_cjk, tokenize

SNIPPET_CHARS = 240
_FOLLOW_UP = re.compile(r"\b(it|its|this|that|these|those|they|them|their|he|she|one|ones|why|how so)\b|[它这那其该此]",
                        re.IGNORECASE)
_WORD_PIECE = re.compile(r"\S+\s*|\s+")


@dataclass
class Source:
    n: int
    doc: str
    title: str
    section: str
    page: int | None
    snippet: str
    score: float
    text: str = field(repr=False, default="")
    kind: str = "para"
    position: int | None = field(repr=False, default=None)  # of its chunk in the index, when it came from one
    tokens: int = field(repr=False, default=0)  # of its chunk's text, counted at ingest (Chunk.tokens)

    def to_json(self) -> dict:
        return {"n": self.n, "doc": self.doc, "title": self.title, "section": self.section, "page": self.page,
                "snippet": self.snippet, "score": round(self.score, 4)}


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    content: str


@dataclass
class AnswerResult:
    answer: str
    sources: list[Source]
    backend: str
    latency_ms: float = 0.0
    notice: str = ""
    answered: bool = True  # False: the documents do not contain the answer; the sources are related reading

    def to_json(self) -> dict:
        body = {"answer": self.answer, "answered": self.answered, "sources": [s.to_json() for s in self.sources],
                "backend": self.backend, "latency_ms": round(self.latency_ms, 1)}
        if self.notice:
            body["notice"] = self.notice
        return body


class Answerer(Protocol):
    name: str

    def stream(self, question: str, sources: list[Source], history: list[Turn]) -> Iterator[str]: ...
    def answered(self, text: str) -> bool: ...


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


# One snippet string per chunk, shared by every answer that cites it: each conversation keeps its sources, and
# 10,000 conversations held 10,000 equal copies of the popular snippets (bench/bench_server.py, RSS figure).
chunk_snippet = functools.lru_cache(maxsize=4096)(snippet)


def word_pieces(text: str) -> Iterator[str]:
    """Split an answer into stream tokens: words with their trailing space; Chinese in runs of a few characters."""
    for piece in _WORD_PIECE.findall(text):
        if len(piece) > 4 and has_cjk(piece):
            yield from (piece[i : i + 3] for i in range(0, len(piece), 3))
        else:
            yield piece


def standalone_query(question: str, history: list[Turn]) -> str:
    """A follow-up ("and what about its ordering?") searched together with the previous question."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), "")
    if not previous:
        return question
    short = len(tokenize(question)) <= 4
    if short or _FOLLOW_UP.search(question):
        return f"{previous} {question}"
    return question


