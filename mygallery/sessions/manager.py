"""Per-user conversations: the `SessionManager` (table, cap, idle expiry, janitor) over a `SessionStore`.

A session is a 128-bit random id (`secrets.token_hex(16)`) with its message history. The manager keeps every
live session in memory for fast reads and writes each change through to the store before it is acknowledged,
so a crash loses nothing the user has seen. Stores (stores.py, redis_store.py): memory (tests), SQLite in WAL
mode (default) and Redis.

Locks — the rules:
- `_table_lock` guards the `_sessions` dict (create, look-up, delete, expiry). Never held during an answer.
  The dict is kept in order of last activity, oldest first (a recorded turn moves its session to the end), so
  expiry looks only at the sessions it removes and one more: the scan of the whole table that create() did
  every second took 9.3 ms with 150,000 conversations (in a loop; more on a busy server), a pause that every
  request of that moment shared.
- a turn lock (`begin_turn`/`end_turn`) serialises the turns of one conversation: two tabs of one user cannot
  interleave a question and its answer. Held for the whole turn. It exists only while a turn runs or waits
  (in `_turns`, guarded by `_table_lock`, which is never held while waiting for a turn): a lock per stored
  conversation was half of what a full garbage collection had to walk.
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

from ..errors import NotFound, SessionLimit
from .records import Message, SessionStore

log = logging.getLogger(__name__)

ID_BYTES = 16  # 128 bits of randomness: ids cannot be guessed or enumerated
# create() expires idle sessions itself, but that is a scan of the whole table: at most this often (the janitor
# does the regular sweeps), and always before refusing a session for want of room. Scanning on every create
# cost a tenth of the server's time with 10,000 sessions (bench/bench_server.py).
SWEEP_SECONDS = 1.0


@dataclass(slots=True)
class Session:
    """A live conversation. Its messages are kept as a tuple of JSON texts, replaced on every turn: the garbage
    collector stops tracking a tuple of strings, so stored conversations add next to nothing to a full
    collection (as lists of objects, 45,000 conversations made every full collection a 160 ms pause)."""

    id: str
    created_at: float
    last_active: float
    encoded: tuple[str, ...] = ()

    @property
    def messages(self) -> list[Message]:
        return [Message.from_json(json.loads(text)) for text in self.encoded]

    def add(self, *messages: Message) -> None:
        self.encoded += tuple(m.to_json_text() for m in messages)

    def to_json(self) -> dict:
        return {"session_id": self.id, "created_at": _iso(self.created_at), "last_active": _iso(self.last_active),
                "messages": [json.loads(text) for text in self.encoded]}

    def summary(self, now: float) -> dict:
        return {"id_prefix": self.id[:8], "age_s": round(now - self.created_at, 1),
                "idle_s": round(now - self.last_active, 1), "messages": len(self.encoded)}


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def looks_like_session_id(value: str) -> bool:
    return len(value) == 2 * ID_BYTES and all(c in "0123456789abcdef" for c in value)


class SessionManager:
    """Creates, finds, expires and records conversations; thread-safe."""

    def __init__(self, store: SessionStore, *, max_sessions: int, timeout_seconds: float,
                 cleanup_interval: float, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.max_sessions = max_sessions
        self.timeout_seconds = timeout_seconds
        self.cleanup_interval = cleanup_interval
        self.clock = clock
        self._table_lock = threading.Lock()  # guards _sessions; see the module docstring for the rules
        self._sessions: dict[str, Session] = {}
        self._turns: dict[str, list] = {}  # session id -> [turn lock, threads holding or waiting for it]
        self._stop = threading.Event()
        self._janitor: threading.Thread | None = None
        self.expired_total = 0
        self._last_sweep = float("-inf")  # guarded by _table_lock: when create() last expired idle sessions
        self._restore()

    def _restore(self) -> None:
        """Reload the conversations that were still live when the process stopped (or crashed)."""
        since = self.clock() - self.timeout_seconds
        for record in sorted(self.store.load_active(since), key=lambda r: r.last_active):  # oldest first
            session = self._sessions[record.id] = Session(record.id, record.created_at, record.last_active)
            session.add(*record.messages)
        if self._sessions:
            log.info("restored %d sessions from the %s store", len(self._sessions), self.store.name)
        self.store.delete_idle(since)

    # --- the table -------------------------------------------------------------------------------------------

    def create(self) -> Session:
        now = self.clock()
        session_id = secrets.token_hex(ID_BYTES)  # before taking the lock: reading the OS's randomness drops the GIL
        with self._table_lock:
            stale = []
            if now - self._last_sweep >= SWEEP_SECONDS or len(self._sessions) >= self.max_sessions:
                stale = self._expire_locked(now)
                self._last_sweep = now
            full = len(self._sessions) >= self.max_sessions
            if not full:
                session = Session(session_id, now, now)
                self._sessions[session_id] = session
            else:
                oldest_idle = next(iter(self._sessions.values())).last_active
        self._forget(stale)
        if full:
            retry = max(1, int(oldest_idle + self.timeout_seconds - now) + 1)
            raise SessionLimit(f"all {self.max_sessions} conversation slots are in use; try again later",
                                  retry_after=min(retry, 3600))
        self.store.create(session_id, now)
        return session

    def get(self, session_id: str) -> Session:
        """The live session with this id; NotFound when unknown or idle past the timeout."""
        now = self.clock()
        with self._table_lock:
            session = self._sessions.get(session_id)
            stale = session is not None and now - session.last_active > self.timeout_seconds
            if stale:
                del self._sessions[session_id]
                self.expired_total += 1
        if stale:
            self.store.delete(session_id)
        if session is None or stale:
            raise NotFound("conversation not found or expired; start a new one")
        return session

    def delete(self, session_id: str) -> bool:
        with self._table_lock:
            existed = self._sessions.pop(session_id, None) is not None
        self.store.delete(session_id)
        return existed

    def begin_turn(self, session: Session, timeout: float) -> bool:
        """Wait up to `timeout` seconds until no other turn of this conversation runs; True once it is ours."""
        with self._table_lock:
            entry = self._turns.setdefault(session.id, [threading.Lock(), 0])
            entry[1] += 1
        if entry[0].acquire(timeout=timeout):
            return True
        self._leave_turn(session.id, entry)
        return False

    def end_turn(self, session: Session) -> None:
        with self._table_lock:
            entry = self._turns[session.id]
        self._leave_turn(session.id, entry)
        entry[0].release()

    def _leave_turn(self, session_id: str, entry: list) -> None:
        with self._table_lock:
            entry[1] -= 1
            if entry[1] == 0:  # no one else holds or waits: the next turn starts with a new lock
                del self._turns[session_id]

    def record_turn(self, session: Session, question: Message, answer: Message) -> None:
        """Persist one question and its answer together, then make them visible; call inside a turn."""
        now = self.clock()
        self.store.append(session.id, [question, answer], now)  # durable before the user is told
        session.add(question, answer)
        with self._table_lock:
            session.last_active = now
            if self._sessions.get(session.id) is session:  # the most recently active now: to the end
                self._sessions[session.id] = self._sessions.pop(session.id)

    def store_problem(self) -> str:
        """Why the store cannot be used now, for /api/ready: never anything for a store this process owns."""
        return ""

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
        table is in order of last activity: the idle ones are at its start."""
        stale = []
        for sid, session in self._sessions.items():
            if now - session.last_active <= self.timeout_seconds:
                break
            stale.append(sid)
        for sid in stale:
            del self._sessions[sid]
        self.expired_total += len(stale)
        return stale

    def _forget(self, session_ids: list[str]) -> None:
        """Delete expired sessions from the store, outside the table lock (it may do I/O)."""
        for sid in session_ids:
            self.store.delete(sid)

    def start_janitor(self) -> None:
        if self._janitor is not None:
            return
        self._janitor = threading.Thread(target=self._janitor_loop, name="session-janitor", daemon=True)
        self._janitor.start()

    def _janitor_loop(self) -> None:
        while not self._stop.wait(self.cleanup_interval):
            try:
                self.expire_idle()
            except Exception:  # noqa: BLE001 - a failing store must not kill the janitor; it retries next round
                log.exception("session janitor failed")

    def close(self) -> None:
        """Stop and join the janitor, then close the store (flushing it)."""
        self._stop.set()
        if self._janitor is not None:
            self._janitor.join(timeout=10)
            self._janitor = None
        self.store.close()
