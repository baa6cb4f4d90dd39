"""`POST /api/chat`: one turn of a conversation — check the request, start the turn, answer, record, reply.

The path of a chat, in order: `handle` checks the body and the rate limit and starts the conversation's turn
(`begin`: the session caps and the turn limit are the SessionManager's; the answer gets the recent history),
the `AnswerRunner` computes the answer where it belongs (answer_runner.py), and `record` stores the question and
the answer durably before the user sees the answer — in the JSON body, or in the `done` event of a stream. A
whole (non-streamed) answer that need not hold the connection's thread is a `Response.later` when the sessions
are not kept in SQLite (see `record_off_thread`); a stream yields `token` events as the answer grows. The turn
ends (`SessionManager.end_turn`) however the answer ends. The question is also noted in the question log
(sessions/question_log.py) with whether the documents answered it, for the admin's reports; the reply carries
`message_index`, the answer's position in the conversation, which a rating (feedback.py) names.
Collaborators: `Sessions` (sessions/protocol.py: one process's manager or the cluster's), the rate `Limiter`,
`AnswerRunner`, `QuestionLog`.
Non-goals: routing (app.py), writing HTTP (handler.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ..config import Settings
from ..engine.answer_types import AnswerResult, Source, Turn
from ..errors import BadRequest, NotFound, ServerBusy
from ..sessions.manager import Session, looks_like_session_id
from ..sessions.protocol import Sessions
from ..sessions.question_log import QuestionLog
from ..sessions.records import Message, encode_json
from .answer_runner import AnswerRunner
from .http_types import Request, Response
from .rate_limit import Limiter

# What counts as blank in a message: the white space of JSON Schema's (ECMAScript's) \s, so the server and the
# `pattern: \S` of /openapi.json agree (Python's str.isspace also counts control characters like \x1f).
BLANK = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TURN_WAIT_SECONDS = 60  # a second tab waits this long for the first tab's turn to finish
LOGGED_SOURCES = 3  # the documents of an answer's first sources are noted with its question


class ChatEndpoint:
    def __init__(self, settings: Settings, sessions: Sessions, runner: AnswerRunner,
                 rate_limiter: Limiter, questions: QuestionLog | None = None) -> None:
        self.settings = settings
        self.sessions = sessions
        self.runner = runner
        self.rate_limiter = rate_limiter
        self.questions = questions
        # Whether a whole answer may be recorded and sent by the thread that computed it (a Response.later): not
        # with SQLite. Its commits wait for the disk; the two threads that read answers from the answer
        # processes queued there one commit each, while the connection threads that wait for their answers
        # share commits (SqliteStore.append: group commit). SQLite, 50 connections: 616 chats/s recorded by the
        # reader threads, 984 by the connection threads; the memory store 1,327 and 1,371, the same within the
        # noise (bench/README.md). Redis (cluster mode) has no group commit and keeps the reader threads: with
        # the connection threads an instance SIGKILLed early in tests/test_cluster.py sometimes had answered
        # nothing yet (2 runs in 7, none in 7 before).
        self.record_off_thread = sessions.store.name != "sqlite"

    def session(self, request: Request, session_id: object) -> Session:
        """The live conversation a request names (NotFound otherwise); notes its prefix for the access log."""
        if not isinstance(session_id, str) or not looks_like_session_id(session_id):
            raise NotFound("conversation not found or expired; start a new one")
        request.session_prefix = session_id[:8]
        return self.sessions.get(session_id)

    def handle(self, request: Request) -> Response:
        session, message, stream, history = self.begin(request)
        try:
            if not stream and request.deferrable and self.runner.off_thread and self.record_off_thread:
                return self.runner.later(message, history, functools.partial(self.respond, session, message),
                                         functools.partial(self.sessions.end_turn, session))
            answer = self.runner.stream(message, history, whole=not stream)
        except BaseException:
            self.sessions.end_turn(session)
            raise
        if stream:
            return Response(events=self.events(session, message, answer))
        try:
            return self.respond(session, message, last_result(answer))
        finally:
            answer.close()  # type: ignore[attr-defined]
            self.sessions.end_turn(session)

    def begin(self, request: Request) -> tuple[Session, str, bool, list[Turn]]:
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
        session = self.session(request, session_id) if session_id else None
        client = request.client_behind(self.settings.trusted_proxies)
        self.rate_limiter.check(client)
        if session is None:
            session = self.sessions.create(client)
            request.session_prefix = session.id[:8]
        if not self.sessions.begin_turn(session, TURN_WAIT_SECONDS):  # ConversationFull past MAX_TURNS_PER_SESSION
            raise ServerBusy("this conversation is still answering an earlier question; try again", retry_after=5)
        return session, message, stream, [Turn(m.role, m.content) for m in session.history()]

    def respond(self, session: Session, message: str, result: AnswerResult) -> Response:
        return Response(body=self.record(session, message, result).encode("utf-8"))

    def events(self, session: Session, message: str,
               answer: Iterator[str | AnswerResult]) -> Iterator[tuple[str | None, dict | str]]:
        """token events as the answer is produced, then done with the full JSON; holds the turn lock."""
        try:
            for item in answer:
                if isinstance(item, AnswerResult):
                    yield "done", self.record(session, message, item)  # durable before the user sees `done`
                    return
                yield "token", {"text": item}
        finally:
            answer.close()  # type: ignore[attr-defined] - a client that went away stops the generation
            self.sessions.end_turn(session)

    def record(self, session: Session, question: str, result: AnswerResult) -> str:
        """Store the turn (inside it); returns the reply as JSON text ({"session_id", **result.to_json(),
        "message_index"}) for the response body or the `done` event, encoded together with the stored message
        (see encoded_reply). Then note the question in the question log."""
        reply, body = encoded_reply(session.id, result, message_index=len(session.encoded) + 1)
        self.sessions.record_turn(session, Message("user", question), reply)
        if self.questions is not None:
            docs = list(dict.fromkeys(source.doc for source in result.sources[:LOGGED_SOURCES]))
            self.questions.record(question, result.answered, docs)
        return body


def encoded_reply(session_id: str, result: AnswerResult, *, message_index: int | None = None) -> tuple[Message, str]:
    """The assistant message to store and the reply as JSON text — {"session_id", **result.to_json()}, and
    "message_index" when given — with the answer and its sources (most of both) encoded once for the two, not
    once each."""
    sources = [source.to_json() for source in result.sources]
    answer, cited = encode_json(result.answer), encoded_sources(result.sources)
    notice = f', "notice": {encode_json(result.notice)}' if result.notice else ""
    answered = "true" if result.answered else "false"
    position = "" if message_index is None else f', "message_index": {int(message_index)}'
    message = Message("assistant", result.answer, sources, result.notice, result.answered,
                      text=f'{{"role": "assistant", "content": {answer}, "answered": {answered}, '
                           f'"sources": {cited}{notice}}}')
    body = (f'{{"session_id": {encode_json(session_id)}, "answer": {answer}, "answered": {answered}, '
            f'"sources": {cited}, "backend": {encode_json(result.backend)}, '
            f'"latency_ms": {encode_json(round(result.latency_ms, 1))}{notice}{position}}}')
    return message, body


def encoded_sources(sources: list[Source]) -> str:
    """encode_json([source.to_json() for source in sources]), the same text, with each source's fields but its
    number and score encoded once per process: the same passages come back answer after answer, and encoding
    their snippets was most of a reply's JSON (16 µs of the server's time per answer; 6 µs this way). A score is
    written as json writes a float (a numpy float's repr would not be JSON)."""
    return "[" + ", ".join(f'{{"n": {int(source.n)}, {_passage_fields(source.doc, source.title, source.section, source.page, source.snippet)}'
                           f', "score": {round(float(source.score), 4)!r}}}' for source in sources) + "]"


@functools.lru_cache(maxsize=4096)
def _passage_fields(doc: str, title: str, section: str, page: int | None, snippet: str) -> str:
    """The "doc" … "snippet" members of a source's JSON object, as encode_json writes them."""
    return encode_json({"doc": doc, "title": title, "section": section, "page": page, "snippet": snippet})[1:-1]


def last_result(answer: Iterator[str | AnswerResult]) -> AnswerResult:
    """The AnswerResult that ends an answer's stream."""
    for item in answer:
        if isinstance(item, AnswerResult):
            return item
    raise RuntimeError("the answer stream ended without a result")
