"""A tiny real-HTTP client for the tests (http.client, no mocks): JSON calls and server-sent events."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def error_code(self) -> str:
        return self.json()["error"]["code"]


def assert_error(reply: Reply, status: int, code: str) -> None:
    """`reply` is an error in the JSON shape of docs/API.md: this status and code, a message, no traceback."""
    assert reply.status == status, (reply.status, reply.body)
    body = reply.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]


def connect(url: str, timeout: float = 30) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def call(url: str, method: str, path: str, body: object = None, *, headers: dict[str, str] | None = None,
         raw: bytes | None = None, conn: http.client.HTTPConnection | None = None) -> Reply:
    own = conn is None
    conn = conn or connect(url)
    sent_headers = dict(headers or {})
    payload = raw
    if body is not None:
        payload = json.dumps(body).encode("utf-8")
        sent_headers.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=payload, headers=sent_headers)
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        if own:
            conn.close()


def sse_events(url: str, body: dict, *, headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, dict]]]:
    """POST /api/chat as an event stream; return (status, [(event, data), ...]) in arrival order."""
    conn = connect(url)
    try:
        conn.request("POST", "/api/chat", body=json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream", **(headers or {})})
        response = conn.getresponse()
        if response.status != 200:
            return response.status, [("error", json.loads(response.read()))]
        assert response.getheader("Content-Type", "").startswith("text/event-stream")
        return response.status, list(read_events(response))
    finally:
        conn.close()


def read_events(response: http.client.HTTPResponse) -> Iterator[tuple[str, dict]]:
    """(event, JSON data) of a server-sent event stream, each as soon as it has arrived."""
    name, data = "message", []
    for raw_line in response:  # http.client undoes the chunked encoding
        line = raw_line.decode("utf-8").rstrip("\r\n")
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield name, json.loads("\n".join(data))
            name, data = "message", []


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS's pick), for a server a test starts itself."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, what: str, *, timeout: float = 10, alive: Callable[[], bool] = lambda: True,
                  detail: Callable[[], str] = lambda: "") -> None:
    """Until something accepts connections on the loopback port; fail early when `alive()` turns false, with
    `detail()` (say, the process's stderr) in the message."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            assert alive(), f"{what} exited before it listened: {detail()}"
            assert time.monotonic() < deadline, f"{what} did not start within {timeout:.0f} s: {detail()}"
            time.sleep(0.05)


def new_session(url: str) -> str:
    reply = call(url, "POST", "/api/sessions", {})  # JSON only: 415 without the content type
    assert reply.status == 201, reply.body
    return reply.json()["session_id"]


def ask(url: str, message: str, session_id: str | None = None) -> Reply:
    body: dict = {"message": message}
    if session_id:
        body["session_id"] = session_id
    return call(url, "POST", "/api/chat", body)


def ready_url(first_line: str, failure_detail: str = "", timeout: float = 60) -> str:
    """The address a `mygallery serve` process printed on its first line, once /api/ready answers 200."""
    match = re.search(r"http://127\.0\.0\.1:\d+", first_line)
    assert match, f"no address in {first_line!r}: {failure_detail}"
    url = match.group(0)
    wait_ready(url, timeout)
    return url


def wait_ready(url: str, timeout: float = 30) -> None:
    """Until GET /api/ready answers 200 (an assertion error after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while call(url, "GET", "/api/ready").status != 200:
        assert time.monotonic() < deadline, "the server never became ready"
        time.sleep(0.02)


def wait_for_connections(gallery, at_least: int | None = None, seconds: float = 5.0) -> None:
    """Until the server counts `at_least` open connections — or, with None, none at all — or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        count = gallery.http.connection_count()
        if (count >= at_least) if at_least is not None else not count:
            return
        time.sleep(0.02)


def raw_socket(gallery, address: str = "127.0.0.1", timeout: float = 10) -> socket.socket:
    """A plain socket to `gallery`'s server, from `address` (any 127.x.y.z: another client address)."""
    sock = socket.socket()
    sock.settimeout(timeout)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", gallery.http.server_address[1]))
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One whole response from a raw socket: (status, lower-cased headers, body). Unbuffered, so that the
    next response stays in the socket for the next call."""
    reader = sock.makefile("rb", buffering=0)
    status = int(reader.readline().split()[1])
    headers = {}
    while line := reader.readline().rstrip(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.lower()] = value.strip()
    length, body = int(headers.get("content-length", 0)), b""
    while len(body) < length and (piece := reader.read(length - len(body))):
        body += piece
    return status, headers, body
