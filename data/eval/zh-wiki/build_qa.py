"""Build the zh-wiki question set (standard library only).

    python3 data/eval/zh-wiki/build_qa.py

Holds the master list of questions (written in one pass, before any answerer was run on them) and writes:
  qa_tune.jsonl      ids zhw-t001 ...  (may be used to develop and tune the answerer)
  qa_holdout.jsonl   ids zhw-h001 ...  (only evaluated, never used for tuning)
  absent_probes.json {id: [regex, ...]} for every unanswerable question: patterns describing the missing fact,
                     which must match NO document of the set (checked by data/eval/check_sets.py).

The split is random with a fixed seed, stratified by answerable/unanswerable, kind and language.
"""
import json
import pathlib
import random
from collections import defaultdict

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20251206

PDF = "xq-training-handout.pdf"
FAQ = "wiki-faq-zh.md"
CHAT = "group-chat-log.txt"
PM = "postmortem-fupan-zh.md"
VEND = "vendor-comparison.html"
RN = "release-notes-en.txt"
OPS = "ops-checklist-zh.txt"

US = r"\s*(?:µs|μs|us|微秒)"


def A(question, lang, kind, expected, keys):
    return {"question": question, "lang": lang, "kind": kind, "expected": expected, "keys": keys}


def U(question, lang, probes):
    return {"question": question, "lang": lang, "kind": "unanswerable", "expected": [], "keys": [],
            "probes": probes}


