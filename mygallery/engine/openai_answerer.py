"""Generative answers from any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp server).

`OpenAIAnswerer.stream` sends the numbered sources, the trimmed history and the question, and yields the
streamed tokens with citations that name no source dropped as they stream (`CitationFilter`). Every failure —
connection refused, HTTP error, no first token within LLM_FIRST_TOKEN_SECONDS, an answer still running at the
LLM_TIMEOUT_SECONDS deadline, a stream that breaks off — becomes an `AnswerBackendError`, on which
`AnswerService` (answering.py) falls back to the extractive answer with a notice and counts it for /metrics. A
refused connection or a 5xx before the first token is retried once, inside the deadline. `rewrite` turns a
follow-up into a standalone search query (only when the question does not stand alone). Prompt budget: sources
and history are cut to LLM_CONTEXT_TOKENS less the answer's LLM_MAX_TOKENS and a safety margin, counted with
`tokens.count_tokens`. Non-goals: tool calls, JSON mode, provider-specific features.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..config import Settings
from ..errors import AnswerBackendError
from .answer_types import Source, Turn, standalone_query
from .lexicon import tokenize
from .token_count import count_tokens

if TYPE_CHECKING:
    from openai import Stream
    from openai.types.chat import ChatCompletionChunk

SYSTEM_PROMPT = (
    "You answer questions about the Ultra Ethernet Consortium (UEC) specification for network engineers. "
    "Use only the numbered sources below. Cite each statement with the number of its source in square brackets, "
    "like [1] or [2][3]. If the sources do not contain the answer, say that the documents do not cover it; never "
    "invent facts. Answer in the language of the question (English or Simplified Chinese), concisely."
)
REWRITE_PROMPT = (
    "Rewrite the user's last question as one standalone search query that needs no earlier context. "
    "Reply with the query only."
)
ANSWER_RESERVE_TOKENS = 800  # room left for the model's answer inside the context window (LLM_MAX_TOKENS)
HISTORY_SHARE = 0.25  # at most this part of the prompt budget goes to earlier turns
# Our count is not the model's tokenizer (token_count.py) and chat templates add turn markers: keep a margin so a
# full prompt never overflows the server's context window (llama.cpp answers that with an error).
SAFETY_MARGIN = 0.1
MESSAGE_OVERHEAD_TOKENS = 8
RETRY_PAUSE_SECONDS = 0.25
REWRITE_MAX_CHARS = 300


def format_sources(sources: list[Source], budget: int) -> str:
    """Sources as numbered blocks, best first, each cut to what still fits in `budget` tokens."""
    parts: list[str] = []
    used = 0
    for source in sources:
        where = " — ".join(p for p in (source.title, source.section) if p)
        page = f" (page {source.page})" if source.page else ""
        block = f"[{source.n}] {source.doc}: {where}{page}\n{source.text.strip()}"
        size = count_tokens(block)
        if used + size > budget:
            words = block.split(" ")
            keep = max(0, int(len(words) * (budget - used) / max(1, size)))
            if keep < 20:
                break
            block = " ".join(words[:keep]) + " …"
            size = count_tokens(block)
        parts.append(block)
        used += size
    return "\n\n".join(parts)


def trim_history(history: list[Turn], budget: int) -> list[Turn]:
    """The most recent turns that fit in `budget` tokens, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history):
        size = count_tokens(turn.content) + 4
        if used + size > budget:
            break
        kept.insert(0, turn)
        used += size
    return kept


def build_messages(question: str, sources: list[Source], history: list[Turn], context_tokens: int, *,
                   answer_tokens: int = ANSWER_RESERVE_TOKENS) -> list[dict]:
    fixed = answer_tokens + count_tokens(SYSTEM_PROMPT) + count_tokens(question) + 2 * MESSAGE_OVERHEAD_TOKENS
    budget = max(256, int(context_tokens * (1 - SAFETY_MARGIN)) - fixed)
    past = trim_history(history, int(budget * HISTORY_SHARE))
    budget -= sum(count_tokens(t.content) + 4 for t in past)
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages.extend({"role": t.role, "content": t.content} for t in past)
    context = format_sources(sources, budget) if sources else "(no sources were found)"
    messages.append({"role": "user", "content": f"Sources:\n{context}\n\nQuestion: {question}"})
    return messages


