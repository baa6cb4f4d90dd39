"""`Periodic`: one background chore of a server process — the session janitors, the index watcher, the cluster
heartbeat — run every `interval` seconds in a daemon thread until stopped.

A chore that raises never ends its thread: an expected trouble (`quiet`, e.g. Redis away for a moment) is
logged as one warning line, anything else with its traceback, and the next round tries again. Stopping sets
the event (which the owner may share, so that its own waits end with the thread) and joins the thread.
Non-goals: scheduling at fixed times, catching up missed rounds, running a chore twice at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable


class Periodic:
    def __init__(self, name: str, interval: float, action: Callable[[], object], log: logging.Logger, *,
                 quiet: tuple[type[BaseException], ...] = (), stop: threading.Event | None = None) -> None:
        self.name = name
        self.interval = interval
        self.action = action
        self.log = log
        self.quiet = quiet
        self.stopped = stop or threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once; not after stop())."""
        if self._thread is not None or self.stopped.is_set():
            return
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.action()
            except self.quiet as exc:
                self.log.warning("%s: %s; trying again in %g s", self.name, exc, self.interval)
            except Exception:  # noqa: BLE001 - a bug must not end the chore; logged, tried again next round
                self.log.exception("%s failed", self.name)

    def stop(self, timeout: float = 10.0) -> None:
        """Set the stop event and join the thread (a round in progress finishes first, up to `timeout`)."""
        self.stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
            self._thread = None
