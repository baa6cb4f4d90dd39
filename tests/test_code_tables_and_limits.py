"""Questions that quote the documents: a code asked by its number ("NAK 原因码 6") answered by the row of the
table of codes, a value asked about against a limit a passage states ("设成 32 KiB 会生效吗" and "below 64 KiB
is raised"), and a Chinese question over English documents that names their identifiers ("TC-04", "2.15.3"),
whose everyday Chinese words no English document has, and bid minutes that name a vendor by a letter ("C 厂").
Real files, a real index."""

from __future__ import annotations

from pathlib import Path

from mygallery.config import Settings
from mygallery.engine.answering import AnswerService
from mygallery.engine.embeddings import make_embedder
from mygallery.engine.index import LiveIndex
from mygallery.engine.ingest import ingest
from tests.answer_helpers import first_line, gallery

OPS_RFC = Path(__file__).resolve().parent.parent / "data" / "eval" / "ops-rfc" / "docs"


def test_a_code_asked_by_its_number_is_answered_by_its_row(tmp_path: Path) -> None:
    """Over the ops-rfc evaluation folder (an Internet-Draft with a table of NAK reason codes, a Chinese
    operations guide whose trouble-shooting table has a row about code 7): "NAK 原因码 6 是什么意思" is answered by
    the draft's row of code 6 — the table ranks sixth, behind the guide's rows that share the question's Chinese
    words — and "NAK reason 3" the same way in English."""
    settings = Settings(docs_dir=OPS_RFC, index_dir=tmp_path / "index")
    _, index = ingest(settings, make_embedder(settings))
    service = AnswerService(LiveIndex(index), top_k=5)
    six = service.answer("NAK 原因码 6 是什么意思？")
    assert six.answered and "ACTIVATION_FAILED" in six.answer.split("[")[0], six.answer
    three = service.answer("what does NAK reason 3 mean")
    assert three.answered and "STALE_EPOCH" in first_line(three.answer), three.answer


KNOWN_ISSUES = """# Known issues

KI-14 (RV-9400, RavOS 3.2): a TRIM_THRESHOLD below 64 KiB is silently raised to 64 KiB, and the agent still
answers ACK. Expected to be fixed in RavOS 3.3.

KI-15 (RV-9400, RavOS 3.2): the trim rate at 256 KiB was 0.4 % in the incast test.
"""


def test_whether_a_value_takes_effect_is_answered_by_a_stated_limit(tmp_path: Path) -> None:
    """Whether 32 KiB takes effect is answered by "below 64 KiB is silently raised" (a limit in the same unit);
    what was measured at 32 KiB is still not in the documents: a limit says nothing of a measurement."""
    _, service = gallery(tmp_path, {"known-issues.md": KNOWN_ISSUES})
    limit = service.answer("RV-9400 上把 TRIM_THRESHOLD 设成 32 KiB 会生效吗？")
    assert limit.answered and "below 64 KiB" in limit.answer, limit.answer
    measured = service.answer("What trim rate did the RV-9400 see at 32 KiB?")
    assert not measured.answered and "32 KiB" in first_line(measured.answer), measured.answer


REPORT = """# Acceptance test report YW2-ATR-007

## TC-04 Trimming under incast

Setup: 31 senders to 1 receiver on one leaf, 256 KiB writes, trimming on, 10 min per run; 3 runs.
Expected: No PFC pause frames; receiver goodput at least 90 % of 800 Gb/s.
Measured: receiver goodput 92.4 % of line rate.
Result: PASS*. The asterisk: on firmware 2.15.0 the receiving NIC stalled after 41 s in the first run; the
runs were repeated on 2.15.2.

## Firmware

Revision 1.1 of the advisory says 2.15.2 fixed only the trimmed-packet path; 2.15.3 is the fixed release for
the malformed-header stall, so the hosts were upgraded again.
"""


def test_a_chinese_question_naming_english_identifiers_is_about_them(tmp_path: Path) -> None:
    """"TC-04 为什么只给了 PASS*" and "已经升到 2.15.2 了，为什么还得再升 2.15.3": every Chinese word is in no English
    document, yet the question names what the report names and its best passage covers it."""
    _, service = gallery(tmp_path, {"acceptance-report.md": REPORT})
    verdict = service.answer("TC-04 为什么只给了 PASS* 而不是 PASS？")
    assert verdict.answered and "stalled" in verdict.answer, verdict.answer
    upgrade = service.answer("已经升到 2.15.2 了，为什么还得再升 2.15.3？")
    assert upgrade.answered and "malformed-header" in upgrade.answer, upgrade.answer


MINUTES = """# 评标会议纪要

## 二、评分规则

评标基准价：按招标文件，取有效投标报价中的最低价作为评标基准价，即 C 厂的 1.238 亿元。

价格分 = 评标基准价 ÷ 投标报价 × 25，保留两位小数。
"""


def test_minutes_that_name_bidders_by_a_letter_name_a_vendor(tmp_path: Path) -> None:
    """Bid minutes name the bidders "A 厂", "B 厂", "C 厂": "哪家的报价" is answered by "C 厂的 1.238 亿元"."""
    _, service = gallery(tmp_path, {"minutes.md": MINUTES})
    result = service.answer("评标基准价取的是哪家的报价？多少钱")
    assert result.answered and "C 厂的 1.238 亿元" in first_line(result.answer), result.answer
