"""What every web module shares: a parsed `Request`, the `Response` a route answers with, and `is_loopback`.

The server (handler.py) parses HTTP into a `Request`, a route of `GalleryApp` (app.py) answers it with a
`Response` — JSON, bytes, an event stream, or `later`: computed off the connection's thread and written by
whatever thread has it (see `Response.later`) — and the server writes it. Routes never see sockets.
Non-goals: parsing or writing HTTP (http_head.py), routing (app.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from ..errors import BadRequest, UnsupportedMediaType
from .json_body import decode_object

# The one route whose body may be larger than MAX_BODY_BYTES (up to MAX_UPLOAD_BYTES): document uploads.
UPLOAD_PATH = "/api/admin/documents"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    client: str
    read_body: Callable[..., bytes]  # (limit=MAX_BODY_BYTES) -> the whole body; 413 past the limit
    params: dict[str, str] = field(default_factory=dict)
    query: str = ""  # the query string, read only by the routes that document parameters
    peek_body: Callable[[int], bytes] = lambda size: b""  # up to `size` bytes of the body already sent, not consumed
    content_length: Callable[[], int] = lambda: 0  # the declared body size; 400 when not ASCII digits
    deferrable: bool = False  # the connection stays open after this request: a `Response.later` may answer it
    session_prefix: str = ""  # set by handlers, for the request log
    parsed: dict | None = field(default=None, repr=False)  # the JSON body, once json_object() has read it

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def query_value(self, name: str, default: str | None = None) -> str | None:
        """The value of a query parameter (the last one when repeated), or `default`."""
        values = parse_qs(self.query, keep_blank_values=True).get(name)
        return values[-1] if values else default

    @property
    def forwarded(self) -> bool:
        """Whether a proxy says it forwarded this request for someone else."""
        return "x-forwarded-for" in self.headers or "forwarded" in self.headers

    def client_behind(self, trusted_proxies: tuple[str, ...]) -> str:
        """The client address for rate limits: from X-Forwarded-For when a trusted proxy sent the request
        (the right-most address the proxies did not add themselves), else the peer's address."""
        if self.client not in trusted_proxies or "x-forwarded-for" not in self.headers:
            return self.client
        hops = [hop.strip() for hop in self.headers["x-forwarded-for"].split(",") if hop.strip()]
        untrusted = [hop for hop in hops if hop not in trusted_proxies]
        return untrusted[-1] if untrusted else self.client

    def json_object(self, *, optional: bool = False) -> dict:
        """The body as a JSON object (strictly decoded: json_body.py); 415 when it is not declared JSON — so
        a page of another origin cannot send it without a CORS preflight, which this server never grants —
        400 when it is not a valid object. `optional`: an empty body is {}."""
        content_type = self.header("content-type").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
        if self.parsed is not None:
            return self.parsed
        body = decode_object(self.read_body())
        if body is None:
            if not optional:
                raise BadRequest("the body must be a JSON object")
            body = {}
        self.parsed = body
        return body


@dataclass
class Response:
    status: int = 200
    body: bytes | dict | list | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # server-sent events: (event name or None for a bare `data:` line, JSON object or literal text)
    events: Iterator[tuple[str | None, dict | str]] | None = None
    # A response computed off the connection's thread: the server calls `later(reply)` and goes back to reading
    # the connection; whichever thread has the outcome calls `reply` with the Response (or the error) once.
    later: Callable[[Callable[[Response | BaseException], None]], None] | None = None


Handler = Callable[[Request], Response]


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
