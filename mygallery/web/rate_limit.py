"""Per-client rate limiting: one token bucket per client address.

A client may spend RATE_LIMIT_PER_MINUTE requests in a burst and then one more every 60/RATE seconds; past
that, `check` raises RateLimited with the whole seconds until the next token (Retry-After). 0 disables the
limit (load tests from one address). `_buckets_lock` guards the bucket table; buckets that have refilled
completely are dropped when the table grows, so memory stays bounded under address churn. `Limiter` is what
the routes ask of a rate limiter; the cluster's is `RedisRateLimiter` (redis_rate_limit.py).
Non-goals: limits shared across processes (redis_rate_limit.py), per-user quotas.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from ..errors import RateLimited

MAX_BUCKETS = 10_000


class Limiter(Protocol):
    per_minute: int

    def check(self, client: str) -> None: ...


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.clock = clock
        self._buckets_lock = threading.Lock()  # guards _buckets
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, time of last update)

    def check(self, client: str) -> None:
        """Take one token for `client` or raise RateLimited saying when to retry."""
        if self.per_minute <= 0:
            return
        now = self.clock()
        with self._buckets_lock:
            tokens, updated = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - updated) * self.refill_per_second)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.refill_per_second)
                raise rate_limited(self.per_minute, wait)
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_BUCKETS:
                self._prune(now)

    def _prune(self, now: float) -> None:
        full_after = self.capacity / self.refill_per_second
        for client in [c for c, (_, updated) in self._buckets.items() if now - updated >= full_after]:
            del self._buckets[client]


def rate_limited(per_minute: int, wait: int) -> RateLimited:
    """The one refusal of both limiters (this process's, the cluster's): 429 with Retry-After `wait` s."""
    return RateLimited(f"rate limit of {per_minute} requests per minute reached; retry in {wait} s", retry_after=wait)