QUESTIONS = [
    # ---------------------------------------------------------------- answerable, Chinese
    A("白鹭 LLR 超时多少？", "zh", "number", [PDF, CHAT, OPS],
      [r"(?:2\.4" + US + r"|2,?400\s*ns)"]),
    A("白鹭上一个 PDC 最多拿多少个熵值来喷包？", "zh", "number", [PDF],
      [r"(?<![\d.-])256(?![\d.]|\s*(?:B\b|KB|KiB|字节|bytes?))"]),
    A("PDS 重传超时的下限我们配的是多少？", "zh", "number", [PDF],
      [r"160" + US]),
    A("一个包重传几次还不成功就会向上层报错？", "zh", "number", [PDF],
      [r"(?:(?<![\d.])8\s*(?:次|times|retries|retransmissions|attempts)|max_retx\D{0,6}8\b)"]),
    A("交换机 ECN 标记的两个门限（Kmin/Kmax）在白鹭是怎么设的", "zh", "number", [PDF],
      [r"200\s*KB", r"800\s*KB"]),
    A("交换机每个出队列的 trim 门限最终定了多少", "zh", "number", [PDF, CHAT],
      [r"1\.2\s*MB"]),
    A("同一台 leaf 下两台节点之间的基础往返时延大概是多少", "zh", "number", [FAQ],
      [r"3\.1" + US]),
    A("10 月 23 日那次吞吐骤降总共折损了多少卡时？", "zh", "number", [PM],
      [r"2,?640"]),
    A("新节点压测时 all-reduce 总线带宽要跑到多少才算合格？", "zh", "number", [OPS],
      [r"44\s*GB/s"]),
    A("汀兰 3.2.0 固件把 NSCC 目标排队时延的缺省值改成了多少？", "zh", "number", [RN],
      [r"(?<![\d.])8" + US]),
    A("刷 3.2.0 固件之前，主机驱动最低得是哪个版本？", "zh", "number", [RN],
      [r"2\.8\.0"]),
    A("eager 消息的大小上限白鹭设成多少了？", "zh", "number", [PDF, FAQ, CHAT],
      [r"(?:16,?384|16\s*KiB|16\s*K\b)"]),
    A("鸣沙那个配置保留的缺陷，厂商说在哪个版本修？", "zh", "number", [CHAT],
      [r"7\.3\.4"]),
    A("3.2.0 网卡固件升级最后排在哪天几点？", "zh", "number", [CHAT],
      [r"(?:11\s*月\s*13\s*日?|11[/.-]13|Nov(?:ember)?\.?\s*13|13\s*Nov)", r"(?<!\d)0?1:00"]),
    A("升级检查单里补 hash 校验那一项是谁负责的？", "zh", "name", [PM],
      [r"费晓楠"]),
    A("10·23 那次升级出问题的是哪几台 spine？", "zh", "name", [PM],
      [r"S01", r"S08"]),
    A("节点重新入池前，检查单要求哪两方签字？", "zh", "name", [OPS],
      [r"(?:网络值班|network on-?call)", r"(?:平台值班|platform on-?call)"]),
    A("半夜网络出故障打哪个分机找人？", "zh", "name", [FAQ, CHAT],
      [r"6688"]),
    A("CBFC 试点最后圈定的是哪几台计算节点？", "zh", "name", [CHAT],
      [r"n057", r"n064"]),
    A("鹭巡是什么？", "zh", "definition", [PDF],
      [r"(?:巡检|inspection|patrol)", r"15\s*(?:分钟|min)"]),
    A("包裁剪具体是怎么回事？", "zh", "definition", [PDF],
      [r"(?:包头|报头|头部|header)", r"(?:载荷|payload|截|剪掉|trunc)"]),
    A("交换机把包剪了以后，接收端和发送端各做什么？", "zh", "mechanism", [PDF, FAQ],
      [r"NACK", r"(?:重传|retransmi|resend)"]),
    A("10·23 训练变慢的根因到底是什么？", "zh", "mechanism", [PM, PDF, FAQ],
      [r"(?:hash|哈希)", r"(?:源端口|source port|l4-src-port|L4)", r"(?:重置|reset|default-l3|升级|upgrad|7\.3\.0)"]),
    A("TLN-4519 修的是个什么 bug？", "zh", "mechanism", [RN],
      [r"(?:CBFC|credit|信用)", r"(?:2\s*\^\s*24|2\*\*24|16,?777,?216|wrap|回绕|翻转|绕回|计数器溢出)"]),
    A("某个端口 LLR 重放告警了，网络值班按什么步骤处理？", "zh", "procedure", [FAQ],
      [r"(?:DDM|收光|光功率|optical power|rx power)", r"-\s*7\s*dBm"]),
    A("训练吞吐突然掉了，排查顺序是怎样的？", "zh", "procedure", [PDF, PM],
      [r"(?:链路|link).{0,200}(?:hash|喷洒|spray).{0,200}(?:裁剪|trim).{0,200}(?:拥塞控制|congestion|NSCC)"]),
    A("升级到 3.2.0 会不会把我们在 tlnic.conf 里显式写的参数冲掉？", "zh", "yesno", [RN],
      [r"(?:保留|preserv|kept|retain|not\s+(?:be\s+)?(?:overwrit|chang|replac)|不会被(?:覆盖|冲掉|改))"]),
    A("Halvane 那款交换机，包被裁剪后留多长能改吗？", "zh", "yesno", [VEND],
      [r"(?:固定|fixed|不能|不可)", r"64\s*B"]),
    A("网卡刷了 3.2.0 以后还能退回 3.1.6 吗？", "zh", "yesno", [RN],
      [r"AI\s*Full", r"(?:never|从未|没有?(?:启用|开启|开)过|未曾?启用)"]),
    # ---------------------------------------------------------------- answerable, English
    A("What trim-rate alert threshold did the team settle on?", "en", "number", [FAQ, CHAT, PDF],
      [r"0\.5\s*%", r"5\s*(?:分钟|min)"]),
    A("How slow did the 70B job's iterations get during the October 23 slowdown?", "en", "number", [PM],
      [r"2\.71\s*(?:s|秒)"]),
    A("Which firmware build was the Okaro card evaluated with?", "en", "number", [VEND],
      [r"0\.9\.8"]),
    A("Typical power draw of the Tinglan adapter?", "en", "number", [VEND],
      [r"23\s*W"]),
    A("What does firmware 3.2.0 use as the default idle timeout before a PDC is reclaimed?", "en", "number", [RN],
      [r"(?:1,?000\s*ms|(?<![\d.])1(?:\.0)?\s*(?:s\b|sec|second|秒))"]),
    A("Which UDP port carries UET on Bailu?", "en", "number", [PDF, FAQ],
      [r"4793"]),
    A("How large is the per-port LLR replay buffer on Bailu?", "en", "number", [PDF, OPS, CHAT],
      [r"256\s*KB"]),
    A("Which leaf switches were picked for the CBFC pilot?", "en", "name", [CHAT],
      [r"L15", r"L16"]),
    A("Who owns the action item for the uplink imbalance alarm?", "en", "name", [PM],
      [r"(?:钮家豪|Niu\s*Jiahao)"]),
    A("Which queue do trimmed packets get forwarded in on Bailu?", "en", "name", [PDF, CHAT],
      [r"TC\s*6"]),
    A("What's PDC?", "en", "definition", [PDF],
      [r"(?:Packet\s+Delivery\s+Context|包投递上下文)"]),
    A("What does RUDI mean?", "en", "definition", [PDF],
      [r"(?:idempotent|幂等)"]),
    A("Why was 600 KB rejected as the switch trim threshold?", "en", "mechanism", [CHAT, PDF],
      [r"(?:Kmax|800\s*KB)", r"(?:NSCC|拥塞控制|congestion control)"]),
    A("Why am I not allowed to enable PFC on my nodes?", "en", "mechanism", [FAQ, PDF],
      [r"(?:裁剪|trim)", r"(?:有损|lossy)"]),
    A("How can I check that a node is using the Tinglan libfabric provider?", "en", "procedure", [PDF, FAQ, OPS],
      [r"fi_info", r"tlnuet"]),
    A("What are the steps to put firmware 3.2.0 on an adapter?", "en", "procedure", [RN],
      [r"2\.8\.0", r"(?:cold\s*(?:reboot|boot)|power[- ]cycle|冷重启|冷启动|断电重启)"]),
    A("Is transport encryption turned on in Bailu?", "en", "yesno", [PDF, FAQ],
      [r"(?:\bno\b|\bnot\b|没有|没开|未启用|未开启)",
       r"(?:2026\s*(?:年\s*)?(?:Q2|第?二季度|second quarter)|单租户|single[- ]tenant|物理隔离|physically isolated)"]),
    # ---------------------------------------------------------------- unanswerable, Chinese
    U("TL-N400 网卡一张卡多少钱？", "zh",
      [r"(?:单价|报价|价格|售价|price|pricing|cost|¥|￥|美元|USD|RMB|人民币)"]),
    U("汀兰 3.2.0 固件是哪天正式发布的？", "zh",
      [r"(?:released\s+(?:on|in)|release\s+date|发布(?:于|日期|时间)|GA\s+date|出版日期)",
       r"3\.2\.0.{0,60}20\d\d\s*[-年/]"]),
    U("鸣沙 MS-9800 端口到端口的转发时延是多少纳秒？", "zh",
      [r"(?:转发时延|转发延迟|端口到端口|port-to-port|cut-through|直通)", r"MS-9800.{0,120}\d+\s*ns\b"]),
    U("白鹭计划哪一天把 profile 切到 AI Full？", "zh",
      [r"AI\s*Full.{0,40}(?:20\d\d\s*[-年/]|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}/\d{1,2})",
       r"(?:切换|切到|switch(?:ed|ing)?\s+to)\s*AI\s*Full.{0,20}(?:日|day)"]),
    U("TLN-4490 修的是什么问题？", "zh", [r"TLN-4490"]),
    U("L27 那台 leaf 的 LLR 重放定时器配的多少？", "zh", [r"\bL27\b", r"\bL2[5-9]\b"]),
    U("复盘改进项 A8 的截止日期是哪天？", "zh", [r"\bA8\b"]),
    U("沈墨负责的 RCCC 评估最后是什么结论？", "zh", [r"沈墨"]),
    U("768 卡全规模跑 1 GiB all-reduce，TL-N400 的总线带宽能到多少？", "zh",
      [r"768\s*卡[^。]{0,40}(?:GB/s|总线带宽)", r"(?:全规模|full[- ]scale)[^。]{0,60}\d\s*GB/s"]),
    U("OK-4C 跑 4 KiB 小消息 all-reduce 的时候带宽是多少？", "zh",
      [r"(?<![\d.])4\s*KiB[^。]{0,40}\d\s*GB/s", r"小消息[^。]{0,40}GB/s"]),
    U("Halvane 交换机在 64 打 1 的 incast 下裁剪率是多少？", "zh",
      [r"64\s*(?:打|:|比|to)\s*1\b"]),
    U("UET 传输安全子层的密钥多久轮换一次？", "zh",
      [r"(?:轮换|rotation|rotate|rekey|re-key|更换密钥)"]),
    U("SES 头里的 opcode 字段占几个比特？", "zh",
      [r"opcode", r"操作码", r"(?:\d+\s*(?:bit|比特|位)\b).{0,20}(?:SES|头)"]),
    U("UEC 规范 1.0 是哪一年正式推出的？", "zh",
      [r"(?:规范|specification|spec)\s*(?:v|版本)?\s*1\.0", r"UEC\s*(?:v|版本)?\s*1\.0", r"1\.0\s*(?:版)?规范"]),
    U("Kubernetes 里怎么给 Pod 分配 SR-IOV 的 VF？", "zh", [r"Kubernetes", r"SR-IOV", r"\bk8s\b", r"\bPod\b"]),
    U("BGP 邻居一直卡在 Active 状态该怎么查？", "zh", [r"\bBGP\b", r"邻居状态"]),
    U("实验室食堂晚饭几点关门？", "zh", [r"(?:食堂|餐厅|晚饭|午饭|cafeteria|canteen)"]),
    # ---------------------------------------------------------------- unanswerable, English
    U("Who is responsible for the action item about configuration drift detection?", "en",
      [r"(?:配置漂移|drift).{0,60}(?:邝静怡|段启航|费晓楠|钮家豪|乔蔚|龚一帆|王立|Leo)"]),
    U("What warranty period does Halvane give on the HV-5120?", "en", [r"(?:warranty|保修|质保|保固)"]),
    U("What changed in TL-N400 firmware 3.1.8?", "en", [r"3\.1\.8"]),
    U("What was the root cause of incident BL-INC-2025-027?", "en", [r"BL-INC-2025-027", r"INC-2025-027"]),
    U("What is the P99 8-byte write latency of the BF-7400?", "en",
      [r"\bP99\b", r"99(?:th)?\s*(?:percentile|%|百分位)", r"尾延迟"]),
    U("How does UET support in-network collective operations?", "en",
      [r"(?:in-network|网内计算|网内集合|网络内计算|\bINC\b(?!-))"]),
    U("How does a UET endpoint resolve the fabric address of its peer before the first packet?", "en",
      [r"(?:address resolution|地址解析|\bARP\b|endpoint discovery|端点发现|fabric address)"]),
    U("How do I set the priority of the InfiniBand subnet manager?", "en",
      [r"subnet manager", r"OpenSM", r"InfiniBand", r"子网管理"]),
    U("What's the weather forecast for Beijing tomorrow?", "en", [r"(?:天气|weather|forecast|气温)"]),
]


