"""A "how does X …" question about a mechanism no document describes ("How does the UET PDC establishment
handshake work?" over operations notes that mention UET and PDCs in passing) is not in the documents, while one
the documents describe — in English, or in Chinese notes that write its words in Chinese — is answered. Real
files, a real index."""

from __future__ import annotations

from pathlib import Path

from mygallery.engine.asked_mechanism import mechanism_words, says_how
from mygallery.engine.question_shape import shape
from tests.answer_helpers import first_line, gallery

OPS_NOTES = """# Larkspur fabric operations

The Larkspur fabric runs UET on every NIC. Each NIC keeps at most 2,048 PDCs; the agent warns at 90 % occupancy.

## Trimming

A switch whose queue exceeds the trimming threshold cuts the payload off a packet and forwards the header in a
high-priority queue; the receiver sees the trimmed header and asks for a retransmission at once, instead of
waiting for a timeout.

## Upgrades

Upgrade the NIC firmware one pod at a time and drain the pod in the scheduler first: the upgrade work of one
pod takes about an hour.
"""

NOTES_ZH = """# 学习笔记：拥塞控制

NSCC 收到 ECN 标记以后会减小拥塞窗口，标记越多减得越多；没有标记时按 RTT 慢慢增大窗口。

CBFC 的信用按 128 B 为单位，接收端每释放一块缓冲就归还对应的信用。
"""


def test_a_mechanism_no_document_describes_is_not_in_the_documents(tmp_path: Path) -> None:
    _, service = gallery(tmp_path, {"ops-notes.md": OPS_NOTES, "notes-zh.md": NOTES_ZH})
    handshake = service.answer("How does the UET PDC establishment handshake work?")
    assert not handshake.answered, handshake.answer
    trimming = service.answer("How does trimming work on the Larkspur switches?")
    assert trimming.answered and "trimming threshold" in first_line(trimming.answer), trimming.answer
    # an English question over Chinese notes: "mark", "window" are written 标记, 窗口 there
    nscc = service.answer("How does NSCC react to ECN marks?")
    assert nscc.answered and "标记" in nscc.answer, nscc.answer


def test_which_words_say_the_mechanism() -> None:
    question = "How does the UET PDC establishment handshake work?"
    assert mechanism_words(question, shape(question)) == ("establishment", "handshake")
    # not a procedure ("how do I …"), not a "why", not a Chinese question
    for other in ("How do I drain a pod before an upgrade?", "Why was the PDC limit raised?", "PDC 是怎么建立的？"):
        assert mechanism_words(other, shape(other)) == (), other
    words = mechanism_words("How does NSCC react to ECN marks?", shape("How does NSCC react to ECN marks?"))
    assert says_how(words, "NSCC 收到 ECN 标记以后会减小拥塞窗口")  # "mark" as 标记; "react" has no Chinese form
    assert not says_how(("establishment", "handshake"), "Each NIC keeps at most 2,048 PDCs.")
