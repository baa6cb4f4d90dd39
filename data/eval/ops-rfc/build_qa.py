"""Master list of the ops-rfc questions and the split into qa_tune.jsonl / qa_holdout.jsonl.

    python3 data/eval/ops-rfc/build_qa.py

All 72 questions were written in one pass, before any answerer was run on them. The split is stratified:
answerable questions by (language, kind), unanswerable ones by (language, sort a-e); inside each stratum the
questions are shuffled with a fixed seed and dealt alternately to the two halves, each stratum starting with the
half that has fewer questions of its class (answerable / unanswerable), then fewer of that language. Ids are
given after the split (opr-t### / opr-h###, in a shuffled order). absent_probes.json receives, for every
unanswerable question, regexes that describe the missing fact; check_sets.py asserts that none matches a
document. This file holds the holdout questions: do not read it while tuning.
"""
import json
import pathlib
import random
from collections import Counter

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20260402

DRAFT = "draft-whitlock-uet-fpdp-03.txt"
GUIDE = "fpdd-install-ops-guide-zh.pdf"
MEET = "ops-weekly-2026-03-24-transcript-zh.md"
TICK = "lks-tickets-export-2026-04-02.md"
KB = "kb-0142-nic-firmware-fpdp.html"
MAN = "fpctl.1.txt"

