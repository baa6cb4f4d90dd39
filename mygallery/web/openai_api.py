"""The gallery served as an OpenAI-compatible model: `GET /v1/models` and `POST /v1/chat/completions`.

Any tool that speaks OpenAI's chat API (the official clients, chat front ends, agent frameworks) can use the
gallery as the model `uec-gallery`: the last user message is the question, earlier user and assistant messages
are the conversation (system messages are ignored: the gallery has its own instructions), and the answer comes
from retrieval + the configured answerer, exactly as on /api/chat. Non-streaming answers are a `chat.completion`
object; `stream: true` sends `chat.completion.chunk` events ending with `data: [DONE]`. The sources are attached
in an extra field `sources` (same shape as /api/chat), with `backend`, `answered` and, after an LLM failure, `notice` — the
notice is also appended to the content, since most clients show nothing else. With GALLERY_API_KEY set, both
paths need `Authorization: Bearer <key>` (401 otherwise, compared in constant time).

Answers are computed where every answer is (`AnswerRunner`, answer_runner.py): a whole extractive answer by an
answer process, off the connection's thread, as on /api/chat. Collaborators: the `AnswerRunner`, the
`RateLimiter`, the server (writes the events; `None` as event name gives OpenAI's bare `data:` lines),
openapi_spec.py (documents both paths). Errors use the
gallery's JSON error shape, which OpenAI's clients read as they read their own. Non-goals: sessions (the
client sends the history, as with OpenAI), sampling parameters (temperature, max_tokens, n are ignored), tools,
JSON mode, logprobs, the legacy /v1/completions.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Iterator

from ..config import Settings
from ..engine.answer_types import AnswerResult, Turn
from ..engine.token_count import count_tokens
from ..errors import BadRequest, NotFound, Unauthorized
from .answer_runner import AnswerRunner
from .chat import last_result
from .http_types import Request, Response
from .rate_limit import RateLimiter

MODEL_ID = "uec-gallery"
# OpenAI answers any list of messages; so do we, even one with no question in it (a client's connection test).
NO_QUESTION = "Ask a question about the Ultra Ethernet specification: the gallery answers the last user message."
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


class OpenAICompatibleAPI:
    """Handlers for the two OpenAI-compatible routes, sharing the GalleryApp's answering and limits."""

    def __init__(self, settings: Settings, runner: AnswerRunner, rate_limiter: RateLimiter, *,
                 started: float) -> None:
        self.settings = settings
        self.runner = runner
        self.rate_limiter = rate_limiter
        self.started = started

    # --- the routes ------------------------------------------------------------------------------------------

    def models(self, request: Request) -> Response:
        self.authorize(request)
        return Response(body={"object": "list", "data": [self._model()]})

    def chat_completions(self, request: Request) -> Response:
        self.authorize(request)
        body = request.json_object()
        model = body.get("model", MODEL_ID)
        if not isinstance(model, str):
            raise BadRequest("'model' must be a string")
        if model != MODEL_ID:
            raise NotFound(f"the model '{model[:100]}' does not exist; use '{MODEL_ID}'")
        question, history = self.conversation(body.get("messages"))
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise BadRequest("'stream' must be true or false")
        options = body.get("stream_options")
        options = {} if options is None else options
        if not isinstance(options, dict) or not isinstance(options.get("include_usage", False), bool):
            raise BadRequest("'stream_options' must be an object like {\"include_usage\": true}")
        self.rate_limiter.check(request.client_behind(self.settings.trusted_proxies))
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        if not question:
            answer: Iterator[str | AnswerResult] = _fixed(AnswerResult(NO_QUESTION, [], "none"))
        elif not stream and request.deferrable and self.runner.off_thread:
            return self.runner.later(question, history,
                                     functools.partial(self._completion, completion_id, question, history))
        else:
            answer = self.runner.stream(question, history, whole=not stream)
        if stream:
            return Response(events=self._chunks(completion_id, question, history, answer,
                                                include_usage=options.get("include_usage") is True))
        try:
            return self._completion(completion_id, question, history, last_result(answer))
        finally:
            answer.close()  # type: ignore[attr-defined]

    def _completion(self, completion_id: str, question: str, history: list[Turn], result: AnswerResult) -> Response:
        """A whole answer as a `chat.completion` object."""
        content = result.answer + _notice_suffix(result)
        return Response(body={
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": MODEL_ID,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(question, history, result, content), **_extras(result)})

    # --- parts -----------------------------------------------------------------------------------------------

    def authorize(self, request: Request) -> None:
        """With GALLERY_API_KEY: the matching Bearer key (constant-time compare), else 401 as OpenAI answers."""
        key = self.settings.gallery_api_key
        if not key:
            return
        scheme, _, given = request.header("authorization").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
            raise Unauthorized("send the gallery's API key as 'Authorization: Bearer <key>' (GALLERY_API_KEY)",
                               headers={"WWW-Authenticate": 'Bearer realm="mygallery"'})

    def conversation(self, messages: object) -> tuple[str, list[Turn]]:
        """(question, history) from OpenAI `messages`: the last user message and the turns before it; the
        question is "" when there is no user message or it is blank."""
        if not isinstance(messages, list) or not messages:
            raise BadRequest("'messages' must be a non-empty array of {role, content} objects")
        turns: list[Turn] = []
        for number, message in enumerate(messages):
            role = message.get("role") if isinstance(message, dict) else None
            if not isinstance(role, str) or role not in ROLES:
                raise BadRequest(f"messages[{number}] must be an object with a role of "
                                 f"{', '.join(sorted(ROLES))}")
            text = _text(message.get("content"), number)
            if role in ("user", "assistant"):
                turns.append(Turn(role, text))
        last_user = max((i for i, t in enumerate(turns) if t.role == "user"), default=None)
        if last_user is None:
            return "", []
        question = turns[last_user].content.strip()
        limit = self.settings.max_message_chars
        if len(question) > limit:
            raise BadRequest(f"the last user message is {len(question)} characters; the limit is {limit}")
        return question, [t for t in turns[:last_user] if t.content.strip()]

    def _model(self) -> dict:
        return {"id": MODEL_ID, "object": "model", "created": int(self.started), "owned_by": "mygallery"}

    def _chunks(self, completion_id: str, question: str, history: list[Turn], answer: Iterator[str | AnswerResult],
                *, include_usage: bool) -> Iterator[tuple[None, dict | str]]:
        """`chat.completion.chunk` events as the answer is produced, then the final chunk with the sources."""
        created = int(time.time())

        def chunk(delta: dict, finish_reason: str | None = None, **extra: object) -> tuple[None, dict]:
            return None, {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                          "model": MODEL_ID, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                          "finish_reason": finish_reason}], **extra}

        try:
            yield chunk({"role": "assistant", "content": ""})
            streamed: list[str] = []
            for item in answer:
                if isinstance(item, AnswerResult):
                    break
                streamed.append(item)
                yield chunk({"content": item})
            else:
                raise RuntimeError("the answer stream ended without a result")
            suffix = _notice_suffix(item)
            if suffix:
                yield chunk({"content": suffix})
            yield chunk({}, "stop", **_extras(item))
            if include_usage:
                yield None, {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                             "model": MODEL_ID, "choices": [],
                             "usage": _usage(question, history, item, "".join(streamed) + suffix)}
            yield None, "[DONE]"
        finally:
            answer.close()  # type: ignore[attr-defined] - a client that went away stops the generation


