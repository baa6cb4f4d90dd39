"""The OpenAI embedder (EMBEDDING_BACKEND=openai) through the real `openai` client against the stand-in server
of tests/fake_openai.py, whose /v1/embeddings gives each text a deterministic word-count vector: batches and
their order, normalisation, an index built, searched and reloaded with it, and what a server error becomes
(for the embedder, for ingest, for a starting server)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import openai
import pytest

from mygallery.config import Settings
from mygallery.engine.embeddings import OpenAIEmbedder, make_embedder
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.engine.ingest import ingest
from mygallery.errors import EmbedderUnavailable
from mygallery.service import GalleryService
from tests.conftest import TRIM_NOTE, make_settings, small_corpus
from tests.fake_openai import EMBEDDING_DIM, FakeOpenAI, fake_embedding
from tests.http_helpers import assert_error, call


def openai_settings(fake: FakeOpenAI, tmp_path: Path, **changes) -> Settings:
    return Settings(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", embedding_backend="openai",
                    openai_base_url=fake.url, openai_api_key="sk-test-embed", embedding_model="fake-embedding",
                    llm_timeout_seconds=10, **changes)


def test_openai_embedder_embeds_in_batches_in_order_and_normalises(tmp_path: Path) -> None:
    texts = [f"text number {n} about packet {'trimming ' * (n % 4)}" for n in range(70)] + [""]
    with FakeOpenAI() as fake:
        embedder = make_embedder(openai_settings(fake, tmp_path))
        assert isinstance(embedder, OpenAIEmbedder)
        assert embedder.name == "openai:fake-embedding" and not embedder.local
        vectors = embedder.embed(texts)
        assert embedder.dim == EMBEDDING_DIM  # learned from the answer: no probe request
        requests = fake.embedding_requests
        keys = {r["authorization"] for r in fake.requests}
    # two requests of at most batch_size (64) texts, in order; a blank text goes as " " (the API refuses "")
    assert [len(r["input"]) for r in requests] == [64, 7]
    assert [t for r in requests for t in r["input"]] == texts[:-1] + [" "]
    assert {r["model"] for r in requests} == {"fake-embedding"} and keys == {"Bearer sk-test-embed"}
    assert vectors.shape == (71, EMBEDDING_DIM) and vectors.dtype == np.float32
    # row i is text i's vector (the fake lists them last first), scaled to unit length
    for text, row in zip(texts[:-1], vectors[:-1], strict=True):
        raw = np.array(fake_embedding(text), dtype=np.float32)
        assert np.allclose(row, raw / np.linalg.norm(raw), atol=1e-6), text
    assert np.allclose(np.linalg.norm(vectors[:-1], axis=1), 1.0, atol=1e-5)
    assert not vectors[-1].any()  # nothing to embed: a zero vector, not NaN from dividing by its zero length


def test_an_index_built_and_queried_with_the_openai_embedder(tmp_path: Path) -> None:
    small_corpus(tmp_path, TRIM_NOTE)
    question = "Which retry replays frames that failed the CRC check?"
    with FakeOpenAI() as fake:
        settings = openai_settings(fake, tmp_path)
        report, index = ingest(settings, make_embedder(settings))
        assert report.documents == 3 and sorted(report.added) == ["llr.md", "rud.md", "trim.md"]
        manifest = HybridIndex.read_manifest(settings.index_dir)
        assert manifest["embedding"] == {"name": "openai:fake-embedding", "dim": EMBEDDING_DIM}
        assert len(fake.embedding_requests) == 1  # every chunk in one batch

        asked = len(fake.embedding_requests)
        assert index.dense_ranking(question, 3)[0][0] == \
            next(n for n, c in enumerate(index.chunks) if c.doc == "llr.md")
        assert len(fake.embedding_requests) == asked + 1  # the question was embedded by the server
        for method in ("dense", "hybrid"):
            assert index.search(question, 3, method=method)[0].chunk.doc == "llr.md", method
        assert index.search("What does a congested switch do to a packet?", 3, method="dense")[0].chunk.doc \
            == "trim.md"

        reloaded = HybridIndex.load(settings.index_dir, make_embedder(settings))  # a restart: a new embedder
        assert [h.chunk.doc for h in reloaded.search(question, 3)] == [h.chunk.doc for h in index.search(question, 3)]


def test_a_server_error_becomes_a_clear_error(tmp_path: Path) -> None:
    small_corpus(tmp_path, TRIM_NOTE)
    with FakeOpenAI() as fake:
        settings = openai_settings(fake, tmp_path)
        _, built = ingest(settings, make_embedder(settings))
        (tmp_path / "docs" / "new.md").write_text("# New\n\nA note added while the model is down.\n")
        fake.mode = "error"
        before = len(fake.requests)
        with pytest.raises(EmbedderUnavailable, match="model overloaded") as raised:
            make_embedder(settings).embed(["What is RUD?"])
        assert isinstance(raised.value.__cause__, openai.APIStatusError) and raised.value.__cause__.status_code == 500
        assert len(fake.requests) - before == 3  # the embedder's client tries twice more before giving up
        with pytest.raises(EmbedderUnavailable, match="model overloaded"):
            ingest(settings, make_embedder(settings))
        # a search goes on by words alone; an answer is still given, from the built index
        hits = built.search("What is RUD?", 3)
        assert hits and all(h.dense_score is None for h in hits)
        with pytest.raises(EmbedderUnavailable):
            built.search("What is RUD?", 3, method="dense")
        fake.mode = "ok"
        # the failed ingest wrote nothing: the index on disk is still the one built before
        kept = HybridIndex.load(settings.index_dir, make_embedder(settings))
        assert kept.manifest == built.manifest and "new.md" not in {c.doc for c in kept.chunks}


def test_a_server_that_cannot_embed_its_documents_says_why_it_is_not_ready(tmp_path: Path, no_thread_leak) -> None:
    docs = small_corpus(tmp_path, TRIM_NOTE)
    with FakeOpenAI(mode="error") as fake:
        settings = make_settings(tmp_path, docs_dir=docs, index_dir=tmp_path / "no-index", answer_backend="extractive",
                                 embedding_backend="openai", openai_base_url=fake.url, openai_api_key="sk-test-embed")
        gallery = GalleryService(settings, library=LiveIndex()).start()
        try:
            deadline = time.monotonic() + 30
            while "model overloaded" not in gallery.library.problem and time.monotonic() < deadline:
                time.sleep(0.05)
            reply = call(gallery.url, "GET", "/api/ready")
            assert_error(reply, 503, "not_ready")
            assert "Error code: 500 - model overloaded" in reply.json()["error"]["message"]
            assert call(gallery.url, "GET", "/api/health").status == 200
        finally:
            gallery.stop()


def test_answer_processes_embed_with_a_client_of_their_own(tmp_path: Path) -> None:
    """A forked answer process closes the descriptors it inherited: the parent's pooled connection to the
    embedding endpoint is not its to use (every chat was a 500 with 'Bad file descriptor')."""
    docs = small_corpus(tmp_path, TRIM_NOTE)
    with FakeOpenAI() as fake:
        settings = make_settings(tmp_path, docs_dir=docs, index_dir=tmp_path / "index", answer_backend="extractive",
                                 embedding_backend="openai", openai_base_url=fake.url, openai_api_key="sk-test-embed",
                                 embedding_model="fake-embedding", answer_processes="2")
        ingest(settings, make_embedder(settings))  # the parent's client has now been used
        gallery = GalleryService(settings).start()
        try:
            deadline = time.monotonic() + 30
            while gallery.library.current() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert gallery.app.runner.pool is not None and gallery.app.runner.pool.alive() == 2
            for question in ("What does RUD deliver?", "How does LLR replay frames?", "What does trimming keep?"):
                reply = call(gallery.url, "POST", "/api/chat", {"message": question})
                assert reply.status == 200, reply.body
        finally:
            gallery.stop()
