"""A message of up to 4,000 characters is a question however it is made: hundreds of identifiers, measures,
versions or made-up words. What the answerer reads of it is bounded — the first MAX_NAMES names and measures,
the first few dozen words for a typo — so that no message costs more than an ordinary question many times over
(600 identifiers cost half a second before). Real files, a real index, a real answer."""

from __future__ import annotations

import random
from pathlib import Path

from mygallery.engine.question_parts import MAX_NAMES
from mygallery.engine.question_shape import shape
from tests.answer_helpers import gallery

NOTES = """# Kestrel fabric notes

The LLR replay timeout is 2.0 us on every leaf-spine link.

Leaf L23 port 57 logged 61 % of all replays in week 2.
"""


def test_names_and_measures_of_a_long_message_are_bounded() -> None:
    identifiers = " ".join(f"AB-{i}" for i in range(600)) + "?"
    assert len(shape(identifiers).anchors) == MAX_NAMES
    measures = " ".join(f"It was {i} us." for i in range(250)) + " What at 8 us?"
    assert len(shape(measures).measures) == MAX_NAMES
    assert shape("What is the replay timeout on L23 and L24?").anchors == ("l23", "l24")  # a question is untouched


def test_a_long_message_of_made_up_words_is_read_for_a_few_dozen_typos(tmp_path: Path) -> None:
    index, service = gallery(tmp_path, {"notes.md": NOTES})
    rng = random.Random(7)
    words = " ".join("".join(rng.choice("abcdefghij") for _ in range(12)) for _ in range(300))
    before = index.correction.cache_info().misses
    result = service.answer(words)
    assert index.correction.cache_info().misses - before <= 48
    assert not result.answered, result.answer
    assert service.answer("what is the llr replay timout on leaf-spine links?").answered  # a typo still read
