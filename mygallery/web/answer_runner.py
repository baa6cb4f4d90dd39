"""Where an answer is computed — decided here, once, for every route that answers questions.

Three places can compute an answer: an answer process (answer_processes.py: a forked child, so answers use
more than the one core a GIL allows), the compute thread (compute_thread.py: one thread in the server process,
which beats many threads under one GIL), or the connection's own thread. The rule:
- extractive answers (CPU-bound) go to an answer process when there are any, else to the compute thread; a
  child that dies fails what it owed over to the compute thread, so nothing is lost;
- LLM answers (they wait on the network, not on a core) run in the connection's thread, streamed as they come.
Two ways in, used alike by /api/chat (JSON and SSE) and /v1/chat/completions:
- `stream()` for the connection's thread: text pieces, then the `AnswerResult`. Retrieval — and an extractive
  answer as a whole — happens before it returns, so a NotReady is a plain JSON error, not a broken stream;
- `later()` for a whole answer that need not hold the connection's thread: a `Response.later` that the
  server runs, the answer computed off-thread and the response made and written by the thread that has it.
Non-goals: what the answer says (engine/answering.py), recording turns (chat.py), writing HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from ..engine.answer_types import AnswerResult, Turn, word_pieces
from ..engine.answering import AnswerService
from ..errors import AnswerProcessLost, GalleryError
from .answer_processes import AnswerPool
from .compute_thread import ComputeThread
from .http_types import Response

Outcome = AnswerResult | BaseException
Reply = Callable[[Response | BaseException], None]


class AnswerRunner:
    def __init__(self, answers: AnswerService) -> None:
        self.answers = answers
        self.compute = ComputeThread()
        self.pool: AnswerPool | None = None  # answer processes, once the service has forked them

    @property
    def off_thread(self) -> bool:
        """Whether answers are computed away from the connection's thread (the extractive answerer)."""
        return self.answers.primary is self.answers.extractive

    # --- for the connection's thread -------------------------------------------------------------------------

    def stream(self, question: str, history: list[Turn], *, whole: bool = False) -> Iterator[str | AnswerResult]:
        """Text pieces as they are produced (one piece with `whole`), then the AnswerResult; the first is
        ready when this returns. Close the iterator to stop an answer nobody reads any more."""
        if self.off_thread:
            return _pieces_of(self.wait(question, history), whole=whole)
        answer = self.answers.stream(question, history, whole=whole)
        try:
            first = next(answer)  # retrieval: a NotReady is raised here, before anything is sent
        except BaseException:
            answer.close()
            raise
        return _started(first, answer)

    def wait(self, question: str, history: list[Turn]) -> AnswerResult:
        """A whole extractive answer computed off this thread, waited for here."""
        pool = self.pool
        if pool is not None:
            waiter = _Waiter()
            if pool.submit(question, history, waiter.done):
                outcome = waiter.wait()
                if not isinstance(outcome, AnswerProcessLost):
                    if isinstance(outcome, BaseException):
                        raise outcome
                    return outcome
        return self.compute.run(lambda: self.answers.answer(question, history))

    # --- off the connection's thread -------------------------------------------------------------------------

    def later(self, question: str, history: list[Turn], respond: Callable[[AnswerResult], Response],
              finish: Callable[[], None] | None = None) -> Response:
        """A `Response.later`: the answer is computed off-thread, `respond(result)` makes the response on the
        thread that has it, and `finish` runs after that whatever happened (a turn ends there). Only when
        `off_thread`."""
        return Response(later=_Deferred(self, question, history, respond, finish).start)

    def submit(self, question: str, history: list[Turn], done: Callable[[Outcome], None]) -> None:
        """Compute an answer off this thread; `done` gets the AnswerResult or the error on the thread that has
        it: an answer process's reader, or the compute thread (also for what a lost answer process owed)."""
        pool = self.pool
        if pool is None or not pool.submit(question, history, _FailOver(self, question, history, done).deliver):
            self._compute(question, history, done)

    def _compute(self, question: str, history: list[Turn], done: Callable[[Outcome], None]) -> None:
        answers = self.answers

        def job() -> None:
            try:
                outcome: Outcome = answers.answer(question, history)
            except Exception as error:  # noqa: BLE001 - `done` reports it
                outcome = error
            done(outcome)

        self.compute.submit(job)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()  # first: what a child still owed is answered on the compute thread
        self.compute.close()


class _Waiter:
    __slots__ = ("ready", "outcome")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.outcome: Outcome | None = None

    def done(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.ready.set()

    def wait(self) -> Outcome:
        self.ready.wait()
        assert self.outcome is not None
        return self.outcome


class _FailOver:
    """Hands an answer process's outcome on, or — when the process was lost — asks the compute thread."""

    __slots__ = ("runner", "question", "history", "done")

    def __init__(self, runner: AnswerRunner, question: str, history: list[Turn],
                 done: Callable[[Outcome], None]) -> None:
        self.runner, self.question, self.history, self.done = runner, question, history, done

    def deliver(self, outcome: Outcome) -> None:
        if isinstance(outcome, AnswerProcessLost):
            try:
                self.runner._compute(self.question, self.history, self.done)
                return
            except GalleryError as error:  # the compute thread is closed too: shutting down
                outcome = error
        self.done(outcome)


class _Deferred:
    """One `AnswerRunner.later` between its answer and its reply. Objects, not closures: a closure that passes
    itself on references itself through its cell, and that cycle per request left every answered request to
    the cyclic collector — full collections of 30-100 ms every second or two at 3,000 answers/s, in the p99."""

    __slots__ = ("runner", "question", "history", "respond", "finish", "reply")

    def __init__(self, runner: AnswerRunner, question: str, history: list[Turn],
                 respond: Callable[[AnswerResult], Response], finish: Callable[[], None] | None) -> None:
        self.runner, self.question, self.history = runner, question, history
        self.respond, self.finish = respond, finish
        self.reply: Reply | None = None

    def start(self, reply: Reply) -> None:
        self.reply = reply
        try:
            self.runner.submit(self.question, self.history, self.done)
        except BaseException:
            if self.finish is not None:
                self.finish()
            raise

    def done(self, outcome: Outcome) -> None:
        try:
            if isinstance(outcome, AnswerResult):
                outcome = self.respond(outcome)
        except BaseException as error:  # noqa: BLE001 - the reply reports it (a 500 for a bug)
            outcome = error
        finally:
            if self.finish is not None:
                self.finish()
        assert self.reply is not None
        self.reply(outcome)


def _pieces_of(result: AnswerResult, *, whole: bool) -> Iterator[str | AnswerResult]:
    """A whole answer as AnswerService.stream gives it: word pieces (one piece with `whole`), then the result."""
    if whole:
        yield result.answer
    else:
        yield from word_pieces(result.answer)
    yield result


def _started(first: str | AnswerResult, rest: Iterator[str | AnswerResult]) -> Iterator[str | AnswerResult]:
    try:
        yield first
        yield from rest
    finally:
        rest.close()  # type: ignore[attr-defined] - a generator: closing it stops the model's stream
