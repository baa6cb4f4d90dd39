"""The hybrid index on real files: search methods, CJK lexical search, manifest checks, incremental ingest,
atomic swap under concurrent searches."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mygallery.config import Settings
from mygallery.engine.embeddings import _normalise, make_embedder
from mygallery.engine.fusion import DENSE_FUSION_MAX, RRF_K, fuse
from mygallery.engine.index import HybridIndex, LiveIndex
from mygallery.engine.ingest import ingest
from mygallery.engine.lexicon import expand_query, tokenize
from mygallery.engine.token_count import _load_wordllama_tokenizer
from mygallery.errors import IndexUnavailable
from tests.conftest import small_corpus

ROOT = Path(__file__).resolve().parent.parent


def docs_settings(tmp_path: Path, docs: Path) -> Settings:
    return Settings(docs_dir=docs, index_dir=tmp_path / "index", chunk_tokens=200, chunk_overlap=30)


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_every_method_finds_the_right_document(bundled_index: HybridIndex, method: str) -> None:
    hits = bundled_index.search("What does reliable unordered delivery guarantee?", 5, method=method)
    assert hits and len(hits) <= 5
    answering = {c.doc for c in bundled_index.chunks if "exactly once" in c.text.lower() and "RUD" in c.text}
    assert answering & {h.chunk.doc for h in hits}
    if method != "dense":  # the static embedding model is too coarse to rank the specific file first
        assert "delivery-modes.md" in [h.chunk.doc for h in hits]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_chinese_question_finds_text_lexically(tmp_path: Path) -> None:
    settings = docs_settings(tmp_path, small_corpus(tmp_path))
    _, index = ingest(settings, make_embedder(settings))
    hits = index.search("什么是包裁剪？", 3, method="bm25")
    assert hits[0].chunk.doc == "zh.md"
    # an English question reaches the Chinese note through the cross-language terms (trimming -> 裁剪)
    assert "zh.md" in [h.chunk.doc for h in index.search("packet trimming at the switch", 3, method="bm25")]


def test_tokenizer_stems_drops_stop_words_and_makes_bigrams() -> None:
    assert tokenize("What are the retransmissions of packets?") == ["retransmission", "packet"]
    assert tokenize("What must a receiver do when it gets a trimmed packet?") == ["receiver", "trim", "packet"]
    assert tokenize("RUD 可靠交付") == ["rud", "可靠", "靠交", "交付"]
    assert "拥塞" in expand_query("How does congestion control work?")
    assert "congestion" in expand_query("拥塞控制是怎么工作的")
    # the words of install guides, runbooks and release notes: "网卡发送路径" reaches "the NIC's transmit path"
    assert {"transmit", "nic", "path"} <= set(expand_query("网卡发送路径上增加了多少时延"))
    assert {"安装", "备份", "日志"} <= set(expand_query("Where do the installation backup logs go?"))
    assert {"controller", "push", "mode"} <= set(expand_query("控制器下发 profile 用的是什么模式"))


def test_ingest_is_incremental(tmp_path: Path) -> None:
    docs = small_corpus(tmp_path)
    settings = docs_settings(tmp_path, docs)
    embedder = make_embedder(settings)
    first, index = ingest(settings, embedder)
    assert sorted(first.added) == ["llr.md", "rud.md", "zh.md"] and first.documents == 3

    again, same = ingest(settings, embedder)
    assert again.unchanged and again.chunks == len(index)
    assert "nothing to do" in again.summary()

    (docs / "rud.md").write_text("# Delivery\n\n## RUD\n\nRUD now also mentions selective acknowledgements.",
                                 encoding="utf-8")
    (docs / "new.md").write_text("# Profiles\n\nThe HPC profile adds ROD.", encoding="utf-8")
    (docs / "llr.md").unlink()
    third, updated = ingest(settings, embedder)
    assert third.changed == ["rud.md"] and third.added == ["new.md"] and third.removed == ["llr.md"]
    assert {c.doc for c in updated.chunks} == {"rud.md", "zh.md", "new.md"}
    reloaded = HybridIndex.load(settings.index_dir, embedder)
    assert [c.text for c in reloaded.chunks] == [c.text for c in updated.chunks]
    top = reloaded.search("selective acknowledgements", 1, method="dense")[0]
    assert top.chunk.doc == "rud.md"
    assert not any(h.chunk.doc == "llr.md" for h in reloaded.search("link level retry CRC", 5))
    assert len(list(settings.index_dir.glob("gen-*"))) == 1  # old generations are pruned



def test_a_document_read_by_an_older_reader_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When reading a kind of file changes (documents.READER_VERSIONS), the next ingest reads those files again
    though they did not change; the others keep their chunks."""
    from mygallery.engine import documents

    docs = small_corpus(tmp_path)
    settings = docs_settings(tmp_path, docs)
    embedder = make_embedder(settings)
    ingest(settings, embedder)
    monkeypatch.setitem(documents.READER_VERSIONS, "markdown", documents.READER_VERSIONS["markdown"] + 1)
    report, index = ingest(settings, embedder)
    assert sorted(report.changed) == ["llr.md", "rud.md", "zh.md"] and not report.added
    manifest = HybridIndex.read_manifest(settings.index_dir)
    assert {meta["reader"] for meta in manifest["documents"].values()} == {documents.READER_VERSIONS["markdown"]}
    assert ingest(settings, embedder)[0].unchanged


