"""The HTTP server: a tuned standard-library ThreadingHTTPServer in front of `GalleryApp`.

Behaviour is set by attributes, as in CPython's http.server: HTTP/1.1 keep-alive with TCP_NODELAY (without it
every keep-alive response waits for the client's delayed ACK), a listen backlog of 1024 (SYNs dropped at the
default 5 turn into 1 s retransmit stalls), an idle timeout enforced by the kernel on blocking sockets (see
`set_kernel_timeout`) so silent clients cannot pin a thread, one deadline for a whole request head against
clients that dribble it (slowloris), and at most MAX_CONNECTIONS connection threads — one more is answered
503 and closed at once. The request head is parsed here, strictly (`parse_request`), not by http.server.
Errors are answered in one place (`_send_error`) in the JSON shape of CONTRACT.md; an unexpected exception is
a 500 whose body carries only the request id, the traceback goes to server.log. Every response carries the
security headers and X-Request-ID. A chat with the extractive backend that does not stream is handed over
(`GalleryApp.chat_whole` with a `_replier`): an answer process or the compute thread answers it, and the thread
that has the answer writes the response without waiting on the client (`send_soon`) and logs it, while the
connection's thread goes back to reading; a per-connection lock keeps responses in request order when a
client pipelines. A connection closed with input unread is closed gently (`linger`). `Gallery` wires app,
server and background threads together and stops them gracefully: stop accepting, let in-flight requests
finish up to a deadline, close idle keep-alive connections, join every thread, close the session store.
Non-goals: TLS (terminate it in the reverse proxy), HTTP/2.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import os
import random
import secrets
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from . import __version__
from .api import GalleryApp, Request, Response
from .config import Settings
from .errors import BadRequest, ConfigError, GalleryError, PayloadTooLarge, RequestTimeout, ServerBusy
from .logs import configure_logging, log_access, stop_logging

log = logging.getLogger("mygallery.server")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HEADER_SECONDS = 10.0  # all request headers must arrive within this (or the idle timeout, if shorter)
SECURITY_HEADER_LINES = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items()).encode("latin-1")
DRAIN_BYTES = 1 << 20  # an unread request body up to this size is read and dropped to keep the connection
# Closing a socket with unread input makes the kernel answer with a reset, which can discard our response
# before the client reads it (most clients, nginx among them, send the whole body before they read): after an
# answer that leaves input unread, the server reads and drops what keeps coming for a while (a lingering close).
LINGER_SECONDS = 2.0
LINGER_BYTES = 16 << 20
# A client that stopped reading (a send timed out: BlockingIOError, see set_kernel_timeout) or went away.
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, TimeoutError, BlockingIOError)
MAX_HEADER_LINE = 65536  # the limits of http.server: longer header lines and more headers are answered 431
MAX_HEADERS = 100
SERVER_NAME = f"mygallery/{__version__}"
_date_header = (0, "")  # (second, the Date header's value for it)


def _http_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of "HTTP/1.1", None when it is not that shape."""
    major, dot, minor = text.removeprefix("HTTP/").partition(".")
    if not text.startswith("HTTP/") or not dot or not all(
            part.isascii() and part.isdigit() and len(part) <= 10 for part in (major, minor)):
        return None
    return int(major), int(minor)


class GalleryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: GalleryApp, *, max_connections: int = 1024,
                 idle_timeout: float = 30.0) -> None:
        self.app = app
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.draining = False
        self._connections_lock = threading.Lock()  # guards _connections
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._in_flight = 0
        self._in_flight_lock = threading.Lock()  # guards _in_flight, which drain() polls
        super().__init__(address, GalleryRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        return f"http://{shown}:{port}"

    # --- connection threads ----------------------------------------------------------------------------------

    def process_request(self, request: socket.socket, client_address: tuple) -> None:  # type: ignore[override]
        with self._connections_lock:
            full = len(self._connections) >= self.max_connections
            if not full:
                thread = threading.Thread(target=self.process_request_thread, args=(request, client_address),
                                          name=f"http-{client_address[0]}:{client_address[1]}", daemon=True)
                self._connections[request] = thread
        if full:
            self._refuse(request)
            return
        thread.start()

    def process_request_thread(self, request: socket.socket, client_address: tuple) -> None:  # type: ignore[override]
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one broken connection must not take the server down
            log.debug("connection from %s failed", client_address, exc_info=True)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(request, None)

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 on a connection over the limit, without a thread, and close it."""
        body = json.dumps(ServerBusy("too many connections; try again shortly").to_json()).encode()
        head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
                "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode()
        with contextlib.suppress(OSError):
            request.settimeout(1.0)
            request.sendall(head + body)
        self.shutdown_request(request)

    def connection_count(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    # --- in-flight requests and draining ---------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def request_started(self) -> None:
        with self._in_flight_lock:
            self._in_flight += 1

    def request_finished(self, route: str, method: str, path: str, status: int, started: float, request_id: str,
                         session: str, client: str) -> None:
        """A request is answered (by its connection thread or the thread its answer came on): count it out,
        measure it, write its access line."""
        with self._in_flight_lock:
            self._in_flight -= 1
        elapsed = time.perf_counter() - started
        self.app.metrics.observe(route, method, status, elapsed)
        log_access(method, path, status, elapsed * 1000, request_id, session or "-", client)

    def drain(self, deadline: float) -> bool:
        """After shutdown(): wait for in-flight requests until `deadline` (monotonic), then close connections."""
        self.draining = True
        while self._in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        finished = self._in_flight == 0
        with self._connections_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # idle keep-alive readers wake up with EOF and exit
        for _, thread in connections:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        return finished


def set_kernel_timeout(sock: socket.socket, seconds: float) -> None:
    """Let the kernel end a blocking recv or send that waits longer than `seconds` (SO_RCVTIMEO/SO_SNDTIMEO).

    Python's own socket timeouts poll() before every recv and send and cost two fcntl calls each time they
    change; with the kernel's, a keep-alive request is one recv and one send. A recv that times out returns
    no data (the request ends as if the client had closed), a send raises BlockingIOError (see CLIENT_GONE)."""
    seconds = max(seconds, 0.001)  # 0 would mean "wait forever"
    value = struct.pack("ll", int(seconds), int(seconds % 1 * 1_000_000))  # struct timeval
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


class _DeadlineReader:
    """Wraps the request stream while headers are read: each line may only use what is left of one deadline."""

    def __init__(self, inner, sock: socket.socket, deadline: float) -> None:
        self.inner, self.sock, self.deadline = inner, sock, deadline

    def readline(self, limit: int = -1) -> bytes:
        # Byte by byte as they come, checking the deadline before every wait: a plain readline would wait
        # forever on a line that grows by one byte a second, as each byte resets the socket timeout.
        line = bytearray()
        while limit < 0 or len(line) < limit:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("request headers took too long")
            set_kernel_timeout(self.sock, remaining)
            ready = self.inner.peek(1)  # what is buffered, or one wait on the socket for more
            if not ready:
                if self.deadline - time.monotonic() < 0.05:
                    raise TimeoutError("request headers took too long")
                break  # end of stream
            end = ready.find(b"\n")
            take = len(ready) if end < 0 else end + 1
            if limit >= 0:
                take = min(take, limit - len(line))
            line += self.inner.read(take)
            if line.endswith(b"\n"):
                break
        return bytes(line)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def _date() -> str:
    """The Date header's value, made once per second."""
    global _date_header  # noqa: PLW0603 - a per-second cache; replacing the tuple is atomic
    second = int(time.time())
    if _date_header[0] != second:
        _date_header = (second, email.utils.formatdate(second, usegmt=True))
    return _date_header[1]


def response_head(status: int, content_type: str | None, extra: dict[str, str], request_id: str,
                  close: bool) -> bytes:
    """The status line and headers without the blank line after them, made as one string (send_header per
    line cost more than answering /api/health); every response carries the security headers."""
    phrase = BaseHTTPRequestHandler.responses.get(status, ("",))[0]
    head = (f"HTTP/1.1 {status} {phrase}\r\nServer: {SERVER_NAME}\r\nDate: {_date()}\r\n"
            f"X-Request-ID: {request_id}\r\n")
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if "Cache-Control" not in extra:
        head += "Cache-Control: no-store\r\n"
    for name, value in extra.items():
        head += f"{name}: {value}\r\n"
    if close:
        head += "Connection: close\r\n"
    return head.encode("latin-1") + SECURITY_HEADER_LINES


def rendered(response: Response, request_id: str, close: bool, with_body: bool = True) -> bytes:
    """A whole response (not an event stream) as bytes: head, Content-Length, blank line, body."""
    if response.status in (204, 304):
        return response_head(response.status, None, response.headers, request_id, close) + b"\r\n"
    body = response.body
    if isinstance(body, dict | list):
        body = json.dumps(body, ensure_ascii=False).encode("utf-8")
    body = body or b""
    head = response_head(response.status, response.content_type, response.headers, request_id, close)
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + (body if with_body else b"")


def internal_error(method: str, path: str, request_id: str, error: BaseException | None = None) -> GalleryError:
    """A bug while answering (call it in the except clause, or pass the exception): the traceback goes to
    server.log, the client gets a 500 that carries only the request id."""
    log.error("request %s %s failed [%s]", method, path, request_id, exc_info=error or True)
    return GalleryError(f"internal error; quote request id {request_id}")


def error_response(error: GalleryError) -> Response:
    headers = dict(error.headers)
    if error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return Response(error.status, error.to_json(), headers=headers)


def send_soon(sock: socket.socket, data: bytes, answered: threading.Lock, close: bool) -> None:
    """Send a response from an answering thread without ever waiting on the client: what the socket's buffer
    does not take at once (a client that stopped reading) is left to a thread of its own. Releases
    `answered` when everything is written or the client is gone; with `close`, shuts the connection after."""
    try:
        sent = sock.send(data, socket.MSG_DONTWAIT)
    except BlockingIOError:
        sent = 0
    except OSError:  # the client went away; its connection thread finds out on its next read
        answered.release()
        return
    if sent < len(data):
        threading.Thread(target=_send_rest, args=(sock, memoryview(data)[sent:], answered, close),
                         name="slow-reader", daemon=True).start()
        return
    if close:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    answered.release()


def linger(sock: socket.socket, seconds: float = LINGER_SECONDS, limit: int = LINGER_BYTES) -> None:
    """Close gently a connection whose client may still be sending: tell it we are done (FIN after the
    response), then read and drop its input until it closes, `seconds` pass or `limit` bytes came."""
    deadline = time.monotonic() + seconds
    received = 0
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        while received < limit and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            chunk = sock.recv(1 << 16)
            if not chunk:
                break
            received += len(chunk)


def _send_rest(sock: socket.socket, rest: memoryview, answered: threading.Lock, close: bool) -> None:
    try:
        sock.sendall(rest)  # blocking, within the kernel's send timeout (set_kernel_timeout)
    except OSError:
        close = True  # timed out or gone: the connection cannot be used any more
    finally:
        if close:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        answered.release()


class GalleryRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and body leave in one send; handle_one_request flushes after each request
    server: GalleryHTTPServer

    def version_string(self) -> str:
        return SERVER_NAME

    def setup(self) -> None:
        self.timeout = None  # a blocking socket: the kernel enforces the idle timeout (see set_kernel_timeout)
        super().setup()
        set_kernel_timeout(self.connection, self.server.idle_timeout)
        self._answered = threading.Lock()  # held from a request's start until its response is written
        self._linger = False  # the connection closes with input unread: see LINGER_SECONDS

    def finish(self) -> None:
        with self._answered:  # a response another thread is still writing goes out before the close
            pass
        super().finish()
        if self._linger:
            linger(self.connection)

    def parse_request(self) -> bool:
        """The request line and headers, read within one deadline (slowloris), into `self.headers`: a dict of
        lower-cased names. Our own parser: http.server's (the email package's) cost more than answering
        /api/health, and a stricter one suits a server (RFC 9112: no folded lines, no space before the colon)."""
        self.command = None
        self.request_version = "HTTP/1.0"  # until known; not http.server's 0.9, which answers without headers
        self.close_connection = True
        self.requestline = line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) != 3:
            self.send_error(400, f"bad request line {line[:200]!r}")
            return False
        command, path, version = words
        number = _http_version(version)
        if number is None:
            self.send_error(400, f"bad HTTP version {version[:20]!r}")
            return False
        if number >= (2, 0):  # 400, not http.server's 505: in this API a 5xx always means a bug of ours
            self.send_error(400, f"HTTP version {version} is not supported here; use HTTP/1.1")
            return False
        self.command, self.request_version = command, version
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path  # never a scheme-relative URL
        self.close_connection = number < (1, 1)
        deadline = time.monotonic() + min(HEADER_SECONDS, self.server.idle_timeout)
        lines = self._header_lines(deadline)
        if isinstance(lines, tuple):
            self.send_error(*lines)
            return False
        headers: dict[str, str] = {}
        for raw in lines:
            text = raw.decode("iso-8859-1")
            name, colon, value = text.partition(":")
            if not colon or not name or name != name.strip(" \t") or text[0] in " \t" or "\r" in text or "\0" in text:
                self.send_error(400, f"malformed header line {text[:100]!r}")
                return False
            key, value = name.lower(), value.strip(" \t")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value  # RFC 9110 list combination
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive" and number >= (1, 1):
            self.close_connection = False
        if headers.get("expect", "").lower() == "100-continue" and number >= (1, 1):
            return self.handle_expect_100()
        return True

    def handle_expect_100(self) -> bool:
        with self._answered:  # the interim 100 goes after any response still due on this connection
            pass
        accepted = super().handle_expect_100()
        self.wfile.flush()  # out now: writes are buffered (wbufsize), and the client waits for it to send the body
        return accepted

    def _header_lines(self, deadline: float) -> list[bytes] | tuple[int, str]:
        """The header lines without their line ends, or (status, message) for a head that breaks a limit."""
        buffered = self.rfile.peek()  # usually the whole head came in the request line's packet (no system call)
        if buffered.startswith(b"\r\n"):
            self.rfile.read(2)
            return []
        end = buffered.find(b"\r\n\r\n")
        if 0 < end <= MAX_HEADER_LINE and buffered.count(b"\n", 0, end) == buffered.count(b"\r\n", 0, end):
            lines = self.rfile.read(end + 4)[:end].split(b"\r\n")
            if len(lines) > MAX_HEADERS:
                return 431, "too many headers"
            return lines
        reader = _DeadlineReader(self.rfile, self.connection, deadline)  # the slow way: line by line
        lines = []
        try:
            while True:
                line = reader.readline(MAX_HEADER_LINE + 1)
                if len(line) > MAX_HEADER_LINE:
                    return 431, "header line too long"
                if not line:
                    return 400, "the request head ended early"
                if line in (b"\r\n", b"\n"):
                    return lines
                lines.append(line.rstrip(b"\r\n"))
                if len(lines) > MAX_HEADERS:
                    return 431, "too many headers"
        finally:
            set_kernel_timeout(self.connection, self.server.idle_timeout)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(timestamp) if timestamp is not None else _date()

    def __getattr__(self, name: str):
        # Every method, known or not, goes through dispatch, which answers 405 for the ones a path lacks.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # --- one request -----------------------------------------------------------------------------------------

    def dispatch(self) -> None:
        # The previous response on this connection is out: one handed to the compute thread may still be
        # in flight when a client pipelines (otherwise the lock is free and this costs no system call).
        self._answered.acquire()
        started = time.perf_counter()
        self.request_id = f"{random.getrandbits(64):016x}"  # names log lines, not a secret: no system call
        self._body_read = False
        app = self.server.app
        path = urlsplit(self.path).path or "/"
        request = Request(self.command, path, self.headers, self.client_address[0], self._read_body)
        route, status = "not_found", 500
        handed_over = False
        self.server.request_started()
        try:
            try:
                route, handler, request.params = app.route(self.command, path)
                if not self.close_connection and app.computed_whole(route, request):
                    app.chat_whole(request, self._replier(route, request, started))
                    handed_over = True
                    return
                status = self._send(handler(request))
            except GalleryError as error:
                status = self._send_error(error)
            except Exception:  # noqa: BLE001 - a bug: log the traceback, answer 500 with the request id only
                status = self._send_error(internal_error(self.command, path, self.request_id))
            self._discard_unread_body()
            if self.server.draining:
                self.close_connection = True
        finally:
            if not handed_over:
                self._answered.release()
                self.server.request_finished(route, self.command, path, status, started, self.request_id,
                                             request.session_prefix, self.client_address[0])

    def _replier(self, route: str, request: Request, started: float) -> Callable[[Response | BaseException], None]:
        """What writes this request's response from another thread (an answer process's reader or the compute
        thread) and logs it, while this connection's thread goes back to reading: the connection thread then
        needs the GIL once per request instead of twice, and its turn at the GIL no longer stands between a
        computed answer and the client. Everything it uses is taken now — the handler object moves on to the
        connection's next request."""
        request_id, method, client = self.request_id, self.command, self.client_address[0]
        sock, server, answered = self.connection, self.server, self._answered

        def reply(outcome: Response | BaseException) -> None:
            status = 500
            try:
                if isinstance(outcome, GalleryError):
                    response = error_response(outcome)
                elif isinstance(outcome, BaseException):  # a bug: the traceback to the log, a 500 to the client
                    response = error_response(internal_error(method, request.path, request_id, outcome))
                else:
                    response = outcome
                status = response.status
                close = server.draining
                send_soon(sock, rendered(response, request_id, close), answered, close)
            except BaseException:
                answered.release()  # nothing was written; the connection must not wait for it forever
                raise
            finally:
                server.request_finished(route, method, request.path, status, started, request_id,
                                        request.session_prefix, client)

        return reply

    def _read_body(self) -> bytes:
        if self._body_read:
            return b""
        self._body_read = True
        if "transfer-encoding" in self.headers:
            self.close_connection = self._linger = True
            raise BadRequest("chunked request bodies are not supported; send Content-Length")
        length = self._content_length()
        if length > self.server.app.settings.max_body_bytes:
            self.close_connection = self._linger = True  # the body stays unread: the connection cannot be reused
            raise PayloadTooLarge(f"the body is {length} bytes; the limit is "
                                  f"{self.server.app.settings.max_body_bytes}")
        body = self.rfile.read(length) if length else b""
        if length and (body is None or len(body) < length):  # the client stopped sending (idle timeout) or left
            self.close_connection = True
            raise RequestTimeout(f"the body ended after {len(body or b'')} of {length} bytes")
        return body

    def _content_length(self) -> int:
        raw = self.headers.get("content-length", "0").strip() or "0"
        if not raw.isdigit():
            self.close_connection = self._linger = True
            raise BadRequest("Content-Length is not a number")
        return int(raw)

    def _discard_unread_body(self) -> None:
        """A body the handler did not read: dropped to keep the connection, or left unread and the connection
        closed (too big to bother, or the connection closes anyway)."""
        if self._body_read:
            return
        try:
            length = self._content_length()
        except BadRequest:
            return
        if "transfer-encoding" in self.headers or length > DRAIN_BYTES or (length and self.close_connection):
            self.close_connection = self._linger = True
        elif length:
            self.rfile.read(length)

    # --- responses -------------------------------------------------------------------------------------------

    def _headers(self, status: int, content_type: str | None, extra: dict[str, str]) -> None:
        self._headers_buffer = [response_head(status, content_type, extra, self.request_id, self.close_connection)]

    def _send(self, response: Response) -> int:
        if response.events is not None:
            return self._send_events(response)
        self.wfile.write(rendered(response, self.request_id, self.close_connection, self.command != "HEAD"))
        return response.status

    def _send_error(self, error: GalleryError) -> int:
        return self._send(error_response(error))

    def _send_events(self, response: Response) -> int:
        """Server-sent events in chunked encoding, flushed event by event; errors become an `error` event."""
        assert response.events is not None
        self._headers(200, "text/event-stream; charset=utf-8",
                      {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Transfer-Encoding": "chunked",
                       **response.headers})
        self.end_headers()
        status = 200
        try:
            try:
                for event, data in response.events:
                    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
                    self._write_chunk((f"event: {event}\n" if event else "") + f"data: {payload}\n\n")
            except GalleryError as error:
                self._write_chunk(f"event: error\ndata: {json.dumps(error.to_json(), ensure_ascii=False)}\n\n")
                status = error.status
            except CLIENT_GONE:
                raise
            except Exception:  # noqa: BLE001 - a bug mid-stream: tell the client, log the traceback
                log.exception("event stream failed [%s]", self.request_id)
                failure = GalleryError(f"internal error; quote request id {self.request_id}")
                self._write_chunk(f"event: error\ndata: {json.dumps(failure.to_json())}\n\n")
                status = 500
            self.wfile.write(b"0\r\n\r\n")
        except CLIENT_GONE:
            self.close_connection = True
            status = 499  # the client went away mid-stream (nginx's name for it)
        finally:
            close = getattr(response.events, "close", None)
            if close:
                close()
        return status

    def _write_chunk(self, text: str) -> None:
        data = text.encode("utf-8")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, header too long) in our JSON shape."""
        with self._answered:  # goes after any response still due; never called while this thread holds it
            pass
        self.request_id = getattr(self, "request_id", secrets.token_hex(8))
        self.close_connection = self._linger = True  # the rest of a bad head, or its body, may still be coming
        error = GalleryError.with_status(code, {400: "bad_request", 408: "timeout", 414: "uri_too_long",
                                                431: "headers_too_large"}.get(code, "bad_request"),
                                         message or self.responses.get(code, ("error",))[0])
        with contextlib.suppress(OSError):
            self._send(Response(code, error.to_json()))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # dispatch writes one access line per request with more detail

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s: %s", self.client_address[0], format % args)


def pin_to_cpus(setting: str, allowed: set[int] | None = None) -> set[int] | None:
    """The CPUs the server process should run on for CPU_AFFINITY, or None to leave it to the scheduler.

    The server's Python threads share one GIL, so the process gets at most one core's worth of interpreter
    time whatever it is allowed; spread over several cores it gets less, because every GIL hand-off then moves
    the lock and the objects it guards between caches. Kept on one core, `/api/health` measured 29–36k
    instead of 16–21k req/s and extractive chat ~1,950 instead of ~1,770 answers/s on the 2-core bench machine
    (bench/README.md). `auto` takes the highest-numbered CPU it may use when it may use at least two (the
    first often takes more interrupts); `off` leaves the process unpinned; numbers pin to exactly those."""
    if setting == "off" or not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0) if allowed is None else allowed
    if setting == "auto":
        return {max(allowed)} if len(allowed) >= 2 else None
    wanted = {int(n) for n in setting.split(",")}
    if not wanted <= allowed:
        raise ConfigError(f"configuration error: CPU_AFFINITY={setting} names CPUs this process may not use "
                          f"(allowed: {','.join(map(str, sorted(allowed)))})")
    return wanted


def serve(settings: Settings) -> int:
    """`python -m mygallery serve`: run until SIGTERM/SIGINT, then shut down gracefully and exit 0."""
    from .gallery import CollectionPauses, Gallery

    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        # Before any thread starts: threads inherit the CPUs of the thread that starts them.
        cpus = pin_to_cpus(settings.cpu_affinity)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    configure_logging(settings)
    if cpus is not None:
        log.info("running on CPU %s (CPU_AFFINITY=%s): one core for one GIL", ",".join(map(str, sorted(cpus))),
                 settings.cpu_affinity)
    try:
        try:
            gallery = Gallery(settings, answer_cpus=allowed)  # answer processes may use every CPU we may
            CollectionPauses().install()
        except OSError as exc:
            print(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        except ConfigError as exc:  # e.g. REDIS_URL cannot be reached
            print(exc, file=sys.stderr)
            return 2
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        gallery.start()
        print(f"mygallery serving on {gallery.url} (chat: {gallery.url}/, admin: {gallery.url}/admin); "
              f"logs in {settings.log_dir / 'server.log'}", flush=True)
        stop.wait()
        print("mygallery: shutting down", flush=True)
        gallery.stop()
        return 0
    finally:
        stop_logging()  # every queued log line is written before the process exits
