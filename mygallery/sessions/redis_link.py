"""`RedisLink`: the one connection of a server process to the cluster's Redis (SESSION_STORE=redis), and the one
place where Redis trouble becomes a clear, temporary error.

Everything cluster mode keeps in Redis — conversations (cluster.py), rate budgets (web/redis_rate_limit.py),
the instance registry (web/instances.py) — goes through `RedisLink.run`. A Redis that is down, restarting
(loading its append-only file), slower than REDIS_TIMEOUT_SECONDS or refusing writes (disk full) raises
`StoreUnavailable` (503 with Retry-After, errors.py), never a 500; a script error is a bug and stays one. The
link remembers whether its last command worked (`up`, `problem`), for /api/ready, /metrics and the admin panel.

Connections: redis-py's client is a thread-safe pool. A pooled connection broken by a Redis restart fails its
next command with a ConnectionError; that command is retried once on a fresh connection, so the first request
after a restart does not fail. Every script the cluster runs is safe to run twice (appends carry a turn token,
creates and lock takes check their own id first). Timeouts are not retried: a slow Redis answers 503 after one
timeout, not two.
Non-goals: Redis Cluster or Sentinel discovery (one Redis, or a managed endpoint behind one URL), connection
limits beyond redis-py's pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import redis

from ..errors import ConfigError, StoreUnavailable

T = TypeVar("T")
RETRY_AFTER_SECONDS = 2  # what a 503 store_unavailable suggests: a restarting Redis is back in about a second
# Replies that mean "Redis cannot take this now", not "this command is wrong": MISCONF (cannot persist, e.g. a
# full disk), READONLY (a replica after a fail-over), MASTERDOWN, LOADING, TRYAGAIN, NOREPLICAS.
_TEMPORARY_REPLIES = ("MISCONF", "READONLY", "MASTERDOWN", "LOADING", "TRYAGAIN", "NOREPLICAS")


def shown_url(url: str) -> str:
    """The Redis URL without its password, for logs, /api/ready and the admin panel."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return parts._replace(netloc=user + netloc).geturl()


def is_temporary(error: redis.RedisError) -> bool:
    """Whether an error is Redis being unavailable (down, slow, loading, read-only, cannot persist)."""
    import redis  # imported by the link first (see RedisLink.__init__): a look-up here

    if isinstance(error, redis.ConnectionError | redis.TimeoutError):
        return True  # BusyLoadingError (LOADING) is a ConnectionError
    return isinstance(error, redis.ResponseError) and str(error).startswith(_TEMPORARY_REPLIES)


class RedisLink:
    """The Redis client of one server process, with its health."""

    name = "redis"  # what the admin panel shows as the session store

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        # redis-py is imported here, not with the module: a server without SESSION_STORE=redis never loads it
        # (6 MB of the server process and of every answer process forked from it)
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        self.url = shown_url(url)
        self._errors = redis.RedisError
        try:
            self.client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True,
                retry=Retry(NoBackoff(), retries=1, supported_errors=(redis.ConnectionError,)))
            self.client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(f"configuration error: REDIS_URL={self.url!r} cannot be reached ({exc})") from exc
        self._health_lock = threading.Lock()  # guards up, problem, errors and down_since
        self.up = True
        self.problem = ""
        self.errors = 0  # commands that failed because Redis was unavailable, since start
        self.down_since: float | None = None
        self.on_failure: Callable[[], None] | None = None  # counts failures in /metrics (set by the service)

    def script(self, lua: str) -> Callable:
        """A Lua script, loaded by its SHA on first use (and again after a Redis restart forgot it)."""
        return self.client.register_script(lua)

    def run(self, operation: Callable[[redis.Redis], T], what: str = "the session store") -> T:
        """`operation(client)`; StoreUnavailable (503) when Redis is unavailable. `what` names the feature in the
        error message the user sees."""
        try:
            result = operation(self.client)
        except self._errors as exc:
            if not is_temporary(exc):
                raise  # a bug (a script error, a wrong type): a 500 with its traceback in the log
            self._failed(exc)
            raise StoreUnavailable(f"{what} is unavailable for a moment (Redis: {type(exc).__name__}); "
                                   "try again shortly", retry_after=RETRY_AFTER_SECONDS) from exc
        if not self.up:
            self._recovered()
        return result

    def check(self) -> str:
        """PING Redis now: "" when it answers, else why not, in words fit for anyone (/api/ready is public: no
        address; the admin panel shows the link's `problem` with it)."""
        try:
            self.run(lambda client: client.ping())
        except StoreUnavailable as exc:
            return f"the session store (Redis) is unavailable: {type(exc.__cause__).__name__}"
        return ""

    def _failed(self, error: BaseException) -> None:
        with self._health_lock:
            self.errors += 1
            self.up = False
            self.problem = f"Redis at {self.url} is unavailable: {type(error).__name__}: {error}"
            if self.down_since is None:
                self.down_since = time.time()
        if self.on_failure is not None:
            self.on_failure()

    def _recovered(self) -> None:
        with self._health_lock:
            self.up, self.problem, self.down_since = True, "", None

    def close(self) -> None:
        self.client.close()
