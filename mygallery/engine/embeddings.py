"""Text embeddings behind one small interface, `Embedder`, with two implementations chosen in `make_embedder`.

- `LocalEmbedder` (default, offline): wordllama's 256-dimension model, whose weights and tokenizer ship inside the
  wordllama package. Its default loader looks for the tokenizer in the wrong folder and then tries the network,
  so it is loaded with `cache_dir` = the installed package folder and `disable_download=True`.
- `OpenAIEmbedder`: any OpenAI-compatible /v1/embeddings endpoint (OPENAI_BASE_URL, OPENAI_API_KEY,
  EMBEDDING_MODEL), batched.
Vectors are float32 and L2-normalised so cosine similarity is a dot product. The `name` and `dim` of an embedder
are written into the index manifest; an index built with another embedder is refused at load.
Non-goal: downloading models — nothing here fetches weights at run time.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import Settings
from ..errors import EmbedderUnavailable
from .piece_tokenizer import PieceTokenizer


class Embedder(Protocol):
    name: str  # "local:l2_supercat" / "openai:text-embedding-3-small" — recorded in the manifest
    dim: int
    local: bool  # cheap enough to embed answer sentences too

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


# Texts tokenized at once by LocalEmbedder.embed: enough to keep the cores busy, few enough that a large
# ingest does not hold every text's encoding at the same time
MANY_BATCH = 1024


class LocalEmbedder:
    """wordllama static embeddings: ~15 µs per short text on one core, loaded from the installed package."""

    def __init__(self, config: str = "l2_supercat", dim: int = 256) -> None:
        import wordllama
        from wordllama import WordLlama

        self.model = WordLlama.load(config=config, dim=dim, cache_dir=Path(wordllama.__file__).parent,
                                    disable_download=True)
        self.name = f"local:wordllama-{config}"
        self.dim = dim
        self.local = True
        self.pieces = PieceTokenizer(self.model.tokenizer)  # a question's ids word by word, from a cache
        self.token_ids = self.pieces.ids
        self._ids_in_range = self.model.tokenizer.get_vocab_size() <= self.model.embedding.shape[0]
        # wordllama's tokenizer pads a batch to its longest text (after it: a text's ids come first, checked here)
        padding = self.model.tokenizer.padding
        self._padded_after = padding is None or padding.get("direction") == "right"

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:  # a question: retrieval and the extractive composer both embed it
            return self._embed_one(texts[0])
        return _normalise(self._embed_many(texts))

    def _embed_many(self, texts: list[str]) -> np.ndarray:
        """What model.embed(texts) computes — each text's mean token vector, bit-identical (the sum over a
        text's own rows is the same float32 reduction as wordllama's masked sum over its padded batch) — in
        less than half the time: no mask multiplied through a (batch, longest, dim) array. Tokenized MANY_BATCH
        texts at a time, which the tokenizer spreads over the cores."""
        embedding = self.model.embedding
        last = embedding.shape[0] - 1
        means = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), MANY_BATCH):
            encodings = self.model.tokenizer.encode_batch(texts[start:start + MANY_BATCH], add_special_tokens=False)
            for row, encoding in enumerate(encodings, start):
                own = sum(encoding.attention_mask)
                if not own:
                    continue  # a zero vector, as wordllama's mean over no tokens
                ids = encoding.ids[:own] if self._padded_after else \
                    [i for i, kept in zip(encoding.ids, encoding.attention_mask, strict=True) if kept]
                rows = embedding[ids] if self._ids_in_range else embedding[np.clip(ids, 0, last)]
                means[row] = rows.sum(axis=0, dtype=np.float32) / np.float32(own)
        return means

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one embedder lives as long as the process
    def _embed_one(self, text: str) -> np.ndarray:
        # What model.embed([text]) computes — the mean of the text's token vectors, summed in the same order and
        # precision as wordllama's masked average, so bit-identical (tests/test_index_ingest.py checks) — without
        # its batch machinery (encode_batch, padding, masks), which cost more than the arithmetic.
        embedding = self.model.embedding
        ids = self.token_ids(text)
        if not self._ids_in_range:  # wordllama clips ids to its table; this tokenizer's always fit (checked)
            last = embedding.shape[0] - 1
            ids = [min(max(i, 0), last) for i in ids]
        if 0 < len(ids) <= 64:
            # Row by row: the sum over rows adds them one after the other in float32, as the vectorised sum
            # over axis 0 does, but without the gather and the reduction, which each drop the GIL (see
            # index.top_positions on why that matters under load).
            total = embedding[ids[0]].copy()
            for i in ids[1:]:
                total += embedding[i]
        else:
            total = embedding[np.asarray(ids, dtype=np.intp)].sum(axis=0, dtype=np.float32)
        mean = total / np.float32(max(len(ids), 1))
        # _normalise of one vector without np.linalg.norm's generality: the same float32 operations (the pairwise
        # sum of the squares, its square root, a zero norm taken as 1), so bit-identical, in half the time
        norm = np.sqrt(np.add.reduce(mean * mean))
        vector = (mean / (norm if norm else np.float32(1.0)))[np.newaxis]
        vector.flags.writeable = False  # shared by every caller
        return vector

class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint; the dimension is learned from the first answer. A failing
    endpoint raises EmbedderUnavailable (the index then searches by words alone). The client is made again in
    a forked process (an answer process): the parent's pooled connections are not the child's to use."""

    batch_size = 64

    def __init__(self, settings: Settings) -> None:
        self.model = settings.embedding_model or "text-embedding-3-small"
        self._client_options = {"api_key": settings.openai_api_key or "not-needed",
                                "base_url": settings.openai_base_url or None,
                                "timeout": settings.llm_timeout_seconds, "max_retries": 2}
        self._client_pid = -1
        self.name = f"openai:{self.model}"
        self.local = False
        self._dim: int | None = None

    @property
    def client(self):  # noqa: ANN201 - openai.OpenAI, imported lazily (an optional path)
        from openai import OpenAI

        if self._client_pid != os.getpid():
            self._client = OpenAI(**self._client_options)
            self._client_pid = os.getpid()
        return self._client

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed(["dimension probe"]).shape[1])
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            batch = [t if t.strip() else " " for t in texts[start : start + self.batch_size]]
            try:
                response = self.client.embeddings.create(model=self.model, input=batch)
            except openai.APIError as exc:
                raise EmbedderUnavailable(f"the embedding endpoint failed ({type(exc).__name__}: {exc})") from exc
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        if not rows:
            return np.zeros((0, self._dim or 0), np.float32)
        vectors = _normalise(np.array(rows, dtype=np.float32))
        self._dim = vectors.shape[1]
        return vectors


_local_lock = threading.Lock()  # guards the one shared LocalEmbedder (loading twice would double its memory)
_local: LocalEmbedder | None = None


def make_embedder(settings: Settings) -> Embedder:
    """The embedder EMBEDDING_BACKEND asks for; the local model is loaded once per process."""
    global _local
    if settings.embedding_backend == "openai":
        return OpenAIEmbedder(settings)
    with _local_lock:
        if _local is None:
            _local = LocalEmbedder()
        return _local
