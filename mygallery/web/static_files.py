"""The web pages' files (static/): safe path resolution, content types and ETag revalidation.

A request path is URL-decoded once, must be relative, and after resolving symlinks must stay inside the static
folder — `..`, absolute paths, backslashes, NUL bytes and hidden files are all answered 404, so no request can
read a file outside static/. Files are cached in memory by (mtime, size) and sent with a strong ETag and
`Cache-Control: no-cache`, so browsers revalidate cheaply (304) and always see a new deployment.
Non-goals: directory listings, range requests, compression.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from urllib.parse import unquote

from ..errors import NotFound
from .http_types import Request, Response

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".json": "application/json",
    ".txt": "text/plain; charset=utf-8", ".woff2": "font/woff2",
}


class StaticFiles:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._cache_lock = threading.Lock()  # guards _cache
        self._cache: dict[Path, tuple[tuple[float, int], bytes, str]] = {}  # path -> (stamp, data, etag)

    def resolve(self, relative: str) -> Path:
        """The file for a request path below static/, or NotFound — never a path outside the folder."""
        name = unquote(relative)
        if not name or "\x00" in name or "\\" in name or name.startswith("/"):
            raise NotFound("no such file")
        parts = name.split("/")
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            raise NotFound("no such file")
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root) or not path.is_file() or path.suffix.lower() not in CONTENT_TYPES:
            raise NotFound("no such file")
        return path

    def read(self, path: Path) -> tuple[bytes, str]:
        stat = path.stat()
        stamp = (stat.st_mtime, stat.st_size)
        with self._cache_lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
        data = path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        with self._cache_lock:
            self._cache[path] = (stamp, data, etag)
        return data, etag

    def response(self, relative: str, request: Request) -> Response:
        path = self.resolve(relative)
        data, etag = self.read(path)
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if etag in [tag.strip() for tag in request.header("if-none-match").split(",")]:
            return Response(304, None, headers=headers)
        return Response(200, data, CONTENT_TYPES[path.suffix.lower()], headers)
