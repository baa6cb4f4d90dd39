"""What a question asks of a release that no retrieved passage says: what it changed ("What changed in BXOS
7.2.2?", "DZ-OS 5.3.2 主要修了什么") or when it (or a product) comes out ("鸣沙 7.3.4 大概什么时候发") — answerability.py's
`unchanged` and `undated` evidence — and how a text names a release (`naming`, also used for its siblings).
Non-goals: the verdict (answerability.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from .answer_types import Source
from .answer_units import PreparedUnits, in_place
from .name_forms import Finder, Named
from .question_parts import asking_part
from .question_shape import QuestionShape
from .required_attributes import REFERENCE


@functools.lru_cache(maxsize=1024)
def naming(release: str) -> Finder:
    """How a text names a release ("3.6.0", "v3.6.0"), not a longer one (3.6.0.1) nor a part of another: for a
    three-part release the one pattern of all of them (`releases`), else a pattern of its own."""
    if _BARE_THREE_PART.fullmatch(release):
        return releases(release, True)
    return re.compile(rf"(?<![\w.])v?{re.escape(release)}(?![\w]|\.\d)", re.IGNORECASE)


def undated(question: str, asked: QuestionShape, sources: list[Source], prepared: list[PreparedUnits]) -> tuple[str, ...]:
    """The release of a question asking when it comes or came out ("鸣沙 7.3.4 大概什么时候发", "When was 2.1.4
    released?"), when no retrieved unit that names it (or stands under a heading naming it) holds a date, nor
    the section it stands in; () otherwise. Without a release, the same for a product named by two or more
    letters and a number ("BR-840G 啥时候发布"); not for a leaf or a port ("the optic on L23"), whose date may sit
    in a unit that writes it otherwise ("L23/57")."""
    if asked.sort != "date" or asked.expects is None:
        return ()
    dates = asked.expects

    def dated(source: Source, ready: PreparedUnits) -> list[bool]:
        if dates.search(source.section):  # "1.8.0 (released 2025-10-03)" over its notes
            return [True] * len(ready.units)
        return ready.holding(dates)

    if release := _asked_release(question, referred=False):
        return _unsaid(release, sources, prepared, dated)
    # a product named by letters and a number ("BR-840G 啥时候发布"): no unit naming it holds a date
    products = [a for a in asked.numbered if _PRODUCT.fullmatch(a)]
    if any(_said(re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.IGNORECASE), sources, prepared, dated)
           for name in products):
        return ()
    return tuple(products[:1])


_PRODUCT = re.compile(r"[a-z]{2,}-?\d{2,}[a-z]?", re.IGNORECASE)


# A question asking what a release changed or fixed ("What changed in BXOS 7.2.2?", "DZ-OS 5.3.2 主要修了什么"),
# and how a text says that something changed ("fixes", "now", "改成", "新增" — not "upgraded to", "补丁晚到"):
# a passage that only names the release (an upgrade to it, its date) does not answer.
_ASKS_CHANGES = re.compile(r"\bwhat(?:'s|\s+is|\s+was|\s+has)?\s+(?:changed|new|fixed|different)\b|\bwhat\s+did\s+.{1,40}?\s+"
                           r"(?:change|fix)\b|\b(?:changes|fixes)\s+(?:in|of)\b|修了|改了|(?:什么|哪些|啥)(?:变化|改动|修复|更新)"
                           r"|(?:变化|改动|修复|更新)了?(?:什么|哪些|啥)", re.IGNORECASE)
def releases(version: str, own: bool) -> Named:
    """The three-part releases a text names ("3.6.0", "v3.6.0"; not 3.6.0.1 nor a part of another) that are
    `version` itself (`own`) or another of its major number (3.4.2, 3.5.1 beside 3.6.0)."""
    major = version.split(".", 1)[0]
    if own:
        return Named(_THREE_PART, lambda named: named == version)
    return Named(_THREE_PART, lambda named: named != version and named.split(".", 1)[0] == major)


_BARE_THREE_PART = re.compile(r"\d+\.\d+\.\d+")
_THREE_PART = re.compile(r"(?<![\w.])[vV]?(\d+\.\d+\.\d+)(?![\w]|\.\d)")
_RELEASE = re.compile(r"(?<![\w.])v?(\d+\.\d+(?:\.\d+)*(?:-[a-z]+\d*)?)(?![\w.]|\.\d)"
                      r"(?!\s*(?:µs|μs|us|ms|ns|s|%|[kmgt]i?b|[kmgt]b/s|gbps|w|v|°c|m)\b)", re.IGNORECASE)  # not "9.5 µs"
_SAYS_CHANGED = re.compile(r"\b(?:fix(?:es|ed)?|chang(?:e|es|ed)|add(?:s|ed)?|remov(?:e|es|ed)|replac(?:e|es|ed)|introduc(?:e|es|ed)"
                           r"|no\s+longer|now|instead|deprecat\w*|improv(?:e|es|ed)|resolv(?:e|es|ed)|support(?:s|ed)?)\b"
                           r"|修复|修了|修正|改成|改为|改了|新增|增加了|去掉|移除|删除|取代|替换|不再|引入|支持", re.IGNORECASE)


def unchanged(question: str, sources: list[Source], prepared: list[PreparedUnits]) -> tuple[str, ...]:
    """The release of a question asking what it changed, when no retrieved unit that names it (or stands under
    a heading naming it) says that something changed; () otherwise."""
    if not _ASKS_CHANGES.search(question):
        return ()
    return _unsaid(_asked_release(question, referred=True), sources, prepared,
                   lambda _, ready: [bool(_SAYS_CHANGED.search(unit.shown)) for unit in ready.units])


def _unsaid(release: str | None, sources: list[Source], prepared: list[PreparedUnits],
            says: Callable[[Source, PreparedUnits], list[bool]]) -> tuple[str, ...]:
    """(the question's release,) when no retrieved unit both names it — in its text, its table header, its
    passage's title or section — and `says` it (per unit of a passage); () when one does or no release is
    named (`_asked_release`)."""
    if release is None or _said(naming(release), sources, prepared, says):
        return ()
    return (release,)


# A document's own issue ("Issue 1.3", "Draft 1.0", "Rev 2.1"): the document, not a release of the thing asked of
_DOCUMENT_ISSUE = re.compile(r"\b(?:issue|draft|rev\.?|revision|edition)\s*\d+(?:\.\d+)*", re.IGNORECASE)


def _asked_release(question: str, *, referred: bool) -> str | None:
    """The release a question asks about: the first of its asking part ("… since May. What changed in 7.2.2?"),
    else — when the asking part may refer back to it (`referred`: "The spines run BXOS 7.2.2. What changed in
    that release?") — the first of the whole question; not a numbered part of a document ("Clause 4.4.1.1"), a
    document's issue ("Issue 1.3") or a measure ("9.5 µs"). When a release comes out is asked of the asking
    part alone: "论文写的是 5.1.4。当前是哪个版本？何时全量完成？" asks no date of 5.1.4."""
    text = _DOCUMENT_ISSUE.sub(" ", REFERENCE.sub(" ", question))
    release = _RELEASE.search(asking_part(text)) or (_RELEASE.search(text) if referred else None)
    return release.group(1) if release else None


def _said(named: Finder, sources: list[Source], prepared: list[PreparedUnits],
          says: Callable[[Source, PreparedUnits], list[bool]]) -> bool:
    """Whether a retrieved unit both names the thing (`named`, searched in its text, table header, passage's
    title and section, and the sentence its line opens with) and `says` it."""
    return any(said and named.search(in_place(unit, source, ready.units))
               for source, ready in zip(sources, prepared, strict=True)
               for unit, said in zip(ready.units, says(source, ready), strict=True))
