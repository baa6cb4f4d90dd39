"""Per-user conversations: the `SessionManager` (table, caps, turns, idle expiry, janitor) over a `SessionStore`.

A session is a 128-bit random id (`secrets.token_hex(16)`) with its message history. The manager keeps every
live session in memory for fast reads and writes each change through to the store before it is acknowledged,
so a crash loses nothing the user has seen. Stores (stores.py, redis_store.py): memory (tests), SQLite in WAL
mode (default) and Redis.

Caps, so that no one client can take the service from everyone else (docs/API.md, "Limits"):
- MAX_SESSIONS live conversations in all, and a share of them per client address (`max_per_client`: the
  address that started the conversation, as the web layer names it);
- an empty conversation (no message yet) lives EMPTY_SESSION_SECONDS at most, not the full idle timeout: one
  that is never used soon gives its slot back;
- MAX_TURNS_PER_SESSION turns per conversation (`begin_turn` refuses the next with ConversationFull), and an
  answer is given only the last HISTORY_MESSAGES messages (`Session.history`), not the whole conversation.

A store that cannot be reached (it raises StoreUnavailable, ConnectionError or TimeoutError) fails the request
with StoreUnavailable (503) and leaves nothing behind in memory: a refused create frees its slot, a refused
turn is not added. Nothing waits for the store to return — each request tries it again, so the service
recovers by itself; `store_problem()` says whether it answers now (for /api/ready).

Locks — the rules:
- `_table_lock` guards the `_sessions` and `_empty` dicts and the per-client counts (create, look-up, delete,
  expiry). Never held during an answer or a store call.
  `_sessions` is kept in order of last activity, oldest first (a recorded turn moves its session to the end),
  so expiry looks only at the sessions it removes and one more: the scan of the whole table that create() did
  every second took 9.3 ms with 150,000 conversations (in a loop; more on a busy server), a pause that every
  request of that moment shared. `_empty` holds the conversations without a message, in order of creation, for
  their shorter expiry.
- a turn lock (`begin_turn`/`end_turn`, in `_turns`: turn_locks.py) serialises the turns of one conversation
  and is held for the whole turn; it exists only while a turn runs or waits.
The janitor thread wakes every CLEANUP_INTERVAL_SECONDS on an Event (no sleeping loop), expires idle sessions
and can be stopped and joined. Expiry also happens lazily on access.
Non-goals: user accounts, sharing a conversation between users, editing past messages.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import BadRequest, NotFound, ServerBusy, SessionLimit, StoreUnavailable
from ..periodic import Periodic
from .records import Message, SessionStore
from .turn_locks import TurnLocks, conversation_full

log = logging.getLogger(__name__)

ID_BYTES = 16  # 128 bits of randomness: ids cannot be guessed or enumerated
# create() expires idle sessions itself, but that is a scan of the whole table: at most this often (the janitor
# does the regular sweeps), and always before refusing a session for want of room. Scanning on every create
# cost a tenth of the server's time with 10,000 sessions (bench/bench_server.py).
SWEEP_SECONDS = 1.0
# A conversation nobody has written in yet (POST /api/sessions, then nothing) expires after this, or after the
# idle timeout if that is shorter: the chat page starts one only when its first question is on the way.
EMPTY_SESSION_SECONDS = 300.0
# What an answer is given of the conversation: the extractive answerer reads the last question, the LLM prompt
# keeps what fits LLM_CONTEXT_TOKENS — with questions of up to 4,000 characters, ten turns are more than that.
HISTORY_MESSAGES = 20
PER_CLIENT_RETRY_SECONDS = 60  # Retry-After for a client at its share: its own conversations must end first
# What a store raises when its back end cannot be reached; the manager answers every one with StoreUnavailable.
STORE_DOWN = (StoreUnavailable, ConnectionError, TimeoutError)


@dataclass(slots=True)
class Session:
    """A live conversation. Its messages are kept as a tuple of JSON texts in UTF-8, replaced on every turn:
    the garbage collector stops tracking a tuple of bytes, so stored conversations add next to nothing to a full
    collection (as lists of objects, 45,000 conversations made every full collection a 160 ms pause), and
    UTF-8 holds a conversation with Chinese in it in half the memory of a str (Message.to_json_bytes)."""

    id: str
    created_at: float
    last_active: float
    encoded: tuple[bytes, ...] = ()
    owner: str = ""  # the client address that started it ("" when unknown, e.g. restored after a restart)
    revision: int = 0  # cluster mode: ratings that rewrote a message of it in Redis (cluster.py's history cache)

    @property
    def messages(self) -> list[Message]:
        return [Message.from_json(json.loads(text)) for text in self.encoded]

    def history(self, limit: int = HISTORY_MESSAGES) -> list[Message]:
        """The last `limit` messages: what an answer needs, decoded without reading the whole conversation."""
        return [Message.from_json(json.loads(text)) for text in self.encoded[-limit:]]

    @property
    def turns(self) -> int:
        return len(self.encoded) // 2

    def add(self, *messages: Message) -> None:
        self.encoded += tuple(m.to_json_bytes() for m in messages)

    def to_json(self) -> dict:
        return {"session_id": self.id, "created_at": _iso(self.created_at), "last_active": _iso(self.last_active),
                "messages": [json.loads(text) for text in self.encoded]}

    def summary(self, now: float) -> dict:
        return {"id_prefix": self.id[:8], "age_s": round(now - self.created_at, 1),
                "idle_s": round(now - self.last_active, 1), "messages": len(self.encoded)}


def rated(encoded: tuple[bytes, ...], index: int, feedback: dict) -> tuple[Message | None, Message, tuple[bytes, ...]]:
    """Message `index` of a history with the user's rating attached: (the question it answered, the rated
    message, the history with it in place). NotFound for no such message, BadRequest for a question."""
    if not 0 <= index < len(encoded):
        raise NotFound(f"this conversation has no message {index} (it has {len(encoded)})")
    message = Message.from_json(json.loads(encoded[index]))
    if message.role != "assistant":
        raise BadRequest(f"message {index} is a question; only answers (assistant messages) can be rated")
    message.feedback = feedback
    question = Message.from_json(json.loads(encoded[index - 1])) if index else None
    return question, message, encoded[:index] + (message.to_json_bytes(),) + encoded[index + 1:]


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def looks_like_session_id(value: str) -> bool:
    return len(value) == 2 * ID_BYTES and all(c in "0123456789abcdef" for c in value)


def unavailable(error: BaseException) -> StoreUnavailable:
    """The StoreUnavailable (503) for a store failure of STORE_DOWN."""
    if isinstance(error, StoreUnavailable):
        return error
    return StoreUnavailable(f"the session store cannot be reached ({type(error).__name__}: {error}); try again shortly")


class SessionManager:
    """Creates, finds, expires and records conversations; thread-safe."""

    def __init__(self, store: SessionStore, *, max_sessions: int, timeout_seconds: float,
                 cleanup_interval: float, max_per_client: int | None = None, max_turns: int | None = None,
                 empty_timeout_seconds: float = EMPTY_SESSION_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        """`max_per_client`: live conversations one client may hold (None: no share, only MAX_SESSIONS);
        `max_turns`: turns one conversation may have (None: no limit)."""
        self.store = store
        self.max_sessions = max_sessions
        self.max_per_client = max_per_client
        self.max_turns = max_turns
        self.timeout_seconds = timeout_seconds
        self.empty_timeout_seconds = min(empty_timeout_seconds, timeout_seconds)
        self.cleanup_interval = cleanup_interval
        self.clock = clock
        self._table_lock = threading.Lock()  # guards _sessions, _empty, _per_client; see the module docstring
        self._sessions: dict[str, Session] = {}  # every live session, in order of last activity
        self._empty: dict[str, Session] = {}  # the live sessions without a message, in order of creation
        self._per_client: dict[str, int] = {}  # client address -> live sessions it started
        self._turns = TurnLocks()
        self._janitor = Periodic("session-janitor", cleanup_interval, self.expire_idle, log)
        self.expired_total = 0
        self._last_sweep = float("-inf")  # guarded by _table_lock: when create() last expired idle sessions
        self._restore()

    def _restore(self) -> None:
        """Reload the conversations that were still live when the process stopped (or crashed)."""
        since = self.clock() - self.timeout_seconds
        for record in sorted(self.store.load_active(since), key=lambda r: r.last_active):  # oldest first
            session = self._sessions[record.id] = Session(record.id, record.created_at, record.last_active)
            session.add(*record.messages)
        for session in sorted(self._sessions.values(), key=lambda s: s.created_at):
            if not session.encoded:
                self._empty[session.id] = session
        if self._sessions:
            log.info("restored %d sessions from the %s store", len(self._sessions), self.store.name)
        self.store.delete_idle(since)

    # --- the table -------------------------------------------------------------------------------------------

    def create(self, client: str = "") -> Session:
        """A new, empty conversation started by `client` (its address; "" counts for no one); SessionLimit when
        MAX_SESSIONS are live or the client holds its share, StoreUnavailable when the store cannot be reached."""
        now = self.clock()
        session_id = secrets.token_hex(ID_BYTES)  # before taking the lock: reading the OS's randomness drops the GIL
        session = Session(session_id, now, now, owner=client)
        with self._table_lock:
            stale = []
            held = self._per_client.get(client, 0) if client else 0
            if now - self._last_sweep >= SWEEP_SECONDS or len(self._sessions) >= self.max_sessions or (
                    self.max_per_client is not None and held >= self.max_per_client):
                stale = self._expire_locked(now)  # always before refusing a session for want of room
                self._last_sweep = now
                held = self._per_client.get(client, 0) if client else 0
            refusal = self._refusal_locked(now, held)
            if refusal is None:
                self._sessions[session_id] = self._empty[session_id] = session
                if client:
                    self._per_client[client] = held + 1
        self._forget(stale)
        if refusal is not None:
            raise refusal
        try:
            self.store.create(session_id, now)
        except STORE_DOWN as error:
            self._discard(session_id)
            raise unavailable(error) from error
        except BaseException:
            self._discard(session_id)
            raise
        return session

    def _discard(self, session_id: str) -> None:
        """A create that failed holds no slot."""
        with self._table_lock:
            self._remove_locked(session_id)

    def _refusal_locked(self, now: float, held: int) -> SessionLimit | None:
        """Why a client holding `held` conversations may not start one more now, or None (caller holds
        _table_lock)."""
        if self.max_per_client is not None and held >= self.max_per_client:
            return SessionLimit(f"this client address already holds {held} conversations, its share of "
                                f"{self.max_sessions}; continue or delete one of them, or try again later",
                                retry_after=PER_CLIENT_RETRY_SECONDS)
        if len(self._sessions) < self.max_sessions:
            return None
        frees_at = next(iter(self._sessions.values())).last_active + self.timeout_seconds
        if self._empty:
            frees_at = min(frees_at, next(iter(self._empty.values())).created_at + self.empty_timeout_seconds)
        retry = max(1, int(frees_at - now) + 1)
        return SessionLimit(f"all {self.max_sessions} conversation slots are in use; try again later",
                            retry_after=min(retry, 3600))

    def _remove_locked(self, session_id: str) -> Session | None:
        """Take a session out of the table and its client's count (caller holds _table_lock)."""
        session = self._sessions.pop(session_id, None)
        if session is not None:
            self._empty.pop(session_id, None)
            if session.owner:
                left = self._per_client[session.owner] - 1
                if left:
                    self._per_client[session.owner] = left
                else:
                    del self._per_client[session.owner]
        return session

    def get(self, session_id: str) -> Session:
        """The live session with this id; NotFound when unknown or idle past the timeout."""
        now = self.clock()
        with self._table_lock:
            session = self._sessions.get(session_id)
            stale = session is not None and (
                now - session.last_active > self.timeout_seconds
                or (not session.encoded and now - session.created_at > self.empty_timeout_seconds))
            if stale:
                self._remove_locked(session_id)
                self.expired_total += 1
        if stale:
            self._forget([session_id])
        if session is None or stale:
            raise NotFound("conversation not found or expired; start a new one")
        return session

    def delete(self, session_id: str) -> bool:
        """Forget a conversation: from the store first, so one the store could not delete stays usable."""
        try:
            self.store.delete(session_id)
        except STORE_DOWN as error:
            raise unavailable(error) from error
        with self._table_lock:
            return self._remove_locked(session_id) is not None

    def begin_turn(self, session: Session, timeout: float) -> bool:
        """Wait up to `timeout` seconds until no other turn of this conversation runs; True once it is ours.
        ConversationFull when the conversation already has `max_turns` turns."""
        if not self._turns.acquire(session.id, timeout):
            return False
        if self.max_turns is not None and session.turns >= self.max_turns:
            self.end_turn(session)
            raise conversation_full(self.max_turns)
        return True

    def end_turn(self, session: Session) -> None:
        self._turns.release(session.id)

    def record_turn(self, session: Session, question: Message, answer: Message) -> None:
        """Persist one question and its answer together, then make them visible; call inside a turn."""
        now = self.clock()
        try:
            self.store.append(session.id, [question, answer], now)  # durable before the user is told
        except STORE_DOWN as error:
            raise unavailable(error) from error
        session.add(question, answer)
        with self._table_lock:
            session.last_active = now
            if self._sessions.get(session.id) is session:  # the most recently active now: to the end
                self._sessions[session.id] = self._sessions.pop(session.id)
                self._empty.pop(session.id, None)

    def store_problem(self) -> str:
        """Why the store cannot be used now ("" when it answers): asks it, for /api/ready."""
        try:
            self.store.ping()
        except STORE_DOWN as error:
            return unavailable(error).message
        return ""

    def set_feedback(self, session: Session, index: int, feedback: dict,
                     wait_seconds: float) -> tuple[Message | None, Message]:
        """Attach the user's rating to assistant message `index` of a live conversation — in the store, then in
        memory — inside a turn, so it never races a turn being recorded. Returns (the question it answered,
        the rated message). NotFound for no such message, BadRequest for a question."""
        if not self.begin_turn(session, wait_seconds):
            raise ServerBusy("this conversation is still answering a question; try again", retry_after=5)
        try:
            question, message, encoded = rated(session.encoded, index, feedback)
            try:
                self.store.set_feedback(session.id, index, message)
            except STORE_DOWN as error:
                raise unavailable(error) from error
            session.encoded = encoded
        finally:
            self.end_turn(session)
        return question, message

    def active_count(self) -> int:
        with self._table_lock:
            return len(self._sessions)

    def summaries(self, limit: int = 200) -> list[dict]:
        now = self.clock()
        with self._table_lock:
            sessions = list(itertools.islice(reversed(self._sessions.values()), limit))  # most recent first
        return [s.summary(now) for s in sessions]

    # --- expiry ----------------------------------------------------------------------------------------------

    def expire_idle(self) -> int:
        """Drop every session idle longer than the timeout, from memory and from the store."""
        now = self.clock()
        with self._table_lock:
            stale = self._expire_locked(now)
        self._forget(stale)
        if stale:
            log.info("expired %d idle sessions", len(stale))
        return len(stale)

    def _expire_locked(self, now: float) -> list[str]:
        """Remove idle sessions from the table (caller holds _table_lock); return their ids for _forget. The
        table is in order of last activity and the empty ones in order of creation: the idle ones are at the
        start of each."""
        stale = []
        for sid, session in self._sessions.items():
            if now - session.last_active <= self.timeout_seconds:
                break
            stale.append(sid)
        for sid, session in self._empty.items():
            if now - session.created_at <= self.empty_timeout_seconds:
                break
            stale.append(sid)
        stale = [sid for sid in stale if self._remove_locked(sid) is not None]  # one of each
        self.expired_total += len(stale)
        return stale

    def _forget(self, session_ids: list[str]) -> None:
        """Delete expired sessions from the store, outside the table lock (it may do I/O). A store that cannot
        be reached keeps them; the next start's restore removes what is idle by then."""
        for sid in session_ids:
            try:
                self.store.delete(sid)
            except STORE_DOWN as error:
                log.warning("could not delete expired session %s… from the store: %s", sid[:8], error)
                return

    def start_janitor(self) -> None:
        self._janitor.start()

    def close(self) -> None:
        """Stop and join the janitor, then close the store (flushing it)."""
        self._janitor.stop()
        self.store.close()
