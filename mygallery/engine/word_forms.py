"""A question's words in the forms technical text writes them: "how wide is the group ID" is answered by "Width
(bits): 24" in the row of the "Group Identifier" (`WORD_FORMS`, `word_forms`, `respelled`), and "switch PathLedger
off" by what a setting calls "disable" (`switched`). lexicon.py reads them for cross-language terms, index.py for a
question's search terms.
Non-goals: stemming (lexicon.stem) and the other language's forms (lexicon.BILINGUAL_TERMS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# English word forms a question uses where technical text writes another: "how wide is the group ID" is answered
# by "Width (bits): 24" in the row of the "Group Identifier". Each word's forms, looked up by the word itself.
WORD_FORMS: dict[str, tuple[str, ...]] = {
    "wide": ("width",), "long": ("length",), "deep": ("depth",), "high": ("height",), "tall": ("height",),
    "big": ("size",), "large": ("size",), "fast": ("speed",), "often": ("frequency", "interval"),
    "id": ("identifier",), "ids": ("identifiers",), "identifier": ("id",), "max": ("maximum",), "min": ("minimum",),
    # a question's everyday word for an attribute that technical text names otherwise
    "cap": ("limit", "maximum", "ceiling"), "budget": ("limit", "maximum"), "scheme": ("algorithm", "method", "mode"),
    "fan-out": ("fanout", "count", "number"), "fanout": ("count", "number"),
    "footprint": ("size", "memory"), "lifetime": ("interval", "period", "rotation"), "penalty": ("cost", "overhead"),
    "deadline": ("timeout",), "checksum": ("check", "crc"), "floor": ("minimum",), "ceiling": ("maximum",),
    "temp": ("temperature",), "temps": ("temperatures",),
    "port": ("listen",),  # a service's port is where it listens: "listen: 0.0.0.0:9471" in its configuration
    "sender": ("source",), "senders": ("sources",), "multiple": ("several", "more than one"),
    "gpu": ("accelerator",), "gpus": ("accelerators",), "xpu": ("accelerator",), "xpus": ("accelerators",),
    "seq": ("sequence",), "num": ("number",), "addr": ("address",), "config": ("configuration",),
    "msg": ("message",), "pkt": ("packet",), "len": ("length",), "init": ("initial",), "ack": ("acknowledgement",),
    "nack": ("negative acknowledgement",), "info": ("information",), "spec": ("specification",),
    # percentiles as dashboards name them and as papers write them
    "p50": ("median", "50th percentile"), "p90": ("90th percentile",), "p95": ("95th percentile",),
    "p99": ("99th percentile",), "p999": ("99.9th percentile",),
    # the two ECN (RED) marking thresholds as configurations name them and as prose describes them
    "kmin": ("min threshold", "minimum threshold", "marking start"),
    "kmax": ("max threshold", "maximum threshold", "marking full"),
}


def grouped_alternation(words: Iterable[str]) -> str:
    """A regular expression's alternation of `words` (escaped), grouped by first character in the order given
    ("i(?:dentifier|ds|d)|m(?:ax|in|sg)|…"): at a word start only the group of its character is tried, not every
    word (a third of the time; words of different first characters never match at the same place). Give them
    longest first: of one group's words, the first that matches is taken."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())


_FORM_WORD = re.compile(rf"\b(?:{grouped_alternation(sorted(WORD_FORMS, key=len, reverse=True))})\b", re.IGNORECASE)


def respelled(text: str) -> str:
    """`text` with each word of WORD_FORMS replaced by its first other form ("group ID" → "group identifier"),
    or "" when it has none."""
    if not _FORM_WORD.search(text):
        return ""
    return _FORM_WORD.sub(lambda m: WORD_FORMS[m.group(0).lower()][0], text)


def word_forms(text: str) -> list[str]:
    """The other forms (WORD_FORMS) of the words of `text`, in order, and the one word of a phrasal verb of
    switching ("switch it off": disable)."""
    forms = [form for m in _FORM_WORD.finditer(text) for form in WORD_FORMS[m.group(0).lower()]]
    lowered = text.lower()
    if _may_switch(lowered):
        forms += ["disable" if m.group("off") else "enable" for m in _SWITCHED.finditer(lowered)]
    return list(dict.fromkeys(forms))


def switched(text: str) -> str:
    """`text` (lower-cased) with each phrasal verb of switching said by its one word: "switch PathLedger off for a
    while", "turned on", "can I switch on ECN" → "disable pathledger for a while", "enable", "can i enable ecn" — a
    setting's word, and not the network switch (交换机) that "switch" translates to. A switch or a turn that is
    a thing stays: "the switch on leaf 3", "the switch config on leaf 3", "how many turns on the spool", "the
    turning point on the curve", "U-turn", "does the switch turn off ECN marking" (the switch stays, the turning
    off is "disable")."""
    lowered = text.lower()
    return _SWITCHED.sub(_one_word, lowered) if _may_switch(lowered) else lowered


def _may_switch(lowered: str) -> bool:
    """Whether a (lower-cased) text has a word of switching at all: most questions do not, and the pattern costs
    ~15 µs to run."""
    return "switch" in lowered or "turn" in lowered


def _one_word(match: re.Match[str]) -> str:
    thing, before = match.group("off_thing") or match.group("on_thing"), match.group("before")
    return (f"{before} " if before else "") + ("disable" if match.group("off") else "enable") + (f" {thing}" if thing else "")


# what lies between a verb of switching and its "off" / "on": up to three words, none of them on / off, a helper
# verb ("is turned") or another switch or turn
_NOT_A_THING = r"(?:on|off|is|are|was|were|be|been|being|get|gets|got|switch\w*|turn\w*)\b"
_THING = rf"(?!{_NOT_A_THING})[a-z][\w.-]*(?:\s+(?!{_NOT_A_THING})[a-z][\w.-]*){{0,2}}?"
# a switch or a turn after one of these is a thing: "the switch on leaf 3", "how many turns on the spool"
_NOT_A_VERB = "".join(rf"(?<!\b{word} )" for word in ("the", "a", "an", "each", "every", "that", "this", "which", "per",
                                                      "one", "many", "same", "any", "its", "our", "your"))
# "on" that ends what is switched on ("turn TSS on?", "switch ECN on for storage"), not "on leaf 3"
_ON_ENDS = r"on(?=\s*(?:$|[?.,;:!)）？。，]|(?:for|in|at|during|when|while|by|after|before|and|or|so|to|again|now|too|first|permanently|everywhere)\b))"
_SWITCHED = re.compile(
    rf"{_NOT_A_VERB}(?<![\w-])(?:"
    rf"(?:switch(?:ed|es|ing)?|turn(?:ed|s|ing)?)\s+(?:(?P<off_thing>{_THING})\s+)??(?P<off>off)\b(?!-)"  # switched off,
    rf"|turn(?:ed|s|ing)?\s+on\b(?!-)|switch(?:ed|ing)\s+on\b(?!-)"  # turn it off; turn on X, switched on;
    rf"|(?:switch(?:ed|es|ing)?|turn(?:ed|s|ing)?)\s+(?P<on_thing>{_THING})\s+{_ON_ENDS}"  # turn TSS on;
    rf"|(?P<before>to|i|we|you|they|please|can|could|should|must|will|then|do|did|not|never)\s+switch\s+on\b(?!-))")  # to switch on X
