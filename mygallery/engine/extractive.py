"""The offline answerer: states the asked fact by quoting the sentence or table row that holds it — or says
plainly that the documents do not contain it.

`ExtractiveAnswerer.compose` scores every unit of the retrieved passages (answer_units.py) against the
question: IDF-weighted overlap with the question's terms (and, in the passage's title, section or table
header, half as much), their other-language forms, embedding similarity, the rank of the passage, the
question's language, and the shape of the question (question_shape.py) — a value question wants a unit with a
number the question does not already give, and the conditions it names (512 accelerators) and its specific
names (L23, Osprey) in the passage. The best unit is the first line of the answer; up to three more units that
score at least 0.6 of it follow as support, each cited [n]; an FAQ's entry for the question is quoted with
its reply. When the question names something no document mentions, sets a condition no retrieved passage
holds, asks for a vendor, owner, approver, date … the best passage does not name, asks for a number neither it
nor a close runner-up holds, or (in English) is barely covered by it (`judge`), the answer says the documents
do not contain it, in the question's language, and quotes the closest passages as related reading.
Non-goals: generating text, summarising across documents, answering without sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from operator import mul

from .abbreviations import acronyms, defines
from .answer_types import Source, Turn, word_pieces
from .answer_units import PreparedUnits, Unit, UnitCache, in_place, refers_back, word_set
from .answerability import (
    MIN_COVERAGE,
    VALUE_ATTRIBUTES,
    Judgement,
    compared,
    gather_evidence,
    judge,
    names_asked,
    names_other,
    needs_value,
    sibling_patterns,
)
from .cues import ASKS, CAUSE, DECIDES, FINAL, INTRODUCES, bound_stated
from .index import EXPANSION_WEIGHT, HybridIndex
from .index_lookups import question_weights
from .lead_line import lead_line
from .lexicon import cjk_ratio, expand_query, has_cjk, tokenize
from .named_quotes import each_named
from .procedure_steps import STEP_WORDS, asks_whole_procedure, steps_text
from .question_shape import PATH, WHY, QuestionShape, numbers_in, shape
from .required_attributes import names_required
from .scope_statements import disclaimer

# How an answer that the documents do not give begins, in each language: `answered` recognises it by this.
NOT_IN_DOCUMENTS = {"en": "The documents do not contain an answer to this question.",
                    "zh": "资料中没有找到这个问题的答案。"}
RELATED = {"en": "Related passages:", "zh": "相关内容："}

# The unit score is a weighted sum of these features (see `candidates`); the weights were fitted on the tune
# halves of the four QA sets in data/eval/ (a listwise logistic fit: the unit holding the asked fact should score
# highest), checked set by set with the set left out of the fit, and on data/qa/ (bench/README.md, "Answer
# quality"). "typed": the unit holds a value of the sort the question asks for (a date, a version, a size …).
# "label": the share of the unit's label (a table row's first cell, a setting's key) that the question's own
# words name — "Switch OS" for "which OS do the switches run" — for questions after a value or a name, not a
# reason or steps, and not for a row that spells out an asked abbreviation (a glossary row is not an answer);
# its weight set on the tune halves with the others fixed (0.6: the fact in the first quote +4 of 188, no key
# fact lost; 1.0 lost two).
FEATURES = ("own", "related", "other", "context", "rank", "dense", "language", "defines", "defines_asked",
            "value", "no_value", "conditions", "attribute", "missing_names", "length", "table", "retrieval", "typed",
            "label")
WEIGHTS = (1.66, 0.29, 0.5, 1.27, 0.29, 0.25, -0.19, 0.09, 0.83, 0.56, -0.56, 0.61, 0.03, -0.21, 0.13, -0.09, 0.16, 0.4,
           0.6)
CONTEXT_WEIGHT = 0.5  # in coverage: a question term found only in the passage's title, section or table header
SUPPORT_SHARE = 0.6  # a supporting unit scores at least this share of the best
MAX_SUPPORT = 3
# A reason, a procedure or a yes/no is answered across several sentences (the timer doubles, after seven resends
# the packet is lost, the loss is reported up as a completion error …): more supporting quotes, further behind the
# best one. On the tune halves of data/eval: the key fact in 4 more answers (zh-notes 1, en-field 1, paper-forum 2),
# none lost; answerable probes with a key answered without it 49 -> 47 of 346.
EXPLAINED = frozenset({"reason", "procedure", "yesno"})
EXPLAIN_SUPPORT, EXPLAIN_SHARE, EXPLAIN_CHARS = 5, 0.4, 1300
# The best unit and its runners-up that score at least CLOSE_SHARE of it: where a question asking for a vendor,
# an owner … looks for one that names it, and a question asking for a clause for one with a numbered section.
CLOSE, CLOSE_SHARE = 3, 0.7
FAQ_COVERAGE = 0.8  # an FAQ's question covering this much of the user's question is the entry for it
# … looked for among this many of the best units: an entry asking "是什么时候" scores low against a "啥时候" question
# that expects a date (its question holds none), yet it is the entry for it
FAQ_WITHIN = 8
# A runner-up that names the asked identifier itself takes the place of a best unit about its sibling from further
# behind: "PW-680: a cold reboot is required" (1.22) behind "PW-660: a warm reboot is enough" (1.80).
SIBLING_SHARE = 0.5
MAX_CHARS = 900
STEP_CLOSE, STEP_SHARE = 5, 0.6  # how far behind the best a step of a list may stand for a question about steps
CANDIDATES = 12  # units kept after scoring: the answer, its support and the related reading come from these

@dataclass(slots=True)
class Candidate:
    score: float
    coverage: float  # share of the question's terms the unit covers, with its context (IDF-weighted)
    n: int  # the source's citation number
    rank: int  # the source's position
    position: int  # the unit's position in its source
    text: str
    missing_names: int
    has_value: bool  # a number the question does not give
    features: tuple[float, ...] = ()
    names_attribute: bool = True  # the unit, or its passage's context, names the attribute the question asks for
    table_row: bool = False
    source_numbers: frozenset[str] = frozenset()  # numbers anywhere in the unit's passage
    names_other: bool = False  # names a sibling of an asked identifier (PW-660 for PW-680), not the identifier


class ExtractiveAnswerer:
    """Composes an answer from the best-matching units of the sources; no model, no network."""

    name = "extractive"

    def __init__(self, index_provider: Callable[[], HybridIndex | None]) -> None:
        self._index_provider = index_provider
        self.units = UnitCache()
        self.weights = WEIGHTS

    def forget_index(self) -> None:
        """Drop what was prepared for the previous index (a new generation went live): the old index can go."""
        self.units.forget()

    def answered(self, text: str) -> bool:
        return not text.startswith(tuple(NOT_IN_DOCUMENTS.values()))

    def stream(self, question: str, sources: list[Source], history: list[Turn]) -> Iterator[str]:
        yield from word_pieces(self.compose(question, sources))

    def compose(self, question: str, sources: list[Source]) -> str:
        asked = shape(question)
        candidates = self.candidates(question, asked, sources)
        if not candidates:
            return NOT_IN_DOCUMENTS[asked.language]
        best = candidates[0]
        # an FAQ's entry for this very question ("问：Halyard 现在跑的是哪个 PathLedger 版本？" for "Halyard 现在跑的
        # PathLedger 是哪个版本"), with its reply, over sentences that only share some of its words
        faq = next((c for c in candidates[:FAQ_WITHIN] if c.coverage >= FAQ_COVERAGE and ASKS.search(c.text)), None)
        if faq is not None and faq.coverage >= best.coverage and (reply := self._following(faq, sources)) is not None \
                and not ASKS.search(reply.text):
            best = replace(reply, text=f"{faq.text} {reply.text}", coverage=faq.coverage,
                           has_value=bool(numbers_in(f"{faq.text} {reply.text}") - asked.numbers),
                           names_attribute=faq.names_attribute or names_required(asked, reply.text))
        siblings = sibling_patterns(asked, question)

        def other(c: Candidate) -> bool:  # about a sibling, also by its passage's title and section
            return names_other(f"{c.text}\n{sources[c.rank].title}\n{sources[c.rank].section}", siblings)

        if siblings and other(best):  # "PW-680": not the sentence about the PW-660 — a close runner-up, or one
            # further behind that names the PW-680 itself (the PW-660's sentence shares the question's other words)
            best = next((c for c in candidates[1:CLOSE] if not other(c) and (
                c.score >= CLOSE_SHARE * best.score
                or c.score >= SIBLING_SHARE * best.score and c.coverage >= SIBLING_SHARE * best.coverage
                and names_asked(c.text, siblings))),
                        replace(best, names_other=True))

        def later(c: Candidate, than: Candidate) -> bool:  # further on in the same document
            a, b = sources[c.rank], sources[than.rank]
            return a.doc == b.doc and a.position is not None and b.position is not None \
                and (a.position, c.position) > (b.position, than.position)

        def close(ok: Callable[[Candidate], bool], within: int = CLOSE, share: float = CLOSE_SHARE) -> Candidate:
            # the first close runner-up (or the best) with ok
            return next((c for c in candidates[:within] if c.score >= share * best.score and ok(c)), best)

        if asked.language == "en" and best.coverage < MIN_COVERAGE:  # a command's output, a number of the asked
            # sort, with none of the question's words: a close runner-up that has some
            best = close(lambda c: c.coverage >= MIN_COVERAGE)
        if FINAL.search(question) and not WHY.search(question):  # "最后定在哪两台 leaf", "what did they settle
            # on" (not "why did it end so"): a decision further on in the same document (a chat, a thread) over
            # the proposal that opened the discussion
            best = next((c for c in candidates[1:CLOSE + 2] if c.score >= SIBLING_SHARE * best.score
                         and DECIDES.search(c.text) and later(c, best) and not (siblings and other(c))), best)
        if asked.kind == "reason" and WHY.search(question) and not CAUSE.search(best.text):  # "why …": a close
            # runner-up that gives a cause ("because", "由于", "to avoid")
            best = close(lambda c: bool(CAUSE.search(c.text)) and not (siblings and other(c)))
        if (bound := bound_stated(question)) is not None and not bound.search(best.text):  # "the minimum driver
            # version": a close runner-up that states a bound ("tlnic 2.8.0 or later"), not the version in use
            best = close(lambda c: bool(bound.search(c.text)) and not (siblings and other(c)))
        if asked.required and not best.names_attribute:  # the question asks for a vendor, an owner …: a close
            # runner-up that names one (not a sibling's) — or, for a value asked by its name (a serial, an
            # address), the line of the same configuration stanza or table that gives it (the "serial = …" line
            # of the stanza whose "rack = R07" line matched)
            best = close(lambda c: c.names_attribute and not (siblings and other(c)))
            if not best.names_attribute and VALUE_ATTRIBUTES.issuperset(asked.required) \
                    and (naming := self._naming(best, asked, sources)) is not None:
                best = naming
        if asked.numbers and best.table_row and not best.source_numbers & asked.numbers:  # "with half_life_us:
            # 500, what was the CST": not the glossary row of CST, a close runner-up for 500
            best = close(lambda c: bool(numbers_in(c.text) & asked.numbers) and not (siblings and other(c)))
            if not best.source_numbers & asked.numbers:  # "NAK 原因码 6 是什么意思": the row of a table of codes whose
                # first cell is the number ("Code: 6; Name: ACTIVATION_FAILED; …"), further behind a row of code 7
                best = close(lambda c: c.table_row and _first_cell(c.text) in asked.numbers, CANDIDATES, SIBLING_SHARE)
        if needs_value(asked) and not best.has_value:  # "how wide is …": a close runner-up that holds a value
            best = close(lambda c: c.has_value and not (siblings and other(c))
                         and (c.coverage >= MIN_COVERAGE or asked.language != "en"))
        verdict = judge(asked, best, gather_evidence(self._index_provider(), self.units, question, asked, sources),
                        sources[best.rank].text)
        if verdict.answered and (scope := disclaimer(candidates, best, asked.kind, CLOSE + 2, SUPPORT_SHARE)):
            verdict = Judgement(False, "a passage says the documents leave it out", scoped=True)
            candidates = [scope] + [c for c in candidates if c is not scope]
        if not verdict.answered:
            related = _distinct(candidates, 2, MAX_CHARS // 2)
            why = verdict.explain(question, asked.language)
            first = NOT_IN_DOCUMENTS[asked.language] + (("" if asked.language == "zh" else " ") + why if why else "")
            return "\n\n".join([first, RELATED[asked.language]]
                               + [f"{c.text} [{c.n}]" for c in related])
        if ASKS.search(best.text) or INTRODUCES.search(best.text):  # an FAQ's question, "… then activate it:": with what follows
            after = self._following(best, sources)
            if after is not None and not ASKS.search(after.text) and len(best.text) + len(after.text) < MAX_CHARS // 2:
                best = replace(best, text=f"{best.text} {after.text}")
        if asked.kind == "procedure":
            if not self._is_step(best, sources):  # "what are the steps to …": a close runner-up that is a step
                # of a list ("2. Flash: tlnctl fw flash …") over the line naming the image to flash
                best = close(lambda c: self._is_step(c, sources) and not (siblings and other(c)), STEP_CLOSE, STEP_SHARE)
            best = self._steps(best, sources, whole=asks_whole_procedure(question))
        elif asked.expects is not None and not asked.valueless and not asked.expects.search(best.text):
            # the sentence introducing the thing and the next, its value ("… under load. Throughput back … in 2.4 ms.")
            after = self._following(best, sources)
            if after is not None and asked.expects.search(after.text) and len(best.text) + len(after.text) < MAX_CHARS // 2:
                best = replace(best, text=f"{best.text} {after.text}")
        if asked.sort == "version" and not asked.expects.search(best.text) \
                and asked.expects.search(heading := _heading(sources[best.rank])):
            best = replace(best, text=f"{heading}: {best.text}")  # "1.8.0 -- 2025-10-03: Secure domains: …"
        if asked.where:  # "which clause defines …": the section it stands in (a close one's numbered one) first
            best = next((c for c in candidates[:CLOSE] if _NUMBERED_SECTION.search(sources[c.rank].section)),
                        best)
            if heading := _heading(sources[best.rank]):
                best = replace(best, text=f"§ {heading}: {best.text}")
        others = [c for c in candidates if c is not best and c.text.rstrip("；;。.") not in best.text]
        support, share, room = (EXPLAIN_SUPPORT, EXPLAIN_SHARE, EXPLAIN_CHARS) if asked.kind in EXPLAINED \
            else (MAX_SUPPORT, SUPPORT_SHARE, MAX_CHARS)
        chosen = [best] + [c for c in _distinct(others, support, room - len(best.text), best) if c.score >= share * best.score]
        chosen = each_named(chosen, candidates, compared(asked.anchors), room)  # "compare OSP-T03 and OSP-T04"
        after = self._following(best, sources)
        if len(best.text) < 60 and after is not None and all(c.text != after.text for c in chosen):
            chosen.insert(1, after)  # a short statement ("UET does not use go-back-N.") and what completes it
        before = self._following(best, sources, -1) if refers_back(best.text) else None
        if before is not None:  # "It started on 11 September": one quote with the sentence that says what "it" is
            chosen = [c for c in chosen if c.text != before.text]
            chosen[0] = replace(best, text=f"{before.text} {best.text}")
        lines = [f"{c.text} [{c.n}]" for c in chosen]
        ratio = cjk_ratio(best.text)  # a Chinese note full of English terms still reads as Chinese at 0.3
        if (ratio < 0.05) if asked.language == "zh" else (ratio >= 0.5):
            lines.insert(0, lead_line(question, asked, best))
        return "\n\n".join(lines)

    def candidates(self, question: str, asked: QuestionShape, sources: list[Source], *,
                   limit: int | None = CANDIDATES) -> list[Candidate]:
        """The units of the sources scored against the question, best first (the first `limit`, or all)."""
        index = self._index_provider()
        prepared_query = index.prepare(question) if index is not None else None
        own = set(prepared_query.tokens) if prepared_query else set(tokenize(question))
        if asked.kind == "procedure":  # "which step comes before …": any sentence about steps has the word
            own -= STEP_WORDS
        related = set(prepared_query.expansion) if prepared_query else set(expand_query(question)) - own
        if index is not None and not index.has_chinese:  # no passage in Chinese: the Chinese forms of the question's
            related = {term for term in related if not has_cjk(term)}  # terms would only thin out the English ones' share
        weight = question_weights(index, own | related)
        # What a passage in the other script can match: in a Chinese passage, the Chinese forms of an English
        # question's terms and its abbreviations; in an English passage, the Latin words of a Chinese question
        # and the English forms of its terms. Coverage is measured against that view, or every cross-language
        # answer would look weak.
        language = asked.language
        terms = acronyms(question)
        named = set(tokenize(" ".join(terms)))
        other_view = ({t for t in related if has_cjk(t)} | (own & named) if language == "en"
                      else {t for t in own | related if not has_cjk(t)})
        total_own, total_related, total_other = (sum(weight[t] for t in view) for view in (own, related, other_view))
        term_weight = weight.__getitem__
        ready = [self.units.get(source, index) for source in sources]
        similarity: list[list[float]] = [[] for _ in ready]
        if index is not None and index.embedder.local and any(r.vectors is not None for r in ready):
            question_vector = index.embedder.embed([prepared_query.dense_text if prepared_query else question])[0]
            similarity = [(r.vectors @ question_vector).tolist() if r.vectors is not None else [] for r in ready]
        top_score = max((s.score for s in sources), default=0.0) or 1.0
        zh_sign = 1.0 if language == "zh" else -1.0
        number_kind = asked.kind == "number"
        weights = self.weights
        scored: list[tuple[float, int, int, float, bool, tuple[float, ...]]] = []
        definition_kind = asked.kind == "definition"
        question_terms = own | related | other_view
        conditions = asked.numbers
        attributes = asked.attributes
        expects = asked.expects
        valueless = asked.valueless
        versioned = asked.sort == "version"
        spelt_value = asked.sort == PATH  # a path is the value, and holds no number ("/etc/pl/pathledger.yaml")
        counting = asked.counting
        labelled = asked.kind not in ("reason", "procedure", "yesno")
        for rank, (source, units) in enumerate(zip(sources, ready, strict=True)):
            missing = float(sum(name not in units.lowered for name in asked.anchors))
            context_own = own & units.context_tokens
            attribute_in_context = bool(attributes & units.context_tokens)
            rank_prior = 1.0 / (1 + rank)
            unit_similarity = similarity[rank]
            table = 1.0 if source.kind == "table" else 0.0
            retrieval = source.score / top_score
            # a change log's entries stand under their release ("1.8.0 -- 2025-10-03"): the section gives the
            # version of every unit under it
            heading_typed = versioned and bool(expects.search(_heading(source)))
            typed = units.holding(expects) if expects is not None and not heading_typed else None
            shown_terms = [term for term in terms if term in units.shown]  # a unit defines only one it shows
            # the unit's prepared data side by side (answer_units.PreparedUnits): zip, not indexing seven lists
            for i, (unit, tokens, unit_numbers, counts, ratio, chinese, label, setting) in enumerate(zip(
                    units.units, units.tokens, units.numbers, units.counts, units.ratios, units.chinese, units.labels,
                    units.setting_numbers, strict=True)):
                if question_terms.isdisjoint(tokens):  # most units: no question term at all
                    covered: set[str] = set()
                    own_share = related_share = other_share = 0.0
                else:
                    covered = own & tokens
                    own_share = sum(map(term_weight, covered)) / total_own if total_own else 0.0
                    related_share = sum(map(term_weight, related & tokens)) / total_related if total_related else 0.0
                    other_share = 0.0
                    if other_view and chinese != (language == "zh") and total_other:
                        other_share = sum(map(term_weight, other_view & tokens)) / total_other
                context_only = context_own - covered
                context_share = sum(map(term_weight, context_only)) / total_own if total_own and context_only else 0.0
                lexical = max(min(1.0, own_share + EXPANSION_WEIGHT * related_share), other_share)
                coverage = min(1.0, lexical + CONTEXT_WEIGHT * context_share)
                numbers = unit_numbers | counts if counting and counts else unit_numbers
                has_value = heading_typed or not numbers <= conditions or (  # a number the question does not give
                    spelt_value and typed is not None and typed[i])
                defined = 1.0 if shown_terms and any(term in unit.shown and defines(unit.shown, term)
                                                     for term in shown_terms) else 0.0
                features = (
                    own_share, related_share, other_share, context_share, rank_prior,
                    unit_similarity[i] if unit_similarity else 0.0, zh_sign * ratio, defined,
                    defined if definition_kind else 0.0,
                    1.0 if number_kind and has_value else 0.0, 1.0 if number_kind and not has_value else 0.0,
                    # the question's conditions, also as the sentences before it on its line set them
                    len(conditions & (numbers | setting)) / len(conditions) if conditions and numbers else 0.0,
                    1.0 if attributes and (attribute_in_context or not attributes.isdisjoint(tokens)) else 0.0,
                    missing, min(1.0, len(unit.shown) / 300), table, retrieval,
                    1.0 if heading_typed or typed is not None and (has_value or valueless) and typed[i] else 0.0,
                    len(label & own) / len(label) if labelled and label and not defined else 0.0)
                scored.append((sum(map(mul, weights, features)), rank, i, coverage, has_value, features))
        # Objects only for the units that can be quoted: most of a passage's units are never looked at again.
        scored.sort(key=lambda s: -s[0])
        candidates: list[Candidate] = []
        for score, rank, i, coverage, has_value, features in scored[:limit]:
            source, units = sources[rank], ready[rank]
            unit = units.units[i]
            named = not asked.required or names_required(asked, in_place(unit, source, units.units))
            candidates.append(Candidate(score, coverage, source.n, rank, i, unit.shown, int(features[13]), has_value,
                                        features, named, source.kind == "table", frozenset(units.source_numbers)))
        return candidates

    def _is_step(self, candidate: Candidate, sources: list[Source]) -> bool:
        units = self.units.get(sources[candidate.rank], self._index_provider()).units
        return candidate.position < len(units) and units[candidate.position].step

    def _steps(self, best: Candidate, sources: list[Source], *, whole: bool = False) -> Candidate:
        """For a question about steps, the list item `best` with the steps around it (procedure_steps.py) — a
        list that a chunk boundary cuts goes on in the document's neighbouring chunk."""
        source = sources[best.rank]
        units = self.units.get(source, self._index_provider()).units
        this = units[best.position]
        if not this.step:
            return best
        above = units[:best.position]
        if this.number > 1 and not any(u.step and u.number == this.number - 1 for u in above) \
                or not this.number and not any(u.step for u in above):
            above = self._neighbour_units(source, -1) + above
        below = units[best.position + 1:]
        if not below or below[-1].step or this.number and not below[-1].number > this.number:
            below = below + self._neighbour_units(source, 1)  # the list may go on past the passage's end
        text = steps_text(this, above, below, whole=whole, limit=MAX_CHARS)
        return best if text is None else replace(best, text=text)

    def _neighbour_units(self, source: Source, step: int) -> list[Unit]:
        """The answer units of the chunk right after (`step` 1) or before (-1) the source's chunk in its
        document; none when it has no such neighbour or the index has changed since the source was found."""
        index = self._index_provider()
        if index is None or source.position is None:
            return []
        position = source.position + step
        if not (0 <= position < len(index.chunks) and 0 <= source.position < len(index.chunks)) \
                or index.chunks[source.position].text != source.text or index.chunks[position].doc != source.doc:
            return []
        chunk = index.chunks[position]
        neighbour = replace(source, section=chunk.section, page=chunk.page, text=chunk.text, kind=chunk.kind,
                            position=position)
        return self.units.get(neighbour, index).units

    def _naming(self, best: Candidate, asked: QuestionShape, sources: list[Source]) -> Candidate | None:
        """The labelled unit (a setting, a table row) of best's passage, nearest to it first, that names every
        attribute the question requires, when best is one too."""
        source = sources[best.rank]
        units = self.units.get(source, self._index_provider()).units
        if not units[best.position].label:
            return None
        for i in sorted(range(len(units)), key=lambda i: abs(i - best.position)):
            unit = units[i]
            if i != best.position and unit.label and names_required(asked, in_place(unit, source, units)):
                return replace(best, position=i, text=unit.shown, names_attribute=True,
                               has_value=bool(numbers_in(unit.shown) - asked.numbers))
        return None

    def _following(self, best: Candidate, sources: list[Source], step: int = 1) -> Candidate | None:
        """The unit right after `best` in its source (or, with step -1, right before it), as a candidate."""
        units: PreparedUnits = self.units.get(sources[best.rank], self._index_provider())
        position = best.position + step
        if not 0 <= position < len(units.units):
            return None
        return replace(best, position=position, text=units.units[position].shown)


