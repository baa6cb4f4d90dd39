"""Write qa_tune.jsonl, qa_holdout.jsonl and absent_probes.json of the rfp-lab set (standard library only).

The 72 questions below were written in one pass, before any answerer was run on them. They are split in two
halves of 36 at random with a fixed seed: the questions are grouped into strata (answerable: language and kind;
unanswerable: language and sort), each stratum is shuffled and dealt alternately to the two halves, and the odd
question of a stratum goes to the half that has fewer questions of the same answerable/unanswerable and language
group so far (a coin toss on a tie). Every group has an even size, so each half gets 23 answerable (13 en + 10 zh)
and 13 unanswerable (7 en + 6 zh) questions. The same seed gives the same files; do not renumber by hand.

    python3 data/eval/rfp-lab/build_qa.py
"""
import json
import pathlib
import random
import re
from collections import Counter, defaultdict

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20260604
PREFIX = "rfl"

MATRIX = "rfp-compliance-matrix.html"
REPORT = "acceptance-test-report.pdf"
MINUTES = "评标会议纪要.md"
NB = "fabric-analysis-notebook.md"
ADV = "vendor-security-advisory.html"

SEC = r"\s*(?:s\b|secs?\b|seconds?|秒)"

# (question, lang, expected, keys, kind)
ANSWERABLE = [
    # --- number, English
    ("which br-840 fw actually fixes the pdc context leak advisory?", "en", [ADV, NB], [r"2\.15\.3"], "number"),
    ("brisala final score in the bid eval", "en", [MINUTES], [r"90\.86"], "number"),
    ("p99 latncy for 64KiB writes on the test pod?", "en", [NB], [r"(?<![\d.])11\.7(?!\d)"], "number"),
    ("Max Concurrent PDCs Per BR-840?", "en", [MATRIX, ADV], [r"65,?536"], "number"),
    ("when is brisala's CBFC supposed to land now?", "en", [MINUTES], [r"(?<![\d.])7\.5(?!\d)", r"2027"], "number"),
    ("what throughput did TSS get with 4k msgs in acceptance testing", "en", [REPORT], [r"(?<!\d)728(?!\d)"],
     "number"),
    ("on 2.15.0 how long into the 31:1 incast run did the receiver nic hang", "en", [REPORT],
     [r"(?<![\d.])41" + SEC], "number"),
    ("severity score of brisala's ctx leak advisory?", "en", [ADV], [r"(?<![\d.])8\.2(?!\d)"], "number"),
    ("Quarrendon delivery lead time in their bid?", "en", [MINUTES], [r"(?<!\d)14\s*(?:周|weeks?|wks?)"], "number"),
    ("what price did they use as the benchmark for price scoring", "en", [MINUTES],
     [r"1\.238|123\.8|123,?800,?000"], "number"),
    ("penalty per week if cbfc ships late?", "en", [MINUTES], [r"0\.5\s*(?:%|percent)|百分之零点五"], "number"),
    ("brisala POC 4k p99?", "en", [MINUTES], [r"(?<![\d.])4\.6(?!\d)"], "number"),
    # --- number, Chinese
    ("BX-5120 典型功耗多少瓦", "zh", [MATRIX], [r"2,?180"], "number"),
    ("B厂价格分最后到底是多少", "zh", [MINUTES], [r"23\.86"], "number"),
    ("验收时 4K 消息 p99 测出来多少", "zh", [REPORT, NB], [r"(?<![\d.])5\.2(?!\d)"], "number"),
    ("2.15.3 灰度那几台的重传率多少", "zh", [NB], [r"(?<![\d.])9\.6(?!\d)"], "number"),
    ("Brisala 的 compliance matrix 加权总分是多少", "zh", [MATRIX, MINUTES], [r"(?<![\d.])82\.40?(?!\d)"], "number"),
    ("31:1 incast 时有多大比例的包被 trim 了", "zh", [REPORT, NB], [r"(?<![\d.§])4\.20?(?!\d)"], "number"),
    ("B 厂那个可选备件包报了多少钱", "zh", [MINUTES], [r"680\s*万|6\.8\s*million|6,?800,?000"], "number"),
    ("网卡固件升级 每台主机实测断流多久", "zh", [REPORT], [r"(?<![\d.])38" + SEC], "number"),
    ("pre-FEC BER 告警门限默认值", "zh", [MATRIX, REPORT],
     [r"2\.4\s*[Ee]\s*-?\s*0?4|2\.4\s*[x×]\s*10\^?\s*[-−]\s*4|2\.4\s*×\s*10⁻⁴"], "number"),
    # --- name
    ("who reported the br-840 context leak to brisala", "en", [ADV], [r"Marwick"], "name"),
    ("who owns writing the acceptance test plan?", "en", [MINUTES, REPORT],
     [r"顾晓棠|Gu\s*Xiaotang|Xiaotang\s*Gu"], "name"),
    ("which vendor ended up 2nd in the tender ranking", "en", [MINUTES], [r"Quarrendon"], "name"),
    ("libfabric provider for the brisala nics is called?", "en", [MATRIX, REPORT], [r"\bbrx\b"], "name"),
    ("验收时 Brisala 派来见证的 FAE 叫什么", "zh", [REPORT], [r"Plaskett"], "name"),
    ("评标会上谁是线上远程参会的", "zh", [MINUTES], [r"Fenwright"], "name"),
    ("TC-04 网卡卡死那个缺陷编号是多少", "zh", [REPORT, ADV], [r"4417"], "name"),
    ("spraying 测试里最不均衡的是哪台 leaf", "zh", [REPORT, NB], [r"(?<!C)L-?03\b"], "name"),
    # --- definition
    ("how's the benchmark price for price scoring defined", "en", [MINUTES], [r"lowest|最低", r"valid|有效"],
     "definition"),
    ("compliance column says Roadmap - what does that mean exactly", "en", [MATRIX],
     [r"not available|not (?:in|part of) the delivered|未提供|不可用|交付版本", r"commit|承诺"], "definition"),
    ("验收报告里 PASS* 是什么意思", "zh", [REPORT],
     [r"deviat|偏差", r"another|other|different|另一|其他|不同|repeat|重复|modif|修改|not exactly|不完全"],
     "definition"),
    ("安全通告里 SP:F 指什么", "zh", [ADV],
     [r"spread|扩散|传播|波及|影响范围", r"any host|fabric|任意|任何|其他主机|整个"], "definition"),
    # --- mechanism
    ("why did brisala's price score get changed after the first tally", "en", [MINUTES],
     [r"spare|备件", r"1\.365|1\.297|136\.5|129\.7|680\s*万|6\.8\s*million|6,?800,?000"], "mechanism"),
    ("why isnt 2.15.2 good enough for the ctx leak bug", "en", [ADV, NB],
     [r"malformed|畸形|格式错误|非法", r"trim"], "mechanism"),
    ("What made the receiving NIC stop completing receives during the incast test?", "en", [REPORT, ADV],
     [r"context|上下文", r"trim|裁剪",
      r"leak|exhaust|never returned|not (?:returned|released|freed)|泄漏|耗尽|未释放|没有释放"], "mechanism"),
    ("为啥开了 TSS 加密也防不住那个漏洞", "zh", [ADV],
     [r"pars|解析|before|之前|先", r"tag|认证|authenticat|校验|验证"], "mechanism"),
    ("验收报告里 64K 的 p99 为什么是错的", "zh", [NB],
     [r"p90|90\s*(?:th|百分位|分位)|第\s*90", r"column|列|cop|抄|复制|summary sheet|汇总"], "mechanism"),
    # --- procedure
    ("nic hung because of the ctx leak bug - how do i get it back now?", "en", [ADV],
     [r"pdc\s+flush|--leaked|flush"], "procedure"),
    ("cant upgrade the nics yet, what do I configure on the leaves against the ctx leak", "en", [ADV],
     [r"header[\s-]*validat", r"strict"], "procedure"),
    ("notebook 里预热那部分数据怎么处理的", "zh", [NB],
     [r"(?<!\d)200(?!\d)", r"去掉|丢弃|剔除|删|排除|过滤|drop|discard|exclud|remov|skip|filter"], "procedure"),
    ("链路故障那个用例具体是怎么测的", "zh", [REPORT],
     [r"optic|光模块|拔|pull|remov", r"all-?reduce|TC-06|集合通信|规约"], "procedure"),
    # --- yesno
    ("is the BR-420 hit by the ctx leak too?", "en", [ADV],
     [r"\byes\b|is affected|are affected|受影响|affected (?:releases?|versions?)", r"2\.9\."], "yesno"),
    ("does brisala do the HPC profile", "en", [MATRIX],
     [r"\bno\b|not (?:offered|supported|available)|doesn'?t|does not|不支持"], "yesno"),
    ("is the fw we ran acceptance on fully patched for BRSA-2026-017?", "en", [ADV, NB, REPORT],
     [r"\bno\b|\bnot\b|isn'?t|wasn'?t|不", r"2\.15\.3"], "yesno"),
    ("C厂支持 packet trimming 吗", "zh", [MINUTES],
     [r"不支持|不具备|没有|non-?compliant|not support|doesn'?t|does not|\bno\b"], "yesno"),
]

