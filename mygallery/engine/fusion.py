"""Fusing rankings: reciprocal-rank fusion (RRF) of the dense, BM25 and cross-language rankings, plus the
lexical margin that keeps a decisive exact match on top, and the stand-in for the dense evidence of passages the
embedding model cannot read.

RRF ignores scores: a BM25 ranking whose first chunk scores four times the second (a question that is just an
abbreviation defined in one table row) counts the same as one with a near tie, and the dense ranking can push
that row out of the top five. `lexical_margin` gives every BM25 candidate a bonus that grows with the square of
its score relative to the best one: equal for near ties (nothing changes), large only for a clear winner.
Everything here avoids numpy calls that release the GIL where it can (see `top_positions`).
Non-goals: learning to rank, score calibration across indexes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import numpy as np

from .lexicon import detect_language

# The embedding model is English-centred: on a Chinese question its ranking is mostly noise, so it gets a
# smaller say in the fusion there (measured with `eval`; see README "Retrieval"). The cross-language ranking
# (BM25 over the question's terms in the other language) has the larger say on a Chinese question.
DENSE_WEIGHT = {"en": 1.0, "zh": 0.35}
CROSSING_WEIGHT = {"en": 0.5, "zh": 1.0}
RRF_K = 60  # the constant of reciprocal-rank fusion; 60 is the value of the original paper and works broadly
# The bonus of the best BM25 chunk, in RRF units: one first place is worth 1/61 ≈ 0.0164 per ranking. Measured
# with `eval` on data/qa and the tune halves of data/eval (bench/README.md, "Fusion").
LEXICAL_MARGIN_WEIGHT = 0.01


# Most numpy calls keep the GIL, but sorting, np.zeros, np.arange, np.unique and fancy indexing with int32
# indices let go of it (counted with a uprobe on PyEval_SaveThread). Under load every release hands the GIL
# to a waiting connection thread and the answer waits to get it back: one answer released it 65 times and
# cost half as much again on the server as in a loop. The code below avoids the releases it can: arrays of
# 0..n-1 and fusion terms made once, zeros copied from a template, int32 postings converted once.
# Up to this many scores one stable sort finds the top n; beyond, a partition first (one more release, but far
# cheaper: with the cut-over at 4,096, BM25's top 50 of ~4,000 matches at 100k chunks took 205 µs instead of 121).
SMALL_SORT = 512


def top_positions(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n highest scores, best first; ties in position order (past SMALL_SORT scores, which of
    several scores tied at the n-th place get in is the partition's choice)."""
    if len(scores) <= SMALL_SORT:
        return np.argsort(-scores, kind="stable")[:n]
    top = np.argpartition(-scores, n - 1)[:n]
    return top[np.argsort(-scores[top], kind="stable")]


Ranking = tuple[np.ndarray, np.ndarray]  # chunk positions best first (intp) and their scores (float64)
NO_RANKING: Ranking = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float64))
DENSE_FUSION_MAX = 1 << 16  # up to this many chunks fusion sums into arrays over all chunks


@functools.lru_cache(maxsize=64)
def ranks(n: int) -> np.ndarray:
    """0, 1, …, n-1, read-only and made once per n."""
    array = np.arange(n, dtype=np.intp)
    array.flags.writeable = False
    return array


@functools.lru_cache(maxsize=256)
def rrf_terms(weight: float, n: int) -> np.ndarray:
    """weight / (RRF_K + rank) for ranks 1..n, in float64 as Python computes each one."""
    terms = weight / (RRF_K + 1.0 + ranks(n))
    terms.flags.writeable = False
    return terms


