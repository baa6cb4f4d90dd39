"""`RedisStore`: conversations in Redis (SESSION_STORE=redis, REDIS_URL), for several server processes or a
store that outlives the machine's disk.

Layout, under the prefix `mygallery:` — a hash per session (created_at, last_active), a list of JSON messages
per session, and one sorted set of session ids scored by last activity (for restoring live sessions and
expiring idle ones). A turn is appended by one Lua script, so it is atomic and refused when the session was
deleted meanwhile, as in the SQLite store; a rating replaces its message the same way. Durability is Redis's own: run it with `appendonly yes` and
`appendfsync always` (or `everysec`, accepting up to a second of loss on a power cut).
A Redis that cannot be reached (refused, timed out, still loading its data) is StoreUnavailable (`_reachable`);
redis-py reconnects by itself, and a pooled connection that broke while Redis was away is retried once on a
new one, so the first requests after Redis returns succeed.
Non-goals: Redis Cluster key slots (all keys of one session would need a hash tag), pub/sub between servers.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from ..errors import ConfigError, NotFound, StoreUnavailable
from .records import Message, SessionRecord

PREFIX = "mygallery:"
ACTIVITY = PREFIX + "sessions"  # sorted set: session id -> last_active

_APPEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 3, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('HSET', KEYS[1], 'last_active', ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
return 1
"""


_SET_MESSAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('LLEN', KEYS[2]) <= tonumber(ARGV[1]) then return 0 end
redis.call('LSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


def _keys(session_id: str) -> tuple[str, str]:
    return f"{PREFIX}session:{session_id}", f"{PREFIX}messages:{session_id}"


class RedisStore:
    name = "redis"

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                               decode_responses=True,
                                               # a connection broken meanwhile: once more on a new one (not
                                               # after a timeout, which would double the wait)
                                               retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)))
            self._redis.ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(f"configuration error: REDIS_URL={url!r} cannot be reached ({exc})") from exc
        self._append = self._redis.register_script(_APPEND)  # redis-py's client is thread-safe (a pool)
        self._set_message = self._redis.register_script(_SET_MESSAGE)
        self._unreachable = (redis.ConnectionError, redis.TimeoutError)

    @contextlib.contextmanager
    def _reachable(self) -> Iterator[None]:
        try:
            yield
        except self._unreachable as exc:
            raise StoreUnavailable(f"the session store (Redis) cannot be reached ({exc}); try again shortly") from exc

    def create(self, session_id: str, now: float) -> None:
        session_key, _ = _keys(session_id)
        with self._reachable(), self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(session_key, mapping={"created_at": now, "last_active": now})
            pipe.zadd(ACTIVITY, {session_id: now})
            pipe.execute()

    def append(self, session_id: str, messages: list[Message], now: float) -> None:
        session_key, messages_key = _keys(session_id)
        bodies = [m.to_json_text() for m in messages]
        with self._reachable():
            appended = self._append(keys=[session_key, messages_key, ACTIVITY], args=[now, session_id, *bodies])
        if not appended:
            raise NotFound("conversation not found or expired; start a new one")

    def set_feedback(self, session_id: str, index: int, message: Message) -> None:
        """Replace message `index` with the same message carrying its rating, atomically (one script), and
        only while the session exists."""
        with self._reachable():
            changed = self._set_message(keys=list(_keys(session_id)), args=[index, message.to_json_text()])
        if not changed:
            raise NotFound("conversation not found or expired; start a new one")

    def delete(self, session_id: str) -> None:
        with self._reachable(), self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(*_keys(session_id))
            pipe.zrem(ACTIVITY, session_id)
            pipe.execute()

    def load_active(self, since: float) -> list[SessionRecord]:
        ids = self._redis.zrangebyscore(ACTIVITY, since, "+inf")
        with self._redis.pipeline(transaction=False) as pipe:
            for session_id in ids:
                session_key, messages_key = _keys(session_id)
                pipe.hgetall(session_key)
                pipe.lrange(messages_key, 0, -1)
            replies = pipe.execute()
        records = []
        for session_id, fields, bodies in zip(ids, replies[::2], replies[1::2], strict=True):
            if not fields:
                continue  # deleted between the two calls
            records.append(SessionRecord(session_id, float(fields["created_at"]), float(fields["last_active"]),
                                         [Message.from_json(json.loads(b)) for b in bodies]))
        return records

    def delete_idle(self, before: float) -> int:
        with self._reachable():
            ids = self._redis.zrangebyscore(ACTIVITY, "-inf", f"({before}")
        for session_id in ids:
            self.delete(session_id)
        return len(ids)

    def ping(self) -> None:
        with self._reachable():
            self._redis.ping()

    def close(self) -> None:
        self._redis.close()
