"""The gallery's HTTP endpoints as plain functions of a `Request`, routed by a small table.

`GalleryApp` holds what the endpoints share — settings, the index `Library`, the `SessionManager`, the
`AnswerService`, `Metrics` and the `RateLimiter` — and answers each route with a `Response` (JSON, bytes or
an event stream). It knows nothing of sockets: `mygallery.server` parses HTTP into a `Request`, calls
`GalleryApp.handle`, writes the `Response` and turns every `GalleryError` into the JSON error shape.
Non-goals: HTML rendering (the pages are static files), authentication beyond the admin token.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from . import __version__
from .answer import AnswerResult, AnswerService, Turn, word_pieces
from .answer_pool import AnswerPool, AnswerProcessLost
from .compute import ComputeThread
from .config import Settings
from .errors import (
    BadRequest,
    Forbidden,
    GalleryError,
    MethodNotAllowed,
    NotFound,
    NotReady,
    ServerBusy,
    Unauthorized,
    UnsupportedMediaType,
)
from .index import Library
from .metrics import PROMETHEUS_CONTENT_TYPE, Metrics
from .openai_compat import OpenAICompatibleAPI
from .ratelimit import RateLimiter
from .session_stores import Message, encode_json
from .sessions import Session, SessionManager, looks_like_session_id
from .static_files import StaticFiles

# What counts as blank in a message: the white space of JSON Schema's (ECMAScript's) \s, so the server and the
# `pattern: \S` of /openapi.json agree (Python's str.isspace also counts control characters like \x1f).
BLANK = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TURN_WAIT_SECONDS = 60  # a second tab waits this long for the first tab's turn to finish


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    client: str
    read_body: Callable[[], bytes]
    params: dict[str, str] = field(default_factory=dict)
    session_prefix: str = ""  # set by handlers, for the request log
    parsed: dict | None = field(default=None, repr=False)  # the JSON body, once json_object() has read it

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def forwarded(self) -> bool:
        """Whether a proxy says it forwarded this request for someone else."""
        return "x-forwarded-for" in self.headers or "forwarded" in self.headers

    def client_behind(self, trusted_proxies: tuple[str, ...]) -> str:
        """The client address for rate limits: from X-Forwarded-For when a trusted proxy sent the request
        (the right-most address the proxies did not add themselves), else the peer's address."""
        if self.client not in trusted_proxies or "x-forwarded-for" not in self.headers:
            return self.client
        hops = [hop.strip() for hop in self.headers["x-forwarded-for"].split(",") if hop.strip()]
        untrusted = [hop for hop in hops if hop not in trusted_proxies]
        return untrusted[-1] if untrusted else self.client

    def json_object(self) -> dict:
        """The body as a JSON object; 415 when it is not declared JSON, 400 when it is not a valid object."""
        content_type = self.header("content-type").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
        if self.parsed is not None:
            return self.parsed
        raw = self.read_body()
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest(f"the body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        self.parsed = body
        return body


@dataclass
class Response:
    status: int = 200
    body: bytes | dict | list | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # server-sent events: (event name or None for a bare `data:` line, JSON object or literal text)
    events: Iterator[tuple[str | None, dict | str]] | None = None


Handler = Callable[[Request], Response]


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


class GalleryApp:
    def __init__(self, settings: Settings, *, library: Library, sessions: SessionManager,
                 answers: AnswerService, metrics: Metrics, static_dir: Path) -> None:
        self.settings = settings
        self.library = library
        self.sessions = sessions
        self.answers = answers
        self.metrics = metrics
        self.static = StaticFiles(static_dir)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
        self.compute = ComputeThread()  # extractive answers are computed there, one at a time (see compute.py)
        self.answer_pool: AnswerPool | None = None  # answer processes, when the server forked some (Gallery)
        self.started = time.time()
        self.process = psutil.Process()
        answers.on_answer = metrics.record_answer
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = [
            # (method, path pattern, route name for metrics and logs, handler)
            ("GET", re.compile(r"/api/health"), "health", self.health),
            ("GET", re.compile(r"/api/ready"), "ready", self.ready),
            ("POST", re.compile(r"/api/sessions"), "sessions", self.create_session),
            ("GET", re.compile(r"/api/sessions/(?P<id>[^/]+)"), "session", self.get_session),
            ("DELETE", re.compile(r"/api/sessions/(?P<id>[^/]+)"), "session", self.delete_session),
            ("POST", re.compile(r"/api/chat"), "chat", self.chat),
            ("GET", re.compile(r"/v1/models"), "openai_models", OpenAICompatibleAPI(self).models),
            ("POST", re.compile(r"/v1/chat/completions"), "openai_chat", OpenAICompatibleAPI(self).chat_completions),
            ("GET", re.compile(r"/api/admin/stats"), "admin_stats", self.admin_stats),
            ("GET", re.compile(r"/metrics"), "metrics", self.prometheus),
            ("GET", re.compile(r"/openapi\.json"), "openapi", self.openapi),
            ("GET", re.compile(r"/"), "page", lambda r: self.static.response("index.html", r)),
            ("GET", re.compile(r"/(?:admin|admin/|admin\.html)"), "page", lambda r: self.static.response("admin.html", r)),
            ("GET", re.compile(r"/static/(?P<path>.+)"), "static", lambda r: self.static.response(r.params["path"], r)),
            ("GET", re.compile(r"/favicon\.ico"), "static", lambda r: self.static.response("favicon.svg", r)),
        ]

    # --- routing ---------------------------------------------------------------------------------------------

    def route(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]]:
        """(route name, handler, path parameters); NotFound or MethodNotAllowed (with Allow) otherwise."""
        allowed: list[str] = []
        lookup = "GET" if method == "HEAD" else method
        for route_method, pattern, name, handler in self.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method == lookup:
                return name, handler, match.groupdict()
            allowed.append(route_method)
        if allowed:
            allow = ", ".join(sorted(set(allowed) | ({"HEAD"} if "GET" in allowed else set())))
            raise MethodNotAllowed(f"{method} is not allowed on {path}; use {allow}", headers={"Allow": allow})
        raise NotFound(f"no such path: {path}")

    # --- health ----------------------------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return Response(body={"status": "ok", "uptime_s": round(time.time() - self.started, 1),
                              "version": __version__})

    def ready(self, request: Request) -> Response:
        index = self.library.current()
        if index is None:
            raise NotReady(f"the index is not ready: {self.library.problem}", retry_after=5)
        return Response(body={"status": "ready", "docs": index.documents, "chunks": len(index)})

    # --- sessions --------------------------------------------------------------------------------------------

    def _session(self, request: Request, session_id: object) -> Session:
        if not isinstance(session_id, str) or not looks_like_session_id(session_id):
            raise NotFound("conversation not found or expired; start a new one")
        request.session_prefix = session_id[:8]
        return self.sessions.get(session_id)

    def create_session(self, request: Request) -> Response:
        self.rate_limiter.check(request.client_behind(self.settings.trusted_proxies))
        session = self.sessions.create()
        request.session_prefix = session.id[:8]
        return Response(201, {"session_id": session.id}, headers={"Location": f"/api/sessions/{session.id}"})

    def get_session(self, request: Request) -> Response:
        return Response(body=self._session(request, request.params["id"]).to_json())

    def delete_session(self, request: Request) -> Response:
        session_id = request.params["id"]
        if looks_like_session_id(session_id):
            request.session_prefix = session_id[:8]
            self.sessions.delete(session_id)
        return Response(204)  # deleting what is already gone succeeds: DELETE is idempotent

    # --- chat ------------------------------------------------------------------------------------------------

    def chat(self, request: Request) -> Response:
        session, message, stream, history = self._begin_chat(request)
        try:
            pooled = self._pooled_answer(message, history)
            if pooled is not None:  # streamed word by word from the whole answer, as the extractive answerer does
                answer: Iterator[str | AnswerResult] = _pieces_of(pooled, whole=not stream)
                first = next(answer)
            else:
                answer = self.answers.stream(message, history, whole=not stream)
                first = self.first_piece(answer)
        except BaseException:
            self.sessions.end_turn(session)
            raise
        if stream:
            return Response(events=self._chat_events(session, message, first, answer))
        try:
            result = first if isinstance(first, AnswerResult) else _last_result(answer)
            body = self._record(session, message, result)
        finally:
            self.sessions.end_turn(session)
        return Response(body=body.encode("utf-8"))

    def _begin_chat(self, request: Request) -> tuple[Session, str, bool, list[Turn]]:
        """Check a chat request and start its turn: (session, message, stream, history). The caller ends the
        turn (sessions.end_turn) once the answer is recorded or has failed."""
        body = request.json_object()
        message = body.get("message")
        if not isinstance(message, str) or not message.strip(BLANK):
            raise BadRequest("'message' must be a non-empty string")
        message = message.strip(BLANK)
        if len(message) > self.settings.max_message_chars:
            raise BadRequest(f"'message' is {len(message)} characters; the limit is "
                             f"{self.settings.max_message_chars}")
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise BadRequest("'stream' must be true or false")
        stream = stream or "text/event-stream" in request.header("accept")
        session_id = body.get("session_id")
        if session_id is not None and not isinstance(session_id, str):
            raise BadRequest("'session_id' must be a string")
        session = self._session(request, session_id) if session_id else None
        self.rate_limiter.check(request.client_behind(self.settings.trusted_proxies))
        if session is None:
            session = self.sessions.create()
            request.session_prefix = session.id[:8]
        if not self.sessions.begin_turn(session, TURN_WAIT_SECONDS):
            raise ServerBusy("this conversation is still answering an earlier question; try again", retry_after=5)
        return session, message, stream, [Turn(m.role, m.content) for m in session.messages]

    def computed_whole(self, route: str, request: Request) -> bool:
        """Whether the server may hand this request to `chat_whole` (answered, written and logged off the
        connection's thread): a chat with the extractive backend that does not stream. Reads and parses the
        body, so a 415 or 400 for it is raised here, in the connection's thread."""
        if route != "chat" or self.answers.primary is not self.answers.extractive:
            return False
        if "text/event-stream" in request.header("accept"):
            return False
        return request.json_object().get("stream", False) is not True

    def chat_whole(self, request: Request, reply: Callable[[Response | BaseException], None]) -> None:
        """A chat that `computed_whole` accepted, answered off this thread: an answer process computes it when
        there is one (answer_pool.py), else the compute thread; `reply` then gets the response, or the error,
        on that thread. An error found before the answer starts (a 400, 404, 429) is raised here instead."""
        session, message, _, history = self._begin_chat(request)
        turn = _WholeChat(self, session, message, history, reply)
        pool = self.answer_pool
        try:
            if pool is None or not pool.submit(message, history, turn.finish):
                self._answer_here(message, history, turn.finish)
        except BaseException:
            self.sessions.end_turn(session)
            raise

    def _pooled_answer(self, question: str, history: list[Turn]) -> AnswerResult | None:
        """An extractive answer from an answer process, waited for in this thread (a streamed chat, which the
        connection's thread streams, or one on a connection that closes after it); None when there is none to
        ask or it was lost on the way."""
        pool = self.answer_pool
        if pool is None or self.answers.primary is not self.answers.extractive:
            return None
        ready = threading.Event()
        outcome: list[AnswerResult | BaseException] = []

        def done(result: AnswerResult | BaseException) -> None:
            outcome.append(result)
            ready.set()

        if not pool.submit(question, history, done):
            return None
        ready.wait()
        if isinstance(outcome[0], AnswerProcessLost):
            return None
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def _answer_here(self, question: str, history: list[Turn], done: Callable[[AnswerResult | BaseException],
                                                                             None]) -> None:
        """Compute an answer on the compute thread and hand it, or its error, to `done` there."""
        def job() -> None:
            try:
                outcome: AnswerResult | BaseException = self.answers.answer(question, history)
            except Exception as error:  # noqa: BLE001 - `done` reports it
                outcome = error
            done(outcome)

        self.compute.submit(job)

    def first_piece(self, answer: Iterator[str | AnswerResult]) -> str | AnswerResult:
        """Start an answer: retrieval happens here (so NotReady is a plain JSON error, not a broken stream), and
        with the extractive backend the whole answer, on the compute thread. An LLM answer only starts here
        and then waits on the network in the connection's own thread."""
        if self.answers.primary is self.answers.extractive:
            return self.compute.run(lambda: next(answer))
        return next(answer)

    def close(self) -> None:
        if self.answer_pool is not None:
            self.answer_pool.close()  # first: what a child still owed is answered on the compute thread
        self.compute.close()

    def _chat_events(self, session: Session, message: str, first: str | AnswerResult,
                     answer: Iterator[str | AnswerResult]) -> Iterator[tuple[str | None, dict | str]]:
        """token events as the answer is produced, then done with the full JSON; holds the turn lock."""
        try:
            item = first
            while True:
                if isinstance(item, AnswerResult):
                    yield "done", self._record(session, message, item)  # durable before the user sees `done`
                    return
                yield "token", {"text": item}
                item = next(answer)
        finally:
            answer.close()  # a client that went away stops the generation
            self.sessions.end_turn(session)

    def _record(self, session: Session, question: str, result: AnswerResult) -> str:
        """Store the turn; returns the reply as JSON text ({"session_id", **result.to_json()}) for the response
        body or the `done` event, encoded together with the stored message (see encoded_reply)."""
        reply, body = encoded_reply(session.id, result)
        self.sessions.record_turn(session, Message("user", question), reply)
        return body

    # --- admin -----------------------------------------------------------------------------------------------

    def require_admin(self, request: Request) -> None:
        """With ADMIN_TOKEN: a matching Bearer token (constant-time compare). Without: loopback clients only."""
        token = self.settings.admin_token
        if not token:
            if not is_loopback(request.client) or request.forwarded:  # via a proxy: not provably local
                raise Forbidden("the admin API answers only local clients when ADMIN_TOKEN is not set")
            return
        scheme, _, given = request.header("authorization").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise Unauthorized("send the admin token as 'Authorization: Bearer <token>'",
                               headers={"WWW-Authenticate": 'Bearer realm="mygallery-admin"'})
        if not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise Forbidden("the admin token is not valid")

    def admin_stats(self, request: Request) -> Response:
        self.require_admin(request)
        return Response(body=self.stats())

    def stats(self) -> dict:
        cpu = self.metrics.cpu_percent
        memory = psutil.virtual_memory()
        try:
            disk = psutil.disk_usage(str(_existing_parent(self.settings.index_dir))).percent
        except OSError:
            disk = 0.0
        index = self.library.current()
        manifest = index.manifest if index is not None else {}
        pool = self.answer_pool
        return {
            "version": __version__, "uptime_s": round(time.time() - self.started, 1), "time": round(time.time(), 3),
            "system": {"cpu_percent": cpu, "memory_percent": memory.percent,
                       "memory_rss_mb": round(self.process.memory_info().rss / 2**20, 1), "disk_percent": disk,
                       "threads": threading.active_count()},
            "sessions": {"active": self.sessions.active_count(), "max": self.sessions.max_sessions,
                         "timeout_minutes": self.settings.session_timeout_minutes,
                         "store": self.sessions.store.name, "list": self.sessions.summaries()},
            "requests": self.metrics.requests_summary(),
            "latency": self.metrics.latency_summary(),
            "index": {"ready": index is not None, "problem": self.library.problem,
                      "docs": index.documents if index else 0, "chunks": len(index) if index else 0,
                      "built_at": manifest.get("built_at"),
                      "embedding": manifest.get("embedding", {}).get("name"),
                      "tokenizer": manifest.get("chunking", {}).get("tokenizer")},
            "backends": {"answer": self.answers.primary.name, "embedding": self.settings.embedding_backend,
                         "answer_processes": {"started": pool.size if pool else 0,
                                              "alive": pool.alive() if pool else 0,
                                              "own_memory_mb": pool.own_memory_mb() if pool else 0.0},
                         **self.metrics.answers_summary()},
            "history": self.metrics.history(),
        }

    def prometheus(self, request: Request) -> Response:
        return Response(body=self.metrics.exposition(), content_type=PROMETHEUS_CONTENT_TYPE)

    def openapi(self, request: Request) -> Response:
        from .openapi import openapi_document

        return Response(body=openapi_document(__version__))