def fuse(rankings: list[np.ndarray], weights: list[float], k: int, size: int,
         bonus: Ranking = NO_RANKING) -> tuple[list[int], list[float]]:
    """Reciprocal-rank fusion of rankings (positions below `size`, best first): the k positions with the
    highest sum of weight / (RRF_K + rank) — plus `bonus` (positions, values) where given — with their sums;
    ties keep the order in which positions first appear. The same numbers in the same order as adding into a
    dict ranking by ranking and sorting it (tested): each position's terms are added in ranking order, and
    ties are sorted by first appearance."""
    if not any(len(r) for r in rankings):
        return [], []
    never = size * len(rankings)  # after every real appearance (ranking j, rank r) = j * size + r
    if size <= DENSE_FUSION_MAX:
        fused = np.full(size, 0.0)
        first = np.full(size, never, dtype=np.intp)
        for j in range(len(rankings) - 1, -1, -1):  # the earliest ranking writes last: first appearance wins
            first[rankings[j]] = j * size + ranks(len(rankings[j]))
        for ranking, weight in zip(rankings, weights, strict=True):
            fused[ranking] += rrf_terms(weight, len(ranking))  # positions are distinct within a ranking
        if len(bonus[0]):
            fused[bonus[0]] += bonus[1]
        candidates = np.flatnonzero(first < never)
        best = candidates[np.lexsort((first[candidates], -fused[candidates]))[:k]]
        return best.tolist(), fused[best].tolist()
    # Large indexes: the same over the candidates alone (np.bincount adds its weights in input order).
    positions = np.concatenate(rankings + [bonus[0]])
    terms = np.concatenate([rrf_terms(weight, len(r)) for r, weight in zip(rankings, weights, strict=True)]
                           + [bonus[1]])
    unique, first_index, inverse = np.unique(positions, return_index=True, return_inverse=True)
    sums = np.bincount(inverse, weights=terms)
    order = np.lexsort((first_index, -sums))[:k]
    return unique[order].tolist(), sums[order].tolist()


def lexical_margin(lexical: Ranking, weight: float = LEXICAL_MARGIN_WEIGHT) -> Ranking:
    """(positions, bonus) for the BM25 candidates: weight × (score / best score)²."""
    positions, scores = lexical
    if not len(positions) or scores[0] <= 0 or weight <= 0:
        return NO_RANKING
    return positions, weight * (scores / scores[0]) ** 2


def hybrid(dense: Ranking, lexical: Ranking, crossing: Ranking, language: str, k: int, size: int, *,
           margin_weight: float = LEXICAL_MARGIN_WEIGHT, chinese: np.ndarray | None = None) -> tuple[list[int], list[float]]:
    """The k best of `size` positions by the dense, BM25 and cross-language rankings fused with the question
    language's weights and the lexical margin — and, on an English question, with the BM25 rank standing in for
    the dense rank of each passage `chinese` marks (`dense_stand_in`; None: the index has none): the model cannot read them either, and
    their noisy dense ranks kept the one Chinese note that answers an English question out of the top five.
    Measured on data/qa, the tune halves of data/eval and the probe sets' answerable questions (bench/README.md,
    "Answers, seventeenth round"); on a Chinese question the stand-in for English passages lost as much as it won."""
    dense_weight = DENSE_WEIGHT.get(language, 1.0)
    positions, bonus = dense[0], lexical_margin(lexical, margin_weight)
    if language == "en" and len(positions) and chinese is not None:  # (no dense ranking: nothing to stand in for)
        positions, bonus = dense_stand_in(positions, lexical, chinese, dense_weight, bonus)
    return fuse([positions, lexical[0], crossing[0]], [dense_weight, 1.0, CROSSING_WEIGHT.get(language, 0.5)], k, size,
                bonus=bonus)


def dense_stand_in(dense: np.ndarray, lexical: Ranking, unreadable: np.ndarray, weight: float,
                   bonus: Ranking = NO_RANKING) -> tuple[np.ndarray, Ranking]:
    """The dense ranking without the positions `unreadable` marks, and `bonus` (none, or one value for each
    position of the BM25 ranking, in its order: the lexical margin) plus, for each marked position the BM25
    ranking has, the dense term of its BM25 rank: weight / (RRF_K + rank). The dense rank of a passage the
    embedding model cannot read is noise; its place in the lexical ranking is the best evidence there is."""
    kept = dense[~unreadable[dense]] if len(dense) else dense
    positions = lexical[0]
    if not len(positions):
        return kept, bonus
    if len(bonus[0]) and bonus[0] is not positions and not np.array_equal(bonus[0], positions):
        raise ValueError("the bonus must cover the BM25 ranking's positions in its order")
    terms = np.where(unreadable[positions], rrf_terms(weight, len(positions)), 0.0)
    return kept, (positions, terms + bonus[1] if len(bonus[0]) else terms)


def written_in_chinese(texts: Iterable[str]) -> np.ndarray:
    """Whether each text is written in Chinese, as lexicon.detect_language tells (not through its cache: these are
    whole passages, read once); a text of ASCII only is not, which is most of them and cheapest to tell."""
    return np.array([not text.isascii() and detect_language.__wrapped__(text) == "zh" for text in texts], dtype=bool)
