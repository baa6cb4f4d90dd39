"""Build the paper-forum question set (standard library only).

    python3 data/eval/paper-forum/build_qa.py

Holds the master list of all 72 questions (both halves) and writes qa_tune.jsonl, qa_holdout.jsonl and
absent_probes.json next to this script. The split is random with a fixed seed, stratified by
answerable/unanswerable, language and kind (unanswerable questions also by their sort a-e); ids are assigned by
the split (ppf-t### / ppf-h###). All questions were written in one pass, before any answerer ran on them.
This file contains the holdout questions: do not read it while tuning an answerer.
"""
import json
import pathlib
import random
import re
from collections import defaultdict

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20260521

PAPER = "pathledger-paper.pdf"
DS = "pathledger-datasheet.pdf"
ISSUE = "pathledger-issue-217.md"
BLOG = "pathledger-blog-zh.md"
FAQ = "pathledger-faq-zh.txt"
CONF = "pathledger-config-reference.md"

US = "(?:\u00b5s|\u03bcs|us\\b|microsec\\w*|\u5fae\u79d2)"   # µs (micro sign), μs (Greek mu), us, 微秒
NO = r"(?:\bno\b|\bnot\b|n't\b|\bnever\b|\u4e0d|\u6ca1\u6709|\u65e0)"   # no / not / 不 / 没有 / 无

