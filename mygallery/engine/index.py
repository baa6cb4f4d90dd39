"""The hybrid index: dense vectors in hnswlib (cosine) fused with BM25 (bm25s) by reciprocal-rank fusion.

On disk (INDEX_DIR) an index is a generation folder — chunks.jsonl, vectors.npy, hnsw.bin — named by a top-level
manifest.json that is replaced atomically, so a reader sees either the old or the new index, never half of one.
The manifest records the embedder (name, dimension), the chunking settings and a fingerprint per document;
loading an index built with another embedder fails with a message saying to re-run ingest.

Concurrency: a `HybridIndex` is never modified after construction, so any number of threads may search it at
once (hnswlib queries may run together; only adds may not, and adds happen on a private copy during ingest).
`LiveIndex` holds the current index; `swap()` replaces the reference under a lock, readers never wait for a build.
Non-goals: filtering by metadata, sharding, deleting from a live index in place.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import hnswlib
import numpy as np

from ..errors import EmbedderUnavailable, IndexUnavailable
from .abbreviations import Abbreviations, find_abbreviations
from .chunking import Chunk
from .embeddings import Embedder
from .fusion import LEXICAL_MARGIN_WEIGHT, NO_RANKING, Ranking, hybrid, top_positions, written_in_chinese
from .lexicon import has_cjk, question_language, stem, tokenize, translations
from .spelling import stands_for
from .word_forms import respelled, word_forms

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: the hnswlib graph is built with DENSE_LAYOUT, recorded in the manifest
METHODS = ("dense", "bm25", "hybrid")
# Expansion terms (other-language forms, abbreviation long/short forms) count for less than the user's own
# words: they widen recall but must not outvote the question (one English word becomes three Chinese bigrams).
EXPANSION_WEIGHT = 0.35
# How the hnswlib graph is built. wordllama vectors crowd into a narrow cone (at 100k synthetic chunks a
# question's 1st, 10th and 100th neighbours have cosine 0.50, 0.45 and 0.41), so the top 10 are near-ties and a
# sparse graph's greedy walk misses many of them: M 16 / ef_construction 200 reached recall@10 0.81 against exact
# search even at ef 1024. A denser, more carefully built graph and a wide search (ef_search below) reach >= 0.95.
# Each doubling of ef_construction (800 → 1600 → 3200) costs ~1.5x the build time of a large index (100k chunks:
# ~3 → ~5 → ~7.5 min on 2 cores; an index smaller than ef_construction builds as fast either way) and buys the
# same recall with ~20 % less search. An index is built once and searched for every question. Measured with
# bench/bench_retrieval.py; alternatives tried (centred vectors, M 32 and 64, a MIPS transform, PCA, binary
# codes) are in bench/README.md.
DENSE_LAYOUT = {"space": "cosine", "M": 48, "ef_construction": 3200}
# Up to this many chunks the dense ranking is an exact scan of the vectors (one matrix-vector product): at 270
# chunks it costs 7 µs against hnswlib's 34 µs, at 20,000 about what hnswlib costs, and it is exact. Larger
# indexes use the hnswlib graph (bench/bench_retrieval.py measures both).
EXACT_SCAN_MAX_CHUNKS = 20_000


_LETTERS_OR_DIGITS = re.compile(r"[a-z]+|[0-9]+")
_LATIN_WORD = re.compile(r"(?<![a-z0-9_\-])[a-z]{4,}(?![a-z0-9_\-])")  # a whole word, not part of a name ("fi_info")
_MAX_READ = 48  # the distinct words of a question read for a typo or a pinyin name


@dataclass
class Query:
    """A question prepared for both searches."""

    text: str
    language: str
    tokens: list[str]  # the question's own search tokens
    expansion: list[str]  # tokens of related terms, weighted EXPANSION_WEIGHT
    dense_text: str
    crossing: list[str]  # the question seen from the other language: its translated terms and Latin words
    # a word no document has → the index terms it stands for: a typo's ("drian": drain), a pinyin name's (栖云)
    corrected: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class Hit:
    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    position: int | None = None  # of the chunk in HybridIndex.chunks (a document's chunks are consecutive, in order)


@functools.lru_cache(maxsize=8192)
def term_tokens(term: str) -> tuple[str, ...]:
    """tokenize() of an expansion term (a translation or an abbreviation's other form) or of a word of a question
    (answerability.py): the same few hundred terms come back question after question. Also of a question, which
    retrieval and then unknown_words.unknown_share tokenize."""
    return tuple(tokenize(term))


_dense_pool: ThreadPoolExecutor | None = None
_dense_pool_lock = threading.Lock()  # guards _dense_pool


def _forget_dense_searches() -> None:
    """In a forked child (an answer process): the parent's search threads did not come along, and an executor
    that believes it has them would queue work nobody runs. The child starts its own on first use."""
    global _dense_pool, _dense_pool_lock  # noqa: PLW0603 - reset once per fork
    _dense_pool, _dense_pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_dense_searches)


def _dense_searches() -> ThreadPoolExecutor:
    """The threads that walk hnswlib graphs for hybrid searches of large indexes (started on first use)."""
    global _dense_pool  # noqa: PLW0603 - one pool per process, made once
    with _dense_pool_lock:
        if _dense_pool is None:
            _dense_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dense-search")
        return _dense_pool


def dense_query_text(question: str, terms: list[str] | None = None) -> str:
    """A Chinese question plus the English form of its general terms, so dense search reaches English text.

    Only in that direction: the embedding model is English-centred, and Chinese words added to an English
    question pull its vector towards every Chinese note instead (BM25 covers English -> Chinese, see lexicon).
    """
    if question_language(question) != "zh":
        return question
    extra = [term for term in (translations(question) if terms is None else terms) if not has_cjk(term)]
    return f"{question} {' '.join(extra)}" if extra else question


class HybridIndex:
    """Read-only search over chunks; built by `mygallery.ingest`, loaded with `HybridIndex.load`."""

    # hnswlib query breadth (see DENSE_LAYOUT). At 100k chunks, recall@10 against exact search, graphs side by
    # side: ef_construction 800 — 0.951 at ef 1024 (3.71 ms), 0.959 at 1280 (4.33 ms); 1600 — 0.945 at 640
    # (2.94 ms), 0.963 at 896 (3.41 ms); 3200 — 0.957 at 512 (2.57 ms), 0.967 at 640 (3.08 ms), 0.978 at 896
    # (3.65 ms). Indexes up to exact_scan_max_chunks are scanned, not walked.
    ef_search = 640
    exact_scan_max_chunks = EXACT_SCAN_MAX_CHUNKS
    lexical_margin_weight = LEXICAL_MARGIN_WEIGHT

    def __init__(self, chunks: list[Chunk], labels: np.ndarray, vectors: np.ndarray, hnsw: hnswlib.Index | None,
                 manifest: dict, embedder: Embedder, generation_dir: Path | None = None) -> None:
        self.chunks = chunks
        self.labels = labels
        self.vectors = vectors
        self.manifest = manifest
        self.embedder = embedder
        self.generation_dir = generation_dir
        self.position_of_label = {int(label): pos for pos, label in enumerate(labels)}
        self.hnsw = hnsw
        if hnsw is not None:
            hnsw.set_num_threads(1)  # one query per request thread; the server has its own parallelism
            hnsw.set_ef(self.ef_search)
        self.bm25 = bm25s.BM25()
        corpus_tokens = [tokenize(c.search_text) or ["\u2205"] for c in chunks]
        if chunks:
            self.bm25.index(corpus_tokens, show_progress=False)
        self.doc_frequency: dict[str, int] = {}
        self._idf: dict[str, float] = {}  # idf() of tokens asked for so far
        for tokens in corpus_tokens:
            for token in set(tokens):
                self.doc_frequency[token] = self.doc_frequency.get(token, 0) + 1
        self.chinese = written_in_chinese(c.text for c in chunks)  # which the embedding model cannot read
        self.has_chinese = bool(self.chinese.any())
        self.abbreviations = Abbreviations([pair for c in chunks for pair in find_abbreviations(c.text)])
        # An answer prepares its question twice (retrieval, then the extractive composer); Query is never
        # changed after it is made, so threads may share one.
        self.prepare = functools.lru_cache(maxsize=1024)(self._prepare)
        self.postings = functools.lru_cache(maxsize=16384)(self._postings)
        # Per index, not per process: a module-level cache keyed by the index kept every replaced generation alive.
        self.has_translation = functools.lru_cache(maxsize=8192)(self._has_translation)
        self.correction = functools.lru_cache(maxsize=8192)(self._correction)
        self._no_scores = np.zeros(len(chunks), dtype=self.bm25.dtype)
        self._no_scores.flags.writeable = False

    def __len__(self) -> int:
        return len(self.chunks)

    def _has_translation(self, word: str) -> bool:
        """Whether a document has one of the other-language forms of `word` (lexicon.py); called as
        `has_translation`, cached."""
        return any(self.has_token(token) for term in translations(word) for token in tokenize(term))

    def _correction(self, word: str) -> tuple[str, ...]:
        """The index terms a typed word (lower case) no document has stands for (spelling.stands_for); called as
        `correction`, cached."""
        return stands_for(word, lambda term: self.doc_frequency.get(term, 0), self.has_translation)

    def has_token(self, token: str) -> bool:
        """Whether a document has the search token — a single Chinese character (池) also inside a word
        (调度池), where the index holds it only in bigrams."""
        if self.doc_frequency.get(token):
            return True
        return len(token) == 1 and has_cjk(token) and token in self.characters

    @functools.cached_property
    def characters(self) -> frozenset[str]:
        """The Chinese characters of the documents (made on first use: only a rare check needs them)."""
        return frozenset(ch for token in self.doc_frequency if has_cjk(token) for ch in token)

    @property
    def documents(self) -> int:
        return len(self.manifest.get("documents", {}))

    def idf(self, token: str) -> float:
        value = self._idf.get(token)
        if value is None:
            n, df = max(1, len(self.chunks)), self.doc_frequency.get(token, 0)
            value = self._idf[token] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))  # a race stores the same
        return value

    # --- search ------------------------------------------------------------------------------------------------

    def _prepare(self, question: str) -> Query:
        """The question's search tokens, expansions and dense text; called as `prepare`, cached (see __init__)."""
        tokens = list(term_tokens(question))  # cached: answerability.unknown_share reads them again
        # a typo ("drian", "aproved") or a Chinese name typed in pinyin ("Qiyun"): the terms it stands for, in
        # its place
        corrected = {stem(word): fixed for word in list(dict.fromkeys(_LATIN_WORD.findall(question.lower())))[:_MAX_READ]
                     if (fixed := self.correction(word))}  # (a question's first words: each costs ~0.5 ms to read)
        if corrected:
            tokens = list(dict.fromkeys(term for token in tokens for term in corrected.get(token, (token,))))
        # a name typed without its hyphen ("HX400", "rb07") that no document writes so: its letters and its
        # number, as the documents' "HX-400" and "RB-07" are indexed
        tokens += dict.fromkeys(part for token in tokens if not token.isalpha() and not token.isdigit() and token.isalnum()
                                and not self.doc_frequency.get(token) for part in _LETTERS_OR_DIGITS.findall(token)
                                if part not in tokens)  # "HX400 and HX500": "hx" once
        related = self.abbreviations.related_text(question)
        forms = word_forms(question)  # none (most questions): no word to respell either (a switching verb's form
        # alone, "switch it off": disable, respells nothing)
        other_spelling = respelled(question) if forms else ""  # "group ID" is the "Group Identifier" an
        if other_spelling:  # abbreviation table expands
            related = list(dict.fromkeys(related + self.abbreviations.related_text(other_spelling)))
        terms = translations(question)
        expansion = [t for term in terms + related + forms for t in term_tokens(term)]
        expansion = [t for t in dict.fromkeys(expansion) if t not in tokens]
        dense_text = dense_query_text(question, terms)
        if related:
            dense_text = f"{dense_text} {' '.join(related)}"
        language = question_language(question)
        if language == "zh":  # English words and abbreviations in the question + English forms of its terms
            crossing = [t for t in tokens + expansion if not has_cjk(t)]
        else:
            crossing = [t for t in expansion if has_cjk(t)]
        return Query(question, language, tokens, expansion, dense_text, list(dict.fromkeys(crossing)), corrected)

    def dense_ranking(self, query: Query | str, n: int) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the n nearest chunks, best first."""
        positions, scores = self._dense_top(self.prepare(query) if isinstance(query, str) else query, n)
        return list(zip(positions.tolist(), scores.tolist(), strict=True))

    def _dense_top(self, query: Query, n: int) -> Ranking:
        if not self.chunks or self.hnsw is None:
            return NO_RANKING
        vector = self.embedder.embed([query.dense_text])
        n = min(n, len(self.chunks))
        if len(self.chunks) <= self.exact_scan_max_chunks:
            scores = self.vectors @ vector[0]  # both unit length: cosine similarity
            top = top_positions(scores, n)
            return top, scores[top].astype(np.float64)
        labels, distances = self.hnsw.knn_query(vector, k=n)
        found = [(self.position_of_label[int(label)], 1.0 - float(distance))
                 for label, distance in zip(labels[0], distances[0], strict=True) if int(label) in self.position_of_label]
        return (np.array([pos for pos, _ in found], dtype=np.int64),
                np.array([score for _, score in found], dtype=np.float64))

    def _dense_or_nothing(self, query: Query, n: int) -> Ranking:
        """The dense ranking for a hybrid search; none when the embedder's endpoint fails, so the question is
        still answered, by its words alone."""
        try:
            return self._dense_top(query, n)
        except EmbedderUnavailable as exc:
            log.warning("dense search skipped: %s", exc)
            return NO_RANKING

    def _bm25_query_top(self, query: Query, n: int) -> Ranking:
        if not self.chunks or not (query.tokens or query.expansion):
            return NO_RANKING
        scores = self.bm25_scores(query.tokens)
        if query.expansion:
            scores = scores + EXPANSION_WEIGHT * self.bm25_scores(query.expansion)
        return self._bm25_top_arrays(scores, n)

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for `tokens`, as bm25s's get_scores computes them (its default Lucene
        variant), but with one indexed add per token where bm25s calls np.add.at: a token's postings name each
        chunk once, so both add the same numbers in the same order — np.add.at is just several times slower."""
        scores = self._no_scores.copy()  # np.zeros would drop the GIL (see top_positions)
        for token in tokens:
            postings = self.postings(token)
            if postings is not None:
                chunks, values = postings
                scores[chunks] += values
        return scores

    def _postings(self, token: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(chunk positions, BM25 weights) of a token from bm25s's sparse matrix, the positions converted from
        int32 (indexing with int32 drops the GIL, see top_positions); called as `postings`, cached (see
        __init__): the same words come back in question after question."""
        row = self.bm25.vocab_dict.get(token)
        if row is None:
            return None
        matrix = self.bm25.scores
        start, end = matrix["indptr"][row], matrix["indptr"][row + 1]
        return matrix["indices"][start:end].astype(np.intp), matrix["data"][start:end]

    @staticmethod
    def _bm25_top_arrays(scores: np.ndarray, n: int) -> Ranking:
        matched = np.flatnonzero(scores > 0)  # few chunks share a word with the question: rank only those
        top = matched[top_positions(scores[matched], n)]
        return top, scores[top].astype(np.float64)

    def search(self, question: str, k: int = 5, *, method: str = "hybrid", candidates: int = 50) -> list[Hit]:
        """The k best chunks for `question` by `method` (dense, bm25 or hybrid = both fused by RRF)."""
        if method not in METHODS:
            raise ValueError(f"unknown search method {method!r}")
        query = self.prepare(question)
        n = max(k, candidates)
        if method == "hybrid" and len(self.chunks) > self.exact_scan_max_chunks and self.hnsw is not None:
            # hnswlib searches without the GIL: let the graph walk run beside the BM25 work (at 100k chunks
            # the walk is ~3.6 ms, BM25 ~0.5 ms; a thread hand-off costs far less than the overlap saves).
            pending = _dense_searches().submit(self._dense_or_nothing, query, n)
            lexical = self._bm25_query_top(query, n)
            dense = pending.result()
        else:
            dense = NO_RANKING if method == "bm25" else (
                self._dense_top(query, n) if method == "dense" else self._dense_or_nothing(query, n))
            lexical = self._bm25_query_top(query, n) if method != "dense" else NO_RANKING
        if method != "hybrid":
            positions, scores = dense if method == "dense" else lexical
            key = "dense_score" if method == "dense" else "bm25_score"
            return [Hit(self.chunks[p], s, position=p, **{key: s}) for p, s in zip(positions[:k].tolist(), scores[:k].tolist(),
                                                                      strict=True)]
        # A third, cross-language ranking gives documents in the other language a fair chance: a Chinese
        # question otherwise matches the Chinese notes on every common word and buries the English files.
        crossing = self._bm25_top_arrays(self.bm25_scores(query.crossing), n) if query.crossing else NO_RANKING
        best, fused = hybrid(dense, lexical, crossing, query.language, k, len(self.chunks),
                             margin_weight=self.lexical_margin_weight, chinese=self.chinese if self.has_chinese else None)
        dense_scores = dict(zip(dense[0].tolist(), dense[1].tolist(), strict=True))
        bm25_scores = dict(zip(lexical[0].tolist(), lexical[1].tolist(), strict=True))
        return [Hit(self.chunks[p], s, dense_scores.get(p), bm25_scores.get(p), p) for p, s in zip(best, fused, strict=True)]

    # --- storage -----------------------------------------------------------------------------------------------

    @staticmethod
    def read_manifest(index_dir: Path) -> dict | None:
        path = index_dir / MANIFEST
        if not path.is_file():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(f"index manifest {path} is unreadable ({exc}); "
                                   "run `python -m mygallery ingest --rebuild`") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexUnavailable(f"index in {index_dir} has format {manifest.get('format')}, this version reads "
                                   f"{FORMAT_VERSION}; run `python -m mygallery ingest --rebuild`")
        return manifest

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder) -> HybridIndex:
        manifest = cls.read_manifest(index_dir)
        if manifest is None:
            raise IndexUnavailable(f"no index in {index_dir}; run `python -m mygallery ingest`")
        built_with = manifest["embedding"]
        if manifest.get("dense") != DENSE_LAYOUT:
            raise IndexUnavailable(f"index in {index_dir} was built with dense settings {manifest.get('dense')}; "
                                   f"this version uses {DENSE_LAYOUT}; re-run `python -m mygallery ingest --rebuild`")
        if built_with["name"] != embedder.name:
            raise IndexUnavailable(
                f"index in {index_dir} was built with embedder {built_with['name']} ({built_with['dim']} dims) "
                f"but {embedder.name} is configured; re-run `python -m mygallery ingest --rebuild`")
        generation = index_dir / manifest["generation"]
        try:
            chunks, labels = [], []
            with (generation / "chunks.jsonl").open(encoding="utf-8") as handle:
                for line in handle:
                    row = json.loads(line)
                    labels.append(row.pop("label"))
                    chunks.append(Chunk(**row))
            vectors = np.load(generation / "vectors.npy")
            hnsw = None
            if chunks:
                hnsw = hnswlib.Index(space="cosine", dim=int(built_with["dim"]))
                hnsw.load_index(str(generation / "hnsw.bin"), max_elements=int(manifest["capacity"]),
                                allow_replace_deleted=True)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
            raise IndexUnavailable(f"index in {index_dir} is damaged ({type(exc).__name__}: {exc}); "
                                   "run `python -m mygallery ingest --rebuild`") from exc
        if built_with["dim"] != embedder.dim:
            raise IndexUnavailable(f"index dimension {built_with['dim']} does not match the embedder's "
                                   f"{embedder.dim}; re-run `python -m mygallery ingest --rebuild`")
        return cls(chunks, np.array(labels, dtype=np.int64), vectors, hnsw, manifest, embedder, generation)

    def save(self, index_dir: Path) -> Path:
        """Write a new generation folder, then point the manifest at it atomically; prune old generations."""
        index_dir.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        generation = index_dir / name
        generation.mkdir()
        with (generation / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for label, chunk in zip(self.labels, self.chunks, strict=True):
                handle.write(json.dumps({"label": int(label), **chunk.to_json()}, ensure_ascii=False) + "\n")
        np.save(generation / "vectors.npy", self.vectors)
        if self.hnsw is not None:
            self.hnsw.save_index(str(generation / "hnsw.bin"))
        self.manifest["generation"] = name
        temporary = index_dir / f".{MANIFEST}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(self.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, index_dir / MANIFEST)
        self.generation_dir = generation
        for old in sorted(index_dir.glob("gen-*")):
            if old.name != name and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # readers hold their index in memory, not on disk
        return generation


class LiveIndex:
    """Holds the index the server answers from; a rebuild swaps it in without blocking searches."""

    def __init__(self, index: HybridIndex | None = None) -> None:
        self._swap_lock = threading.Lock()  # guards _index and loaded_at; searches copy the reference and go
        self._index = index
        self.loaded_at = time.time() if index is not None else None
        self.problem = "" if index is not None else "index not loaded yet"

    def current(self) -> HybridIndex | None:
        with self._swap_lock:
            return self._index

    def swap(self, index: HybridIndex) -> None:
        with self._swap_lock:
            self._index = index
            self.loaded_at = time.time()
            self.problem = ""

    def fail(self, reason: str) -> None:
        with self._swap_lock:
            self.problem = reason
