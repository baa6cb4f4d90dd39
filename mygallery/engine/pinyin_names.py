"""Chinese names typed in pinyin: "Qiyun" for 栖云, "bailu" for 白鹭.

An English question names a cluster, a team or a place that Chinese documents write in characters only ("what
CCL does Qiyun use?" over notes that say 栖云). A word of the question that no document has and that is no
English word (spelling.py) is read as two or three pinyin syllables, when it can be: each syllable stands for
the characters with that reading (toneless, from the dictionary the pypinyin package ships — read as a file,
nothing downloaded), and the Chinese word of the documents is a pair of them the index holds (for three
syllables, both pairs). The most frequent wins. A word that reads no such way is left as it is.
Non-goals: names of one or of four and more characters, surnames written the English way round; where the
index and the answerer use the reading (index.py, answerability.py).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import logging
import unicodedata
from collections.abc import Callable
from itertools import product
from pathlib import Path

log = logging.getLogger(__name__)

MIN_LETTERS = 4  # "bailu", "qiyun", "tinglan"; "lan" alone is too short to tell
_MAX_PAIRS = 100_000  # pairs looked up per reading of a word (a dictionary lookup each, once per word and index):
# the commonest syllables ("yi", "ji") have a few hundred characters each


@functools.lru_cache(maxsize=1)
def characters_by_syllable() -> dict[str, str]:
    """Toneless pinyin syllable ("yun") → the characters read so (all their readings); empty when pypinyin is
    not installed."""
    spec = importlib.util.find_spec("pypinyin")  # found, not imported: the package's own import costs 0.15 s
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    for folder in folders:
        try:
            readings = json.loads((Path(folder) / "pinyin_dict.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found: dict[str, list[str]] = {}
        for codepoint, spelled in readings.items():
            character = chr(int(codepoint))
            for reading in dict.fromkeys(_toneless(r) for r in spelled.split(",")):
                found.setdefault(reading, []).append(character)
        # not the interjections without a vowel ("n", "ng", "hm"): any word would split into them
        return {syllable: "".join(chars) for syllable, chars in found.items() if any(v in syllable for v in "aeiouv")}
    log.warning("no pinyin dictionary (the pypinyin package): names typed in pinyin are not read as Chinese")
    return {}


def _toneless(reading: str) -> str:
    """"qī" → "qi", "lǜ" → "lv" (as pinyin is typed)."""
    plain = "".join(c for c in unicodedata.normalize("NFD", reading.strip()) if not unicodedata.combining(c))
    return plain.replace("u\u0308", "v").replace("ü", "v").lower()


def syllable_splits(word: str) -> list[tuple[str, ...]]:
    """The ways `word` reads as two or three pinyin syllables ("qiyun": qi-yun; "xian": xi-an)."""
    known = characters_by_syllable()
    splits: list[tuple[str, ...]] = []
    for i in range(1, len(word)):
        head, tail = word[:i], word[i:]
        if head not in known:
            continue
        if tail in known:
            splits.append((head, tail))
        splits.extend((head, tail[:j], tail[j:]) for j in range(1, len(tail)) if tail[:j] in known and tail[j:] in known)
    return splits


def chinese_name(word: str, frequency: Callable[[str], int]) -> str | None:
    """The Chinese word of the documents that `word` (lower case, no document has it) spells in pinyin, or
    None: the most frequent pair of characters among the readings of its syllables — for three syllables, the
    three characters whose both pairs the index holds."""
    if len(word) < MIN_LETTERS or not word.isascii() or not word.isalpha():
        return None
    known = characters_by_syllable()
    found: list[tuple[int, str]] = []
    for split in syllable_splits(word):
        first, second = known[split[0]], known[split[1]]
        if len(first) * len(second) > _MAX_PAIRS:
            continue
        for a, b in product(first, second):
            count = frequency(a + b)
            if not count:
                continue
            if len(split) == 2:
                found.append((count, a + b))
            else:
                found.extend((count + frequency(b + c), a + b + c) for c in known[split[2]] if frequency(b + c))
    return min(((-count, name) for count, name in found), default=(0, None))[1]
