"""Uploaded documents, from a form part to a file in DOCS_DIR — or a refusal that names the file.

Checks, in order, each a 4xx naming the file: the name (400: a plain file name — no folders, no `..`, not hidden,
no control, format or reserved characters, not too long), its suffix (415: .pdf .md .markdown .txt .html .htm), the
type by content, not by name (415: a .pdf must carry the %PDF- header; a Markdown, text or HTML file must be
text the loaders can decode, and not a PDF), then the real document loader on a private copy in a temporary
folder (422: a corrupt or encrypted PDF, a file without text). Only when every file of an upload passes is
anything written, each file atomically (a hidden temporary file in DOCS_DIR renamed into place): the folder
never holds half a file, and a refused upload leaves it — and so the index — as it was.
Collaborators: documents_admin.py (the endpoint), engine/documents.py (`load_document`, `decode_text`).
Non-goals: virus scanning, de-duplication by content, subfolders (uploads go to the top of DOCS_DIR).
"""

from __future__ import annotations

import os
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..engine.documents import SUPPORTED_SUFFIXES, decode_text, load_document
from ..errors import BadRequest, DocumentError, GalleryError, UnreadableDocument, UnsupportedMediaType
from .multipart import Part

FIELD = "file"  # the form field that carries files
MAX_NAME_CHARS = 150
RESERVED = set('<>:"|?*')  # not allowed in names on other systems the files may be copied to
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WITHIN = 1024  # PDF readers accept the header anywhere in the first KiB


@dataclass
class Upload:
    name: str
    kind: str  # markdown | text | html | pdf (engine/documents.py SUPPORTED_SUFFIXES)
    data: bytes
    title: str


def shown(name: str, limit: int = 80) -> str:
    """A file name as it may appear in a message: quoted, control characters replaced, cut to `limit`."""
    clean = "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return repr(clean if len(clean) <= limit else clean[: limit - 1] + "…")


def document_name(raw: str | None) -> str:
    """The name an uploaded file will have in DOCS_DIR; BadRequest (or 415 for the suffix) naming it otherwise."""
    if not raw:
        raise BadRequest("every uploaded file needs a file name")
    name = unicodedata.normalize("NFC", raw)
    label = shown(name)
    if "/" in name or "\\" in name:
        raise BadRequest(f"{label}: a file name may not contain folders ('/' or '\\'); upload the file itself")
    if ".." in name:
        raise BadRequest(f"{label}: a file name may not contain '..'")
    if name.startswith("."):
        raise BadRequest(f"{label}: hidden files (names starting with '.') are not documents")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") for ch in name):
        raise BadRequest(f"{label}: a file name may not contain control or invisible formatting characters")
    if RESERVED & set(name):
        raise BadRequest(f"{label}: a file name may not contain any of < > : \" | ? *")
    if name != name.strip() or name.endswith("."):
        raise BadRequest(f"{label}: a file name may not begin or end with a space, or end with a dot")
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8")) > 240:
        raise BadRequest(f"{label}: the file name is longer than {MAX_NAME_CHARS} characters")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise UnsupportedMediaType(f"{label}: only PDF, Markdown, text and HTML files can be indexed "
                                   f"({' '.join(sorted(SUPPORTED_SUFFIXES))})")
    return name


def check_content(name: str, data: bytes) -> str:
    """The kind of document `data` is, checked against its name's suffix; 415/422 naming the file otherwise."""
    label = shown(name)
    kind = SUPPORTED_SUFFIXES[Path(name).suffix.lower()]
    if not data:
        raise UnreadableDocument(f"{label} is empty")
    is_pdf = data.find(PDF_MAGIC, 0, PDF_HEADER_WITHIN) >= 0
    if kind == "pdf" and not is_pdf:
        raise UnsupportedMediaType(f"{label} is not a PDF: its content has no %PDF- header (a file of another "
                                   "type renamed .pdf?)")
    if kind != "pdf":
        if is_pdf:
            raise UnsupportedMediaType(f"{label} holds a PDF; upload it with the .pdf suffix")
        try:
            decode_text(data)
        except DocumentError as exc:
            raise UnsupportedMediaType(f"{label} is not a {kind} file: {exc}") from None
    return kind


def load_privately(name: str, data: bytes) -> str:
    """Load the file with the real loader in a private temporary folder; its title, or 422 naming it."""
    with tempfile.TemporaryDirectory(prefix="mygallery-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            return load_document(path, Path(folder)).title
        except DocumentError as exc:
            raise UnreadableDocument(f"{shown(name)} cannot be read: {exc}") from None


def check_uploads(parts: list[Part], docs_dir: Path) -> list[Upload]:
    """Every file of an upload checked (name, type by content, the loader); refused as a whole, naming each
    bad file, when any fails — nothing is written here."""
    others = sorted({part.name for part in parts if part.name != FIELD})
    if others:
        raise BadRequest(f"unexpected form fields {', '.join(map(shown, others))}; send files in '{FIELD}'")
    if not parts:
        raise BadRequest(f"no file in the upload; send one or more files in the form field '{FIELD}'")
    uploads: list[Upload] = []
    problems: list[GalleryError] = []
    seen: set[str] = set()
    for part in parts:
        try:
            name = document_name(part.filename)
            if name.lower() in seen:
                raise BadRequest(f"{shown(name)} is in the upload twice")
            seen.add(name.lower())
            if (docs_dir / name).is_dir():
                raise BadRequest(f"{shown(name)}: a folder of that name is in the documents folder")
            kind = check_content(name, part.data)
            uploads.append(Upload(name, kind, part.data, load_privately(name, part.data)))
        except GalleryError as problem:
            problems.append(problem)
    if problems:
        first = problems[0]
        message = "; ".join(problem.message for problem in problems)
        raise GalleryError.with_status(first.status, first.code, f"{message} — nothing was uploaded")
    return uploads


def store_uploads(docs_dir: Path, uploads: list[Upload]) -> list[str]:
    """Write checked uploads into DOCS_DIR, each atomically; the names that replaced an existing file."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    replaced = []
    for upload in uploads:
        target = docs_dir / upload.name
        if target.exists():
            replaced.append(upload.name)
        temporary = docs_dir / f".upload-{secrets.token_hex(8)}.tmp"  # hidden: ingest never reads it
        try:
            with temporary.open("xb") as handle:
                handle.write(upload.data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
    return replaced
