"""`GET /api/sessions/{id}/export?format=md|json`: a conversation to take away, sent as an attachment.

Markdown (the default): a title, when and from where it was exported, then each question — as a quote, so
nothing a user typed can pose as a heading of the export — and its answer, with a notice after a language-model
fallback, a note when the documents had no answer, the numbered sources (title, file, section, page, and the
quoted passage) and the user's rating. JSON: what `GET /api/sessions/{id}` returns, plus `title` and
`exported_at`. Reading does not extend the conversation's life.
Non-goals: PDF or HTML export (the chat page prints itself, with print CSS), exporting several conversations.
"""

from __future__ import annotations

import json
import time

from ..errors import BadRequest
from ..sessions.manager import Session
from .chat import ChatEndpoint
from .http_types import Request, Response

FORMATS = {"md": "text/markdown; charset=utf-8", "json": "application/json"}
TITLE_CHARS = 80


def _flat(text: str) -> str:
    return " ".join(str(text).split())


def conversation_title(messages: list[dict]) -> str:
    first = next((m["content"] for m in messages if m.get("role") == "user"), "")
    flat = _flat(first)
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1] + "…"


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in str(text).splitlines() or [""])


def _source_line(source: dict) -> str:
    where = [f"`{source.get('doc', '')}`"]
    if source.get("section"):
        where.append(_flat(source["section"]))
    if source.get("page") is not None:
        where.append(f"page {source['page']}")
    line = f"{source.get('n', '?')}. **{_flat(source.get('title') or source.get('doc') or '')}** — {', '.join(where)}"
    if source.get("snippet"):
        line += "\n" + "\n".join("   " + row for row in _quoted(source["snippet"]).splitlines())
    return line


def as_markdown(session: dict, exported_at: str) -> str:
    messages = session["messages"]
    out = [f"# Conversation: {conversation_title(messages) or 'untitled'}", "",
           f"Exported from the UEC Knowledge Gallery on {exported_at} (conversation {session['session_id'][:8]}…, "
           f"started {session['created_at']}).", ""]
    number = 0
    for message in messages:
        if message.get("role") == "user":
            number += 1
            out += ["---", "", f"## {number}. Question", "", _quoted(message.get("content", "")), ""]
            continue
        out += ["### Answer", "", str(message.get("content", "")).strip(), ""]
        if message.get("notice"):
            out += [_quoted(f"Note: {message['notice']}"), ""]
        if message.get("answered") is False:
            out += ["*The documents do not contain the answer; the sources below are related reading.*", ""]
        if message.get("sources"):
            out += ["**Sources**", "", *(_source_line(source) for source in message["sources"]), ""]
        feedback = message.get("feedback")
        if feedback:
            rating = "helpful (👍)" if feedback.get("rating") == "up" else "not helpful (👎)"
            comment = f": {_flat(feedback['comment'])}" if feedback.get("comment") else ""
            out += [f"*Rated {rating}{comment}*", ""]
    return "\n".join(out).rstrip() + "\n"


class ExportEndpoint:
    def __init__(self, chat: ChatEndpoint) -> None:
        self.chat = chat

    def handle(self, request: Request) -> Response:
        kind = request.query_value("format", "md")
        if kind not in FORMATS:
            raise BadRequest("'format' must be md or json")
        session: Session = self.chat.session(request, request.params["id"])
        conversation = session.to_json()
        now = time.gmtime()
        exported_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", now)
        if kind == "json":
            body = json.dumps({**conversation, "title": conversation_title(conversation["messages"]),
                               "exported_at": exported_at}, ensure_ascii=False, indent=1).encode("utf-8")
        else:
            body = as_markdown(conversation, exported_at).encode("utf-8")
        filename = f"conversation-{session.id[:8]}-{time.strftime('%Y%m%d-%H%M', now)}.{kind}"
        return Response(200, body, FORMATS[kind], {"Content-Disposition": f'attachment; filename="{filename}"'})
