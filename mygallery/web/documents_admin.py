"""The documents of the knowledge base, managed from the admin panel (all behind the admin token):

- `GET /api/admin/documents`: every file of DOCS_DIR with its type, size, pages, chunks, when it was added and
  its status against the index the server answers from (engine/catalog.py), the upload limit and the index
  job's status;
- `POST /api/admin/documents` (multipart/form-data, one or more files in the field `file`, all together at most
  MAX_UPLOAD_BYTES): every file checked before any is written (uploads.py) — a bad one refuses the upload with
  a 4xx naming it and leaves the folder and the index as they were — then written and re-indexed: 202 with the
  job's status;
- `DELETE /api/admin/documents/{name}`: the file removed and re-indexed: 202;
- `GET /api/admin/ingest`: the index job's progress; `POST /api/admin/ingest` (`{"rebuild"?: bool}`): re-index
  now: 202.
Changes run as index jobs (index_jobs.py), one at a time: while one runs, another change gets 409 and the chat
keeps answering from the current index until the new generation is swapped in.
Non-goals: editing documents, folders (uploads go to the top of DOCS_DIR), several documents folders.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from ..config import Settings
from ..engine.catalog import FileFacts, as_json, catalog
from ..engine.documents import SUPPORTED_SUFFIXES, find_documents
from ..engine.index import LiveIndex
from ..errors import BadRequest, IndexBusy, NotFound, PayloadTooLarge
from .http_types import Request, Response
from .index_jobs import IndexJobs
from .multipart import boundary_of, parse_form_data
from .uploads import check_uploads, shown, store_uploads

PEEK_BYTES = 4096  # of an oversized upload, read to name its first file in the 413


class DocumentsAdmin:
    def __init__(self, settings: Settings, *, library: LiveIndex, jobs: IndexJobs,
                 require_admin: Callable[[Request], None]) -> None:
        self.settings = settings
        self.docs_dir = settings.docs_dir
        self.library = library
        self.jobs = jobs
        self.require_admin = require_admin
        self.facts = FileFacts()

    def list(self, request: Request) -> Response:
        self.require_admin(request)
        index = self.library.current()
        entries = catalog(self.docs_dir, index.manifest if index is not None else None, self.facts)
        return Response(body={"documents": as_json(entries), "max_upload_bytes": self.settings.max_upload_bytes,
                              "suffixes": sorted(SUPPORTED_SUFFIXES), "ingest": self.jobs.status()})

    def upload(self, request: Request) -> Response:
        self.require_admin(request)
        content_type = request.header("content-type")
        boundary_of(content_type)  # 415/400 before any of the body is read
        if self.jobs.running:  # refused before reading what may be megabytes; claimed for real below
            raise IndexBusy("the index is being updated; upload again when it has finished")
        self._refuse_oversized(request)
        parts = parse_form_data(request.read_body(self.settings.max_upload_bytes), content_type)
        uploads = check_uploads(parts, self.docs_dir)
        replaced: list[str] = []
        status = self.jobs.reindex("upload", prepare=lambda: replaced.extend(store_uploads(self.docs_dir, uploads)))
        accepted = [{"name": u.name, "type": u.kind, "size": len(u.data), "title": u.title,
                     "replaced": u.name in replaced} for u in uploads]
        return Response(202, {"accepted": accepted, "ingest": status})

    def _refuse_oversized(self, request: Request) -> None:
        """413 for a body over MAX_UPLOAD_BYTES, naming the first file when its part head has arrived."""
        length = request.content_length()  # a bad Content-Length: the handler's 400
        limit = self.settings.max_upload_bytes
        if length <= limit:
            return
        start = request.peek_body(PEEK_BYTES)
        marker = start.find(b'filename="')
        name = start[marker + 10:].split(b'"', 1)[0].decode("utf-8", "replace") if marker >= 0 else ""
        what = f"{shown(name)} is too large: the upload is" if name else "the upload is"
        raise PayloadTooLarge(f"{what} {length:,} bytes; the limit is {limit:,} bytes (MAX_UPLOAD_BYTES) — "
                              "nothing was uploaded")

    def delete(self, request: Request) -> Response:
        self.require_admin(request)
        name = unquote(request.params["name"])
        names = {path.relative_to(self.docs_dir).as_posix(): path for path in find_documents(self.docs_dir)} \
            if self.docs_dir.is_dir() else {}
        path = names.get(name)
        if path is None:
            raise NotFound(f"no document {shown(name)} in the documents folder")
        status = self.jobs.reindex("delete", prepare=lambda: path.unlink(missing_ok=True))
        return Response(202, {"deleted": name, "ingest": status})

    def ingest_status(self, request: Request) -> Response:
        self.require_admin(request)
        return Response(body=self.jobs.status())

    def reindex(self, request: Request) -> Response:
        self.require_admin(request)
        rebuild = False
        if request.content_length():
            rebuild = request.json_object().get("rebuild", False)
            if not isinstance(rebuild, bool):
                raise BadRequest("'rebuild' must be true or false")
        return Response(202, self.jobs.reindex("rebuild" if rebuild else "reindex", rebuild=rebuild))
