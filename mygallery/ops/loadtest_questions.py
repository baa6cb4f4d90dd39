"""What the simulated users of the load test say: questions from the QA set, follow-ups in between.

Job: `load_questions()` reads the QA set (JSON lines with "question"; data/qa/uec_qa.jsonl) or falls back to
a built-in list of generic UEC questions; `plan_messages()` turns them into one user's conversation, every
second message a follow-up (English or Chinese) that only makes sense with the session's history.
Collaborators: loadtest (each SimulatedUser gets one plan), test_concurrent.py (--qa).
Non-goals: expected answers or scoring (that is `python -m mygallery eval`).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

DEFAULT_QA_FILE = Path("data/qa/uec_qa.jsonl")

FOLLOW_UPS = (
    "And how does that compare to ROD?",
    "Why does it matter?",
    "Can you give a concrete example?",
    "What are the main limitations of that?",
    "那和 ROD 相比呢？",
    "为什么这很重要？",
    "能举一个具体的例子吗？",
    "在实际部署中需要注意什么？",
)

BUILTIN_QUESTIONS = (
    "What is Ultra Ethernet and which problems does it address?",
    "What does the Packet Delivery Sublayer (PDS) do?",
    "What is the difference between RUD, ROD and UUD delivery modes?",
    "How does packet spraying across multiple paths work?",
    "How is entropy used to choose a path for a packet?",
    "What is NSCC sender-based congestion control?",
    "How does receiver-credit congestion control (RCCC) work?",
    "What is credit-based flow control (CBFC) at the link layer?",
    "What does Link Level Retry (LLR) provide?",
    "How does packet trimming help congestion management?",
    "How does Ultra Ethernet map to libfabric?",
    "What is a Fabric End Point (FEP) and how is it addressed?",
    "How are jobs identified and isolated on the fabric?",
    "What security does the transport layer offer?",
    "What are in-network collectives?",
    "Which telemetry and management features are defined?",
    "How are lost packets detected and retransmitted?",
    "What is the Semantic Sublayer (SES) responsible for?",
    "How does ECN marking feed congestion control?",
    "Ultra Ethernet 的多路径喷洒是如何工作的？",
)


# --- questions ----------------------------------------------------------------------------------------------


def load_questions(path: Path) -> tuple[list[str], str]:
    """The questions of a QA file (JSON lines with "question"), or the built-in list; and where they came from."""
    if not path.is_file():
        return list(BUILTIN_QUESTIONS), f"{len(BUILTIN_QUESTIONS)} built-in questions ({path} not found)"
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line) if line.strip() else None
        except ValueError:
            continue
        if isinstance(row, dict) and isinstance(row.get("question"), str) and row["question"].strip():
            questions.append(row["question"].strip())
    if not questions:
        return list(BUILTIN_QUESTIONS), f"{len(BUILTIN_QUESTIONS)} built-in questions ({path} has none)"
    return questions, f"{len(questions)} questions from {path}"


def draw_without_repeats(pool: tuple[str, ...] | list[str], count: int, rng: random.Random) -> list[str]:
    """`count` items in random order, each item once before any repeats (only when count > len(pool))."""
    drawn: list[str] = []
    while len(drawn) < count:
        drawn += rng.sample(list(pool), min(len(pool), count - len(drawn)))
    return drawn


def plan_messages(questions: list[str], count: int, rng: random.Random) -> list[str]:
    """One user's conversation: a question, then a follow-up, alternating; `count` messages in all."""
    fresh = draw_without_repeats(questions, (count + 1) // 2, rng)
    follow_ups = draw_without_repeats(FOLLOW_UPS, count // 2, rng)
    messages = []
    for i in range(count):
        messages.append(fresh[i // 2] if i % 2 == 0 else follow_ups[i // 2])
    return messages
