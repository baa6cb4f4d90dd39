"""Whether the documents answer a question: what the index and the retrieved passages say about it
(`gather_evidence`: names, asked attributes and conditions no document or passage holds, the share of its words
no document has — unknown_words.py —, a release whose changes or date no passage gives, a named thing no passage
gives a value of the asked sort for), whether a passage is about a sibling of what is asked (`names_other`: the
PW-660 for the PW-680) and the verdict on the best unit (`judge`). The extractive answerer says "not in the
documents" when the verdict is no.
Non-goals: scoring units (extractive.py), the shape of a question (question_shape.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Protocol

from .answer_types import Source
from .answer_units import PreparedUnits, UnitCache, in_place
from .asked_condition import unheld_condition
from .asked_mechanism import mechanism_words, says_how
from .cues import OUTCOME_ASKED, only_on, plans_only, switched_off
from .index import HybridIndex, term_tokens
from .index_lookups import held, in_documents, named_anywhere, numbered_parts
from .lexicon import EN_STOP_WORDS, has_cjk, translations
from .name_forms import Finder, compared_with, in_a_range, members, stands_otherwise
from .question_parts import MAX_NAMES, asking_part, reported
from .question_shape import GENERIC_ATTRIBUTES, PATH, QuestionShape, numbers_in
from .release_checks import releases, unchanged, undated
from .required_attributes import MONTH_DAY
from .unknown_words import ASKING_WORDS, MAX_UNKNOWN_WORDS, max_unknown_share, unknown_share
from .word_forms import WORD_FORMS

# An English question of which the best unit covers less than this share of the terms (IDF-weighted) is about
# something else ("Which recipe makes the best sourdough bread?"). Not a test of a Chinese question (its bigrams
# across word boundaries are terms no passage has), and no higher: on the tune halves of data/eval the earlier
# bar (0.25, 0.15 for Chinese) refused as many answerable questions as unanswerable ones (4 and 3 of 302).
MIN_COVERAGE = 0.1
# A question naming an identifier with a digit that the passages hold (TC-04, 2.15.3), whose best unit covers at
# least this share of it, is about the documents however many of its everyday words they lack: a Chinese
# question over English documents ("TC-04 为什么只给了 PASS* 而不是 PASS？") has no Chinese word they know.
QUOTING_COVERAGE = 0.5


@dataclass
class Judgement:
    """Whether the best candidate answers the question, and why not."""

    answered: bool
    reason: str = ""
    unknown: tuple[str, ...] = ()  # what no document mentions (names, the asked attribute), for the reader
    absent: tuple[str, ...] = ()  # the question's conditions no retrieved passage holds, for the reader
    unchanged: tuple[str, ...] = ()  # the release whose changes no retrieved passage describes, for the reader
    scoped: bool = False  # a passage says the documents leave it out (scope_statements.py)
    planned: bool = False  # whether a thing went through is asked, and the best passage only plans it

    def explain(self, question: str, language: str) -> str:
        """Why the documents do not answer, in the question's language, with the question's own spelling of
        the words ("QL-B-035", not "ql-b-035"); "" when the reason is not one a reader can act on."""
        lowered = question.lower()
        same_length = len(lowered) == len(question)  # lower() kept every character's place (nearly always)

        def spelt(found: tuple[str, ...]) -> list[str]:  # in the question's order; "Annex" within "Annex D" once
            # found by str.find, not a pattern per word: numbers a question adds are new words every time, and
            # compiling a pattern for each cost a tenth of such an answer
            forms = [next((f for f in (w, w.replace(" ", "")) if f.lower() in lowered), w) for w in found]  # "1 k": "1K"
            places = [(at, question[at:at + len(w)] if same_length else w) for w in forms
                      if (at := lowered.find(w.lower())) >= 0]
            words = [word for _, word in sorted(places)] or list(found)
            return [w for w in dict.fromkeys(words) if not any(w != other and w in other for other in words)]

        if self.unknown:
            words = spelt(self.unknown)
            return f"资料中没有提到 {'、'.join(words)}。" if language == "zh" else f"No document mentions {', '.join(words)}."
        if self.unchanged:
            words = spelt(self.unchanged)
            return f"没有哪段资料说 {'、'.join(words)} 改了什么。" if language == "zh" \
                else f"No passage says what {', '.join(words)} changed."
        if self.scoped:
            return "有资料说明这不在其范围内。" if language == "zh" else "A passage says it is outside what they cover."
        if self.planned:
            return "资料中只有计划，没有说结果。" if language == "zh" else "They give the plan, not how it went."
        if self.absent:
            words = spelt(self.absent)
            return f"没有哪段资料给出 {'、'.join(words)} 的情况。" if language == "zh" \
                else f"No passage gives it for {', '.join(words)}."
        return ""


@dataclass
class Evidence:
    """What the index and the retrieved passages say about the question as a whole."""

    unknown_names: list[str]  # specific names of the question that no document mentions
    unknown_attributes: list[str]  # asked attributes no document mentions, in either language
    missing_conditions: list[str]  # the question's numbers, when no retrieved passage contains any of them
    unknown_words: float = 0.0  # share of the question's English content words no document has
    untyped: bool = False  # a value of a sort is asked for ("how many bits wide"), and no retrieved passage holds one
    unchanged: tuple[str, ...] = ()  # what a release changed is asked, and no retrieved unit says it changed anything
    undated: tuple[str, ...] = ()  # when a release (a product) comes is asked, and no retrieved unit naming it holds a date
    held_numbers: bool = False  # a retrieved passage holds a number the question gives (not a year)
    unanchored: tuple[str, ...] = ()  # the asked identifiers, when no retrieved unit naming one holds a value of the sort
    held_identifiers: bool = False  # a retrieved passage holds an identifier with a digit the question names (TC-04)
    mechanism: tuple[str, ...] = ()  # the words saying which mechanism "how does X …" asks about (asked_mechanism.py)
    outcome_asked: bool = False  # whether a planned thing went through is asked ("Did the ballot pass?", cues.py)
    switched_off: tuple[tuple[str, str], ...] = ()  # features asked about switched off: (feature, the words), cues.py
    known_names: int = 0  # the question's names the documents have (not one it only compares with: "unlike RoCE")


class Best(Protocol):
    """What `judge` reads of the best unit (extractive.Candidate)."""

    text: str
    coverage: float
    has_value: bool
    table_row: bool
    source_numbers: frozenset[str]
    names_attribute: bool
    names_other: bool


_LETTERED_INSTANCE = re.compile(r"(?<![a-z0-9\-])([a-z]{2,})-([a-z])(?![a-z0-9\-])")
_LETTERED_PART = re.compile(r"(\b(?:[Aa]nnex|[Aa]ppendix)|附录)\s*([A-Z])\b")  # one \b test before both words



# (a pattern of the asked identifier, a pattern of a sibling of it, the identifier when a range of its siblings
# may hold it — "osp-n049..osp-n056" is about osp-n050 — else ""), for each one a question names
Siblings = tuple[tuple[Finder, Finder, str], ...]
# An identifier of two or more letters and a number ("PW-680", "HX400", "osp-sp9", "TC1"), or a model named with
# its size ("Heron-70B", "鹭-13B"): its letters, its number and the size's letter. Not one Latin letter ("L23"):
# "L4" and "L2" are also layers, not a sibling leaf.
_LETTERED_NUMBER = re.compile(r"^([a-z][a-z\-_.]*?[a-z]|[\u4e00-\u9fff]+)[\-_. ]?(\d+)([bmkt]?)$")


@functools.lru_cache(maxsize=1024)
def _lettered_siblings(anchors: tuple[str, ...]) -> Siblings:
    """For each lettered-number identifier of a question: (a pattern of the identifier as documents write it,
    with or without a separator; a pattern of a sibling — the same letters with a number the question does not give)."""
    found: list[tuple[Finder, Finder, str]] = []
    parts = [(*match.groups(), anchor) for anchor in anchors if (match := _LETTERED_NUMBER.match(anchor))]
    for letters, number, size, anchor in parts:
        # the question's other identifiers of the same letters are asked too ("osp-sp1 和 osp-sp7"): no siblings
        asked = tuple(n for other, n, s, _ in parts if other == letters and s == size)
        found.append((members(letters, size, (number,), True), members(letters, size, asked, False),
                      "" if size else anchor))
    return tuple(found)


@functools.lru_cache(maxsize=1024)
def compared(anchors: tuple[str, ...]) -> tuple[Finder, ...]:
    """The patterns (as `sibling_patterns` makes them) of the question's identifiers that share their letters
    with another of them — "OSP-T03 and OSP-T04", which a comparison asks about together."""
    parts = [match.groups() for anchor in anchors if (match := _LETTERED_NUMBER.match(anchor))]
    return tuple(own for (letters, _, size), (own, _, _) in zip(parts, _lettered_siblings(anchors), strict=True)
                 if sum(other == letters and s == size for other, _, s in parts) >= 2)


def names_other(text: str, siblings: Siblings) -> bool:
    """Whether `text` names a sibling of an asked identifier (the PW-660 for a question about the PW-680) and
    not the identifier itself: it is about something else."""
    return any(other.search(text) and not own.search(text) and not (name and in_a_range(name, [text.lower()]))
               for own, other, name in siblings)


def names_asked(text: str, siblings: Siblings) -> bool:
    """Whether `text` names an asked identifier itself (the PW-680 of a question about the PW-680)."""
    return any(own.search(text) or name and in_a_range(name, [text.lower()]) for own, _, name in siblings)


@functools.lru_cache(maxsize=1024)
def _version_siblings(versions: tuple[str, ...]) -> Siblings:
    """For each three-part version of a question ("firmware 3.6.0"): (a pattern of it, a pattern of another
    version of the same major number — 3.4.2, 3.5.1 — which a passage about another release names)."""
    return tuple((releases(version, True), releases(version, False), "") for version in versions)


def sibling_patterns(asked: QuestionShape, question: str = "") -> Siblings:
    """(the asked one, a sibling) patterns for the question's lettered identifiers and three-part versions."""
    return _lettered_siblings(asked.anchors) + _version_siblings(_versions(question))


