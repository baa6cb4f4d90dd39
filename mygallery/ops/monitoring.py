"""Watching a running gallery: probes, alert rules, a de-duplicated alert log and an optional webhook.

Job: `Monitor.check()` runs one round — it polls the server (GET /api/health, timed; /api/ready;
/api/admin/stats) and this machine (psutil: CPU, memory, the disk holding LOG_DIR), compares every reading with
its ALERT_* threshold, and records the round as one line in LOG_DIR/monitor.log. A condition that starts,
is still on after ALERT_REPEAT_MINUTES, or clears is written to LOG_DIR/alerts.log (and POSTed to
ALERT_WEBHOOK_URL when set); alerting.py keeps the book of ongoing conditions that makes this de-duplicate.

Collaborators: monitor.py (command line, table/JSON output, the loop), alerting (de-duplication, alerts.log
lines, webhook), config.Settings (URL, thresholds, token, LOG_DIR), the server's HTTP API (docs/API.md).
loadtest borrows `fetch_admin_stats`.
A cluster (SESSION_STORE=redis) is watched through its proxy: whichever instance answers lists every instance of
the cluster with its heartbeat (stats `cluster`), so one URL reports all of them — `instances` alerts when one
stopped beating (crashed, hung, or cut off from Redis), `redis` when Redis is unavailable.
Non-goals: keeping time series (the server's /metrics and admin history do that), escalation beyond one
webhook, restarting the server, watching more than one server (or cluster) per LOG_DIR.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from ..config import Settings
from .alerting import AlertBook, AlertEvent, WebhookNotifier, append_line, now_iso
from .readings import Reading, above_threshold

HTTP_TIMEOUT_SECONDS = 5.0
MONITOR_LOG_NAME = "monitor.log"
ALERTS_LOG_NAME = "alerts.log"
STATE_FILE_NAME = ".monitor_state.json"

# The gallery lives on the intranet: its probes never go through a proxy named in the environment.
_DIRECT_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# --- HTTP ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpReply:
    """What one HTTP request gave: a status and parsed JSON body, or no status and the transport error."""

    status: int | None
    body: Any
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def reason(self) -> str:
        """The server's error message (JSON error shape) or the transport error, for a log line."""
        error = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(error, dict) and (error.get("message") or error.get("code")):
            return f"HTTP {self.status}: {error.get('message') or error.get('code')}"
        if self.status is not None:
            return f"HTTP {self.status}"
        return self.error or "no answer"


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror})"
    return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        return None


