"""`IndexWatcher`: a server notices when INDEX_DIR holds a new index generation and switches to it, without a
restart and without a failed request — whoever wrote it (`python -m mygallery ingest`, an upload to another
instance, a deploy on another box sharing INDEX_DIR).

Why a watcher: ingest writes a new generation folder, then replaces manifest.json atomically (index.py); the
manifest is the only thing that says which generation is current, and every instance reading the same INDEX_DIR
(one box, or a shared filesystem across boxes) must follow it. So a `index-watch` thread looks at the
manifest's stat (mtime, size, inode) every INDEX_WATCH_SECONDS — one system call, no reading while nothing
changed — and when it changed and names a generation other than the one served, loads that generation fully,
beside the one in use, then hands it to `install` (the service: answer processes, then `LiveIndex.swap`).
Requests keep using the old index until the swap and the new one after it; none waits for the load.
A generation that cannot be loaded (damaged, another embedder, pruned by a newer ingest meanwhile) is logged
and skipped; the old index keeps serving and the next change of the manifest is tried again. The thread waits
on an Event, so `close()` stops it at once.
Non-goals: building indexes (ingest.py), choosing between generations (the manifest decides), watching the
documents folder (ingest does that on demand).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import IndexUnavailable
from ..periodic import Periodic
from .index import MANIFEST, HybridIndex, LiveIndex

log = logging.getLogger(__name__)


class IndexWatcher:
    def __init__(self, index_dir: Path, library: LiveIndex, *, load: Callable[[], HybridIndex],
                 install: Callable[[HybridIndex], None], interval: float = 1.0) -> None:
        self.manifest = index_dir / MANIFEST
        self.index_dir = index_dir
        self.library = library
        self.load = load
        self.install = install
        self.interval = interval
        self.swaps = 0
        self._seen: tuple[int, int, int] | None = None  # the manifest's (mtime_ns, size, inode) last looked at
        self._watch = Periodic("index-watch", interval, self.check, log)

    def check(self) -> bool:
        """One look at the manifest; True when a new generation was loaded and installed. Nothing while no
        index is served yet: loading the first one is the start-up loader's job."""
        if self.library.current() is None:
            return False
        try:
            stat = os.stat(self.manifest)
        except OSError:
            return False  # no index yet, or being replaced right now: the next look sees it
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if signature == self._seen:
            return False
        self._seen = signature
        try:
            manifest = HybridIndex.read_manifest(self.index_dir)
        except IndexUnavailable as exc:
            log.error("index manifest changed but cannot be used: %s", exc)
            return False
        current = self.library.current()
        wanted = (manifest or {}).get("generation")
        if not wanted or (current is not None and current.manifest.get("generation") == wanted):
            return False  # the one we serve (e.g. swapped in by this process's own ingest)
        try:
            index = self.load()
        except (IndexUnavailable, OSError, ValueError, KeyError, RuntimeError) as exc:
            log.error("new index generation %s not loaded, still serving the previous one: %s", wanted, exc)
            return False
        self.install(index)
        self.swaps += 1
        log.info("switched to index generation %s: %d documents, %d chunks", index.manifest.get("generation"),
                 index.documents, len(index))
        return True

    def start(self) -> None:
        """Watch in a thread (the first look reads the manifest once: it may name the generation being served)."""
        if self.interval > 0:  # 0: not watched; once closed, never started again
            self._watch.start()

    def close(self) -> None:
        self._watch.stop(timeout=30)  # a load in progress finishes first
