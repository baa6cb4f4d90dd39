"""What the answer tests share: real files written into a temporary folder, ingested into a real index, and an
answer service over it; the first line of an answer (the one that states the fact, or says the documents do not)."""

from __future__ import annotations

from pathlib import Path

from mygallery.config import Settings
from mygallery.engine.answering import AnswerService
from mygallery.engine.embeddings import make_embedder
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.engine.ingest import ingest


def gallery(root: Path, files: dict[str, str], **overrides: int) -> tuple[HybridIndex, AnswerService]:
    """`files` written into root/docs (root made when it is not there), ingested into root/index (with
    `overrides` of Settings, such as chunk_tokens): the index and an answer service over it."""
    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, text in files.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = Settings(docs_dir=docs, index_dir=root / "index", **overrides)
    _, index = ingest(settings, make_embedder(settings))
    return index, AnswerService(LiveIndex(index), top_k=5)


def first_line(text: str) -> str:
    return text.split("\n\n")[0]