_CITATION_START = re.compile(r"\[(\d*)(\]?)")


class CitationFilter:
    """Drops citations `[n]` that name no source from streamed text, as it streams.

    Text from a `[` that may still become a citation is held back until it is decided, so the streamed
    answer is the same text as `answer.check_citations` makes of the whole (users never see a number vanish)."""

    def __init__(self, source_count: int) -> None:
        self.source_count = source_count
        self.pending = ""

    def feed(self, text: str) -> str:
        self.pending += text
        out: list[str] = []
        while self.pending:
            start = self.pending.find("[")
            if start < 0:
                out.append(self.pending)
                self.pending = ""
                break
            out.append(self.pending[:start])
            rest = self.pending[start:]
            match = _CITATION_START.match(rest)
            assert match is not None  # it matches any "["
            digits, closed = match.groups()
            if digits and closed:
                out.append(match.group(0) if 1 <= int(digits) <= self.source_count else "")
                self.pending = rest[match.end():]
            elif match.end() == len(rest):  # "[", "[1", "[12": undecided until more text comes
                self.pending = rest
                break
            else:  # "[x", "[]", "[1x": not a citation
                out.append("[")
                self.pending = rest[1:]
        return "".join(out)

    def flush(self) -> str:
        rest, self.pending = self.pending, ""
        return rest


def plausible_query(text: str, question: str, history: list[Turn]) -> bool:
    """Whether a model's rewrite looks like a search query about this conversation (a base model or a chatty
    one may answer, echo the transcript or ramble instead): short, no role labels, sharing a word with it."""
    if not text or len(text) > REWRITE_MAX_CHARS or re.match(r"^\s*(user|assistant|system)\s*:", text, re.I):
        return False
    context = set(tokenize(question + " " + " ".join(t.content for t in history)))
    return bool(set(tokenize(text)) & context)


# The model's own "the sources do not say", in either language, near the start of its answer (SYSTEM_PROMPT asks
# it to say so): the answer is then flagged `answered: false`, as an extractive "not in the documents" is.
_NOT_ANSWERED = re.compile(
    r"\b(?:(?:the\s+)?(?:provided\s+)?(?:documents?|sources?|context|documentation)\s+(?:do|does)\s*(?:n[o']t)\s+"
    r"(?:contain|cover|say|state|mention|include|specify|provide|describe|address|answer)"
    r"|(?:is|are)\s+not\s+(?:covered|mentioned|specified|described|given|stated|found)\s+in\s+the\s+"
    r"(?:provided\s+)?(?:documents?|sources?)"
    r"|(?:no|not\s+enough)\s+information\s+(?:about|on|in)\b"
    r"|(?:cannot|can't|unable\s+to)\s+(?:find|answer)\b[^.]{0,60}\b(?:documents?|sources?))"
    r"|(?:资料|文档|来源|文件)(?:中|里)?(?:没有|并未|未|不)(?:提到|提及|包含|涉及|说明|给出|找到|覆盖)"
    r"|(?:资料|文档|来源)(?:中|里)?没有(?:相关|这方面的)?(?:信息|内容|答案)", re.IGNORECASE)
NOT_ANSWERED_WITHIN = 200  # characters: a refusal later on qualifies one part of an answer, it is not a refusal


def says_not_in_documents(text: str) -> bool:
    """Whether an answer opens by saying the sources do not have the answer."""
    return bool(_NOT_ANSWERED.search(text[:NOT_ANSWERED_WITHIN]))


