"""The running service, assembled: index, sessions, answers, metrics and the HTTP server, started and stopped
together (`GalleryService`), and `serve` — `python -m mygallery serve` — around it. The integration tests
start a `GalleryService` on port 0.

The one factory of the implementations that differ between one process and a cluster: `make_sessions` and
`make_rate_limiter` — SESSION_STORE=redis gives the cluster's (conversations, the session cap and the rate
budgets in Redis, shared by every instance) and an `InstanceRegistry` heartbeat; any other store gives the
single process's, which touch no Redis code at all. Every instance sends its id as X-Instance.
`install_index` is the one place an index is put into service: at start-up and whenever the `IndexWatcher`
sees a new generation in INDEX_DIR (written by ingest, here or on another instance).

Start-up order: bind the socket (so a port in use fails at once), start the background threads (index loader,
then the index watcher; session janitor, metrics sampler, heartbeat), then serve. /api/health answers
immediately; /api/ready answers 503 until the index is loaded — or built, when INDEX_DIR holds none. Stop
order: stop accepting, drain in-flight requests up to a deadline, close idle connections, join every thread,
leave the cluster's registry, flush and close the session store.
`serve` also pins the server process to one CPU (`pin_to_cpus`, CPU_AFFINITY), keeps full garbage collections
short (`CollectionPauses`), and stops gracefully on SIGTERM/SIGINT.
Non-goals: process supervision (systemd does that), hot reload of settings.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from .config import Settings
from .engine.answering import AnswerService, make_answer_service
from .engine.embeddings import make_embedder
from .engine.index import HybridIndex, LiveIndex
from .engine.index_watch import IndexWatcher
from .engine.ingest import ingest
from .errors import ConfigError, IndexUnavailable
from .sessions.cluster import ClusterSessionManager
from .sessions.manager import SessionManager
from .sessions.protocol import Sessions
from .sessions.redis_link import RedisLink
from .sessions.stores import make_store
from .web.answer_processes import AnswerPool, resolve_processes
from .web.app import GalleryApp
from .web.http_head import instance_header
from .web.instances import InstanceRegistry
from .web.logs import configure_logging, stop_logging
from .web.metrics import Metrics
from .web.rate_limit import Limiter, RateLimiter
from .web.redis_rate_limit import RedisRateLimiter
from .web.server import GalleryHTTPServer

log = logging.getLogger("mygallery.service")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


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


def make_sessions(settings: Settings) -> tuple[Sessions, RedisLink | None]:
    """The session manager SESSION_STORE asks for, and the Redis link when it is the cluster's (redis)."""
    timeout = settings.session_timeout_minutes * 60
    if settings.session_store == "redis":
        link = RedisLink(settings.redis_url, timeout=settings.redis_timeout_seconds)
        return ClusterSessionManager(link, max_sessions=settings.max_sessions, timeout_seconds=timeout,
                                     cleanup_interval=settings.cleanup_interval_seconds,
                                     turn_lock_seconds=settings.turn_lock_seconds), link
    store = make_store(settings.session_store, sqlite_path=settings.session_db, redis_url=settings.redis_url)
    return SessionManager(store, max_sessions=settings.max_sessions, timeout_seconds=timeout,
                          cleanup_interval=settings.cleanup_interval_seconds), None


def make_rate_limiter(settings: Settings, link: RedisLink | None) -> Limiter:
    """One budget per client for the cluster (in Redis), or this process's own."""
    if link is not None:
        return RedisRateLimiter(link, settings.rate_limit_per_minute)
    return RateLimiter(settings.rate_limit_per_minute)


