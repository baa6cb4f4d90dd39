"""Cues in wording: how a sentence asks, introduces what follows, gives a cause or states a decision, and how a
question asks how something ended. Used by the extractive answerer to pick the sentence that does what the
question asks. Non-goals: the question's shape (question_shape.py), scoring (extractive.py).
"""

from __future__ import annotations

import re

# How a sentence gives a cause or a purpose: what a "why" question asks for ("since" only before a clause, not
# before a date: "since 14 April")
CAUSE = re.compile(r"\b(?:because|due\s+to|caused\s+by|as\s+a\s+result|so\s+that|in\s+order\s+to|to\s+(?:avoid|prevent|keep|stop|"
                   r"reduce|limit)|otherwise|the\s+reason|reason\s+(?:is|was)|leads?\s+to|led\s+to|which\s+means|"
                   r"hence|therefore|thus)\b|\bsince\s+(?:the|a|an|it|they|we|its|this|that|there|no|every|each|all)\b|, so\b|"
                   r"因为|由于|所以|原因|导致|为了|以免|避免|否则|因此|造成|以便|不然|这样")


# A question about how something ended ("最后定在", "in the end", "settle on"), and how a sentence states a
# decision
FINAL = re.compile(r"\b(?:finally|in\s+the\s+end|eventually|ended\s+up|settled?\s+on|final)\b|最后|最终",
                   re.IGNORECASE)
DECIDES = re.compile(r"\b(?:decided|decision|settled|agreed|conclusion|final|going\s+with|chose|chosen|approved)\b|"
                     r"就定|定了|定在|决定|结论|最终|确定|采用|改为|改成|改到|拍板", re.IGNORECASE)


# A unit that is itself a question ("问：PathLedger 出问题找谁？", "Q: is 2 ms still the default?"): it matches the
# user's words but its answer stands in the unit after it
ASKS = re.compile(r"^(?:问|Q)\s*[:：.]|[?？]\s*$")
INTRODUCES = re.compile(r"[:：]\s*$")  # "Stage a profile on pod-b only, then activate it:" — what follows says how
