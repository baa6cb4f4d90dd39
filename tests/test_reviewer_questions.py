"""Questions a reviewer asks, which name where a fact stands and more than one thing: a table by its letter, a
section in Chinese ("7.1 节"), the release the question quotes (5.1.4), several of one family (osp-sp1 and
osp-sp7 beside osp-sp4), an identifier the best passages do not repeat, the evidence or the consequence of a
thing. None of these is a name or a condition the documents lack. Real files, a real index, real answers."""

from __future__ import annotations

from pathlib import Path

from mygallery.engine.answerability import compared
from mygallery.engine.extractive import Candidate
from mygallery.engine.index_lookups import named_anywhere
from mygallery.engine.name_forms import members
from mygallery.engine.named_quotes import each_named
from mygallery.engine.question_shape import shape
from mygallery.engine.release_checks import releases
from tests.answer_helpers import first_line, gallery

HANDOUT = """# 白鹭网络培训讲义

## 7.1 NSCC 参数

| 参数 | 默认值 | 白鹭取值 |
|---|---|---|
| nscc.init_window | 32 KiB | 64 KiB |
| nscc.target_delay | 10 us | 8 us |

## 表 A 厂商对比

| 项目 | TL-N400 | BF-7400 |
|---|---|---|
| 8 B RMA write 时延 (P50, 同 leaf) | 2.1 µs | 2.6 µs |
"""

RECOVERY = """# Osprey acceptance, section 6.6

OSP-T23 measured the recovery time after a spine failure: 1.9 ms with spine osp-sp4 powered off.
To rule out the position of the spine, the test was repeated on two other spines: osp-sp1 gave 2.0 ms and
osp-sp7 gave 1.8 ms.
"""

PAYMENT = """# Acceptance outcome

TC-11 (encryption throughput) was recorded as FAIL: 728 Gb/s at 4 KiB against 760 Gb/s required.

Under the contract the second payment (30 %) is withheld until TC-11 is retested and passes.
"""

RELEASES = {
    "kst-issues.md": """# Kestrel issue list

| ID | Component | Description | Status / fix |
|---|---|---|---|
| KST-107 | NIC firmware | NSCC and RCCC both cut the window on classes where both are active (double cut) | fixed in 3.5.2: NSCC defers to RCCC |
| KST-108 | NIC firmware | NSCC window not restored after RCCC grants stop | open |
""",
    # the HX-400 in documents about other things: its name is common, its passages say nothing of the fix
    **{f"corvane-{topic}.md": f"# Corvane {topic}\n\nThe HX-400 {fact}.\n" for topic, fact in (
        ("contexts", "holds up to 16,384 packet delivery contexts"), ("optics", "takes 800G optics in OSFP cages"),
        ("power", "draws 38 W at full load"), ("cabling", "sits in slot 3 of every compute tray"))},
    # and run notes enough to fill the first places: NSCC, RCCC, classes, active, double cut — never HX-400
    **{f"run-{n}.md": f"# Run {n}\n\nNSCC and RCCC were both active on the reliable classes in run {n}; the double cut "
                      f"of the window showed again, and firmware release notes were checked." for n in range(1, 9)},
}


def test_parts_of_documents_and_releases_are_no_names_or_conditions() -> None:
    assert shape("讲义 7.1 节：白鹭把 nscc.init_window 设为多少？").numbers == frozenset()
    assert shape("论文 Table 2 写的网卡固件是 5.1.4。当前实际运行的版本是多少？").numbers == frozenset()
    assert "table" not in shape("In the vendor comparison (Table A), what latency was measured for the TL-N400?").anchors
    assert "8" in shape("What did it reach with 8 send queues?").numbers  # a number is still one
    assert shape("What does the value 0xFFF mean in the RH field?").anchors == ("0xfff", "rh")  # not "xfff"


