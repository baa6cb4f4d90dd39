"""Retrieval benchmark: ingest throughput, search and answer latency, hnswlib against exact search.

Measured, each on the real code path (`mygallery.engine.ingest.ingest`, `HybridIndex.search`, `AnswerService.answer`):
1. ingest throughput in chunks/s: the bundled corpus (data/docs) and a synthetic corpus (bench/synthetic_corpus)
   of 1k and 100k chunks, with a stage breakdown (load+chunk, embed, hnswlib build, BM25 + abbreviations);
2. query latency p50/p99 of hybrid, dense-only and BM25-only retrieval, and of extractive answering, at each
   size — one warm-up pass, then REPEATS passes over the same questions; the figures are the medians of the
   passes' percentiles; plus where the time of one hybrid search goes (prepare, embed, hnswlib, BM25, top-k);
3. exact brute-force search in numpy (normalised vectors, matrix product, argpartition) as the reference for
   hnswlib: recall@10 of hnswlib against it and the latency of both, for a few ef_search values.
The issue's targets: hybrid retrieval p50 < 5 ms at 100k chunks; hnswlib recall@10 >= 0.95 against exact.

    .venv/bin/python bench/bench_retrieval.py                 # sizes 1000 and 100000 (about 10 minutes)
    .venv/bin/python bench/bench_retrieval.py --sizes 1000,10000 --repeats 3 --queries 200

Writes bench/results/retrieval-<time>.json (and retrieval-latest.json). Non-goals: retrieval quality (that is
`python -m mygallery eval`), the HTTP server (bench_server.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROOT, latency_summary, machine, say, table, write_results  # noqa: E402
from synthetic_corpus import questions, write_corpus  # noqa: E402

from mygallery.config import Settings  # noqa: E402
from mygallery.engine.abbreviations import find_abbreviations  # noqa: E402
from mygallery.engine.answering import AnswerService  # noqa: E402
from mygallery.engine.embeddings import make_embedder  # noqa: E402
from mygallery.engine.fusion import top_positions  # noqa: E402
from mygallery.engine.index import DENSE_LAYOUT, HybridIndex, LiveIndex  # noqa: E402
from mygallery.engine.ingest import ingest  # noqa: E402
from mygallery.engine.lexicon import tokenize  # noqa: E402

TARGET_P50_MS = 5.0
TARGET_RECALL = 0.95
K = 10  # what AnswerService asks for: top_k 5 + 5 held in reserve for the question's language
EF_SWEEP = (64, 256, 512, 640, 768, 896, 1024, 1280)


# --- ingest --------------------------------------------------------------------------------------------------

def time_ingest(docs: Path, work: Path, embedder, repeats: int) -> tuple[dict, HybridIndex]:
    """Full rebuilds of `docs` through `ingest`; chunks/s of each run, and the last index built."""
    runs, index = [], None
    for run in range(repeats):
        index_dir = work / f"index-{run}"
        settings = Settings(docs_dir=docs, index_dir=index_dir)
        started = time.perf_counter()
        report, index = ingest(settings, embedder, rebuild=True)
        seconds = time.perf_counter() - started
        runs.append({"seconds": round(seconds, 3), "chunks": report.chunks, "documents": report.documents,
                     "chunks_per_s": round(report.chunks / seconds, 1)})
        if run < repeats - 1:
            shutil.rmtree(index_dir, ignore_errors=True)
    return {"runs": runs, "chunks": runs[-1]["chunks"], "documents": runs[-1]["documents"],
            "seconds_median": round(statistics.median(r["seconds"] for r in runs), 3),
            "chunks_per_s_median": round(statistics.median(r["chunks_per_s"] for r in runs), 1)}, index


def stage_breakdown(index: HybridIndex) -> dict:
    """Seconds of each ingest stage after chunking, re-run on the index's own chunks (one run each)."""
    texts = [c.search_text for c in index.chunks]
    stages = {}
    started = time.perf_counter()
    vectors = index.embedder.embed(texts)
    stages["embed"] = time.perf_counter() - started
    import hnswlib

    started = time.perf_counter()
    hnsw = hnswlib.Index(space="cosine", dim=vectors.shape[1])
    hnsw.init_index(max_elements=max(16, len(texts)), ef_construction=DENSE_LAYOUT["ef_construction"],
                    M=DENSE_LAYOUT["M"], allow_replace_deleted=True)
    hnsw.set_num_threads(2)
    hnsw.add_items(vectors, np.arange(len(texts)))
    stages["hnswlib add (2 threads)"] = time.perf_counter() - started
    started = time.perf_counter()
    tokens = [tokenize(t) for t in texts]
    stages["tokenize for BM25"] = time.perf_counter() - started
    import bm25s

    started = time.perf_counter()
    bm25s.BM25().index(tokens, show_progress=False)
    stages["bm25s index"] = time.perf_counter() - started
    started = time.perf_counter()
    for chunk in index.chunks:
        find_abbreviations(chunk.text)
    stages["find_abbreviations"] = time.perf_counter() - started
    started = time.perf_counter()
    HybridIndex(index.chunks, index.labels, index.vectors, None, dict(index.manifest), index.embedder)
    stages["HybridIndex() without hnswlib"] = time.perf_counter() - started
    return {name: round(seconds, 3) for name, seconds in stages.items()}


