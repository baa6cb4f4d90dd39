"""Build qa_tune.jsonl, qa_holdout.jsonl and absent_probes.json of the deck-wiki set (standard library only).

All 72 questions are listed here, written in one pass before any answerer was run on them. The split is random
with a fixed seed, stratified by answerable/unanswerable, language and kind (unanswerable: language and sort), so
that each half gets 36 questions: 23 answerable + 13 unanswerable, 20 English + 16 Chinese.
The same seed gives the same files; do not renumber the output by hand.

    python3 data/eval/deck-wiki/build_qa.py
"""
import json
import pathlib
import random
import re
from collections import Counter, defaultdict

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20260522
PREFIX = "dkw"

SPEC = "sedgemoor-uet-profile-spec.pdf"
DECK = "sm-phase2-design-review-deck.pdf"
WIKI = "sm4-uet-readiness-confluence.html"
ZH = "sm-spraying-libfabric-notes-zh.md"
CHAT = "sedgemoor-fabric-irc-2026-05-12.txt"
GLOS = "sedgemoor-glossary-bilingual.txt"

US = r"\s*(?:µs|μs|us\b|usec|微秒|micro-?seconds?)"
KIB = r"\s*(?:KiB|KB|K\b|千字节)"

# (question, lang, expected, keys, kind)
ANSWERABLE = [
    # number
    ("whats the nscc target delay now", "en", [WIKI, GLOS], [r"(?<![\d.])6\.75" + US], "number"),
    ("LLR 重放超时现在设的多少？", "zh", [CHAT, GLOS], [r"(?<![\d.])3\.35" + US + r"|3,?350\s*ns"], "number"),
    ("trim threshold on the 800G ports?", "en", [DECK, WIKI, CHAT, GLOS], [r"(?<![\d.])288" + KIB], "number"),
    ("现在一个 PDC 喷洒用几个 EV", "zh", [ZH, GLOS], [r"(?<![\d.,])96(?![\d.,])"], "number"),
    ("trim threshhold for the 400g nic-facing ports", "en", [SPEC, DECK, WIKI, GLOS], [r"(?<![\d.])176" + KIB],
     "number"),
    ("eager limit on sedgemoor?", "en", [SPEC], [r"12,?288|(?<![\d.])12\s*KiB"], "number"),
    ("一块网卡至少要支持多少个并发 PDC", "zh", [SPEC, DECK], [r"6,?144"], "number"),
    ("pdc idle close timeout", "en", [SPEC, GLOS], [r"(?<![\d.])750\s*(?:ms|milli|毫秒)"], "number"),
    ("max retransmits before a pdc gets failed?", "en", [SPEC], [r"(?<![\d.])11(?![\d.])|eleven|十一"], "number"),
    ("RTO 最小能设到多少", "zh", [SPEC], [r"(?<![\d.])72" + US], "number"),
    ("at what queue depth do the switches start ecn marking", "en", [SPEC], [r"(?<![\d.])170" + KIB], "number"),
    ("被裁剪的包会被截成多少字节", "zh", [SPEC], [r"(?<![\d.])96\s*(?:bytes?|B\b|字节)"], "number"),
    ("TSS 密钥多久轮换一次", "zh", [SPEC, GLOS], [r"(?<![\d.])4\s*(?:h\b|hours?|小时|个小时)"], "number"),
    ("all-reduce 1gib busbw, uet vs the rocev2 baseline?", "en", [DECK],
     [r"(?<![\d.])347(?![\d.])", r"(?<![\d.])296(?![\d.])"], "number"),
    ("416K 阈值的时候 spine 端口每秒 trim 次数 p99 是多少", "zh", [DECK], [r"41,?000|4\.1\s*万"], "number"),
    ("how long does the sm4 burn-in have to run", "en", [WIKI], [r"(?<![\d.])96\s*(?:h\b|hours?|小时)"], "number"),
    ("3.8.14 固件的接收端重排缓冲能放多少个包", "zh", [ZH], [r"2,?560"], "number"),
    ("how many reorder buffer overflows a day did sm3 get with 128 evs", "en", [ZH], [r"(?<![\d.])37(?![\d.])"],
     "number"),
    ("how many bytes is one cbfc credit", "en", [GLOS], [r"(?<![\d.])320\s*(?:B\b|bytes?|字节)"], "number"),
    ("跨 super-spine 的空载 RTT 测出来是多少", "zh", [SPEC], [r"(?<![\d.])6\.3" + US], "number"),
    ("when does sm4 go live", "en", [DECK, WIKI, CHAT], [r"2026-05-25|25\s*May|May\s*25|5\s*月\s*25"], "number"),
    # name
    ("SM4 的 800G 光模块是哪家供应的", "zh", [DECK, WIKI, CHAT], [r"Tingzhou|汀洲"], "name"),
    ("who's the editor of the sedgemoor transport profile spec", "en", [SPEC], [r"Trask"], "name"),
    ("SM4 烧机谁负责", "zh", [WIKI], [r"Ferreira"], "name"),
    ("which ticket lowered the nscc target delay", "en", [WIKI, GLOS], [r"SGM-?1203"], "name"),
    ("what libfabric version are we on", "en", [ZH], [r"2\.1\.0"], "name"),
    ("换下来的那个坏光模块序列号是多少", "zh", [CHAT], [r"TZ24K0917"], "name"),
    ("which kettleos release made 3.35us the llr default", "en", [CHAT, GLOS], [r"11\.4\.3"], "name"),
    ("which solvair advisory covers the rudi duplicate completion bug", "en", [WIKI, ZH], [r"SA-?2026-?07"], "name"),
    # definition
    ("what's rudi", "en", [SPEC, GLOS], [r"idempot|幂等"], "definition"),
    ("hot EV 是啥意思", "zh", [GLOS], [r"(?<![\d.])5\s*%"], "definition"),
    ("drain window?", "en", [GLOS], [r"(?<![\d.])20\s*(?:min|minutes?|分钟)"], "definition"),
    ("UUD 在我们集群里拿来干嘛", "zh", [SPEC, ZH, GLOS], [r"telemetry|遥测|sgmon"], "definition"),
    # mechanism
    ("what happens after a switch trims a packet", "en", [SPEC], [r"NACK", r"retransmi|resend|重传|重发"],
     "mechanism"),
    ("为啥 EV 从 128 降到 96 了", "zh", [ZH], [r"重排|reorder", r"溢出|overflow"], "mechanism"),
    ("why did they drop the 800g trim threshold", "en", [DECK], [r"(?<![\d.])19" + US], "mechanism"),
    ("why do the storage gatways run ai base and not ai full", "en", [SPEC], [r"SV-?2080"], "mechanism"),
    ("两端 profile 不一样的时候 PDC 怎么协商", "zh", [SPEC], [r"AI\s*Base|基础"], "mechanism"),
    # procedure
    ("how do i roll back sm4 if the go-live goes wrong", "en", [WIKI], [r"drain|排空", r"ai-base|AI Base"],
     "procedure"),
    ("libfabric 里怎么把 EV 数配成 96", "zh", [ZH], [r"FI_SVX_EV_COUNT"], "procedure"),
    ("how do i check what llr timeout a kettleby leaf is actually running", "en", [CHAT],
     [r"show\s+running-config"], "procedure"),
    ("sm3-lf-17 那个口 llr 重放很多，最后怎么处理的", "zh", [CHAT],
     [r"optic|module|transceiver|光模块|模块", r"swap|replac|更换|换"], "procedure"),
    # yesno
    ("is pfc still on for links that run cbfc?", "en", [SPEC, DECK, GLOS],
     [r"\bno\b|\bnot\b|disabled|\boff\b|不|关闭|禁用"], "yesno"),
    ("现在 checkpoint 写入可以走 RUDI 了吗", "zh", [ZH], [r"SM4", r"3\.9\.2"], "yesno"),
    ("存储网关的流量用 RCCC 吗", "zh", [SPEC, DECK, GLOS], [r"\byes\b|是的|对的|对，|启用|enabled|会用|使用|only|只用于"], "yesno"),
    ("can i set FI_SVX_EV_COUNT above 96 on 3.8.14?", "en", [ZH],
     [r"\bno\b|\bnot\b|don'?t|shouldn'?t|不要|不能|不可以"], "yesno"),
]

