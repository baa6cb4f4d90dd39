"""One thread for the CPU-bound part of extractive answers: retrieval and composition, one answer at a time.

Under one GIL, answers computed in many connection threads at once are slower than the same answers computed
one after the other: each thread's numpy and tokenizer calls release the GIL, another thread takes it, and the
first waits to get it back. A semaphore that let one thread compute at a time still handed the work from
thread to thread; a single worker that takes the jobs in order measured 1,470 instead of 1,200 answers/s, with
the p99 at 50 connections 40 ms instead of 160 ms (bench/bench_server.py, see bench/README.md).
Two ways in: `run` blocks the caller until its call is done and returns its result or raises its exception;
`submit` queues a job that finishes on its own (the server hands a whole non-streaming chat request over that
way: the connection thread goes back to reading while the job answers, writes the response and logs it).
Which answer runs here is decided in answer_runner.py: with answer processes (answer_processes.py) extractive
answers go to them instead, and this thread computes only what a lost answer process owed.
Non-goals: several workers (one GIL), priorities, jobs that wait on I/O (they would stall every answer).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TypeVar

from ..errors import NotReady

T = TypeVar("T")
log = logging.getLogger("mygallery.compute")
_STOP = object()


class ComputeThread:
    """Runs callables on one thread in the order they arrive; `run` blocks the caller until its call is done."""

    def __init__(self, name: str = "answer-compute") -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def run(self, call: Callable[[], T]) -> T:
        if threading.get_ident() == self._thread.ident:
            return call()  # a job that computes an answer itself (a submitted chat request)
        if self._closed:
            raise NotReady("the server is shutting down", retry_after=5)
        done = threading.Lock()
        done.acquire()  # released by the worker when the outcome is in `outcome`
        outcome: list = []
        self._jobs.put((call, outcome, done))
        done.acquire()
        value, error = outcome
        if error is not None:
            raise error
        return value

    def submit(self, job: Callable[[], None]) -> None:
        """Queue a job that reports its own outcome; it must not raise (an exception is logged and dropped)."""
        if self._closed:
            raise NotReady("the server is shutting down", retry_after=5)
        self._jobs.put((job, None, None))

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            call, outcome, done = job
            if done is None:  # submitted: nobody waits for it
                try:
                    call()
                except BaseException:  # noqa: BLE001 - a bug in a job must not stop the thread
                    log.exception("a submitted job failed")
                continue
            try:
                outcome[:] = [call(), None]
            except BaseException as error:  # noqa: BLE001 - handed to the caller, who raises it in its thread
                outcome[:] = [None, error]
            finally:
                done.release()

    def close(self, timeout: float = 5.0) -> None:
        """Finish the jobs already queued, then stop the thread."""
        self._closed = True
        self._jobs.put(_STOP)
        self._thread.join(timeout)
