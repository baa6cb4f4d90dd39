"""Concurrent multi-user load test of a running gallery: N simulated users, each in its own session.

Job: every simulated user is one thread with one keep-alive HTTP connection. It creates a session
(POST /api/sessions, waiting out 429 + Retry-After a few times), asks M questions through POST /api/chat —
every second one a follow-up that only makes sense in context — and finally its stored history
(GET /api/sessions/{id}) is compared with exactly what it sent: a foreign, missing or reordered turn is an
isolation failure. Every reply's X-Instance header is counted, so a run through the proxy of a cluster shows how
the requests spread over the instances. `LoadTest.run()` returns a `LoadTestResult`: the raw outcome of every user plus the
server's /api/admin/stats before and after.

Collaborators: test_concurrent.py (command line, progress line), loadtest_questions (what users ask),
loadtest_report (figures and text/JSON/HTML), monitoring.fetch_admin_stats, the server's HTTP API.
Non-goals: streamed (SSE) answers, judging answer quality (`python -m mygallery eval` does that), load from
several machines, ramp-up schedules.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .loadtest_questions import plan_messages
from .monitoring import fetch_admin_stats, stats_refusal_hint

# --- HTTP ---------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """One request's outcome: an HTTP status with its JSON body, or no status and the transport error."""

    status: int | None
    body: Any
    seconds: float
    error: str = ""
    retry_after: float | None = None
    retried: bool = False  # the first attempt was lost to a dropped connection; this is the second
    instance: str = ""  # the server instance that answered (X-Instance), behind a proxy of several

    def _error_field(self, key: str) -> str:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return str(error.get(key) or "") if isinstance(error, dict) else ""

    def error_kind(self) -> str:
        """Short, countable: "429 too_many_requests", "HTTP 502", "timeout (60 s)", "connection refused"."""
        if self.status is None:
            return self.error
        code = self._error_field("code")
        if code in ("", "too_many_requests") and self.status == 429 and \
                "rate limit" in self._error_field("message").lower():
            code = "rate_limited"  # a server without distinct codes for the rate limit and the session cap
        return f"{self.status} {code}" if code else f"HTTP {self.status}"

    def error_message(self) -> str:
        """The server's own words (JSON error shape), shown once per kind in the report."""
        return self._error_field("message") or self.error_kind()


_DROPPED = (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)


class ServerConnection:
    """One keep-alive HTTP/1.1 connection to the server. A connection the server dropped (idle keep-alive
    closed, reset under load) is reopened once and the request sent again."""

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(parts.hostname or "localhost", parts.port, timeout=timeout)
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout

    def request(self, method: str, path: str, payload: Any = None) -> Reply:
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                reply = self._exchange(method, self._prefix + path, body, headers, started)
                reply.retried = attempt == 2
                return reply
            except _DROPPED:
                self._connection.close()
                if attempt == 2:
                    return Reply(None, None, time.perf_counter() - started, "connection reset", retried=True)
            except (OSError, http.client.HTTPException) as exc:
                self._connection.close()
                return Reply(None, None, time.perf_counter() - started, self._describe(exc), retried=attempt == 2)
        raise AssertionError("unreachable")

    def _exchange(self, method: str, path: str, body: bytes | None, headers: dict[str, str],
                  started: float) -> Reply:
        self._connection.request(method, path, body=body, headers=headers)
        response = self._connection.getresponse()
        raw = response.read()  # read it all: the connection is reused for the next request
        seconds = time.perf_counter() - started
        try:
            parsed = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            parsed = None
        return Reply(response.status, parsed, seconds, retry_after=parse_retry_after(response.getheader("Retry-After")),
                     instance=response.getheader("X-Instance") or "")

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"timeout ({self._timeout:g} s)"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        return type(exc).__name__

    def close(self) -> None:
        self._connection.close()


def parse_retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: rare for this server; the caller uses its default wait


# --- one user -----------------------------------------------------------------------------------------------


@dataclass
class SentMessage:
    """A chat message as sent. `stored_for_sure`: the server answered 200, so the turn must be in the history
    (a timeout, dropped connection or 5xx leaves it open). `maybe_twice`: the connection dropped and the
    message was sent again, so the server may hold it twice."""

    text: str
    stored_for_sure: bool
    answer: str | None = None
    maybe_twice: bool = False
@dataclass
class SimulatedUser:
    number: int
    messages: list[str]
    connection: ServerConnection
    session_id: str | None = None
    sent: list[SentMessage] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_examples: dict[str, str] = field(default_factory=dict)  # kind -> the first message of that kind
    session_problem: str = ""
    isolation_problem: str = ""
    verify_problem: str = ""  # the history could not be fetched, so isolation is unknown
    verified: bool = False
    deleted: bool = False
    instances: Counter = field(default_factory=Counter)  # X-Instance of every chat reply -> how many


