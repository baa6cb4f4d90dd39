"""The line before a quote in the other language, in the question's language: what the quote is, with the
question's names and the values it gives ("资料中关于 PDC 的英文原文给出的数值是 750 ms [2]："), so that the fact
is there before the reader reaches the foreign text.
Non-goals: choosing the quote (extractive.py).
"""

from __future__ import annotations

import re
from typing import Protocol

from .question_shape import QuestionShape

FROM_OTHER_LANGUAGE = {"en": "From the documents (in Chinese):", "zh": "资料中的英文原文："}

# a number and its unit: a short word after it ("3 retries" → "3", "8 attempts" → "8"), not a word of the
# sentence ("Plugfest #3 is planned" → "3", not "3 is"); not a piece of a version or a clause ("3.8.14", "4.3.2")
_SCIENTIFIC = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?\s*[×x]\s*)?10[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+|(?<![\w.\-])\d+(?:\.\d+)?e[-+]?\d+(?![\w.])",
                         re.IGNORECASE)
_VALUE = re.compile(r"(?<![\w.\-])(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![.\d]*\.\d)(?:\s?(?:%|(?!(?:is|in|on|of|to|at|or|and|as|by|if|"
                    r"it|be|are|was|for|the|with|per|from|than|that|this)\b)[A-Za-zµ]{1,5}(?:/[A-Za-z]{1,3})?(?![A-Za-z])|"
                    r"微秒|毫秒|纳秒|秒|分钟|小时|天|次|个|台|字节|位))?")


class Quoted(Protocol):
    """What the lead line reads of the quote (extractive.Candidate)."""

    text: str
    n: int


def lead_line(question: str, asked: QuestionShape, best: Quoted) -> str:
    """The line before a quote in the other language, in the question's language: what the quote is, with the
    question's names and — for a value question whose quote gives one or two values — those values carried
    over, so the fact is there before the reader reaches the foreign text."""
    # a value in scientific notation is one value ("1 × 10⁻⁵", not "1" and "10"), when no sort of value is asked
    # (the sorts' patterns read plain numbers with units): found first, then blanked
    scientific = [(m.start(), m.group(0)) for m in _SCIENTIFIC.finditer(best.text)] if asked.expects is None else []
    text = _SCIENTIFIC.sub(lambda m: " " * len(m.group(0)), best.text) if scientific else best.text
    plain = [(m.start(), m.group(0)) for m in _VALUE.finditer(text)
             if m.group(1).replace(",", "") not in asked.numbers
             # and of the asked sort: "how many accelerators" is no "400 Gb/s" (a port's sort is written before
             # it: "port 4793", "UDP 4793", ":9471")
             and (asked.expects is None or asked.expects.search(
                 text[max(0, m.start() - 6):m.end()] if asked.sort == "port" else m.group(0)))]
    values = list(dict.fromkeys(value for _, value in sorted(scientific + plain)))  # "6" once, though said twice
    names = ", ".join(match.group(0) for name in asked.anchors[:3]
                      if (match := re.search(re.escape(name), question, re.IGNORECASE)))
    if asked.language == "zh":
        about = f"关于 {names} 的" if names else ""
        if asked.kind == "number" and 1 <= len(values) <= 2:
            return f"资料中{about}英文原文给出的数值是 {'、'.join(values)} [{best.n}]："
        return f"资料中{about}英文原文：" if about else FROM_OTHER_LANGUAGE["zh"]
    about = f" on {names}" if names else ""
    if asked.kind == "number" and 1 <= len(values) <= 2:
        return f"The documents (in Chinese){about} give {' and '.join(values)} [{best.n}]:"
    return f"From the documents (in Chinese){about}:"
