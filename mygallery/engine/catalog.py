"""The documents folder as the admin panel lists it: each file with its type, size, pages, chunks, when it was
added and whether the index the server answers from holds it.

Status, comparing the file on disk with the manifest of that index: `indexed` (the same content is indexed),
`pending` (new or changed since: the next re-index takes it), `failed` (the loader skipped this very content;
`reason` says why), `removed` (indexed, but the file is gone: the next re-index drops it). Fingerprints and PDF
page counts are kept per (path, size, mtime), so listing a folder of large PDFs reads each file once.
Collaborators: documents.py (find_documents, fingerprint, SUPPORTED_SUFFIXES), the index manifest (ingest.py).
Non-goals: changing anything (web/documents_admin.py and web/uploads.py do), reading document text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import PdfTextError
from .documents import SUPPORTED_SUFFIXES, find_documents, fingerprint, read_as_now
from .pdf_text import page_count

log = logging.getLogger(__name__)

CACHE_ENTRIES = 4096  # files whose fingerprint and page count are remembered


@dataclass
class DocumentEntry:
    name: str  # relative to the documents folder, with forward slashes
    type: str  # markdown | text | html | pdf
    size: int | None  # bytes on disk (None when the file is gone)
    pages: int | None  # PDFs only
    chunks: int  # in the index the server answers from
    added: str | None  # when the file was last written (ISO 8601 UTC)
    status: str  # indexed | pending | failed | removed
    title: str = ""
    reason: str = ""  # why the loader skipped it (status failed)


class FileFacts:
    """Fingerprints and PDF page counts by (path, size, mtime): computed once per version of a file."""

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self._cache_lock = threading.Lock()  # guards _cache; never held while a file is read
        self._cache: OrderedDict[tuple[str, int, int], tuple[str, int | None]] = OrderedDict()

    def of(self, path: Path, size: int, mtime_ns: int) -> tuple[str, int | None]:
        """(sha256, PDF page count or None) of this version of the file."""
        key = (str(path), size, mtime_ns)
        with self._cache_lock:
            known = self._cache.get(key)
            if known is not None:
                self._cache.move_to_end(key)
                return known
        facts = (fingerprint(path), pdf_pages(path) if path.suffix.lower() == ".pdf" else None)
        with self._cache_lock:
            self._cache[key] = facts
            while len(self._cache) > self.entries:
                self._cache.popitem(last=False)
        return facts


def pdf_pages(path: Path) -> int | None:
    """The number of pages of a PDF (pdfium, as the extractor opens it), or None when it cannot be read."""
    try:
        return page_count(path)
    except PdfTextError as exc:  # a broken PDF is listed with its status, not a failure
        log.debug("cannot count the pages of %s: %s", path, exc)
        return None


def iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def catalog(docs_dir: Path, manifest: dict | None, facts: FileFacts) -> list[DocumentEntry]:
    """Every document in `docs_dir` and every document of the manifest whose file is gone, sorted by name."""
    indexed = (manifest or {}).get("documents", {})
    skipped = (manifest or {}).get("skipped", {})
    entries: dict[str, DocumentEntry] = {}
    for path in find_documents(docs_dir) if docs_dir.is_dir() else []:
        name = path.relative_to(docs_dir).as_posix()
        try:
            stat = path.stat()
            sha, pages = facts.of(path, stat.st_size, stat.st_mtime_ns)
        except OSError:
            continue  # deleted while listing
        known = indexed.get(name)
        entry = DocumentEntry(name, SUPPORTED_SUFFIXES[path.suffix.lower()], stat.st_size, pages, 0,
                              iso(stat.st_mtime), "pending")
        if known and read_as_now(known, path, sha):  # else the next ingest reads it (again)
            entry.status, entry.chunks, entry.title = "indexed", int(known.get("chunks", 0)), known.get("title", "")
        elif name in skipped and read_as_now(skipped[name], path, sha):  # a new reader may read it
            entry.status, entry.reason = "failed", skipped[name].get("reason", "")
        entries[name] = entry
    for name, known in indexed.items():
        if name not in entries:
            kind = SUPPORTED_SUFFIXES.get(Path(name).suffix.lower(), "text")
            entries[name] = DocumentEntry(name, kind, None, None, int(known.get("chunks", 0)), None, "removed",
                                          known.get("title", ""))
    return [entries[name] for name in sorted(entries)]


def as_json(entries: list[DocumentEntry]) -> list[dict]:
    return [asdict(entry) for entry in entries]
