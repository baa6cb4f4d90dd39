"""The HTTP layer of the server — everything below the routes — mostly over raw sockets against a real
server on port 0: parsing request heads (sent in pieces, header names in any case; malformed heads answered
400 or 431 in JSON), bodies (the size limit's 413 and the lingering close that lets a client read it, a body
that stops coming is a 408, Expect: 100-continue), keep-alive and pipelining, slow, idle and non-reading
clients, and the connection limit (503).

What the routes answer is in tests/test_api.py."""

from __future__ import annotations

import json
import socket
import time

import pytest

from mygallery.service import GalleryService
from tests.http_helpers import ask, assert_error, call, connect, read_response, wait_for_connections

# --- raw-socket helpers -------------------------------------------------------------------------------------

def _read_responses(sock: socket.socket, count: int) -> list[tuple[int, dict, bytes]]:
    return [read_response(sock) for _ in range(count)]


def _raw_exchange(gallery: GalleryService, *pieces: bytes) -> tuple[int, dict, bytes]:
    """Send a request in the given pieces (a pause between them), read one response: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=5) as sock:
        for number, piece in enumerate(pieces):
            if number:
                time.sleep(0.05)
            sock.sendall(piece)
        return _read_responses(sock, 1)[0]


def _chat_request(message: str, extra: str = "") -> bytes:
    body = json.dumps({"message": message}).encode()
    return (f"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _seconds_for_an_answer(gallery: GalleryService) -> float:
    """How long a normal client waits for one chat answer (which must be a 200)."""
    started = time.monotonic()
    reply = ask(gallery.url, "What does ROD add to RUD?")
    elapsed = time.monotonic() - started
    assert reply.status == 200
    return elapsed


# --- request heads ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "status"), [
    (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
    (b"GET /api/health HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    (b"GET /api/health HTTP/1.1\r\nX-A: b\r\n  folded\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nX-A : b\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"GET /api/health HTTP/1.1\r\nX-A: b\rX-B: c\r\n\r\n", 400),  # a bare CR (RFC 9112: reject)
    (b"GET /api/health HTTP/1.x\r\n\r\n", 400),
    (b"GET /api/health HTTP/1_1\r\n\r\n", 400),
    (b"GET /api/health\r\n\r\n", 400),
    (b"GET /api/health HTTP/2.0\r\n\r\n", 400),  # not a 5xx: those mean a bug of ours (docs/API.md)
    (b"POST /api/chat HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
     b"Content-Length: 3\r\n\r\n{}", 400),  # two lengths: a smuggling attempt, never a guess
])
def test_malformed_request_heads_get_json_errors(gallery: GalleryService, head: bytes, status: int) -> None:
    got, headers, body = _raw_exchange(gallery, head)
    assert got == status and headers["content-type"] == "application/json"
    assert json.loads(body)["error"]["message"]


def test_a_head_in_pieces_and_header_names_in_any_case_are_understood(gallery: GalleryService) -> None:
    body = json.dumps({"message": "What does RUD guarantee?"}).encode()
    status, headers, reply = _raw_exchange(
        gallery, b"POST /api/chat HTTP/1.1\r\nHost: x\r\ncOnTeNt-TyPe: application/json\r\n",
        b"CONTENT-LENGTH: %d\r\n" % len(body), b"\r\n" + body)
    assert status == 200 and json.loads(reply)["sources"], reply
    status, headers, _ = _raw_exchange(gallery, b"GET /api/health HTTP/1.0\r\n\r\n")
    assert status == 200 and headers["connection"] == "close"  # HTTP/1.0 without keep-alive: one request


# --- bodies: limits, timeouts, Expect: 100-continue ---------------------------------------------------------

def test_413_for_a_body_over_the_limit(gallery_factory) -> None:
    gallery = gallery_factory(max_body_bytes=1024)
    reply = call(gallery.url, "POST", "/api/chat", {"message": "x" * 2000})
    assert_error(reply, 413, "payload_too_large")


def test_a_client_that_sends_its_whole_oversized_body_first_still_reads_the_413(gallery: GalleryService) -> None:
    """Most clients (and nginx as a proxy) write the whole body before they read. Closed with the body unread,
    the socket would answer the rest with a reset, which fails the client's send or discards the 413 before it
    is read; the server reads and drops what keeps coming for a moment after answering (a lingering close)."""
    body = b"{" + b" " * (4 << 20) + b"}"
    head = (b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body))
    for _ in range(3):
        status, headers, reply = _raw_exchange(gallery, head + body)
        assert status == 413 and headers["connection"] == "close"
        assert json.loads(reply)["error"]["code"] == "payload_too_large"


def test_a_body_that_stops_coming_is_a_408_not_a_500(gallery_factory) -> None:
    gallery = gallery_factory(request_timeout_seconds=1.0)
    started = time.monotonic()
    status, headers, body = _raw_exchange(gallery, b"POST /api/chat HTTP/1.1\r\nContent-Type: application/json\r\n"
                                                   b"Content-Length: 100\r\n\r\n{\"message\": ")
    assert status == 408 and json.loads(body)["error"]["code"] == "timeout"
    assert headers["connection"] == "close" and time.monotonic() - started < 5


def test_expect_100_continue_gets_an_interim_response_then_the_answer(gallery: GalleryService) -> None:
    body = json.dumps({"message": "What is packet trimming?"}).encode()
    head = (f"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=10) as sock:
        sock.sendall(head)
        reader = sock.makefile("rb")
        assert reader.readline().split()[1] == b"100" and reader.readline() == b"\r\n"
        sock.sendall(body)
        (status, headers, answer), = _read_responses(sock, 1)
    assert status == 200 and json.loads(answer)["sources"]


# --- keep-alive and pipelining ------------------------------------------------------------------------------

def test_keep_alive_survives_errors_and_bodies_are_drained(gallery: GalleryService) -> None:
    conn = connect(gallery.url)
    try:
        assert call(gallery.url, "POST", "/api/sessions", raw=b'{"ignored": true}',
                    headers={"Content-Type": "application/json"}, conn=conn).status == 201
        assert call(gallery.url, "POST", "/api/chat", raw=b"{bad", headers={"Content-Type": "application/json"},
                    conn=conn).status == 400
        assert call(gallery.url, "GET", "/api/health", conn=conn).status == 200
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(gallery: GalleryService) -> None:
    """Extractive chats are answered and written by the compute thread while the connection's thread reads
    on; requests sent back to back on one connection must still get their responses in order, whole."""
    questions = ["What does RUD guarantee?", "What is packet trimming?", "How does LLR recover a frame?"]
    with socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=10) as sock:
        sock.sendall(_chat_request(questions[0]) + b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
                     + _chat_request(questions[1]) + _chat_request("") + _chat_request(questions[2])
                     + b"GET /api/health HTTP/2.0\r\n\r\n")  # a head the parser refuses, answered last
        responses = _read_responses(sock, 6)
    assert [status for status, _, _ in responses] == [200, 200, 200, 400, 200, 400]
    assert json.loads(responses[1][2])["status"] == "ok"
    for (_, headers, body), question in zip([responses[0], responses[2], responses[4]], questions, strict=True):
        assert headers["content-type"] == "application/json" and "x-request-id" in headers
        conversation = call(gallery.url, "GET", f"/api/sessions/{json.loads(body)['session_id']}").json()
        assert conversation["messages"][0]["content"] == question  # each response is its own question's


# --- slow, idle and greedy clients; the connection limit ----------------------------------------------------

def test_a_client_dribbling_headers_is_cut_off(gallery_factory) -> None:
    """Slowloris: one header byte every half second never finishes a request; the server hangs up."""
    gallery = gallery_factory(request_timeout_seconds=1.5)
    sock = socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=10)
    try:
        sock.sendall(b"GET /api/health HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        for byte in b"X-Slow: " + b"a" * 40:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed = True
                break
            sock.settimeout(0.5)
            try:
                if sock.recv(1024) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed, "the server kept a dribbling client forever"
        assert time.monotonic() - started < 6
    finally:
        sock.close()


def test_many_idle_connections_do_not_block_a_normal_client(gallery: GalleryService) -> None:
    idle = []
    try:
        for _ in range(100):
            sock = socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=5)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # headers never finished: a slow client
            idle.append(sock)
        elapsed = _seconds_for_an_answer(gallery)
        assert elapsed < 1.0, f"a normal client waited {elapsed:.2f} s behind 100 idle connections"
    finally:
        for sock in idle:
            sock.close()


def test_a_client_that_never_reads_does_not_hold_up_answers(gallery_factory) -> None:
    """The compute thread writes chat responses without waiting on the client: one that sends many
    questions and reads none of the answers (its socket buffers fill) must not delay anyone else."""
    gallery = gallery_factory(rate_limit_per_minute=0, max_sessions=10_000)
    greedy = socket.socket()
    greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    greedy.connect(("127.0.0.1", gallery.http.server_address[1]))
    try:
        greedy.settimeout(10)
        # ~3 KB per answer: 2,500 answers are more than the server's socket buffer takes (4 MB at most)
        greedy.sendall(b"".join(_chat_request(f"What is packet trimming? ({n})") for n in range(2500)))
        time.sleep(2.5)  # the server answers until the buffers are full, then must not wait on this client
        elapsed = _seconds_for_an_answer(gallery)
        assert elapsed < 2.0, f"an answer took {elapsed:.2f} s behind a client that does not read"
    finally:
        greedy.close()
    assert ask(gallery.url, "What is UET?").status == 200  # and the server is still fine afterwards


def test_connections_over_the_limit_get_503_not_a_crash(gallery_factory) -> None:
    gallery = gallery_factory(max_connections=5)
    held = [socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=5) for _ in range(5)]
    try:
        wait_for_connections(gallery, 5)
        reply = call(gallery.url, "GET", "/api/health")
        assert reply.status == 503 and json.loads(reply.body)["error"]["code"] == "server_busy"
    finally:
        for sock in held:
            sock.close()
    wait_for_connections(gallery)
    assert call(gallery.url, "GET", "/api/health").status == 200
