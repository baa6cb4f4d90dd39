"""Names a question gives that the documents hold in another form, or need not hold: a dotted setting path by
its last key, an identifier inside a range, a name the question only compares with (and an abbreviation spelt
out, answerability's older case). Real files, a real index, for the answer; the helpers on real text."""

from __future__ import annotations

from pathlib import Path

from mygallery.engine.name_forms import by_last_key, compared_with, in_a_range, stands_otherwise
from tests.answer_helpers import first_line, gallery

INVENTORY = """# Osprey fabric inventory

[leaf osp-lf06]
rack               = R06
nodes              = osp-n041..osp-n048
host subnet        = 10.42.6.0/26

[leaf osp-lf07]
rack               = R07
nodes              = osp-n049..osp-n056
host subnet        = 10.42.7.0/26
"""


def test_the_forms_a_name_may_take() -> None:
    assert by_last_key("weights.trim_nack", ["weights:\n  trim_nack: 4   # default: 4"])
    assert not by_last_key("weights.trim_nack", ["the trim_nack weight was lowered"])  # a key, not a word
    assert in_a_range("osp-n050", ["nodes = osp-n049..osp-n056"])
    assert in_a_range("osp-n050", ["nodes osp-n049 to 056"])
    assert not in_a_range("osp-n060", ["nodes = osp-n049..osp-n056"])
    assert compared_with("roce", "那两端建 PDC 之前，需要像 RoCE 那样先单独握手吗？")
    assert compared_with("infiniband", "Does UET need a subnet manager like InfiniBand?")
    assert not compared_with("roce", "Which UDP port does RoCE use?")
    assert stands_otherwise("fae", "Who was the vendor's FAE?", ["dorian plaskett, field application engineer"])


def test_a_node_inside_a_range_is_no_unknown_name(tmp_path: Path) -> None:
    """"which leaf is osp-n050 cabled to" over an inventory that lists "osp-n049..osp-n056" under leaf osp-lf07:
    the node is in the documents, and the range that holds it is no sibling's (osp-n049 is the first of it) —
    the answer quotes that leaf's stanza, not osp-lf06's; osp-n090, in no range, is not in the documents."""
    _, service = gallery(tmp_path, {"fabric-inventory.txt": INVENTORY})
    inside = service.answer("which leaf is node osp-n050 cabled to?")
    assert inside.answered and "osp-n049..osp-n056" in first_line(inside.answer), inside.answer
    assert "10.42.6.0/26" not in inside.answer, inside.answer
    outside = service.answer("which leaf is node osp-n090 cabled to?")
    assert not outside.answered and "osp-n090" in first_line(outside.answer), outside.answer