# (question, lang, kind, expected, keys)
ANSWERABLE = [
    # ---- English questions
    ("which tcp port do FPDP agents listen on?", "en", "number", [DRAFT, GUIDE],
     [r"(?<!\d)7741(?!\d)"]),
    ("How big is the FPDP common header?", "en", "number", [DRAFT],
     [r"(?<![\d.])16[\s-]*(?:octets?|bytes?|字节)"]),
    ("what happens if an agent gets a TLV type it doesn't implement but the high bit of the type is set", "en",
     "mechanism", [DRAFT, KB],
     [r"ignor|skip|忽略|跳过"]),
    ("Which section of the fpdp draft says what an agent must do when applying an activated profile fails?",
     "en", "name", [DRAFT],
     [r"(?<![\d.])4\.5(?!\d)"]),
    ("If the controller goes away, do the agents fall back to their LKG profile?", "en", "yesno", [DRAFT, GUIDE],
     [r"\bno\b|\bnot\b|n't|不会", r"keep|continu|active profile|继续"]),
    ("what was the default heartbeat interval before draft -03?", "en", "number", [DRAFT],
     [r"(?<![\d.])5\s*(?:s\b|sec|seconds?|秒)"]),
    ("LKG profile?", "en", "definition", [DRAFT],
     [r"last[\s-]*known[\s-]*good", r"(?:two|2)\s+heartbeat|两个心跳"]),
    ("what happens to a push when fpctl hits its timeout", "en", "mechanism", [MAN],
     [r"continu|goes on|keeps? (?:going|running)|still running|继续", r"(?<![\d.])5(?![\d.])"]),
    ("env var to point fpctl at a different socket?", "en", "name", [MAN],
     [r"FPCTL_SOCKET"]),
    ("How do I stage a profile on a single pod and only switch it on later?", "en", "procedure", [MAN],
     [r"stage-only", r"fpctl\s+activate"]),
    ("What push ACK timeout is Larkspur actually running with now?", "en", "number", [TICK, KB],
     [r"(?<![\d.,])800(?!\d)"]),
    ("why did they bump the ack timeout on larkspur", "en", "mechanism", [TICK, KB],
     [r"(?<![\d.])620\s*(?:ms|毫秒)", r"CBFC|credit pool|信用池|re-?carv|buffer|缓冲"]),
    ("With the Larkspur timeout setting, how long until the controller gives up on an agent that never answers "
     "a PUSH?", "en", "number", [TICK],
     [r"24\.8\s*(?:s\b|sec|秒)"]),
    ("what spray width does the train partition end up with after all the back and forth?", "en", "number",
     [TICK, KB, MEET],
     [r"(?<![\d.])32(?![\d.])"]),
    ("Did pod-d get to keep spray width 64?", "en", "yesno", [TICK, MEET],
     [r"\bno\b|\bnot\b|won'?t fix|reject|不保留|没有|不"]),
    ("LLR replay timeout in the Larkspur profile?", "en", "number", [KB],
     [r"24,?000\s*(?:ns|纳秒|nano)"]),
    ("steps to flash new NIC firmware on one pod", "en", "procedure", [KB],
     [r"drain", r"pwflash", r"resync"]),
    ("how much memory does the fpdd server need", "en", "number", [GUIDE],
     [r"(?<![\d.])16\s*Gi?B"]),
    ("When does the daily fpdd profile backup run?", "en", "number", [GUIDE],
     [r"(?<!\d)0?2:30(?!\d)"]),
    ("which host do the fpdd backups get copied to?", "en", "name", [GUIDE],
     [r"lkbak-01"]),
    ("how do i do a planned switchover from lkmgmt-01 to lkmgmt-02", "en", "procedure", [GUIDE],
     [r"promote", r"\blag\b", r"systemctl\s+stop|stop fpdd|停止"]),
    ("max clock skew allowed between the two controllers?", "en", "number", [GUIDE],
     [r"(?<![\d.])50\s*ms"]),
    ("can I set heartbeat_interval_s to 1 so dead agents are detected faster?", "en", "yesno", [GUIDE, MEET],
     [r"\bno\b|\bnot\b|n't|不", r"(?<![\d.])7[03]\s*%"]),
    ("Storage partition trim threshold?", "en", "number", [MEET],
     [r"(?<![\d.])192(?!\d)"]),
    ("When is the fpdd 2.3.2 upgrade window?", "en", "number", [MEET],
     [r"April\s*7\b|\b7\s*April|4\s*月\s*7\s*[日号]|04-07",
      r"22:00|10\s*(?:pm|p\.m\.)|晚上十点|十点"]),
    ("When do pod-a and pod-b get PW-660 firmware 4.8.1?", "en", "number", [MEET, TICK],
     [r"April\s*14|14\s*April|4\s*月\s*14|04-14"]),
    # ---- Chinese questions
    ("NAK 原因码 7 叫啥", "zh", "name", [DRAFT, GUIDE, TICK, MEET],
     [r"STAGING[_ ]?FULL"]),
    ("SPRAY_WIDTH 这个 TLV 的 type 值是多少？", "zh", "number", [DRAFT, TICK],
     [r"0x24"]),
    ("FPDP 消息类型注册表里 0xF0-0xFE 这段留给什么用", "zh", "name", [DRAFT],
     [r"experimental|实验"]),
    ("草案里哪一节要求：有 agent 拒绝时，控制器要给其它已经 ACK 的 agent 发 WITHDRAW？", "zh", "name",
     [DRAFT, TICK, MEET],
     [r"(?<![\d.])4\.2(?!\d)"]),
    ("PW-680 网卡有几个 staging slot？", "zh", "number", [KB, TICK],
     [r"(?<![\d.×])4(?![\d.])|四个"]),
    ("fpctl status 里的 DRIFT 是什么意思", "zh", "definition", [KB, GUIDE],
     [r"differ|mismatch|不一致|不同|人工|by hand|manual"]),
    ("fpctl 返回 6 是什么情况", "zh", "definition", [MAN],
     [r"another push|in progress|epoch conflict|冲突|正在进行|另一"]),
    ("Pellworth 那边对接我们的 FAE 是谁？", "zh", "name", [TICK, KB],
     [r"Kowalczyk"]),
    ("为什么 rollback 会生成一个新的 epoch，而不是直接切回旧的 epoch 号？", "zh", "mechanism", [DRAFT, GUIDE, MAN],
     [r"STALE_EPOCH|stale|原因码\s*3|reason\s*3|不大于|not larger|只增不减|never goes down|forbid"]),
    ("FPDP 协议默认的 PUSH 应答超时是多少", "zh", "number", [DRAFT, GUIDE, TICK],
     [r"(?<![\d.,])500(?!\d)"]),
    ("4.8.0 固件能不能装？", "zh", "yesno", [KB, MEET],
     [r"withdrawn|撤回|不要装|do not|don'?t|别装|禁止|\bno\b"]),
    ("为啥失败后马上重推，pod-a 会回 NAK 7", "zh", "mechanism", [TICK, MEET],
     [r"WITHDRAW", r"(?:two|2|两)\s*个?\s*(?:staging\s*)?(?:slots?|槽)|30\s*(?:s\b|秒|sec)"]),
    ("RV-9400 上 trim 阈值设得太低会被改成多少", "zh", "number", [KB],
     [r"(?<![\d.])64\s*(?:KiB|KB|K\b)"]),
    ("fpctl history 默认列几条", "zh", "number", [MAN],
     [r"(?<![\d.])10(?![\d.])"]),
    ("fpdd 升级的顺序是怎样的", "zh", "procedure", [GUIDE, MEET],
     [r"standby", r"切换|failover|switch\s*over|promote"]),
    ("FAE 是什么", "zh", "definition", [KB],
     [r"field\s+application\s+engineer|现场应用工程师"]),
    ("证书快过期的告警现在提前多少天发？", "zh", "number", [TICK, MEET],
     [r"(?<![\d.])30\s*(?:天|days?)"]),
    ("pod-c 升级 4.8.1 谁负责", "zh", "name", [MEET, TICK],
     [r"邵明哲|Mingzhe"]),
    ("fpdd 一共要管多少个 agent", "zh", "number", [GUIDE, TICK, MEET],
     [r"1,?440"]),
    ("心跳改 1 秒那个，在 standby 上试的时候 CPU 实际到了多少？", "zh", "number", [MEET],
     [r"(?<![\d.])73\s*%"]),
]

