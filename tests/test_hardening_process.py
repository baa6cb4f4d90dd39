"""Hardening (issue 14) against `python -m mygallery serve` as a process, with the shipped defaults: its memory
under made-up methods and oversized heads (read from /proc/<pid>/status), one address holding more than a
thousand connections, and SIGTERM with a request in flight.

Each server runs on port 0 with the bundled index (read, never written), its logs and sessions in tmp_path,
and no answer processes (ANSWER_PROCESSES=0: the memory measured is the one process's). Other addresses are
client sockets bound to 127.0.0.2.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from mygallery.config import Settings
from tests.http_helpers import call, ready_url
from tests.test_hardening import OTHER_ADDRESS, from_address

ROOT = Path(__file__).resolve().parent.parent
SETTING_NAMES = {f.name.upper() for f in fields(Settings)}


@dataclass
class ServerProcess:
    process: subprocess.Popen
    url: str

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def memory_mb(self) -> tuple[float, float]:
        """(resident now, peak resident) of the server process, MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


def start_server(folder: Path, index_dir: Path, **settings: str) -> ServerProcess:
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in SETTING_NAMES}  # the shipped defaults, unless given
    env.update({"INDEX_DIR": str(index_dir), "DOCS_DIR": str(ROOT / "data" / "docs"), "LOG_DIR": str(folder),
                "SESSION_DB": str(folder / "sessions.db"), "ANSWER_PROCESSES": "0", "PYTHONPATH": str(ROOT),
                **settings})
    errors = folder / "server.err"
    with errors.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "mygallery", "serve", "--host", "127.0.0.1", "--port", "0"],
                                   env=env, cwd=folder, stdout=subprocess.PIPE, stderr=sink, text=True)
    try:
        return ServerProcess(process, ready_url(process.stdout.readline(), errors.read_text()))
    except BaseException:
        process.kill()
        raise


def stop_server(server: ServerProcess) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    server.process.stdout.close()


