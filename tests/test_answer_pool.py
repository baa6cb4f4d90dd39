"""Answer processes (ANSWER_PROCESSES): real forks of a real index, and a real server whose children are killed."""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from mygallery.config import ConfigError, load_settings
from mygallery.engine.answer_types import AnswerResult, Turn
from mygallery.engine.answering import AnswerService
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.errors import AnswerProcessLost
from mygallery.web.answer_processes import MAX_AUTO, AnswerPool, resolve_processes
from tests.http_helpers import ask, call, new_session, sse_events
from tests.test_server_process import server_env, start_server

QUESTIONS = ["What does PIDonFEP stand for?", "How wide is the packet sequence number in the UET packet delivery "
             "header?", "什么叫 incast？", "RoCEv2 为什么离不开 PFC？", "Why must fetch-and-add atomics not use RUDI?"]


class Collector:
    """Callbacks of a pool, gathered with the thread each arrived on."""

    def __init__(self, expected: int) -> None:
        self.outcomes: dict[int, object] = {}
        self.lock = threading.Lock()
        self.expected = expected
        self.done = threading.Event()

    def callback(self, number: int):
        def done(outcome: object) -> None:
            with self.lock:
                assert number not in self.outcomes, f"request {number} answered twice"
                self.outcomes[number] = outcome
                if len(self.outcomes) == self.expected:
                    self.done.set()
        return done

    def wait(self) -> dict[int, object]:
        assert self.done.wait(60), f"{self.expected - len(self.outcomes)} requests never answered"
        return self.outcomes


def _same(result: AnswerResult, expected: AnswerResult) -> None:
    assert result.answer == expected.answer and result.backend == expected.backend == "extractive"
    assert [s.to_json() for s in result.sources] == [s.to_json() for s in expected.sources]
    assert result.notice == expected.notice
    # the token counts of the sources' chunks come along (the usage of /v1 answers counts them)
    assert [s.tokens for s in result.sources] == [s.tokens for s in expected.sources]
    assert all(s.tokens > 0 for s in result.sources)


def test_answer_processes_give_the_answers_the_server_process_gives(bundled_index: HybridIndex) -> None:
    """Forked children answer from the same index as the parent: the same text and sources, for English and
    Chinese questions and a follow-up with history; the parent's on_answer hook counts each answer."""
    service = AnswerService(LiveIndex(bundled_index))
    counted: list[tuple[str, bool]] = []
    service.on_answer = lambda backend, fell_back, answered: counted.append((backend, fell_back))
    history = [Turn("user", "What is packet trimming?"), Turn("assistant", "Switches cut the payload [1]")]
    asks = [(q, []) for q in QUESTIONS] + [("And what does the receiver do then?", history)]
    pool = AnswerPool.fork(bundled_index, 2, service)
    try:
        collector = Collector(len(asks) * 4)
        for number in range(len(asks) * 4):
            question, turns = asks[number % len(asks)]
            assert pool.submit(question, turns, collector.callback(number))
        outcomes = collector.wait()
        service.on_answer = None
        for number, outcome in outcomes.items():
            question, turns = asks[number % len(asks)]
            assert isinstance(outcome, AnswerResult), outcome
            _same(outcome, service.answer(question, turns))
        assert counted == [("extractive", False)] * len(outcomes)
        assert pool.alive() == 2
    finally:
        pool.close()
    assert pool.alive() == 0 or all(not psutil.pid_exists(c.pid) or psutil.Process(c.pid).status() == "zombie"
                                    for c in pool.children)


