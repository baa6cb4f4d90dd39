"""The server process's own CPU and memory during a load test, measured from this machine.

Job: when the server under test listens on this machine, `ServerProcessWatch` finds the process that owns the
listening socket (psutil), samples its RSS and thread count every 0.1 s in one thread while the users run, and
takes the difference of its CPU times over the run — and of its answer processes' (ANSWER_PROCESSES), with
their private memory (USS) at the end. Why: /api/admin/stats reports the whole machine's CPU,
averaged over the server's 10-second samples, which says little about a run of a few seconds and nothing
about the server's own share next to the load tester's threads.
Collaborators: test_concurrent.py (starts and stops the watch around the run), loadtest_report (shows it).
Non-goals: servers on other machines (the figures are then reported as not measured, with the reason),
per-thread figures, children that start or end during the run (counted from the ones alive at its end).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import psutil

SAMPLE_SECONDS = 0.1


def local_addresses() -> set[str]:
    found = {"127.0.0.1", "::1", "0.0.0.0", "::"}
    for addresses in psutil.net_if_addrs().values():
        found.update(a.address.split("%")[0] for a in addresses if a.family in (socket.AF_INET, socket.AF_INET6))
    return found


def listening_pid(url: str) -> tuple[int | None, str]:
    """The pid listening on the URL's port here, or None and why it is not known."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        resolved = {info[4][0] for info in socket.getaddrinfo(parts.hostname or "localhost", port)}
    except OSError as exc:
        return None, f"cannot resolve {parts.hostname}: {exc}"
    if not any(ipaddress.ip_address(a).is_loopback or a in local_addresses() for a in resolved):
        return None, "the server is not on this machine"
    try:
        for conn in psutil.net_connections("inet"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                if conn.pid:
                    return conn.pid, ""
                return None, "the listening process belongs to another user (run as that user or root)"
    except psutil.AccessDenied:
        return None, "not allowed to list this machine's sockets"
    return None, f"no process listens on port {port} here (behind a proxy?)"


class ServerProcessWatch:
    """CPU seconds, peak RSS and peak threads of one process between `start()` and `stop()`."""

    def __init__(self, url: str) -> None:
        self.pid, self.problem = listening_pid(url)
        self._process: psutil.Process | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak_rss = self._peak_threads = 0
        self._start_rss = 0
        self._cpu_start = self._wall_start = 0.0
        self._children_cpu_start: dict[int, float] = {}

    def start(self) -> None:
        if self.pid is None:
            return
        try:
            self._process = psutil.Process(self.pid)
            with self._process.oneshot():
                times = self._process.cpu_times()
                self._start_rss = self._peak_rss = self._process.memory_info().rss
                self._peak_threads = self._process.num_threads()
        except psutil.Error as exc:
            self.problem, self._process = f"cannot inspect pid {self.pid}: {exc}", None
            return
        self._cpu_start, self._wall_start = times.user + times.system, time.monotonic()
        self._children_cpu_start = {child.pid: cpu for child, cpu in self._children()}
        self._thread = threading.Thread(target=self._sample_until_stopped, name="server-process-watch", daemon=True)
        self._thread.start()

    def _sample_until_stopped(self) -> None:
        assert self._process is not None
        while not self._stop.wait(SAMPLE_SECONDS):
            try:
                with self._process.oneshot():
                    self._peak_rss = max(self._peak_rss, self._process.memory_info().rss)
                    self._peak_threads = max(self._peak_threads, self._process.num_threads())
            except psutil.Error:
                return

    def stop(self) -> dict[str, Any]:
        """The figures, JSON-ready: {"measured": False, "problem"} when they could not be taken."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._process is None:
            return {"measured": False, "problem": self.problem}
        try:
            times = self._process.cpu_times()
        except psutil.Error as exc:
            return {"measured": False, "problem": f"pid {self.pid} went away during the run ({exc})"}
        wall = max(1e-9, time.monotonic() - self._wall_start)
        cpu = times.user + times.system - self._cpu_start
        children = self._children()
        children_cpu = sum(spent - self._children_cpu_start.get(child.pid, 0.0) for child, spent in children)
        children_uss = 0
        for child, _ in children:
            with contextlib.suppress(psutil.Error):
                children_uss += child.memory_full_info().uss
        cores = psutil.cpu_count() or 1
        return {"measured": True, "pid": self.pid, "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
                "cpu_percent_of_one_core": round(100 * cpu / wall, 1),
                "cpu_percent_of_machine": round(100 * cpu / wall / cores, 1), "cores": cores,
                "rss_mb_start": round(self._start_rss / 2**20, 1), "rss_mb_peak": round(self._peak_rss / 2**20, 1),
                "threads_peak": self._peak_threads, "answer_processes": len(children),
                "answer_processes_cpu_seconds": round(children_cpu, 2),
                "answer_processes_cpu_percent_of_one_core": round(100 * children_cpu / wall, 1),
                "answer_processes_uss_mb_end": round(children_uss / 2**20, 1)}

    def _children(self) -> list[tuple[psutil.Process, float]]:
        """The server's child processes (its answer processes) with the CPU seconds each has used so far."""
        found = []
        try:
            children = self._process.children() if self._process is not None else []
        except psutil.Error:
            return []
        for child in children:
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                found.append((child, times.user + times.system))
        return found