def claimed(question: str) -> frozenset[str]:
    """The numbers of the question's reported clauses (question_parts.reported) that it gives nowhere else."""
    said, rest = reported(question)
    return frozenset(numbers_in(said) - numbers_in(rest)) if said else frozenset()


def gather_evidence(index: HybridIndex | None, units: UnitCache, question: str, asked: QuestionShape,
                    sources: list[Source]) -> Evidence:
    """What the index and the retrieved passages say about the question as a whole (see Evidence)."""
    if index is None:
        return Evidence([], [], [])

    corrected = index.prepare(question).corrected  # typos ("drian") stand for the terms they are typos of

    def known_token(token: str) -> bool:
        return index.has_token(token) or token in EN_STOP_WORDS or token in corrected

    def compound(token: str) -> bool:  # "allreduce" where the documents write "all-reduce", "busbw" "bus bw"
        return token.isalpha() and any(known_token(token[:i]) and known_token(token[i:])
                                       for i in range(3, len(token) - 2))

    def unknown(term: str) -> bool:  # an abbreviation's plural (NICs) is its own token: "nic" is known by it
        return all(not index.has_token(token) and token not in corrected and not index.doc_frequency.get(f"{token}s")
                   and not (token.endswith("er") and (index.doc_frequency.get(token[:-1])  # receiver: receive
                                                       or index.doc_frequency.get(token[:-2])))  # sender: send
                   and not (token.endswith("al") and len(token) >= 8  # operational: operation, contractual:
                            and (index.doc_frequency.get(token[:-2]) or index.doc_frequency.get(token[:-3])))  # contract
                   # (not "portal" for "port", "signal" for "sign")
                   and not compound(token)
                   for form in (term, *WORD_FORMS.get(term, ())) for token in term_tokens(form))  # ID: identifier

    def unknown_in_either_language(term: str) -> bool:  # a Chinese form is known when all its character pairs
        # are: 操作码 (opcode) is not known by the 操作 of 操作系统
        return unknown(term) and all(unknown(t) if not has_cjk(t) else not all(map(index.has_token, term_tokens(t)))
                                     for t in translations(term))

    prepared = [units.get(source, index) for source in sources]
    lowered = [ready.lowered for ready in prepared]
    # An identifier (a name with a digit or an underscore: QL-B-035, L64, GRD_FEC_BLOCK) that no retrieved
    # passage holds: BM25 finds the passages that share its parts, so had any document named it, one of
    # them would hold it.
    # A capitalised word ("the AI Full Switchover") is a name only when no document has it in either language.
    # … one a document has elsewhere is no unknown name — a long question's other words may outrank its passages
    # ("Which HX-400 firmware release closed KST-107?") — but see `elsewhere` below.
    coded = [name for name in asked.anchors if any(c.isdigit() or c == "_" for c in name)]
    unheld = [name for name in coded  # "p99" is held by "99th percentile" (WORD_FORMS)
              if not any(held(form, lowered) for form in (name, *WORD_FORMS.get(name, ())))
              and not stands_otherwise(name, question, lowered)]
    elsewhere = [name for name in unheld if named_anywhere(index, name)]
    names = [name for name in asked.anchors if name in unheld and name not in elsewhere
             or name not in coded and unknown_in_either_language(name) and not stands_otherwise(name, question, lowered)]
    # a lettered part of a document ("Annex D", "附录 E") that no retrieved passage names: a passage of the
    # annex, or the contents listing the annexes, would be found by the word
    names += [f"{part} {letter}" for part, letter in _LETTERED_PART.findall(question)
              if not any(re.search(rf"{part.lower()}\s*{letter.lower()}\b", text) for text in lowered)]
    # an instance named by a letter ("pod-e", "hall-b") that no retrieved passage holds while they name its
    # siblings ("pod-a" … "pod-d"): BM25 finds the passages about pods, so had one named pod-e, it would be here
    # — or a product named so ("spectrum-x") whose word no document has at all
    names += [f"{word}-{letter}" for word, letter in dict.fromkeys(_LETTERED_INSTANCE.findall(question.lower()))
              if not held(f"{word}-{letter}", lowered)
              and (any(re.search(rf"(?<![a-z0-9]){word}-[a-z](?![a-z0-9])", text) for text in lowered)
                   or unknown_in_either_language(word))]
    # a release no document names ("firmware 3.6.0" where the notes stop at 3.5.1): a version of three parts is
    # one search token, looked up whole
    versions = _versions(question)
    names += [version for version in versions if not index.has_token(version)]
    # a numbered table, figure or issue ("Table 6", "Fig. 3", "表 6", "issue #219") that no document has:
    # looked up in the chunks that hold its number
    names += [name for name in numbered_parts(question) if not in_documents(index, name)]
    # The attribute asked for, or a word of the phrase naming what is asked ("warranty" in "What warranty
    # period …"), that no document has in either language: the documents cannot say.
    asked_words = [*(asked.attributes - GENERIC_ATTRIBUTES),
                   *(w for w in asked.subject
                     if (tokens := term_tokens(w)) and ASKING_WORDS.isdisjoint(tokens) and GENERIC_ATTRIBUTES.isdisjoint(tokens))]
    attributes = list(dict.fromkeys(a for a in asked_words if unknown_in_either_language(a)))
    seen: set[str] = set()
    for ready in prepared:  # also spelt out: "3-tier" is held by "three switching tiers", "三层"
        seen |= ready.source_numbers | ready.name_numbers
        seen.update(*ready.counts)
    # a value the question reports a document to give ("the paper says … 2 ms — is that still the default?") is a
    # claim it checks, not a condition it asks at: no passage need hold it
    claims = claimed(question) if asked.numbers else frozenset()
    conditions = asked.numbers - claims
    unseen = {n for n in conditions - seen  # "10k nodes" is seen in "10,000 nodes"
              if not (f"{n} k" in asked.measures and n.isdigit() and str(int(n) * 1000) in seen)}
    # the day of a date ("the oct 23 outage") names an event, which Chinese notes date 10 月 23 日 or not at all
    days = {day for date in _MONTH_DAY.findall(question) for day in re.findall(r"\d+", date)} if unseen else set()
    unseen -= days
    missing = sorted(unseen) if unseen and unseen == conditions - days and not asked.supposed else []
    held_numbers = any(not _YEAR.fullmatch(n) for n in asked.numbers - unseen)
    # an identifier with a digit ("TC-04", a release "2.15.3") that the passages hold: the question quotes them
    held_identifiers = any(name not in unheld and not _MEASURE_NAME.fullmatch(name) for name in asked.numbered) \
        or any(version not in names for version in versions)
    # a number the question gives with a unit is named with it ("1K", not "1")
    missing = [next((m for m in asked.measures if m.split(" ", 1)[0] == number), number) for number in missing]
    # "64 MiB" is not in a passage that only says "64-to-1" (nor is a claim a condition)
    if not missing and asked.measures and not asked.supposed and any(m.split(" ", 1)[0] not in claims
                                                                      for m in asked.measures):
        missing = [measure for measure, pattern in zip(asked.measures, asked.measure_patterns(), strict=True)
                   if not any(pattern.search(text) for text in lowered)]
        missing = missing if len(missing) == len(asked.measures) else []
    if not missing:  # "… at targets of 10 us and 6 us. What was it at 8 us?": the documents give other conditions
        missing = unheld_condition(question, asked, seen, lowered, _MONTH_DAY)
    # A name the documents have elsewhere: the retrieved passages are about it only when the question's other
    # names tie them to it — an identifier with a digit (not a measure's: "P99"), or two names, they hold — not
    # "BF-7400 网卡的 PDC 空闲回收时间默认是多少" over passages about PDCs, none naming the BF-7400
    if elsewhere and not missing:
        tied = [name for name in asked.anchors if name not in unheld and name not in names
                and not _MEASURE_NAME.fullmatch(name) and held(name, lowered)]
        if len(tied) < 2 and not any(c.isdigit() for name in tied for c in name):
            missing = elsewhere
    if missing and asked.kind == "yesno" and asked.measures and any(  # "会生效吗" of a value under a stated limit:
            pattern.search(text) for pattern in asked.bound_patterns() for text in lowered):  # "below 64 KiB is raised"
        missing = []
    # a value of a sort asked for ("how many bits wide", "多久轮换一次", "which kernel version") that no retrieved
    # passage holds — not a width in bits, not a duration, not a version: they speak of the thing, not of its value
    # (the units as shown: a table row reads "Width (bits): 24"; cached per passage and sort). A table whose
    # cells hold bare numbers ("PL: 46.3") gives their unit once, in a caption or its header: its rows count.
    # Not when the question may ask for either of two sorts: "how long is the tag" is answered by "16 bytes"; nor
    # for a version, which a passage may write in two parts ("kernel 6.8": the required attribute's test).
    untyped = needs_value(asked) and asked.expects is not None and asked.sort != "version" \
        and not _EITHER_SORT.search(question) and not any(
        any(ready.holding(asked.expects)) or asked.expects.search(source.section)
        or source.kind == "table" and any(ready.holding(_BARE_CELL))
        for ready, source in zip(prepared, sources, strict=True))
    unknown_words = unknown_share(index, question, asked.language)
    # the names the documents have count only where the unknown words would refuse an English question
    known_names = sum(name not in names and not compared_with(name, question) for name in asked.anchors) \
        if unknown_words >= MAX_UNKNOWN_WORDS and asked.language != "zh" else 0
    return Evidence(names, attributes, missing, unknown_words, untyped,
                    unchanged(question, sources, prepared), undated(question, asked, sources, prepared), held_numbers,
                    () if untyped else _unanchored(asked, sources, prepared), held_identifiers,
                    mechanism_words(question, asked), bool(OUTCOME_ASKED.search(asking := asking_part(question))),
                    switched_off(asking), known_names)