class GalleryService:
    def __init__(self, settings: Settings, *, static_dir: Path = STATIC_DIR, library: LiveIndex | None = None,
                 answers: AnswerService | None = None, answer_cpus: set[int] | None = None) -> None:
        """`answer_cpus`: the CPUs answer processes may run on (by default the server's own)."""
        self.settings = settings
        self.answer_cpus = answer_cpus
        self.library = library or LiveIndex()
        self.sessions, self.redis = make_sessions(settings)
        redis = self.redis
        self.metrics = Metrics(active_sessions=self.sessions.active_count, disk_path=settings.index_dir,
                               ready=lambda: self.library.current() is not None and (redis is None or redis.up),
                               redis_up=(lambda: redis.up) if redis is not None else None)
        if redis is not None and self.metrics.redis_errors is not None:
            redis.on_failure = self.metrics.redis_errors.inc
        self.answers = answers or make_answer_service(settings, self.library)
        self.app = GalleryApp(settings, library=self.library, sessions=self.sessions, answers=self.answers,
                              metrics=self.metrics, static_dir=static_dir,
                              rate_limiter=make_rate_limiter(settings, redis))
        try:
            self.http = GalleryHTTPServer((settings.host, settings.port), self.app,
                                          max_connections=settings.max_connections,
                                          idle_timeout=settings.request_timeout_seconds)
        except OSError:
            self.app.close()
            self.sessions.close()
            raise
        self.metrics.track_in_flight(lambda: self.http.in_flight)
        port = self.http.server_address[1]
        self.instance_id = settings.instance_id or f"{socket.gethostname()}:{port}"
        self.http.identity = instance_header(self.instance_id)
        self.app.admin.instance_id = self.instance_id
        self.registry: InstanceRegistry | None = None
        if redis is not None:
            shown = socket.gethostname() if settings.host in ("0.0.0.0", "::", "") else settings.host
            self.registry = self.app.admin.registry = InstanceRegistry(
                redis, instance_id=self.instance_id, address=f"http://{shown}:{port}",
                interval=settings.heartbeat_seconds, metrics=self.metrics, library=self.library,
                started=self.app.started)
        self._embedder = None
        self.watcher = IndexWatcher(settings.index_dir, self.library, load=self._load_generation,
                                    install=self.install_index, interval=settings.index_watch_seconds)
        self._threads: list[threading.Thread] = []
        self._serving = False

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> GalleryService:
        if self.library.current() is None:
            self._spawn("index-loader", self._load_index)  # starts the watcher when it is done
        else:
            self.watcher.start()
        self.sessions.start_janitor()
        self.metrics.start_sampler()
        if self.registry is not None:
            self.registry.start()
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
            embedder = self._embedder = make_embedder(settings)
            if HybridIndex.read_manifest(settings.index_dir) is None:
                self.library.fail(f"building the index from {settings.docs_dir}")
                report, index = ingest(settings, embedder)
                log.info(report.summary())
            else:
                index = HybridIndex.load(settings.index_dir, embedder)
            self.install_index(index)
            log.info("index ready: %d documents, %d chunks", index.documents, len(index))
        except IndexUnavailable as exc:
            self.library.fail(str(exc))
            log.error("index unavailable: %s", exc)
        except Exception as exc:  # noqa: BLE001 - the server keeps answering health and 503 on ready
            self.library.fail(f"{type(exc).__name__}: {exc}")
            log.exception("loading the index failed")
        self.watcher.start()  # also when loading failed: a good generation written later is then picked up

    def _load_generation(self) -> HybridIndex:
        """The generation the manifest names now, loaded fully (for the IndexWatcher)."""
        if self._embedder is None:
            self._embedder = make_embedder(self.settings)
        return HybridIndex.load(self.settings.index_dir, self._embedder)

    def install_index(self, index: HybridIndex) -> None:
        """Serve `index` from now on — the one place an index is put into service.

        Answer processes hold the index they were forked with, so they are replaced with the index: the new
        ones are forked from it before the swap (no thread can be searching it yet, so the children copy no
        lock held mid-search), the runner sends every later question to them, then the old ones finish what
        they were sent (questions asked before the swap) and exit; whatever they still owed is answered in
        this process (AnswerProcessLost). No request fails and none is answered from the old index after the
        swap. Without answer processes (an LLM backend, ANSWER_PROCESSES=0, a failed fork) answers come from
        `self.library`, swapped here."""
        runner = self.app.runner
        previous = runner.pool
        runner.pool = self._fork_answer_processes(index)
        self.library.swap(index)
        if previous is not None:
            previous.close()
        # The index and everything loaded so far live as long as the process: move them out of the cyclic
        # collector's sight, or every full collection walks them again and stalls all requests (a 100k-chunk
        # index is millions of objects; with the bundled one, chat p99 at 350 req/s went from 245 to 16 ms).
        gc.collect()
        gc.freeze()

    def _fork_answer_processes(self, index: HybridIndex) -> AnswerPool | None:
        """ANSWER_PROCESSES children answering extractive chats from `index` next to this process (see
        web/answer_processes.py); None when there are to be none or they cannot start."""
        cpus = self.answer_cpus or (os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set())
        extractive = self.answers.primary is self.answers.extractive
        count = resolve_processes(self.settings.answer_processes, len(cpus) or (os.cpu_count() or 1), extractive)
        if not count or not hasattr(os, "fork"):
            return None
        try:
            return AnswerPool.fork(index, count, self.answers, top_k=self.settings.top_k, cpus=self.answer_cpus)
        except OSError as exc:
            log.error("could not start answer processes (%s); answering in the server process", exc)
            return None

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Graceful stop; safe to call once from any thread but the HTTP server's own."""
        deadline = time.monotonic() + grace_seconds
        if self._serving:
            self.http.shutdown()  # stop accepting: serve_forever returns
            self._serving = False
            if not self.http.drain(deadline):
                log.warning("stopped with requests still in flight after %.0f s", grace_seconds)
        self.http.server_close()
        self.watcher.close()  # before the loader is joined: a loader finishing now starts no new watch
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        self.watcher.close()
        if self.registry is not None:
            self.registry.close()
        self.app.close()
        self.metrics.close()
        self.sessions.close()
        close_answerer = getattr(self.answers.primary, "close", None)  # the LLM client's pooled connections
        if close_answerer is not None:
            close_answerer()
        log.info("stopped")


