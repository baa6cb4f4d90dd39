"""Session stores on real back ends: SQLite (WAL file) and Redis (a private redis-server), through the
SessionManager — restore after restart, refusal after delete, idle expiry, concurrent turns — and MemoryStore
(SESSION_STORE=memory) wherever what is checked applies to a store that keeps nothing across a restart."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from mygallery.engine.answer_types import AnswerResult, Source
from mygallery.errors import ConfigError, NotFound
from mygallery.sessions.manager import SessionManager
from mygallery.sessions.records import SessionStore
from mygallery.sessions.stores import MemoryStore, Message, SqliteStore, make_store
from mygallery.web.chat import encoded_reply
from tests.http_helpers import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class StoreOpener:
    """Opens one kind of store anew on each call, as a restarted server would. `persists`: whether a store opened
    again holds what the one before was given — not so MemoryStore, which keeps nothing beyond its manager."""

    def __init__(self, opener: Callable[[], SessionStore], *, persists: bool = True) -> None:
        self._opener = opener
        self.persists = persists

    def __call__(self) -> SessionStore:
        return self._opener()


PERSISTENT_STORES = ["sqlite", "redis"]
EVERY_STORE = ["memory", *PERSISTENT_STORES]


@pytest.fixture
def open_store(request, tmp_path: Path) -> StoreOpener:
    """The store kind a test is parametrized with (indirect=True): PERSISTENT_STORES or EVERY_STORE."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return StoreOpener(lambda: make_store("redis", sqlite_path=tmp_path / "unused.db", redis_url=url))
    if request.param == "memory":
        return StoreOpener(lambda: make_store("memory", sqlite_path=tmp_path / "unused.db"), persists=False)
    return StoreOpener(lambda: make_store("sqlite", sqlite_path=tmp_path / "sessions.db"))


def manager(store, clock: Clock) -> SessionManager:
    return SessionManager(store, max_sessions=100, timeout_seconds=60, cleanup_interval=3600, clock=clock)


# Not MemoryStore: surviving a restart is what it does not do (nothing is kept past the process).
@pytest.mark.parametrize("open_store", PERSISTENT_STORES, indirect=True)
def test_turns_survive_a_restart_and_idle_sessions_do_not(open_store) -> None:
    clock = Clock()
    first = manager(open_store(), clock)
    kept, idle, deleted = first.create(), first.create(), first.create()
    first.record_turn(kept, Message("user", "What is RUD?"),
                      Message("assistant", "Reliable unordered [1].", [{"n": 1, "doc": "a.md"}], "a notice"))
    clock.now += 30
    first.record_turn(kept, Message("user", "和 ROD 有什么区别？"), Message("assistant", "ROD 有序 [1]。"))
    first.delete(deleted.id)
    first.store.close()  # no graceful shutdown needed: every turn was committed when it was recorded

    clock.now += 40  # `idle` has now been idle 70 s > 60 s; `kept` 40 s
    second = manager(open_store(), clock)
    restored = second.get(kept.id)
    assert [m.to_json() for m in restored.messages] == [
        {"role": "user", "content": "What is RUD?"},
        {"role": "assistant", "content": "Reliable unordered [1].", "sources": [{"n": 1, "doc": "a.md"}],
         "notice": "a notice"},
        {"role": "user", "content": "和 ROD 有什么区别？"},
        {"role": "assistant", "content": "ROD 有序 [1]。"},
    ]
    for gone in (idle.id, deleted.id):
        with pytest.raises(NotFound):
            second.get(gone)
    assert second.active_count() == 1
    second.close()


# Not MemoryStore: it keeps no sessions, so it cannot know one was deleted and its append accepts the late turn.
@pytest.mark.parametrize("open_store", PERSISTENT_STORES, indirect=True)
def test_a_turn_for_a_deleted_session_is_refused(open_store) -> None:
    store = open_store()
    store.create("a" * 32, 1.0)
    store.delete("a" * 32)
    with pytest.raises(NotFound):
        store.append("a" * 32, [Message("user", "late question")], 2.0)
    assert store.load_active(0) == []
    store.close()


