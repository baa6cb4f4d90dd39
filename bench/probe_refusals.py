"""False refusals and missed refusals: questions, written the ways users type them, that the extractive
answerer should (or, for unanswerable ones, should not) meet with "not in the documents".

`data/eval/probes/answerable*.jsonl` hold answerable questions over the documents of the `data/eval` sets and
the bundled corpus — Title Case, "temp" for temperature, colloquial Chinese, "RTO floor", a vendor or an owner
the documents name without the word, "SM1-SM3" typed for "SM1–SM3" — each answered somewhere in its folder; most
carry a `key` or `keys` (regular expressions the answer should match). `unanswerable*.jsonl` hold questions whose
answer is in no document of their folder: about UEC over the bundled corpus, and in the styles of four sets'
tune halves. data/eval/README.md says who wrote which; none holds a held-out question of a set. The `_holdout`
files are kept aside: only their counts are printed (refusals, and answers without their key). Each folder is indexed afresh in a temporary directory;
every refusal of an answerable question and every answer to an unanswerable one of a tuning file is printed,
the refusals with the answerer's reason.

    .venv/bin/python bench/probe_refusals.py                     # about 30 s
    .venv/bin/python bench/probe_refusals.py --checkout /tmp/old # another checkout's answerer, same questions

Writes bench/results/refusals-<time>.json. Also counts, for the answerable questions that name the file their answer stands in (`source`), how often
that file is among the answer's first five sources. Non-goals: key-fact rates (`python -m mygallery eval --answers`).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, machine, say, write_results  # noqa: E402

PROBES = ROOT / "data" / "eval" / "probes"
ANSWERABLE = ("answerable.jsonl", "answerable2.jsonl", "answerable3.jsonl", "answerable4.jsonl", "answerable5.jsonl",
              "answerable5_holdout.jsonl", "answerable6.jsonl", "answerable6_holdout.jsonl", "answerable7.jsonl",
              "answerable7_holdout.jsonl", "answerable8.jsonl", "answerable8_holdout.jsonl",
              "answerable9.jsonl", "answerable9_holdout.jsonl", "answerable10.jsonl", "answerable10_holdout.jsonl",
              "answerable11.jsonl", "answerable11_holdout.jsonl")
UNANSWERABLE = ("unanswerable.jsonl", "unanswerable_holdout.jsonl", "unanswerable_sets.jsonl",
                "unanswerable_sets_holdout.jsonl", "unanswerable4.jsonl", "unanswerable4_holdout.jsonl",
                "unanswerable5.jsonl", "unanswerable5_holdout.jsonl", "unanswerable6.jsonl", "unanswerable6_holdout.jsonl",
                "unanswerable7.jsonl", "unanswerable7_holdout.jsonl", "unanswerable8.jsonl", "unanswerable8_holdout.jsonl",
                "unanswerable9.jsonl", "unanswerable9_holdout.jsonl", "unanswerable10.jsonl",
                "unanswerable10_holdout.jsonl", "unanswerable11.jsonl", "unanswerable11_holdout.jsonl")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, help="run the answerer of another checkout of this repository")
    args = parser.parse_args(argv)
    sys.path.insert(0, str((args.checkout or ROOT).resolve()))
    logging.disable(logging.WARNING)
    from mygallery.config import Settings
    from mygallery.engine.answerability import gather_evidence, judge
    from mygallery.engine.answering import AnswerService
    from mygallery.engine.embeddings import make_embedder
    from mygallery.engine.index import LiveIndex
    from mygallery.engine.ingest import ingest
    from mygallery.engine.question_shape import shape

    by_folder: dict[str, list[dict]] = defaultdict(list)
    for name in ANSWERABLE + UNANSWERABLE:
        path = PROBES / name
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else ():
            if line.strip():
                probe = json.loads(line)
                probe["file"] = name
                by_folder[probe["docs"]].append(probe)
    refused, missed, unflagged = [], [], []
    # file -> questions, refused, keyed, keyless, with an expected file, that file among the first five sources
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for folder, probes in by_folder.items():
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(docs_dir=ROOT / folder, index_dir=Path(tmp))
            _, index = ingest(settings, make_embedder(settings))
            service = AnswerService(LiveIndex(index))
            for probe in probes:
                question, name = probe["question"], probe["file"]
                aside = "holdout" in name  # kept aside: counted, never printed
                result = service.answer(question)
                counts[name][0] += 1
                counts[name][1] += not result.answered
                if name in UNANSWERABLE:
                    if result.answered and not aside:
                        unflagged.append({"docs": folder, "question": question, "answer": result.answer[:200]})
                        say(f"answered [{folder}] {question}  — {result.answer[:90]!r}")
                    continue
                keys = keys_of(probe)
                counts[name][2] += bool(keys)
                if expected := expected_files(probe):
                    counts[name][4] += 1
                    counts[name][5] += any(Path(source.doc).name in expected for source in result.sources[:5])
                if not result.answered:
                    if aside:
                        continue
                    asked = shape(question)
                    sources = service.retrieve(question, [])
                    found = service.extractive.candidates(question, asked, sources)
                    why = judge(asked, found[0], gather_evidence(index, service.extractive.units, question, asked,
                                                                 sources)).reason if found else "no candidates"
                    refused.append({"docs": folder, "question": question, "reason": why})
                    say(f"refused  [{folder}] {question}  — {why}")
                elif not all(re.search(key, result.answer, re.IGNORECASE) for key in keys):
                    counts[name][3] += 1
                    if not aside:
                        missed.append({"docs": folder, "question": question, "answer": result.answer[:200]})
    for name, (questions, no, keyed, keyless, placed, found) in counts.items():
        say(f"{name}: {questions} questions, {no} met with \"not in the documents\""
            + (" (should be all)" if name in UNANSWERABLE else f"; {keyless} of the {keyed} with a key answered "
                                                                   f"without it; source@5 {found} of {placed}"))
    for aside in (False, True):
        names = [n for n in ANSWERABLE if ("holdout" in n) == aside and n in counts]
        say(f"answerable{' (kept aside)' if aside else ''}: {sum(counts[n][0] for n in names)} questions, "
            f"{sum(counts[n][1] for n in names)} refused; {sum(counts[n][3] for n in names)} of the "
            f"{sum(counts[n][2] for n in names)} with a key answered without it; the expected file among the first "
            f"five sources for {sum(counts[n][5] for n in names)} of {sum(counts[n][4] for n in names)}")
    write_results("refusals", {"machine": machine(), "checkout": str(args.checkout or ROOT),
                               "files": {name: {"questions": q, "refused": r, "keyed": k, "keyed_without_key": m,
                                                "with_expected_file": e, "expected_file_in_top5": f}
                                         for name, (q, r, k, m, e, f) in counts.items()},
                               "refused": refused, "answered_without_key": missed, "unanswerable_answered": unflagged})
    return 0

def expected_files(probe: dict) -> set[str]:
    """The file names of the probe's `source` (one) or `sources`: where its answer stands."""
    named = probe.get("source") or probe.get("sources") or ()
    return {Path(name).name for name in ([named] if isinstance(named, str) else named)}


def keys_of(probe: dict) -> list[str]:
    """The regular expressions an answer to the probe should match: its `key`, or all of its `keys`."""
    return [probe["key"]] if probe.get("key") else list(probe.get("keys") or ())


if __name__ == "__main__":
    raise SystemExit(main())