def test_a_section_and_a_table_named_as_a_reviewer_does(tmp_path: Path) -> None:
    """Over Chinese notes, which write 表 and 节: the section number is no condition, "Table" no name."""
    _, service = gallery(tmp_path, {"handout.md": HANDOUT})
    section = service.answer("讲义 7.1 节：白鹭把 nscc.init_window（初始窗口）设为多少？")
    assert section.answered and "64 KiB" in section.answer, section.answer
    table = service.answer("In the vendor comparison (Table A), what 8 B RMA write latency (P50, same leaf) was "
                           "measured for the TL-N400?")
    assert table.answered and "2.1 µs" in table.answer, table.answer


def test_several_of_one_family_are_all_asked(tmp_path: Path) -> None:
    """osp-sp1 and osp-sp7 are asked beside osp-sp4: a passage naming them is about them, no sibling's."""
    _, service = gallery(tmp_path, {"acceptance.md": RECOVERY})
    result = service.answer("OSP-T23 在 osp-sp4 上测得 recovery time 1.9 ms；为排除位置影响重复测试时，osp-sp1 和 osp-sp7 的 "
                            "recovery time 分别是多少？")
    assert result.answered and "2.0 ms" in result.answer and "1.8 ms" in result.answer, result.answer


def test_a_consequence_is_what_the_documents_give(tmp_path: Path) -> None:
    """"contractual" is a form of "contract", "consequence" how the question asks: neither is a word the
    documents must have."""
    _, service = gallery(tmp_path, {"outcome.md": PAYMENT})
    result = service.answer("What is the contractual consequence of the FAIL recorded for TC-11?")
    assert result.answered and "withheld" in result.answer, result.answer
    evidence = service.answer("TC-11 failed. What evidence does the report give that the payment is held back?")
    assert evidence.answered and "withheld" in evidence.answer, evidence.answer


def test_an_identifier_the_best_passages_do_not_repeat(tmp_path: Path) -> None:
    """The question names the HX-400, which one document mentions; its other words rank the issue list and the
    notes first, and none of those says HX-400. The documents do mention it: the issue row answers."""
    index, service = gallery(tmp_path, RELEASES)
    assert named_anywhere(index, "hx-400") and not named_anywhere(index, "hx-500")
    result = service.answer("Which HX-400 firmware release made NSCC defer to RCCC on classes where both are "
                            "active, closing the double-cut issue KST-107?")
    assert result.answered and "3.5.2" in result.answer, result.answer


NOTES_ZH = """# 青岚链路层笔记

## LLR

LLR（链路层重传）：FEC 纠不了的帧，由链路两端在本链路上重传，端到端的 PDS 看不到这次丢包。
重传定时器 1.5 µs，重传缓冲每端口 192 KiB。

## PDS

PDS 负责端到端的可靠传输：按 PSN 检测丢包，超时重传。
"""


def test_an_english_question_naming_what_chinese_notes_have(tmp_path: Path) -> None:
    """Over Chinese notes few of an English question's everyday words are known; naming LLR, FEC and PDS,
    which the notes have, it is about them. One naming none of theirs is still about something else."""
    _, service = gallery(tmp_path, {"link-notes.md": NOTES_ZH})
    named = service.answer("How does LLR repair a frame that FEC couldn't correct, so that the end-to-end PDS "
                           "never sees the loss?")
    assert named.answered and "本链路上重传" in named.answer, named.answer
    other = service.answer("What's the practical difference between git rebase and git merge when updating a "
                           "long-lived feature branch?")
    assert not other.answered, other.answer


TESTS = """# Osprey acceptance tests

| Test | What | Scale / size | Metric | Target | Result | Verdict |
|---|---|---|---|---|---|---|
| OSP-T01 | All-reduce bus bandwidth | 1,024 ranks, 1 GiB | busbw | ≥ 44 GB/s | 46.2 GB/s | Pass |
| OSP-T02 | FCS error injection | 32 host links | busbw drop | ≤ 1 % | 0.4 % | Pass |
| OSP-T03 | Ping-pong latency, same leaf | 2 nodes, 64 B | half RTT | ≤ 2.5 µs | 2.3 µs | Pass |
| OSP-T04 | Ping-pong latency, across spine | 2 nodes, 64 B | half RTT | ≤ 3.5 µs | 3.1 µs | Pass |
| OSP-T05 | All-to-all | 1,024 ranks, 1 MiB | per rank | ≥ 28 GB/s | 30.4 GB/s | Pass |
"""


