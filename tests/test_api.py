"""The HTTP API that the chat page, the admin panel and scripts use, against a real server on port 0 (through
http.client): health and readiness, sessions and their isolation between users, chat as JSON and as
server-sent events, every error status the routes answer (400 to 503, each in the JSON error shape), admin,
metrics, /openapi.json and the static pages.

How HTTP itself is spoken — request heads, bodies, keep-alive, pipelining, limits, slow clients — is in
tests/test_http_protocol.py."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from mygallery.engine.index import LiveIndex
from mygallery.service import GalleryService
from tests.conftest import make_settings
from tests.http_helpers import ask, assert_error, call, connect, new_session, sse_events

# --- health and readiness -----------------------------------------------------------------------------------

def test_health_ready_and_security_headers(gallery: GalleryService) -> None:
    health = call(gallery.url, "GET", "/api/health")
    assert health.status == 200
    assert health.json()["status"] == "ok" and health.json()["version"]
    assert len(health.headers["x-request-id"]) == 16
    csp = health.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert health.headers["x-content-type-options"] == "nosniff"
    assert health.headers["x-frame-options"] == "DENY"
    assert health.headers["referrer-policy"] == "no-referrer"
    ready = call(gallery.url, "GET", "/api/ready")
    assert ready.status == 200 and ready.json()["chunks"] > 50


# --- chat and sessions --------------------------------------------------------------------------------------

def test_chat_answers_with_citations_and_records_the_turn(gallery: GalleryService) -> None:
    reply = ask(gallery.url, "What does RUD guarantee?")
    assert reply.status == 200
    body = reply.json()
    assert set(body) >= {"session_id", "answer", "sources", "backend", "latency_ms"}
    assert body["backend"] == "extractive"
    assert body["sources"] and body["sources"][0]["n"] == 1
    assert {"n", "doc", "title", "section", "page", "snippet", "score"} <= set(body["sources"][0])
    assert "delivery-modes.md" in {s["doc"] for s in body["sources"]}
    assert "[1]" in body["answer"] or "[2]" in body["answer"]
    history = call(gallery.url, "GET", f"/api/sessions/{body['session_id']}").json()
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
    assert history["messages"][0]["content"] == "What does RUD guarantee?"
    assert history["messages"][1]["content"] == body["answer"]
    assert history["messages"][1]["sources"] == body["sources"]


def test_session_lifecycle(gallery: GalleryService) -> None:
    created = call(gallery.url, "POST", "/api/sessions", {})
    assert created.status == 201
    session_id = created.json()["session_id"]
    assert len(session_id) == 32 and int(session_id, 16) >= 0  # 128 bits as hex
    assert call(gallery.url, "GET", f"/api/sessions/{session_id}").json()["messages"] == []
    assert call(gallery.url, "DELETE", f"/api/sessions/{session_id}").status == 204
    assert call(gallery.url, "GET", f"/api/sessions/{session_id}").status == 404
    assert ask(gallery.url, "What is LLR?", session_id).status == 404


def test_two_users_never_see_each_others_history(gallery: GalleryService) -> None:
    alice, bob = new_session(gallery.url), new_session(gallery.url)
    ask(gallery.url, "What does RUD guarantee?", alice)
    ask(gallery.url, "What is link level retry?", bob)
    ask(gallery.url, "And what about ROD?", alice)
    alice_msgs = [m["content"] for m in call(gallery.url, "GET", f"/api/sessions/{alice}").json()["messages"]
                  if m["role"] == "user"]
    bob_msgs = [m["content"] for m in call(gallery.url, "GET", f"/api/sessions/{bob}").json()["messages"]
                if m["role"] == "user"]
    assert alice_msgs == ["What does RUD guarantee?", "And what about ROD?"]
    assert bob_msgs == ["What is link level retry?"]


def test_fifty_concurrent_users_stay_isolated(gallery_factory) -> None:
    gallery = gallery_factory(max_sessions=100, max_sessions_per_client=100, rate_limit_per_minute=0)  # one address
    questions = ["What does RUD guarantee?", "What is packet trimming?", "How does NSCC react to ECN?",
                 "什么是 LLR？", "Which profiles does UEC define?"]

    def user(number: int) -> tuple[str, list[str]]:
        session_id = new_session(gallery.url)
        sent = []
        conn = connect(gallery.url)  # one keep-alive connection per user, as a browser would
        try:
            for turn in range(3):
                message = f"user {number} turn {turn}: {questions[(number + turn) % len(questions)]}"
                reply = call(gallery.url, "POST", "/api/chat", {"message": message, "session_id": session_id},
                             conn=conn)
                assert reply.status == 200, reply.body
                assert reply.json()["session_id"] == session_id
                sent.append(message)
        finally:
            conn.close()
        return session_id, sent

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(user, range(50)))
    for session_id, sent in results:
        messages = call(gallery.url, "GET", f"/api/sessions/{session_id}").json()["messages"]
        assert [m["content"] for m in messages if m["role"] == "user"] == sent
        assert [m["role"] for m in messages] == ["user", "assistant"] * 3


def test_one_conversation_answers_one_question_at_a_time(gallery: GalleryService) -> None:
    session_id = new_session(gallery.url)
    barrier = threading.Barrier(4)

    def turn(number: int) -> int:
        barrier.wait()
        return ask(gallery.url, f"question {number}: what is RUD?", session_id).status

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(turn, range(4))) == [200] * 4
    roles = [m["role"] for m in call(gallery.url, "GET", f"/api/sessions/{session_id}").json()["messages"]]
    assert roles == ["user", "assistant"] * 4  # turns never interleave


def test_session_cap_answers_429_with_retry_after(gallery_factory) -> None:
    gallery = gallery_factory(max_sessions=3)
    for _ in range(3):
        new_session(gallery.url)
    refused = call(gallery.url, "POST", "/api/sessions", {})
    assert refused.status == 429
    assert refused.error_code == "too_many_sessions"
    assert int(refused.headers["retry-after"]) >= 1
    # a chat without a session needs a new one too
    assert ask(gallery.url, "What is RUD?").status == 429


def test_janitor_expires_idle_sessions(gallery_factory) -> None:
    gallery = gallery_factory(session_timeout_minutes=0.01, cleanup_interval_seconds=0.1)  # 0.6 s idle timeout
    session_id = new_session(gallery.url)
    assert gallery.sessions.active_count() == 1
    deadline = time.monotonic() + 5
    while gallery.sessions.active_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gallery.sessions.active_count() == 0, "the janitor did not expire the idle session"
    assert call(gallery.url, "GET", f"/api/sessions/{session_id}").status == 404


# --- streaming (server-sent events) -------------------------------------------------------------------------

def test_streaming_sends_tokens_in_order_then_done(gallery: GalleryService) -> None:
    status, events = sse_events(gallery.url, {"message": "How does packet trimming work?", "stream": True})
    assert status == 200
    names = [name for name, _ in events]
    assert names[-1] == "done" and names.count("done") == 1
    assert len(names) > 5 and set(names[:-1]) == {"token"}
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events if name == "token") == done["answer"]
    assert done["sources"] and done["session_id"]
    # the turn was recorded before `done` was sent
    messages = call(gallery.url, "GET", f"/api/sessions/{done['session_id']}").json()["messages"]
    assert messages[-1]["content"] == done["answer"]


def test_accept_header_alone_selects_streaming(gallery: GalleryService) -> None:
    status, events = sse_events(gallery.url, {"message": "What is CBFC?"})
    assert status == 200 and events[-1][0] == "done"


# --- every error status of docs/API.md ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "why"), [
    (b"{not json", "malformed"),
    (b"[1, 2]", "not an object"),
    (b'{"session_id": null}', "missing message"),
    (b'{"message": "   "}', "empty message"),
    (b'{"message": 42}', "message not a string"),
    (b'{"message": "hi", "stream": "yes"}', "stream not a boolean"),
    (b'{"message": "caf\xe9"}', "not UTF-8"),
])
def test_400_for_bad_chat_bodies(gallery: GalleryService, raw: bytes, why: str) -> None:
    assert_error(call(gallery.url, "POST", "/api/chat", raw=raw, headers={"Content-Type": "application/json"}),
           400, "bad_request")


def test_400_for_a_message_over_the_limit(gallery_factory) -> None:
    gallery = gallery_factory(max_message_chars=100)
    assert_error(ask(gallery.url, "x" * 101), 400, "bad_request")
    assert ask(gallery.url, "What is RUD? " + "x" * 80).status == 200


def test_401_and_403_for_admin(gallery_factory) -> None:
    gallery = gallery_factory(admin_token="s3cret-token")
    assert_error(call(gallery.url, "GET", "/api/admin/stats"), 401, "unauthorized")
    assert_error(call(gallery.url, "GET", "/api/admin/stats", headers={"Authorization": "Bearer wrong"}), 403, "forbidden")
    ok = call(gallery.url, "GET", "/api/admin/stats", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status == 200
    stats = ok.json()
    assert {"system", "sessions", "requests", "latency", "index", "backends", "history"} <= set(stats)
    assert stats["index"]["chunks"] > 50 and stats["backends"]["answer"] == "extractive"


def test_admin_without_token_answers_loopback_only(gallery: GalleryService) -> None:
    assert call(gallery.url, "GET", "/api/admin/stats").status == 200  # we are on loopback
    from mygallery.web.http_types import is_loopback
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("::ffff:127.0.0.1")
    assert not is_loopback("10.1.2.3") and not is_loopback("garbage")


def test_404_for_unknown_paths_and_sessions(gallery: GalleryService) -> None:
    assert_error(call(gallery.url, "GET", "/api/nothing-here"), 404, "not_found")
    assert_error(call(gallery.url, "GET", "/api/sessions/" + "0" * 32), 404, "not_found")
    assert_error(call(gallery.url, "GET", "/api/sessions/not-even-hex"), 404, "not_found")
    assert_error(ask(gallery.url, "hello", "f" * 32), 404, "not_found")


def test_405_with_allow_for_wrong_methods(gallery: GalleryService) -> None:
    reply = call(gallery.url, "GET", "/api/chat")
    assert_error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == "POST"
    reply = call(gallery.url, "PUT", "/api/health")
    assert_error(reply, 405, "method_not_allowed")
    assert "GET" in reply.headers["allow"]
    assert_error(call(gallery.url, "BREW", "/api/sessions"), 405, "method_not_allowed")


def test_415_for_non_json_bodies(gallery: GalleryService) -> None:
    assert_error(call(gallery.url, "POST", "/api/chat", raw=b"message=hi",
                headers={"Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type")
    assert_error(call(gallery.url, "POST", "/api/chat", raw=b'{"message": "hi"}'), 415, "unsupported_media_type")


def test_429_for_the_rate_limit(gallery_factory) -> None:
    gallery = gallery_factory(rate_limit_per_minute=3)
    statuses = [ask(gallery.url, "What is RUD?").status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    reply = call(gallery.url, "POST", "/api/sessions", {})
    assert_error(reply, 429, "rate_limited")
    assert int(reply.headers["retry-after"]) >= 1
    assert call(gallery.url, "GET", "/api/health").status == 200  # cheap reads are not limited


def test_requests_through_a_proxy_are_not_local_and_are_limited_per_client(gallery_factory) -> None:
    gallery = gallery_factory(rate_limit_per_minute=2, trusted_proxies=("127.0.0.1",))
    # behind nginx every request comes from 127.0.0.1: without a token the admin API must not trust that
    forwarded = {"X-Forwarded-For": "10.20.30.40"}
    assert_error(call(gallery.url, "GET", "/api/admin/stats", headers=forwarded), 403, "forbidden")
    # the rate limit counts each forwarded client on its own
    for client in ("10.0.0.1", "10.0.0.2"):
        for _ in range(2):
            assert call(gallery.url, "POST", "/api/sessions", {}, headers={"X-Forwarded-For": client}).status == 201
    assert call(gallery.url, "POST", "/api/sessions", {}, headers={"X-Forwarded-For": "10.0.0.1"}).status == 429
    assert call(gallery.url, "POST", "/api/sessions", {}, headers={"X-Forwarded-For": "10.0.0.3"}).status == 201


def test_503_until_the_index_is_ready(tmp_path, no_thread_leak) -> None:
    settings = make_settings(tmp_path, docs_dir=tmp_path / "missing-docs", index_dir=tmp_path / "no-index")
    gallery = GalleryService(settings, library=LiveIndex()).start()
    try:
        deadline = time.monotonic() + 10
        while not gallery.library.problem.startswith("documents folder") and time.monotonic() < deadline:
            time.sleep(0.05)
        reply = call(gallery.url, "GET", "/api/ready")
        assert_error(reply, 503, "not_ready")
        assert "missing-docs" in reply.json()["error"]["message"]
        for path, body in (("/api/chat", {"message": "What is RUD?"}),
                           ("/v1/chat/completions", {"messages": [{"role": "user", "content": "What is RUD?"}]})):
            reply = call(gallery.url, "POST", path, body)
            assert_error(reply, 503, "not_ready")
            assert int(reply.headers["retry-after"]) >= 1  # every 503 says when to come back (issue 14)
        assert call(gallery.url, "GET", "/api/health").status == 200
    finally:
        gallery.stop()


# --- metrics, OpenAPI and the static pages ------------------------------------------------------------------

def test_openapi_and_metrics(gallery: GalleryService) -> None:
    ask(gallery.url, "What is RUD?")
    spec = call(gallery.url, "GET", "/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/chat" in spec["paths"]
    metrics = call(gallery.url, "GET", "/metrics")
    assert metrics.status == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.body.decode()
    assert 'mygallery_http_requests_total{method="POST",route="chat",status="200"}' in text
    assert 'mygallery_answers_total{backend="extractive"}' in text
    assert "mygallery_sessions_active 1.0" in text
    assert "mygallery_http_requests_in_flight 1.0" in text  # the scrape itself


def test_static_pages_and_no_path_escape(gallery: GalleryService) -> None:
    for path in ("/", "/admin"):
        page = call(gallery.url, "GET", path)
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
        again = call(gallery.url, "GET", path, headers={"If-None-Match": page.headers["etag"]})
        assert again.status == 304 and again.body == b""
    for path in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/..%2fpyproject.toml",
                 "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static//etc/passwd", "/static/.hidden",
                 "/static/i18n.js%00.png", "/static/..\\pyproject.toml"):
        assert_error(call(gallery.url, "GET", path), 404, "not_found")
