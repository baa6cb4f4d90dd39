"""What an English question asks for, by its words: the noun phrase after "what / which / how many" or "what is
the" (`subject_words`: "warranty", "period" in "What warranty period does Halvane give?"), the English terms of a
Chinese question, and the question with its contractions written out (`uncontracted`: "whats" → "what is").
Used by the question's shape and by unknown_words.py. Non-goals: the rest of a question's shape (question_shape.py).
"""

from __future__ import annotations

import re

from .lexicon import EN_STOP_WORDS

# The noun phrase of what a question asks for: "What warranty period does …", "How many Slurm partitions are …",
# "How much is the annual membership fee for …", "What is the default of …".
_ASKED_PHRASE = (
    re.compile(r"^\s*(?:what|which|how\s+many|how\s+much)\s+(?!(?:do|does|did|is|are|was|were|has|have|had|can|could|"
               r"will|would|should|must|shall|may|might)\b)((?:[\w\-./]+\s+){0,5}?[\w\-./]+)\s+"
               r"(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|must)\b", re.IGNORECASE),
    re.compile(r"^\s*(?:(?:what|which|who)\s+(?:is|are|was|were)|how\s+\w+\s+(?:is|are|was|were))\s+(?:the|an?)\s+"
               r"((?:[\w\-./]+\s+){0,5}?[\w\-./]+)\s*(?:\b(?:of|for|on|in|at|per|that|when|between|used|does|do|did|"
               r"with|from|to|after|before|across|by|under|over|during|within|through|via|into)\b|[?？]|$)", re.IGNORECASE),
    # "what is Henrietta Trask's phone number": what is asked of a named one follows its possessive
    re.compile(r"^\s*(?:what|which)\s+(?:is|are|was|were)\s+(?:the\s+)?(?:[\w\-.]+\s+){0,3}?[\w\-.]+['’]s\s+"
               r"((?:[\w\-./]+\s+){0,3}?[\w\-./]+)\s*(?:\b(?:of|for|on|in|at|per|when|with|from|to|after|before|across|"
               r"by|under|over|during|within|through|via|into)\b|"
               r"[?？]|$)", re.IGNORECASE),
    # "How many engineers attended …": the plural noun counted, whatever verb follows it
    re.compile(r"^\s*how\s+many\s+(?!of\b)((?:[a-z\-]+\s+){0,2}?[a-z\-]+[a-rt-z]s)\s+(?!of\b)[a-z]+", re.IGNORECASE),
    # "Does UET support IP multicast groups?": whether one thing has another is asked, and the other is what the
    # documents must speak of (not "do": "can a multicast group do multiple senders" is answered by "exactly one
    # source")
    re.compile(r"^\s*(?:does|do|did|can|will)\s+(?:[\w\-./]+\s+){1,4}?(?:support|offer|provide|implement|define|"
               r"include|have\s+(?:an?|any))\s+((?:[\w\-./]+\s+){0,3}?[\w\-./]+)\s*(?:\b(?:for|on|in|at|with|over|"
               r"between|from|to|by|when|if|across|inside|within|about|that|which)\b|[?？,;—–]|$)", re.IGNORECASE),
    # "Is there a multicast mode in UET?": the same, asked of the thing's being there
    re.compile(r"^\s*(?:is|are)\s+there\s+(?:an?\s+|any\s+)?((?:[\w\-./]+\s+){0,3}?[\w\-./]+)\s*(?:\b(?:for|on|"
               r"in|at|with|over|between|from|to|by|when|if|across|inside|within|about|that|which)\b|[?？,;—–]|$)",
               re.IGNORECASE))
# Contractions a question is typed with ("whats", "what's the …"): read as the words they stand for.
_CONTRACTION = re.compile(r"\b(what|how|who|where|when|which)(?:['’]s|s)\b", re.IGNORECASE)


def uncontracted(question: str) -> str:
    """`question` with "whats" / "what's" (and "how's", "who's" …) written out as "what is"."""
    lowered = question.lower()  # most questions have none: two substring tests are cheaper than the pattern
    if "s" not in lowered or ("'s" not in lowered and "’s" not in lowered
                              and not any(f"{word}s" in lowered for word in ("what", "how", "who", "where", "when"))):
        return question
    return _CONTRACTION.sub(r"\1 is", question)


_PLAIN_WORD = re.compile(r"[a-z][a-z\-]{2,}")
# where the question proper may start: the beginning, or a clause after context that opens with a question word
_CLAUSE_STARTS = re.compile(r"^|(?:(?<=[,;:!?，。；：！？—–])\s*|(?<=\.)\s+)(?=(?:what|which|how)\b)", re.IGNORECASE)
# Modifiers in such a phrase say which one or how, not what: "the expected …", "the current …", "the step right
# after …". A question may use them where the documents do not.
_MODIFIER = re.compile(r"[a-z\-]+(?:ed|ly)|current|new|old|first|last|next|previous|total|overall|average|main|typical|"
                       r"usual|actual|exact|whole|entire|other|same|different|specific|particular|certain|possible|"
                       r"available|correct|proper|right|just|still|also|even|only|real|recommended|"
                       # superlatives ("the worst step time"), a state the thing is in ("valid for", "kept")
                       r"worst|best|highest|lowest|largest|smallest|biggest|longest|shortest|fastest|slowest|"
                       r"earliest|latest|valid|active|alive|kept|held|sent|set|run|made|built|left|lost|given|"
                       r"taken|written|shown|known|seen|done|spent|paid|put|cut|read|"
                       # and the verb of a clause that ends the phrase ("the worst step time 鹭-70B hit")
                       r"hit|saw|got|get|see|reach")
_LATIN_IN_CHINESE = re.compile(r"(?<![A-Za-z])[a-z][a-z\-]{3,}(?![A-Za-z])")


def subject_words(question: str, language: str) -> tuple[str, ...]:
    """The plain lower-case words that name what an English question asks for — those of the noun phrase
    after "what / which / how many" or after "what is the" ("warranty", "period" in "What warranty period does
    Halvane give?"), at the question's start or after a clause of context — or the lower-case English words of a Chinese question ("opcode" in "SES 头里的 opcode
    字段占几个比特"), which are terms. Not verbs or adverbs elsewhere in the question: a question may say
    "broke" or "settle on" where the documents say "regressed" or "chose"."""
    if language == "zh":
        return tuple(dict.fromkeys(w for w in _LATIN_IN_CHINESE.findall(question)
                                   if w not in EN_STOP_WORDS and not _MODIFIER.fullmatch(w)))
    # … also after a clause of context: "During the 10·23 incident, what was …", "… fleet-wide. What value …"
    match = next((m for start in _CLAUSE_STARTS.finditer(question) for pattern in _ASKED_PHRASE
                  if (m := pattern.match(question[start.end():]))), None)
    if match is None:
        return ()
    return tuple(dict.fromkeys(w for w in match.group(1).split()
                               if _PLAIN_WORD.fullmatch(w) and not _MODIFIER.fullmatch(w)))
