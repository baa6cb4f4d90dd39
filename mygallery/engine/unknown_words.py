"""How much of a question no document knows: `unknown_share`, the share of its content words that are in no
document (in either language), by which answerability.py judges a question to be about something else, and the
bars it judges by. Words that only say how a question asks ("how long", "compare", "比较", "推荐") do not count.
Non-goals: the other evidence about a question (answerability.py).
"""

from __future__ import annotations

import math
import re

from .asked_phrase import subject_words, uncontracted
from .index import HybridIndex, term_tokens
from .lexicon import cjk_bigrams, english_of, lexicon_words, tokenize

# A question whose English content words are mostly in no document, in either language, is about something
# else ("How long should I knead sourdough bread dough …": 5 of 7). On the tune halves no answerable question
# reaches 0.7 (the highest: 4 of 6, an English question over Chinese notes).
MAX_UNKNOWN_WORDS = 0.7
# The same for a Chinese question's words — the lexicon's terms and the pieces between them, rougher than English
# words ("段留给"), known when a document has them or, for a term, its English: on the tune halves answerable
# questions reach 0.75 ("FPDP 消息类型注册表里 0xF0-0xFE 这段留给什么用"), questions about something else 1.0
# ("明天天气怎么样", "推荐几本好看的科幻小说"), so the bar is higher.
MAX_UNKNOWN_ZH_WORDS = 0.8
# … but a Chinese question that names nothing (no identifier, no number) is about something else at three of four
# words in no document ("实验室食堂晚饭几点关门？", where 实验室 is a word of the notes): over the tune halves and the
# probes, answerable ones of that kind reach 0.67 ("最后定下来每个包最多重传几次？"), unanswerable ones start at 0.75.
MAX_UNKNOWN_ZH_WORDS_UNNAMED = 0.7

# Words that say how a question asks, not what about: a document need not contain them.
ASKING_WORDS = frozenset(tokenize("expand acronym abbreviation short full name explain define definition example "
                             "difference differ compare comparison purpose role describe roughly exactly briefly "
                             "clause subclause section chapter paragraph "
                             "happen happens happened meant list kind kinds type types step steps "
                             # and words any question may use whatever it is about
                             "best better good great make makes made give gives take takes tips ways thing things "
                             "extra additional "
                             # and what a reason or a result is called: "what evidence does the report give", "on
                             # what grounds", "the contractual consequence of" — the documents give it, not its name
                             "evidence grounds basis rationale justification consequence consequences implication "
                             "implications impact outcome "
                             # and what "is there a … / does X have a …" asks for when it asks whether one can:
                             # "Is there a way to reset it?", "an alternative to PFC", "anything special"
                             "way ways alternative alternatives workaround workarounds option options anything "
                             "something special plan plans "
                             # and the adjective of "how long / how often / how much …", which asks for a value
                             "long often much many"))

# Chinese words that say how a question asks (when, how many, in the end, compared, recommended, lately …), not
# what about: a note that uses them ("最近两周比较了…") says nothing of "最近有啥好看的电视剧推荐吗"
_ZH_ASKING = re.compile("几点|多久|哪天|几次|几个|几本|哪家|哪几|多大|多长|多少|怎么样|最后|最早|一共|总共|到底|那次|之前|之后|以后|"
                        "得是|哪一|请问|一下|知道|比较|区别|对比|推荐|最近")


_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


def max_unknown_share(language: str, *, names_something: bool, quotes_documents: bool = False,
                      known_names: int = 0) -> float:
    """The share of unknown words (unknown_share) at which a question is about something else: a Chinese one
    that names something (an identifier, a number) may use more words no document has, and one that names a
    thing the documents have with a number they give ("PDC 池子为啥没再往上加到 32768", "TC-07 第 14 次为什么测出来
    2.4 ms") is about them however many of its everyday words they lack (never, on the tune halves and probes,
    a question about something else). So is an English one naming two or more things the documents have
    (`known_names`: "How does LLR repair a frame that FEC couldn't correct, so that the PDS never sees the
    loss?" over Chinese notes, whose English words are few): on the tune halves and probes, no unanswerable
    question was answered for it."""
    if language != "zh":
        return math.inf if known_names >= 2 else MAX_UNKNOWN_WORDS
    if quotes_documents:
        return math.inf
    return MAX_UNKNOWN_ZH_WORDS if names_something else MAX_UNKNOWN_ZH_WORDS_UNNAMED


def unknown_share(index: HybridIndex | None, question: str, language: str) -> float:
    """The share of the question's content words that no document has: its English words (four letters or
    more), in English or (lexicon.py) in Chinese — or, for a Chinese question, its Chinese words (lexicon_words:
    the lexicon's terms and the pieces between them), in a document or, for a term, as its English. 0 when
    fewer than two are unknown (one word is too little to judge), but for a question of Chinese alone whose only
    word is unknown."""
    if index is None:
        return 0.0
    if language == "zh":  # a word is known when a document has it, or — a lexicon term — has its English
        words = [part for word in lexicon_words(_ZH_ASKING.sub(" ", question)) for part in _pieces(word)]
        unknown = sum(not any(index.doc_frequency.get(b) for b in cjk_bigrams(word))
                      and not any(index.has_token(token) for term in english_of(word) for token in term_tokens(term))
                      for word in words)
        # and its lower-case English terms ("stage-only 推完之后 activate 得在多久内做"), known or not like an English
        # question's words (a capitalised name, "今天 Linthwaite 天气怎么样", says where, not what about)
        latin = [t for w in subject_words(question, language) for t in term_tokens(w) if t.isalpha() and len(t) >= 3]
        unknown += sum(not index.doc_frequency.get(t) and not index.has_translation(t) for t in latin)
        words += latin
        # one word is too little to judge by — unless it is all a question of Chinese alone says ("年假怎么申请？":
        # no name, no number, no English term, and its one word in no document)
        alone = unknown == len(words) == 1 and not _LATIN_OR_DIGIT.search(question)
        return unknown / len(words) if unknown >= 2 or alone else 0.0
    words = [t for t in term_tokens(uncontracted(question)) if t.isascii() and t.isalpha() and len(t) >= 4 and t not in ASKING_WORDS]
    corrected = index.prepare(question).corrected
    # a word known only as a typo of a document's word ("runny" for "running") is half known
    unknown = sum(0.0 if index.doc_frequency.get(w) or index.has_translation(w) else 0.5 if w in corrected else 1.0
                  for w in words)
    return unknown / len(words) if unknown >= 2 else 0.0


def _pieces(word: str) -> list[str]:
    """A run of four or more characters that is no lexicon term, cut in twos (the last piece three characters
    when the run is odd): most Chinese words are two characters long, and judged whole such a run ("周末去香山看
    红叶人多") is known by any one of its words."""
    if len(word) < 4 or english_of(word):
        return [word]
    cuts = list(range(0, len(word) - 1, 2))
    return [word[start:end] for start, end in zip(cuts, [*cuts[1:], len(word)], strict=True)]

