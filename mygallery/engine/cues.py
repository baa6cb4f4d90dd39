"""Cues in wording: how a sentence asks, introduces what follows, gives a cause or states a decision, and how a
question asks how something ended. Used by the extractive answerer to pick the sentence that does what the
question asks — and by answerability.py to tell a plan from an outcome ("Did the ballot pass?" against "which we
want to take to the ballot") and a feature switched on from off ("with NSCC turned off" against "开启 NSCC").
Non-goals: the question's shape (question_shape.py), scoring (extractive.py).
"""

from __future__ import annotations

import functools
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


# A question whether a planned thing went through ("Did the February 2026 ballot pass?", "这个申请最后批下来了吗",
# "burn-in 跑完结果怎么样"), and how a sentence plans or asks for a thing ("which we want to take to the ballot",
# "run the 96-hour burn-in — due 19 May", "Ask: fund two spare super-spines") or says how it went: a plan that
# says nothing of the outcome does not answer (`plans_only`). The question is asked so in its asking part
# ("Did …?", not "What did the vendor confirm?").
OUTCOME_ASKED = re.compile(r"^\s*(?:(?:and|so|but)\s+)?(?:did|has|have|was|were)\b[^?？]{0,80}?\b(?:pass(?:ed)?|approved?|"
                           r"confirm(?:ed)?|accepted?|granted?|succeed(?:ed)?|completed?|finish(?:ed)?|signed\s+off)\b"
                           r"|批(?:下来|准)了?吗|通过了?吗|结果(?:怎么样|如何)|有结论了?吗", re.IGNORECASE)
PLANNED = re.compile(r"\b(?:will|want\s+to|wants\s+to|plan(?:s|ned)?\s+(?:to|for)|is\s+planned|are\s+planned|going\s+to|"
                     r"due(?!\s+to\b))\b|^\s*ask\s*:|计划|打算|准备|拟(?:于|在|将|定)", re.IGNORECASE)
OUTCOME_STATED = re.compile(r"\b(?:pass(?:ed|es)?|fail(?:ed|s)?|succeeded|approved|confirmed|rejected|done|completed|"
                            r"finished|accepted|granted|declined|results?|outcome|ran|rolled\s+back|shipped|released|"
                            r"merged|postponed|slipped|delayed|cancell?ed|went\s+live)\b"
                            r"|通过|批准|批了|完成|确认了|否决|驳回|结果|已|失败|过关|跑通|上线", re.IGNORECASE)


def plans_only(text: str) -> bool:
    """Whether the text plans or asks for a thing and says nothing of how it went."""
    return bool(PLANNED.search(text)) and not OUTCOME_STATED.search(text)


# A feature a question asks about switched off ("with NSCC turned off", "where AGF was switched off", "关闭 NSCC
# 时", "NSCC 关闭时"), and how a text says a feature is on ("开启 NSCC", "with AGF on", "NSCC enabled") or off: a
# value measured with the feature on does not answer for it off (`only_on`). Not a pronoun ("when it is turned
# off"), not "on" as a preposition ("the P99 on PFC classes"), not a question that asks both ("off and on",
# "trimming on versus off").
_STATE = r"(?:(?:was|is|were|are|turned|switched|set|left)\s+)*"
_OFF_AFTER = rf"\s+{_STATE}(?:off|disabled)\b|\s*(?:关闭|关掉|禁用|关了)"
_OFF_BEFORE = r"(?:\b(?:without|disabl(?:e|ed|ing)|turn(?:s|ed|ing)?\s+off|switch(?:es|ed|ing)?\s+off)\s+|(?:关闭|关掉|禁用|不开|关了)\s*)"
_ON_AFTER = (rf"\s+{_STATE}(?:on|enabled)\b(?=\s*(?:[,.;:)）(（，。；：!?？]|$|and\b|or\b|but\b|versus\b|vs\b|measured\b))"
             r"|\s*(?:开启|启用|打开)")
_ON_BEFORE = r"(?:\b(?:enabl(?:e|ed|ing)|turn(?:s|ed|ing)?\s+on|switch(?:es|ed|ing)?\s+on)\s+|(?:开启|启用|打开|开了)\s*)"
_FEATURE = r"[A-Za-z][\w\-]*[A-Za-z0-9]"
SWITCHED_OFF = re.compile(rf"(?<![\w\-])(?P<after>{_FEATURE})(?:{_OFF_AFTER})|{_OFF_BEFORE}(?P<before>{_FEATURE})\b",
                          re.IGNORECASE)
