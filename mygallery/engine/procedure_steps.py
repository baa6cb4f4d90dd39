"""The steps of a procedure as one quote: for a question about steps, the step that matches with the step before
it and the steps after it, in order ("what comes before draining", "what has to happen after the repair") — or,
for a question about the whole procedure ("what are the steps to flash …", "how do I roll back …"), the list
from its first step. Long steps are cut to their first clause: the order of the steps is what was asked.
Collaborators: extractive.py finds the step and the units around it (answer_units.Unit: `step`, `number`).
Non-goals: scoring units, finding where a list goes on past its passage.
"""

from __future__ import annotations

import itertools
import re

from .answer_units import Unit
from .lexicon import tokenize
from .question_shape import BEFORE_AFTER

# words every sentence about steps has: not what a question about steps is about
STEP_WORDS = frozenset(tokenize("step steps procedure 步骤 流程"))
# A question for a whole procedure ("what are the steps to flash …", "how do I roll back …", "升级步骤"), not for
# one step of it ("step 4", "第 3 步", "what comes after draining")
_WHOLE_PROCEDURE = re.compile(r"\bsteps?\s+(?:to|for|of)\b|\bhow\s+(?:do|can|should|would|to)\b|\bprocedure\b|"
                              r"\bprocess\b|步骤|流程|怎么做|如何做|怎么操作|怎么弄|怎么办", re.IGNORECASE)
_STEP_NUMBER = re.compile(r"\bstep\s*#?\d|第\s*\d+\s*步", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[。；;，,:：](?=\s|[^\x00-\x7f]|$)|\.\s")


def asks_whole_procedure(question: str) -> bool:
    """Whether the question asks for a whole procedure, not for one step of it or its neighbours."""
    return bool(_WHOLE_PROCEDURE.search(question)) and not BEFORE_AFTER.search(question) \
        and not _STEP_NUMBER.search(question)


def steps_text(this: Unit, above: list[Unit], below: list[Unit], *, whole: bool, limit: int) -> str | None:
    """The step `this` with the step before it and the steps after it (numbered steps by their numbers, until
    another list starts at 1; unnumbered ones the nearest items beside it), as many as fit in `limit`
    characters, joined by "; " — or, `whole`, the list from its first step; None when no other step goes with
    it. `above` and `below` are the units before and after it, in order."""
    before: Unit | None = None
    if this.number and whole:  # "what are the steps to …": the list from its first step
        first: list[Unit] = []
        for unit in reversed(above):
            if unit.step and unit.number == this.number - 1 - len(first):
                first.insert(0, unit)
                if unit.number == 1:
                    break
        if first and first[0].number == 1:
            this, below, above = first[0], [*first[1:], this, *below], []
    if this.number:
        before = next((u for u in reversed(above) if u.step and u.number == this.number - 1), None)
        after: list[Unit] = []
        for unit in (u for u in below if u.step):  # 5, 6, 7 … in order, until another list starts at 1
            if unit.number == this.number + 1 + len(after):
                after.append(unit)
            elif unit.number <= this.number:
                break
    else:
        before = next((u for u in reversed(above[-8:]) if u.step), None)
        after = list(itertools.takewhile(lambda u: u.step, below))
    steps = ([_gist(before.shown)] if before is not None else []) + [this.shown]
    chars = sum(map(len, steps))
    for unit in after:
        gist = _gist(unit.shown)
        if chars + len(gist) > limit:
            break
        steps.append(gist)
        chars += len(gist)
    return "; ".join(step.rstrip("；;。.") for step in steps) if len(steps) > 1 else None


def _gist(step: str, limit: int = 90) -> str:
    """A step of a list as its first clause, when the step is long: the order of the steps is what was asked."""
    if len(step) <= limit:
        return step
    cut = next((m.start() for m in _CLAUSE_END.finditer(step) if 30 <= m.start() <= limit), None)
    return step[:cut] if cut is not None else step[:limit].rstrip() + "…"
