"""One job on the index at a time — the first load at start-up, a re-index after an upload, a delete or the
admin's "re-index" — in a background thread, with the progress the admin panel polls (`GET /api/admin/ingest`).

`load()` and `reindex()` claim the one slot (a second job while one runs: IndexBusy, 409), run the caller's
`prepare` on the caller's thread while holding it (an upload writes its files there, so no ingest ever reads a
half-written folder; if `prepare` fails the slot is given back as it was), then run the job in the thread
`index-job`. A re-index is `ingest()` (engine/ingest.py): it builds the next generation on a private copy and
writes it to INDEX_DIR with an atomic manifest swap, while the server keeps answering from the current index;
`publish` — the service's `publish_index`, the one place a new generation goes live — then swaps it in.
Status: {"state": idle|running|done|failed, "kind", "done", "total", "message", "phase", "current",
"started_at", "finished_at", "warnings"}. `close()` makes the progress callback raise JobStopped: ingest stops
between two files and leaves the index on disk as it was (its manifest is replaced only at the end).
Non-goals: a queue of jobs (a second request is refused; the admin retries), cancelling a job from the API.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable

from ..config import Settings
from ..engine.embeddings import make_embedder
from ..engine.index import HybridIndex, LiveIndex
from ..engine.ingest import ingest
from ..errors import IndexBusy, IndexUnavailable, JobStopped, NotReady

log = logging.getLogger("mygallery.index_jobs")
Work = Callable[[Callable[[int, int, str], None]], str]  # (progress) -> the summary line
MAX_WARNINGS = 50  # skipped-file warnings kept in the status


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class IndexJobs:
    def __init__(self, settings: Settings, library: LiveIndex, publish: Callable[[HybridIndex], None]) -> None:
        self.settings = settings
        self.library = library
        self.publish = publish
        self._state_lock = threading.Lock()  # guards _status, _thread and _closed; never held while a job works
        self._status: dict = {"state": "idle", "kind": None, "done": 0, "total": 0, "message": "", "phase": "",
                              "current": "", "started_at": None, "finished_at": None, "warnings": []}
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stop = threading.Event()

    # --- the slot ----------------------------------------------------------------------------------------------

    def status(self) -> dict:
        with self._state_lock:
            return {**self._status, "warnings": list(self._status["warnings"])}

    @property
    def running(self) -> bool:
        with self._state_lock:
            return self._status["state"] == "running"

    def load(self) -> dict:
        """Start-up: load the index from INDEX_DIR, building it first when there is none."""
        return self.start("load", self._load)

    def reindex(self, kind: str, *, prepare: Callable[[], object] | None = None, rebuild: bool = False) -> dict:
        """Bring the index up to date with DOCS_DIR (after `prepare` changed it) and publish it."""
        return self.start(kind, functools.partial(self._ingest, rebuild), prepare)

    def start(self, kind: str, work: Work, prepare: Callable[[], object] | None = None) -> dict:
        """Run `work(progress)` as the index job `kind` (after `prepare`, under the claimed slot); its status."""
        with self._state_lock:
            if self._closed:
                raise NotReady("the server is shutting down", retry_after=5)
            if self._status["state"] == "running":
                raise IndexBusy(f"the index is busy ({self._status['kind']}: {self._status['message'] or 'starting'});"
                                " try again when it has finished")
            previous = self._status
            self._status = {"state": "running", "kind": kind, "done": 0, "total": 0, "message": "starting",
                            "phase": "starting", "current": "", "started_at": _now(), "finished_at": None,
                            "warnings": []}
        try:
            if prepare is not None:
                prepare()
        except BaseException:
            with self._state_lock:
                self._status = previous  # nothing was started: the slot is free again
            raise
        thread = threading.Thread(target=self._run, args=(work,), name="index-job", daemon=True)
        with self._state_lock:
            self._thread = thread
        thread.start()
        return self.status()

    def _run(self, work: Work) -> None:
        try:
            outcome = {"state": "done", "message": work(self._progress), "phase": "done"}
        except JobStopped:
            outcome = {"state": "failed", "message": "stopped: the server is shutting down", "phase": "stopped"}
        except Exception as exc:  # noqa: BLE001 - the status carries it; the index stays as it was
            log.warning("index job failed: %s: %s", type(exc).__name__, exc)
            outcome = {"state": "failed", "message": f"{type(exc).__name__}: {exc}" if not isinstance(
                exc, IndexUnavailable) else str(exc), "phase": "failed"}
        with self._state_lock:
            self._status.update(outcome, current="", finished_at=_now())

    def _progress(self, done: int, total: int, current: str) -> None:
        if self._stop.is_set():
            raise JobStopped
        embedding = current == "embedding" and done == total
        with self._state_lock:
            self._status.update(done=done, total=total, phase="embedding" if embedding else "reading",
                                current="" if embedding else current,
                                message=f"embedding {total} new files" if embedding else
                                f"reading {current} ({done + 1} of {total})")

    def _set(self, **changes: object) -> None:
        with self._state_lock:
            self._status.update(changes)

    # --- the jobs ----------------------------------------------------------------------------------------------

    def _ingest(self, rebuild: bool, progress: Callable[[int, int, str], None]) -> str:
        report, index = ingest(self.settings, make_embedder(self.settings), rebuild=rebuild, progress=progress)
        self._set(warnings=report.warnings[:MAX_WARNINGS])
        current = self.library.current()
        if report.unchanged and current is not None and \
                current.manifest.get("generation") == index.manifest.get("generation"):
            return report.summary()  # the server already answers from this very generation
        with self._state_lock:
            self._status.update(phase="publishing", message="swapping the new index in", done=self._status["total"])
        self.publish(index)
        log.info("re-indexed: %s", report.summary())
        return report.summary()

    def _load(self, progress: Callable[[int, int, str], None]) -> str:
        settings = self.settings
        try:
            embedder = make_embedder(settings)
            if HybridIndex.read_manifest(settings.index_dir) is None:
                self.library.fail(f"building the index from {settings.docs_dir}")
                report, index = ingest(settings, embedder, progress=progress)
                self._set(warnings=report.warnings[:MAX_WARNINGS])
                summary = report.summary()
                log.info(summary)
            else:
                index = HybridIndex.load(settings.index_dir, embedder)
                summary = f"loaded {index.documents} documents, {len(index)} chunks from {settings.index_dir}"
            self._set(phase="publishing", message="starting to answer from the index")
            self.publish(index)
            log.info("index ready: %d documents, %d chunks", index.documents, len(index))
            return summary
        except IndexUnavailable as exc:
            self.library.fail(str(exc))
            log.error("index unavailable: %s", exc)
            raise
        except JobStopped:
            raise
        except Exception as exc:  # the server keeps answering health and 503 on ready
            self.library.fail(f"{type(exc).__name__}: {exc}")
            log.exception("loading the index failed")
            raise

    def close(self, timeout: float = 10.0) -> None:
        """Refuse new jobs, stop a running one between two files, and join its thread."""
        with self._state_lock:
            self._closed = True
            thread = self._thread
        self._stop.set()
        if thread is not None:
            thread.join(timeout)
