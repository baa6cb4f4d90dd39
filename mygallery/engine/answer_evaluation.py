"""Answer-level evaluation: does the answer state the asked fact, cite the right file, and say so when the
documents do not know? `python -m mygallery eval --answers`.

A QA line (see data/qa/README.md) may carry `keys` — regular expressions that must all match a correct answer
(case-insensitive) — and a `kind` (number, name, definition, mechanism, procedure, yesno, unanswerable). A line
with no expected files is unanswerable: the right answer says the documents do not contain it
(`answered: false`). Figures, for each answer variant (answerer) side by side, overall, by language and by kind:
- key fact: the share of answerable lines with keys whose answer matches every key; key fact in the lead: the
  share whose answer's first quote (with the line that introduces it, if any) already does — an answer may
  carry a few supporting quotes after the first, and this says how often the fact is where a reader looks first;
- source@5: the share of answerable lines with an expected file among the answer's first five sources;
- unanswerable recall: the share of unanswerable lines flagged `answered: false`; precision: the share of
  flagged lines that were unanswerable; and the share of answerable lines flagged (wrongly).
Non-goals: judging fluency or faithfulness beyond the keys (that needs people or a model).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .answer_types import AnswerResult
from .evaluation import Question

SOURCE_DEPTH = 5


@dataclass
class Outcome:
    question: Question
    answer: str
    answered: bool
    docs: list[str]  # the answer's sources, in order
    key_fact: bool | None  # None: no keys, or unanswerable
    source_at_5: bool | None  # None: unanswerable
    key_in_lead: bool | None = None  # the keys all match the answer's first quote (see lead)

    @property
    def unanswerable(self) -> bool:
        return not self.question.expected

    @property
    def kind(self) -> str:
        """The QA line's kind, else unanswerable or other."""
        return self.question.kind or ("unanswerable" if self.unanswerable else "other")


def judge(question: Question, result: AnswerResult) -> Outcome:
    docs = [source.doc for source in result.sources]
    answerable = bool(question.expected)
    key_fact = key_in_lead = None
    if answerable and question.keys:
        key_fact = all(re.search(key, result.answer, re.IGNORECASE | re.DOTALL) for key in question.keys)
        first = lead(result.answer)
        key_in_lead = key_fact and all(re.search(key, first, re.IGNORECASE | re.DOTALL) for key in question.keys)
    source = any(doc in question.expected for doc in docs[:SOURCE_DEPTH]) if answerable else None
    return Outcome(question, result.answer, result.answered, docs, key_fact, source, key_in_lead)


_CITED_END = re.compile(r"\[\d+\]\s*$")


def lead(answer: str) -> str:
    """The answer's first quote: its paragraphs up to the first one that ends with a citation ("… [1]"), so a
    line that introduces a quote in the other language ("… give 5 [1]:") comes with it; the whole answer when no
    paragraph ends so (a model's prose)."""
    paragraphs = answer.split("\n\n")
    end = next((i for i, p in enumerate(paragraphs) if _CITED_END.search(p)), len(paragraphs) - 1)
    return "\n\n".join(paragraphs[:end + 1])


def summarise(outcomes: list[Outcome]) -> dict:
    """The figures of one group of outcomes (None where the group has no line to measure it on)."""
    keyed = [o.key_fact for o in outcomes if o.key_fact is not None]
    led = [bool(o.key_in_lead) for o in outcomes if o.key_fact is not None]
    sourced = [o.source_at_5 for o in outcomes if o.source_at_5 is not None]
    unanswerable = [o for o in outcomes if o.unanswerable]
    answerable = [o for o in outcomes if not o.unanswerable]
    flagged = [o for o in outcomes if not o.answered]
    return {
        "questions": len(outcomes),
        "key_fact": _share(keyed), "key_fact_n": len(keyed), "key_fact_in_lead": _share(led),
        "source@5": _share(sourced), "source@5_n": len(sourced),
        "unanswerable_recall": _share([not o.answered for o in unanswerable]), "unanswerable_n": len(unanswerable),
        "unanswerable_precision": _share([o.unanswerable for o in flagged]), "flagged_n": len(flagged),
        "answerable_flagged": _share([not o.answered for o in answerable]),
    }


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def evaluate_answers(variants: dict[str, Callable[[str], AnswerResult]], questions: list[Question]) -> dict:
    """{"questions": N, "variants": {name: {"overall": …, "by_language": {…}, "by_kind": {…}, "misses": […]}}}:
    each variant answers every question."""
    report: dict = {"questions": len(questions), "variants": {}}
    for name, answer in variants.items():
        outcomes = [judge(q, answer(q.question)) for q in questions]
        languages = sorted({o.question.lang for o in outcomes})
        kinds = sorted({o.kind for o in outcomes})
        report["variants"][name] = {
            "overall": summarise(outcomes),
            "by_language": {lang: summarise([o for o in outcomes if o.question.lang == lang]) for lang in languages},
            "by_kind": {kind: summarise([o for o in outcomes if o.kind == kind]) for kind in kinds},
            "misses": [miss(o) for o in outcomes if is_miss(o)],
        }
    return report


def is_miss(outcome: Outcome) -> bool:
    if outcome.unanswerable:
        return outcome.answered
    return outcome.key_fact is False or outcome.source_at_5 is False or not outcome.answered


def miss(outcome: Outcome) -> dict:
    q = outcome.question
    return {"id": q.id, "question": q.question, "expected": q.expected, "keys": q.keys, "answered": outcome.answered,
            "key_fact": outcome.key_fact, "source@5": outcome.source_at_5, "sources": outcome.docs[:SOURCE_DEPTH],
            "answer": outcome.answer[:600]}


def format_answer_report(report: dict, *, show_misses: bool = False) -> str:
    def cell(value: float | None) -> str:
        return "   -  " if value is None else f"{value:6.3f}"

    lines = [f"answers on {report['questions']} questions",
             f"{'variant':<12} {'group':<16} {'n':>4} {'key fact':>8} {'in lead':>7} {'src@5':>6} {'unans.rec':>9} {'unans.prec':>10}"
             f" {'ans.flagged':>11}"]
    for name, figures in report["variants"].items():
        groups = [("overall", figures["overall"])]
        groups += [(f"lang {k}", v) for k, v in figures["by_language"].items()]
        groups += [(f"kind {k}", v) for k, v in figures["by_kind"].items()]
        for label, s in groups:
            lines.append(f"{name:<12} {label:<16} {s['questions']:>4} {cell(s['key_fact']):>8} {cell(s['key_fact_in_lead']):>7} {cell(s['source@5']):>6}"
                         f" {cell(s['unanswerable_recall']):>9} {cell(s['unanswerable_precision']):>10}"
                         f" {cell(s['answerable_flagged']):>11}")
        if show_misses:
            for m in figures["misses"]:
                lines.append(f"  miss {m['id']}: {m['question']}  (answered={m['answered']}, key={m['key_fact']}, "
                             f"src@5={m['source@5']}, keys={m['keys']}, expected={m['expected']}, "
                             f"sources={m['sources']})\n    {m['answer'][:300]!r}")
    return "\n".join(lines)
