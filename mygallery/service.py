"""The running service, assembled: index, sessions, answers, metrics and the HTTP server, started and stopped
together (`GalleryService`), and `serve` — `python -m mygallery serve` — around it. The integration tests
start a `GalleryService` on port 0.

The one factory of the implementations that differ between one process and a cluster: `make_sessions` and
`make_rate_limiter` — SESSION_STORE=redis gives the cluster's (conversations, the session cap and the rate
budgets in Redis, shared by every instance) and an `InstanceRegistry` heartbeat; any other store gives the
single process's, which touch no Redis code at all. Every instance sends its id as X-Instance.
`publish_index` is the one place an index generation goes live: at start-up (the index job that loads it),
after every re-index from the admin panel (web/index_jobs.py), and whenever the `IndexWatcher` sees a new
generation in INDEX_DIR (written by ingest, here or on another instance): what answers questions — this
process and its answer processes — moves to it together (the method says how).

Start-up order: bind the socket (so a port in use fails at once), start the background threads (the index job
that loads the index, the index watcher, session janitor, metrics sampler, heartbeat), then serve. /api/health
answers immediately; /api/ready answers 503 until the index is loaded — or built, when INDEX_DIR holds none.
Stop order: close the listening socket (new connections are refused), drain in-flight requests up to a deadline
(their responses close their connections), close idle connections, stop the watcher and a running index job,
join every thread, leave the cluster's registry, flush and close the question log and the session store.
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
from .errors import ConfigError, NotReady
from .sessions.cluster import ClusterSessionManager
from .sessions.manager import SessionManager
from .sessions.protocol import Sessions
from .sessions.question_log import QuestionLog
from .sessions.redis_link import RedisLink
from .sessions.stores import make_store
from .web.answer_processes import AnswerPool, resolve_processes
from .web.app import GalleryApp
from .web.http_head import instance_header
from .web.index_jobs import IndexJobs
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
                                     turn_lock_seconds=settings.turn_lock_seconds,
                                     max_per_client=settings.sessions_per_client,
                                     max_turns=settings.max_turns_per_session), link
    store = make_store(settings.session_store, sqlite_path=settings.session_db, redis_url=settings.redis_url)
    return SessionManager(store, max_sessions=settings.max_sessions, max_per_client=settings.sessions_per_client,
                          max_turns=settings.max_turns_per_session, timeout_seconds=timeout,
                          cleanup_interval=settings.cleanup_interval_seconds), None


def make_rate_limiter(settings: Settings, link: RedisLink | None) -> Limiter:
    """One budget per client for the cluster (in Redis), or this process's own."""
    if link is not None:
        return RedisRateLimiter(link, settings.rate_limit_per_minute)
    return RateLimiter(settings.rate_limit_per_minute)