# (question, lang, sort, probes): sort a = attribute never given, b = instance that does not exist,
# c = condition the documents skip, d = UEC topic no document covers, e = off-topic
WATTS = r"(?<![\w.])\d+(?:\.\d+)?\s*(?:W|watts?|瓦)\b"
UNANSWERABLE = [
    ("how much power does the sv-3120 nic draw", "en", "a", [WATTS, r"power (?:draw|consumption)|功耗"]),
    ("KX-5160 交换机一台多少钱？", "zh", "a", [r"price|USD|EUR|\$\s*\d|价格|售价|美元|报价"]),
    ("whats henrietta trask's phone number", "en", "a", [r"phone|tel(?:ephone)?\s*[.:]|电话|\+\d{1,3}[\s-]\d"]),
    ("汀洲那款 TZ-8D4 光模块功耗多少瓦", "zh", "a", [WATTS, r"功耗|power (?:draw|consumption)"]),
    ("how big is the packet buffer on the kx-5160", "en", "a",
     [r"(?:packet|shared|switch|on-chip) buffer", r"KX-?5160[^.\n]{0,80}(?:buffer|MiB|MB)\b", r"缓存"]),
    ("Sedgemoor 集群放在哪个城市的机房", "zh", "a",
     [r"城市|机房|数据中心|data ?cent(?:er|re)|located in|campus|building"]),
    ("what nic firmware is pod SM6 running?", "en", "b", [r"\bSM[5-9]\b"]),
    ("sm2-lf-31 这台 leaf 上周 LLR 重放了多少次", "zh", "b", [r"lf-(?:2[5-9]|[3-9]\d)"]),
    ("what does clause 4.4.5 of the profile spec require", "en", "b", [r"\b4\.4\.5\b"]),
    ("SGM-1250 这个单是干嘛的", "zh", "b", [r"SGM-?1250"]),
    ("what changed in solvair firmware 3.10?", "en", "b", [r"\b3\.10\b", r"\b3\.1\d\.\d"]),
    ("trim threshold for 200G ports?", "en", "c", [r"(?<![\d.,])200\s*G"]),
    ("256MB 消息的 all-reduce 总线带宽是多少", "zh", "c", [r"256\s*Mi?B"]),
    ("all-to-all bus bandwidth at 4 MiB messages on uet?", "en", "c", [r"(?<![\d.,])4\s*MiB"]),
    ("SM3 上用 112 个 EV 时乱序比例多少", "zh", "c", [r"(?<![\d.,])112(?![\d.,])"]),
    ("存储网关烧机要跑多少小时", "zh", "c",
     [r"gateway[^.\n]{0,80}burn", r"burn[^.\n]{0,80}gateway", r"网关[^。\n]{0,40}烧机", r"烧机[^。\n]{0,40}网关"]),
    ("how does uet handle multicast?", "en", "d", [r"multicast|in-network collective|组播|\bINC\b"]),
    ("UET 链路协商时 LLDP 扩展里带哪些字段", "zh", "d", [r"LLDP"]),
    ("what does the uec spec say about 1.6T links", "en", "d", [r"1\.6\s*T(?:b|\b)"]),
    ("UET 的 deferrable send 是怎么工作的", "zh", "d", [r"deferr|延迟发送|可延迟"]),
    ("how does uet work with sr-iov virtual functions", "en", "d", [r"SR-?IOV|virtual function|虚拟功能"]),
    ("good recipe for mushroom risotto?", "en", "e", [r"risotto|arborio|mushroom"]),
    ("明天上海天气怎么样", "zh", "e", [r"天气|weather|气温|上海"]),
    ("how do i center a div in css", "en", "e", [r"center a div|居中|align-items"]),
    ("推荐几本好看的科幻小说", "zh", "e", [r"科幻|science fiction|novel|小说"]),
    ("what's the capital of australia", "en", "e", [r"canberra|australia|澳大利亚|堪培拉"]),
]


