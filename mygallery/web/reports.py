"""The admin's reports — what to add to the documents next: `GET /api/admin/feedback` (ratings with the question,
the answer, its sources and the comment) and `GET /api/admin/questions?kind=unanswered|top` (the questions the
documents could not answer; the most asked questions), over the last `days` (1–3650, default 30), as JSON or
— `format=csv` — as a CSV attachment.

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage return) get a
leading apostrophe: the questions and comments come from users, and an exported report must not run them
(CSV injection). The file starts with a UTF-8 byte-order mark so spreadsheets read Chinese text correctly.
Collaborators: sessions/question_log.py (the record), admin.py (`require_admin`).
Non-goals: charts, filtering beyond period and rating, reports across several question logs.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable

from ..errors import BadRequest
from ..sessions.question_log import QuestionLog
from .http_types import Request, Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_DAYS = 3650
KINDS = ("unanswered", "top")


def neutralised(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralised(cell) for cell in row] for row in rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sources_cell(sources: list[dict]) -> str:
    return "; ".join(f"[{s.get('n')}] {s.get('doc')}" + (f" p.{s['page']}" if s.get("page") is not None else "")
                     for s in sources)


class ReportEndpoints:
    def __init__(self, questions: QuestionLog, require_admin: Callable[[Request], None]) -> None:
        self.log = questions
        self.require_admin = require_admin

    def feedback(self, request: Request) -> Response:
        self.require_admin(request)
        kind, days = _format(request), _days(request)
        rating = request.query_value("rating")
        if rating not in (None, "up", "down"):
            raise BadRequest("'rating' must be up or down")
        rows = self.log.feedback(days=days, rating=rating)
        if kind == "json":
            return Response(body={"days": days, "feedback": rows})
        table = [[r["at"], r["rating"], r["question"], r["answer"], _sources_cell(r["sources"]), r["comment"],
                  {True: "yes", False: "no"}.get(r["answered"], ""), r["session"]] for r in rows]
        return _attachment("feedback", days, csv_bytes(
            ["time", "rating", "question", "answer", "sources", "comment", "answered", "session"], table))

    def questions(self, request: Request) -> Response:
        self.require_admin(request)
        which = request.query_value("kind")
        if which not in KINDS:
            raise BadRequest("'kind' must be unanswered or top")
        kind, days = _format(request), _days(request)
        rows = self.log.questions(days=days, unanswered_only=which == "unanswered")
        if kind == "json":
            return Response(body={"kind": which, "days": days, "questions": rows})
        table = [[r["question"], r["count"], r["unanswered"], r["first_asked"], r["last_asked"], "; ".join(r["docs"])]
                 for r in rows]
        return _attachment(f"{which}-questions", days, csv_bytes(
            ["question", "count", "unanswered", "first_asked", "last_asked", "related_documents"], table))


def _format(request: Request) -> str:
    kind = request.query_value("format", "json")
    if kind not in ("json", "csv"):
        raise BadRequest("'format' must be json or csv")
    return kind


def _days(request: Request) -> int:
    raw = request.query_value("days", "30")
    if raw is None or not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise BadRequest(f"'days' must be a whole number of days from 1 to {MAX_DAYS}")
    return int(raw)


def _attachment(name: str, days: int, body: bytes) -> Response:
    filename = f"{name}-{days}d-{time.strftime('%Y%m%d')}.csv"
    return Response(200, body, "text/csv; charset=utf-8", {"Content-Disposition": f'attachment; filename="{filename}"'})
