"""`QuestionLog`: the record of the questions asked in the chat and of the ratings users gave answers, kept after
their conversations expire — what the admin reports read (unanswered questions, most asked questions, feedback).

One SQLite file (QUESTIONS_DB, WAL mode), apart from the sessions database so that writing it never makes a
chat wait for that database's lock. A chat only appends its question to an in-memory buffer; the thread
`question-log` writes the buffer in one transaction every FLUSH_SECONDS, or sooner once BATCH rows wait, and a
report flushes it first. The buffer holds at most BUFFER_MAX rows: past that, questions are dropped and
counted (`dropped`), never making a chat wait. A crash loses at most those seconds of the record — never a
conversation (the session store has those). Ratings are written at once: they are rare, and the user waits
for the answer to the rating.
Bounded on disk: at most QUESTIONS_MAX_ROWS questions and as many ratings, none older than QUESTIONS_KEEP_DAYS;
every flush deletes the oldest beyond that. Several server processes on one machine may share the file.
Questions are grouped by a normal form (`normal_form`: Unicode NFKC, case-folded, blanks collapsed, trailing
punctuation dropped), so "What is RUD?" and "what is  rud" count as one question.
Locks: `_buffer_lock` guards `_buffer` and `dropped` and is never held during I/O; `_db_lock` keeps the one
connection single-user, as the sqlite3 module requires, and is held from taking the buffer to writing it (so a
report never reads around rows another flush has taken); taken in that order, never the other way round.
Non-goals: analytics beyond these reports; the answers to questions nobody rated (only rated ones are kept).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

from ..errors import ConfigError

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
PRUNE_SECONDS = 60.0  # with nothing to write, the bounds are enforced this often
BATCH = 256
BUFFER_MAX = 20_000
REPORT_ROWS = 1000  # rows a report returns at most
ANSWER_CHARS = 8000  # of a rated answer kept with its rating

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    question TEXT NOT NULL,
    norm TEXT NOT NULL,
    answered INTEGER NOT NULL,
    docs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_by_time ON questions(at);
CREATE TABLE IF NOT EXISTS feedback (
    key TEXT PRIMARY KEY,
    at REAL NOT NULL,
    rating TEXT NOT NULL,
    comment TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered INTEGER,
    sources TEXT NOT NULL,
    session TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_time ON feedback(at);
"""
_TRAILING = re.compile(r"[\s?？.。!！,，;；:：…]+$")


