"""The condition a question asks at after saying what it knows (`unheld_condition`): "Priya measured the P99 at
targets of 10 us and 6 us. What was it at a target of 8 us?", "The slides count Bailu's PFC storms for 2024. How
many did it have in 2023?" — the sentences before the question give numbers the retrieved passages hold, its
asking part (question_parts.asking_part) numbers that none holds: the documents give the value at other
conditions, not at the one asked. answerability.py counts them among the conditions no passage holds.
Non-goals: a question whose numbers no passage holds at all (answerability.gather_evidence), one that gives its
numbers as inputs (QuestionShape.supposed), a yes/no question against a bound ("Was it under 5 us?").
"""

from __future__ import annotations

import re
from collections.abc import Collection

from .question_parts import asking_part
from .question_shape import QuestionShape, measures_in, numbers_in

# A number a question compares with, not one it asks at: "under 5 us", "more than 3", "低于 5 us", "5 us 以内"
_BOUND = re.compile(r"\b(?:under|below|above|over|within|beyond|exceed(?:s|ed|ing)?|less\s+than|more\s+than|fewer\s+than|"
                    r"greater\s+than|at\s+(?:most|least)|up\s+to)\s+[\d.,]+(?:\s*[a-zµ%/]+)?|(?:低于|高于|超过|不到|不超过|小于|大于)"
                    r"\s*[\d.,]+\s*\S{0,4}|[\d.,]+\s*\S{0,4}?\s*(?:以下|以内|以上)", re.IGNORECASE)


def unheld_condition(question: str, asked: QuestionShape, seen: Collection[str], texts: list[str],
                     dates: re.Pattern[str]) -> list[str]:
    """The numbers of the question's asking part (after one or more sentences of context), written with the unit
    the question gives ("8 us"), when the context gives a number the retrieved passages hold (`seen`) and none
    holds any of the asking part's numbers — or, with units, none holds any of its measures in their unit
    (`texts`, lower-cased: "8 us" is not held by "8-byte messages"). [] otherwise. Only the numbers the
    question's shape counts as conditions (not "Table 3", a release's "2.2", a date's day — `dates` — nor a
    bound it compares with: "under 5 us")."""
    asking = asking_part(question)
    if asking == question or asked.supposed or asked.kind == "yesno":
        return []
    context = question[:-len(asking)]
    if not numbers_in(context) & set(seen):  # the context says nothing the passages hold: not about them
        return []
    asking = _BOUND.sub(" ", asking)
    patterns = dict(zip(asked.measures, asked.measure_patterns(), strict=True))
    measures = [m for m in measures_in(asking) if m in patterns]
    numbers = numbers_in(dates.sub(" ", asking)) & asked.numbers
    if not numbers:
        return []
    unit_of = {m.split(" ", 1)[0]: m for m in measures}
    if all(n not in seen for n in numbers):
        return [unit_of.get(n, n) for n in sorted(numbers)]
    if measures and all(not any(patterns[m].search(t) for t in texts) for m in measures):
        return measures
    return []