def test_bad_files_are_skipped_and_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the loader cannot read is skipped with a warning, remembered as failed (the document list says
    so) and not tried again — until the reader of its kind changes: then it is pending, and the next ingest
    tries it."""
    from mygallery.engine import documents
    from mygallery.engine.catalog import FileFacts, catalog

    docs = small_corpus(tmp_path)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    settings = docs_settings(tmp_path, docs)
    report, index = ingest(settings, make_embedder(settings))
    assert report.documents == 3 and any(w.startswith("skipped broken.pdf:") for w in report.warnings)
    again, _ = ingest(settings, make_embedder(settings))
    assert again.unchanged and any("broken.pdf" in w for w in again.warnings)

    def status() -> str:
        entries = catalog(docs, HybridIndex.read_manifest(settings.index_dir), FileFacts())
        return next(entry.status for entry in entries if entry.name == "broken.pdf")

    assert status() == "failed"
    monkeypatch.setitem(documents.READER_VERSIONS, "pdf", documents.READER_VERSIONS["pdf"] + 1)
    assert status() == "pending"
    retried, _ = ingest(settings, make_embedder(settings))
    assert retried.added == ["broken.pdf"] and any(w.startswith("skipped broken.pdf:") for w in retried.warnings)
    assert status() == "failed"


def test_index_built_with_another_embedder_is_refused(copied_index_dir: Path) -> None:
    manifest_path = copied_index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["embedding"]["name"] = "openai:text-embedding-3-small"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match="re-run `python -m mygallery ingest"):
        HybridIndex.load(copied_index_dir, make_embedder(Settings()))


def test_damaged_index_says_what_to_run(copied_index_dir: Path) -> None:
    manifest = json.loads((copied_index_dir / "manifest.json").read_text())
    (copied_index_dir / manifest["generation"] / "chunks.jsonl").write_text("{broken")
    with pytest.raises(IndexUnavailable, match="damaged.*--rebuild"):
        HybridIndex.load(copied_index_dir, make_embedder(Settings()))


def test_index_with_another_graph_layout_is_refused_and_ingest_rebuilds_it(tmp_path: Path) -> None:
    docs = small_corpus(tmp_path)
    settings = docs_settings(tmp_path, docs)
    ingest(settings, make_embedder(settings))
    manifest_path = settings.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["dense"] = {"space": "cosine", "M": 16, "ef_construction": 200}  # what an older version built
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailable, match="dense settings.*--rebuild"):
        HybridIndex.load(settings.index_dir, make_embedder(settings))
    report, index = ingest(settings, make_embedder(settings))
    assert sorted(report.added) == ["llr.md", "rud.md", "zh.md"]
    assert HybridIndex.load(settings.index_dir, make_embedder(settings)).manifest["dense"] == index.manifest["dense"]


def test_changed_chunk_settings_rebuild_everything(tmp_path: Path) -> None:
    docs = small_corpus(tmp_path)
    settings = docs_settings(tmp_path, docs)
    ingest(settings, make_embedder(settings))
    report, _ = ingest(replace(settings, chunk_tokens=150), make_embedder(settings))
    assert sorted(report.added) == ["llr.md", "rud.md", "zh.md"]


def test_searches_run_in_parallel_while_the_index_is_swapped(bundled_index: HybridIndex, tmp_path: Path) -> None:
    library = LiveIndex(bundled_index)
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "data" / "docs", docs)
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index")
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                index = library.current()
                hits = index.search("How does NSCC react to ECN marks?", 5)
                assert len(hits) == 5 and all(h.chunk.text for h in hits)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        for round_number in range(3):
            (docs / f"extra-{round_number}.md").write_text(f"# Extra {round_number}\n\nMore about NSCC and ECN.",
                                                           encoding="utf-8")
            _, rebuilt = ingest(settings, make_embedder(settings))
            library.swap(rebuilt)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    assert library.current().documents == bundled_index.documents + 3


def test_shortcuts_compute_exactly_what_the_libraries_do(bundled_index: HybridIndex) -> None:
    """The embeddings (of a question, of many texts), the BM25 scores and the exact dense scan each skip a
    library's general path; on every bundled question they must give the very same numbers (not merely close
    ones)."""
    index = bundled_index
    questions = [json.loads(line)["question"] for name in ("uec_qa.jsonl", "uec_qa_holdout.jsonl")
                 for line in (ROOT / "data" / "qa" / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    model = index.embedder.model
    for question in questions + ["", "RUD 是什么？ " * 40]:
        assert np.array_equal(index.embedder.embed([question]), _normalise(model.embed([question], norm=False)))
        query = index.prepare(question)
        for tokens in (query.tokens, query.expansion, query.crossing):
            if tokens:
                assert np.array_equal(index.bm25_scores(tokens), index.bm25.get_scores(tokens)), question
        if not question:
            continue  # a zero vector: every chunk ties
        exact = index.dense_ranking(query, 10)  # a scan of the vectors at this size; hnswlib finds the same
        labels, _ = index.hnsw.knn_query(index.embedder.embed([query.dense_text]), k=10)
        assert [p for p, _ in exact] == [index.position_of_label[int(label)] for label in labels[0]], question
    # and the embedding of many texts at once (ingest, a passage's sentences): every chunk of the corpus, the
    # questions, and texts with no token at all
    texts = [chunk.search_text for chunk in index.chunks] + questions + ["", " "]
    assert np.array_equal(index.embedder.embed(texts), _normalise(model.embed(texts, norm=False)))


def test_the_graph_path_gives_the_same_hybrid_results(bundled_index: HybridIndex) -> None:
    """Large indexes search hnswlib (beside BM25, in a second thread) instead of scanning the vectors; at this
    size the graph is exact, so both paths must agree hit for hit."""
    questions = ["What does RUD guarantee?", "RUD 和 ROD 有什么区别？", "packet trimming congestion signal",
                 "How does LLR recover a corrupted frame?", "PSN"]
    scanned = {q: [(h.chunk.doc, h.chunk.section, round(h.score, 9)) for h in bundled_index.search(q, 8)]
               for q in questions}
    bundled_index.exact_scan_max_chunks = 0
    try:
        for question in questions:
            walked = [(h.chunk.doc, h.chunk.section, round(h.score, 9)) for h in bundled_index.search(question, 8)]
            assert walked == scanned[question], question
    finally:
        del bundled_index.exact_scan_max_chunks  # back to the class default


def test_fusion_matches_the_plain_dict_loop_ties_included() -> None:
    """`fuse` is the vectorised form of summing weight / (RRF_K + rank) into a dict ranking by ranking and
    sorting it; on rankings made to collide (equal ranks in equally weighted lists tie exactly) both must give
    the same positions in the same order and the same sums."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        universe = int(rng.integers(1, 40))
        rankings = [rng.permutation(universe)[: int(rng.integers(0, universe + 1))].astype(np.intp) for _ in range(3)]
        weights = [float(w) for w in rng.choice([0.35, 0.5, 1.0], size=3)]
        k = int(rng.integers(1, 12))
        expected: dict[int, float] = {}
        for ranking, weight in zip(rankings, weights, strict=True):
            for rank, position in enumerate(ranking.tolist(), start=1):
                expected[position] = expected.get(position, 0.0) + weight / (RRF_K + rank)
        best = sorted(expected.items(), key=lambda item: -item[1])[:k]
        assert fuse(rankings, weights, k, universe) == ([p for p, _ in best], [s for _, s in best])
        # indexes past DENSE_FUSION_MAX chunks take the other path: the same answer
        assert fuse(rankings, weights, k, DENSE_FUSION_MAX + 1) == ([p for p, _ in best], [s for _, s in best])