@pytest.mark.parametrize("open_store", EVERY_STORE, indirect=True)
def test_concurrent_turns_on_many_sessions_all_land(open_store) -> None:
    clock = Clock()
    sessions = manager(open_store(), clock)
    created = [sessions.create() for _ in range(20)]

    def talk(session) -> None:
        for turn in range(5):
            assert sessions.begin_turn(session, 10)
            try:
                sessions.record_turn(session, Message("user", f"{session.id} q{turn}"),
                                     Message("assistant", f"a{turn}"))
            finally:
                sessions.end_turn(session)

    threads = [threading.Thread(target=talk, args=(s,)) for s in created]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sessions.store.close()
    if open_store.persists:
        reopened = {r.id: r for r in open_store().load_active(0)}
    else:  # MemoryStore keeps nothing to reopen: the turns must have landed in the manager's live sessions
        reopened = {s.id: sessions.get(s.id) for s in created}
    for session in created:
        assert [m.content for m in reopened[session.id].messages if m.role == "user"] == \
            [f"{session.id} q{turn}" for turn in range(5)]


def test_sqlite_store_is_in_wal_mode_and_backs_up_consistently(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    store.create("b" * 32, 1.0)
    store.append("b" * 32, [Message("user", "q"), Message("assistant", "a")], 2.0)
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.backup_to(tmp_path / "copy.db")
    store.close()
    copy = SqliteStore(tmp_path / "copy.db")
    assert [m.content for m in copy.load_active(0)[0].messages] == ["q", "a"]
    copy.close()


def test_sqlite_turns_that_wait_during_a_commit_share_the_next_one(tmp_path: Path) -> None:
    """Group commit: five turns that arrive while another commits are written by one transaction, each durable
    (another connection reads it) when its append returns; a turn of a conversation deleted meanwhile is
    refused without keeping the others from committing."""
    store = SqliteStore(tmp_path / "s.db")
    for n in range(7):
        store.create(f"s{n}", 1.0)
    outcomes: dict[str, BaseException | None] = {}

    def append(session_id: str) -> None:
        try:
            store.append(session_id, [Message("user", f"q {session_id}"), Message("assistant", f"a {session_id}")], 2.0)
            outcomes[session_id] = None
        except BaseException as error:  # noqa: BLE001 - looked at below
            outcomes[session_id] = error

    def waiting(count: int) -> None:
        deadline = time.monotonic() + 10
        while len(store._pending) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(store._pending) == count

    store.delete("s6")
    threads = [threading.Thread(target=append, args=(f"s{n}",)) for n in range(7)]
    with store._db_lock:  # the connection is busy: the first turn's commit waits for it
        threads[0].start()
        deadline = time.monotonic() + 10
        while not store._committing and time.monotonic() < deadline:
            time.sleep(0.005)
        for thread in threads[1:]:
            thread.start()
        waiting(6)  # the other six wait for the first commit to end
    for thread in threads:
        thread.join(10)
    assert store.commits == 2  # the first turn alone, then the five live ones together
    assert isinstance(outcomes.pop("s6"), NotFound) and set(outcomes.values()) == {None}
    reader = SqliteStore(tmp_path / "s.db")
    stored = {record.id: [m.content for m in record.messages] for record in reader.load_active(0.0)}
    assert stored == {f"s{n}": [f"q s{n}", f"a s{n}"] for n in range(6)}
    reader.close()
    store.close()


def test_unreachable_redis_is_a_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REDIS_URL"):
        make_store("redis", sqlite_path=tmp_path / "x.db", redis_url=f"redis://127.0.0.1:{free_port()}/0")


def test_one_turn_at_a_time_per_conversation_and_no_lock_left_behind() -> None:
    sessions = SessionManager(MemoryStore(), max_sessions=10, timeout_seconds=60, cleanup_interval=60)
    first, second = sessions.create(), sessions.create()
    assert sessions.begin_turn(first, 1)
    assert sessions.begin_turn(second, 0.1)  # another conversation is not held up
    assert not sessions.begin_turn(first, 0.1)  # the same conversation waits, then gives up

    started = threading.Event()
    landed: list[bool] = []

    def waiting_tab() -> None:
        started.set()
        landed.append(sessions.begin_turn(first, 10))
        sessions.end_turn(first)

    tab = threading.Thread(target=waiting_tab)
    tab.start()
    started.wait()
    time.sleep(0.05)
    assert not landed  # still waiting for the first turn
    sessions.end_turn(first)
    tab.join(10)
    sessions.end_turn(second)
    assert landed == [True]
    assert sessions._turns == {}  # locks exist only while a turn runs or waits


@pytest.mark.parametrize("answered", [True, False])
@pytest.mark.parametrize("notice", ["", "The language model is unavailable (\"timeout\"); showing an extractive answer."])
def test_one_encoding_serves_the_stored_message_and_the_chat_response(notice: str, answered: bool) -> None:
    """encoded_reply splices one encoding of the answer and its sources (each passage's fields encoded once per
    process) into both texts; each must be what encoding the plain objects gives (quotes, back-slashes, CJK,
    line breaks, control characters, a tiny score and all) — the second time too."""
    result = AnswerResult('RUD "delivers" each packet once\\n — 可靠无序交付。\n\nSee [1] [2].',
                          [Source(1, "a.md", "A", "RUD", 3, 'snippet "quoted" \\ 拥塞', 0.123456),
                           Source(2, "b.pdf", "B", "", None, "", 0.5),
                           Source(12, "c\u00e9.md", "T\n\u2028", "x > y", 7, "\t</script> \x00", 1e-9),
                           Source(13, "d.md", "D", "", None, "z", np.float64(0.123456789))],
                          "extractive", 12.3456, notice, answered)
    encoded_reply("0123abcd" * 4, result)
    message, body = encoded_reply("0123abcd" * 4, result)
    assert message.text == json.dumps(message.to_json(), ensure_ascii=False)
    assert json.loads(message.text) == {"role": "assistant", "content": result.answer, "answered": answered,
                                        "sources": [s.to_json() for s in result.sources], **({"notice": notice} if notice else {})}
    assert Message.from_json(json.loads(message.text)).answered is answered
    assert json.loads(body) == {"session_id": "0123abcd" * 4, **result.to_json()}
    assert body == json.dumps({"session_id": "0123abcd" * 4, **result.to_json()}, ensure_ascii=False)
    plain = Message("user", "什么是 \"RUD\"?")
    assert plain.to_json_text() == json.dumps(plain.to_json(), ensure_ascii=False)


def test_a_live_conversation_keeps_its_messages_as_utf8_json() -> None:
    """The session table holds each message as the UTF-8 of the JSON the store writes (a str with one Chinese
    character in it takes two bytes for every character, an emoji four), and reads them back unchanged."""
    sessions = manager(MemoryStore(), Clock())
    session = sessions.create()
    question, answer = Message("user", "和 ROD 有什么区别？"), Message("assistant", "ROD 有序 [1]。 👍", [{"n": 1}])
    sessions.record_turn(session, question, answer)
    live = sessions.get(session.id)
    assert live.encoded == (question.to_json_text().encode("utf-8"), answer.to_json_text().encode("utf-8"))
    assert [m.to_json() for m in live.messages] == [question.to_json(), answer.to_json()]
    assert sum(map(len, live.encoded)) < sum(len(m.to_json_text()) * 2 for m in (question, answer))


@pytest.mark.parametrize("open_store", EVERY_STORE, indirect=True)
def test_expiry_follows_last_activity_not_creation(open_store) -> None:
    """The table is kept in order of last activity: a turn makes an old conversation the most recent, so expiry
    (which stops at the first session still within the timeout) removes exactly the idle ones, in the running
    server and after a restart; the admin list shows the most recent first."""
    clock = Clock()
    sessions = manager(open_store(), clock)
    first, second, third = sessions.create(), sessions.create(), sessions.create()
    clock.now += 50
    sessions.record_turn(first, Message("user", "still here"), Message("assistant", "yes [1]"))
    assert [s["id_prefix"] for s in sessions.summaries()] == [first.id[:8], third.id[:8], second.id[:8]]
    clock.now += 20  # second and third idle 70 s > 60 s; first 20 s
    assert sessions.expire_idle() == 2
    assert sessions.get(first.id) is first and sessions.active_count() == 1
    for gone in (second, third):
        with pytest.raises(NotFound):
            sessions.get(gone.id)
    fourth = sessions.create()
    sessions.store.close()
    if not open_store.persists:
        return  # the rest is after a restart, which MemoryStore comes out of empty (by design)

    clock.now += 45  # first idle 65 s, fourth 45 s
    restarted = manager(open_store(), clock)  # restored oldest first, whatever order the store returns
    assert restarted.active_count() == 1 and restarted.get(fourth.id).id == fourth.id
    restarted.record_turn(restarted.get(fourth.id), Message("user", "q"), Message("assistant", "a"))
    fifth = restarted.create()
    clock.now += 61
    assert restarted.expire_idle() == 2 and restarted.active_count() == 0
    with pytest.raises(NotFound):
        restarted.get(fifth.id)
    restarted.close()
