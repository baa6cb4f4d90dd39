"""A session store that goes away and comes back (issue 14, item 5): 503 with Retry-After instead of 500,
/api/ready 503 with the reason, no slot held for a request that failed, recovery without a restart.

Over HTTP the store is a real redis-server (SESSION_STORE=redis: the cluster's manager), killed (SIGKILL) and
started again on the same port and data folder. The single-process SessionManager's part is generic — any
store that raises ConnectionError or TimeoutError is handled the same way, checked here with one that does.
"""

from __future__ import annotations

import time

import pytest

from mygallery.errors import GalleryError
from mygallery.sessions.manager import SessionManager
from mygallery.sessions.records import Message
from mygallery.sessions.stores import MemoryStore
from tests.cluster_helpers import RedisServer
from tests.http_helpers import ask, call, new_session


def test_redis_down_is_503_and_nothing_leaks_and_it_recovers(gallery_factory, redis_server: RedisServer) -> None:
    gallery = gallery_factory(session_store="redis", redis_url=redis_server.url, max_sessions=5)
    kept = new_session(gallery.url)
    assert ask(gallery.url, "What does RUD guarantee?", kept).status == 200

    redis_server.kill()
    outage = [call(gallery.url, "POST", "/api/sessions", {}) for _ in range(10)]
    outage += [ask(gallery.url, "What is packet trimming?") for _ in range(3)]  # needs a new session
    outage.append(ask(gallery.url, "And ROD?", kept))  # answered, but the turn cannot be stored
    for reply in outage:
        assert reply.status == 503, reply.body
        assert reply.error_code == "store_unavailable" and int(reply.headers["retry-after"]) >= 1
    ready = call(gallery.url, "GET", "/api/ready")
    assert ready.status == 503 and ready.error_code == "store_unavailable"
    assert "session store" in ready.json()["error"]["message"] and ready.headers["retry-after"]
    assert call(gallery.url, "GET", "/api/health").status == 200  # alive, just not ready
    # nothing held for the failed requests in this process (no turn lock); Redis holds every conversation,
    # so reading one waits for it too (never an old copy)
    assert gallery.sessions._turns == {} and gallery.sessions._held == {}
    assert call(gallery.url, "GET", f"/api/sessions/{kept}").error_code == "store_unavailable"

    redis_server.start()
    assert gallery.sessions.active_count() == 1  # no half-made conversation from the refused creates
    assert len(call(gallery.url, "GET", f"/api/sessions/{kept}").json()["messages"]) == 2  # its stored turn
    started = time.monotonic()
    while ask(gallery.url, "And ROD?", kept).status != 200:
        assert time.monotonic() - started < 15, "no answer within 15 s of the store's return"
        time.sleep(0.2)
    recovered_after = time.monotonic() - started
    assert call(gallery.url, "GET", "/api/ready").status == 200
    assert [m["content"] for m in call(gallery.url, "GET", f"/api/sessions/{kept}").json()["messages"]][::2] == \
        ["What does RUD guarantee?", "And ROD?"]
    assert call(gallery.url, "DELETE", f"/api/sessions/{kept}").status == 204
    creates = [call(gallery.url, "POST", "/api/sessions", {}).status for _ in range(6)]
    assert creates == [201] * 5 + [429], f"creates after recovery: {creates}"  # all five slots were free
    print(f"answering again {recovered_after:.2f} s after redis-server restarted")


class UnreachableStore(MemoryStore):
    """A store whose back end refuses every connection while `down` — what any network store raises."""

    def __init__(self) -> None:
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise ConnectionRefusedError(111, "Connection refused")

    def create(self, session_id: str, now: float) -> None:
        self._check()

    def append(self, session_id: str, messages: list[Message], now: float) -> None:
        self._check()

    def delete(self, session_id: str) -> None:
        self._check()

    def ping(self) -> None:
        self._check()


def test_any_store_raising_connection_errors_gets_the_same_handling() -> None:
    store = UnreachableStore()
    sessions = SessionManager(store, max_sessions=2, timeout_seconds=60, cleanup_interval=60)
    first = sessions.create("10.0.0.1")
    store.down = True
    for action in (lambda: sessions.create("10.0.0.1"),
                   lambda: sessions.record_turn(first, Message("user", "q"), Message("assistant", "a")),
                   lambda: sessions.delete(first.id)):
        with pytest.raises(GalleryError) as failed:
            action()
        assert (failed.value.status, failed.value.code, failed.value.retry_after) == (503, "store_unavailable", 5)
    assert "ConnectionRefusedError" in sessions.store_problem()
    assert sessions.active_count() == 1 and first.encoded == () and sessions._per_client == {"10.0.0.1": 1}
    store.down = False
    assert sessions.store_problem() == ""
    sessions.create("10.0.0.1")  # the slot the failed create took is free
    assert sessions.active_count() == 2
