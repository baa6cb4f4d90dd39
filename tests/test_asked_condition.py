"""Questions that say what they know before they ask: the condition the asking sentence names, which no passage
holds while the context's numbers are held, is not in the documents; the release a "since when" asks about is
the asking sentence's, not a clause number or a document issue of the context. And whether a thing has a mode
or a feature the documents never name, or whether a planned thing went through when they only plan it. Real
files, a real index, real answers."""

from __future__ import annotations

from pathlib import Path

from mygallery.engine.cues import plans_only
from mygallery.engine.question_parts import asking_part
from tests.answer_helpers import first_line, gallery

THREAD = """From: Priya Raman
Subject: Re: NSCC target queuing delay on Kestrel

In burn-in the P99 of 8-byte messages through a spine was 4.6 us with the NSCC target queuing delay at the
default of 10 us. With the target at 6 us the P99 dropped to 3.6 us.

A target of 4 us was also tried and cost about 2 % of all-reduce bandwidth at 1 GiB messages.
"""

REVIEW = """# Bailu fabric review

Bailu had 5 PFC storms in 2024; the longest one lasted 38 minutes.

The storms are the reason PFC is now disabled on every port.
"""

SHEET = """# Sedgemoor parameter sheet

| Term | Sedgemoor value | Notes |
|---|---|---|
| NSCC | target delay 6.75 µs | SGM-1203, in force since 2026-04-28 (was 9.5 µs) |
| EV | 96 per PDC | since 2026-05-15, was 128 |

Where this sheet differs from the specification, Issue 1.3, the sheet wins until Issue 1.4 is published.

Clause 4.4.1.1 of the specification sets the NSCC target delay of the compute NICs.
"""

MODES = """# Delivery modes

The transport offers four delivery modes: RUD (reliable unordered), ROD (reliable ordered), RUDI (reliable
unordered for idempotent operations) and UUD (unreliable unordered). Each packet delivery context uses one mode.

ROD keeps one entropy value for the whole context, so its packets follow a single path.
"""


def test_the_asking_part() -> None:
    assert asking_part("Priya measured it at 10 us. What was it at 8 us?") == "What was it at 8 us?"
    assert asking_part("论文写的是 5.1.4。现在是哪个版本？何时完成？") == "现在是哪个版本？何时完成？"
    assert asking_part("The thread gives it at 10 us. What at 6 us? And at 8 us?") == "What at 6 us? And at 8 us?"
    assert asking_part("What was it at 8 us?") == "What was it at 8 us?"
    assert asking_part("Firmware 3.2.0 was flashed. Then what") == "Firmware 3.2.0 was flashed. Then what"


def test_a_condition_asked_after_the_ones_the_documents_give(tmp_path: Path) -> None:
    """The context repeats what the thread measured (10 us, 6 us, 4 us); the question asks at 8 us, which no
    passage holds — though "8-byte" holds an 8 — so the documents do not say. Asked at 6 us, they do."""
    _, service = gallery(tmp_path, {"kestrel-params-email-thread.txt": THREAD})
    unmeasured = service.answer("Priya measured the 8-byte P99 via spine at NSCC target queuing delays of 10 us and "
                                "6 us, and the all-reduce cost at 4 us. What was the 8-byte P99 via spine at a "
                                "target of 8 us?")
    assert not unmeasured.answered and "8 us" in first_line(unmeasured.answer), unmeasured.answer
    measured = service.answer("Priya measured the P99 at the default target of 10 us. What was the 8-byte P99 via "
                              "spine at a target of 6 us?")
    assert measured.answered and "3.6 us" in measured.answer, measured.answer


def test_a_year_asked_after_the_one_the_documents_give(tmp_path: Path) -> None:
    _, service = gallery(tmp_path, {"bailu-review.md": REVIEW})
    other_year = service.answer("The review counts Bailu's PFC storms for 2024. How many PFC storms did Bailu have "
                                "in 2023?")
    assert not other_year.answered and "2023" in first_line(other_year.answer), other_year.answer
    same_year = service.answer("The review mentions PFC storms. How many PFC storms did Bailu have in 2024?")
    assert same_year.answered and "5 PFC storms" in same_year.answer, same_year.answer


def test_since_when_asks_the_asking_part_not_the_clause(tmp_path: Path) -> None:
    """"Clause 4.4.1.1 of Issue 1.3 …. What value is in force, and since what date?" asks no date of a
    release "4.4.1.1" or "1.3": the row that gives the value in force and its date answers."""
    _, service = gallery(tmp_path, {"parameter-sheet.md": SHEET})
    result = service.answer("Clause 4.4.1.1 of Issue 1.3 fixes the NSCC target delay at 9.5 µs. What value is "
                            "actually in force, and since what date?")
    assert result.answered and "6.75 µs" in result.answer and "2026-04-28" in result.answer, result.answer