class GalleryService:
    def __init__(self, settings: Settings, *, static_dir: Path = STATIC_DIR, library: LiveIndex | None = None,
                 answers: AnswerService | None = None, answer_cpus: set[int] | None = None) -> None:
        """`answer_cpus`: the CPUs answer processes run on, one each in turn (by default: wherever the scheduler
        puts them, on the server's own)."""
        self.settings = settings
        self.answer_cpus = answer_cpus
        self.library = library or LiveIndex()
        self.questions = QuestionLog(settings.questions_db, keep_days=settings.questions_keep_days,
                                     max_rows=settings.questions_max_rows)  # a bad QUESTIONS_DB: ConfigError
        self.sessions, self.redis = make_sessions(settings)
        redis = self.redis
        self.metrics = Metrics(active_sessions=self.sessions.active_count, disk_path=settings.index_dir,
                               ready=lambda: self.library.current() is not None and (redis is None or redis.up),
                               redis_up=(lambda: redis.up) if redis is not None else None)
        if redis is not None and self.metrics.redis_errors is not None:
            redis.on_failure = self.metrics.redis_errors.inc
        self.answers = answers or make_answer_service(settings, self.library)
        self.jobs = IndexJobs(settings, self.library, self.publish_index)
        self.app = GalleryApp(settings, library=self.library, sessions=self.sessions, answers=self.answers,
                              metrics=self.metrics, jobs=self.jobs, questions=self.questions, static_dir=static_dir,
                              rate_limiter=make_rate_limiter(settings, redis))
        try:
            self.http = GalleryHTTPServer((settings.host, settings.port), self.app,
                                          max_connections=settings.max_connections,
                                          max_per_client=settings.connections_per_client,
                                          unlimited_clients=settings.trusted_proxies,
                                          idle_timeout=settings.request_timeout_seconds)
        except OSError:
            self.app.close()
            self.questions.close()
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
        self.watcher = IndexWatcher(settings.index_dir, self.library, load=self._load_generation,
                                    install=self.publish_index, interval=settings.index_watch_seconds)
        self._publish_lock = threading.Lock()  # one generation goes live at a time (index job, watcher)
        self._threads: list[threading.Thread] = []
        self._serving = False

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> GalleryService:
        if self.library.current() is None:
            self.jobs.load()
        self.watcher.start()
        self.sessions.start_janitor()
        self.questions.start()
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

    def _load_generation(self) -> HybridIndex:
        """The generation the manifest names now, loaded fully (for the IndexWatcher; the local embedder is the
        process's one, see make_embedder)."""
        return HybridIndex.load(self.settings.index_dir, make_embedder(self.settings))

    def publish_index(self, index: HybridIndex) -> None:
        """Make `index` the one every answer comes from — the first one at start-up, then each generation a
        re-index builds (web/index_jobs.py) or the IndexWatcher finds in INDEX_DIR. A generation already served
        is not published again (this process's own re-index also changes the manifest the watcher reads).

        Answer processes hold the index they were forked with, so they move with it. At start-up they are
        forked first and the index swapped in after, so the first answer already comes from them. Later, the
        pool forked with the old index is retired first: new answers are computed in this process (the compute
        thread), from whichever index is current; the index is swapped; the old children finish what they were
        sent, and whatever they still owed is failed over to the compute thread, which answers from the new
        one. Then the previous index can be collected (it sat in the collector's permanent generation: see the
        freeze at the end), and a new pool is forked from the new index. The fork runs as a job of the compute
        thread: the only threads of this process that compute answers are that one and the index job itself, so
        while it forks no thread is inside the engine (the embedder, numpy's BLAS, hnswlib) holding a lock the
        children would inherit locked — the hazard of forking a server that has threads. Answer processes are
        never restarted after a crash (answer_processes.py says why); a new generation does restart them."""
        with self._publish_lock:
            runner = self.app.runner
            current = self.library.current()
            generation = index.manifest.get("generation")
            if current is not None and generation and current.manifest.get("generation") == generation:
                return
            if current is None:
                self._fork_answer_processes(index)
                self.library.swap(index)
            else:
                retired, runner.pool = runner.pool, None
                self.library.swap(index)
                self.answers.extractive.forget_index()
                if retired is not None:
                    retired.close()
                gc.unfreeze()  # the previous index's reference cycles can be collected now (fork collects first)
                self._fork_answer_processes(index)
            # The index and everything loaded so far live as long as the process: move them out of the cyclic
            # collector's sight, or every full collection walks them again and stalls all requests (a 100k-chunk
            # index is millions of objects; with the bundled one, chat p99 at 350 req/s went from 245 to 16 ms).
            gc.collect()
            gc.freeze()

    def _fork_answer_processes(self, index: HybridIndex) -> None:
        """ANSWER_PROCESSES children answering extractive chats next to this process (see web/answer_processes.py),
        forked by the compute thread (see publish_index)."""
        cpus = self.answer_cpus or (os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set())
        extractive = self.answers.primary is self.answers.extractive
        count = resolve_processes(self.settings.answer_processes, len(cpus) or (os.cpu_count() or 1), extractive)
        if not count or not hasattr(os, "fork"):
            return None
        try:
            self.app.runner.pool = self.app.runner.compute.run(lambda: AnswerPool.fork(
                index, count, self.answers, top_k=self.settings.top_k, cpus=self.answer_cpus))
        except OSError as exc:
            log.error("could not start answer processes (%s); answering in the server process", exc)
        except NotReady:
            log.info("not starting answer processes: the server is stopping")

    def stop(self, grace_seconds: float = 10.0) -> None:
        """Graceful stop; safe to call once from any thread but the HTTP server's own."""
        deadline = time.monotonic() + grace_seconds
        if self._serving:
            self.http.stop_accepting()  # new connections are refused from here on
            self._serving = False
            if not self.http.drain(deadline):
                log.warning("stopped with requests still in flight after %.0f s", grace_seconds)
        self.http.server_close()
        self.watcher.close()  # first: a generation found now is not loaded while the server stops
        self.jobs.close(timeout=max(0.1, deadline - time.monotonic()))
        for thread in self._threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        if self.registry is not None:
            self.registry.close()
        self.app.close()
        self.metrics.close()
        self.questions.close()
        self.sessions.close()
        close_answerer = getattr(self.answers.primary, "close", None)  # the LLM client's pooled connections
        if close_answerer is not None:
            close_answerer()
        log.info("stopped")


class StopSignals:
    """SIGTERM and SIGINT, waited for by the main thread (`wait`), which then stops the server.

    Why not an Event set by the handler: the kernel may hand a process's signal to any of its threads, and Python
    runs the handler only in the main thread, when that thread next runs bytecode. A main thread blocked on an
    Event is not woken by a signal another thread took: SIGTERM then waited a second (until something else woke
    it) while a client kept connecting, and forever on an idle server. Python's C-level handler also writes
    the signal's number to the wakeup socket (signal.set_wakeup_fd), whichever thread took it, so the main
    thread waits on that socket, runs the handler on waking, and sees the stop at once."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self._wake, writer = socket.socketpair()
        writer.setblocking(False)
        self._writer = writer
        self._previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        for signum in self.SIGNALS:
            signal.signal(signum, lambda *_: self.stopped.set())

    def wait(self) -> None:
        """Block until SIGTERM or SIGINT (call from the main thread)."""
        while not self.stopped.is_set():
            self._wake.recv(64)  # any signal wakes this; its handler runs before the loop tests `stopped`

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        self._wake.close()
        self._writer.close()


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
            # answer processes run on the CPUs we may use, one each; with CPU_AFFINITY=off the scheduler places them
            gallery = GalleryService(settings, answer_cpus=allowed if cpus is not None else None)
            CollectionPauses().install()
        except OSError as exc:
            print(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        except ConfigError as exc:  # e.g. REDIS_URL cannot be reached, QUESTIONS_DB cannot be opened
            print(exc, file=sys.stderr)
            return 2
        stop = StopSignals()
        gallery.start()
        print(f"mygallery serving on {gallery.url} (chat: {gallery.url}/, admin: {gallery.url}/admin); "
              f"logs in {settings.log_dir / 'server.log'}", flush=True)
        stop.wait()
        print("mygallery: shutting down", flush=True)
        gallery.stop()
        stop.close()
        return 0
    finally:
        stop_logging()  # every queued log line is written before the process exits
