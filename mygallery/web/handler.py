"""`GalleryRequestHandler`: one connection's requests, from the parsed head to the written response.

The path of a request: `parse_request` reads the head strictly (http_head.py), `dispatch` finds the route
(`GalleryApp.route`) and calls its handler with a `Request`, then writes the `Response` — whole, as
server-sent events (chunked, flushed event by event), or, for a `Response.later`, by the thread that has the
answer (`_replier`), while this thread goes back to reading; a per-connection lock (`_answered`) keeps
responses in request order when a client pipelines. Every error is answered through `error_response`; a bug
is a 500 with the request id only, its traceback in server.log. Bodies are read only when a route asks
(`Request.read_body`), within MAX_BODY_BYTES and, all of a body, within REQUEST_TIMEOUT_SECONDS; a body left
unread is dropped or the connection closed gently. While the server drains (shutting down), every response
says `Connection: close`.
Behaviour is set by attributes, as in http.server: HTTP/1.1 keep-alive with TCP_NODELAY (without it every
keep-alive response waits for the client's delayed ACK) and a write buffer so a response leaves in one send.
Non-goals: accepting connections (server.py), routing and answering (app.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Protocol
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import BadRequest, GalleryError, PayloadTooLarge, RequestTimeout
from .connection import CLIENT_GONE, DRAIN_BYTES, linger, send_soon, set_kernel_timeout
from .http_head import (
    HEADER_SECONDS,
    SERVER_NAME,
    date_header,
    error_response,
    http_version,
    internal_error,
    read_header_lines,
    read_rest,
    rendered,
    response_head,
)
from .http_types import UPLOAD_PATH, Handler, Request, Response

log = logging.getLogger("mygallery.server")
PEEK_SECONDS = 2.0  # how long _peek_body waits for the first bytes of a body


class Routes(Protocol):
    """What the handler asks of the app (GalleryApp)."""

    settings: Settings

    def route(self, method: str, path: str) -> tuple[str, Handler, dict[str, str]]: ...


class ServerSide(Protocol):
    """What the handler asks of its server (GalleryHTTPServer, server.py)."""

    app: Routes
    idle_timeout: float
    draining: bool
    identity: bytes  # header lines naming this server on every response (X-Instance)

    def request_started(self) -> None: ...
    def request_finished(self, route: str, method: str, path: str, status: int, started: float, request_id: str,
                         session: str, client: str) -> None: ...


class GalleryRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 16  # headers and body leave in one send; handle_one_request flushes after each request
    server: ServerSide  # type: ignore[assignment]

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
        number = http_version(version)
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
        lines = read_header_lines(self.rfile, self.connection, deadline, self.server.idle_timeout)
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
        """`100 Continue` only for a body the server will read: one over MAX_BODY_BYTES is refused with its
        413 at once, before the client sends it (RFC 9110 §10.1.1), a Content-Length that is no number with 400."""
        try:
            length = self._content_length()
        except BadRequest as error:
            self.send_error(400, error.message)
            return False
        limit = self._body_limit()
        if length > limit:
            self.send_error(413, self._too_large(length, limit))
            return False
        with self._answered:  # the interim 100 goes after any response still due on this connection
            pass
        accepted = super().handle_expect_100()
        self.wfile.flush()  # out now: writes are buffered (wbufsize), and the client waits for it to send the body
        return accepted

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(timestamp) if timestamp is not None else date_header()

    def __getattr__(self, name: str):
        # Every method, known or not, goes through dispatch, which answers 405 for the ones a path lacks.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    # --- one request -----------------------------------------------------------------------------------------

    def dispatch(self) -> None:
        # The previous response on this connection is out: one answered by another thread may still be in
        # flight when a client pipelines (otherwise the lock is free and this costs no system call).
        self._answered.acquire()
        started = time.perf_counter()
        self.request_id = f"{random.getrandbits(64):016x}"  # names log lines, not a secret: no system call
        self._body_read = False
        target = urlsplit(self.path)
        path = target.path or "/"
        if self.server.draining:  # shutting down: this response says the connection ends with it
            self.close_connection = True
        request = Request(self.command, path, self.headers, self.client_address[0], self._read_body,
                          deferrable=not self.close_connection, query=target.query, peek_body=self._peek_body,
                          content_length=self._content_length)
        route, status = "not_found", 500
        handed_over = False
        self.server.request_started()
        try:
            try:
                route, handler, request.params = self.server.app.route(self.command, path)
                response = handler(request)
                if response.later is not None:
                    response.later(self._replier(route, request, started))
                    handed_over = True
                    return
                status = self._send(response)
            except GalleryError as error:
                status = self._send_error(error)
            except Exception:  # noqa: BLE001 - a bug: log the traceback, answer 500 with the request id only
                status = self._send_error(internal_error(self.command, path, self.request_id))
            self._discard_unread_body()
            if self.server.draining:
                self.close_connection = True
            # out before the request counts as finished (handle_one_request would flush it after): a drain that
            # sees no request in flight shuts every connection, and would cut this response off unsent
            self.wfile.flush()
        finally:
            if not handed_over:
                self._answered.release()
                self.server.request_finished(route, self.command, path, status, started, self.request_id,
                                             request.session_prefix, self.client_address[0])

    def _replier(self, route: str, request: Request, started: float) -> Callable[[Response | BaseException], None]:
        """What writes this request's `Response.later` from another thread (an answer process's reader or the
        compute thread) and logs it, while this connection's thread goes back to reading: the connection thread then
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
                close = server.draining  # a deferred request's connection is keep-alive, unless shutting down
                send_soon(sock, rendered(response, request_id, close, identity=server.identity), answered, close)
            except BaseException:
                answered.release()  # nothing was written; the connection must not wait for it forever
                raise
            finally:
                server.request_finished(route, method, request.path, status, started, request_id,
                                        request.session_prefix, client)

        return reply

    def _read_body(self, limit: int | None = None) -> bytes:
        """The whole body, at most `limit` bytes (MAX_BODY_BYTES unless a route, like an upload, says more)."""
        if self._body_read:
            return b""
        self._body_read = True
        if "transfer-encoding" in self.headers:
            self.close_connection = self._linger = True
            raise BadRequest("chunked request bodies are not supported; send Content-Length")
        length = self._content_length()
        limit = self.server.app.settings.max_body_bytes if limit is None else limit
        if length > limit:
            self.close_connection = self._linger = True  # the body stays unread: the connection cannot be reused
            raise PayloadTooLarge(self._too_large(length, limit))
        if not length:
            return b""
        started = time.monotonic()
        body = self.rfile.read1(length)  # usually all of it, already in the buffer: one call, no timeouts set
        if body is not None and len(body) == length:
            return body
        body = read_rest(self.rfile, self.connection, body or b"", length, started + self.server.idle_timeout,
                         self.server.idle_timeout)
        if len(body) < length:
            self.close_connection = True
            raise RequestTimeout(f"the body ended after {len(body)} of {length} bytes (it must arrive within "
                                 f"{self.server.idle_timeout:g} s)")
        return body

    def _peek_body(self, size: int) -> bytes:
        """Up to `size` bytes of the body that have arrived or arrive within PEEK_SECONDS, left unread (a route
        refusing an oversized upload names its file from them)."""
        if self._body_read or "transfer-encoding" in self.headers:
            return b""
        try:
            set_kernel_timeout(self.connection, PEEK_SECONDS)
            return bytes(self.rfile.peek(size)[:size])
        except OSError:
            return b""
        finally:
            set_kernel_timeout(self.connection, self.server.idle_timeout)

    def _content_length(self) -> int:
        raw = self.headers.get("content-length", "0").strip() or "0"
        if not (raw.isascii() and raw.isdigit()):  # isdigit() alone takes "²" and "١", which int() refuses or reads
            self.close_connection = self._linger = True
            raise BadRequest("Content-Length is not a number")
        return int(raw) if len(raw) <= 18 else 1 << 62  # int() of thousands of digits is slow, then refused

    def _too_large(self, length: int, limit: int) -> str:
        return f"the body is {length} bytes; the limit is {limit}"

    def _body_limit(self) -> int:
        """The most a request may send before its route is known: MAX_BODY_BYTES, or MAX_UPLOAD_BYTES for the
        upload route (curl sends `Expect: 100-continue` for every large upload)."""
        settings = self.server.app.settings
        if self.command == "POST" and urlsplit(self.path).path == UPLOAD_PATH:
            return max(settings.max_body_bytes, settings.max_upload_bytes)
        return settings.max_body_bytes

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
        self._headers_buffer = [response_head(status, content_type, extra, self.request_id, self.close_connection,
                                              self.server.identity)]

    def _send(self, response: Response) -> int:
        if self.server.draining:  # shutting down: the client must not send another request on this connection
            self.close_connection = True
        if response.events is not None:
            return self._send_events(response)
        self.wfile.write(rendered(response, self.request_id, self.close_connection, self.command != "HEAD",
                                  self.server.identity))
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
        error = GalleryError.with_status(code, {400: "bad_request", 408: "timeout", 413: "payload_too_large",
                                                414: "uri_too_long", 431: "headers_too_large"}.get(code, "bad_request"),
                                         message or self.responses.get(code, ("error",))[0])
        with contextlib.suppress(OSError):
            self._send(error_response(error))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # dispatch writes one access line per request with more detail

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s: %s", self.client_address[0], format % args)

