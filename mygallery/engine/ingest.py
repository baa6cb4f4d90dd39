"""Build or update the index from the documents folder, incrementally.

Each run compares the documents' SHA-256 fingerprints with the manifest: unchanged documents keep their chunks
and vectors; changed and new documents are loaded, chunked and embedded; removed ones are dropped. In hnswlib the
old labels are marked deleted and the new vectors reuse their slots (`replace_deleted`), on a copy loaded from
disk, so a server searching the current index is never touched. Unchanged documents + same settings = no-op.
A file that cannot be read is skipped with a warning naming it. Non-goals: watching the folder for changes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import hnswlib
import numpy as np

from ..config import Settings
from ..errors import DocumentError, IndexUnavailable
from .chunking import CHUNKING_VERSION, Chunk, chunk_document
from .documents import find_documents, fingerprint, load_document, read_as_now, reader_version
from .embeddings import Embedder
from .index import DENSE_LAYOUT, FORMAT_VERSION, HybridIndex
from .token_count import token_counter

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, current file)


@dataclass
class IngestReport:
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchanged: bool = False

    def summary(self) -> str:
        what = "index up to date, nothing to do" if self.unchanged else (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed")
        skipped = f", {len(self.warnings)} skipped" if self.warnings else ""
        return (f"ingest: {self.documents} documents, {self.chunks} chunks, {self.seconds:.1f} s "
                f"({what}{skipped})")


def _compatible(manifest: dict | None, embedder: Embedder, settings: Settings, tokenizer: str) -> bool:
    if manifest is None:
        return False
    return (manifest["embedding"]["name"] == embedder.name and manifest.get("dense") == DENSE_LAYOUT
            and manifest["chunking"] == _chunking(settings, tokenizer))


def _chunking(settings: Settings, tokenizer: str) -> dict:
    """How the chunks were cut: an index cut otherwise is rebuilt."""
    return {"tokens": settings.chunk_tokens, "overlap": settings.chunk_overlap, "tokenizer": tokenizer,
            "version": CHUNKING_VERSION}


def ingest(settings: Settings, embedder: Embedder, *, docs_dir: Path | None = None, index_dir: Path | None = None,
           rebuild: bool = False, progress: Progress | None = None) -> tuple[IngestReport, HybridIndex]:
    """Bring the index in index_dir up to date with docs_dir; return the report and the (new or current) index."""
    started = time.perf_counter()
    docs_dir = docs_dir or settings.docs_dir
    index_dir = index_dir or settings.index_dir
    if not docs_dir.is_dir():
        raise IndexUnavailable(f"documents folder {docs_dir} does not exist")
    tokenizer, count = token_counter()
    report = IngestReport()

    previous: HybridIndex | None = None
    manifest = None
    if not rebuild:
        try:
            manifest = HybridIndex.read_manifest(index_dir)
        except IndexUnavailable as exc:
            log.warning("%s; rebuilding", exc)
        if _compatible(manifest, embedder, settings, tokenizer):
            try:
                previous = HybridIndex.load(index_dir, embedder)
            except IndexUnavailable as exc:
                log.warning("%s; rebuilding", exc)
                manifest = None
        else:
            manifest = None
    known = manifest["documents"] if manifest else {}
    known_skipped = manifest.get("skipped", {}) if manifest else {}

    paths = find_documents(docs_dir)
    current = {p.relative_to(docs_dir).as_posix(): (p, fingerprint(p)) for p in paths}
    report.removed = sorted(set(known) - set(current))
    to_load = []
    for rel, (path, sha) in current.items():
        if rel in known and read_as_now(known[rel], path, sha):
            continue
        if rel in known_skipped and read_as_now(known_skipped[rel], path, sha):
            report.warnings.append(f"skipped {rel}: {known_skipped[rel]['reason']}")
            log.warning(report.warnings[-1])
            continue
        (report.changed if rel in known else report.added).append(rel)
        to_load.append((rel, path, sha))

    if previous is not None and not to_load and not report.removed:
        report.unchanged = True
        report.documents, report.chunks = len(known), len(previous)
        report.seconds = time.perf_counter() - started
        return report, previous

    # Load, chunk and embed what is new; bad files are skipped with a warning naming them.
    new_chunks: list[Chunk] = []
    documents = {rel: meta for rel, meta in known.items() if rel in current and rel not in report.changed}
    skipped = {rel: meta for rel, meta in known_skipped.items() if rel in current and rel not in dict.fromkeys(
        r for r, _, _ in to_load)}
    for done, (rel, path, sha) in enumerate(to_load, start=1):
        if progress:
            progress(done - 1, len(to_load), rel)
        try:
            doc = load_document(path, docs_dir)
        except DocumentError as exc:
            report.warnings.append(f"skipped {rel}: {exc}")
            log.warning(report.warnings[-1])
            skipped[rel] = {"sha256": sha, "reason": str(exc), "reader": reader_version(path)}
            documents.pop(rel, None)
            continue
        pieces = chunk_document(doc, max_tokens=settings.chunk_tokens, overlap=settings.chunk_overlap, count=count)
        new_chunks.extend(pieces)
        documents[rel] = {"sha256": sha, "title": doc.title, "chunks": len(pieces), "reader": reader_version(path)}
    if progress:
        progress(len(to_load), len(to_load), "embedding")
    new_vectors = embedder.embed([c.search_text for c in new_chunks]) if new_chunks else \
        np.zeros((0, embedder.dim), dtype=np.float32)
    dropped_docs = set(report.removed) | set(report.changed) | {r for r, _, _ in to_load}

    # Keep what is unchanged from the previous index, in its order.
    keep = [i for i, c in enumerate(previous.chunks) if c.doc not in dropped_docs] if previous else []
    kept_chunks = [previous.chunks[i] for i in keep] if previous else []
    kept_labels = previous.labels[keep] if previous else np.zeros(0, dtype=np.int64)
    kept_vectors = previous.vectors[keep] if previous else np.zeros((0, embedder.dim), dtype=np.float32)
    next_label = int(manifest.get("next_label", 0)) if previous else 0
    new_labels = np.arange(next_label, next_label + len(new_chunks), dtype=np.int64)

    chunks = kept_chunks + new_chunks
    labels = np.concatenate([kept_labels, new_labels])
    vectors = np.concatenate([kept_vectors, new_vectors]).astype(np.float32)
    capacity = max(16, len(chunks))
    hnsw = None
    if chunks:
        if previous is not None and previous.hnsw is not None:
            hnsw = hnswlib.Index(space="cosine", dim=embedder.dim)  # a private copy: the live index stays as is
            hnsw.load_index(str(previous.generation_dir / "hnsw.bin"),
                            max_elements=max(capacity, previous.hnsw.get_max_elements()),
                            allow_replace_deleted=True)
            for label in set(previous.labels.tolist()) - set(kept_labels.tolist()):
                hnsw.mark_deleted(int(label))
            needed = hnsw.get_current_count() + len(new_chunks)  # ignores reusable slots: may over-allocate a bit
            if needed > hnsw.get_max_elements():
                hnsw.resize_index(needed)
            if len(new_chunks):
                hnsw.add_items(new_vectors, new_labels, replace_deleted=True)
        else:
            hnsw = hnswlib.Index(space="cosine", dim=embedder.dim)
            hnsw.init_index(max_elements=capacity, ef_construction=DENSE_LAYOUT["ef_construction"],
                            M=DENSE_LAYOUT["M"], allow_replace_deleted=True)
            hnsw.set_num_threads(2)
            hnsw.add_items(vectors, labels)
        capacity = hnsw.get_max_elements()

    new_manifest = {
        "format": FORMAT_VERSION,
        "embedding": {"name": embedder.name, "dim": embedder.dim},
        "dense": dict(DENSE_LAYOUT),
        "chunking": _chunking(settings, tokenizer),
        "documents": documents,
        "skipped": skipped,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "next_label": int(next_label + len(new_chunks)),
        "capacity": int(capacity),
        "chunks": len(chunks),
    }
    index = HybridIndex(chunks, labels, vectors, hnsw, new_manifest, embedder)
    index.save(index_dir)
    report.documents, report.chunks = len(documents), len(chunks)
    report.seconds = time.perf_counter() - started
    return report, index
