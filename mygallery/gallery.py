"""`Gallery`: the running service — index, sessions, answers, metrics and the HTTP server, started and stopped
together. `python -m mygallery serve` and the integration tests both use it.

Start-up order: bind the socket (so a port in use fails at once), start the background threads (index loader,
session janitor, metrics sampler), then serve. /api/health answers immediately; /api/ready answers 503 until
the index is loaded — or built, when INDEX_DIR holds none. Stop order: stop accepting, drain in-flight
requests up to a deadline, close idle connections, join every thread, flush and close the session store.
Non-goals: process supervision (systemd does that), hot reload of settings.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
import time
from pathlib import Path

from .answer import AnswerService, make_answer_service
from .answer_pool import AnswerPool, resolve_processes
from .config import Settings
from .embeddings import make_embedder
from .errors import IndexUnavailable
from .index import HybridIndex, Library
from .metrics import Metrics
from .server import STATIC_DIR, GalleryHTTPServer
from .session_stores import make_store
from .sessions import SessionManager

log = logging.getLogger("mygallery.gallery")


SLOW_COLLECTION_MS = 20.0


class CollectionPauses:
    """Keeps full garbage collections short in a long-running server: after a full collection that took more
    than `threshold_ms`, what survived it moves to the collector's permanent generation (gc.freeze), so the
    next full collections walk only what came after.

    Why: every full collection walks every tracked object, and a conversation is one (Session): with 130,000
    of them (the server benchmark opens one per request) a full collection took 97-135 ms, and every request
    waited for it. Frozen objects are still freed when their last reference goes, as all of these are: full
    collections of the server found 0-10 objects in reference cycles (bench/README.md). What a freeze costs is
    that such a cycle, alive at the freeze and dropped later, is never reclaimed."""

    def __init__(self, threshold_ms: float = SLOW_COLLECTION_MS) -> None:
        self.threshold = threshold_ms / 1000
        self.started = 0.0
        self.freezes = 0

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self.started = time.perf_counter()
        elif time.perf_counter() - self.started > self.threshold:
            gc.freeze()
            self.freezes += 1

    def install(self) -> CollectionPauses:
        gc.callbacks.append(self)
        return self

    def remove(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self)


class Gallery:
    def __init__(self, settings: Settings, *, static_dir: Path = STATIC_DIR, library: Library | None = None,
                 answers: AnswerService | None = None, answer_cpus: set[int] | None = None) -> None:
        """`answer_cpus`: the CPUs answer processes may run on (by default the server's own)."""
        self.settings = settings
        self.answer_cpus = answer_cpus
        self.library = library or Library()
        self.sessions = SessionManager(
            make_store(settings.session_store, sqlite_path=settings.session_db, redis_url=settings.redis_url),
            max_sessions=settings.max_sessions, timeout_seconds=settings.session_timeout_minutes * 60,
            cleanup_interval=settings.cleanup_interval_seconds)
        self.metrics = Metrics(active_sessions=self.sessions.active_count)
        self.answers = answers or make_answer_service(settings, self.library)
        from .api import GalleryApp

        self.app = GalleryApp(settings, library=self.library, sessions=self.sessions, answers=self.answers,
                              metrics=self.metrics, static_dir=static_dir)
        try:
            self.http = GalleryHTTPServer((settings.host, settings.port), self.app,
                                          max_connections=settings.max_connections,
                                          idle_timeout=settings.request_timeout_seconds)
        except OSError:
            self.app.close()
            self.sessions.close()
            raise
        self.metrics.in_flight.set_function(lambda: float(self.http.in_flight))
        self._threads: list[threading.Thread] = []
        self._serving = False

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> Gallery:
        if self.library.current() is None:
            self._spawn("index-loader", self._load_index)
        self.sessions.start_janitor()
        self.metrics.start_sampler()
        self._spawn("http-server", self.http.serve_forever, 0.05)
        self._serving = True
        log.info("serving on %s", self.url)
        return self

    def _spawn(self, name: str, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _load_index(self) -> None:
        """Load the index from INDEX_DIR, building it first when there is none."""
        settings = self.settings
        try:
            embedder = make_embedder(settings)
            if HybridIndex.read_manifest(settings.index_dir) is None:
                from .ingest import ingest

                self.library.fail(f"building the index from {settings.docs_dir}")
                report, index = ingest(settings, embedder)
                log.info(report.summary())
            else:
                index = HybridIndex.load(settings.index_dir, embedder)
            self._fork_answer_processes(index)  # before the swap: no thread can be searching the index yet
            self.library.swap(index)
            # The index and everything loaded so far live as long as the process: move them out of the cyclic
            # collector's sight, or every full collection walks them again and stalls all requests (a 100k-chunk
            # index is millions of objects; with the bundled one, chat p99 at 350 req/s went from 245 to 16 ms).
            gc.collect()
            gc.freeze()
            log.info("index ready: %d documents, %d chunks", index.documents, len(index))
        except IndexUnavailable as exc:
            self.library.fail(str(exc))
            log.error("index unavailable: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the server keeps answering health and 503 on ready
            self.library.fail(f"{type(exc).__name__}: {exc}")
            log.exception("loading the index failed")

    def _fork_answer_processes(self, index: HybridIndex) -> None:
        """ANSWER_PROCESSES children answering extractive chats next to this process (see answer_pool.py)."""
        cpus = self.answer_cpus or (os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set())
        extractive = self.answers.primary is self.answers.extractive
        count = resolve_processes(self.settings.answer_processes, len(cpus) or (os.cpu_count() or 1), extractive)
        if not count or not hasattr(os, "fork"):
            return
        try:
            self.app.answer_pool = AnswerPool.fork(index, count, self.answers, top_k=self.settings.top_k,
                                                   cpus=self.answer_cpus)
        except OSError as exc:
            log.error("could not start answer processes (%s); answering in the server process", exc)

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Graceful stop; safe to call once from any thread but the HTTP server's own."""
        deadline = time.monotonic() + grace_seconds
        if self._serving:
            self.http.shutdown()  # stop accepting: serve_forever returns
            self._serving = False
            if not self.http.drain(deadline):
                log.warning("stopped with requests still in flight after %.0f s", grace_seconds)
        self.http.server_close()
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        self.app.close()
        self.metrics.close()
        self.sessions.close()
        close_answerer = getattr(self.answers.primary, "close", None)  # the LLM client's pooled connections
        if close_answerer is not None:
            close_answerer()
        log.info("stopped")