def test_a_comparison_quotes_each_thing_it_names(tmp_path: Path) -> None:
    """"Compare OSP-T03 and OSP-T04": both rows, whichever of them scores best."""
    _, service = gallery(tmp_path, {"acceptance-tests.md": TESTS})
    result = service.answer("Compare OSP-T03 and OSP-T04: what half-RTT ping-pong latency (64 B) was measured "
                            "within one leaf, and what across a spine?")
    assert result.answered and "2.3 µs" in result.answer and "3.1 µs" in result.answer, result.answer


IDLE = {
    # the BF-7400 in documents about other things; PDC idle reclaim in notes that never name it
    **{f"brightfjord-{n}.md": f"# Brightfjord note {n}\n\nThe BF-7400 was seen in rack {n} of the lab.\n"
       for n in range(1, 13)},
    **{f"pdc-note-{n}.md": f"# PDC note {n}\n\n空闲的 PDC 在空闲一段时间后回收：TL-N400 默认空闲 {n}000 ms 回收，第 {n} 批节点已核对。"
       for n in range(1, 9)},
}


def test_a_name_only_documents_elsewhere_hold(tmp_path: Path) -> None:
    """"BF-7400 网卡的 PDC 空闲回收时间默认是多少？": the documents mention the BF-7400 (not "never"), but the
    passages about PDC idle reclaim, which the question's other words find, never name it and nothing else the
    question names ties them to it — no passage gives it for the BF-7400."""
    _, service = gallery(tmp_path, IDLE)
    result = service.answer("BF-7400 网卡的 PDC 空闲回收时间默认是多少？")
    assert not result.answered and "BF-7400" in first_line(result.answer), result.answer
    assert "没有提到" not in first_line(result.answer), result.answer


def test_what_these_rules_leave_alone(tmp_path: Path) -> None:
    """"Is there a way / an alternative …" asks whether one can, not about a "way" the documents must name; a
    question listing many names before it asks keeps the one it asks about; "that release" refers back to the
    release of the context; "TC-1" is not named by "TC-10"."""
    files = {
        "hx-400.md": "# HX-400\n\nTo reset the HX-400 without a reboot, run `hxctl reset --soft`.\n\nPFC can be "
                     "replaced by credit-based flow control (CBFC) on the HX-400 fabric.\n",
        "racks.md": "# Racks\n\n" + "\n\n".join(f"Rack R{i:02d} was checked." for i in range(1, 19))
                    + "\n\nPriya Raman maintains the HX-400 switches in row A.\n",
        "upgrade.md": "# BXOS\n\nThe spines were upgraded to BXOS 7.2.2 on 3 May 2026 during the maintenance window.\n",
    }
    index, service = gallery(tmp_path, files)
    for question in ("Is there a way to reset the HX-400 without a reboot?",
                     "Is there an alternative to PFC on the HX-400 fabric?"):
        assert service.answer(question).answered, question
    listed = service.answer("Racks checked today: " + ", ".join(f"R{i:02d}" for i in range(1, 19))
                            + ". Who maintains the QZ-7700 switches in row A?")
    assert not listed.answered and "QZ-7700" in first_line(listed.answer), listed.answer
    referred = service.answer("The spines run BXOS 7.2.2 since May. What changed in that release?")
    assert not referred.answered and "7.2.2" in first_line(referred.answer), referred.answer
    assert named_anywhere(index, "hx400") and not named_anywhere(index, "hx-40")
    rows = [Candidate(1.0, 1.0, 1, 0, i, text, 0, True) for i, text in enumerate(
        ("TC-10: P99 4.1 us", "TC-1: P99 2.0 us", "OSP-T030: spare row"))]
    assert [c.text for c in each_named(rows[:1], rows, compared(("tc-1", "tc-10")), 900)] == \
        ["TC-10: P99 4.1 us", "TC-1: P99 2.0 us"]
    assert len(each_named(rows[:1], rows, compared(("tc-1", "tc-10")), 20)) == 1  # within the room left