_PRONOUNS = frozenset("it its they them this that these those which one both all".split())
_BOTH = re.compile(r"\b(?:off\s+(?:and|or|vs\.?|versus)\s+on|on\s+(?:and|or|vs\.?|versus)\s+off)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _states(feature: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """How a text says the feature is on, and how it says it is off."""
    name = re.escape(feature)
    on = re.compile(rf"{_ON_BEFORE}{name}\b|\bwith\s+{name}\s+(?:on|enabled)\b|(?<![\w\-]){name}(?:{_ON_AFTER})",
                    re.IGNORECASE)
    off = re.compile(rf"{_OFF_BEFORE}{name}\b|\bwith\s+{name}\s+(?:off|disabled)\b|(?<![\w\-]){name}(?:{_OFF_AFTER})",
                     re.IGNORECASE)
    return on, off


def switched_off(asking: str) -> tuple[tuple[str, str], ...]:
    """(the feature, the words saying it is off) for each feature a question's asking part asks about switched
    off — not one it also asks about on ("compare trimming on versus trimming off")."""
    lowered = asking.lower()
    if not any(cue in lowered for cue in ("off", "disabl", "关", "禁")) or _BOTH.search(asking):
        return ()  # most questions: no pattern search
    found = ((match.group("after") or match.group("before"), match.group(0).strip())
             for match in SWITCHED_OFF.finditer(asking))
    return tuple((feature, words) for feature, words in found
                 if feature.lower() not in _PRONOUNS and not _states(feature)[0].search(asking))


def only_on(feature: str, text: str) -> bool:
    """Whether the text says the feature is on and nowhere that it is off."""
    on, off = _states(feature)
    return bool(on.search(text)) and not off.search(text)


# A unit that is itself a question ("问：PathLedger 出问题找谁？", "Q: is 2 ms still the default?"): it matches the
# user's words but its answer stands in the unit after it
ASKS = re.compile(r"^(?:问|Q)\s*[:：.]|[?？]\s*$")
INTRODUCES = re.compile(r"[:：]\s*$")  # "Stage a profile on pod-b only, then activate it:" — what follows says how


# A question for a bound ("the minimum driver version", "最多能挂多少个"), and how a sentence states one of that
# direction ("tlnic 2.8.0 or later", "at most 4 retries", "不超过 64 个"): the bound, not the value in use.
LOWER_BOUND_ASKED = re.compile(r"\b(?:minimum|min|at\s+least|lowest|oldest)\b|最低|至少|不低于|最少", re.IGNORECASE)
LOWER_BOUND_STATED = re.compile(r"\bor\s+(?:later|newer|higher|above|more|greater)\b|\bat\s+least\b|\bminimum\b|\bmin\b"
                                r"|\b(?:not|never)\b[^.;]{0,40}\b(?:less|fewer|shorter|lower|below|smaller)\b"
                                r"|>=|≥|不低于|至少|最低|及以上|或以上|或更高|或更新", re.IGNORECASE)
UPPER_BOUND_ASKED = re.compile(r"\b(?:maximum|max|at\s+most|highest|largest)\b|最多|最高|最大|上限|不超过|至多", re.IGNORECASE)
UPPER_BOUND_STATED = re.compile(r"\bor\s+(?:earlier|older|lower|below|less|fewer)\b|\bat\s+most\b|\bmaximum\b|\bmax\b"
                                r"|\bup\s+to\b|\blimit(?:s|ed)?\b|\b(?:not|never)\b[^.;]{0,40}\b(?:more|longer|larger|higher|greater)\s+than\b"
                                r"|<=|≤|不超过|最多|最大|上限|以内|至多", re.IGNORECASE)


def bound_stated(question: str) -> re.Pattern[str] | None:
    """How a sentence states the bound the question asks for — a lower one or an upper one — or None."""
    if LOWER_BOUND_ASKED.search(question):
        return LOWER_BOUND_STATED
    return UPPER_BOUND_STATED if UPPER_BOUND_ASKED.search(question) else None
