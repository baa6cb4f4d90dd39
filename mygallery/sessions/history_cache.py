"""`HistoryCache`: the messages of conversations this instance read lately, so that the next read of one asks
Redis only for what was added since (cluster mode, cluster.py).

It is never trusted on its own: every read still goes to Redis, which says whether the conversation exists and
how many messages it holds, and sends the ones after the cached prefix. That is why it cannot be wrong when
another instance continues or deletes a conversation: a conversation's message list only grows while its id
lives, a delete removes it whole (the next read finds nothing and forgets the entry) and ids are 128 random bits,
never reused. The one change in place — a rating rewrites its answer — raises the conversation's `revision`;
an entry is held with the revision it was read at, and Redis sends the whole list to a reader whose revision
is not the current one. A reply that does not add up (the cached prefix longer than the list) makes the caller read the
whole history again. What it saves is the transfer and decoding of the history: `ClusterSessionManager.get()`
of a 10-turn conversation took 183 µs without it and 79 µs with it, of a 50-turn one 497 against 85 µs, and
Redis's own time per read fell from 65 to 12 µs (bench/bench_cluster.py, bench/README.md "Cluster").

Bounded by the bytes of message JSON it holds (least recently used first out); `_entries_lock` guards the entries and
their size, and is held only for dictionary work.
Non-goals: caching anything without asking Redis, sharing entries between processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

DEFAULT_BYTES = 32 * 2**20  # 32 MB of message JSON (UTF-8) per instance


class HistoryCache:
    def __init__(self, max_bytes: int = DEFAULT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries_lock = threading.Lock()  # guards _entries and _bytes
        self._entries: OrderedDict[str, tuple[int, tuple[bytes, ...]]] = OrderedDict()  # id -> (revision, messages)
        self._bytes = 0

    def held(self, session_id: str) -> tuple[int, tuple[bytes, ...]]:
        """(the revision it was read at, the messages held — a prefix of its history), or (0, ()) when none."""
        with self._entries_lock:
            entry = self._entries.get(session_id)
            if entry is None:
                return 0, ()
            self._entries.move_to_end(session_id)
            return entry

    def known(self, session_id: str) -> tuple[bytes, ...]:
        """The messages held for this conversation, or () when none."""
        return self.held(session_id)[1]

    def keep(self, session_id: str, encoded: tuple[bytes, ...], revision: int = 0) -> None:
        """Remember a conversation's history as just read from Redis at `revision`; an older revision, or at
        the same revision a shorter history, never replaces what is held."""
        size = sum(map(len, encoded))
        if size > self.max_bytes:
            self.forget(session_id)
            return
        with self._entries_lock:
            held = self._entries.pop(session_id, None)
            entry = (revision, encoded)
            if held is not None:
                if (held[0], len(held[1])) > (revision, len(encoded)):  # two threads read it; the other saw more
                    entry, size = held, sum(map(len, held[1]))
                self._bytes -= sum(map(len, held[1]))
            self._entries[session_id] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= sum(map(len, dropped))

    def forget(self, session_id: str) -> None:
        with self._entries_lock:
            held = self._entries.pop(session_id, None)
            if held is not None:
                self._bytes -= sum(map(len, held[1]))

    def __len__(self) -> int:
        with self._entries_lock:
            return len(self._entries)