# Identifiers that name a measure, not a thing ("P99 latency"): no passage need name them beside the value
_MEASURE_NAME = re.compile(r"p\d{2,4}")


def _unanchored(asked: QuestionShape, sources: list[Source], prepared: list[PreparedUnits]) -> tuple[str, ...]:
    """The question's identifiers, when it asks for a value of a sort of them ("青岚 DZ-9600 交换机的共享缓冲有多大",
    "RV-9400 每台有多少个端口") and no retrieved unit that names one — in its text, its row's label or header, its
    passage's title or section — holds a value of that sort: the documents name the thing, never with that value.
    () otherwise. Not for a version, a date or a clock time, which a passage may give away from the name."""
    named = tuple(a for a in asked.numbered if not _MEASURE_NAME.fullmatch(a))
    if not named or asked.expects is None or asked.sort in ("version", "date", "clock") or not needs_value(asked):
        return ()
    measures = asked.measure_patterns()  # the conditions it is asked under ("1 MiB" messages), held with it
    for source, ready in zip(sources, prepared, strict=True):
        holding = ready.holding(asked.expects)
        if asked.sort == "size":  # a pool's or a table's size is a number of things: "PDC 池 2,048 个"
            holding = [a or b for a, b in zip(holding, ready.holding(_ENTRIES), strict=True)]
        for unit, holds in zip(ready.units, holding, strict=True):
            texts = [in_place(unit, source, ready.units).lower()] if holds else []
            if texts and any(held(name, texts) for name in named) \
                    and all(pattern.search(texts[0]) for pattern in measures):
                return ()
    return named