def find_isolation_problem(sent: list[SentMessage], stored: list[dict[str, Any]]) -> str:
    """"" when the stored history holds exactly this user's messages, each followed by its answer.

    Messages answered 200 must all be there, in the order sent. A message whose fate is unknown (timeout,
    dropped connection, 5xx) may be there or not, and even after a later one: the server may still have
    been working on it. Anything else — a message this user never sent — is an isolation failure.
    """
    expected = [m for m in sent if m.stored_for_sure]
    optional = Counter(m.text for m in sent if not m.stored_for_sure or m.maybe_twice)
    optional.update(m.text for m in sent if not m.stored_for_sure and m.maybe_twice)
    matched, position = 0, 0
    while position < len(stored):
        turn = stored[position]
        following = stored[position + 1] if position + 1 < len(stored) else None
        answer = following if following is not None and following.get("role") == "assistant" else None
        if turn.get("role") != "user":
            return f"message {position + 1}: {describe_turn(turn)} does not follow a question of this user"
        if matched < len(expected) and turn.get("content") == expected[matched].text:
            problem = check_answer(expected[matched], answer, position)
            if problem:
                return problem
            matched += 1
        elif optional[turn.get("content")] > 0:
            optional[turn.get("content")] -= 1
        else:
            return f"message {position + 1}: {describe_turn(turn)} was not sent by this user at this point"
        position += 2 if answer is not None else 1
    if matched < len(expected):
        return f"the user's {expected[matched].text!r} is missing from the history"
    return ""


def check_answer(message: SentMessage, answer: dict[str, Any] | None, position: int) -> str:
    if answer is None:
        return f"message {position + 1}: no assistant answer follows {message.text!r}"
    if message.answer is not None and not message.maybe_twice and \
            str(answer.get("content", "")).strip() != message.answer.strip():
        return f"message {position + 2}: the stored answer differs from the one this user received"
    return ""


def describe_turn(turn: dict[str, Any] | None) -> str:
    if turn is None:
        return "nothing (history too short)"
    return f"{turn.get('role')}: {str(turn.get('content', ''))[:60]!r}"


# --- the run ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadTestPlan:
    url: str
    users: int
    requests_per_user: int
    timeout: float = 60.0
    max_sessions: int | None = None  # at most this many sessions open at once (users wait for a slot)
    keep_sessions: bool = False
    session_tries: int = 4  # POST /api/sessions attempts while the server answers 429
    session_wait_limit: float = 30.0  # seconds one user waits in all; a longer Retry-After ends the wait
    admin_token: str = ""
    seed: int = 0


@dataclass
class LoadTestResult:
    plan: LoadTestPlan
    questions_source: str
    users: list[SimulatedUser]
    started_at: str
    wall_seconds: float
    chat_seconds: float
    server_before: dict[str, Any] | None
    server_after: dict[str, Any] | None
    server_note: str
    interrupted: bool = False


