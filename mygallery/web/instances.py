"""`InstanceRegistry`: each instance of a cluster (SESSION_STORE=redis) registers itself in Redis with a
heartbeat, so any instance can show all of them — in /api/admin/stats (`cluster`), the admin panel and
monitor.py pointed at the proxy.

Every HEARTBEAT_SECONDS a `heartbeat` thread (stopped by an Event, joined on close) writes this instance's
figures — id, address, pid, version, index generation, requests/s, answer latency, memory, CPU — as JSON under
`mygallery:instance:{id}` and its time (Redis's clock) in the sorted set `mygallery:instances`. An instance
whose last heartbeat is older than three intervals is shown `alive: false`: it crashed, hangs or lost Redis. A
graceful stop removes the entry; the entries of instances silent for an hour are forgotten.
Non-goals: starting or restarting instances (systemd, deploy_intranet.sh), leader election, service discovery
for the proxy (its upstream list is written by deploy_intranet.sh).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os

from .. import __version__
from ..engine.index import LiveIndex
from ..errors import StoreUnavailable
from ..periodic import Periodic
from ..sessions.redis_link import RedisLink
from ..sessions.redis_store import PREFIX
from .metrics import Metrics, rss_mb

log = logging.getLogger(__name__)

REGISTRY = PREFIX + "instances"  # sorted set: instance id -> time of its last heartbeat
MISSED_BEATS = 3  # an instance silent for this many intervals is shown as down
FORGET_SECONDS = 3600  # entries of instances silent this long are removed

# KEYS: registry, the instance's key; ARGV: id, JSON, keep s -> Redis's time now
_BEAT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
return tostring(now)
"""
# KEYS: registry; ARGV: key prefix -> {now, id, last heartbeat, JSON or false, ...}
_LIST = """
local clock = redis.call('TIME')
local out = {tostring(tonumber(clock[1]) + tonumber(clock[2]) / 1000000)}
local found = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #found, 2 do
  table.insert(out, found[i])
  table.insert(out, found[i + 1])
  table.insert(out, redis.call('GET', ARGV[1] .. found[i]) or '')
end
return out
"""


class InstanceRegistry:
    def __init__(self, link: RedisLink, *, instance_id: str, address: str, interval: float, metrics: Metrics,
                 library: LiveIndex, started: float) -> None:
        self.link = link
        self.instance_id = instance_id
        self.address = address
        self.interval = interval
        self.metrics = metrics
        self.library = library
        self.started = started
        self._beat = link.script(_BEAT)
        self._list = link.script(_LIST)
        self._heartbeat = Periodic("heartbeat", interval, self.beat, log, quiet=(StoreUnavailable,))

    def describe(self) -> dict:
        """This instance's figures, as registered."""
        index = self.library.current()
        latency = self.metrics.latency_summary()
        return {"id": self.instance_id, "address": self.address, "pid": os.getpid(), "version": __version__,
                "started": round(self.started, 1), "generation": index.manifest.get("generation") if index else None,
                "ready": index is not None,
                "requests_per_s": round(self.metrics.requests_summary()["rate_per_min"] / 60.0, 2),
                "p50_ms": latency["p50_ms"], "p95_ms": latency["p95_ms"],
                "memory_rss_mb": rss_mb(),
                "cpu_percent": self.metrics.cpu_percent, "in_flight": self.metrics.in_flight_now()}

    def beat(self) -> None:
        """Write this instance's entry now; StoreUnavailable when Redis does not answer."""
        entry = json.dumps(self.describe(), ensure_ascii=False)
        self.link.run(lambda _: self._beat(keys=[REGISTRY, f"{REGISTRY}:{self.instance_id}"],
                                           args=[self.instance_id, entry, FORGET_SECONDS]), "the instance registry")

    def start(self) -> None:
        if self._heartbeat.running:
            return
        try:
            self.beat()  # registered before the first request
        except StoreUnavailable as exc:
            log.warning("instance registry: %s", exc)
        self._heartbeat.start()

    def instances(self) -> list[dict]:
        """Every registered instance, alive or not, ordered by id; [] while Redis does not answer."""
        try:
            reply = self.link.run(lambda _: self._list(keys=[REGISTRY], args=[REGISTRY + ":"]), "the registry")
        except StoreUnavailable:
            return []
        now = float(reply[0])
        found = []
        for instance_id, beat, entry in (reply[i:i + 3] for i in range(1, len(reply), 3)):
            described = json.loads(entry) if entry else {"id": instance_id}
            age = round(max(0.0, now - float(beat)), 1)
            found.append({**described, "id": instance_id, "heartbeat_age_s": age,
                          "alive": age <= MISSED_BEATS * self.interval})
        return sorted(found, key=lambda item: item["id"])

    def summary(self) -> dict:
        """The `cluster` section of /api/admin/stats: this instance, all of them, totals over the live ones, and
        Redis's state."""
        instances = self.instances()
        alive = [i for i in instances if i["alive"]]
        generations = sorted({str(i.get("generation")) for i in alive if i.get("generation")})
        totals = {"instances": len(instances), "alive": len(alive),
                  "requests_per_s": round(sum(i.get("requests_per_s") or 0 for i in alive), 2),
                  "in_flight": sum(i.get("in_flight") or 0 for i in alive),
                  "memory_rss_mb": round(sum(i.get("memory_rss_mb") or 0 for i in alive), 1),
                  "p95_ms": max((i.get("p95_ms") or 0 for i in alive), default=0.0),
                  "generations": generations}
        return {"instance": self.instance_id, "heartbeat_s": self.interval, "instances": instances,
                "totals": totals, "redis": {"url": self.link.url, "up": self.link.up, "problem": self.link.problem,
                                            "errors": self.link.errors}}

    def close(self) -> None:
        """Stop and join the heartbeat, then leave the registry (a graceful stop is not a crash)."""
        self._heartbeat.stop()
        with contextlib.suppress(StoreUnavailable):  # else the entry shows as down until it is forgotten
            self.link.run(lambda client: client.pipeline().zrem(REGISTRY, self.instance_id)
                          .delete(f"{REGISTRY}:{self.instance_id}").execute(), "the instance registry")
