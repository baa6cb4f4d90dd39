"""Alerts of the monitor: which conditions are ongoing, the alerts.log line of each, and the webhook.

Job: `AlertBook.update()` turns one round of readings into events — ALERT when a condition starts, REPEAT
when it is still on after ALERT_REPEAT_MINUTES, RECOVERED once when it clears — and remembers what is
ongoing in a small JSON file, so `monitor.py --once` from cron de-duplicates like the endless loop does.
`WebhookNotifier` POSTs each event as JSON to ALERT_WEBHOOK_URL (Slack/Mattermost-style "text" included).
Collaborators: monitoring (the readings and the round that calls this), monitor.py (prints the events).
Non-goals: escalation or on-call rotation, silencing windows, more than one webhook.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .readings import Reading

WEBHOOK_TIMEOUT_SECONDS = 5.0


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def append_line(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as log:
        log.write(line.rstrip("\n") + "\n")


@dataclass
class AlertEvent:
    """A line for alerts.log: kind ALERT (new), REPEAT (still on after the repeat interval) or RECOVERED."""

    time: str
    kind: str
    severity: str
    name: str
    value: str
    threshold: str
    message: str

    def log_line(self) -> str:
        level = "RECOVERED" if self.kind == "RECOVERED" else self.severity.upper()
        return f"{self.time} {level} {self.name} value={self.value} threshold={self.threshold} {self.message}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)


class AlertBook:
    """Which conditions are ongoing, so each is alerted once per repeat interval and its end noted once.

    The book lives in a small JSON file and is re-read every round: cron runs of `--once` share it, and a
    damaged file only costs one repeated alert, never a crash. A reading that could not be measured
    (status UNKNOWN) leaves its entry as it is: a condition is only declared over when seen to be over.
    """

    def __init__(self, path: Path, repeat_seconds: float) -> None:
        self.path = path
        self.repeat_seconds = repeat_seconds
        self.ongoing: dict[str, dict[str, Any]] = {}

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.ongoing = {k: v for k, v in data.get("ongoing", {}).items() if isinstance(v, dict)}
        except (OSError, ValueError, AttributeError):
            self.ongoing = {}

    def save(self) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"ongoing": self.ongoing}, indent=2), encoding="utf-8")
        os.replace(temporary, self.path)  # atomic: a concurrent cron run reads the old or the new book

    def since(self) -> dict[str, float]:
        """When each ongoing condition started (epoch seconds)."""
        return {name: float(entry.get("since", 0)) for name, entry in self.ongoing.items()}

    def update(self, readings: list[Reading], now: float) -> list[AlertEvent]:
        events = []
        for reading in readings:
            entry = self.ongoing.get(reading.name)
            if reading.status == "ALERT":
                event = self._note_alert(reading, entry, now)
                if event:
                    events.append(event)
            elif reading.status == "OK" and entry is not None:
                del self.ongoing[reading.name]
                lasted = format_duration(now - float(entry.get("since", now)))
                events.append(self._event("RECOVERED", reading, f"{reading.label} back to normal after {lasted}"))
        return events

    def _note_alert(self, reading: Reading, entry: dict[str, Any] | None, now: float) -> AlertEvent | None:
        if entry is None:
            self.ongoing[reading.name] = {"since": now, "last_alert": now, "severity": reading.severity}
            return self._event("ALERT", reading, reading.message)
        if now - float(entry.get("last_alert", 0)) < self.repeat_seconds:
            return None
        entry["last_alert"] = now
        lasted = format_duration(now - float(entry.get("since", now)))
        return self._event("REPEAT", reading, f"{reading.message} (ongoing for {lasted})")

    @staticmethod
    def _event(kind: str, reading: Reading, message: str) -> AlertEvent:
        return AlertEvent(now_iso(), kind, reading.severity, reading.name, reading.shown_value(),
                          reading.shown_threshold(), message)


class WebhookNotifier:
    """POSTs alert events as JSON to one URL. The URL may be outside the intranet (a chat service), so the
    environment's proxy settings apply; it may also hold a secret, so messages name only its host."""

    def __init__(self, url: str) -> None:
        self.url = url

    def send(self, events: list[AlertEvent], *, server_url: str) -> list[str]:
        """Returns a warning per failed POST; never raises."""
        if not self.url:
            return []
        failures = []
        for event in events:
            payload = {"source": "uec-gallery-monitor", "host": socket.gethostname(), "server_url": server_url,
                       **event.to_json(), "text": f"[UEC gallery] {event.log_line()}"}
            problem = self._post(payload)
            if problem:
                failures.append(f"webhook to {urlsplit(self.url).hostname} failed for {event.name}: {problem}")
        return failures

    def _post(self, payload: dict[str, Any]) -> str:
        request = urllib.request.Request(self.url, data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            return f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:  # refused, timeout, bad URL
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            return str(reason) or type(reason).__name__
        return ""