# A section heading that starts with a clause number ("4.3.2.1 Epoch advance", "A.1 …", "Annex B …"); not a
# note's own list numbering ("7. 状态机").
_NUMBERED_SECTION = re.compile(r"(?:^|> )(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)+|(?:Annex|Appendix|附录)\s*[A-Z])(?=\s)")


_FIRST_CELL = re.compile(r"[^:;\n]{1,40}:\s*([^;\n]+?)\s*(?:;|$)")  # a row as shown: "Code: 6; Name: …"


def _first_cell(text: str) -> str:
    """The value of a table row's first cell, as the row is shown ("6" of "Code: 6; Name: …")."""
    return match.group(1) if (match := _FIRST_CELL.match(text)) else ""


def _heading(source: Source) -> str:
    """The innermost heading of the source's section path."""
    return source.section.rpartition(" > ")[2]


def _distinct(candidates: list[Candidate], limit: int, chars: int, first: Candidate | None = None) -> list[Candidate]:
    """Up to `limit` candidates in order, skipping near-duplicates (overlapping chunks) and within `chars`."""
    chosen: list[Candidate] = []
    seen = [word_set(first.text)] if first else []
    used = 0
    for candidate in candidates:
        if len(chosen) >= limit or (chosen and used + len(candidate.text) > chars):
            break
        words = word_set(candidate.text)
        if any(len(words & other) / max(1, len(words | other)) > 0.6 for other in seen):
            continue
        chosen.append(candidate)
        seen.append(words)
        used += len(candidate.text)
    return chosen
