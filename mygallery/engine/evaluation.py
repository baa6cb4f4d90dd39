"""Retrieval evaluation: recall@1, recall@5 and MRR of dense, BM25 and hybrid search on a QA set.

A QA set is JSON Lines: {"id", "question", "lang", "expected": [doc paths relative to the docs folder]}, and
for answer-level evaluation (answer_evaluation.py) optionally "keys" (regexes) and "kind". Lines with no expected
file (unanswerable questions) are left out here: no ranking can find what is not there.
Rankings are compared at document level — a document counts once, at the rank of its best chunk — because a
citation names a document. A question scores a hit at k when any expected document is among the first k.
Non-goals: judging answer text (that needs a model or people).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .index import METHODS, HybridIndex

DEPTH = 20  # chunks fetched per question; MRR counts the first expected document within them


@dataclass
class Question:
    id: str
    question: str
    lang: str
    expected: list[str]  # empty: the documents do not answer it
    keys: list[str] = field(default_factory=list)  # regexes a correct answer matches, all of them
    kind: str = ""


def load_questions(path: Path) -> list[Question]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            keys = [str(key) for key in row.get("keys", [])]
            for key in keys:
                re.compile(key)
            questions.append(Question(str(row.get("id", number)), row["question"], row.get("lang", ""),
                                      list(row["expected"]), keys, str(row.get("kind", ""))))
        except (ValueError, KeyError, TypeError, re.error) as exc:
            raise ValueError(f"{path}:{number}: not a QA line ({exc})") from exc
    return questions


def ranked_documents(index: HybridIndex, question: str, method: str) -> list[str]:
    docs: list[str] = []
    for hit in index.search(question, DEPTH, method=method):
        if hit.chunk.doc not in docs:
            docs.append(hit.chunk.doc)
    return docs


def evaluate(index: HybridIndex, questions: list[Question]) -> dict:
    questions = [q for q in questions if q.expected]
    methods = {}
    for method in METHODS:
        r1 = r5 = rr = 0.0
        for q in questions:
            docs = ranked_documents(index, q.question, method)
            rank = next((i for i, d in enumerate(docs, start=1) if d in q.expected), None)
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            rr += 1.0 / rank if rank else 0.0
        n = max(1, len(questions))
        methods[method] = {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "mrr": round(rr / n, 4)}
    return {"questions": len(questions), "methods": methods}


def format_report(report: dict) -> str:
    lines = [f"retrieval on {report['questions']} questions (document level)",
             f"{'method':<8} {'recall@1':>9} {'recall@5':>9} {'MRR':>7}"]
    for method, scores in report["methods"].items():
        lines.append(f"{method:<8} {scores['recall@1']:>9.3f} {scores['recall@5']:>9.3f} {scores['mrr']:>7.3f}")
    return "\n".join(lines)
