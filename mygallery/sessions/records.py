"""The shapes every session store and the manager share: a stored `Message`, a `SessionRecord` read back at
start-up, and the `SessionStore` protocol the stores implement.

A message is encoded to JSON text once (`Message.to_json_text`): the store writes that text and the live
session keeps it as UTF-8 (`Message.to_json_bytes`). An assistant message may carry the user's rating of it (`feedback`: {"rating":
"up"|"down", "comment", "at"}), which replaces the stored message in place (`SessionStore.set_feedback`). A
store whose back end cannot be reached raises StoreUnavailable (errors.py) — or lets ConnectionError/TimeoutError
through — from any method; the manager answers those with a 503. Non-goals: storage itself (stores.py, redis_store.py), the session table
(manager.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol

encode_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder for every message: no set-up per call


@dataclass
class Message:
    role: str  # "user" | "assistant"
    content: str
    sources: list[dict] | None = None
    notice: str = ""
    answered: bool | None = None  # assistant messages: whether the documents answered the question
    feedback: dict | None = None  # assistant messages the user rated: {"rating", "comment", "at"}
    text: str | None = field(default=None, repr=False, compare=False)  # to_json() as JSON text, once made

    def to_json(self) -> dict:
        body: dict = {"role": self.role, "content": self.content}
        if self.answered is not None:
            body["answered"] = self.answered
        if self.sources is not None:
            body["sources"] = self.sources
        if self.notice:
            body["notice"] = self.notice
        if self.feedback is not None:
            body["feedback"] = self.feedback
        return body

    def to_json_text(self) -> str:
        """The message as JSON text, encoded once: the session keeps it and the store writes the same text."""
        if self.text is None:
            self.text = encode_json(self.to_json())
        return self.text

    def to_json_bytes(self) -> bytes:
        """The JSON text in UTF-8, as a live session keeps it: a Python string holding one Chinese character
        takes two bytes for every character, so an answer mixing English with Chinese quotes is half the size
        as UTF-8 (bundled questions: 2.8 against 5.4 kB per answer)."""
        return self.to_json_text().encode()

    @classmethod
    def from_json(cls, row: dict) -> Message:
        return cls(row["role"], row["content"], row.get("sources"), row.get("notice", ""), row.get("answered"),
                   row.get("feedback"))


@dataclass
class SessionRecord:
    id: str
    created_at: float
    last_active: float
    messages: list[Message] = field(default_factory=list)


class SessionStore(Protocol):
    name: str

    def create(self, session_id: str, now: float) -> None: ...
    def append(self, session_id: str, messages: list[Message], now: float) -> None: ...
    def set_feedback(self, session_id: str, index: int, message: Message) -> None: ...  # NotFound if gone
    def delete(self, session_id: str) -> None: ...
    def load_active(self, since: float) -> list[SessionRecord]: ...
    def delete_idle(self, before: float) -> int: ...
    def ping(self) -> None: ...  # returns when the back end answers, raises when it cannot be reached
    def close(self) -> None: ...