def pin_to_cpus(setting: str, allowed: set[int] | None = None) -> set[int] | None:
    """The CPUs the server process should run on for CPU_AFFINITY, or None to leave it to the scheduler.

    The server's Python threads share one GIL, so the process gets at most one core's worth of interpreter
    time whatever it is allowed; spread over several cores it gets less, because every GIL hand-off then moves
    the lock and the objects it guards between caches. Kept on one core, `/api/health` measured 29–36k
    instead of 16–21k req/s and extractive chat ~1,950 instead of ~1,770 answers/s on the 2-core bench machine
    (bench/README.md). `auto` takes the highest-numbered CPU it may use when it may use at least two (the
    first often takes more interrupts); `off` leaves the process unpinned; numbers pin to exactly those."""
    if setting == "off" or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0) if allowed is None else allowed
    if setting == "auto":
        return {max(allowed)} if len(allowed) >= 2 else None
    wanted = {int(n) for n in setting.split(",")}
    if not wanted <= allowed:
        raise ConfigError(f"configuration error: CPU_AFFINITY={setting} names CPUs this process may not use "
                          f"(allowed: {','.join(map(str, sorted(allowed)))})")
    return wanted


def serve(settings: Settings) -> int:
    """`python -m mygallery serve`: run until SIGTERM/SIGINT, then shut down gracefully and exit 0."""
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        # Before any thread starts: threads inherit the CPUs of the thread that starts them.
        cpus = pin_to_cpus(settings.cpu_affinity)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    configure_logging(settings)
    if cpus is not None:
        log.info("running on CPU %s (CPU_AFFINITY=%s): one core for one GIL", ",".join(map(str, sorted(cpus))),
                 settings.cpu_affinity)
    try:
        try:
            gallery = GalleryService(settings, answer_cpus=allowed)  # answer processes may use every CPU we may
            CollectionPauses().install()
        except OSError as exc:
            print(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        except ConfigError as exc:  # e.g. REDIS_URL cannot be reached
            print(exc, file=sys.stderr)
            return 2
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        gallery.start()
        print(f"mygallery serving on {gallery.url} (chat: {gallery.url}/, admin: {gallery.url}/admin); "
              f"logs in {settings.log_dir / 'server.log'}", flush=True)
        stop.wait()
        print("mygallery: shutting down", flush=True)
        gallery.stop()
        return 0
    finally:
        stop_logging()  # every queued log line is written before the process exits