# (question, lang, sort, probes). Sorts: a = attribute never given for an entity the documents describe,
# b = instance that does not exist, c = condition the documents skip, d = UEC topic no document covers,
# e = off-topic. Every probe must match no document of the set (checked by check_sets.py).
UNANSWERABLE = [
    # a
    ("BR-840 unit price?", "en", "a",
     [r"单价", r"unit price", r"per (?:NIC|card|unit)\b[^.]{0,40}(?:¥|元|RMB|USD|\$|CNY)",
      r"BR-?840[^.]{0,60}(?:¥|元|RMB|USD|\$|CNY)"]),
    ("bx-5120 port to port latency, cut-through?", "en", "a",
     [r"port-to-port", r"cut-through", r"switch(?:ing)? latency", r"交换(?:机)?时延|转发时延",
      r"(?<![\w.])\d+(?:\.\d+)?\s*ns\b"]),
    ("when was fw 2.15.3 released", "en", "a",
     [r"2\.15\.3[^.]{0,40}(?:released|release date|GA\b|发布)", r"(?:released|发布)[^.]{0,30}2\.15\.3"]),
    ("MTBF of the BR-840 nic?", "en", "a",
     [r"BR-840 (?:SuperNIC )?(?:MTBF|has an? MTBF)", r"MTBF[^.]{0,80}(?:NIC|网卡|BR-?840)", r"网卡[^。]{0,20}MTBF"]),
    ("BX-5120 一台多重", "zh", "a", [r"(?<![\w])kg\b|公斤|千克|重量|\blbs?\b|weighs"]),
    ("800G 光模块单个功耗多少", "zh", "a",
     [r"(?:per|each|single) (?:optic|transceiver|module)", r"光模块[^。]{0,10}功耗",
      r"transceiver power|optic(?:al|s)? power|module power", r"DR8[^.;]{0,20}\d+(?:\.\d+)?\s*W\b"]),
    ("澜拓 LT-S64 交换机缓存多大", "zh", "a",
     [r"LT-?S64[^。.]{0,80}(?:MB|缓存|buffer)", r"(?:澜拓|Lantuo|C\s*厂)[^。]{0,60}(?:缓存|buffer)"]),
    # b
    ("whats tested in TC-17?", "en", "b", [r"TC-?17"]),
    ("what did clarification letter BRS-CL-04 say", "en", "b", [r"CL-?04"]),
    ("results for leaf TP1-L09", "en", "b", [r"L09", r"TP1-L(?:09|1\d)"]),
    ("R-NET-012 要求的是什么", "zh", "b", [r"R-NET-012"]),
    ("验收报告的偏差 D-4 讲的啥", "zh", "b", [r"\bD-4\b"]),
    ("评标纪要待办 A6 谁负责", "zh", "b", [r"\bA6\b"]),
    # c
    ("p99 for 2MiB messages on TP-1", "en", "c", [r"2\s*MiB", r"2,?048\s*KiB"]),
    ("how much gets trimmed at 64:1 incast", "en", "c", [r"64:1", r"(?:48|60|63):1"]),
    ("retx ppm on 2.16.1?", "en", "c",
     [r"2\.16\.1[^.]{0,80}(?:ppm|retx|retransmi)", r"(?:ppm|retx|retransmi)[^.]{0,80}2\.16\.1"]),
    ("95% 负载下 4K 的 p99 是多少", "zh", "c", [r"(?<![\d.])95\s*%", r"(?<![\d.])95\s+\d+\.\d"]),
    ("A 厂 POC 的 1MiB 时延多少", "zh", "c", [r"(?:A\s*厂|Quarrendon|QN-7200)[^。]{0,80}1\s*MiB"]),
    ("开 TSS 以后 1K 小消息吞吐能到多少", "zh", "c",
     [r"(?<![\d.])1\s*KiB[^.]{0,40}Gb/s", r"(?:TSS|encrypt|加密)[^.]{0,120}(?<![\d.])1\s*KiB"]),
    # d
    ("how does UET do multicast?", "en", "d", [r"multicast|组播|多播"]),
    ("what LLDP TLVs does UEC use for link negotiation", "en", "d", [r"LLDP", r"\bTLV"]),
    ("UEC 里 job ID 是怎么分配的", "zh", "d", [r"job\s*-?id", r"作业\s*(?:ID|标识)", r"JobID"]),
    ("UET 的 deferrable send 是干嘛的", "zh", "d", [r"deferrable", r"可延迟", r"rendezvous"]),
    # e
    ("best way to cook rice in a pressure cooker?", "en", "e", [r"\brice\b", r"pressure cooker"]),
    ("what's the capital of australia", "en", "e", [r"Canberra", r"Australia"]),
    ("明天上海天气怎么样", "zh", "e", [r"天气", r"weather", r"上海|Shanghai"]),
]