class _WholeChat:
    """A chat in `GalleryApp.chat_whole` between its answer and its reply. An object rather than a closure:
    a closure that passes itself on (the fallback below) references itself through its cell, and that cycle
    per request left every answered request to the cyclic collector — full collections of 30-100 ms every
    second or two at 3,000 answers/s, in the p99."""

    __slots__ = ("app", "session", "message", "history", "reply")

    def __init__(self, app: GalleryApp, session: Session, message: str, history: list[Turn],
                 reply: Callable[[Response | BaseException], None]) -> None:
        self.app, self.session, self.message, self.history, self.reply = app, session, message, history, reply

    def finish(self, outcome: AnswerResult | BaseException) -> None:
        """Record the answer and reply, on the thread that has the outcome; an answer process that was lost
        on the way is replaced by the compute thread."""
        app = self.app
        if isinstance(outcome, AnswerProcessLost):
            try:
                app._answer_here(self.message, self.history, self.finish)
                return
            except GalleryError as error:  # the compute thread is closed too: shutting down
                outcome = error
        try:
            if isinstance(outcome, AnswerResult):
                outcome = Response(body=app._record(self.session, self.message, outcome).encode("utf-8"))
        except BaseException as error:  # noqa: BLE001 - the reply reports it (a 500 for a bug)
            outcome = error
        finally:
            app.sessions.end_turn(self.session)
        self.reply(outcome)