def items():
    out = []
    for q, lang, expected, keys, kind in ANSWERABLE:
        out.append({"question": q, "lang": lang, "expected": expected, "keys": keys, "kind": kind,
                    "_stratum": ("A", lang, kind), "_group": ("A", lang), "_probes": None})
    for q, lang, sort, probes in UNANSWERABLE:
        out.append({"question": q, "lang": lang, "expected": [], "keys": [], "kind": "unanswerable",
                    "_stratum": ("U", lang, sort), "_group": ("U", lang), "_probes": probes})
    return out


def split(all_items, rng):
    strata = defaultdict(list)
    for it in all_items:
        strata[it["_stratum"]].append(it)
    halves = {"t": [], "h": []}
    group_count = Counter()
    for key in sorted(strata):
        members = strata[key][:]
        rng.shuffle(members)
        in_stratum = Counter()
        for it in members:
            def load(h):
                return (in_stratum[h], group_count[(h, it["_group"])], len(halves[h]))
            lt, lh = load("t"), load("h")
            half = "t" if lt < lh else "h" if lh < lt else rng.choice("th")
            halves[half].append(it)
            in_stratum[half] += 1
            group_count[(half, it["_group"])] += 1
    return halves


def main():
    all_items = items()
    assert len(all_items) == 72, len(all_items)
    for it in all_items:
        for k in it["keys"] + (it["_probes"] or []):
            re.compile(k)
    rng = random.Random(SEED)
    halves = split(all_items, rng)
    probes = {}
    for tag, fname in (("t", "qa_tune.jsonl"), ("h", "qa_holdout.jsonl")):
        members = halves[tag]
        rng.shuffle(members)
        assert len(members) == 36, (tag, len(members))
        lines = []
        for n, it in enumerate(members, 1):
            qid = f"{PREFIX}-{tag}{n:03d}"
            rec = {"id": qid, "question": it["question"], "lang": it["lang"], "expected": it["expected"],
                   "keys": it["keys"], "kind": it["kind"]}
            lines.append(json.dumps(rec, ensure_ascii=False))
            if it["_probes"]:
                probes[qid] = it["_probes"]
        (HERE / fname).write_text("\n".join(lines) + "\n", encoding="utf-8")
        c = Counter((it["kind"] == "unanswerable", it["lang"]) for it in members)
        print(f"{fname}: {len(members)} questions; answerable en/zh {c[(False, 'en')]}/{c[(False, 'zh')]},"
              f" unanswerable en/zh {c[(True, 'en')]}/{c[(True, 'zh')]}")
    ordered = dict(sorted(probes.items(), key=lambda kv: (kv[0][4], kv[0])))
    (HERE / "absent_probes.json").write_text(json.dumps(ordered, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")


if __name__ == "__main__":
    main()
