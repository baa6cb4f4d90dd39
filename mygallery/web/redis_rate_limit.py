"""`RedisRateLimiter`: RATE_LIMIT_PER_MINUTE as one token bucket per client for the whole cluster
(SESSION_STORE=redis), so N instances behind a proxy give a client the budget one instance would.

The bucket is the one of rate_limit.py — RATE_LIMIT_PER_MINUTE requests in a burst, then one every 60/RATE s —
kept in Redis as a hash `mygallery:rate:{client}` (tokens, time of the last update) and taken by one Lua script,
so two instances can never both spend the last token. The time is Redis's own (`TIME`): instances whose clocks
differ still refill a bucket at one rate. A bucket expires once it would be full again, so Redis keeps only the
clients of the last minute or so. The same `check(client)` as `RateLimiter`; the factory in service.py chooses.

While Redis does not answer, each instance falls back to its own in-process bucket (a client may then get N
budgets for a moment) rather than refuse every request: a limit that fails closed would turn a Redis outage
into an outage of `/v1/chat/completions` too, which needs no conversation. Chats fail anyway then (their
conversations are in Redis), with 503 store_unavailable.
Non-goals: per-user quotas, sliding windows, Redis Cluster.
"""

from __future__ import annotations

import logging
import math

from ..errors import StoreUnavailable
from ..sessions.redis_link import RedisLink
from ..sessions.redis_store import PREFIX
from .rate_limit import RateLimiter, rate_limited

log = logging.getLogger(__name__)

# KEYS: the client's bucket; ARGV: capacity, tokens per second -> 0 taken, else milliseconds until one is there
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1]) or capacity
local updated = tonumber(bucket[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - updated) * rate)
local wait = 0
if tokens < 1 then
  wait = math.ceil((1 - tokens) / rate * 1000)
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return wait
"""


class RedisRateLimiter:
    def __init__(self, link: RedisLink, per_minute: int) -> None:
        self.link = link
        self.per_minute = per_minute
        self.fallback = RateLimiter(per_minute)  # this instance's own buckets while Redis does not answer
        self._take = link.script(_TAKE)
        self._args = [float(per_minute), per_minute / 60.0]

    def check(self, client: str) -> None:
        """Take one token of `client`'s cluster-wide bucket or raise RateLimited saying when to retry."""
        if self.per_minute <= 0:
            return
        try:
            wait_ms = self.link.run(lambda _: self._take(keys=[f"{PREFIX}rate:{client}"], args=self._args),
                                    "the rate limit")
        except StoreUnavailable:
            self.fallback.check(client)
            return
        if wait_ms:
            wait = max(1, math.ceil(int(wait_ms) / 1000))
            raise rate_limited(self.per_minute, wait)
