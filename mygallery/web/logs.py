"""Logging for `serve`: server.log in LOG_DIR (RotatingFileHandler, 10 MB x 5), warnings also on stderr, and a
background writer so that request threads never wait on the log file.

Every request writes one access line. Written directly, each line takes the handler's lock and does a write, a
flush and the rotation checks (two stat calls and a tell) while holding it; under load the request threads
queue up behind that lock (bench/bench_server.py: see bench/README.md for the figures). So the root logger only
puts records on a queue; one `log-writer` thread formats them and writes them a batch at a time (one write and
one flush per batch). `stop_logging()` drains the queue — `serve` calls it on the way out, so a graceful stop
loses no line; a SIGKILL may lose the last few milliseconds of lines.
Non-goals: structured (JSON) logs, shipping logs elsewhere (journald or a log agent reads the file).
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import sys
import threading
import time

from ..config import Settings

BATCH_SECONDS = 0.02  # how long the writer lets records gather after the first; lines reach the file this late
_STOP = object()  # put on the queue by stop_logging: the writer writes what came before it, then exits
_writer: tuple[queue.SimpleQueue, threading.Thread, list[logging.Handler]] | None = None  # set and cleared only by the main thread


class _Enqueue(logging.handlers.QueueHandler):
    """Puts records on the queue as they are; the writer thread formats them.

    The stdlib QueueHandler formats and copies every record in the calling thread; that is only needed when
    the record carries live objects — a traceback (formatted here, as the stdlib does) or mutable arguments.
    Our log calls pass strings and numbers, which are safe to format later in another thread.
    """

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.exc_info or record.stack_info:
            return super().prepare(record)
        return record

    def handle(self, record: logging.LogRecord) -> bool:
        # Handler.handle holds the handler's lock around emit; the queue is thread-safe on its own, and under
        # load that lock was where request threads queued up.
        if not self.filter(record):
            return False
        self.emit(record)
        return True


class BatchedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler that writes a batch of formatted lines with one write and one flush.

    The stdlib handler formats each record twice (once to decide on rotation) and checks the file with two
    stat calls per record; here each record is formatted once and the size is checked once per batch.
    """

    def write_lines(self, lines: list[str]) -> None:
        if not lines:
            return
        text = "".join(line + self.terminator for line in lines)
        with self.lock:
            if self.stream is None:
                self.stream = self._open()
            if self.maxBytes > 0 and self.stream.tell() + len(text) >= self.maxBytes and self.stream.tell() > 0:
                self.doRollover()
            self.stream.write(text)
            self.stream.flush()


access_log = logging.getLogger("mygallery.access")


def log_access(method: str, path: str, status: int, ms: float, request_id: str, session: str, client: str) -> None:
    """The one access line of a request. With the writer running it is queued as a plain tuple and formatted
    there, exactly as the file's formatter would (a LogRecord costs more than answering /api/health)."""
    if not access_log.isEnabledFor(logging.INFO):
        return
    writer = _writer
    if writer is not None:
        writer[0].put((time.time(), method, path, status, ms, request_id, session, client))
    else:
        access_log.info("%s %s %d %.1fms rid=%s sid=%s client=%s", method, path, status, ms, request_id, session,
                        client)


class _AccessLines:
    """Formats queued access tuples like "%(asctime)s %(levelname)s %(name)s: %(message)s" with the default
    date format; the date part is made once per second."""

    def __init__(self) -> None:
        self.second = -1
        self.stamp = ""

    def line(self, item: tuple) -> str:
        created, method, path, status, ms, request_id, session, client = item
        second = int(created)
        if second != self.second:
            self.second, self.stamp = second, time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(created))
        return (f"{self.stamp},{int((created - second) * 1000):03d} INFO {access_log.name}: {method} {path} "
                f"{status:d} {ms:.1f}ms rid={request_id} sid={session} client={client}")


def _write(records: queue.SimpleQueue, file_handler: BatchedRotatingFileHandler, console: logging.Handler) -> None:
    """The log-writer thread: take what is queued, in batches, until _STOP."""
    access_lines = _AccessLines()
    while True:
        batch = [records.get()]
        # Let a batch gather: while this thread waits in get(), every record put wakes it (a system call and
        # a GIL hand-over per request); while it pauses here, putting a record costs next to nothing.
        time.sleep(BATCH_SECONDS)
        while len(batch) < 1000:
            try:
                batch.append(records.get_nowait())
            except queue.Empty:
                break
        stop = any(record is _STOP for record in batch)
        batch = [record for record in batch if record is not _STOP]
        try:
            file_handler.write_lines([access_lines.line(item) if isinstance(item, tuple) else file_handler.format(item)
                                      for item in batch if isinstance(item, tuple) or item.levelno >= file_handler.level])
            for record in batch:
                if not isinstance(record, tuple) and record.levelno >= console.level:
                    console.handle(record)
        except Exception:  # noqa: BLE001 - a full disk must not kill the writer; the lines are lost, as with stdlib
            file_handler.handleError(logging.makeLogRecord({"msg": "server.log: lines lost"}))
        if stop:
            return


def configure_logging(settings: Settings) -> None:
    """server.log in LOG_DIR, rotated at 10 MB x 5; warnings also on stderr; DEBUG=true for more."""
    stop_logging()
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    file_handler = BatchedRotatingFileHandler(settings.log_dir / "server.log", maxBytes=10 * 2**20, backupCount=5,
                                              encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    global _writer
    records: queue.SimpleQueue = queue.SimpleQueue()
    thread = threading.Thread(target=_write, args=(records, file_handler, console), name="log-writer", daemon=True)
    thread.start()
    _writer = (records, thread, [file_handler, console])
    root.addHandler(_Enqueue(records))
    root.setLevel(logging.DEBUG if settings.debug else logging.INFO)
    for noisy in ("bm25s", "httpx", "openai", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if settings.debug else logging.WARNING)


def stop_logging() -> None:
    """Write out every queued record, stop the writer thread and close the files (no-op when not started)."""
    global _writer
    if _writer is None:
        return
    records, thread, handlers = _writer
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Enqueue)]:
        root.removeHandler(handler)  # later records go to logging's last resort (stderr), not to a dead queue
    records.put(_STOP)
    thread.join(timeout=10)
    for handler in handlers:
        handler.close()
    _writer = None
