"""False refusals: answerable questions, written the ways users type them, that the extractive answerer should
not meet with "not in the documents".

`data/eval/probes/answerable.jsonl` holds about 260 questions over the documents of the `data/eval` sets and the
bundled corpus — Title Case, "temp" for temperature, colloquial Chinese, "RTO floor", a vendor or an owner the
documents name without the word, "SM1-SM3" typed for "SM1–SM3" — each answered somewhere in its folder; some carry
a `key` (a regular expression the answer should match). They were written against the documents, not drawn from
any set's questions, and hold none of the held-out questions. Each folder is indexed afresh in a temporary
directory; every refusal is printed with the answerer's reason.

    .venv/bin/python bench/probe_refusals.py                     # about 30 s
    .venv/bin/python bench/probe_refusals.py --checkout /tmp/old # another checkout's answerer, same questions

Writes bench/results/refusals-<time>.json. Non-goals: key-fact rates (`python -m mygallery eval --answers`).
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

PROBES = ROOT / "data" / "eval" / "probes" / "answerable.jsonl"


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
    for line in PROBES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            probe = json.loads(line)
            by_folder[probe["docs"]].append(probe)
    refused, missed, total = [], [], 0
    for folder, probes in by_folder.items():
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(docs_dir=ROOT / folder, index_dir=Path(tmp))
            _, index = ingest(settings, make_embedder(settings))
            service = AnswerService(LiveIndex(index))
            for probe in probes:
                total += 1
                question = probe["question"]
                result = service.answer(question)
                if not result.answered:
                    asked = shape(question)
                    sources = service.retrieve(question, [])
                    found = service.extractive.candidates(question, asked, sources)
                    why = judge(asked, found[0], gather_evidence(index, service.extractive.units, question, asked,
                                                                 sources)).reason if found else "no candidates"
                    refused.append({"docs": folder, "question": question, "reason": why})
                    say(f"refused  [{folder}] {question}  — {why}")
                elif probe.get("key") and not re.search(probe["key"], result.answer, re.IGNORECASE):
                    missed.append({"docs": folder, "question": question, "answer": result.answer[:200]})
    keyed = sum(1 for probes in by_folder.values() for p in probes if p.get("key"))
    say(f"{total} answerable questions: {len(refused)} refused; {len(missed)} of the {keyed} with a key answered "
        f"without it")
    write_results("refusals", {"machine": machine(), "checkout": str(args.checkout or ROOT), "questions": total,
                               "refused": refused, "answered_without_key": missed})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
