"""Request and answer metrics: Prometheus series for /metrics and rolling figures for /api/admin/stats.

`Metrics` owns a private prometheus-client registry (so several servers in one test process never share
series): requests by route and status, latency histograms by route, requests in flight, active sessions,
answers by backend, fallbacks and unanswered questions; readiness and the machine's CPU, memory and disk (what
monitor.py and the alert rules in deploy/prometheus/ watch); in cluster mode Redis's state and failures. Every
label comes from a closed set. Beside it, a rolling window of recent API latencies gives p50/p95/p99 and
the request rate, and a sampler thread records one point every 10 s for the admin panel's one-hour charts.
Every method is thread-safe: prometheus-client's series lock themselves; `_window_lock` guards the window,
the totals and the history. Every label takes its values from a closed set — routes from the route table
(`not_found` for any unknown path), methods from METHODS (`other` for the rest), statuses from what the server
answers — so no client can add series: each new one is memory held for the process's life and lines in every
scrape. Non-goals: long-term storage (that is Prometheus' job), per-user figures.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import psutil
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from ..periodic import Periodic

log = logging.getLogger(__name__)

WINDOW_SECONDS = 300  # percentiles and rates look at the last five minutes
WINDOW_MAX = 50_000  # bounded memory under any load; at higher rates the window is shorter than 5 min
SAMPLE_SECONDS = 10
HISTORY_POINTS = 360  # one hour of 10-second samples
# Routes whose latency says nothing about answering users: left out of the percentiles.
UNTIMED_ROUTES = frozenset({"static", "page", "metrics", "admin_stats", "openapi", "health", "ready", "not_found",
                           "document", "export", "admin_documents", "admin_ingest", "admin_reports"})

PROMETHEUS_CONTENT_TYPE = CONTENT_TYPE_LATEST
# The `method` label: RFC 9110's methods (and PATCH); any other token a client sends is counted as "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT"})


def rss_mb() -> float:
    """This process's resident memory, MB (admin stats, the instance registry)."""
    return round(psutil.Process().memory_info().rss / 2**20, 1)


def disk_percent(path: Path | None) -> float:
    """Use of the disk holding `path`, % (0.0 when unknown); a folder not made yet counts as its nearest parent."""
    if path is None:
        return 0.0
    path = path.resolve()
    while not path.exists() and path != path.parent:  # INDEX_DIR may not exist yet: its nearest parent
        path = path.parent
    try:
        return float(psutil.disk_usage(str(path)).percent)
    except OSError:
        return 0.0


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, int(round(fraction * len(sorted_values) + 0.5)) - 1))
    return sorted_values[rank]