def records():
    out = []
    for q, lang, expected, keys, kind in ANSWERABLE:
        out.append(dict(question=q, lang=lang, expected=expected, keys=keys, kind=kind,
                        stratum=("A", lang, kind), group=("A", lang), probes=None))
    for q, lang, sort, probes in UNANSWERABLE:
        out.append(dict(question=q, lang=lang, expected=[], keys=[], kind="unanswerable",
                        stratum=("U", lang, sort), group=("U", lang), probes=probes))
    return out


def deal(recs, rng):
    by_stratum = defaultdict(list)
    for r in recs:
        by_stratum[r["stratum"]].append(r)
    halves = {"t": [], "h": []}
    per_group = Counter()
    for stratum in sorted(by_stratum):
        members = by_stratum[stratum][:]
        rng.shuffle(members)
        pairs, odd = members[:len(members) // 2 * 2], members[len(members) // 2 * 2:]
        for i, r in enumerate(pairs):
            half = "th"[i % 2]
            halves[half].append(r)
            per_group[(half, r["group"])] += 1
        for r in odd:
            nt, nh = per_group[("t", r["group"])], per_group[("h", r["group"])]
            half = "t" if nt < nh else "h" if nh < nt else rng.choice("th")
            halves[half].append(r)
            per_group[(half, r["group"])] += 1
    return halves


def main():
    recs = records()
    assert len(recs) == 72, len(recs)
    assert len({r["question"] for r in recs}) == 72, "duplicate question"
    for r in recs:
        for pat in r["keys"] + (r["probes"] or []):
            re.compile(pat)
    rng = random.Random(SEED)
    halves = deal(recs, rng)
    probes = {}
    for tag, name in (("t", "qa_tune.jsonl"), ("h", "qa_holdout.jsonl")):
        members = halves[tag]
        assert len(members) == 36, (tag, len(members))
        rng.shuffle(members)
        lines = []
        for n, r in enumerate(members, 1):
            qid = f"{PREFIX}-{tag}{n:03d}"
            lines.append(json.dumps({"id": qid, "question": r["question"], "lang": r["lang"],
                                     "expected": r["expected"], "keys": r["keys"], "kind": r["kind"]},
                                    ensure_ascii=False))
            if r["probes"]:
                probes[qid] = r["probes"]
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        c = Counter((r["kind"] == "unanswerable", r["lang"]) for r in members)
        print(f"{name}: 36 questions; answerable en/zh {c[(False, 'en')]}/{c[(False, 'zh')]}, "
              f"unanswerable en/zh {c[(True, 'en')]}/{c[(True, 'zh')]}")
    ordered = {k: probes[k] for k in sorted(probes, key=lambda q: (q[4], q))}
    (HERE / "absent_probes.json").write_text(json.dumps(ordered, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")


if __name__ == "__main__":
    main()