def normal_form(question: str) -> str:
    return _TRAILING.sub("", " ".join(unicodedata.normalize("NFKC", question).casefold().split()))


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class QuestionLog:
    def __init__(self, path: Path, *, keep_days: float, max_rows: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.keep_seconds = keep_days * 86400
        self.max_rows = max_rows
        self.clock = clock
        self.dropped = 0
        self._buffer_lock = threading.Lock()  # guards _buffer and dropped; never held during I/O
        self._buffer: list[tuple[float, str, str, int, str]] = []
        self._db_lock = threading.Lock()  # guards _db (one connection, one user at a time)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # a report, not a transaction log: no fsync per flush
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"configuration error: QUESTIONS_DB={str(path)!r} cannot be opened ({exc})") from exc
        self._pruned_at = float("-inf")  # guarded by _db_lock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None

    # --- writing -----------------------------------------------------------------------------------------------

    def record(self, question: str, answered: bool, docs: list[str]) -> None:
        """Note a question and whether the documents answered it (with the documents of its first sources)."""
        row = (self.clock(), question, normal_form(question), int(answered), json.dumps(docs, ensure_ascii=False))
        with self._buffer_lock:
            if len(self._buffer) >= BUFFER_MAX:
                self.dropped += 1
                return
            self._buffer.append(row)
            full = len(self._buffer) >= BATCH
        if full:
            self._wake.set()

    def rate(self, key: str, *, rating: str, comment: str, question: str, answer: str, answered: bool | None,
             sources: list[dict], session: str) -> None:
        """Keep a rating with what it rates; a second rating of the same answer (`key`) replaces the first."""
        row = (key, self.clock(), rating, comment, question, answer[:ANSWER_CHARS],
               None if answered is None else int(answered), json.dumps(sources, ensure_ascii=False), session)
        with self._db_lock:
            self._db.execute("INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)

    def flush(self) -> None:
        """Write the buffered questions and delete what is past the bounds, in one transaction. The buffer is
        taken while the file is ours: a second flush (a report's) then waits until the first has written what
        it took, instead of finding the buffer empty and reading the file before those rows are in it."""
        with self._db_lock:
            with self._buffer_lock:
                rows, self._buffer = self._buffer, []
            now = self.clock()
            oldest = now - self.keep_seconds
            if not rows and now - self._pruned_at < PRUNE_SECONDS:
                return
            self._pruned_at = now
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT INTO questions (at, question, norm, answered, docs) VALUES (?, ?, ?, ?, ?)",
                               rows)
                db.execute("DELETE FROM questions WHERE at < ?", (oldest,))
                # Rows get the next row id, so the newest max_rows are those within max_rows of the largest (fewer
                # where rows were deleted between): found through the row id, where counting max_rows rows back
                # from the newest walked all of them at every flush — 44 µs per question at the bound (100,000
                # rows) against 10 now.
                db.execute("DELETE FROM questions WHERE id <= (SELECT max(id) FROM questions) - ?", (self.max_rows,))
                db.execute("DELETE FROM feedback WHERE at < ?", (oldest,))
                db.execute("DELETE FROM feedback WHERE rowid <= (SELECT max(rowid) FROM feedback) - ?",
                           (self.max_rows,))  # a replaced rating is deleted and inserted again: the newest id
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                with self._buffer_lock:  # keep them for the next flush, within the bound
                    self._buffer[:0] = rows[: max(0, BUFFER_MAX - len(self._buffer))]
                raise

    def start(self) -> QuestionLog:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_loop, name="question-log", daemon=True)
            self._writer.start()
        return self

    def _write_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(FLUSH_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except sqlite3.Error:  # a locked or full disk: the rows stay buffered for the next round
                log.exception("writing the question log failed")

    def close(self) -> None:
        """Stop and join the writer, write what is buffered, close the file."""
        self._stop.set()
        self._wake.set()
        if self._writer is not None:
            self._writer.join(timeout=10)
            self._writer = None
        try:
            self.flush()
        finally:
            with self._db_lock:
                self._db.close()

    # --- reports -----------------------------------------------------------------------------------------------

    def questions(self, *, days: float, unanswered_only: bool, limit: int = REPORT_ROWS) -> list[dict]:
        """Questions of the last `days` grouped by their normal form, most asked first: each with how often it
        was asked (and how often the documents had no answer), when first and last, and the related documents
        of its latest asking. With `unanswered_only`, only the askings the documents could not answer count."""
        self.flush()
        since = self.clock() - days * 86400
        where = "at >= ?" + (" AND answered = 0" if unanswered_only else "")
        with self._db_lock:
            rows = self._db.execute(
                "SELECT q.question, g.n, g.unanswered, g.first, g.last, q.docs FROM (SELECT norm, COUNT(*) AS n, "
                "SUM(answered = 0) AS unanswered, MIN(at) AS first, MAX(at) AS last, MAX(id) AS latest "
                f"FROM questions WHERE {where} GROUP BY norm) AS g JOIN questions AS q ON q.id = g.latest "
                "ORDER BY g.n DESC, g.last DESC LIMIT ?", (since, limit)).fetchall()
        return [{"question": question, "count": count, "unanswered": unanswered, "first_asked": iso(first),
                 "last_asked": iso(last), "docs": json.loads(docs)}
                for question, count, unanswered, first, last, docs in rows]

    def feedback(self, *, days: float, rating: str | None = None, limit: int = REPORT_ROWS) -> list[dict]:
        """Ratings of the last `days`, newest first, each with the question, the answer and its sources."""
        since = self.clock() - days * 86400
        query = "SELECT at, rating, comment, question, answer, answered, sources, session FROM feedback WHERE at >= ?"
        arguments: tuple = (since,)
        if rating is not None:
            query, arguments = query + " AND rating = ?", (since, rating)
        with self._db_lock:
            rows = self._db.execute(query + " ORDER BY at DESC LIMIT ?", (*arguments, limit)).fetchall()
        return [{"at": iso(at), "rating": rated, "comment": comment, "question": question, "answer": answer,
                 "answered": None if answered is None else bool(answered), "sources": json.loads(sources),
                 "session": session}
                for at, rated, comment, question, answer, answered, sources, session in rows]
