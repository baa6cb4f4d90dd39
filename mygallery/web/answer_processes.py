"""Extractive answers computed in forked answer processes, so chat can use more than the one core a GIL allows.

Why: every thread of the server shares one GIL, so all answers together get at most one core, however many the
machine has; on the 2-core bench machine an extractive chat request cost ~0.5 ms of that core, of which the
answer (retrieval and composition) was ~0.4 ms (bench/README.md). Answer processes take that part elsewhere.

How: when the server has loaded its index, before any request can search it, it forks ANSWER_PROCESSES
children. A child shares the parent's index pages copy-on-write (the parent has just moved everything it holds
into the collector's permanent generation, so collections in the child do not touch them), closes every
inherited descriptor but its pipe, ignores SIGINT/SIGTERM (the parent drains in-flight requests first) and
answers `(question, history)` messages in order until the parent says stop or its pipe closes — which
happens when the parent dies, however it dies. In the parent, requests wait in one queue until a child has
room (see AnswerPool), and one reader thread per child hands each result to the callback given with the
request. A child that dies fails what it owed with `AnswerProcessLost`, which the caller answers in-process:
nothing is lost.
Messages are `marshal`led tuples: both ends run the same interpreter, and marshal reads only plain data.

A streamed chat gets its whole answer from a child too and streams it word by word (AnswerRunner.stream).
A pool answers from the index it was forked with, for its whole life: when a re-index publishes a new
generation, the service retires the pool and forks a new one from the new index (service.py `publish_index`
says how that fork stays clear of locks held mid-use).
Non-goals: LLM answers (they stay in the server process: they wait on the network, not on a core),
replacing a dead child (a fork at any moment while the server runs could copy its threads' locks mid-use).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import marshal
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe

import psutil

from ..engine.answer_types import AnswerResult, Source, Turn
from ..engine.answering import AnswerService
from ..engine.index import HybridIndex, LiveIndex
from ..errors import AnswerProcessLost, GalleryError

log = logging.getLogger("mygallery.answer_pool")
Outcome = AnswerResult | BaseException
_OK, _ERROR, _BUG = 0, 1, 2
MAX_AUTO = 4  # `auto` never forks more children than this, however many CPUs the machine has


def resolve_processes(setting: str, cpus: int, extractive: bool) -> int:
    """How many answer processes ANSWER_PROCESSES asks for: none when answers come from an LLM (they would
    never be asked); `auto` is one per CPU the server may use (at most MAX_AUTO) when it has two or more;
    a number is taken as it is."""
    if not extractive:
        return 0
    if setting == "auto":
        return min(cpus, MAX_AUTO) if cpus >= 2 else 0
    return int(setting)


class _Child:
    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid = pid
        self.conn = conn
        self.alive = True
        self.pending: dict[int, Callable[[Outcome], None]] = {}  # sent, not answered yet (at most DEPTH)
        self.send_lock = threading.Lock()  # one writer on the pipe at a time
        self.reader: threading.Thread | None = None


class AnswerPool:
    """Forked answer processes and the parent's side of their pipes. Create with `AnswerPool.fork`.

    Requests wait in one queue and go to a child only when it has fewer than DEPTH unanswered: a child that
    gets less CPU (it shares a core with the server) then simply takes fewer, where unbounded per-child queues
    of equal length made every request sent to it wait longer — the latencies split in two (p90 106 ms against
    p50 39 ms at 200 connections, bench/README.md)."""

    # Requests a child holds at most: one being computed, the rest already in its pipe, so it never waits for
    # the server's reader thread (which needs the GIL) to send the next. Alternating A/B, wrk at 200
    # connections: depth 1 2,761-2,810 answers/s, 2 3,253-3,293, 3 3,270-3,495, 4 3,421-3,573, 6 3,576-3,647;
    # at 50 connections 2 → 4 3,190-3,313 → 3,446-3,525. Deeper costs at most a few answers' time of
    # imbalance (~0.35 ms each) when one child is slower.
    DEPTH = 4

    def __init__(self, answers: AnswerService, children: list[_Child]) -> None:
        self.answers = answers  # the parent's service: its on_answer hook counts what the children answered
        self.children = children
        self.size = len(children)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _queue, _closing and every child's pending and alive
        self._queue: deque[tuple[int, bytes, Callable[[Outcome], None]]] = deque()
        self._closing = False
        for child in children:
            child.reader = threading.Thread(target=self._read, args=(child,), name=f"answers-{child.pid}",
                                            daemon=True)
            child.reader.start()

    @classmethod
    def fork(cls, index: HybridIndex, count: int, answers: AnswerService, *, top_k: int = 5,
             cpus: set[int] | None = None) -> AnswerPool:
        """Fork `count` children answering from `index`; `cpus`, when given, are the CPUs they run on, one each
        in turn (`child_cpu`). Call it before any thread can be using `index`."""
        gc.collect()
        gc.freeze()  # what the parent holds now stays out of every collection: its pages stay shared
        children: list[_Child] = []
        try:
            for number in range(count):
                parent_end, child_end = Pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child; its exit status is all the parent sees
                    status = 1
                    try:
                        _child_main(child_end, AnswerService(LiveIndex(index), top_k=top_k),
                                    child_cpu(number, cpus))
                        status = 0
                    finally:
                        os._exit(status)  # no atexit, no finalizers: the parent's files are not ours to flush
                child_end.close()
                children.append(_Child(pid, parent_end))
        except OSError:  # a fork failed (no memory, too many processes): stop the ones already started
            for child in children:
                child.conn.close()
                _reap(child.pid, 5.0)
            raise
        log.info("%d answer processes started (pids %s)", count, ", ".join(str(c.pid) for c in children))
        return cls(answers, children)

    def alive(self) -> int:
        return sum(child.alive for child in self.children)

    def own_memory_mb(self) -> float:
        """What the live children hold on their own (USS): the pages they share with the server count there."""
        total = 0
        for child in self.children:
            if child.alive:
                with contextlib.suppress(psutil.Error):
                    total += psutil.Process(child.pid).memory_full_info().uss
        return round(total / 2**20, 1)

    def submit(self, question: str, history: list[Turn], done: Callable[[Outcome], None]) -> bool:
        """Ask for an answer; `done` gets the AnswerResult or the error, on a reader thread. False when no
        child is left to take it (then `done` is never called)."""
        number = next(self._ids)
        data = marshal.dumps((number, question, [(turn.role, turn.content) for turn in history]))
        with self._lock:
            if self._closing or not any(child.alive for child in self.children):
                return False
            child = min((c for c in self.children if c.alive), key=lambda c: len(c.pending))
            if len(child.pending) >= self.DEPTH:
                self._queue.append((number, data, done))
                return True
            child.pending[number] = done
        self._send(child, number, data)
        return True

    def _send(self, child: _Child, number: int, data: bytes) -> None:
        """Write a request whose callback is in `child.pending`; if the pipe is broken the reader, which sees
        the child's end, fails it over."""
        try:
            with child.send_lock:
                child.conn.send_bytes(data)
        except OSError:
            log.debug("answer process %d: request %d not sent", child.pid, number)

    def _read(self, child: _Child) -> None:
        while True:
            try:
                number, kind, payload = marshal.loads(child.conn.recv_bytes())
            except (EOFError, OSError):
                break
            with self._lock:
                done = child.pending.pop(number, None)
                following = self._queue.popleft() if self._queue else None
                if following is not None:
                    child.pending[following[0]] = following[2]
            if following is not None:
                self._send(child, following[0], following[1])
            if done is None:  # a bug: never asked for, or answered twice
                log.error("answer process %d sent an answer to request %d, which it did not owe", child.pid, number)
                continue
            outcome = self._outcome(kind, payload)
            if isinstance(outcome, AnswerResult) and self.answers.on_answer:
                self.answers.on_answer(outcome.backend, bool(outcome.notice), outcome.answered)
            _call(done, outcome)
        with self._lock:
            child.alive = False
            lost = list(child.pending.values())
            child.pending = {}
            if not any(c.alive for c in self.children):  # nobody left to take the queue
                lost += [done for _, _, done in self._queue]
                self._queue.clear()
            closing = self._closing
        if not closing:
            log.error("answer process %d exited; the %d answers it owed are computed in the server process "
                      "(%d answer processes left)", child.pid, len(lost), self.alive())
        for done in lost:
            _call(done, AnswerProcessLost(f"answer process {child.pid} exited"))

    @staticmethod
    def _outcome(kind: int, payload) -> Outcome:
        if kind == _OK:
            text, sources, backend, latency_ms, notice, answered = payload
            return AnswerResult(text, [Source(n, doc, title, section, page, snippet, score, "", unit_kind, tokens=tokens)
                                       for n, doc, title, section, page, snippet, score, unit_kind, tokens in sources],
                                backend, latency_ms, notice, answered)
        if kind == _ERROR:
            status, code, message, retry_after = payload
            return GalleryError.with_status(status, code, message, retry_after=retry_after)
        return RuntimeError(f"an answer process failed:\n{payload}")

    def close(self, timeout: float = 5.0) -> None:
        """Tell every child to stop after the answers it was sent (any still owed after that are failed over),
        reap the children, close the pipes."""
        with self._lock:
            self._closing = True
        stop = marshal.dumps(None)
        for child in self.children:
            with contextlib.suppress(OSError), child.send_lock:
                child.conn.send_bytes(stop)
        for child in self.children:
            _reap(child.pid, timeout)  # its end of the pipe closes: the reader sees the end and returns
            if child.reader is not None:
                child.reader.join(timeout)
            child.conn.close()