@pytest.fixture(scope="module")
def defaults_server(bundled_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server with the shipped defaults, shared by the memory tests (each measures its own growth)."""
    server = start_server(tmp_path_factory.mktemp("defaults-server"), bundled_index_dir)
    yield server
    stop_server(server)


def test_made_up_methods_do_not_grow_metrics_or_memory(defaults_server: ServerProcess) -> None:
    """3,000 requests, each with a method never seen before: one `other` series, not 3,000."""
    before, _ = defaults_server.memory_mb()
    with socket.create_connection(("127.0.0.1", defaults_server.port), timeout=30) as sock:
        reader = sock.makefile("rb")
        for batch in range(30):  # pipelined, 100 at a time
            sock.sendall(b"".join(b"M%05dX /api/health HTTP/1.1\r\nHost: x\r\n\r\n" % (batch * 100 + n)
                                  for n in range(100)))
            for _ in range(100):
                assert reader.readline().split()[1] == b"405"
                length = 0
                while (line := reader.readline()) != b"\r\n":
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                reader.read(length)
    metrics = call(defaults_server.url, "GET", "/metrics")
    after, peak = defaults_server.memory_mb()
    print(f"\n3,000 made-up methods: /metrics {len(metrics.body) / 1024:.1f} KB; server RSS {before:.1f} -> "
          f"{after:.1f} MB (+{after - before:.1f}), peak {peak:.1f} MB")
    assert metrics.status == 200 and b'method="other"' in metrics.body
    assert len(metrics.body) < 200 * 1024
    assert after - before < 30


def test_oversized_heads_cannot_make_the_server_hold_them(defaults_server: ServerProcess) -> None:
    """60 connections each sending 98 header lines of 64 KB (6.3 MB a head): each is answered 431 (or closed)
    after the first 64 KiB, and the server does not grow by what they sent."""
    before, _ = defaults_server.memory_mb()
    line = b"X-Big: " + b"a" * (64_000 - 9) + b"\r\n"
    head = memoryview(b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + line * 98 + b"\r\n")
    outcomes: list[str] = []

    def client() -> None:
        with socket.create_connection(("127.0.0.1", defaults_server.port), timeout=30) as sock:
            with contextlib.suppress(OSError):  # the server answered and closed while this was still sending
                sock.sendall(head)
            try:
                answer = sock.recv(200)
            except OSError:
                answer = b""
            outcomes.append("431" if answer.startswith(b"HTTP/1.1 431 ") else
                            "closed" if not answer else answer[:40].decode("latin-1"))

    threads = [threading.Thread(target=client) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    after, peak = defaults_server.memory_mb()
    print(f"\n60 heads of 98 x 64 KB: {outcomes.count('431')} answered 431, {outcomes.count('closed')} closed; "
          f"server RSS {before:.1f} -> {after:.1f} MB (+{after - before:.1f}), peak {peak:.1f} MB "
          f"(+{peak - before:.1f})")
    assert len(outcomes) == 60 and set(outcomes) <= {"431", "closed"}, outcomes
    assert outcomes.count("431") >= 1
    assert max(after, peak) - before < 150
    assert call(defaults_server.url, "GET", "/api/health").status == 200


class ConnectionHog:
    """One address (127.0.0.1) holding `count` connections, silent, and opening a new one for each the server
    closes — the client that used to keep every slot."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.selector = selectors.DefaultSelector()
        self.stop = threading.Event()
        self.reconnects = 0
        self.thread = threading.Thread(target=self._run, name="connection-hog")

    def __enter__(self) -> ConnectionHog:
        for _ in range(self.count):
            self._open()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()

    def _open(self) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", self.port))
        self.selector.register(sock, selectors.EVENT_READ)

    def _run(self) -> None:
        while not self.stop.is_set():
            for key, _ in self.selector.select(0.1):
                sock = key.fileobj
                try:
                    closed = sock.recv(65536) == b""
                except OSError:
                    closed = True
                if closed:  # refused (503, then closed) or timed out: take the slot again
                    self.selector.unregister(sock)
                    sock.close()
                    self._open()
                    self.reconnects += 1


def test_one_address_with_1100_connections_leaves_room_for_others(defaults_server: ServerProcess) -> None:
    with ConnectionHog(defaults_server.port, 1100) as hog:
        time.sleep(1.0)  # its connections are in, and the refused ones are coming back
        answered, statuses, session_id = 0, [], None
        for n in range(20):  # one conversation, each question on a new connection
            try:
                with closing(from_address(defaults_server.url, OTHER_ADDRESS)) as conn:
                    conn.timeout = 10
                    reply = call(defaults_server.url, "POST", "/api/chat",
                                 {"message": f"What does RUD guarantee? ({n})", "session_id": session_id}, conn=conn)
                session_id = session_id or (reply.json().get("session_id") if reply.status == 200 else None)
                statuses.append(reply.status)
                answered += reply.status == 200
            except OSError as exc:
                statuses.append(type(exc).__name__)
        reconnects = hog.reconnects
    print(f"\n1,100 connections from one address ({reconnects} reconnects): another address got "
          f"{answered}/20 chats answered ({statuses})")
    assert answered >= 18, statuses
    assert reconnects > 0  # the hog was refused past its share and kept coming back


def test_sigterm_refuses_new_connections_at_once_and_closes_drained_ones(bundled_index_dir: Path,
                                                                        tmp_path: Path) -> None:
    server = start_server(tmp_path / "server", bundled_index_dir)
    try:
        body = b'{"message": "What does RUD guarantee?"}'
        with socket.create_connection(("127.0.0.1", server.port), timeout=20) as in_flight:
            in_flight.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            deadline = time.monotonic() + 10
            while b"mygallery_http_requests_in_flight 2.0" not in call(server.url, "GET", "/metrics").body:
                assert time.monotonic() < deadline, "the request never got in flight"
                time.sleep(0.05)
            server.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            while True:
                try:
                    socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
                except ConnectionRefusedError:
                    break
                except ConnectionResetError:
                    pass  # in the backlog as the listening socket closed: the next one is refused
                assert time.monotonic() - signalled < 1.0, "new connections were still accepted 1 s after SIGTERM"
                time.sleep(0.02)
            refused_after = time.monotonic() - signalled
            in_flight.sendall(body[10:])  # the request in flight is still answered, and told to close
            answer = in_flight.makefile("rb").read()
        assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
        assert b"\r\nConnection: close\r\n" in answer.split(b"\r\n\r\n")[0] + b"\r\n"
        assert server.process.wait(timeout=30) == 0
        print(f"\nnew connections refused {refused_after * 1000:.0f} ms after SIGTERM")
    finally:
        stop_server(server)
