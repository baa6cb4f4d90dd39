"""HTTP/1.1 on the wire: reading a request head within limits and a deadline, and writing a response head.

Reading: the request line's version (`http_version`), the header lines (`read_header_lines`: at most
MAX_HEADERS lines and MAX_HEADER_BYTES in all, every line within one deadline against clients that dribble
them — slowloris), and the rest of a body that did not come at once, all of it by a deadline (`read_rest`). Writing: `response_head` and `rendered` make a whole response as one string, with the security
headers, X-Request-ID and a Date cached per second; `error_response` is the one place a `GalleryError` becomes
the JSON error shape; `internal_error` the one place a bug becomes a 500 whose body carries only the request id.
Non-goals: the request cycle (handler.py), sockets beyond a deadline read (connection.py).
"""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import time
from http.server import BaseHTTPRequestHandler

from .. import __version__
from ..errors import GalleryError
from .connection import set_kernel_timeout
from .http_types import Response

log = logging.getLogger("mygallery.server")

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
# For a route that sets its own, stricter Content-Security-Policy (the original documents: `sandbox`).
SECURITY_HEADER_LINES_OWN_CSP = "".join(f"{name}: {value}\r\n" for name, value in SECURITY_HEADERS.items()
                                        if name != "Content-Security-Policy").encode("latin-1")
# The whole of the header lines, line ends included, and how many: more is 431. A total, not a size per line
# (http.server's 100 lines of 64 KiB each let one connection make the server hold 6.4 MB): like nginx's
# large_client_header_buffers (4 × 8 KiB by default), but roomier for long cookies and tokens.
MAX_HEADER_BYTES = 65536
MAX_HEADERS = 100
SERVER_NAME = f"mygallery/{__version__}"
_date_header = (0, "")  # (second, the Date header's value for it)


def http_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of "HTTP/1.1", None when it is not that shape."""
    major, dot, minor = text.removeprefix("HTTP/").partition(".")
    if not text.startswith("HTTP/") or not dot or not all(
            part.isascii() and part.isdigit() and len(part) <= 10 for part in (major, minor)):
        return None
    return int(major), int(minor)



class DeadlineReader:
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



def read_header_lines(rfile, sock: socket.socket, deadline: float,
                      idle_timeout: float) -> list[bytes] | tuple[int, str]:
    """The header lines without their line ends, or (status, message) for a head that breaks a limit: at most
    MAX_HEADERS lines and MAX_HEADER_BYTES in all (nginx's large_client_header_buffers bounds the head the
    same way), so no connection makes the server hold more than that. Leaves the socket's timeout at
    `idle_timeout`."""
    buffered = rfile.peek()  # usually the whole head came in the request line's packet (no system call)
    if buffered.startswith(b"\r\n"):
        rfile.read(2)
        return []
    end = buffered.find(b"\r\n\r\n")
    if 0 < end <= MAX_HEADER_BYTES and buffered.count(b"\n", 0, end) == buffered.count(b"\r\n", 0, end):
        lines = rfile.read(end + 4)[:end].split(b"\r\n")
        if len(lines) > MAX_HEADERS:
            return 431, "too many headers"
        return lines
    reader = DeadlineReader(rfile, sock, deadline)  # the slow way: line by line
    lines = []
    left = MAX_HEADER_BYTES  # what the rest of the head may still take, line ends included
    try:
        while True:
            line = reader.readline(left + 1)
            if len(line) > left:
                return 431, f"the request headers are over {MAX_HEADER_BYTES} bytes"
            if not line:
                return 400, "the request head ended early"
            if line in (b"\r\n", b"\n"):
                return lines
            left -= len(line)
            lines.append(line.rstrip(b"\r\n"))
            if len(lines) > MAX_HEADERS:
                return 431, "too many headers"
    finally:
        set_kernel_timeout(sock, idle_timeout)


def read_rest(rfile, sock: socket.socket, start: bytes, length: int, deadline: float, idle_timeout: float) -> bytes:
    """`start` and what more of a `length`-byte body arrives by `deadline` (shorter when it does not). One
    deadline for the whole body: a client sending a byte now and then would otherwise reset the kernel's
    timeout with every byte and hold a thread as long as it likes. Leaves the socket's timeout at
    `idle_timeout`."""
    body = bytearray(start)
    try:
        while len(body) < length:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            set_kernel_timeout(sock, left)
            chunk = rfile.read1(length - len(body))
            if not chunk:  # the deadline passed in the wait (no data), or the client left
                break
            body += chunk
    finally:
        set_kernel_timeout(sock, idle_timeout)
    return bytes(body)


def date_header() -> str:
    """The Date header's value, made once per second."""
    global _date_header  # noqa: PLW0603 - a per-second cache; replacing the tuple is atomic
    second = int(time.time())
    if _date_header[0] != second:
        _date_header = (second, email.utils.formatdate(second, usegmt=True))
    return _date_header[1]


def response_head(status: int, content_type: str | None, extra: dict[str, str], request_id: str,
                  close: bool, identity: bytes = b"") -> bytes:
    """The status line and headers without the blank line after them, made as one string (send_header per
    line cost more than answering /api/health); every response carries the security headers and the server's
    `identity` lines (its X-Instance header: `instance_header`)."""
    phrase = BaseHTTPRequestHandler.responses.get(status, ("",))[0]
    head = (f"HTTP/1.1 {status} {phrase}\r\nServer: {SERVER_NAME}\r\nDate: {date_header()}\r\n"
            f"X-Request-ID: {request_id}\r\n")
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    if "Cache-Control" not in extra:
        head += "Cache-Control: no-store\r\n"
    for name, value in extra.items():
        head += f"{name}: {value}\r\n"
    if close:
        head += "Connection: close\r\n"
    if "Content-Security-Policy" in extra:
        return head.encode("latin-1") + SECURITY_HEADER_LINES_OWN_CSP + identity
    return head.encode("latin-1") + SECURITY_HEADER_LINES + identity


def instance_header(instance_id: str) -> bytes:
    """The header line naming the instance that answered (X-Instance), made once per server."""
    return f"X-Instance: {instance_id}\r\n".encode("latin-1") if instance_id else b""


def rendered(response: Response, request_id: str, close: bool, with_body: bool = True,
             identity: bytes = b"") -> bytes:
    """A whole response (not an event stream) as bytes: head, Content-Length, blank line, body."""
    if response.status in (204, 304):
        return response_head(response.status, None, response.headers, request_id, close, identity) + b"\r\n"
    body = response.body
    if isinstance(body, dict | list):
        body = json.dumps(body, ensure_ascii=False).encode("utf-8")
    body = body or b""
    head = response_head(response.status, response.content_type, response.headers, request_id, close, identity)
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