def test_query_preparation_does_not_depend_on_the_hash_seed() -> None:
    """The order of expansion terms is the order BM25 adds float32 scores in; it must be the same in every
    process (a set's iteration order changes with PYTHONHASHSEED, and once moved scores by their last bit)."""
    script = ("from mygallery.engine.abbreviations import Abbreviations\n"
              "a = Abbreviations([('PSN', 'packet sequence number'), ('PDC', 'packet delivery context'),"
              " ('RUD', 'reliable unordered delivery'), ('CBFC', 'credit based flow control')])\n"
              "print(a.related_text('Why does CBFC need less buffer than PFC for RUD, PSN and PDC?'))\n")
    outputs = {subprocess.run([sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": str(seed)},
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout for seed in range(6)}
    assert len(outputs) == 1, outputs


def test_word_by_word_tokenizing_gives_the_tokenizers_ids(bundled_index: HybridIndex) -> None:
    """LocalEmbedder.token_ids and the token counter (without tiktoken's file) tokenize word by word from a cache
    (PieceTokenizer) instead of calling encode(); on questions, document lines and random strings full of the
    awkward cases (runs of spaces, the "▁" mark itself, CJK, emoji, other white space) the ids, and the counts,
    must be exactly the tokenizer's."""
    embedder = bundled_index.embedder
    assert embedder.pieces.exact  # the shipped tokenizer has the shape that makes the shortcut exact
    tokenizer = embedder.model.tokenizer
    count = _load_wordllama_tokenizer()
    assert count is not None
    lines = [line for path in sorted((ROOT / "data" / "docs").glob("*.md"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    alphabet = list("ab ZQ,.?!()-_\t\n\u2581\u2581  12我的拥塞控制é😀\u00a0\u3000'\"")
    rng = np.random.default_rng(3)
    randoms = ["".join(rng.choice(alphabet, size=int(rng.integers(0, 30)))) for _ in range(3000)]
    for text in lines + randoms + ["", " ", "  a", "a  ", "\u2581", "x\u2581\u2581y"]:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        assert embedder.token_ids(text) == ids and count(text) == len(ids), repr(text)
