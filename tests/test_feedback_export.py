"""Ratings kept with the conversation in every store, the question log behind the admin's reports (unanswered and
most asked questions, feedback; bounded; CSV without formulas), and conversations exported as Markdown or JSON."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path

import pytest

from mygallery.errors import BadRequest, NotFound
from mygallery.sessions import question_log
from mygallery.sessions.manager import SessionManager
from mygallery.sessions.question_log import QuestionLog, normal_form
from mygallery.sessions.stores import Message, make_store
from mygallery.web.reports import neutralised
from tests.http_helpers import ask, call
from tests.knowledge_helpers import AUTH

RECIPE = "How long should I knead sourdough bread dough before the first proof?"
FEEDBACK = {"rating": "up", "comment": "", "at": "2026-01-01T00:00:00Z"}


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store_kind(request) -> tuple[str, str]:
    url = request.getfixturevalue("redis_url") if request.param == "redis" else ""
    return request.param, url


def test_a_rating_is_kept_with_its_conversation_in_every_store(store_kind, tmp_path: Path) -> None:
    kind, url = store_kind

    def manager() -> SessionManager:
        return SessionManager(make_store(kind, sqlite_path=tmp_path / "s.db", redis_url=url), max_sessions=10,
                              timeout_seconds=600, cleanup_interval=3600)

    first = manager()
    session = first.create()
    first.record_turn(session, Message("user", "What is RUD?"),
                      Message("assistant", "Reliable unordered [1].", [{"n": 1, "doc": "a.md"}], answered=True))
    first.record_turn(session, Message("user", "And ROD?"), Message("assistant", "Ordered [1].", [], answered=True))
    question, rated = first.set_feedback(session, 3, {**FEEDBACK, "rating": "down", "comment": "too short"}, 1)
    assert question.content == "And ROD?" and rated.content == "Ordered [1]."
    first.set_feedback(session, 1, FEEDBACK, 1)
    with pytest.raises(BadRequest):
        first.set_feedback(session, 2, FEEDBACK, 1)  # a question
    with pytest.raises(NotFound):
        first.set_feedback(session, 4, FEEDBACK, 1)
    expected = [None, FEEDBACK, None, {**FEEDBACK, "rating": "down", "comment": "too short"}]
    assert [m.feedback for m in first.get(session.id).messages] == expected
    assert first.get(session.id).to_json()["messages"][3]["feedback"]["comment"] == "too short"
    first.store.close()
    if kind != "memory":  # a restart finds the ratings with the conversation
        second = manager()
        assert [m.feedback for m in second.get(session.id).messages] == expected
        second.store.delete(session.id)
        with pytest.raises(NotFound):
            second.store.set_feedback(session.id, 1, Message("assistant", "x", feedback=FEEDBACK))
        second.close()


def test_feedback_api_and_the_admin_feedback_report(knowledge_gallery) -> None:
    gallery = knowledge_gallery()
    url = gallery.url
    reply = ask(url, "What does RUD guarantee?").json()
    session, index = reply["session_id"], reply["message_index"]
    assert index == 1
    second = ask(url, "And how is ROD different?", session).json()
    assert second["message_index"] == 3

    def rate(body: dict, **headers) -> int:
        return call(url, "POST", "/api/feedback", body, headers=headers or None).status

    comment = "=HYPERLINK(\"http://evil.example\") missed the ordering rules"
    assert rate({"session_id": session, "message_index": 3, "rating": "down", "comment": comment}) == 204
    assert rate({"session_id": session, "message_index": 1, "rating": "down"}) == 204
    assert rate({"session_id": session, "message_index": 1, "rating": "up", "comment": None}) == 204  # replaces
    for body, status in [({"session_id": session, "message_index": 0, "rating": "up"}, 400),  # a question
                         ({"session_id": session, "message_index": 9, "rating": "up"}, 404),
                         ({"session_id": "0" * 32, "message_index": 1, "rating": "up"}, 404),
                         ({"session_id": session, "message_index": 1, "rating": "meh"}, 400),
                         ({"session_id": session, "message_index": -1, "rating": "up"}, 400),
                         ({"session_id": session, "message_index": True, "rating": "up"}, 400),
                         ({"session_id": session, "message_index": 1, "rating": "up", "comment": "x" * 2001}, 400),
                         ({"message_index": 1, "rating": "up"}, 400)]:
        assert rate(body) == status, body
    assert call(url, "POST", "/api/feedback", raw=b"rating=up", headers={"Content-Type": "text/plain"}).status == 415
    messages = call(url, "GET", f"/api/sessions/{session}").json()["messages"]
    assert [m.get("feedback", {}).get("rating") for m in messages] == [None, "up", None, "down"]

    report = call(url, "GET", "/api/admin/feedback", headers=AUTH).json()
    assert report["days"] == 30 and len(report["feedback"]) == 2
    down = report["feedback"][0] if report["feedback"][0]["rating"] == "down" else report["feedback"][1]
    assert down["question"] == "And how is ROD different?" and down["comment"] == comment
    assert down["answer"] == second["answer"] and down["session"] == session[:8]
    assert [s["doc"] for s in down["sources"]] == [s["doc"] for s in second["sources"]]
    only_down = call(url, "GET", "/api/admin/feedback?rating=down", headers=AUTH).json()["feedback"]
    assert [f["rating"] for f in only_down] == ["down"]

    exported = call(url, "GET", "/api/admin/feedback?format=csv&days=7", headers=AUTH)
    assert exported.status == 200 and exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"].startswith('attachment; filename="feedback-7d-')
    rows = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert rows[0] == ["time", "rating", "question", "answer", "sources", "comment", "answered", "session"]
    assert "'" + comment in [row[5] for row in rows[1:]]  # the formula is text in a spreadsheet
    for query, status in [("?format=xml", 400), ("?days=0", 400), ("?days=abc", 400), ("?rating=meh", 400)]:
        assert call(url, "GET", f"/api/admin/feedback{query}", headers=AUTH).status == status, query
    assert call(url, "GET", "/api/admin/feedback").status == 401


def test_reports_outlive_the_conversations(knowledge_gallery) -> None:
    """Unanswered and most-asked questions, counted across conversations (in any spelling of the question), still
    there when every conversation has expired; CSV exports neutralise formulas."""
    gallery = knowledge_gallery(session_timeout_minutes=0.01, cleanup_interval_seconds=0.2)
    url = gallery.url
    for question in (RECIPE, RECIPE.upper(), "  how long should I knead sourdough bread dough before the first "
                     "proof  ", "What does RUD guarantee?", "What does RUD guarantee", "=1+2 what is LLR?"):
        reply = ask(url, question).json()
        assert reply["answered"] is (RECIPE.lower()[:20] not in question.lower().strip()[:20]), (question, reply)
    time.sleep(1.0)  # 0.6 s of idle time expires them; the janitor sweeps every 0.2 s
    assert gallery.sessions.active_count() == 0

    unanswered = call(url, "GET", "/api/admin/questions?kind=unanswered", headers=AUTH).json()
    assert unanswered["kind"] == "unanswered" and len(unanswered["questions"]) == 1
    entry = unanswered["questions"][0]
    assert normal_form(entry["question"]) == normal_form(RECIPE) and entry["count"] == entry["unanswered"] == 3
    assert entry["first_asked"] <= entry["last_asked"] and isinstance(entry["docs"], list)
    top = call(url, "GET", "/api/admin/questions?kind=top&days=1", headers=AUTH).json()["questions"]
    assert [(q["count"], q["unanswered"]) for q in top[:2]] == [(3, 3), (2, 0)] and len(top) == 3
    exported = call(url, "GET", "/api/admin/questions?kind=top&format=csv", headers=AUTH)
    rows = list(csv.reader(io.StringIO(exported.body.decode("utf-8-sig"))))
    assert rows[0] == ["question", "count", "unanswered", "first_asked", "last_asked", "related_documents"]
    assert "'=1+2 what is LLR?" in [row[0] for row in rows] and all(not row[0].startswith("=") for row in rows)
    for query in ("", "?kind=all", "?kind=top&days=99999", "?kind=top&format=pdf"):
        assert call(url, "GET", f"/api/admin/questions{query}", headers=AUTH).status == 400, query


class _SlowFor:
    """A lock that makes one thread wait a while before it takes it."""

    def __init__(self, lock, thread_name: str, seconds: float) -> None:
        self.lock, self.thread_name, self.seconds = lock, thread_name, seconds

    def __enter__(self):
        if threading.current_thread().name == self.thread_name:
            time.sleep(self.seconds)
        self.lock.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.lock.release()


def test_a_report_sees_a_question_another_flush_is_still_writing(tmp_path: Path) -> None:
    """Two flushes at once (the writer thread and a report, or two reports of the admin page): the report must
    not read the file while the question it owes is in the other flush's hands. The admin page's top-questions
    table once missed a question its unanswered table showed."""
    log = QuestionLog(tmp_path / "q.db", keep_days=2, max_rows=100)
    log.record("first?", True, ["a.md"])
    log.flush()
    log.record("second?", False, ["a.md"])
    log._db_lock = _SlowFor(log._db_lock, "slow-flush", 0.3)  # the other flush is slow to reach the file
    other = threading.Thread(target=log.flush, name="slow-flush")
    other.start()
    time.sleep(0.05)
    assert {q["question"] for q in log.questions(days=1, unanswered_only=False)} == {"first?", "second?"}
    other.join()
    log.close()


def test_the_question_log_is_bounded_in_rows_days_and_memory(tmp_path: Path, monkeypatch) -> None:
    now = [1_000_000.0]
    log = QuestionLog(tmp_path / "q.db", keep_days=2, max_rows=5, clock=lambda: now[0])
    for n in range(8):
        now[0] += 1
        log.record(f"question {n}?", n % 2 == 0, ["a.md"])
        log.rate(f"k{n}", rating="down", comment="", question=f"question {n}", answer="x" * 10_000, answered=True,
                 sources=[], session="abcd1234")
    kept = log.questions(days=1, unanswered_only=False)
    assert sorted(q["question"] for q in kept) == [f"question {n}?" for n in range(3, 8)]
    assert len(log.feedback(days=1)) == 5 and len(log.feedback(days=1)[0]["answer"]) == question_log.ANSWER_CHARS
    now[0] += 1  # a rating given again is the newest: kept, and the oldest other goes at the next flush
    log.rate("k3", rating="up", comment="", question="question 3", answer="y", answered=True, sources=[],
             session="abcd1234")
    log.record("question 8?", True, ["a.md"])
    log.flush()
    assert sorted(q["question"] for q in log.questions(days=1, unanswered_only=False)) == \
        [f"question {n}?" for n in range(4, 9)]
    assert {(f["question"], f["rating"]) for f in log.feedback(days=1)} == \
        {("question 3", "up")} | {(f"question {n}", "down") for n in range(4, 8)}
    now[0] += 3 * 86400  # past QUESTIONS_KEEP_DAYS: the next flush deletes them all
    log.flush()
    assert log.questions(days=10, unanswered_only=False) == [] and log.feedback(days=10) == []
    monkeypatch.setattr(question_log, "BUFFER_MAX", 3)
    for n in range(5):
        log.record(f"burst {n}", True, [])
    assert log.dropped == 2 and len(log.questions(days=1, unanswered_only=False)) == 3
    log.close()
    assert normal_form("  What is RUD？ ") == normal_form("what is  rud") == "what is rud"
    assert [neutralised(v) for v in ("=1", "+1", "-1", "@x", "\tx", "ok", None, 3)] == \
        ["'=1", "'+1", "'-1", "'@x", "'\tx", "ok", "", "3"]


def test_a_conversation_exports_as_markdown_and_json(knowledge_gallery) -> None:
    gallery = knowledge_gallery()
    url = gallery.url
    first = ask(url, "# What does RUD guarantee?").json()
    session = first["session_id"]
    ask(url, RECIPE, session)
    assert call(url, "POST", "/api/feedback", {"session_id": session, "message_index": 1, "rating": "down",
                                               "comment": "needs the retry rules"}).status == 204

    exported = call(url, "GET", f"/api/sessions/{session}/export?format=md")
    assert exported.status == 200 and exported.headers["content-type"] == "text/markdown; charset=utf-8"
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="conversation-{session[:8]}-') and disposition.endswith('.md"')
    text = exported.body.decode("utf-8")
    assert text.startswith("# Conversation: # What does RUD guarantee?")
    assert "> # What does RUD guarantee?" in text and f"> {RECIPE}" in text  # questions quoted, never headings
    assert first["answer"].strip().splitlines()[0] in text
    assert "**Sources**" in text and all(f"`{s['doc']}`" in text for s in first["sources"])
    assert "*Rated not helpful (👎): needs the retry rules*" in text
    assert "*The documents do not contain the answer; the sources below are related reading.*" in text
    assert call(url, "GET", f"/api/sessions/{session}/export").body.decode().split("\n", 1)[0] == text.split("\n", 1)[0]

    as_json = call(url, "GET", f"/api/sessions/{session}/export?format=json")
    assert as_json.headers["content-disposition"].endswith('.json"')
    body = json.loads(as_json.body)
    assert body["session_id"] == session and body["title"] == "# What does RUD guarantee?" and body["exported_at"]
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user", "assistant"]
    assert body["messages"][1]["sources"] == first["sources"] and body["messages"][3]["answered"] is False
    assert call(url, "GET", f"/api/sessions/{session}/export?format=xml").status == 400
    assert call(url, "GET", f"/api/sessions/{'0' * 32}/export").status == 404
    assert call(url, "GET", "/api/sessions/not-an-id/export").status == 404
