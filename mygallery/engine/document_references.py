"""Document references: a question that says which document it asks about ("论文里 Halyard 有几台 spine",
"per the datasheet", "in the Kestrel report") names it by its kind. The kind is no word of the content —
the paper never calls itself 论文, while the FAQ that cites it ("见论文 Table 2") does, and outranks it — so it
is left out of the search, and the passages of the documents of that kind (by file name or title) come
first among those found.
Non-goals: a document named by its file name or title words ("the PathLedger config reference"): those words
are searched like any others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

# What a question calls a kind of document → how file names and titles write it
KINDS: dict[str, tuple[str, ...]] = {
    "paper": ("paper", "论文"), "datasheet": ("datasheet", "data sheet", "数据手册", "规格书"),
    "report": ("report", "报告"), "blog": ("blog", "博客"), "faq": ("faq",), "minutes": ("minutes", "纪要"),
    "weekly": ("weekly", "周报", "周会"), "runbook": ("runbook",), "handbook": ("handbook", "手册"),
    "changelog": ("changelog", "change log", "release notes", "发布说明"), "slides": ("slides", "deck", "胶片"),
    "draft": ("draft", "草案"), "advisory": ("advisory", "公告"), "checklist": ("checklist", "检查单"),
    "postmortem": ("postmortem", "post-mortem", "复盘"), "handout": ("handout", "讲义"),
    "glossary": ("glossary", "术语表"), "notebook": ("notebook",), "transcript": ("transcript",),
}
_CHINESE = {form: kind for kind, forms in KINDS.items() for form in forms if not form.isascii()}
_ENGLISH = {form: kind for kind, forms in KINDS.items() for form in forms if form.isascii()}
_FORMS = tuple(dict.fromkeys([*_CHINESE, *_ENGLISH]))
_ENGLISH_WORDS = "|".join(sorted(map(re.escape, _ENGLISH), key=len, reverse=True))
# "in the paper", "per the current datasheet", "in the PathLedger paper's tail-latency test", "according to the
# report"; "论文里", "验收报告中", "纪要里提到", "草案说", "datasheet 里" — not "the paper says the half-life is 2 ms,
# what is it now?", which quotes a document to ask beyond it
_REFERENCE = re.compile(
    rf"\b(?:in|per|from|according\s+to)\s+the\s+(?:[\w\-]+\s+){{0,2}}?(?P<en>{_ENGLISH_WORDS})(?:'s)?\b"
    rf"|(?P<zh>{'|'.join(sorted(map(re.escape, _CHINESE), key=len, reverse=True))})\s*(?:里|中|上|说|提到|显示)"
    rf"|\b(?P<mixed>{_ENGLISH_WORDS})\s*(?:里|中|上|说|提到|显示)",  # "datasheet 里"
    re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def referenced_kind(question: str) -> tuple[str, str] | None:
    """(the kind of document the question refers to, the words that refer to it), or None."""
    lowered = question.lower()
    if not any(form in lowered for form in _FORMS):  # most questions: substring tests cost a fifth of the pattern
        return None
    match = _REFERENCE.search(question)
    if match is None:
        return None
    if match.group("zh"):
        return _CHINESE[match.group("zh")], match.group("zh")
    words = match.group("en") or match.group("mixed")
    return _ENGLISH[words.lower()], words


def without_reference(question: str, words: str) -> str:
    """The question without the words naming the document's kind: what is searched."""
    return question.replace(words, " ", 1)


def documents_of_kind(kind: str, named: Iterable[tuple[str, str]]) -> frozenset[str]:
    """The documents ((path, title) pairs) whose file name or title writes the kind."""
    forms = KINDS[kind]
    return frozenset(doc for doc, title in named
                     if any(form in f"{doc.rsplit('/', 1)[-1]} {title}".lower() for form in forms))