# (lang, kind, question, expected, keys) for answerable questions
ANSWERABLE = [
    # ---------------- English questions ----------------
    ("en", "number", "how many spine switches are in the Halyard fabric?",
     [PAPER], [r"(?<![\d.,])32(?![\d.,])|thirty-two"]),
    ("en", "number", "What's the default quarantine threshold for a ledger slot?",
     [PAPER, CONF, FAQ], [r"(?<![\d.,])6(?![\d.,])|\bsix\b|\u516d"]),
    ("en", "number", "the paper says the penalty half-life is 2 ms - is that still the default? what is it now?",
     [ISSUE, CONF, FAQ, BLOG], [r"(?<![\d.,])1\s*ms\b|(?<![\d.,])1,?000\s*" + US + r"|half_life_us:\s*1000|1\s*\u6beb\u79d2"]),
    ("en", "number", "How much power does a VX-8200 draw when its links are up but idle?",
     [DS], [r"14\.2\s*W"]),
    ("en", "number", "max power consumption of the VX-8200?",
     [DS], [r"(?<![\d.])47\s*W"]),
    ("en", "number", "What's the upper limit on tracked peers times slots per peer on the Vantrell NIC?",
     [DS], [r"262,?144"]),
    ("en", "number", "In the PathLedger paper, what bus bandwidth did PL get on the 256 MiB all-reduce?",
     [PAPER], [r"46\.3"]),
    ("en", "number", "p99 completion time of 64 KiB messages under oblivious spraying?",
     [PAPER], [r"(?<![\d.])187\s*" + US]),
    ("en", "number", "How big was the PathLedger gain on the 1 GiB all-reduce in the 256-accelerator cluster from the Chinese blog?",
     [BLOG], [r"9\.7\s*%|44\.1"]),
    ("en", "number", "which port does pl-agent expose its metrics on by default",
     [CONF], [r"9471"]),
    ("en", "number", "With the fixed NIC firmware, how often does the background decay sweep run?",
     [ISSUE, BLOG], [r"(?<![\d.])250\s*(?:ms\b|millisec\w*|\u6beb\u79d2)"]),
    ("en", "number", "How many hosts are there in each Halyard pod?",
     [FAQ], [r"(?<![\d.,])128(?![\d.,])"]),
    ("en", "name", "minimum NIC firmware for PathLedger 4.3?",
     [ISSUE, CONF, BLOG, FAQ], [r"5\.2\.0"]),
    ("en", "name", "Which VX-8200 part number is the single 800GbE port OCP card?",
     [DS], [r"VX8200-S8-OCP"]),
    ("en", "name", "which PR fixed the ledger collapse bug?",
     [ISSUE, CONF, BLOG], [r"(?<![\d.])231(?![\d.])"]),
    ("en", "name", "Who is the owner of PathLedger on Halyard, i.e. who do I contact when it misbehaves?",
     [FAQ], [r"\u5510\u82e5\u6eaa|Ruoxi\s+Tang|Tang\s+Ruoxi"]),
    ("en", "name", "What network OS do the Halyard switches run?",
     [PAPER], [r"ONX\s*4\.8"]),
    ("en", "definition", "what counts as a ledger collapse?",
     [PAPER, CONF], [r"(?<![\d.,])8(?![\d.,])|\beight\b|\u516b", r"eligible|\u53ef\u7528|\u5408\u683c|\u53ef\u9009"]),
    ("en", "definition", "what's CST?",
     [BLOG], [r"self-?heal|\u81ea\u6108"]),
    ("en", "mechanism", "Why did ledgers stay collapsed for minutes on firmware 5.1.6?",
     [ISSUE, BLOG], [r"wrap|\u56de\u7ed5|overflow|\u6ea2\u51fa", r"65\.5|16[- ]?bit"]),
    ("en", "mechanism", "How does PathLedger pick the EV for the next packet it sends to a peer?",
     [PAPER], [r"uniform|\u5747\u5300|equal probability|\u7b49\u6982\u7387",
               r"eligible|quarantin|below|threshold|\u53ef\u7528|\u9608\u503c|\u9694\u79bb"]),
    ("en", "mechanism", "collapse_action reseed vs reset - what's the difference?",
     [CONF, ISSUE], [r"fresh|new random|\u65b0\u7684|\u968f\u673a", r"quarantin|\u9694\u79bb"]),
    ("en", "procedure", "How can I switch PathLedger off on one host for a while?",
     [FAQ, CONF, ISSUE], [r"PL_DISABLE_LEDGER"]),
    ("en", "procedure", "We put in the half_life_us: 500 workaround on 4.2. What should we do with it once we're on 4.3.0?",
     [ISSUE, CONF, FAQ, BLOG], [r"remov|delet|drop|\u5220"]),
    ("en", "yesno", "Does PathLedger spray ROD traffic too?",
     [PAPER, FAQ, BLOG], [r"(?:one|single|fixed|\u4e00\u4e2a|\u56fa\u5b9a)\s*(?:EV|entropy)|only\s+(?:the\s+)?RUD|\u53ea\u6709\s*RUD"]),
    ("en", "yesno", "will the reseed change be backported to 4.2.x?",
     [ISSUE], [r"\bno\b|won't|will not|\u4e0d\u4f1a|\u6ca1\u6709", r"workaround|half_life|500|upgrade|firmware|\u56fa\u4ef6|\u89c4\u907f|\u4e34\u65f6"]),

    # ---------------- Chinese questions ----------------
    ("zh", "number", "论文里按 2 倍 BDP 算出来的窗口上限是多少？",
     [PAPER], [r"640\s*(?:KB|kB|千字节)"]),
    ("zh", "number", "VX-8200 不通电存放的温度范围？",
     [DS], [r"[\u2212\-\u2013]\s*40", r"(?<![\d.])85(?![\d.])"]),
    ("zh", "number", "Halyard 上包被 trim 之后还剩多大",
     [PAPER, FAQ], [r"(?<![\d.])88\s*(?:B\b|bytes?|\u5b57\u8282)"]),
    ("zh", "number", "PathLedger 给每个包在网卡发送路径上增加了多少时延？",
     [PAPER], [r"(?<![\d.])38\s*ns"]),
    ("zh", "number", "VX-8200 最多能同时开多少个 PDC",
     [DS], [r"131,?072"]),
    ("zh", "number", "半衰期设成 8 ms 时每小时 collapse 多少次？",
     [PAPER], [r"(?<![\d.,])112(?![\d.,])"]),
    ("zh", "number", "Halyard 的网卡固件现在是哪一版？",
     [FAQ], [r"5\.2\.1"]),
    ("zh", "number", "栖云集群用上 PathLedger 以后 trim 比例降到了多少",
     [BLOG], [r"0\.18\s*%"]),
    ("zh", "name", "Halyard 主机上装的网卡具体是哪个料号？",
     [FAQ], [r"VX8200-D4-FHC"]),
    ("zh", "name", "论文实验用的集合通信库叫什么",
     [PAPER, BLOG], [r"Anchorline"]),
    ("zh", "name", "Halyard 用的是什么交换机？",
     [PAPER], [r"OX-?5120"]),
    ("zh", "name", "PathLedger 出问题去哪个频道找人？",
     [FAQ], [r"halyard-fabric"]),
    ("zh", "definition", "EV 是啥",
     [PAPER, BLOG, DS], [r"entropy|\u71b5"]),
    ("zh", "definition", "PathLedger 里说一个 EV 被 quarantine 是什么意思？",
     [PAPER, CONF], [r"penalty|\u60e9\u7f5a", r"(?<![\d.,])6(?![\d.,])|threshold|\u9608\u503c|\u03b8"]),
    ("zh", "definition", "OBL 指什么？",
     [PAPER, BLOG], [r"oblivious|\u65e0\u8bb0\u5fc6|\u76f2"]),
    ("zh", "mechanism", "被隔离的 EV 是怎么重新被试用的？",
     [PAPER, CONF], [r"(?<![\d.])50\s*" + US + r"|probe_interval_us:\s*50", r"probe|\u63a2\u6d4b|data packet|\u6570\u636e\u5305"]),
    ("zh", "mechanism", "4.3.0 为什么把 collapse 之后的默认动作从 reset 改成了 reseed？",
     [ISSUE, BLOG, PAPER], [r"zero|clear|\u6e05\u96f6|\u6e05\u7a7a|\u5f52\u96f6", r"\bbad\b|broken|\u574f|\u6545\u969c"]),
    ("zh", "mechanism", "ledger 里的惩罚值是怎么衰减的？",
     [PAPER, CONF, ISSUE], [r"halv|half-?life|\u534a\u8870|\u51cf\u534a|2\s*\^", r"lazy|lazily|\u60f0\u6027|reads or updates|\u8bfb\u5199|\u8bbf\u95ee"]),
    ("zh", "procedure", "收到 ledger_collapse 告警以后第一步该干什么？",
     [FAQ], [r"plctl\s+stats"]),
    ("zh", "yesno", "VX8200-Q2-OCP 带传输加密吗？",
     [DS], [NO]),
]