def _text(content: object, number: int) -> str:
    """A message's text: a string, null (assistant tool calls), or an array of parts of which `text` counts."""
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list) and all(isinstance(p, dict) and isinstance(p.get("type", ""), str)
                                         and isinstance(p.get("text", ""), str) for p in content):
        return "\n".join(p["text"] for p in content if p.get("type") == "text" and "text" in p)
    raise BadRequest(f"messages[{number}].content must be a string or an array of content parts")


def _fixed(result: AnswerResult) -> Iterator[str | AnswerResult]:
    """A canned answer in AnswerService.stream's shape: its text, then the result."""
    yield result.answer
    yield result


def _notice_suffix(result: AnswerResult) -> str:
    return f"\n\n> Note: {result.notice}" if result.notice else ""


def _extras(result: AnswerResult) -> dict:
    extras: dict = {"sources": [s.to_json() for s in result.sources], "backend": result.backend,
                    "answered": result.answered}
    if result.notice:
        extras["notice"] = result.notice
    return extras


def _usage(question: str, history: list[Turn], result: AnswerResult, content: str) -> dict:
    """Tokens (tokens.count_tokens) of what the answer was made from — question, history and the retrieved
    sources (their chunks' counts from ingest: an answer process sends no source text, and counting five chunks
    again took the server's time on every request) — and of the answer; our count, not a particular model's
    tokenizer."""
    prompt = count_tokens(question) + sum(count_tokens(t.content) for t in history) \
        + sum(s.tokens for s in result.sources)
    completion = count_tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
