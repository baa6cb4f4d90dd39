"""`HistoryCache`: the messages of conversations this instance read lately, so that the next read of one asks
Redis only for what was added since (cluster mode, cluster.py).

It is never trusted on its own: every read still goes to Redis, which says whether the conversation exists and
how many messages it holds, and sends the ones after the cached prefix. That is why it cannot be wrong when
another instance continues or deletes a conversation: a conversation's message list only grows while its id
lives, a delete removes it whole (the next read finds nothing and forgets the entry) and ids are 128 random bits,
never reused. A reply that does not add up (the cached prefix longer than the list) makes the caller read the
whole history again. What it saves is the transfer and decoding of the history: `ClusterSessionManager.get()`
of a 10-turn conversation took 183 µs without it and 79 µs with it, of a 50-turn one 497 against 85 µs, and
Redis's own time per read fell from 65 to 12 µs (bench/bench_cluster.py, bench/README.md "Cluster").

Bounded by the characters it holds (least recently used first out); `_entries_lock` guards the entries and
their size, and is held only for dictionary work.
Non-goals: caching anything without asking Redis, sharing entries between processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DEFAULT_CHARACTERS = 32 * 2**20  # about 32 MB of message JSON per instance


class HistoryCache:
    def __init__(self, max_characters: int = DEFAULT_CHARACTERS) -> None:
        self.max_characters = max_characters
        self._entries_lock = threading.Lock()  # guards _entries and _characters
        self._entries: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._characters = 0

    def known(self, session_id: str) -> tuple[str, ...]:
        """The messages held for this conversation (a prefix of its history), or () when none."""
        with self._entries_lock:
            encoded = self._entries.get(session_id)
            if encoded is None:
                return ()
            self._entries.move_to_end(session_id)
            return encoded

    def keep(self, session_id: str, encoded: tuple[str, ...]) -> None:
        """Remember a conversation's history as just read from Redis; a shorter one never replaces a longer."""
        size = sum(map(len, encoded))
        if size > self.max_characters:
            self.forget(session_id)
            return
        with self._entries_lock:
            held = self._entries.pop(session_id, None)
            if held is not None:
                if len(held) > len(encoded):  # two threads read it; the other saw more
                    encoded, size = held, sum(map(len, held))
                self._characters -= sum(map(len, held))
            self._entries[session_id] = encoded
            self._characters += size
            while self._characters > self.max_characters:
                _, dropped = self._entries.popitem(last=False)
                self._characters -= sum(map(len, dropped))

    def forget(self, session_id: str) -> None:
        with self._entries_lock:
            held = self._entries.pop(session_id, None)
            if held is not None:
                self._characters -= sum(map(len, held))

    def __len__(self) -> int:
        with self._entries_lock:
            return len(self._entries)
