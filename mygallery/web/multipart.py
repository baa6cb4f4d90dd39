"""A small, strict `multipart/form-data` parser (RFC 7578) for a body that is already in memory and bounded.

Job: turn the body of an upload into its parts — field name, file name and bytes — or refuse it with a 400 that
says what is wrong. Strict where browsers and curl are regular: CRLF line ends, a boundary from the
Content-Type, a closing delimiter, a `Content-Disposition: form-data; name=…` on every part, at most MAX_PARTS
parts with at most MAX_PART_HEAD bytes of headers each. File names are decoded as UTF-8 (what browsers send),
with `filename*=UTF-8''…` (RFC 5987) preferred when present; they are returned as given — deciding what a safe
name is belongs to the caller (uploads.py).
Collaborators: documents_admin.py reads the body (within MAX_UPLOAD_BYTES) and calls `parse_form_data`.
Non-goals: streaming bodies to disk, nested multipart/mixed, charsets other than UTF-8, transfer encodings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from ..errors import BadRequest, UnsupportedMediaType

MAX_PARTS = 32
MAX_PART_HEAD = 8192
_BOUNDARY = re.compile(r'boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))', re.IGNORECASE)
_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))')


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


def boundary_of(content_type: str) -> bytes:
    """The boundary of a multipart/form-data Content-Type; 415 for another type, 400 without a boundary."""
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMediaType("send the files as multipart/form-data (a form field named 'file')")
    match = _BOUNDARY.search(content_type)
    if match is None:
        raise BadRequest("the multipart/form-data Content-Type has no boundary")
    return (match.group(1) or match.group(2)).encode("latin-1")


def parse_form_data(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart/form-data body, in order; BadRequest naming the problem otherwise."""
    boundary = boundary_of(content_type)
    delimiter = b"--" + boundary
    if not body.startswith(delimiter):
        raise BadRequest("the multipart body does not start with its boundary")
    parts: list[Part] = []
    position = len(delimiter)
    while True:
        if body.startswith(b"--", position):  # the closing delimiter; an epilogue after it is ignored
            return parts
        if not body.startswith(b"\r\n", position):
            raise BadRequest("malformed multipart body: a boundary line must end with CRLF")
        position += 2
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise BadRequest("the multipart body ends before its closing boundary")
        if len(parts) == MAX_PARTS:
            raise BadRequest(f"too many parts in one upload (at most {MAX_PARTS})")
        parts.append(_part(body[position:end]))
        position = end + 2 + len(delimiter)


def _part(raw: bytes) -> Part:
    head_end = -1 if raw.startswith(b"\r\n") else raw.find(b"\r\n\r\n")
    if head_end < 0 or head_end > MAX_PART_HEAD:
        raise BadRequest("malformed multipart part: its headers are missing, unterminated or too long")
    headers: dict[str, str] = {}
    for line in raw[:head_end].split(b"\r\n"):
        name, colon, value = line.decode("utf-8", errors="replace").partition(":")
        if not colon or not name.strip() or name != name.strip():
            raise BadRequest(f"malformed multipart header line {line[:80]!r}")
        headers[name.lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    if disposition.split(";")[0].strip().lower() != "form-data":
        raise BadRequest("every multipart part needs Content-Disposition: form-data")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(disposition):
        quoted = match.group(2)  # kept as sent: a back-slash stays, and names with one are refused later
        params[match.group(1).lower()] = match.group(3) if quoted is None else quoted
    if "name" not in params:
        raise BadRequest("a multipart part has no field name")
    filename: str | None = params.get("filename")
    extended = params.get("filename*", "")
    if extended.lower().startswith("utf-8''"):
        try:
            filename = unquote(extended[7:], encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise BadRequest("a file name (filename*) is not valid UTF-8") from None
    return Part(params["name"], filename, headers.get("content-type", "application/octet-stream"),
                raw[head_end + 4:])