def test_a_value_the_question_reports_a_document_to_give_is_a_claim_not_a_condition(tmp_path: Path) -> None:
    """"The paper says the half-life is 2 ms — is that still the default?" checks a claim: the configuration
    reference that gives today's default answers it, though no passage holds 2 ms. A measure the question asks
    at is still one the passages must hold."""
    reference = ("# pl-agent configuration\n\n```\nhalf_life_us: 1000   # default: 1000 (1 ms). Allowed: 100-16000. "
                 "Penalty half-life.\nprobe_interval_us: 50   # default: 50.\n```\n")
    _, service = gallery(tmp_path, {"config-reference.md": reference})
    claim = service.answer("the paper says the penalty half-life is 2 ms - is that still the default? what is it now?")
    assert claim.answered and "1000" in first_line(claim.answer), claim.answer
    assert not service.answer("What is the penalty half-life with a 4 ms probe interval?").answered
    # not every "write", "state", "document" or 说 reports: a second reading's questions, each at a condition no
    # passage holds
    bench = ("# Storage bench\n\nWith 64 KiB blocks the write latency was 120 us and the write bandwidth reached "
             "11.2 GB/s. The link state stays up for a 10 ms hold-down.\n\nMTU 4096 时吞吐为 370 Gb/s。\n")
    _, service = gallery(tmp_path / "bench", {"bench.md": bench})
    for question in ("What is the write latency at 4 KiB?", "What is the link state at 3 ms?",
                     "Which documents give the write latency at 4 KiB?", "配置说明中 MTU 9000 时的吞吐是多少？"):
        assert not service.answer(question).answered, question


def test_a_family_of_identifiers_is_told_apart_by_number() -> None:
    """The asked member of a family ("osp-lf07") and its siblings, found by one pattern of the family's letters
    and the number compared — not a pattern compiled for each number a question gives."""
    own, sibling = members("osp-lf", "", ("07",), True), members("osp-lf", "", ("07", "12"), False)
    found = {text: (bool(own.search(text)), bool(sibling.search(text)))
             for text in ("osp-lf07 dropped", "OSP-LF 12 and osp-lf07", "osp-lf070", "xosp-lf07", "osp-lf-13 too",
                          "osp-lf7")}
    assert found == {"osp-lf07 dropped": (True, False), "OSP-LF 12 and osp-lf07": (True, False),
                     "osp-lf070": (False, True), "xosp-lf07": (False, False), "osp-lf-13 too": (False, True),
                     "osp-lf7": (False, True)}
    sized = members("heron", "b", ("70",), True)
    assert sized.search("Heron-70B") and not sized.search("heron-70bx") and not sized.search("heron-13b")
    assert members("heron", "b", ("70",), False).search("heron-13b")


def test_a_release_and_its_siblings_are_told_apart_by_one_pattern() -> None:
    """A three-part release ("3.6.0", "v3.6.0"; not 3.6.0.1, 13.6.0 or 3.6.01) and the other releases of its
    major number, found by one pattern of all releases with the version compared — not two patterns compiled for
    each release a question names."""
    own, sibling = releases("3.6.0", True), releases("3.6.0", False)
    found = {text: (bool(own.search(text)), bool(sibling.search(text)))
             for text in ("fixed in v3.6.0.", "3.5.1 and 3.6.0", "3.6.0.1", "13.6.0", "3.6.01", "4.0.0", "3.5.1")}
    assert found == {"fixed in v3.6.0.": (True, False), "3.5.1 and 3.6.0": (True, True), "3.6.0.1": (False, False),
                     "13.6.0": (False, False), "3.6.01": (False, True), "4.0.0": (False, False),
                     "3.5.1": (False, True)}