# (lang, sort, question, probes) for unanswerable questions. sort: a = attribute never given for a described entity,
# b = instance that does not exist, c = condition the tables skip, d = UEC/networking topic no document covers,
# e = off-topic. Probes are regexes describing the missing fact; none may match any document.
UNANSWERABLE = [
    ("en", "a", "What's the MTBF of the VX-8200?",
     [r"MTBF", r"mean time between", r"\u5e73\u5747\u65e0\u6545\u969c", r"\d\s*FIT\b"]),
    ("en", "a", "how much does a VX8200-D4-FHC cost?",
     [r"\$\s*\d", r"\bUSD\b", r"\bprice", r"\u4ef7\u683c", r"\u7f8e\u5143", r"\u62a5\u4ef7"]),
    ("zh", "a", "OX-5120 交换机的包缓存有多大？",
     [r"(?:buffer|\u7f13\u5b58|\u7f13\u51b2)[^.\u3002]{0,40}\d+\s*(?:MB|MiB|GB|KB|KiB)",
      r"\d+\s*(?:MB|MiB)[^.\u3002]{0,30}(?:buffer|\u7f13\u5b58|\u7f13\u51b2)", r"packet buffer", r"\u5305\u7f13\u5b58"]),
    ("zh", "a", "PathLedger 是用什么编程语言写的？",
     [r"\bRust\b", r"C\+\+", r"\bGolang\b", r"written in", r"\bP4\b", r"lines of code", r"\u4ee3\u7801\u884c", r"\u7f16\u7a0b\u8bed\u8a00"]),
    ("zh", "a", "一张 VX-8200 卡有多重？",
     [r"\d+\s*(?:grams|\u514b)", r"\u91cd\u91cf", r"weighs", r"card weight", r"\bkg\b"]),
    ("en", "b", "What changed in PathLedger 4.4.0?",
     [r"4\.4\.\d", r"4\.4\.x", r"PathLedger 4\.4"]),
    ("en", "b", "What is the VX8200-Q2-FHC?",
     [r"Q2-FH", r"VX8200-Q2-FHC"]),
    ("en", "b", "What does Table 6 of the PathLedger paper show?",
     [r"Table\s*6", r"\u8868\s*6"]),
    ("zh", "b", "pathledger 的 issue #219 说的是什么问题？",
     [r"#\s*219", r"issue\s*219"]),
    ("zh", "b", "VX-8200 datasheet 的 Rev 1.3 改了哪些内容？",
     [r"Rev(?:ision)?\.?\s*1\.3", r"1\.3\s*\u7248"]),
    ("en", "c", "What bus bandwidth does PathLedger reach on a 64 MiB all-reduce?",
     [r"(?<![\d.])64\s*MiB"]),
    ("en", "c", "typical power of the VX-8200 in 1x800GbE mode?",
     [r"800\s*GbE[^.]{0,60}(?<![\d.])\d+(?:\.\d+)?\s*W\b", r"(?:typical|\u5178\u578b)[^.\u3002]{0,60}800\s*G"]),
    ("en", "c", "What's the p99 completion time for 1 MiB messages with PathLedger?",
     [r"(?<![\d.])1\s*MiB\s*messages", r"(?:p99|99th)[^.]{0,80}(?<![\d.])1\s*MiB"]),
    ("zh", "c", "半衰期设成 16 ms 的话稳态带宽是多少？",
     [r"(?<![\d.])16\s*ms"]),
    ("zh", "c", "4 MiB 消息下 ECMP 的 all-reduce 带宽是多少？",
     [r"(?<![\d.,])4\s*MiB"]),
    ("en", "d", "How does UET's TSS rotate its keys?",
     [r"key rotation", r"rotat", r"\u5bc6\u94a5", r"re-?key"]),
    ("en", "d", "What is the RUDI delivery mode for?",
     [r"RUDI", r"idempoten", r"\u5e42\u7b49"]),
    ("en", "d", "How does the UET libfabric provider map endpoints onto PDCs?",
     [r"libfabric", r"\bfi_\w+", r"\bofi\b"]),
    ("zh", "d", "CBFC 的 credit 是怎么计算和归还的？",
     [r"credit(?!-based)", r"\u4fe1\u7528", r"\u989d\u5ea6"]),
    ("zh", "d", "LLR 的重放缓冲区要配多大？",
     [r"replay", r"\u91cd\u653e", r"retry buffer"]),
    ("en", "e", "anyone have a good sourdough bread recipe?",
     [r"sourdough", r"\bflour\b", r"\u9762\u7c89", r"\bbread\b"]),
    ("en", "e", "Who won the 2022 football World Cup?",
     [r"World Cup", r"Argentina", r"\u4e16\u754c\u676f"]),
    ("en", "e", "How do I reset a forgotten BIOS password on my laptop?",
     [r"\bBIOS\b", r"\bCMOS\b"]),
    ("zh", "e", "明天上海天气怎么样？",
     [r"\u5929\u6c14", r"weather", r"\u6c14\u6e29", r"\u4e0a\u6d77"]),
    ("zh", "e", "Excel 里数据透视表怎么做？",
     [r"\bExcel\b", r"\u900f\u89c6\u8868", r"pivot"]),
    ("zh", "e", "推荐几本好看的科幻小说",
     [r"\u79d1\u5e7b", r"\u5c0f\u8bf4", r"science fiction", r"\bnovels?\b"]),
]


