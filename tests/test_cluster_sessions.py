"""Cluster mode's parts on a real, private redis-server, two or three "instances" in this process: the
ClusterSessionManager (read-through, deletes seen at once, the cluster-wide cap, turns serialised across
instances by an expiring lock, fenced and idempotent appends, idle expiry by any instance), the RedisRateLimiter
(one bucket for the cluster), Redis going away and coming back (503 StoreUnavailable, never a 500, recovery by
itself), and the IndexWatcher switching generations. The same over HTTP, with processes and nginx: test_cluster.py.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from mygallery.config import Settings
from mygallery.engine.embeddings import make_embedder
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.engine.index_watch import IndexWatcher
from mygallery.engine.ingest import ingest
from mygallery.errors import (
    ConversationFull,
    NotFound,
    RateLimited,
    ServerBusy,
    SessionLimit,
    StoreUnavailable,
)
from mygallery.sessions import cluster_scripts as lua
from mygallery.sessions.cluster import ClusterSessionManager
from mygallery.sessions.records import Message
from mygallery.sessions.redis_link import RedisLink, shown_url
from mygallery.web.redis_rate_limit import RedisRateLimiter
from tests.cluster_helpers import RedisServer
from tests.conftest import BUNDLED_DOCS


def manager(url: str, **options) -> ClusterSessionManager:
    settings = {"max_sessions": 100, "timeout_seconds": 60.0, "cleanup_interval": 3600.0, "turn_lock_seconds": 5.0}
    settings.update(options)
    return ClusterSessionManager(RedisLink(url, timeout=1.0), **settings)


@pytest.fixture
def instances(redis_server: RedisServer):
    """Three managers on one Redis, as three server processes would have."""
    made = [manager(redis_server.url) for _ in range(3)]
    yield made
    for each in made:
        each.close()


def turn(manager: ClusterSessionManager, session_id: str, question: str) -> None:
    session = manager.get(session_id)
    assert manager.begin_turn(session, 5)
    try:
        manager.record_turn(session, Message("user", question), Message("assistant", f"answer to {question}"))
    finally:
        manager.end_turn(session)


def test_any_instance_continues_any_conversation_and_deletes_are_seen_at_once(instances) -> None:
    a, b, c = instances
    session = a.create()
    turn(b, session.id, "one")
    turn(c, session.id, "two")
    turn(a, session.id, "three")
    histories = {tuple(m.content for m in each.get(session.id).messages) for each in instances}
    assert histories == {("one", "answer to one", "two", "answer to two", "three", "answer to three")}
    assert b.delete(session.id) and not c.delete(session.id)  # idempotent: gone already
    for each in instances:
        with pytest.raises(NotFound):
            each.get(session.id)


def test_a_turn_in_flight_on_a_deleted_conversation_is_refused(instances) -> None:
    a, b, _ = instances
    session = a.get(a.create().id)
    assert a.begin_turn(session, 1)
    b.delete(session.id)
    with pytest.raises(NotFound):
        a.record_turn(session, Message("user", "q"), Message("assistant", "a"))
    a.end_turn(session)
    with pytest.raises(NotFound):
        b.begin_turn(session, 1)  # and a turn that starts after the delete cannot start at all


def test_the_cap_is_counted_for_the_cluster(redis_server: RedisServer) -> None:
    managers = [manager(redis_server.url, max_sessions=10, timeout_seconds=30.0) for _ in range(3)]
    try:
        results: list[object] = []
        lock = threading.Lock()

        def create(each: ClusterSessionManager) -> None:
            try:
                outcome: object = each.create()
            except SessionLimit as refused:
                outcome = refused
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=create, args=(managers[n % 3],)) for n in range(14)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        refused = [r for r in results if isinstance(r, SessionLimit)]
        assert len(refused) == 4 and len(results) == 14
        assert all(1 <= r.retry_after <= 31 for r in refused)  # when the oldest idle one expires
        assert {m.active_count() for m in managers} == {10}
    finally:
        for each in managers:
            each.close()


def test_turns_of_one_conversation_never_interleave_across_instances(instances) -> None:
    session_id = instances[0].create().id
    failures: list[BaseException] = []

    def tab(each: ClusterSessionManager, number: int) -> None:
        try:
            for round_ in range(5):
                turn(each, session_id, f"tab {number} round {round_}")
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=tab, args=(instances[n % 3], n)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    contents = [m.content for m in instances[1].get(session_id).messages]
    assert len(contents) == 60
    assert all(answer == f"answer to {question}" for question, answer in zip(contents[::2], contents[1::2],
                                                                           strict=True))


def test_a_crashed_holder_blocks_a_conversation_only_until_its_lock_expires(redis_server: RedisServer) -> None:
    crashed, other = manager(redis_server.url, turn_lock_seconds=0.6), manager(redis_server.url)
    try:
        session_id = crashed.create().id
        stuck = crashed.get(session_id)
        assert crashed.begin_turn(stuck, 1)  # and then the instance "dies": no end_turn, no append
        waiting = other.get(session_id)
        assert not other.begin_turn(waiting, 0.2)  # held
        started = time.monotonic()
        assert other.begin_turn(waiting, 5)  # free once the lock expired
        assert 0.2 <= time.monotonic() - started < 1.5
        with pytest.raises(ServerBusy):  # the late holder cannot interleave its turn with the new one
            crashed.record_turn(stuck, Message("user", "late"), Message("assistant", "late"))
        other.record_turn(waiting, Message("user", "q"), Message("assistant", "a"))
        other.end_turn(waiting)
        assert [m.content for m in other.get(session_id).messages] == ["q", "a"]
    finally:
        crashed.close()
        other.close()


def test_an_append_retried_after_a_lost_reply_is_stored_once(instances) -> None:
    a = instances[0]
    session_id = a.create().id
    append = a.link.script(lua.APPEND)
    for _ in range(2):  # what redis-py's one retry does when the reply of the first was lost
        reply = append(keys=lua.keys(session_id), args=[session_id, "token-1", '{"role":"user","content":"q"}'])
        assert reply[0] == 1
    assert len(a.get(session_id).messages) == 1


def test_idle_conversations_expire_for_the_whole_cluster(redis_server: RedisServer) -> None:
    managers = [manager(redis_server.url, timeout_seconds=1.0) for _ in range(2)]
    try:
        a, b = managers
        idle, busy = a.create().id, a.create().id
        time.sleep(0.6)
        turn(b, busy, "still here")
        time.sleep(0.6)
        assert a.active_count() == 1  # the idle one no longer counts, even before any sweep
        with pytest.raises(NotFound):
            b.get(idle)
        deleted: list[int] = []
        threads = [threading.Thread(target=lambda m=m: deleted.append(m.expire_idle())) for m in managers * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(deleted) <= 1  # get() above had removed it already; sweeping at once deletes nothing twice
        assert [len(b.get(busy).messages)] == [2]
        assert [s["messages"] for s in a.summaries()] == [2]
    finally:
        for each in managers:
            each.close()


def test_one_rate_budget_for_the_cluster_and_a_local_one_while_redis_is_away(redis_server: RedisServer) -> None:
    links = [RedisLink(redis_server.url, timeout=1.0) for _ in range(3)]
    limiters = [RedisRateLimiter(link, 10) for link in links]
    try:
        outcomes = []
        for n in range(14):
            try:
                limiters[n % 3].check("10.0.0.7")
                outcomes.append("ok")
            except RateLimited as refused:
                outcomes.append(refused.retry_after)
        assert outcomes[:10] == ["ok"] * 10 and all(isinstance(o, int) and 1 <= o <= 6 for o in outcomes[10:])
        limiters[0].check("10.0.0.8")  # another client has its own bucket
        redis_server.kill()
        for _ in range(10):
            limiters[1].check("10.0.0.7")  # this instance's own bucket, full
        with pytest.raises(RateLimited):
            limiters[1].check("10.0.0.7")
    finally:
        for link in links:
            link.close()


def test_redis_away_is_a_503_and_coming_back_needs_nobody(redis_server: RedisServer) -> None:
    a = manager(redis_server.url)
    try:
        session_id = a.create().id
        turn(a, session_id, "before")
        assert a.active_count() == 1 and a.store_problem() == ""
        redis_server.kill()
        for operation in (a.create, lambda: a.get(session_id), lambda: a.delete(session_id)):
            with pytest.raises(StoreUnavailable) as caught:
                operation()
            assert caught.value.status == 503 and caught.value.retry_after == 2
        assert a.active_count() == 1  # the last figure known, not an error on /metrics
        assert a.summaries() == [] and "unavailable" in a.store_problem() and not a.link.up
        redis_server.start()  # the same port and append-only file
        turn(a, session_id, "after")  # the pool's broken connections are replaced by themselves
        assert [m.content for m in a.get(session_id).messages] == ["before", "answer to before", "after",
                                                                   "answer to after"]
        assert a.link.up and a.store_problem() == "" and a.link.errors >= 3
    finally:
        a.close()


def test_an_unreachable_redis_at_start_is_a_configuration_error_without_the_password() -> None:
    from mygallery.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        RedisLink("redis://user:secret@127.0.0.1:1/0", timeout=0.5)
    assert "REDIS_URL" in str(caught.value) and "secret" not in str(caught.value)
    assert shown_url("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"


def test_the_index_watcher_switches_generations_and_skips_a_broken_one(bundled_index_dir: Path,
                                                                      tmp_path: Path) -> None:
    index_dir, docs = tmp_path / "index", tmp_path / "docs"
    shutil.copytree(bundled_index_dir, index_dir)
    shutil.copytree(BUNDLED_DOCS, docs)
    settings = Settings(docs_dir=docs, index_dir=index_dir)
    embedder = make_embedder(settings)
    library = LiveIndex(HybridIndex.load(index_dir, embedder))
    first = library.current().manifest["generation"]
    installed: list[HybridIndex] = []
    watcher = IndexWatcher(index_dir, library, load=lambda: HybridIndex.load(index_dir, embedder),
                           install=lambda index: (installed.append(index), library.swap(index)), interval=0.05)
    assert not watcher.check()  # the generation served: nothing to do
    (docs / "zebra-notes.md").write_text("# Zebra notes\n\nThe zebra protocol uses striped frames.\n")
    ingest(settings, embedder)
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while not installed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert installed and library.current() is installed[0]
        assert library.current().manifest["generation"] != first
        assert library.current().search("zebra striped frames")[0].chunk.doc == "zebra-notes.md"
        # A manifest naming a generation that is not there: logged and skipped, the index in use stays.
        manifest = (index_dir / "manifest.json").read_text()
        (index_dir / "manifest.json").write_text(manifest.replace(library.current().manifest["generation"],
                                                                  "gen-missing"))
        time.sleep(0.3)
        assert len(installed) == 1 and library.current() is installed[0]
    finally:
        watcher.close()


def test_the_history_cache_is_asked_about_on_every_read_and_never_shows_stale_data(instances) -> None:
    a, b, _ = instances
    session_id = a.create().id
    turn(a, session_id, "one")
    assert len(a.get(session_id).messages) == 2 and a.cache.known(session_id)  # A holds two messages
    turn(b, session_id, "two")  # another instance goes on
    assert [m.content for m in a.get(session_id).messages][-2:] == ["two", "answer to two"]
    # A cached prefix that does not fit the list any more (cannot happen with fresh ids; forced here) is
    # dropped and the history read whole.
    a.link.client.ltrim(f"mygallery:messages:{session_id}", 0, 1)
    assert [m.content for m in a.get(session_id).messages] == ["one", "answer to one"]
    b.delete(session_id)
    with pytest.raises(NotFound):
        a.get(session_id)
    assert a.cache.known(session_id) == ()


def test_a_rating_on_one_instance_is_seen_by_another_that_cached_the_conversation(instances) -> None:
    a, b, _ = instances
    session_id = a.create().id
    turn(a, session_id, "one")
    turn(a, session_id, "two")
    assert a.cache.known(session_id) and b.get(session_id).messages[1].feedback is None  # both hold it now
    question, rated = b.set_feedback(b.get(session_id), 1, {"rating": "down", "comment": "vague"}, 5)
    assert question.content == "one" and rated.feedback["rating"] == "down"
    for reader in (a, b):  # the rewritten message, not a cached copy of the old one
        assert [m.feedback for m in reader.get(session_id).messages][1::2] == [{"rating": "down",
                                                                                "comment": "vague"}, None]
    turn(a, session_id, "three")  # a turn taken with the cached prefix sees the rating too
    assert a.get(session_id).messages[1].feedback["comment"] == "vague"
    assert len(b.get(session_id).messages) == 6


def test_the_share_of_one_address_and_the_turn_limit_hold_for_the_cluster(redis_server: RedisServer) -> None:
    a, b = (manager(redis_server.url, max_per_client=3, max_turns=2) for _ in range(2))
    try:
        held = [a.create("10.0.0.5"), b.create("10.0.0.5"), a.create("10.0.0.5")]
        with pytest.raises(SessionLimit):
            b.create("10.0.0.5")  # its share of the whole cluster, whichever instance is asked
        assert b.create("10.0.0.6")  # another address has its own share
        assert b.delete(held[0].id)
        assert a.create("10.0.0.5")  # a deleted conversation frees its place in the share at once
        turn(a, held[1].id, "one")
        turn(b, held[1].id, "two")
        with pytest.raises(ConversationFull):
            a.begin_turn(a.get(held[1].id), 1)  # MAX_TURNS counted on the history in Redis
        other = b.get(held[1].id)
        with pytest.raises(ConversationFull):
            b.begin_turn(other, 1)  # refused again, so the lock of the refused turn was given back
    finally:
        a.close()
        b.close()


def test_the_history_cache_keeps_within_its_size() -> None:
    from mygallery.sessions.history_cache import HistoryCache

    cache = HistoryCache(max_bytes=100)
    cache.keep("a", (b"x" * 40,))
    cache.keep("b", (b"y" * 40,))
    cache.known("a")  # a was used last: b goes first
    cache.keep("c", (b"z" * 40,))
    assert (cache.known("a"), cache.known("b"), len(cache)) == ((b"x" * 40,), (), 2)
    cache.keep("a", (b"x" * 20, b"x" * 20))
    cache.keep("a", (b"x" * 20,))  # a read that saw fewer messages never replaces one that saw more
    assert cache.known("a") == (b"x" * 20, b"x" * 20)
    cache.keep("huge", (b"h" * 101,))
    assert cache.known("huge") == ()


def test_in_process_instances_name_themselves_and_answer_503_while_redis_is_away(gallery_factory,
                                                                              redis_server: RedisServer) -> None:
    """Two GalleryServices on one Redis (joined, no thread left: gallery_factory): X-Instance on every response,
    a conversation of one read on the other, Redis away as 503 with Retry-After on the session routes and
    /api/ready, /metrics still answering, and all of it back by itself."""
    from tests.http_helpers import assert_error, call

    one = gallery_factory(session_store="redis", redis_url=redis_server.url, instance_id="one")
    two = gallery_factory(session_store="redis", redis_url=redis_server.url)
    single = gallery_factory()
    assert call(one.url, "GET", "/api/health").headers["x-instance"] == "one"
    assert call(two.url, "GET", "/nowhere").headers["x-instance"] == f"{socket.gethostname()}:{two.url.rpartition(':')[2]}"
    assert "x-instance" in call(single.url, "GET", "/api/health").headers  # one process names itself too
    assert "mygallery_redis_up" not in call(single.url, "GET", "/metrics").body.decode()
    session_id = call(one.url, "POST", "/api/sessions", {}).json()["session_id"]
    assert call(two.url, "POST", "/api/chat", {"message": "What does RUD guarantee?",
                                               "session_id": session_id}).status == 200
    assert len(call(one.url, "GET", f"/api/sessions/{session_id}").json()["messages"]) == 2
    metrics = call(one.url, "GET", "/metrics").body.decode()
    assert "mygallery_redis_up 1.0" in metrics and "mygallery_ready 1.0" in metrics

    redis_server.kill()
    for method, path, body in (("POST", "/api/sessions", {}), ("GET", f"/api/sessions/{session_id}", None),
                               ("POST", "/api/chat", {"message": "And ROD?", "session_id": session_id}),
                               ("DELETE", f"/api/sessions/{session_id}", None)):
        reply = call(two.url, method, path, body)
        assert_error(reply, 503, "store_unavailable")
        assert reply.headers["retry-after"] == "2"
    ready = call(one.url, "GET", "/api/ready")
    assert_error(ready, 503, "store_unavailable")  # the same code as every other request that needs the store
    assert "session store (Redis) is unavailable" in ready.json()["error"]["message"]
    assert redis_server.url.rsplit(":", 1)[-1].split("/")[0] not in ready.body.decode()  # public: no address
    redis_view = call(one.url, "GET", "/api/admin/stats").json()["cluster"]["redis"]
    assert redis_view["up"] is False and "Redis at" in redis_view["problem"]  # the operator sees where
    metrics = call(two.url, "GET", "/metrics")
    assert metrics.status == 200 and "mygallery_redis_up 0.0" in metrics.body.decode()
    assert call(two.url, "POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "RUD?"}]}
                ).status == 200  # needs no conversation: its rate limit falls back to the instance's own

    redis_server.start()
    assert call(one.url, "GET", "/api/ready").status == 200
    assert call(two.url, "POST", "/api/chat", {"message": "And ROD?", "session_id": session_id}).status == 200
    assert len(call(one.url, "GET", f"/api/sessions/{session_id}").json()["messages"]) == 4


def test_a_hung_redis_is_a_503_after_redis_timeout_seconds_not_a_hang(redis_server: RedisServer) -> None:
    """Redis frozen (SIGSTOP: connections accepted, nothing answered) stands for a Redis too slow to use."""
    import os
    import signal

    slow = ClusterSessionManager(RedisLink(redis_server.url, timeout=0.5), max_sessions=10, timeout_seconds=60,
                                 cleanup_interval=3600, turn_lock_seconds=5)
    try:
        session_id = slow.create().id
        os.kill(redis_server.process.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="TimeoutError"):
                slow.get(session_id)
            assert 0.4 <= time.monotonic() - started < 1.5  # one timeout: a timeout is not retried
        finally:
            os.kill(redis_server.process.pid, signal.SIGCONT)
        assert slow.get(session_id).id == session_id and slow.link.up
    finally:
        slow.close()
