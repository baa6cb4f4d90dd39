"""PDF text benchmark: `mygallery.engine.pdf_text.read_pdf` against pypdf's extract_text (today's loader).

Measured:
1. pages/s END TO END on a long generated PDF (default 409 pages: numbered sections, wrapped and hyphenated
   paragraphs, a table every 5th page, running header and footer with page numbers, every 7th page placed
   word by word; tests/pdf_samples.long_pdf): each run is a fresh Python process that imports the module and
   calls read_pdf once, so the worker pool (forked: the runner has one thread) starts inside the timed call.
   Figures: the call's wall time (median of REPEATS runs, the configurations alternating so that neighbours
   see the same noise; pages/s from the median and from the best run), its CPU time (the process and its
   reaped workers), and the whole process's wall time including interpreter start and imports.
   Rows: read_pdf with 1 worker, with 2, with the automatic choice; pypdf `extract_text` page by page; and
   pypdfium2's bare `get_text_range` page by page (the floor: pdfium's own extraction, no layout);
2. the crossover: read_pdf with 1 and with 2 workers at a few sizes, to place `_PARALLEL_MIN_PAGES`;
3. fidelity on the word-by-word sample of the tests (three drawing orders): share of single-word lines and
   how many of its known sentences come out whole, pypdf against read_pdf;
4. ingest END TO END: `python -m mygallery ingest --rebuild` of a folder holding only the long PDF, in a fresh
   process — interpreter start, the embedding model's load, extraction, chunking, embedding, BM25 and the
   hnswlib graph all included; pages/s = pages / wall time (median of REPEATS runs).

    .venv/bin/python bench/bench_pdf.py                       # 409 pages, 3 runs each (about a minute)
    .venv/bin/python bench/bench_pdf.py --pages 320 --repeats 5 --sizes 32,64,128

Writes bench/results/pdf-<time>.json (and pdf-latest.json). Non-goals: other PDF libraries, scanned PDFs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import ROOT, machine, say, table, write_results  # noqa: E402

from tests import pdf_samples  # noqa: E402

TARGET_PAGES_PER_S = 100.0

# One run, in a fresh interpreter: prints {"call_s", "cpu_s", "pages", "text"} as JSON on its last line.
RUNNER = r"""
import json, os, sys, time
t_start = time.perf_counter()
kind, path, workers = sys.argv[1], sys.argv[2], sys.argv[3]
def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
if kind == "read_pdf":
    from mygallery.engine.pdf_text import read_pdf
    c0, t0 = cpu(), time.perf_counter()
    doc = read_pdf(path, workers=None if workers == "auto" else int(workers))
    call, used = time.perf_counter() - t0, cpu() - c0
    pages, text = doc.pages, "\n".join(b.text for b in doc.blocks)
elif kind == "pypdf":
    from pypdf import PdfReader
    c0, t0 = cpu(), time.perf_counter()
    reader = PdfReader(path)
    texts = [page.extract_text() or "" for page in reader.pages]
    call, used = time.perf_counter() - t0, cpu() - c0
    pages, text = len(texts), "\n".join(texts)
else:
    import pypdfium2 as pdfium
    c0, t0 = cpu(), time.perf_counter()
    pdf = pdfium.PdfDocument(path)
    texts = []
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    call, used = time.perf_counter() - t0, cpu() - c0
    pages, text = len(texts), "\n".join(texts)
print(json.dumps({"call_s": call, "cpu_s": used, "pages": pages, "chars": len(text),
                  "process_s": time.perf_counter() - t_start}))
