"""Generative answers from any OpenAI-compatible chat server (OpenAI, vLLM, Ollama, llama.cpp server).

`OpenAIAnswerer.stream` sends the numbered sources, the trimmed history and the question, and yields the
streamed tokens; every failure (connection refused, HTTP error, timeout, a stream that breaks off) becomes an
`AnswerBackendError`, on which `AnswerService` falls back to the extractive answer. `rewrite` turns a follow-up
into a standalone search query. Prompt budget: sources and history are cut to LLM_CONTEXT_TOKENS, counted with
`tokens.count_tokens`. Non-goals: tool calls, JSON mode, provider-specific features.
"""

from __future__ import annotations

from collections.abc import Iterator

from .answer import Source, Turn
from .config import Settings
from .errors import AnswerBackendError
from .tokens import count_tokens

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
ANSWER_RESERVE_TOKENS = 800  # room left for the model's answer inside the context window
HISTORY_SHARE = 0.25  # at most this part of the prompt budget goes to earlier turns


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


def build_messages(question: str, sources: list[Source], history: list[Turn], context_tokens: int) -> list[dict]:
    budget = max(256, context_tokens - ANSWER_RESERVE_TOKENS - count_tokens(SYSTEM_PROMPT) - count_tokens(question))
    past = trim_history(history, int(budget * HISTORY_SHARE))
    budget -= sum(count_tokens(t.content) + 4 for t in past)
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    messages.extend({"role": t.role, "content": t.content} for t in past)
    context = format_sources(sources, budget) if sources else "(no sources were found)"
    messages.append({"role": "user", "content": f"Sources:\n{context}\n\nQuestion: {question}"})
    return messages


class OpenAIAnswerer:
    name = "openai"

    def __init__(self, settings: Settings) -> None:
        from openai import OpenAI, Timeout

        self.model = settings.openai_model
        self.context_tokens = settings.llm_context_tokens
        # A short connect timeout: a dead server must fail fast, not pin a request thread.
        timeout = Timeout(settings.llm_timeout_seconds, connect=min(5.0, settings.llm_timeout_seconds))
        self.client = OpenAI(api_key=settings.openai_api_key or "not-needed",
                             base_url=settings.openai_base_url or None, timeout=timeout, max_retries=1)

    def stream(self, question: str, sources: list[Source], history: list[Turn]) -> Iterator[str]:
        import openai

        messages = build_messages(question, sources, history, self.context_tokens)
        try:
            response = self.client.chat.completions.create(model=self.model, messages=messages, stream=True,
                                                           temperature=0.2, max_tokens=ANSWER_RESERVE_TOKENS)
            produced = finished = False
            for event in response:
                if not event.choices:
                    continue
                choice = event.choices[0]
                finished = finished or bool(choice.finish_reason)
                text = choice.delta.content if choice.delta else None
                if text:
                    produced = True
                    yield text
            if not produced:
                raise AnswerBackendError("the model returned an empty answer")
            if not finished:  # the connection closed before the model said it was done: a cut-off answer
                raise AnswerBackendError("the answer stream broke off")
        except openai.APIError as exc:  # covers connection errors, timeouts and HTTP status errors
            raise AnswerBackendError(type(exc).__name__) from exc
        except (OSError, ValueError) as exc:  # a stream cut off mid-way surfaces as httpx/OS errors
            raise AnswerBackendError(type(exc).__name__) from exc
        except Exception as exc:  # noqa: BLE001 - httpx errors outside openai's hierarchy; never crash a request
            if isinstance(exc, AnswerBackendError):
                raise
            raise AnswerBackendError(type(exc).__name__) from exc

    def rewrite(self, question: str, history: list[Turn]) -> str:
        """A standalone version of a follow-up question, for retrieval."""
        import openai

        past = trim_history(history, 600)
        transcript = "\n".join(f"{t.role}: {t.content}" for t in past)
        try:
            response = self.client.with_options(timeout=min(10.0, self.client.timeout.read or 10.0)).chat.completions.create(
                model=self.model, temperature=0, max_tokens=80, stream=False,
                messages=[{"role": "system", "content": REWRITE_PROMPT},
                          {"role": "user", "content": f"{transcript}\nuser: {question}"}])
        except openai.APIError as exc:
            raise AnswerBackendError(type(exc).__name__) from exc
        text = (response.choices[0].message.content or "").strip() if response.choices else ""
        return text.splitlines()[0][:300] if text else question
