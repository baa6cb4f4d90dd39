"""The condition a question asks at after saying what it knows (`unheld_condition`): "Priya measured the P99 at
targets of 10 us and 6 us. What was it at a target of 8 us?", "The slides count Bailu's PFC storms for 2024. How
many did it have in 2023?" — the sentence before the question gives numbers the retrieved passages hold, the
question's own sentence numbers that none holds: the documents give the value at other conditions, not at the
one asked. answerability.py counts them among the conditions no passage holds; release_checks.py reads the
release a question asks about in its asking sentence (`asking_sentence`).
Non-goals: a question whose numbers no passage holds at all (answerability.gather_evidence), one that gives its
numbers as inputs (QuestionShape.supposed).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .chunking import split_sentences
from .question_shape import QuestionShape, measures_in, numbers_in


def asking_sentence(question: str) -> str:
    """The sentence that asks — the last one ending with a question mark — of a question that says something
    first ("Clause 4.4.1.1 of Issue 1.3 fixes it at 9.5 µs. What value is in force, and since what date?");
    the question itself when it is one sentence or none ends with a question mark."""
    sentences = split_sentences(question)
    asking = [s for s in sentences if s.rstrip().endswith(("?", "？"))]
    return asking[-1] if len(sentences) >= 2 and asking else question


def unheld_condition(question: str, asked: QuestionShape, seen: Collection[str], texts: list[str],
                     dates: re.Pattern[str]) -> list[str]:
    """The numbers of the question's asking sentence (after one or more sentences of context), written with
    the unit the question gives ("8 us"), when the context gives a number the retrieved passages hold (`seen`)
    and none holds any of the asking sentence's numbers — or, with units, none holds any of its measures in
    their unit (`texts`, lower-cased: "8 us" is not held by "8-byte messages"). [] otherwise. The day of a date
    ("Oct 23", `dates`) names an event, not a condition."""
    last = asking_sentence(question)
    if last == question or asked.supposed:
        return []
    context = question.replace(last, " ")
    if not numbers_in(context) & set(seen):  # the context says nothing the passages hold: not about them
        return []
    patterns = dict(zip(asked.measures, asked.measure_patterns(), strict=True))
    measures = [m for m in measures_in(last) if m in patterns]
    numbers = numbers_in(dates.sub(" ", last))
    if not numbers:
        return []
    unit_of = {m.split(" ", 1)[0]: m for m in measures}
    if all(n not in seen for n in numbers):
        return [unit_of.get(n, n) for n in sorted(numbers)]
    if measures and all(not any(patterns[m].search(t) for t in texts) for m in measures):
        return measures
    return []