def _read_error_body(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read()
    except (OSError, http.client.HTTPException):
        return b""


def fetch_json(url: str, *, token: str = "", timeout: float = HTTP_TIMEOUT_SECONDS) -> HttpReply:
    """One GET, timed; never raises for HTTP or network trouble — the reply says what happened."""
    headers = {"Accept": "application/json", "User-Agent": "uec-gallery-monitor"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    try:
        with _DIRECT_OPENER.open(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, _read_error_body(exc)
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError is an OSError
        return HttpReply(None, None, time.perf_counter() - started, describe_transport_error(exc, timeout))
    return HttpReply(status, _parse_json(raw), time.perf_counter() - started)


def fetch_admin_stats(base_url: str, token: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> HttpReply:
    return fetch_json(base_url.rstrip("/") + "/api/admin/stats", token=token, timeout=timeout)


def stats_refusal_hint(reply: HttpReply) -> str:
    """Why an admin stats reply carries no figures (with what to do), or "" when it does."""
    if reply.status in (401, 403):
        return f"/api/admin/stats refused ({reply.reason()}): set ADMIN_TOKEN to the server's admin token"
    if not reply.ok or not isinstance(reply.body, dict):
        return f"/api/admin/stats unavailable ({reply.reason()})"
    return ""


@dataclass
class ServerProbe:
    """The three server replies of one round; ready and stats are skipped when health got no answer at all."""

    health: HttpReply
    ready: HttpReply | None
    stats: HttpReply | None

    @property
    def stats_body(self) -> dict[str, Any]:
        ok = self.stats is not None and self.stats.ok and isinstance(self.stats.body, dict)
        return self.stats.body if ok else {}


def probe_server(base_url: str, token: str, timeout: float) -> ServerProbe:
    health = fetch_json(base_url + "/api/health", timeout=timeout)
    if health.status is None:  # refused or timed out: the other two would only wait as long again
        return ServerProbe(health, None, None)
    ready = fetch_json(base_url + "/api/ready", timeout=timeout)
    return ServerProbe(health, ready, fetch_admin_stats(base_url, token, timeout))


def availability_reading(probe: ServerProbe) -> Reading:
    health, ready = probe.health, probe.ready
    healthy = health.ok and isinstance(health.body, dict) and health.body.get("status") == "ok"
    if not healthy:
        value, why = "down", f"health check failed ({health.reason()})"
    elif ready is None or ready.status != 200:
        value, why = "not-ready", f"not ready ({ready.reason() if ready else 'not checked'})"
    else:
        return Reading("availability", "availability", "up", "up")
    return Reading("availability", "availability", value, "up", "", True, "critical",
                   f"application unavailable: {why}")


def nested_number(body: dict[str, Any], section: str, key: str) -> float | None:
    value = body.get(section, {}).get(key) if isinstance(body.get(section), dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def cluster_readings(stats: dict[str, Any]) -> list[Reading]:
    """`instances` and `redis`, when the server is an instance of a cluster (its stats have `cluster`)."""
    cluster = stats.get("cluster")
    if not isinstance(cluster, dict):
        return []
    instances = [i for i in cluster.get("instances") or [] if isinstance(i, dict)]
    down = [str(i.get("id")) for i in instances if not i.get("alive")]
    beat = cluster.get("heartbeat_s", "?")
    readings = [Reading("instances", "instances up", f"{len(instances) - len(down)}/{len(instances)}", "all", "",
                        bool(down), "critical",
                        f"instance(s) down: {', '.join(down)} (no heartbeat for 3 x {beat} s)" if down else "")]
    redis = cluster.get("redis") if isinstance(cluster.get("redis"), dict) else {}
    up = bool(redis.get("up", True))
    readings.append(Reading("redis", "Redis", "up" if up else "down", "up", "", not up, "critical",
                            "" if up else f"Redis unavailable: {redis.get('problem') or 'no answer'}"))
    return readings


def server_readings(probe: ServerProbe, settings: Settings) -> list[Reading]:
    health_seconds = probe.health.seconds if probe.health.status is not None else None
    stats = probe.stats_body
    p95_ms = nested_number(stats, "latency", "p95_ms")
    return cluster_readings(stats) + [
        availability_reading(probe),
        above_threshold("response_time", "health response time", health_seconds,
                        settings.alert_response_seconds, "s"),
        above_threshold("server_p95", "server p95 latency", None if p95_ms is None else p95_ms / 1000.0,
                        settings.alert_response_seconds, "s"),
        above_threshold("sessions", "active sessions", nested_number(stats, "sessions", "active"),
                        settings.alert_sessions, ""),
    ]


class MachineProbe:
    """CPU, memory and disk of this machine. psutil measures CPU between two calls, so the very first
    reading blocks for a second instead of returning a meaningless 0.0."""

    def __init__(self, disk_path: Path) -> None:
        self.disk_path = disk_path
        self._cpu_primed = False

    def cpu_percent(self) -> float:
        if not self._cpu_primed:
            self._cpu_primed = True
            return psutil.cpu_percent(interval=1.0)
        return psutil.cpu_percent(interval=None)

    def readings(self, settings: Settings) -> list[Reading]:
        return [
            above_threshold("cpu", "CPU", self.cpu_percent(), settings.alert_cpu_percent, "%"),
            above_threshold("memory", "memory", psutil.virtual_memory().percent,
                            settings.alert_memory_percent, "%"),
            above_threshold("disk", f"disk ({self.disk_path})", psutil.disk_usage(str(self.disk_path)).percent,
                            settings.alert_disk_percent, "%"),
        ]


def server_summary(probe: ServerProbe) -> dict[str, Any]:
    """Figures shown beside the checks (no thresholds): version, uptime, request totals, process size."""
    stats, health = probe.stats_body, probe.health.body if isinstance(probe.health.body, dict) else {}
    return {
        "version": stats.get("version") or health.get("version"),
        "uptime_s": stats.get("uptime_s") or health.get("uptime_s"),
        "requests_total": nested_number(stats, "requests", "total"),
        "error_rate": nested_number(stats, "requests", "error_rate"),
        "sessions_max": nested_number(stats, "sessions", "max"),
        "memory_rss_mb": nested_number(stats, "system", "memory_rss_mb"),
        "instance": stats.get("instance"),
        "instances": [{key: i.get(key) for key in ("id", "address", "alive", "heartbeat_age_s", "generation",
                                                    "requests_per_s", "p95_ms", "memory_rss_mb")}
                      for i in (stats.get("cluster") or {}).get("instances") or [] if isinstance(i, dict)],
    }


# --- one round ----------------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    time: str
    url: str
    readings: list[Reading]
    events: list[AlertEvent] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    server: dict[str, Any] = field(default_factory=dict)
    ongoing_since: dict[str, float] = field(default_factory=dict)

    @property
    def alerting(self) -> list[str]:
        return [r.name for r in self.readings if r.status == "ALERT"]

    def log_line(self) -> str:
        values = " ".join(f"{r.name}={r.shown_value()}" for r in self.readings)
        state = "ALERT" if self.alerting else "OK"
        return f"{self.time} {state} {self.url} {values} alerts={','.join(self.alerting) or '-'}"

    def to_json(self) -> dict[str, Any]:
        return {"time": self.time, "url": self.url, "status": "alert" if self.alerting else "ok",
                "alerts": self.alerting, "checks": [r.to_json() for r in self.readings],
                "events": [e.to_json() for e in self.events], "warnings": self.warnings, "server": self.server,
                "ongoing_since": {k: datetime.fromtimestamp(v).astimezone().isoformat(timespec="seconds")
                                  for k, v in self.ongoing_since.items()}}


class Monitor:
    """One server and this machine, checked round by round; logs and alert book live in LOG_DIR."""

    def __init__(self, settings: Settings, *, url: str) -> None:
        self.settings = settings
        self.url = url.rstrip("/")
        self.log_dir = settings.log_dir
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.machine = MachineProbe(self.log_dir.resolve())
        self.book = AlertBook(self.log_dir / STATE_FILE_NAME, settings.alert_repeat_minutes * 60.0)
        self.notifier = WebhookNotifier(settings.alert_webhook_url)
        # A slow-but-alive server should read as "slow", not "down": wait a little past the response threshold.
        self.http_timeout = max(HTTP_TIMEOUT_SECONDS, settings.alert_response_seconds + 2.0)

    def check(self) -> CheckResult:
        probe = probe_server(self.url, self.settings.admin_token, self.http_timeout)
        readings = server_readings(probe, self.settings) + self.machine.readings(self.settings)
        problem = stats_refusal_hint(probe.stats) if probe.stats is not None else ""
        warnings = [f"{problem}; session and server latency checks skipped"] if problem else []
        self.book.load()
        events = self.book.update(readings, time.time())
        self.book.save()
        result = CheckResult(now_iso(), self.url, readings, events, warnings, server_summary(probe),
                             self.book.since())
        result.warnings += self.notifier.send(events, server_url=self.url)
        self.write_logs(result)
        return result

    def write_logs(self, result: CheckResult) -> None:
        monitor_log = self.log_dir / MONITOR_LOG_NAME
        append_line(monitor_log, result.log_line())
        for warning in result.warnings:
            append_line(monitor_log, f"{result.time} WARNING {warning}")
        for event in result.events:
            append_line(self.log_dir / ALERTS_LOG_NAME, event.log_line())
