"""`POST /api/feedback`: a thumbs up or down on one answer of a conversation, with an optional comment.

Body: {"session_id", "message_index" (the answer's 0-based position among the conversation's messages, as in
GET /api/sessions/{id} and the chat reply's `message_index`), "rating": "up"|"down", "comment"?: at most
MAX_COMMENT_CHARS}. 204 once kept; 404 for an unknown session or message; 400 for bad fields or the index of
a question. The rating is kept twice: with the conversation (the store replaces the rated message —
sessions/manager.py `set_feedback`), and in the question log with the question, the answer and its sources
(sessions/question_log.py), where the admin's feedback report still finds it after the conversation expired.
Rating an answer again replaces its rating in both.
Non-goals: ratings of /v1 answers (no conversation is kept there), who rated (there are no user accounts).
"""

from __future__ import annotations

import hashlib
import time

from ..errors import BadRequest
from ..sessions.manager import SessionManager
from ..sessions.question_log import QuestionLog
from .chat import TURN_WAIT_SECONDS, ChatEndpoint
from .http_types import Request, Response

MAX_COMMENT_CHARS = 2000
RATINGS = ("up", "down")


class FeedbackEndpoint:
    def __init__(self, chat: ChatEndpoint, sessions: SessionManager, questions: QuestionLog) -> None:
        self.chat = chat
        self.sessions = sessions
        self.questions = questions

    def handle(self, request: Request) -> Response:
        body = request.json_object()
        if not isinstance(body.get("session_id"), str):
            raise BadRequest("'session_id' must be the conversation's id (a string)")
        index = body.get("message_index")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise BadRequest("'message_index' must be the answer's position in the conversation (an integer >= 0)")
        rating = body.get("rating")
        if rating not in RATINGS:
            raise BadRequest("'rating' must be \"up\" or \"down\"")
        comment = body.get("comment")
        if comment is None:
            comment = ""
        if not isinstance(comment, str):
            raise BadRequest("'comment' must be a string")
        comment = comment.strip()
        if len(comment) > MAX_COMMENT_CHARS:
            raise BadRequest(f"'comment' is {len(comment)} characters; the limit is {MAX_COMMENT_CHARS}")
        session = self.chat.session(request, body["session_id"])
        feedback = {"rating": rating, "comment": comment,
                    "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        question, answer = self.sessions.set_feedback(session, index, feedback, TURN_WAIT_SECONDS)
        sources = [{key: source.get(key) for key in ("n", "doc", "title", "section", "page")}
                   for source in answer.sources or []]
        self.questions.rate(hashlib.sha256(f"{session.id}:{index}".encode()).hexdigest()[:32], rating=rating,
                            comment=comment, question=question.content if question else "", answer=answer.content,
                            answered=answer.answered, sources=sources, session=session.id[:8])
        return Response(204)