class Metrics:
    def __init__(self, *, active_sessions: Callable[[], int] = lambda: 0, clock: Callable[[], float] = time.time,
                 ready: Callable[[], bool] = lambda: True, disk_path: Path | None = None,
                 redis_up: Callable[[], bool] | None = None):
        """`ready`: whether /api/ready would say 200; `disk_path`: a folder on the disk to watch; `redis_up`:
        given in cluster mode only (a single server has no Redis to alert on)."""
        self.clock = clock
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("mygallery_http_requests", "HTTP requests answered, by route, method and status",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("mygallery_http_request_duration_seconds", "Time to answer an HTTP request",
                                 ["route"], registry=self.registry,
                                 buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.in_flight = Gauge("mygallery_http_requests_in_flight", "Requests being answered now",
                               registry=self.registry)
        self.sessions = Gauge("mygallery_sessions_active", "Live conversations", registry=self.registry)
        self.sessions.set_function(lambda: float(active_sessions()))
        self._active_sessions = active_sessions
        self.answers = Counter("mygallery_answers", "Answers given, by the backend that produced them",
                               ["backend"], registry=self.registry)
        self.fallbacks = Counter("mygallery_answer_fallbacks",
                                 "Answers that fell back to extractive because the language model failed",
                                 registry=self.registry)
        self.unanswered = Counter("mygallery_answers_unanswered",
                                  "Answers saying the documents do not contain the answer (answered: false)",
                                  registry=self.registry)
        self._in_flight_now: Callable[[], int] = lambda: 0
        self.ready = Gauge("mygallery_ready", "1 when /api/ready answers 200 (index loaded, session store up)",
                           registry=self.registry)
        self.ready.set_function(lambda: float(bool(ready())))
        self.cpu = Gauge("mygallery_cpu_percent", "CPU use of the machine, %, sampled every 10 s",
                         registry=self.registry)
        self.cpu.set_function(lambda: float(self.cpu_percent))
        self.memory = Gauge("mygallery_memory_percent", "Memory use of the machine, %", registry=self.registry)
        self.memory.set_function(lambda: float(psutil.virtual_memory().percent))
        self.disk = Gauge("mygallery_disk_percent", "Use of the disk holding INDEX_DIR, %", registry=self.registry)
        self.disk.set_function(lambda: disk_percent(disk_path))
        self.redis_errors = None
        if redis_up is not None:
            gauge = Gauge("mygallery_redis_up", "1 when this instance's last Redis command worked (cluster mode)",
                          registry=self.registry)
            gauge.set_function(lambda: float(bool(redis_up())))
            self.redis_errors = Counter("mygallery_redis_errors", "Redis commands that failed because Redis was "
                                        "down, slow or refusing writes (cluster mode)", registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple] = {}  # (route, method, status) -> series; see observe
        self._answer_children: dict[str, object] = {}  # backend -> its answers series
        self._window_lock = threading.Lock()  # guards _window, _history and the totals below
        self._window: deque[tuple[float, float]] = deque(maxlen=WINDOW_MAX)  # (time, ms) of timed routes
        self._arrivals: deque[float] = deque(maxlen=WINDOW_MAX)  # time of every API request, for the rate
        self._history: deque[dict] = deque(maxlen=HISTORY_POINTS)
        self.total = 0
        self.errors = 0
        self.by_status: dict[str, int] = {}
        self.answers_by_backend: dict[str, int] = {}
        self.fallback_count = 0
        self.unanswered_count = 0
        self._sampler: Periodic | None = None
        self.cpu_percent = 0.0

    def track_in_flight(self, count: Callable[[], int]) -> None:
        """Where the number of requests in flight comes from (the HTTP server, once it exists)."""
        self._in_flight_now = count
        self.in_flight.set_function(lambda: float(count()))

    def in_flight_now(self) -> int:
        return self._in_flight_now()

    # --- recording -------------------------------------------------------------------------------------------

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        # labels() builds and looks up the label tuple under the metric's lock on every call; the few
        # (route, method, status) children there are stay in a plain dict after their first use.
        if method not in METHODS:
            method = "other"
        children = self._children.get((route, method, status))
        if children is None:
            children = (self.requests.labels(route, method, str(status)), self.latency.labels(route))
            self._children[(route, method, status)] = children  # a racing thread stores the same children
        children[0].inc()
        children[1].observe(seconds)
        now = self.clock()
        with self._window_lock:
            self.total += 1
            self.errors += status >= 500 or status == 429 or status == 413
            key = str(status)
            self.by_status[key] = self.by_status.get(key, 0) + 1
            if route not in UNTIMED_ROUTES:
                self._arrivals.append(now)
                if status < 400:
                    self._window.append((now, seconds * 1000.0))

    def record_answer(self, backend: str, fell_back: bool, answered: bool = True) -> None:
        child = self._answer_children.get(backend)
        if child is None:
            child = self._answer_children[backend] = self.answers.labels(backend)  # see observe()
        child.inc()  # type: ignore[attr-defined]
        if fell_back:
            self.fallbacks.inc()
        if not answered:
            self.unanswered.inc()
        with self._window_lock:
            self.answers_by_backend[backend] = self.answers_by_backend.get(backend, 0) + 1
            self.fallback_count += fell_back
            self.unanswered_count += not answered

    # --- reading ---------------------------------------------------------------------------------------------

    def latency_summary(self) -> dict:
        now = self.clock()
        with self._window_lock:
            recent = sorted(ms for t, ms in self._window if now - t <= WINDOW_SECONDS)
        return {"p50_ms": round(percentile(recent, 0.50), 2), "p95_ms": round(percentile(recent, 0.95), 2),
                "p99_ms": round(percentile(recent, 0.99), 2), "window_s": WINDOW_SECONDS, "count": len(recent)}

    def requests_summary(self) -> dict:
        now = self.clock()
        with self._window_lock:
            last_minute = sum(1 for t in self._arrivals if now - t <= 60)
            return {"total": self.total, "errors": self.errors, "rate_per_min": last_minute,
                    "error_rate": round(self.errors / self.total, 4) if self.total else 0.0,
                    "by_status": dict(self.by_status)}

    def answers_summary(self) -> dict:
        with self._window_lock:
            return {"answers_by_backend": dict(self.answers_by_backend), "fallbacks": self.fallback_count,
                    "unanswered": self.unanswered_count}

    def history(self) -> list[dict]:
        with self._window_lock:
            return list(self._history)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    # --- the sampler -----------------------------------------------------------------------------------------

    def sample(self) -> dict:
        # CPU use since the previous sample: psutil measures between calls, so one caller on a fixed beat
        # gives a steady figure (calls from each admin request would measure random short intervals).
        self.cpu_percent = psutil.cpu_percent(interval=None)
        latency = self.latency_summary()
        point = {"t": round(self.clock(), 1), "p50_ms": latency["p50_ms"], "p95_ms": latency["p95_ms"],
                 "sessions": self._active_sessions(), "rpm": self.requests_summary()["rate_per_min"]}
        with self._window_lock:
            self._history.append(point)
        return point

    def start_sampler(self, interval: float = SAMPLE_SECONDS) -> None:
        if self._sampler is not None:
            return
        self.sample()
        self._sampler = Periodic("metrics-sampler", interval, self.sample, log)
        self._sampler.start()

    def close(self) -> None:
        if self._sampler is not None:
            self._sampler.stop(timeout=5)