class LoadTest:
    """Runs a plan: all users start together, then histories are verified, then sessions are deleted."""

    def __init__(self, plan: LoadTestPlan, questions: list[str], questions_source: str) -> None:
        self.plan = plan
        self.questions = questions
        self.questions_source = questions_source
        self.planned_requests = plan.users * plan.requests_per_user
        self._stop = threading.Event()  # set on Ctrl-C: users finish their current request and leave
        self._go = threading.Event()  # set once every user thread exists, so they all start together
        self._slots = threading.BoundedSemaphore(plan.max_sessions) if plan.max_sessions else None
        self._counts_lock = threading.Lock()  # guards _done and _failed, read by the progress line
        self._done = 0
        self._failed = 0

    def progress(self) -> tuple[int, int, int]:
        """(chat requests finished, of which failed, planned) — safe to call from any thread."""
        with self._counts_lock:
            return self._done, self._failed, self.planned_requests

    def server_figures(self) -> tuple[dict[str, Any] | None, str]:
        """/api/admin/stats now, or None and why not."""
        reply = fetch_admin_stats(self.plan.url, self.plan.admin_token)
        problem = stats_refusal_hint(reply)
        return (None, problem) if problem else (reply.body, "")

    def run(self) -> LoadTestResult:
        started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        started = time.perf_counter()
        before, note = self.server_figures()
        users = [self._new_user(n) for n in range(1, self.plan.users + 1)]
        chat_started = time.perf_counter()
        interrupted = self._run_users(users)
        chat_seconds = time.perf_counter() - chat_started
        if not interrupted and not self._slots:
            self._for_each(users, self._verify)
        after, _ = self.server_figures()
        if not self.plan.keep_sessions:
            self._for_each(users, self._delete)
        for user in users:
            user.connection.close()
        return LoadTestResult(self.plan, self.questions_source, users, started_at, time.perf_counter() - started,
                              chat_seconds, before, after, note, interrupted)

    def _new_user(self, number: int) -> SimulatedUser:
        rng = random.Random(self.plan.seed * 1_000_003 + number)
        return SimulatedUser(number, plan_messages(self.questions, self.plan.requests_per_user, rng),
                             ServerConnection(self.plan.url, self.plan.timeout))

    def _run_users(self, users: list[SimulatedUser]) -> bool:
        """Runs every user in its own thread; True when interrupted by Ctrl-C."""
        threads = [threading.Thread(target=self._simulate, args=(u,), name=f"user-{u.number}", daemon=True)
                   for u in users]
        for thread in threads:
            thread.start()
        self._go.set()
        try:
            for thread in threads:
                thread.join()
        except KeyboardInterrupt:
            self._stop.set()
            for thread in threads:
                thread.join()
            return True
        return False

    def _for_each(self, users: list[SimulatedUser], job: Any) -> None:
        with ThreadPoolExecutor(max_workers=min(32, max(1, len(users))), thread_name_prefix="loadtest") as pool:
            list(pool.map(job, users))

    def _simulate(self, user: SimulatedUser) -> None:
        self._go.wait()
        if self._slots:
            with self._slots:
                self._converse(user)
                self._verify(user)
                if not self.plan.keep_sessions:
                    self._delete(user)
        else:
            self._converse(user)

    def _converse(self, user: SimulatedUser) -> None:
        if self._stop.is_set():
            return
        user.session_id = self._create_session(user)
        if user.session_id is None:
            user.errors += ["chat: not sent (no session)"] * len(user.messages)
            self._count(len(user.messages), len(user.messages))
            return
        for text in user.messages:
            if self._stop.is_set():
                return
            self._ask(user, text)

    def _create_session(self, user: SimulatedUser) -> str | None:
        """POST /api/sessions; a 429 is retried after its Retry-After while the user's wait budget lasts."""
        waited, attempt = 0.0, 0
        while True:
            attempt += 1
            reply = user.connection.request("POST", "/api/sessions", {})  # JSON: the server answers 415 without
            if reply.status == 201 and isinstance(reply.body, dict) and reply.body.get("session_id"):
                return str(reply.body["session_id"])
            pause = reply.retry_after if reply.retry_after is not None else 1.0
            if reply.status != 429 or attempt >= self.plan.session_tries or \
                    waited + pause > self.plan.session_wait_limit or self._stop.wait(pause):
                break
            waited += pause
        self._note_error(user, "create", reply)  # once per user: the retries are in session_problem
        user.session_problem = self._session_refusal(reply, attempt)
        return None

    def _session_refusal(self, reply: Reply, attempts: int) -> str:
        if reply.status == 429:
            return (f"POST /api/sessions answered 429 {attempts} time(s) ({reply.error_message()}); if that is "
                    "the session cap, --max-sessions keeps fewer sessions open at once")
        return f"POST /api/sessions failed: {reply.error_message()}"

    def _ask(self, user: SimulatedUser, text: str) -> None:
        reply = user.connection.request("POST", "/api/chat", {"message": text, "session_id": user.session_id})
        user.instances[reply.instance or "(none)"] += reply.status is not None
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status == 200 and isinstance(body.get("answer"), str):
            user.sent.append(SentMessage(text, True, body["answer"], maybe_twice=reply.retried))
            user.latencies.append(reply.seconds)
            if body.get("session_id") not in (None, user.session_id):
                user.isolation_problem = f"/api/chat answered for session {str(body.get('session_id'))[:8]}…"
            self._count(1, 0)
            return
        # a 4xx was refused before storing anything; a 5xx or lost reply may have stored the turn
        if reply.status is None or reply.status >= 500 or reply.retried:
            user.sent.append(SentMessage(text, stored_for_sure=False, maybe_twice=reply.retried))
        self._note_error(user, "chat", reply)
        self._count(1, 1)

    @staticmethod
    def _note_error(user: SimulatedUser, operation: str, reply: Reply) -> None:
        kind = f"{operation}: {reply.error_kind()}"
        user.errors.append(kind)
        user.error_examples.setdefault(kind, reply.error_message())

    def _count(self, done: int, failed: int) -> None:
        with self._counts_lock:
            self._done += done
            self._failed += failed

    def _verify(self, user: SimulatedUser) -> None:
        if user.session_id is None or user.isolation_problem:
            return
        reply = user.connection.request("GET", f"/api/sessions/{user.session_id}")
        body = reply.body if isinstance(reply.body, dict) else {}
        if reply.status != 200 or not isinstance(body.get("messages"), list):
            user.verify_problem = f"GET /api/sessions/{{id}} failed: {reply.error_kind()}"
            return
        user.verified = True
        if body.get("session_id") not in (None, user.session_id):
            user.isolation_problem = "GET /api/sessions/{id} returned another session"
        else:
            user.isolation_problem = find_isolation_problem(user.sent, body["messages"])

    def _delete(self, user: SimulatedUser) -> None:
        if user.session_id is None:
            return
        reply = user.connection.request("DELETE", f"/api/sessions/{user.session_id}")
        user.deleted = reply.status in (200, 204, 404)
