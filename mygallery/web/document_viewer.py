"""`GET /api/documents/{name}`: the original of a document the index holds, inline — what a citation opens.

Only a document of the index the server answers from can be read: `name` (URL-encoded, relative to DOCS_DIR)
must be one of its manifest's documents, and the file, with every symlink resolved, must lie inside the
documents folder; anything else is 404, so no request reaches any other file. A PDF is sent as
`application/pdf`, for the browser's own viewer (`#page=N` opens it at the cited page); Markdown, text and HTML
are decoded as the loaders decode them and sent as `text/plain; charset=utf-8` — never as HTML: the chat page
renders them safely itself (static/viewer.js). Every original carries `Content-Security-Policy: sandbox` and
`default-src 'none'`, so nothing in it can run, even when opened directly.
Non-goals: range requests, documents that were never indexed, thumbnails.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote

from ..config import Settings
from ..engine.documents import SUPPORTED_SUFFIXES, decode_text
from ..engine.index import LiveIndex
from ..errors import DocumentError, NotFound
from .http_types import Request, Response

ORIGINAL_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


class DocumentViewer:
    def __init__(self, settings: Settings, library: LiveIndex) -> None:
        self.docs_root = settings.docs_dir.resolve()
        self.library = library

    def path_of(self, name: str) -> Path:
        """The file of an indexed document, or NotFound — never a path outside the documents folder."""
        index = self.library.current()
        if index is None or name not in index.manifest.get("documents", {}):
            raise NotFound("no such document in the index")
        path = (self.docs_root / name).resolve()
        if not path.is_relative_to(self.docs_root) or not path.is_file():
            raise NotFound("no such document in the index")
        return path

    def original(self, request: Request) -> Response:
        name = unquote(request.params["name"])
        path = self.path_of(name)
        kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
        try:
            data = path.read_bytes()
        except OSError:
            raise NotFound("no such document in the index") from None
        headers = {"Content-Security-Policy": ORIGINAL_CSP, "Cache-Control": "no-cache",
                   "Content-Disposition": f"inline; filename*=UTF-8''{quote(path.name, safe='')}",
                   "X-Document-Type": kind or "text"}
        if kind == "pdf":
            return Response(200, data, "application/pdf", headers)
        try:
            text = decode_text(data)
        except DocumentError:
            raise NotFound("this document cannot be shown as text") from None
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8", headers)
