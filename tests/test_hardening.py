"""Hardening (issue 14) against a real server on port 0 in this process: what one client may take (sessions,
connections), JSON only on state-changing POSTs, closed metric labels, the header budget, the body deadline,
strict JSON and numbers, the turn limit, headers on every response, the metrics token, 100-continue.

"Another address" is a client socket bound to 127.0.0.2 (all of 127/8 is loopback on Linux), so the server's
settings stay as shipped. The tests that measure a server's memory, hold a thousand connections or send it
SIGTERM run it as a process: tests/test_hardening_process.py; the session store going away:
tests/test_hardening_store.py.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from contextlib import closing
from urllib.parse import urlsplit

import pytest

from mygallery.errors import NotFound, SessionLimit
from mygallery.service import GalleryService
from mygallery.sessions.manager import Session, SessionManager
from mygallery.sessions.records import Message
from mygallery.sessions.stores import MemoryStore
from tests.http_helpers import (
    Reply,
    ask,
    assert_error,
    call,
    new_session,
    raw_socket,
    read_response,
    wait_for_connections,
)

OTHER_ADDRESS = "127.0.0.2"


def from_address(url: str, address: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(address, 0))


def call_from(address: str, url: str, method: str, path: str, body: object = None, **options) -> Reply:
    with closing(from_address(url, address)) as conn:
        return call(url, method, path, body, conn=conn, **options)


# --- 1. one client cannot take every conversation; POST /api/sessions is JSON only ---------------------------

@pytest.mark.parametrize("headers", [{}, {"Content-Type": "text/plain"},
                                     {"Content-Type": "application/x-www-form-urlencoded"}])
def test_creating_a_session_takes_json_only(gallery: GalleryService, headers: dict[str, str]) -> None:
    """What a page of another origin can send without a CORS preflight (no body, a form, text/plain) is refused;
    a JSON content type needs the preflight, which the server never grants."""
    reply = call(gallery.url, "POST", "/api/sessions", raw=b"{}" if headers else None, headers=headers)
    assert_error(reply, 415, "unsupported_media_type")
    assert gallery.sessions.active_count() == 0
    assert call(gallery.url, "OPTIONS", "/api/sessions").status == 405  # no preflight is granted
    json_headers = {"Content-Type": "application/json"}
    assert call(gallery.url, "POST", "/api/sessions", raw=b"", headers=json_headers).status == 201
    assert call(gallery.url, "POST", "/api/sessions", {}).status == 201
    assert_error(call(gallery.url, "POST", "/api/sessions", raw=b"[1]", headers=json_headers), 400, "bad_request")


def test_one_client_cannot_lock_everyone_out(gallery: GalleryService) -> None:
    """Shipped defaults (MAX_SESSIONS 50, 60 requests a minute): one address's 60 empty conversations take
    its share, a fifth, and another address still chats."""
    statuses = [call(gallery.url, "POST", "/api/sessions", raw=b"", headers={"Content-Type": "application/json"})
                for _ in range(60)]
    created = sum(reply.status == 201 for reply in statuses)
    assert created == gallery.settings.sessions_per_client == 10
    refused = [reply for reply in statuses if reply.status != 201]
    for reply in refused:
        assert_error(reply, 429, "too_many_sessions")
    assert all(int(reply.headers["retry-after"]) >= 1 for reply in refused)
    other = call_from(OTHER_ADDRESS, gallery.url, "POST", "/api/chat", {"message": "What does RUD guarantee?"})
    assert other.status == 200, other.body
    assert gallery.sessions.active_count() == 11
    assert gallery.sessions._per_client == {"127.0.0.1": 10, OTHER_ADDRESS: 1}


def test_empty_conversations_expire_in_minutes_and_free_their_slot() -> None:
    """An empty conversation lives EMPTY_SESSION_SECONDS (300 s), one with a message the idle timeout."""
    clock = [1_000_000.0]
    sessions = SessionManager(MemoryStore(), max_sessions=2, max_per_client=2, timeout_seconds=1800,
                              cleanup_interval=3600, clock=lambda: clock[0])
    used, empty = sessions.create("10.0.0.1"), sessions.create("10.0.0.1")
    sessions.record_turn(used, Message("user", "q"), Message("assistant", "a"))
    with pytest.raises(SessionLimit) as refused:
        sessions.create("10.0.0.2")
    assert refused.value.retry_after == 301  # when the empty one goes
    clock[0] += 301
    assert sessions.create("10.0.0.2").owner == "10.0.0.2"  # the empty one expired and gave its slot back
    assert sessions.get(used.id) is used
    with pytest.raises(NotFound):
        sessions.get(empty.id)
    assert sessions._per_client == {"10.0.0.1": 1, "10.0.0.2": 1}


# --- 2. metric labels from a closed set -----------------------------------------------------------------------

def test_unknown_methods_are_one_metric_label(gallery: GalleryService) -> None:
    with socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=10) as sock:
        sock.sendall(b"".join(b"BREW%d /api/health HTTP/1.1\r\nHost: x\r\n\r\n" % n for n in range(50)))
        assert [read_response(sock)[0] for _ in range(50)] == [405] * 50
    text = call(gallery.url, "GET", "/metrics").body.decode()
    assert 'mygallery_http_requests_total{method="other",route="not_found",status="405"} 50.0' in text
    assert "BREW" not in text


# --- 3. a budget for all request headers -----------------------------------------------------------------------

def test_headers_over_64_kib_in_all_are_431(gallery: GalleryService) -> None:
    """70 lines of 1,000 bytes are within the old limits (100 lines of 64 KiB each) but over the budget."""
    head = b"GET /api/health HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-Filler-%02d: %s\r\n" % (n, b"a" * 985) for n in range(70)) + b"\r\n"
    with raw_socket(gallery) as sock:
        sock.sendall(head)
        status, headers, body = read_response(sock)
    assert status == 431 and json.loads(body)["error"]["code"] == "headers_too_large"
    assert headers["connection"] == "close"
    with raw_socket(gallery) as sock:  # the same head a little smaller is fine
        sock.sendall(head.replace(b"a" * 985, b"a" * 900))
        assert read_response(sock)[0] == 200


# --- 4. connections per address, and a deadline for the whole body --------------------------------------------

def test_one_address_holds_at_most_its_share_of_connections(gallery_factory) -> None:
    gallery = gallery_factory(max_connections_per_client=3, trusted_proxies=("127.0.0.3",))
    port = gallery.http.server_address[1]
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    try:
        wait_for_connections(gallery, 3)
        refused = call(gallery.url, "GET", "/api/health")
        assert_error(refused, 503, "server_busy")
        assert refused.headers["retry-after"] == "1"
        assert call_from(OTHER_ADDRESS, gallery.url, "GET", "/api/health").status == 200
        proxy = [raw_socket(gallery, "127.0.0.3") for _ in range(4)]  # a trusted proxy carries many clients
        for sock in proxy:
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert [read_response(sock)[0] for sock in proxy] == [200] * 4
        for sock in proxy:
            sock.close()
    finally:
        for sock in held:
            sock.close()
    wait_for_connections(gallery)
    assert call(gallery.url, "GET", "/api/health").status == 200  # the count went back down


def test_a_body_trickled_a_byte_a_second_is_cut_off_at_the_deadline(gallery_factory) -> None:
    """REQUEST_TIMEOUT_SECONDS=5 is a deadline for the whole body, not for each read."""
    gallery = gallery_factory(request_timeout_seconds=5.0)
    with raw_socket(gallery) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 60\r\n\r\n")
        started = time.monotonic()
        sock.settimeout(1.0)
        answer = b""
        for byte in b'{"message": "' + b"x" * 40:
            if time.monotonic() - started > 16:
                break
            try:
                sock.sendall(bytes([byte]))
                answer = sock.recv(65536)  # waits a second: the pace of the trickle
            except TimeoutError:
                continue
            except OSError:
                break
            break  # an answer, or the connection closed (b"")
        cut_after = time.monotonic() - started
    print(f"\na body trickled a byte a second was cut off after {cut_after:.1f} s: {answer[:30]!r}")
    assert cut_after < 15, f"a trickled body held the connection {cut_after:.1f} s"
    assert cut_after >= 4  # and not before the deadline
    if answer:
        assert answer.startswith(b"HTTP/1.1 408 ") and b'"code": "timeout"' in answer


# --- 5. (the store: test_hardening_store.py) every 503 says when to come back -------------------------------

# Chats before the index is ready: test_api.py::test_503_until_the_index_is_ready (with their Retry-After).


# --- 6. strict JSON and numbers: 400, never a 500 or a dropped connection -------------------------------------

NESTED = b'{"message": "What is RUD?", "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"


@pytest.mark.parametrize(("path", "raw"), [
    ("/api/chat", NESTED),
    ("/api/chat", b"[" * 60_000),  # deeper than any recursion limit, and not even closed
    ("/v1/chat/completions", b'{"model": "uec-gallery", "messages": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
    ("/api/chat", b'{"message": "What is \\ud800 RUD?"}'),  # a lone surrogate
    ("/api/chat", b'{"message": "What is RUD?", "session_id": "\\udfff"}'),
    ("/v1/chat/completions", b'{"model": "\\ud800", "messages": [{"role": "user", "content": "What is RUD?"}]}'),
    ("/api/chat", b'{"message": NaN}'),
])
def test_hostile_json_is_a_400_with_a_json_body(gallery: GalleryService, path: str, raw: bytes) -> None:
    reply = call(gallery.url, "POST", path, raw=raw, headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "bad_request")


def test_a_surrogate_pair_is_still_fine(gallery: GalleryService) -> None:
    reply = call(gallery.url, "POST", "/api/chat", raw=b'{"message": "What does RUD guarantee? \\ud83d\\ude00"}',
                 headers={"Content-Type": "application/json"})
    assert reply.status == 200
    history = call(gallery.url, "GET", f"/api/sessions/{reply.json()['session_id']}").json()
    assert history["messages"][0]["content"].endswith("\U0001f600")


@pytest.mark.parametrize("length", ["²", "1²", "³", "١٠", "１０", "+10", "1_0", "9" * 5000])
def test_content_length_must_be_ascii_digits(gallery: GalleryService, length: str) -> None:
    """A head is read as ISO-8859-1, where "²" (byte B2) is a character for which isdigit() is true and int()
    fails; int() would read "١٠" and "１０" as 10 (they arrive as UTF-8 bytes here); 5,000 digits are more
    than int() converts. Each is a 4xx with a JSON body, and the connection closes."""
    value = length.encode("latin-1") if max(map(ord, length)) < 256 else length.encode("utf-8")
    with raw_socket(gallery) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                     + value + b"\r\n\r\n" + b'{"message": "hi"}')
        status, headers, body = read_response(sock)
    assert status in (400, 413) and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] in ("bad_request", "payload_too_large")


# --- 7. MAX_TURNS_PER_SESSION and a bounded history ---------------------------------------------------------

def test_a_conversation_past_max_turns_is_a_409(gallery_factory) -> None:
    gallery = gallery_factory(max_turns_per_session=3)
    session_id = new_session(gallery.url)
    for n in range(3):
        assert ask(gallery.url, f"What is RUD? ({n})", session_id).status == 200
    reply = ask(gallery.url, "And ROD?", session_id)
    assert_error(reply, 409, "conversation_full")
    assert "new conversation" in reply.json()["error"]["message"]
    assert len(call(gallery.url, "GET", f"/api/sessions/{session_id}").json()["messages"]) == 6
    assert gallery.sessions._turns == {}  # the refused turn left no lock behind
    assert ask(gallery.url, "And ROD?").status == 200  # a new conversation goes on


def test_an_answer_reads_only_the_recent_history() -> None:
    from mygallery.sessions.manager import HISTORY_MESSAGES

    session = Session("a" * 32, 0.0, 0.0)
    for n in range(150):
        session.add(Message("user", f"question {n}"), Message("assistant", f"answer {n}"))
    recent = session.history()
    assert len(recent) == HISTORY_MESSAGES == 20
    assert recent[0].content == "question 140" and recent[-1].content == "answer 149"


# --- 9. headers on every response, the metrics token, 100-continue ---------------------------------------------

def test_the_connection_limit_503_has_every_header(gallery_factory) -> None:
    gallery = gallery_factory(max_connections=1)
    with socket.create_connection(("127.0.0.1", gallery.http.server_address[1]), timeout=5):
        wait_for_connections(gallery, 1)
        with raw_socket(gallery) as sock:
            status, headers, body = read_response(sock)
    assert status == 503 and json.loads(body)["error"]["code"] == "server_busy"
    assert len(headers["x-request-id"]) == 16 and headers["date"].endswith(" GMT")
    assert headers["server"].startswith("mygallery/") and headers["connection"] == "close"
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy",
                 "cross-origin-opener-policy", "permissions-policy", "cache-control", "retry-after"):
        assert name in headers, name


def test_metrics_need_the_bearer_token_when_one_is_set(gallery_factory) -> None:
    gallery = gallery_factory(metrics_token="scrape-me", admin_token="admin-only")
    missing = call(gallery.url, "GET", "/metrics")
    assert_error(missing, 401, "unauthorized")
    assert "Bearer" in missing.headers["www-authenticate"]
    admin = call(gallery.url, "GET", "/metrics", headers={"Authorization": "Bearer admin-only"})
    assert_error(admin, 403, "forbidden")
    scraped = call(gallery.url, "GET", "/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert scraped.status == 200 and b"mygallery_http_requests_total" in scraped.body


def test_expect_100_continue_with_a_body_over_the_limit_gets_413_not_100(gallery_factory) -> None:
    gallery = gallery_factory(max_body_bytes=1024)
    with raw_socket(gallery) as sock:
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Expect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        status, headers, body = read_response(sock)  # without sending the body
    assert status == 413 and json.loads(body)["error"]["code"] == "payload_too_large"
    assert headers["connection"] == "close"
    with raw_socket(gallery) as sock:  # a body within the limit still gets its 100
        sock.sendall(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Expect: 100-continue\r\nContent-Length: 30\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
    with raw_socket(gallery) as sock:  # an upload has its own limit (curl asks 100-continue for any large file)
        sock.sendall(b"POST /api/admin/documents HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: multipart/form-data; boundary=b\r\nExpect: 100-continue\r\n"
                     b"Content-Length: 200000\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 ")
