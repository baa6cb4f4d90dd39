"""`TurnLocks`: this process's turn lock of each conversation — the one piece both session managers share
(manager.py alone; cluster.py in front of the conversation's lock in Redis). A turn lock serialises the turns
of one conversation: two tabs of one user cannot interleave a question and its answer. An entry exists only
while a turn runs or waits for one: a lock per stored conversation was half of what a full garbage collection
had to walk. `_lock` guards the entries and is never held while waiting for a turn.
Also `conversation_full`: the one wording of MAX_TURNS_PER_SESSION's refusal.
"""

from __future__ import annotations

import threading

from ..errors import ConversationFull


class TurnLocks(dict[str, list]):
    """session id -> [its turn lock, threads holding or waiting for it] (a dict: `== {}` when no turn runs)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def acquire(self, session_id: str, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the conversation's turn; True once it is ours."""
        with self._lock:
            entry = self.setdefault(session_id, [threading.Lock(), 0])
            entry[1] += 1
        if entry[0].acquire(timeout=timeout):
            return True
        self._leave(session_id, entry)
        return False

    def release(self, session_id: str) -> None:
        """End the turn acquire() gave (call once per True)."""
        with self._lock:
            entry = self[session_id]
        self._leave(session_id, entry)
        entry[0].release()

    def _leave(self, session_id: str, entry: list) -> None:
        with self._lock:
            entry[1] -= 1
            if entry[1] == 0:  # no one else holds or waits: the next turn starts with a new lock
                del self[session_id]


def conversation_full(max_turns: int) -> ConversationFull:
    return ConversationFull(f"this conversation has reached its limit of {max_turns} questions; "
                            "start a new conversation to ask more")
