"""`ClusterSessionManager`: conversations shared by every instance through Redis (SESSION_STORE=redis).

Any instance serves any conversation: every request asks Redis (read-through) and every change is one Lua
script (cluster_scripts.py), so what one instance changes or deletes, the next request on any other instance
sees at once. The `HistoryCache` (history_cache.py) only spares reads the transfer of messages this instance
already holds: Redis still answers every read and says how many messages there are (what it buys, measured:
bench/README.md "Cluster").

- **The cap**: `create` counts the conversations active within SESSION_TIMEOUT_MINUTES in Redis and refuses the
  MAX_SESSIONS+1st with a Retry-After from the cluster's oldest idle conversation, in one script.
- **Turns**: two tabs of one user on two instances must not interleave a question and its answer. A turn takes
  first this process's lock of the conversation (threads of one instance queue there, not in Redis), then the
  conversation's Redis lock `turn:{id}` with a random token and an expiry of TURN_LOCK_SECONDS, so an instance
  that dies mid-turn blocks the conversation for at most that long. The history is read under the Redis lock.
  The append checks the token: a turn whose lock expired and was taken by another is refused (503), not
  interleaved; the same token appended twice (a retry after a lost reply) is stored once; and it releases the
  lock (one round trip less per turn; `end_turn` releases only a turn that stored nothing). Waiting for a lock
  another instance holds is polled (10 ms doubling to 200 ms) — Redis cannot wake a waiter when a key expires.
- **Durability**: `record_turn` returns only after Redis has the turn; Redis down or slow raises
  StoreUnavailable (503) and the user never sees an answer that was not stored. What survives a crash of Redis
  itself is its `appendfsync` setting's guarantee (README "Scaling out").
- **Expiry**: conversations idle past the timeout stop counting and are refused at once; the janitor of every
  instance deletes them in batches. Running it on several instances at once is harmless (idempotent).
Locks — the rules: this process's turn lock of a conversation (`_turns`, turn_locks.py) is taken before the one
in Redis; `_held_lock` guards `_held` (the Redis lock tokens) and is never held while waiting or talking to Redis.
- **Fair shares and limits** as in manager.py: a client address holds at most `max_per_client` of the cluster's
  conversations (counted in Redis, `client:{address}`), a conversation takes at most `max_turns` questions.
  An empty conversation counts until the idle timeout here (manager.py frees it after five minutes); the
  per-client share is what keeps one client from taking the cluster's slots.
Non-goals: the single-process manager (manager.py), Redis Cluster.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time

from ..errors import NotFound, ServerBusy, SessionLimit, StoreUnavailable
from ..periodic import Periodic
from . import cluster_scripts as lua
from .history_cache import DEFAULT_BYTES, HistoryCache
from .manager import ID_BYTES, PER_CLIENT_RETRY_SECONDS, Session, rated
from .records import Message
from .redis_link import RedisLink
from .turn_locks import TurnLocks, conversation_full

log = logging.getLogger(__name__)

EXPIRE_BATCH = 1000  # idle conversations deleted per script call: Redis is never blocked for long
POLL_FIRST, POLL_MAX = 0.01, 0.2  # seconds between tries for a turn lock another instance holds
GONE = "conversation not found or expired; start a new one"


class ClusterSessionManager:
    """The `Sessions` protocol (protocol.py) over Redis; thread-safe; several processes may share one Redis."""

    def __init__(self, link: RedisLink, *, max_sessions: int, timeout_seconds: float, cleanup_interval: float,
                 turn_lock_seconds: float, max_per_client: int | None = None, max_turns: int | None = None,
                 cache_bytes: int = DEFAULT_BYTES) -> None:
        """`max_per_client`: conversations one client address may hold in the whole cluster (None: no share);
        `max_turns`: turns one conversation may have (None: no limit) — as in manager.py."""
        self.link = self.store = link
        self.max_sessions = max_sessions
        self.max_per_client = max_per_client
        self.max_turns = max_turns
        self.timeout_seconds = timeout_seconds
        self.cleanup_interval = cleanup_interval
        self.turn_lock_ms = max(1, int(turn_lock_seconds * 1000))
        self._create, self._read, self._take = link.script(lua.CREATE), link.script(lua.READ), link.script(lua.TAKE_TURN)
        self._append, self._release = link.script(lua.APPEND), link.script(lua.RELEASE_TURN)
        self._delete, self._count = link.script(lua.DELETE), link.script(lua.COUNT)
        self._expire, self._summary = link.script(lua.EXPIRE), link.script(lua.SUMMARY)
        self._set_message = link.script(lua.SET_MESSAGE)
        self._turns = TurnLocks()
        self._held_lock = threading.Lock()  # guards _held; see the module docstring
        self._held: dict[str, str] = {}  # session id -> token of the Redis turn lock this process holds
        self._stop = threading.Event()  # also ends turns waiting for a Redis lock
        self._janitor = Periodic("cluster-janitor", cleanup_interval, self.expire_idle, log,
                                 quiet=(StoreUnavailable,), stop=self._stop)
        self.expired_total = 0
        self._last_count = 0  # what active_count() says while Redis does not answer
        self.cache = HistoryCache(cache_bytes)

    # --- conversations ---------------------------------------------------------------------------------------

    def create(self, client: str = "") -> Session:
        """A new conversation started by `client` (its address; "" counts for no one); SessionLimit when the
        cluster holds MAX_SESSIONS active conversations or the client holds its share of them."""
        session_id = secrets.token_hex(ID_BYTES)
        share = self.max_per_client if client and self.max_per_client is not None else 0
        reply = self.link.run(lambda _: self._create(keys=[*lua.keys(session_id), lua.client_key(client)],
                                                     args=[session_id, self.max_sessions, self.timeout_seconds, share]))
        if int(reply[0]) == -1:
            raise SessionLimit(f"this client address already holds {share} conversations, its share of "
                               f"{self.max_sessions}; continue or delete one of them, or try again later",
                               retry_after=PER_CLIENT_RETRY_SECONDS)
        created, value = reply
        if not int(created):
            retry = min(3600, max(1, int(float(value)) + 1))
            raise SessionLimit(f"all {self.max_sessions} conversation slots are in use; try again later",
                               retry_after=retry)
        return Session(session_id, float(value), float(value), owner=client)

    def get(self, session_id: str) -> Session:
        """The conversation as Redis has it now; NotFound when unknown or idle past the timeout."""
        for revision, attempt in (self.cache.held(session_id), (0, ())):  # a reply that does not add up: whole
            reply = self.link.run(lambda _, held=attempt, seen=revision: self._read(keys=lua.keys(session_id), args=[
                session_id, self.timeout_seconds, len(held), seen]))
            if reply is None:
                self.cache.forget(session_id)
                raise NotFound(GONE)
            created_at, last_active, length, revision, start, added = reply
            encoded = attempt[:int(start)] + tuple(text.encode() for text in added)
            if len(encoded) == int(length):
                self.cache.keep(session_id, encoded, int(revision))
                return Session(session_id, float(created_at), float(last_active), encoded, revision=int(revision))
        raise RuntimeError(f"conversation {session_id[:8]}… changed while it was read whole")

    def delete(self, session_id: str) -> bool:
        self.cache.forget(session_id)
        return bool(self.link.run(lambda _: self._delete(keys=lua.keys(session_id), args=[session_id])))

    # --- turns -----------------------------------------------------------------------------------------------

    def begin_turn(self, session: Session, timeout: float) -> bool:
        """Wait up to `timeout` seconds until no other turn of this conversation runs on any instance; True once
        it is ours, with `session` refreshed to the history as it is now. NotFound when it was deleted meanwhile."""
        deadline = time.monotonic() + timeout
        if not self._turns.acquire(session.id, timeout):
            return False
        try:
            taken = self._take_redis_turn(session, deadline)
        except BaseException:
            self._turns.release(session.id)
            raise
        if not taken:
            self._turns.release(session.id)
            return False
        if self.max_turns is not None and session.turns >= self.max_turns:
            self.end_turn(session)
            raise conversation_full(self.max_turns)
        return True

    def _take_redis_turn(self, session: Session, deadline: float) -> bool:
        token = secrets.token_hex(8)
        pause = POLL_FIRST
        while True:
            known = session.encoded  # only what was added since the caller read the conversation is sent
            args = [session.id, self.timeout_seconds, token, self.turn_lock_ms, len(known), session.revision]
            reply = self.link.run(lambda _, args=args: self._take(keys=lua.keys(session.id), args=args))
            if reply[0] == 1:
                _, created_at, last_active, length, revision, start, added = reply
                encoded = known[:int(start)] + tuple(text.encode() for text in added)
                if len(encoded) != int(length):  # does not add up: the whole history, still locked
                    session.encoded, session.revision = (), 0
                    continue
                session.created_at, session.last_active = float(created_at), float(last_active)
                session.encoded, session.revision = encoded, int(revision)
                self.cache.keep(session.id, session.encoded, session.revision)
                with self._held_lock:
                    self._held[session.id] = token
                return True
            if reply[0] == -1:
                raise NotFound(GONE)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stop.wait(min(pause, remaining)):  # no Event can say a key expired
                return False
            pause = min(POLL_MAX, pause * 2)

    def end_turn(self, session: Session) -> None:
        with self._held_lock:
            token = self._held.pop(session.id, None)
        if token is not None:
            try:
                self.link.run(lambda _: self._release(keys=lua.keys(session.id), args=[token]))
            except StoreUnavailable:
                log.warning("turn lock of %s… not released (Redis unavailable); it expires by itself",
                            session.id[:8])
        self._turns.release(session.id)

    def record_turn(self, session: Session, question: Message, answer: Message) -> None:
        """Store one question and its answer together — durable in Redis before this returns; call inside a
        turn. NotFound when the conversation was deleted meanwhile; ServerBusy when this turn's lock expired
        and another turn took the conversation."""
        with self._held_lock:
            token = self._held.get(session.id)
        if token is None:
            raise RuntimeError("record_turn outside a turn of this conversation")
        args = [session.id, token, question.to_json_text(), answer.to_json_text()]
        reply = self.link.run(lambda _: self._append(keys=lua.keys(session.id), args=args))
        if reply[0] == 0:
            raise NotFound(GONE)
        if reply[0] == -1:
            raise ServerBusy("this conversation went on in another tab while this answer was prepared; "
                             "ask again", retry_after=1)
        with self._held_lock:
            self._held.pop(session.id, None)  # released by the append
        session.add(question, answer)
        session.last_active = float(reply[1])
        if int(reply[2]) == len(session.encoded):
            self.cache.keep(session.id, session.encoded, session.revision)

    def set_feedback(self, session: Session, index: int, feedback: dict,
                     wait_seconds: float) -> tuple[Message | None, Message]:
        """Attach the user's rating to assistant message `index`, in Redis, inside a turn (as manager.py does):
        (the question it answered, the rated message). NotFound for no such message, BadRequest for a question."""
        if not self.begin_turn(session, wait_seconds):
            raise ServerBusy("this conversation is still answering a question; try again", retry_after=5)
        try:
            question, message, encoded = rated(session.encoded, index, feedback)
            revision = int(self.link.run(lambda _: self._set_message(keys=lua.keys(session.id),
                                                                     args=[index, encoded[index]])))
            if not revision:
                raise NotFound(GONE)
            session.encoded = encoded
            session.revision = revision  # other instances' copies are older: Redis sends them the whole list
            self.cache.keep(session.id, session.encoded, revision)
        finally:
            self.end_turn(session)
        return question, message

    # --- figures ---------------------------------------------------------------------------------------------

    def active_count(self) -> int:
        """Conversations active in the whole cluster; the last known figure while Redis does not answer."""
        with contextlib.suppress(StoreUnavailable):
            self._last_count = int(self.link.run(lambda _: self._count(keys=[lua.ACTIVITY],
                                                                       args=[self.timeout_seconds])))
        return self._last_count

    def summaries(self, limit: int = 200) -> list[dict]:
        """The most recently active conversations of the cluster, newest first (none while Redis is down)."""
        try:
            reply = self.link.run(lambda _: self._summary(keys=[lua.ACTIVITY],
                                                          args=[self.timeout_seconds, limit, lua.PREFIX]))
        except StoreUnavailable:
            return []
        now = float(reply[0])
        rows = [reply[i:i + 4] for i in range(1, len(reply), 4)]
        return [{"id_prefix": sid[:8], "age_s": round(now - float(created), 1),
                 "idle_s": round(now - float(active), 1), "messages": int(count)}
                for sid, created, active, count in rows]

    def store_problem(self) -> str:
        return self.link.check()

    # --- expiry ----------------------------------------------------------------------------------------------

    def expire_idle(self) -> int:
        """Delete every conversation of the cluster idle past the timeout; the number this call deleted."""
        total = 0
        while True:
            deleted = int(self.link.run(lambda _: self._expire(keys=[lua.ACTIVITY], args=[
                self.timeout_seconds, EXPIRE_BATCH, lua.PREFIX])))
            total += deleted
            if deleted < EXPIRE_BATCH:
                break
        self.expired_total += total
        if total:
            log.info("expired %d idle conversations of the cluster", total)
        return total

    def start_janitor(self) -> None:
        self._janitor.start()

    def close(self) -> None:
        """Stop and join the janitor (turns still waiting for a Redis lock give up), then close the link."""
        self._janitor.stop()
        self.link.close()
