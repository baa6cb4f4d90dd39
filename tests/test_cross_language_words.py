"""Everyday words of operational questions reach the other language's notes (engine/lexicon.py): "turn off"
and "temporarily" are a Chinese note's 临时关闭, an "imbalance" alert's "action item" its 不均衡 告警 and 跟进, a
Chinese question's 一共 an English table's "total", its 时间戳单位 the "timestamp unit" of an English issue.
Found by the eleven probe sets' answerable questions whose expected file was not among the first five sources."""

from __future__ import annotations

from pathlib import Path

from mygallery.engine.lexicon import translations
from tests.answer_helpers import gallery

# English documents about the same product, so that a question's English words find several of them
CONFIG = "\n\n".join(
    f"## {name}\n\n`{name}` sets the {what} of the ledger agent on every host. Default: {value}. The agent reads it at "
    f"start; change it with `plctl set {name}` and restart the agent."
    for name, what, value in (("ledger.window", "window of path samples", "64"), ("ledger.flush", "flush interval", "5 s"),
                              ("ledger.hosts", "list of hosts that report", "all"), ("ledger.mode", "mode", "full"),
                              ("ledger.limit", "limit of open ledgers", "4096"), ("ledger.level", "log level", "info")))
PAPER = ("# PathLedger: per-path accounting for sprayed fabrics\n\n"
         "PathLedger keeps one ledger per host and path. A host that switches it off loses its path history.\n\n"
         "## Evaluation\n\nOn a single host the ledger costs 0.4 % of a core. Hosts with the agent turned on report "
         "every 5 s.\n\n## Alerts\n\nThe uplink utilisation alert compares the busiest and the idlest uplink of a "
         "leaf.\n\n## Timestamps\n\nEach sample carries a timestamp; release 5.2.0 reads it per slot.\n")
FAQ_ZH = ("# PathLedger 常见问题\n\n## 临时关闭\n\n单台主机上要临时关闭 PathLedger：运行 plctl pause --host 主机名。"
          "关闭超过一天需要值班组长审批。\n\n## 告警\n\n上行不均衡告警的跟进由网络组王珂负责，复盘会上定的。\n")
ISSUE_ZH = ("# Issue 217：slot 时间戳\n\n5.2.0 固件把 slot 时间戳单位从 1 µs 改成了 100 ns，老版本的解析脚本要跟着改。\n")
CLUSTER = ("# Qiyun cluster\n\n| Pod | Nodes | Cards per node |\n|---|---|---|\n| A | 32 | 8 |\n| B | 32 | 8 |\n"
           "| Total | 64 | 512 cards |\n")
BLOG_ZH = "# 栖云上线记\n\n栖云集群分两个 pod 上线，调度器先接 pod A。PathLedger 在两个 pod 上都开着。\n"


def test_everyday_words_have_their_other_language_forms() -> None:
    assert {"关闭", "临时"} <= set(translations("how do i temporarily turn off pathledger on a single host"))
    assert {"关闭", "禁用"} <= set(translations("who approves keeping it switched off for a day?"))
    assert {"开启", "启用"} <= set(translations("Is TSS turned on for TC1?"))
    assert {"不均衡", "跟进"} <= set(translations("who owns the uplink imbalance alert action item"))
    assert {"timestamp", "unit"} <= set(translations("slot 时间戳单位改成了多少"))
    assert "total" in translations("一共多少张卡") and "current" in translations("现在设的是多少")


def test_questions_find_the_note_in_the_other_language_that_answers_them(tmp_path: Path) -> None:
    index, _ = gallery(tmp_path, {"config-reference.md": CONFIG, "paper.md": PAPER, "faq-zh.md": FAQ_ZH,
                                  "issue-217-zh.md": ISSUE_ZH, "cluster.md": CLUSTER, "blog-zh.md": BLOG_ZH})
    # first: the English paper says "switches it off" and "on a single host" too, but not how to, nor 临时
    ranked = [hit.chunk.doc for hit in index.search("how do i temporarily turn off pathledger on a single host", 5)]
    assert ranked[0] == "faq-zh.md", ranked
    for question, expected in (("who's on the hook for the uplink imbalance alert action item", "faq-zh.md"),
                               ("5.2.0 固件把 slot 时间戳单位改成了多少？", "issue-217-zh.md"),
                               ("栖云集群一共多少张卡", "cluster.md")):
        ranked = [hit.chunk.doc for hit in index.search(question, 2)]
        assert expected in ranked, (question, ranked)