"""


def run_once(kind: str, path: Path, workers: str = "1") -> dict:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", RUNNER, kind, str(path), workers], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=600)
    wall = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def summarise(kind: str, workers: str, runs: list[dict]) -> dict:
    call = statistics.median(r["call_s"] for r in runs)
    best = min(r["call_s"] for r in runs)
    return {"kind": kind, "workers": workers, "pages": runs[0]["pages"], "chars": runs[0]["chars"],
            "call_s": [round(r["call_s"], 4) for r in runs], "median_call_s": round(call, 4),
            "pages_per_s": round(runs[0]["pages"] / call, 1), "best_pages_per_s": round(runs[0]["pages"] / best, 1),
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 4),
            "median_process_s": round(statistics.median(r["process_s"] for r in runs), 4)}


def measure_alternating(configs: list[tuple[str, str, Path, str]], repeats: int) -> list[dict]:
    """Each config once per round, REPEATS rounds: neighbours in time see the same noise of a shared machine."""
    runs: dict[int, list[dict]] = {i: [] for i in range(len(configs))}
    for _ in range(repeats):
        for i, (_, runner_kind, path, workers) in enumerate(configs):
            runs[i].append(run_once(runner_kind, path, workers))
    return [summarise(label, workers, runs[i]) for i, (label, _, _, workers) in enumerate(configs)]


def word_by_word_fidelity(work: Path) -> list[dict]:
    from pypdf import PdfReader

    from mygallery.engine.pdf_text import read_pdf

    def whole_sentences(text: str) -> int:
        flat = " ".join(text.split())
        return sum(flat.count(s) for s in pdf_samples.WORD_BY_WORD_SENTENCES)

    rows = []
    for order in ("reading", "reverse", "shuffle"):
        path = pdf_samples.word_by_word_pdf(work / f"words-{order}.pdf", order=order)
        theirs = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
        ours = "\n".join(b.text for b in read_pdf(path).blocks)
        rows.append({"order": order, "sentences": 2 * len(pdf_samples.WORD_BY_WORD_SENTENCES),
                     "pypdf_single_word_lines": round(pdf_samples.single_word_share(theirs), 3),
                     "pypdf_whole_sentences": whole_sentences(theirs),
                     "read_pdf_single_word_lines": round(pdf_samples.single_word_share(ours), 3),
                     "read_pdf_whole_sentences": whole_sentences(ours)})
    return rows


def ingest_end_to_end(pdf: Path, work: Path, pages: int, repeats: int) -> dict:
    """`python -m mygallery ingest --rebuild` of a folder with only `pdf`, timed from process start."""
    docs = work / "ingest-docs"
    docs.mkdir()
    (docs / pdf.name).write_bytes(pdf.read_bytes())
    runs, summary = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mygallery", "ingest", "--rebuild", "--docs", str(docs),
                               "--index", str(work / "ingest-index")], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        runs.append(time.perf_counter() - started)
        summary = done.stdout.strip().splitlines()[-1]
    median = statistics.median(runs)
    chunks = int(summary.split(" chunks")[0].rsplit(" ", 1)[-1].replace(",", "")) if " chunks" in summary else 0
    return {"runs_s": [round(r, 2) for r in runs], "median_s": round(median, 2),
            "pages_per_s": round(pages / median, 1), "chunks": chunks, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=409)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="16,32,64,128", help="page counts for the 1-vs-2-workers crossover")
    args = parser.parse_args()
    results: dict = {"machine": machine(), "pages": args.pages, "repeats": args.repeats}
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        path = pdf_samples.long_pdf(work / "long.pdf", pages=args.pages)
        say(f"generated {path.name}: {args.pages} pages, {path.stat().st_size / 1e6:.1f} MB")

        configs = [("read_pdf", "read_pdf", path, "1"), ("read_pdf", "read_pdf", path, "2"),
                   ("read_pdf", "read_pdf", path, "auto"), ("pypdf", "pypdf", path, "1"),
                   ("pypdfium2 get_text_range", "pdfium", path, "1")]
        results["end_to_end"] = measure_alternating(configs, args.repeats)

        crossover = []
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            small = pdf_samples.long_pdf(work / f"long-{size}.pdf", pages=size)
            one, two = measure_alternating([("read_pdf", "read_pdf", small, "1"), ("read_pdf", "read_pdf", small, "2")],
                                           args.repeats)
            crossover.append({"pages": size, "one_worker_s": one["median_call_s"], "two_workers_s": two["median_call_s"],
                              "one_pages_per_s": one["pages_per_s"], "two_pages_per_s": two["pages_per_s"]})
        results["crossover"] = crossover
        results["word_by_word"] = word_by_word_fidelity(work)
        results["ingest"] = ingest_end_to_end(path, work, args.pages, args.repeats)
    results["machine_after"] = {"loadavg": machine()["loadavg"]}

    say()
    say(f"End to end, {args.pages} pages, fresh process per run, median of {args.repeats} "
        "alternating runs "
        f"(target read_pdf >= {TARGET_PAGES_PER_S:.0f} pages/s on 2 cores):")
    say(table(["extractor", "workers", "pages/s", "best pages/s", "call s (median)", "CPU s", "process s",
               "runs (s)"],
              [[r["kind"], r["workers"], r["pages_per_s"], r["best_pages_per_s"], r["median_call_s"], r["median_cpu_s"],
                r["median_process_s"], " / ".join(f"{s:.2f}" for s in r["call_s"])] for r in results["end_to_end"]]))
    say()
    say("Crossover, read_pdf call time (s), 1 worker against 2:")
    say(table(["pages", "1 worker", "2 workers", "pages/s (1)", "pages/s (2)"],
              [[c["pages"], c["one_worker_s"], c["two_workers_s"], c["one_pages_per_s"], c["two_pages_per_s"]]
               for c in crossover]))
    say()
    say("Word-by-word sample (2 pages, every word its own text object), drawing order within each line:")
    say(table(["order", "pypdf single-word lines", "pypdf whole sentences", "read_pdf single-word lines",
               "read_pdf whole sentences"],
              [[w["order"], w["pypdf_single_word_lines"], f"{w['pypdf_whole_sentences']}/{w['sentences']}",
                w["read_pdf_single_word_lines"], f"{w['read_pdf_whole_sentences']}/{w['sentences']}"]
               for w in results["word_by_word"]]))
    ingested = results["ingest"]
    say(f"\nIngest end to end ({args.pages}-page PDF, model load included): {ingested['median_s']} s median "
        f"({' / '.join(f'{s:.1f}' for s in ingested['runs_s'])}) = {ingested['pages_per_s']} pages/s, "
        f"{ingested['chunks']} chunks")
    best = max(r["pages_per_s"] for r in results["end_to_end"] if r["kind"] == "read_pdf")
    verdict = "PASS" if best >= TARGET_PAGES_PER_S else "FAIL"
    say(f"\nread_pdf best {best} pages/s: {verdict}; load average before {results['machine']['loadavg']}, "
        f"after {results['machine_after']['loadavg']}")
    say(f"wrote {write_results('pdf', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