class OpenAIAnswerer:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI, Timeout

        self.model = settings.openai_model
        self.context_tokens = settings.llm_context_tokens
        self.max_tokens = settings.llm_max_tokens
        self.deadline_seconds = settings.llm_timeout_seconds
        self.first_token_seconds = min(settings.llm_first_token_seconds, settings.llm_timeout_seconds)
        # The read timeout bounds every silence — the wait for the first token and any gap after it — so a
        # hung server frees the request thread after first_token_seconds; the whole answer is held to
        # deadline_seconds in the loop below. A short connect timeout: a dead server must fail fast. Retries
        # are ours (see stream): the client's own would retry timeouts too and double the wait.
        timeout = Timeout(self.first_token_seconds, connect=min(5.0, self.first_token_seconds))
        self.client = OpenAI(api_key=settings.openai_api_key or "not-needed",
                             base_url=settings.openai_base_url or None, timeout=timeout, max_retries=0)

    def _open(self, messages: list[dict], deadline: float) -> Stream[ChatCompletionChunk]:
        """The streaming request; a refused connection or a 5xx is retried once if the deadline allows."""
        import openai

        for attempt in (1, 2):
            try:
                return self.client.chat.completions.create(model=self.model, messages=messages, stream=True,
                                                           temperature=0.2, max_tokens=self.max_tokens)
            except (openai.APIConnectionError, openai.InternalServerError) as exc:
                retry = (attempt == 1 and not isinstance(exc, openai.APITimeoutError)
                         and time.monotonic() + RETRY_PAUSE_SECONDS + 1.0 < deadline)
                if not retry:
                    raise
                time.sleep(RETRY_PAUSE_SECONDS)  # a restarting server: one short pause, then one more try
        raise AssertionError("unreachable")

    def stream(self, question: str, sources: list[Source], history: list[Turn]) -> Iterator[str]:
        import openai

        messages = build_messages(question, sources, history, self.context_tokens, answer_tokens=self.max_tokens)
        started = time.monotonic()
        deadline = started + self.deadline_seconds
        citations = CitationFilter(len(sources))
        try:
            response = self._open(messages, deadline)
            produced = finished = False
            with response:  # closing it (also when our consumer goes away) tells the server to stop generating
                for event in response:
                    now = time.monotonic()
                    if not produced and now - started > self.first_token_seconds:
                        raise AnswerBackendError(f"no answer within {self.first_token_seconds:g} s")
                    if now > deadline:
                        raise AnswerBackendError(f"the answer took longer than {self.deadline_seconds:g} s")
                    if not event.choices:
                        continue
                    choice = event.choices[0]
                    finished = finished or bool(choice.finish_reason)
                    text = choice.delta.content if choice.delta else None
                    if text:
                        produced = True
                        piece = citations.feed(text)
                        if piece:
                            yield piece
            if not produced:
                raise AnswerBackendError("the model returned an empty answer")
            if not finished:  # the connection closed before the model said it was done: a cut-off answer
                raise AnswerBackendError("the answer stream broke off")
            tail = citations.flush()
            if tail:
                yield tail
        except openai.APITimeoutError as exc:
            raise AnswerBackendError(f"no answer within {self.first_token_seconds:g} s") from exc
        except openai.APIError as exc:  # covers connection errors and HTTP status errors
            raise AnswerBackendError(type(exc).__name__) from exc
        except (OSError, ValueError) as exc:  # a stream cut off mid-way surfaces as httpx/OS errors
            raise AnswerBackendError(type(exc).__name__) from exc
        except Exception as exc:  # noqa: BLE001 - httpx errors outside openai's hierarchy; never crash a request
            if isinstance(exc, AnswerBackendError):
                raise
            raise AnswerBackendError(type(exc).__name__) from exc

    def answered(self, text: str) -> bool:
        return not says_not_in_documents(text)

    def close(self) -> None:
        """Close the pooled connections to the model server."""
        self.client.close()

    def rewrite(self, question: str, history: list[Turn]) -> str:
        """A standalone version of a follow-up question, for retrieval; "" when the question stands alone or
        the model's reply is not a usable query (the caller then searches with `standalone_query`)."""
        import openai

        if standalone_query(question, history) == question:
            return ""  # no model round trip before retrieval when the question needs no context
        past = trim_history(history, 600)
        transcript = "\n".join(f"{t.role}: {t.content}" for t in past)
        try:
            response = self.client.with_options(timeout=self.first_token_seconds).chat.completions.create(
                model=self.model, temperature=0, max_tokens=80, stream=False,
                messages=[{"role": "system", "content": REWRITE_PROMPT},
                          {"role": "user", "content": f"{transcript}\nuser: {question}"}])
        except openai.APIError as exc:
            raise AnswerBackendError(type(exc).__name__) from exc
        text = (response.choices[0].message.content or "").strip() if response.choices else ""
        query = text.splitlines()[0].strip() if text else ""
        return query if plausible_query(query, question, history) else ""