def child_cpu(number: int, cpus: set[int] | None) -> set[int] | None:
    """The CPU answer process `number` (from 0) runs on: the given ones in turn, from the lowest (the server
    pins itself to the highest, see service.pin_to_cpus); None leaves it to the scheduler.

    One CPU each, because a child the scheduler moves between cores leaves its interpreter's working set in the
    other core's cache: two children on two CPUs, the server on the second, measured 1,266 and 1,307 chats/s
    against 1,200 and 1,153 for children free to move, alternating (bench/README.md, eleventh round)."""
    if not cpus:
        return None
    ordered = sorted(cpus)
    return {ordered[number % len(ordered)]}


def _call(done: Callable[[Outcome], None], outcome: Outcome) -> None:
    try:
        done(outcome)
    except Exception:  # noqa: BLE001 - a bug in a callback must not stop the reader
        log.exception("an answer callback failed")


def _reap(pid: int, timeout: float) -> None:
    """Wait for a child to exit; kill it after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                return
        except ChildProcessError:
            return  # reaped already
        time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _name_process(name: bytes) -> None:
    """Set this process's name (Linux prctl PR_SET_NAME, at most 15 bytes); elsewhere nothing happens."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)


def _child_main(conn: Connection, answers: AnswerService, cpus: set[int] | None) -> None:  # pragma: no cover
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)  # the parent stops us, after draining: see AnswerPool.close
    logging.disable(logging.CRITICAL)  # the parent's log handlers and their queue are not ours
    _name_process(b"answer-process")  # what ps -o comm and top show; the command line stays the server's
    if cpus:
        os.sched_setaffinity(0, cpus)
    keep = conn.fileno()
    os.closerange(3, keep)  # the listening socket, clients' connections, the session store, other pipes
    os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    while True:
        try:
            message = marshal.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the parent is gone
        if message is None:
            return  # the parent is stopping
        number, question, history = message
        try:
            result = answers.answer(question, [Turn(role, content) for role, content in history])
            reply = (number, _OK, (result.answer, [(s.n, s.doc, s.title, s.section, s.page, s.snippet, s.score,
                                                    s.kind, s.tokens) for s in result.sources],
                                   result.backend, result.latency_ms, result.notice, result.answered))
        except GalleryError as error:
            reply = (number, _ERROR, (error.status, error.code, error.message, error.retry_after))
        except Exception:  # noqa: BLE001 - reported to the parent, which logs it and answers 500
            reply = (number, _BUG, traceback.format_exc())
        conn.send_bytes(marshal.dumps(reply))