def _pieces_of(result: AnswerResult, *, whole: bool = False) -> Iterator[str | AnswerResult]:
    """A whole extractive answer as the stream AnswerService.stream gives: word pieces (unless `whole`), then
    the result."""
    if not whole:
        yield from word_pieces(result.answer)
    yield result


def encoded_reply(session_id: str, result: AnswerResult) -> tuple[Message, str]:
    """The assistant message to store and the reply as JSON text — {"session_id", **result.to_json()} — with
    the answer and its sources (most of both) encoded once for the two, not once each."""
    sources = [source.to_json() for source in result.sources]
    answer, cited = encode_json(result.answer), encode_json(sources)
    notice = f', "notice": {encode_json(result.notice)}' if result.notice else ""
    message = Message("assistant", result.answer, sources, result.notice,
                      text=f'{{"role": "assistant", "content": {answer}, "sources": {cited}{notice}}}')
    body = (f'{{"session_id": {encode_json(session_id)}, "answer": {answer}, "sources": {cited}, '
            f'"backend": {encode_json(result.backend)}, "latency_ms": {encode_json(round(result.latency_ms, 1))}'
            f'{notice}}}')
    return message, body


def _last_result(answer: Iterator[str | AnswerResult]) -> AnswerResult:
    for item in answer:
        if isinstance(item, AnswerResult):
            return item
    raise RuntimeError("the answer stream ended without a result")


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