def test_answer_processes_walk_the_graph_with_threads_of_their_own(bundled_index: HybridIndex,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A large index is searched with a thread pool beside BM25 (index._dense_searches). A child forked after
    the parent used that pool has none of its threads: without its own pool, its first search waits forever."""
    monkeypatch.setattr(bundled_index, "exact_scan_max_chunks", 10)  # search the bundled index as a large one
    service = AnswerService(LiveIndex(bundled_index))
    expected = service.answer(QUESTIONS[1])  # the parent's pool threads now exist
    pool = AnswerPool.fork(bundled_index, 1, service)
    try:
        collector = Collector(1)
        assert pool.submit(QUESTIONS[1], [], collector.callback(0))
        outcome = collector.wait()[0]
        assert isinstance(outcome, AnswerResult), outcome
        _same(outcome, expected)
    finally:
        pool.close()


def test_a_killed_answer_process_fails_its_requests_over_and_the_rest_carry_on(bundled_index: HybridIndex) -> None:
    """SIGKILL one child with requests queued: every request gets exactly one outcome — an answer, or
    AnswerProcessLost for those the dead child owed (the server answers those in-process) — and the other
    child takes the rest; with no child left, submit says so."""
    service = AnswerService(LiveIndex(bundled_index))
    pool = AnswerPool.fork(bundled_index, 2, service)
    try:
        victim = pool.children[0]
        total = 400
        collector = Collector(total)
        for number in range(total):
            assert pool.submit(f"{QUESTIONS[number % len(QUESTIONS)]} ({number})", [], collector.callback(number))
            if number == 20:
                os.kill(victim.pid, signal.SIGKILL)
        outcomes = collector.wait().values()
        answered = [o for o in outcomes if isinstance(o, AnswerResult)]
        lost = [o for o in outcomes if isinstance(o, AnswerProcessLost)]
        assert len(answered) + len(lost) == total and answered and lost
        assert len(lost) <= AnswerPool.DEPTH + 1, "only what the dead child held is failed over"
        assert pool.alive() == 1
        os.kill(pool.children[1].pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while pool.alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not pool.submit("What is RUD?", [], lambda outcome: None)
    finally:
        pool.close()


def test_answer_processes_setting() -> None:
    assert load_settings({}, dotenv_path=None).answer_processes == "auto"
    assert load_settings({"ANSWER_PROCESSES": " 03 "}, dotenv_path=None).answer_processes == "3"
    for bad in ("many", "-1", "65", "1.5"):
        with pytest.raises(ConfigError, match="ANSWER_PROCESSES"):
            load_settings({"ANSWER_PROCESSES": bad}, dotenv_path=None)
    assert resolve_processes("auto", 2, extractive=True) == 2
    assert resolve_processes("auto", 64, extractive=True) == MAX_AUTO
    assert resolve_processes("auto", 1, extractive=True) == 0  # nothing to gain next to the server on one CPU
    assert resolve_processes("auto", 8, extractive=False) == 0  # LLM answers wait on the network, in-process
    assert resolve_processes("3", 1, extractive=True) == 3
    assert resolve_processes("3", 8, extractive=False) == 0  # an LLM backend never asks them


def _children(process_id: int) -> list[psutil.Process]:
    return psutil.Process(process_id).children()


def test_server_with_answer_processes_survives_losing_them(tmp_path: Path, copied_index_dir: Path) -> None:
    """The real server with two answer processes: they hold no socket of the server's (no listener, no client
    connection), answers keep coming while first one and then the other is killed (the server then answers
    alone, the same answers with the same token usage), admin stats count them, and SIGTERM leaves no process
    behind."""
    env = server_env(tmp_path, copied_index_dir, ANSWER_PROCESSES="2", RATE_LIMIT_PER_MINUTE="0",
                     MAX_SESSIONS="100000")
    process, url = start_server(env)
    host, port = url.removeprefix("http://").split(":")
    try:
        children = _children(process.pid)
        assert len(children) == 2 and {child.name() for child in children} == {"answer-process"}
        for child in children:
            assert not child.net_connections(kind="inet"), "an answer process holds one of the server's sockets"
            assert len(os.listdir(f"/proc/{child.pid}/fd")) <= 4  # stdin, stdout, stderr and its pipe
        stats = call(url, "GET", "/api/admin/stats").json()["backends"]["answer_processes"]
        assert (stats["started"], stats["alive"]) == (2, 2) and 0 < stats["own_memory_mb"] < 200
        session_id = new_session(url)
        first = ask(url, QUESTIONS[0], session_id).json()
        assert "[1]" in first["answer"] and first["sources"]
        completion = {"model": "uec-gallery", "messages": [{"role": "user", "content": QUESTIONS[0]}]}
        usage = call(url, "POST", "/v1/chat/completions", completion).json()["usage"]

        outcomes: list[str] = []
        stop = threading.Event()

        def client(number: int) -> None:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            turn = 0
            while not stop.is_set():
                body = json.dumps({"message": f"{QUESTIONS[turn % len(QUESTIONS)]} ({number}-{turn})"})
                connection.request("POST", "/api/chat", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                data = json.loads(response.read())
                outcomes.append("answered" if response.status == 200 and data["answer"] and data["sources"]
                                else f"{response.status} {data}")
                turn += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for child in children:  # one, then the other, while the clients keep asking
            time.sleep(0.5)
            child.kill()
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        assert outcomes and set(outcomes) == {"answered"}, [o for o in outcomes if o != "answered"][:3]
        stats = call(url, "GET", "/api/admin/stats").json()["backends"]["answer_processes"]
        assert stats == {"started": 2, "alive": 0, "own_memory_mb": 0.0}
        again = ask(url, QUESTIONS[0], new_session(url)).json()  # answered in the server process now: the same
        assert again["answer"] == first["answer"] and again["sources"] == first["sources"]
        # the usage of an OpenAI-style answer counts the sources alike, whoever computed it
        assert call(url, "POST", "/v1/chat/completions", completion).json()["usage"] == usage
        log = (tmp_path / "logs" / "server.log").read_text()
        assert all(f"answer process {child.pid} exited" in log for child in children)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_answer_processes_end_with_the_server(tmp_path: Path, copied_index_dir: Path) -> None:
    """SIGTERM: the server stops its children before it exits 0. SIGKILL: the children see their pipe close
    and exit on their own, so nothing is left running."""
    env = server_env(tmp_path, copied_index_dir, ANSWER_PROCESSES="2")
    for stop in (signal.SIGTERM, signal.SIGKILL):
        process, url = start_server(env)
        children = _children(process.pid)
        assert len(children) == 2 and ask(url, QUESTIONS[2]).status == 200
        process.send_signal(stop)
        process.wait(timeout=30)
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"answer processes left running after {stop.name}: {[c.pid for c in alive]}"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one CPU: nothing to pin")
def test_answer_processes_run_on_a_cpu_each(tmp_path: Path, copied_index_dir: Path) -> None:
    """`serve` pins itself to its highest CPU and each answer process to one of the CPUs it may use, from the
    lowest; with CPU_AFFINITY=off nothing is pinned."""
    allowed = sorted(os.sched_getaffinity(0))
    for setting, expected in (("auto", [{allowed[0]}, {allowed[1 % len(allowed)]}]), ("off", [set(allowed)] * 2)):
        process, url = start_server(server_env(tmp_path, copied_index_dir, ANSWER_PROCESSES="2",
                                               CPU_AFFINITY=setting))
        try:
            children = sorted(_children(process.pid), key=lambda child: child.pid)  # forked in turn
            assert [set(child.cpu_affinity()) for child in children] == expected
            assert set(psutil.Process(process.pid).cpu_affinity()) == ({allowed[-1]} if setting == "auto"
                                                                        else set(allowed))
            assert ask(url, QUESTIONS[2]).status == 200
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0


def test_streamed_chats_are_answered_by_the_answer_processes_too(tmp_path: Path, copied_index_dir: Path) -> None:
    """The chat page streams: those answers come from the answer processes as well (with both children stopped
    a streamed question waits, and is answered once they go on — so does one on a connection that closes after
    it), word by word exactly as the server process streams them itself."""
    events = {}
    for processes in ("2", "0"):
        (tmp_path / processes).mkdir()
        env = server_env(tmp_path / processes, copied_index_dir, ANSWER_PROCESSES=processes)
        process, url = start_server(env)
        try:
            children = _children(process.pid)
            assert len(children) == int(processes)
            if children:
                for child in children:
                    child.suspend()  # SIGSTOP
                waiting: list = []
                askers = [threading.Thread(target=lambda out=waiting, at=url: out.append(
                              sse_events(at, {"message": QUESTIONS[3]})[0])),
                          threading.Thread(target=lambda out=waiting, at=url: out.append(  # answered, then closed
                              call(at, "POST", "/api/chat", {"message": QUESTIONS[4]},
                                   headers={"Connection": "close"}).status))]
                for asker in askers:
                    asker.start()
                time.sleep(0.8)
                assert not waiting, "a chat was answered without the answer processes"
                for child in children:
                    child.resume()
                for asker in askers:
                    asker.join(30)
                assert waiting == [200, 200]
            events[processes] = [sse_events(url, {"message": question})[1] for question in QUESTIONS[:3]]
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0

    def shown(stream: list[tuple[str, dict]]) -> tuple:
        done = stream[-1][1]
        return [data["text"] for event, data in stream[:-1]], stream[-1][0], done["answer"], done["sources"]

    for pooled, alone in zip(events["2"], events["0"], strict=True):
        assert len(pooled) > 3 and shown(pooled) == shown(alone)
