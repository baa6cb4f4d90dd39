"""Strict decoding of JSON request bodies: what the standard `json` module lets through, refused as a 400.

`decode_object` turns a body into a JSON object or raises BadRequest, never anything else — every way a body can
be wrong is the client's, so none may become a 500 or a dropped connection:
- not UTF-8 (RFC 8259 §8.1; `json.loads` would also guess UTF-16 and UTF-32);
- nested deeper than MAX_DEPTH arrays and objects. Python's decoder recurses once per level and raises
  RecursionError near 1,000 levels (sys.getrecursionlimit), which would be a 500; the body is measured first,
  and only when it has more brackets than MAX_DEPTH at all, so an ordinary chat body costs two `bytes.count`s;
- `NaN`, `Infinity`, `-Infinity` (not JSON), and numbers too long for `int()` (over 4,300 digits);
- a lone UTF-16 surrogate escape (`"\\ud800"` with no partner): valid JSON syntax, but no Unicode text, so the
  string cannot be encoded again — in an answer, a log line or an error message that quotes it.
Non-goals: schemas (each route checks its own fields), duplicate keys (the last one wins, as in JSON.parse).
"""

from __future__ import annotations

import itertools
import json
import re

from ..errors import BadRequest

MAX_DEPTH = 64  # arrays and objects inside each other; the API's own bodies need 4
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # a JSON string, escapes included
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_LEVEL = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)  # made once: json.loads(…, **options) makes one a call


def decode_object(raw: bytes) -> dict | None:
    """The body as a JSON object, None for an empty one; BadRequest for anything else."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not valid UTF-8: {exc}") from None
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and depth(raw) > MAX_DEPTH:
        raise BadRequest(f"the JSON body is nested more than {MAX_DEPTH} levels deep")
    try:
        body = _DECODER.decode(text)
    except RecursionError:  # cannot happen below MAX_DEPTH; kept so that it can never be a 500
        raise BadRequest("the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if b"\\u" in raw:  # only an escape can make a surrogate: UTF-8 cannot carry one
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("the body holds a lone UTF-16 surrogate escape (such as \\ud800), which is not "
                             "text") from None
    return body


def depth(raw: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate(_LEVEL[b] for b in brackets), default=0)