def test_a_mode_the_documents_never_name(tmp_path: Path) -> None:
    """"Does the transport have a multicast delivery mode …": the documents list four modes and never say
    multicast — the question asks about what they do not cover. A mode they list is answered."""
    _, service = gallery(tmp_path, {"delivery-modes.md": MODES})
    absent = service.answer("Does the transport have a multicast delivery mode, and how do switches replicate the "
                            "packets?")
    assert not absent.answered and "multicast" in first_line(absent.answer), absent.answer
    listed = service.answer("Does the transport have a reliable ordered delivery mode?")
    assert listed.answered and "ROD" in listed.answer, listed.answer
    there = service.answer("Is there a multicast mode in the transport?")
    assert not there.answered, there.answer


INTERVIEW = """# Interview with the GRD editors

VASQUEZ-HOLM: The errata from the Ravensmoor plugfest go into Draft 1.0, which we want to take to the task force
ballot in February 2026.

BREKKE: Plugfest #3 will test against 1.0 if the ballot passes.
"""

MINUTES = """# Task force minutes, 3 March 2026

The February 2026 task force ballot on GRD Draft 1.0 passed with 14 votes in favour and 2 against.
"""


def test_a_plan_is_no_outcome(tmp_path: Path) -> None:
    """"Did the ballot pass?" over an interview that only plans it: the documents give the plan, not how it
    went. Over minutes that record the vote, they answer."""
    _, planned = gallery(tmp_path / "a", {"interview.md": INTERVIEW})
    result = planned.answer("Did the February 2026 task-force ballot on GRD Draft 1.0 pass?")
    assert not result.answered and "plan" in first_line(result.answer), result.answer
    assert not plans_only("TC-11 was recorded as FAIL; it will be retested on 2.16.1.")  # an outcome, and a plan
    _, recorded = gallery(tmp_path / "b", {"interview.md": INTERVIEW, "minutes.md": MINUTES})
    result = recorded.answer("Did the February 2026 task-force ballot on GRD Draft 1.0 pass?")
    assert result.answered and "14 votes" in result.answer, result.answer


SWITCHES = """# 交换机选型对比

| 属性 | 鸣沙 MS-9800 | Halvane HV-5120 |
|---|---|---|
| 实测 32 打 1 incast 裁剪率（开启 NSCC） | 0.8% | 1.9% |
| 每端口缓冲 | 96 MB | 64 MB |
"""

INCAST = """# Incast tests

For the 64:1 incast test with trimming on there were 12 retransmission timeouts in 10 minutes.

The same test with trimming switched off produced 1,732 retransmission timeouts.
"""


def test_a_feature_asked_off_where_the_documents_give_it_on(tmp_path: Path) -> None:
    """The trim rate "with NSCC turned off" over a row measured "开启 NSCC": the documents give it with NSCC on
    only. Asked with NSCC on, they answer; a question comparing on with off is answered by both."""
    _, service = gallery(tmp_path / "a", {"switch-comparison.md": SWITCHES})
    off = service.answer("What was the HV-5120's 32:1 incast trim rate with NSCC turned off?")
    assert not off.answered and "NSCC turned off" in first_line(off.answer), off.answer
    on = service.answer("What was the HV-5120's 32:1 incast trim rate with NSCC on?")
    assert on.answered and "1.9%" in on.answer, on.answer
    _, both = gallery(tmp_path / "b", {"incast.md": INCAST})
    compared = both.answer("For the 64:1 incast test, compare trimming on versus trimming off: how many "
                           "retransmission timeouts occurred?")
    assert compared.answered and "1,732" in compared.answer, compared.answer


def test_what_these_rules_leave_answered(tmp_path: Path) -> None:
    """Each rule above, where it must not refuse: a passage that gives the value with the feature switched off
    ("with NSCC switched off it rose to 9.8 us"); an outcome beside a plan or a cause ("rolled back due to a
    checksum error", "ran without a single link flap; the report will follow", "在模拟评审中顺利过关"); a bound a
    yes/no question compares with ("under 5 us"); a question of two asking sentences of which one is held."""
    files = {
        "kestrel.md": "# Kestrel\n\nWith NSCC at its default target of 10 us the P99 of 8-byte messages through a "
                      "spine was 4.6 us; with NSCC switched off it rose to 9.8 us. With the target at 6 us the P99 "
                      "dropped to 3.6 us.\n",
        "upgrades.md": "# Upgrades\n\nThe HX-400 firmware upgrade on the spines was rolled back due to a checksum "
                       "error in the image.\n\nThe 96-hour burn-in of the new optics ran without a single link "
                       "flap; the written report will follow next week.\n\n二期 GPU 扩容申请在模拟评审中顺利过关，"
                       "下周开始采购。\n",
    }
    _, service = gallery(tmp_path, files)
    for question in ("What was the 8-byte P99 through a spine with NSCC switched off?",
                     "Did the HX-400 firmware upgrade on the spines complete?",
                     "Was the 96-hour burn-in of the new optics completed?",
                     "二期 GPU 扩容申请批下来了吗",
                     "The NSCC target was left at the default of 10 us. Was the 8-byte P99 via spine under 5 us?",
                     "The note gives the P99 at the default target of 10 us. What was it at 6 us? And at 8 us?"):
        result = service.answer(question)
        assert result.answered, (question, result.answer)