def split():
    rng = random.Random(SEED)
    items = [dict(lang=l, kind=k, question=q, expected=e, keys=ks, stratum=("A", l, k), group=("A", l))
             for l, k, q, e, ks in ANSWERABLE]
    items += [dict(lang=l, kind="unanswerable", question=q, expected=[], keys=[], probes=p,
                   stratum=("U", l, s), group=("U", l)) for l, s, q, p in UNANSWERABLE]
    strata = defaultdict(list)
    for it in items:
        strata[it["stratum"]].append(it)
    halves = {"t": [], "h": []}
    count = defaultdict(int)          # (half, group) -> n
    leftovers = []
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        n = len(group) // 2
        for it in group[:n]:
            halves["t"].append(it)
            count[("t", it["group"])] += 1
        for it in group[n:2 * n]:
            halves["h"].append(it)
            count[("h", it["group"])] += 1
        leftovers += group[2 * n:]
    rng.shuffle(leftovers)
    for it in sorted(leftovers, key=lambda x: x["group"]):
        t, h = count[("t", it["group"])], count[("h", it["group"])]
        side = "t" if t < h else "h" if h < t else rng.choice("th")
        halves[side].append(it)
        count[(side, it["group"])] += 1
    for side in halves:
        rng.shuffle(halves[side])
    return halves


def main():
    for lang, kind, q, exp, keys in ANSWERABLE:
        for k in keys:
            re.compile(k)
    halves = split()
    probes = {}
    prefix = {"t": "ppf-t", "h": "ppf-h"}
    for side, name in (("t", "qa_tune.jsonl"), ("h", "qa_holdout.jsonl")):
        lines = []
        for n, it in enumerate(halves[side], 1):
            qid = f"{prefix[side]}{n:03d}"
            lines.append(json.dumps({"id": qid, "question": it["question"], "lang": it["lang"],
                                     "expected": it["expected"], "keys": it["keys"], "kind": it["kind"]},
                                    ensure_ascii=False))
            if it["kind"] == "unanswerable":
                probes[qid] = it["probes"]
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "absent_probes.json").write_text(json.dumps(dict(sorted(probes.items())), ensure_ascii=False, indent=1)
                                             + "\n", encoding="utf-8")
    for side in ("t", "h"):
        h = halves[side]
        ans = sum(1 for it in h if it["kind"] != "unanswerable")
        print(f"{side}: {len(h)} questions, {ans} answerable, {len(h) - ans} unanswerable, "
              f"en {sum(it['lang'] == 'en' for it in h)}, zh {sum(it['lang'] == 'zh' for it in h)}")


if __name__ == "__main__":
    main()
