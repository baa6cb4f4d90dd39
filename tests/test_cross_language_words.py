"""Everyday words of operational questions reach the other language's notes (engine/lexicon.py): "turn off"
and "temporarily" are a Chinese note's 临时关闭, an "imbalance" alert's "action item" its 不均衡 告警 and 跟进, a
Chinese question's 一共 an English table's "total", its 时间戳单位 the "timestamp unit" of an English issue;
"switch PathLedger off" is "disable", not the network switch. And in the hybrid ranking of an English question a
Chinese passage's BM25 rank stands in for its dense rank, which the English-centred embedding model cannot give
(engine/fusion.py). Found by the eleven probe sets' answerable questions whose expected file was not among the
first five sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mygallery.engine.fusion import RRF_K, dense_stand_in, hybrid
from mygallery.engine.lexicon import translations
from mygallery.engine.word_forms import switched, word_forms
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


def test_a_phrasal_verb_of_switching_is_its_one_word_not_a_switch() -> None:
    assert switched("How can I switch PathLedger off on one host?") == "how can i disable pathledger on one host?"
    assert switched("Is TSS turned on for TC1?") == "is tss enable for tc1?"
    assert switched("turn it off, then turning the ledger on") == "disable it, then enable the ledger"
    for noun in ("the ECN threshold on the switch on leaf 3", "the switch config on leaf 3", "switch off-by-one"):
        assert "交换机" in translations(noun) and not {"enable", "disable"} & set(word_forms(noun)), noun
    assert "交换机" not in translations("How can I switch PathLedger off?")
    assert word_forms("switch PathLedger off") == ["disable"] and "关闭" in translations("switch PathLedger off")
    # a second reading's cases: a switch that turns something off stays a switch; "on" as a preposition, a
    # turning point, turns of a spool, a U-turn are no switching; "switch on ECN" and "switch ECN on?" are
    assert switched("does the switch turn off ECN marking?") == "does the switch disable ecn marking?"
    assert switched("when is the switch turned off for maintenance?") == "when is the switch disable for maintenance?"
    for thing in ("what is the turning point on the latency curve?", "how many turns on the fibre spool?",
                  "U-turn on the path", "turn the ECN threshold on leaf 3 up", "switch on leaf 3 dropped packets"):
        assert switched(thing) == thing.lower() and not word_forms(thing), thing
    assert switched("how do I switch on ECN") == "how do i enable ecn" and switched("can I switch ECN on?") == "can i enable ecn?"


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


def test_the_bm25_rank_stands_in_for_the_dense_rank_of_a_chinese_passage() -> None:
    dense = np.array([4, 0, 2, 1])  # position 0 is Chinese: its dense rank (2nd) is noise
    lexical = (np.array([0, 3, 2]), np.array([9.0, 3.0, 1.0]))  # … BM25 ranks it first
    chinese = np.array([True, False, False, False, False])
    kept, (positions, terms) = dense_stand_in(dense, lexical, chinese, 1.0)
    assert kept.tolist() == [4, 2, 1] and positions.tolist() == [0, 3, 2]
    assert terms.tolist() == [1 / (RRF_K + 1), 0.0, 0.0]
    # the dense ranking puts the Chinese passage last and BM25 nearly ties it with an English one: that one wins
    # on its dense rank, unless the Chinese passage's BM25 rank stands in for its own
    dense = np.array([3, 4, 1, 2, 0])
    lexical = (np.array([0, 3]), np.array([5.0, 4.9]))
    nothing = (dense[:0], lexical[1][:0])
    assert hybrid((dense, dense * 0.0), lexical, nothing, "en", 2, 5)[0] == [3, 0]
    assert hybrid((dense, dense * 0.0), lexical, nothing, "en", 2, 5, chinese=chinese)[0] == [0, 3]
    assert hybrid((dense, dense * 0.0), lexical, nothing, "zh", 2, 5, chinese=chinese)[0] == \
        hybrid((dense, dense * 0.0), lexical, nothing, "zh", 2, 5)[0]  # a Chinese question: no stand-in
    # no dense ranking at all (the embedder is down): nothing to stand in for, no passage gets a dense term
    lexical = (np.array([3, 0]), np.array([5.0, 4.9]))
    assert hybrid(nothing, lexical, nothing, "en", 2, 5, chinese=chinese)[0] == [3, 0]


GUIDE = "\n\n".join(f"## {title}\n\nPathLedger on a host {says}" for title, says in (
    ("Overview", "keeps one ledger per path and sprays packets over the paths with the lowest penalties."),
    ("Agent", "is loaded by pl-agent, a small daemon that runs on every host and reads its configuration at start."),
    ("Penalties", "adds a penalty to a path when a packet on it is trimmed or times out; penalties halve every 1 ms."),
    ("Collapse", "collapses to a single path when every ledger entry is penalised; it reseeds after 5 ms."),
    ("Metrics", "exports pl_paths_active and pl_penalty_sum per host to the node exporter every 5 s."),
    ("Upgrades", "needs NIC firmware 5.2.0 or later; on older firmware the agent logs a warning and sprays blindly."),
    ("Memory", "uses 64 KiB of NIC memory per 1,024 peers; the ledger table lives in on-chip memory."),
    ("Limits", "tracks at most 256 paths per peer; more entropy values are ignored.")))
OPS_FAQ_ZH = ("# PathLedger 运维问答\n\n问：单台主机上怎么临时关掉 PathLedger？\n答：在 pl-agent 的环境变量里设 PL_OFF=1，"
              "然后重启 pl-agent；关掉超过一天要值班组长审批。\n\n问：ledger 占多少内存？\n答：每 1024 个对端 64 KiB。\n")


def test_an_english_question_ranks_the_chinese_note_that_answers_it_first(tmp_path: Path) -> None:
    """Eight English sections about PathLedger on a host, one Chinese note on switching it off: the note's dense
    rank was noise and the guide's sections outranked it."""
    index, _ = gallery(tmp_path, {"pathledger-guide.md": GUIDE, "ops-faq-zh.md": OPS_FAQ_ZH})
    assert index.chinese.tolist() == [chunk.doc == "ops-faq-zh.md" for chunk in index.chunks]
    for question in ("How can I switch PathLedger off on a single host?",
                     "who has to approve keeping PathLedger disabled for more than a day?"):
        assert index.search(question, 1)[0].chunk.doc == "ops-faq-zh.md", question