_ENTRIES = re.compile(r"\d[\d,]*\s*(?:个|条|项|entries|contexts|slots|packets|descriptors|elements|items)", re.IGNORECASE)


_VERSION = re.compile(r"(?<![\w.])v?(\d+\.\d+\.\d+)(?![\w.]|\.\d)")


def _versions(question: str) -> tuple[str, ...]:
    """The question's three-part versions ("firmware 3.6.0"), in order, without repeats: the first MAX_NAMES."""
    return tuple(dict.fromkeys(_VERSION.findall(question)))[:MAX_NAMES]


_YEAR = re.compile(r"(?:19|20)\d\d")  # a number that is more often a date than a value
_MONTH_DAY = re.compile(MONTH_DAY, re.IGNORECASE)
_BARE_CELL = re.compile(r":\s*-?\d[\d,.]*\s*(?:;|$)")  # a table cell that is a number alone, as a row is shown
_EITHER_SORT = re.compile(r"\bhow\s+long\b|多长", re.IGNORECASE)  # a duration or a length


def judge(asked: QuestionShape, best: Best, evidence: Evidence, passage: str = "") -> Judgement:
    """Whether the best unit answers the question. Not when the question names something the documents never
    mention (a name, or the attribute it asks for), or a condition no retrieved passage holds (16 KiB when the
    table has 8 B, 4 KiB and 64 KiB), or when the best unit — and every close runner-up — is about a sibling of
    the asked identifier (the PW-680 for a question about the PW-660), or covers next to nothing of an English
    question, or holds no value when a number is asked for (the documents say what the anti-replay window is
    for, never how large it is), or — `passage`, the best unit's — says nothing of the mechanism "how does X …"
    asks about, or only plans what the question asks the outcome of ("Did the ballot pass?"), or gives the
    value with a feature on that the question asks about off ("with NSCC turned off")."""
    if evidence.unknown_names:
        return Judgement(False, f"the documents never mention {', '.join(evidence.unknown_names)}",
                         unknown=tuple(evidence.unknown_names))
    if evidence.unknown_words >= max_unknown_share(asked.language, names_something=bool(asked.anchors or asked.numbers),
                                                   quotes_documents=bool(asked.anchors) and evidence.held_numbers
                                                   or evidence.held_identifiers and best.coverage >= QUOTING_COVERAGE,
                                                   known_names=evidence.known_names):
        return Judgement(False, f"{evidence.unknown_words:.0%} of the question's words are in no document")
    if evidence.unknown_attributes:
        return Judgement(False, f"the documents never mention {', '.join(evidence.unknown_attributes)}",
                         unknown=tuple(evidence.unknown_attributes))
    if evidence.missing_conditions:
        return Judgement(False, f"no passage holds {', '.join(evidence.missing_conditions)}",
                         absent=tuple(evidence.missing_conditions))
    if evidence.untyped:
        return Judgement(False, f"no passage holds a value of the sort asked for ({asked.sort})")
    if evidence.unanchored:
        return Judgement(False, f"no passage naming {', '.join(evidence.unanchored)} holds a value of the sort asked for "
                                f"({asked.sort})", absent=evidence.unanchored)
    if evidence.unchanged:
        return Judgement(False, f"no passage says what {', '.join(evidence.unchanged)} changed",
                         unchanged=evidence.unchanged)
    if evidence.undated:
        return Judgement(False, f"no passage gives a date for {', '.join(evidence.undated)}", absent=evidence.undated)
    if asked.language == "en" and best.coverage < MIN_COVERAGE:
        return Judgement(False, f"the best passage covers {best.coverage:.2f} of the question")
    if evidence.mechanism and not says_how(evidence.mechanism, passage):  # "How does UET handle multicast
        # traffic?" over notes that mention UET in passing: the best unit's passage says nothing of multicast
        return Judgement(False, f"the best passage says nothing of {', '.join(evidence.mechanism)}")
    if evidence.outcome_asked and plans_only(best.text):  # "Did the February ballot pass?" — "… which we want to
        # take to the task force ballot in February 2026": the plan, not how it went
        return Judgement(False, "the best passage plans what is asked about, and says nothing of how it went",
                         planned=True)
    if off := [(feature, words) for feature, words in evidence.switched_off if only_on(feature, best.text)]:
        # "… trim rate with NSCC turned off?" — the row "裁剪率（开启 NSCC）": the value with it on
        return Judgement(False, f"the best passage gives it with {', '.join(f for f, _ in off)} on",
                         absent=tuple(words for _, words in off))
    if best.names_other:  # and no close runner-up names the asked one: the documents give it for a sibling
        return Judgement(False, f"the best passage names a sibling of {', '.join(asked.numbered)}, not it",
                         absent=asked.numbered)
    if best.table_row and asked.numbers and not best.source_numbers & asked.numbers:
        return Judgement(False, f"the best table row is not for {', '.join(sorted(asked.numbers))}")
    if not best.names_attribute:
        return Judgement(False, f"the best passage does not name the {', '.join(asked.required)} asked for")
    if needs_value(asked) and not best.has_value:
        return Judgement(False, "neither the best passage nor a close runner-up holds a value")
    return Judgement(True)


# Required attributes that are the value asked for (an e-mail address, a serial number): REQUIRED_ATTRIBUTES
# finds them, and they need hold no number
VALUE_ATTRIBUTES = frozenset({"email", "serial"})


def needs_value(asked: QuestionShape) -> bool:
    """Whether only a passage holding a value (a number the question does not give) answers the question: one
    asking for a number ("how wide is the PSN", "NSCC 的 maximum window 默认值是多少") — not for a date or a time
    ("什么时候上报" is answered by an event: when all packets have arrived), not one that gives its numbers as
    inputs (the answer to "with a 400G link and an 8 µs RTT, how much …" may restate them), not one asking for
    a requirement or a command."""
    return (asked.kind == "number" and not asked.valueless and not asked.supposed and asked.sort not in ("date", "time", PATH)
            and not VALUE_ATTRIBUTES.intersection(asked.required))