# (question, lang, sort, probes)   sort: a attribute never given, b instance that does not exist,
# c condition the tables skip, d UEC/networking topic not covered, e off-topic
UNANSWERABLE = [
    ("What's the typical power draw of a PW-680 card?", "en", "a",
     [r"\bwatts?\b", r"功耗", r"power (?:draw|consumption)", r"(?<![\d.])\d+(?:\.\d+)?\s*W\b"]),
    ("what is lkmgmt-01's management IP address?", "en", "a",
     [r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"]),
    ("RV-9400 每台有多少个端口？", "zh", "a",
     [r"端口数", r"RV-9400.{0,80}\bports?\b", r"RV-9400.{0,60}个端口"]),
    ("fpdd 是拿什么语言写的", "zh", "a",
     [r"written in|implemented in|编写语言|开发语言|\bRust\b|Golang|C\+\+|\bPython\b"]),
    ("how much does a PW-660 NIC cost?", "en", "a",
     [r"\bprice\b|\bcosts?\b|USD|\$\s?\d|价格|售价"]),
    ("lkbak-01 备份服务器放在哪个机房？", "zh", "a",
     [r"机房|data\s*cent(?:er|re)|\brack\b|机柜"]),
    ("what's LKS-415 about", "en", "b",
     [r"LKS-415"]),
    ("草案第 9 节讲什么", "zh", "b",
     [r"(?<![\d.x])9\.\s+[A-Z][a-z]", r"Section 9\b|第\s*9\s*节"]),
    ("which firmware is pod-e running?", "en", "b",
     [r"pod-e\b"]),
    ("PW-660 固件 4.9.0 改了什么？", "zh", "b",
     [r"4\.9\.\d", r"(?<![\d.])4\.9\b"]),
    ("what does fpctl exit status 9 mean?", "en", "b",
     [r"exit (?:status|code) 9", r"(?<![\d.])9\s+(?:Success|Other|Wrong|fpdd|At least|Partial|Another|Agents)"]),
    ("How much did spray width 64 improve all-reduce for 256 MiB messages?", "en", "c",
     [r"256\s*MiB", r"MiB messages"]),
    ("RavOS 3.3 每个 PUSH 最多能带多少个 TLV？", "zh", "c",
     [r"RavOS 3\.3.{0,80}(?:TLV|staging|counter)"]),
    ("what rx_ooo_drop rate did the PW-680 pod show with spray width 64?", "en", "c",
     [r"(?:PW-680|pod-d)[^。.]{0,60}(?:\d+(?:\.\d+)?k?/s|每秒)", r"rx_ooo_drop[^。]{0,80}(?:PW-680|pod-d)"]),
    ("存储分区的 spray width 配的多少？", "zh", "c",
     [r"(?:存储分区|storage partition).{0,60}(?:spray|SPRAY_WIDTH)"]),
    ("How long does a PW-660 take to ACK a push that changes the CBFC credit pool?", "en", "c",
     [r"PW-660.{0,80}(?<![\d.])\d+\s*ms\b"]),
    ("How does the UET PDC establishment handshake work?", "en", "d",
     [r"PDC (?:setup|establish)|handshake.{0,40}PDC|建立\s*PDC"]),
    ("RCCC 跟 NSCC 有啥区别", "zh", "d",
     [r"RCCC", r"receiver[\s-]*(?:credit|based)"]),
    ("What cipher does TSS use to encrypt UET packets?", "en", "d",
     [r"\bTSS\b", r"\bAES\b", r"\bGCM\b"]),
    ("CBFC 的信用是怎么返还给发送端的？", "zh", "d",
     [r"credit return|信用返还|返还|归还"]),
    ("which FEC mode do the 400G links run", "en", "d",
     [r"\bFEC\b", r"RS\(544", r"前向纠错"]),
    ("whats a good hydration % for sourdough bread", "en", "e",
     [r"sourdough|hydration"]),
    ("北京到上海坐高铁要多久", "zh", "e",
     [r"高铁", r"北京", r"上海"]),
    ("how do I rebase my branch onto main in git?", "en", "e",
     [r"rebase", r"\bgit\b"]),
    ("推荐个好用的 Python 画图库", "zh", "e",
     [r"matplotlib", r"画图|绘图"]),
    ("明天天气怎么样", "zh", "e",
     [r"天气", r"weather"]),
]


def split(rng):
    items = [dict(question=q, lang=l, kind=k, expected=e, keys=ks, cls="ans", stratum=(l, k), probes=None)
             for q, l, k, e, ks in ANSWERABLE]
    items += [dict(question=q, lang=l, kind="unanswerable", expected=[], keys=[], cls="una", stratum=(l, s),
                   probes=p) for q, l, s, p in UNANSWERABLE]
    halves = {"t": [], "h": []}
    count = Counter()
    strata = sorted({(it["cls"], it["stratum"]) for it in items})
    for cls, stratum in strata:
        group = [it for it in items if it["cls"] == cls and it["stratum"] == stratum]
        rng.shuffle(group)
        lang = stratum[0]

        def order(h):
            return (count[(h, cls)], count[(h, cls, lang)], count[h])
        first = min(("t", "h"), key=lambda h: (order(h), rng.random()))
        second = "h" if first == "t" else "t"
        for i, it in enumerate(group):
            h = first if i % 2 == 0 else second
            halves[h].append(it)
            count[(h, cls)] += 1
            count[(h, cls, lang)] += 1
            count[h] += 1
    return halves


def main():
    rng = random.Random(SEED)
    halves = split(rng)
    probes = {}
    for tag, name in (("t", "qa_tune.jsonl"), ("h", "qa_holdout.jsonl")):
        rows = halves[tag]
        rng.shuffle(rows)
        with open(HERE / name, "w", encoding="utf-8") as f:
            for n, it in enumerate(rows, 1):
                qid = f"opr-{tag}{n:03d}"
                f.write(json.dumps({"id": qid, "question": it["question"], "lang": it["lang"],
                                    "expected": it["expected"], "keys": it["keys"], "kind": it["kind"]},
                                   ensure_ascii=False) + "\n")
                if it["probes"]:
                    probes[qid] = it["probes"]
        c = Counter((it["cls"], it["lang"]) for it in rows)
        print(f"{name}: {len(rows)} questions; {dict(sorted(c.items()))}")
    (HERE / "absent_probes.json").write_text(json.dumps(probes, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")


if __name__ == "__main__":
    main()