# --- latency -------------------------------------------------------------------------------------------------

def forget_questions(index: HybridIndex):
    """A function that empties the per-question caches (prepared query, question vector), so that a timed call
    on a question seen in an earlier pass does all the work a new question does."""
    embedder_cache = getattr(type(index.embedder), "_embed_one", None)

    def forget() -> None:
        index.prepare.cache_clear()
        if embedder_cache is not None:
            embedder_cache.cache_clear()
    return forget


def time_calls(call, items: list, repeats: int, reset=None) -> dict:
    """One warm-up pass, then `repeats` timed passes; medians of the passes' p50/p99. `reset` runs, untimed,
    before every call."""
    for item in items[: max(20, len(items) // 5)]:
        call(item)
    passes = []
    for _ in range(repeats):
        seconds = []
        for item in items:
            if reset is not None:
                reset()
            started = time.perf_counter()
            call(item)
            seconds.append(time.perf_counter() - started)
        passes.append(latency_summary(seconds))
    return {"passes": passes, **{key: round(statistics.median(p[key] for p in passes), 4)
                                 for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms")}}


def search_breakdown(index: HybridIndex, qs: list[str]) -> dict:
    """Median microseconds of each step of one hybrid search, timed separately on the same questions."""
    steps: dict[str, list[float]] = {}

    def clock(name: str, call):
        started = time.perf_counter()
        value = call()
        steps.setdefault(name, []).append(time.perf_counter() - started)
        return value

    forget = forget_questions(index)
    for _ in range(2):
        steps.clear()
        for q in qs:
            forget()
            query = clock("prepare (tokenize, expansions)", lambda q=q: index.prepare(q))
            vector = clock("embed question", lambda query=query: index.embedder.embed([query.dense_text]))
            clock("hnswlib knn_query", lambda vector=vector: index.hnsw.knn_query(vector, k=min(50, len(index))))
            if query.tokens:
                scores = clock("bm25 scores (question)", lambda query=query: index.bm25_scores(query.tokens))
                clock("bm25 top-50 of scores", lambda scores=scores: index._bm25_top_arrays(scores, 50))
            if query.expansion:
                clock("bm25 scores (expansion)", lambda query=query: index.bm25_scores(query.expansion))
            if getattr(query, "crossing", None):
                clock("bm25 scores (cross-language)", lambda query=query: index.bm25_scores(query.crossing))
            forget()
            clock("whole search()", lambda q=q: index.search(q, K))
    return {name: {"median_us": round(statistics.median(v) * 1e6, 1), "calls": len(v),
                   "p99_us": round(float(np.percentile(v, 99)) * 1e6, 1)} for name, v in steps.items()}


def exact_reference(index: HybridIndex, qs: list[str], repeats: int) -> dict:
    """hnswlib against exact numpy search on the same normalised vectors: recall@10 and latency per query."""
    vectors = np.ascontiguousarray(index.vectors, dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = np.asarray(index.labels)
    query_vectors = index.embedder.embed([index.prepare(q).dense_text for q in qs]).astype(np.float32)
    k = min(K, len(labels))

    def exact(vector: np.ndarray) -> np.ndarray:
        scores = vectors @ vector
        return labels[top_positions(scores, k)]

    truth = [set(exact(v).tolist()) for v in query_vectors]
    exact_latency = time_calls(exact, list(query_vectors), repeats)
    default_ef = index.hnsw.ef if hasattr(index.hnsw, "ef") else index.ef_search
    sweep = []
    try:
        for ef in sorted(set(EF_SWEEP) | {index.ef_search}):
            index.hnsw.set_ef(ef)
            found = [index.hnsw.knn_query(v[None, :], k=k)[0][0] for v in query_vectors]
            recall = statistics.fmean(len(truth[i] & set(f.tolist())) / k for i, f in enumerate(found))
            latency = time_calls(lambda v: index.hnsw.knn_query(v[None, :], k=k), list(query_vectors), repeats)
            sweep.append({"ef_search": ef, "recall_at_10": round(recall, 4), "p50_ms": latency["p50_ms"],
                          "p99_ms": latency["p99_ms"], "default": ef == index.ef_search})
    finally:
        index.hnsw.set_ef(default_ef)
    current = next(s for s in sweep if s["default"])
    return {"exact": {"p50_ms": exact_latency["p50_ms"], "p99_ms": exact_latency["p99_ms"]},
            "hnswlib": current, "ef_sweep": sweep, "k": k}


def measure_size(name: str, index: HybridIndex, qs: list[str], repeats: int) -> dict:
    say(f"\n== {name}: {len(index):,} chunks, {len(qs)} questions, {repeats} passes after a warm-up ==")
    service = AnswerService(LiveIndex(index))
    latency = {}
    for method in ("hybrid", "dense", "bm25"):
        latency[method] = time_calls(lambda q, m=method: index.search(q, K, method=m), qs, repeats,
                                     forget_questions(index))
    latency["answer (extractive)"] = time_calls(service.answer, qs, repeats, forget_questions(index))
    say(table(["what", "p50 ms", "p90 ms", "p99 ms", "mean ms"],
              [[m, v["p50_ms"], v["p90_ms"], v["p99_ms"], v["mean_ms"]] for m, v in latency.items()]))
    breakdown = search_breakdown(index, qs)
    say("\nwhere one hybrid search spends its time (each step timed alone, median/p99 over the questions):")
    say(table(["step", "median µs", "p99 µs"], [[s, v["median_us"], v["p99_us"]] for s, v in breakdown.items()]))
    reference = exact_reference(index, qs, repeats)
    say(f"\nexact numpy search: p50 {reference['exact']['p50_ms']:.3f} ms, p99 {reference['exact']['p99_ms']:.3f} ms"
        f" per query; hnswlib ef_search sweep (recall@{reference['k']} against exact):")
    say(table(["ef_search", "recall@10", "p50 ms", "p99 ms", ""],
              [[s["ef_search"], s["recall_at_10"], s["p50_ms"], s["p99_ms"], "<- in use" if s["default"] else ""]
               for s in reference["ef_sweep"]]))
    return {"chunks": len(index), "questions": len(qs), "latency": latency, "search_breakdown": breakdown,
            "reference": reference}


# --- main ----------------------------------------------------------------------------------------------------

def bundled_questions() -> list[str]:
    path = ROOT / "data" / "qa" / "uec_qa.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="synthetic corpus sizes in chunks (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per measurement (default 3)")
    parser.add_argument("--queries", type=int, default=300, help="synthetic questions per size (default 300)")
    parser.add_argument("--ingest-repeats-max-chunks", type=int, default=20_000,
                        help="sizes above this are ingested once, not --repeats times")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the ingest stage breakdown")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    logging.basicConfig(level=logging.WARNING, force=True)
    for name in ("bm25s", "mygallery"):  # bm25s sets its own logger to DEBUG
        logging.getLogger(name).setLevel(logging.WARNING)

    say("machine: " + json.dumps(machine()))
    results: dict = {"machine": machine(), "targets": {"hybrid_p50_ms_at_100k": TARGET_P50_MS,
                                                       "recall_at_10": TARGET_RECALL}, "ingest": {}, "search": {}}
    started = time.perf_counter()
    embedder = make_embedder(Settings())
    results["embedder_load_s"] = round(time.perf_counter() - started, 3)
    work = Path(tempfile.mkdtemp(prefix="bench-retrieval-"))
    try:
        say("\n== ingest throughput (full rebuilds through mygallery.engine.ingest.ingest) ==")
        bundled, bundled_index = time_ingest(ROOT / "data" / "docs", work / "bundled", embedder, args.repeats)
        results["ingest"]["bundled"] = bundled
        say(f"bundled corpus: {bundled['documents']} documents, {bundled['chunks']} chunks, "
            f"median {bundled['seconds_median']:.2f} s = {bundled['chunks_per_s_median']:,.0f} chunks/s")
        indexes = {}
        for size in sizes:
            docs = work / f"synthetic-{size}"
            started = time.perf_counter()
            write_corpus(docs, size)
            written = time.perf_counter() - started
            repeats = args.repeats if size <= args.ingest_repeats_max_chunks else 1
            figures, indexes[size] = time_ingest(docs, work / f"index-{size}", embedder, repeats)
            figures["corpus_written_s"] = round(written, 2)
            if not args.no_breakdown:
                figures["stages_s"] = stage_breakdown(indexes[size])
            results["ingest"][f"synthetic-{size}"] = figures
            say(f"synthetic {size:,}: {figures['documents']} files, {figures['chunks']:,} chunks, median "
                f"{figures['seconds_median']:.1f} s = {figures['chunks_per_s_median']:,.0f} chunks/s "
                f"({repeats} run{'s' if repeats > 1 else ''})")
            if "stages_s" in figures:
                say("  stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in figures["stages_s"].items()))
            shutil.rmtree(docs, ignore_errors=True)

        results["search"]["bundled"] = measure_size("bundled corpus, its QA questions", bundled_index,
                                                    bundled_questions(), args.repeats)
        synthetic_questions = questions(args.queries)
        for size in sizes:
            results["search"][f"synthetic-{size}"] = measure_size(f"synthetic {size:,}", indexes[size],
                                                                  synthetic_questions, args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    largest = f"synthetic-{max(sizes)}" if sizes else "bundled"
    figure = results["search"][largest]
    p50 = figure["latency"]["hybrid"]["p50_ms"]
    recall = figure["reference"]["hnswlib"]["recall_at_10"]
    results["verdict"] = {"size": figure["chunks"], "hybrid_p50_ms": p50, "hybrid_p50_pass": p50 < TARGET_P50_MS,
                          "recall_at_10": recall, "recall_pass": recall >= TARGET_RECALL}
    say(f"\n== targets at {figure['chunks']:,} chunks ==")
    say(table(["figure", "measured", "target", "result"], [
        ["hybrid retrieval p50", f"{p50:.3f} ms", f"< {TARGET_P50_MS} ms", "PASS" if p50 < TARGET_P50_MS else "FAIL"],
        ["hnswlib recall@10 vs exact", f"{recall:.4f}", f">= {TARGET_RECALL}",
         "PASS" if recall >= TARGET_RECALL else "FAIL"]]))
    say(f"\nresults: {write_results('retrieval', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