def stratum(q):
    return ("unanswerable" if q["kind"] == "unanswerable" else "answerable", q["kind"], q["lang"])


def split(questions):
    rng = random.Random(SEED)
    groups = defaultdict(list)
    for q in questions:
        groups[stratum(q)].append(q)
    tune, holdout = [], []
    extra_to_tune = True  # odd-sized strata give their extra question alternately to tune and holdout
    for key in sorted(groups):
        items = groups[key][:]
        rng.shuffle(items)
        half = len(items) // 2
        if len(items) % 2:
            n_tune = half + 1 if extra_to_tune else half
            extra_to_tune = not extra_to_tune
        else:
            n_tune = half
        tune.extend(items[:n_tune])
        holdout.extend(items[n_tune:])
    rng.shuffle(tune)
    rng.shuffle(holdout)
    return tune, holdout


def main():
    texts = [q["question"] for q in QUESTIONS]
    assert len(texts) == len(set(texts)), "duplicate question"
    tune, holdout = split(QUESTIONS)
    probes = {}
    for name, items, tag in (("qa_tune.jsonl", tune, "t"), ("qa_holdout.jsonl", holdout, "h")):
        lines = []
        for i, q in enumerate(items, 1):
            qid = f"zhw-{tag}{i:03d}"
            rec = {"id": qid, "question": q["question"], "lang": q["lang"], "expected": q["expected"],
                   "keys": q["keys"], "kind": q["kind"]}
            if q["kind"] == "unanswerable":
                probes[qid] = q["probes"]
            lines.append(json.dumps(rec, ensure_ascii=False))
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        n_un = sum(q["kind"] == "unanswerable" for q in items)
        print(f"{name}: {len(items)} questions ({len(items) - n_un} answerable, {n_un} unanswerable)")
    (HERE / "absent_probes.json").write_text(
        json.dumps(dict(sorted(probes.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
