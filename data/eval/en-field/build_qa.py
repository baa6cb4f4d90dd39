"""Build the en-field question sets (standard library only).

    python3 data/eval/en-field/build_qa.py

Writes, next to this script:
  qa_tune.jsonl      ids enf-t001 ...   (may be used to develop and tune the answerer)
  qa_holdout.jsonl   ids enf-h001 ...   (only evaluated, never used for tuning)
  absent_probes.json {id: [regex, ...]} for every unanswerable question

All questions were written in one pass, before any answerer was run on them. The split is random with a fixed
seed, stratified by answerable/unanswerable, kind and language: within each (lang, answerable, kind) group the
questions are shuffled and dealt alternately to the two splits, the alternation carrying over from one group to
the next (groups in sorted order, all English groups first), so that the two halves have (almost) the same size
and the same number of English and Chinese questions. Re-running the script gives the same files.

Documents live in docs/ (paths in "expected" are relative to it). Keys are Python regexes that must ALL match a
correct answer (re.search, case-insensitive). For unanswerable questions "probes" are regexes describing the
missing fact; data/eval/check_sets.py asserts that none of them matches any document of the set.
"""
import json
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20251020
PREFIX = "enf"

PDF = "osprey-commissioning-report.pdf"
PM = "incident-postmortem-INC-4471.md"
FORUM = "osprey-faq-forum-thread.txt"
DS = "nic-datasheet.html"
INV = "fabric-inventory.txt"
QUIZ = "uet-training-quiz.md"
CR = "change-requests.txt"

US = r"(?:µs|μs|us|microsec)"  # micro sign, Greek mu, ASCII


def A(question, lang, kind, expected, keys):
    return {"question": question, "lang": lang, "kind": kind, "expected": expected, "keys": keys}


def U(question, lang, probes):
    return {"question": question, "lang": lang, "kind": "unanswerable", "expected": [], "keys": [],
            "probes": probes}


QUESTIONS = [
    # ------------------------------------------------------------------ answerable, English
    A("Osprey LLR timeout?", "en", "number",
      [PDF, FORUM, CR, INV, QUIZ], [rf"2\.5\s*{US}"]),
    A("how many EVs per PDC are we spraying over on osprey these days?", "en", "number",
      [PDF, PM, FORUM, INV, QUIZ, CR], [r"(?<![\d,.])96\b(?![.,]\d)"]),
    A("What's the hardware maximum number of PDCs a Merlin card can hold?", "en", "number",
      [DS, PDF], [r"65,?536"]),
    A("I get EAGAIN on PDC allocation at job startup. How many PDCs can one libfabric endpoint hold by default?",
      "en", "number", [FORUM], [r"(?<![\d,.])2,?048\b"]),
    A("pds.rto_initial - what does Osprey run, and what is the vendor default?", "en", "number",
      [PDF, CR], [rf"\b120\s*{US}", rf"\b200\s*{US}"]),
    A("What bus bandwidth did the 1 GiB all-reduce across the whole cluster reach in commissioning?", "en", "number",
      [PDF, PM], [r"46\.2\s*GB/s"]),
    A("Trim ratio in the 32:1 incast run with EV recycling on?", "en", "number",
      [PDF], [r"\b1\.8\s*%"]),
    A("How long was the impact window of INC-4471?", "en", "number",
      [PM], [r"(?:3\s*h(?:ours?|rs?)?,?\s*(?:and\s*)?41\s*m|221\s*min)"]),
    A("How many jobs actually died in INC-4471, as opposed to just running slow?", "en", "number",
      [PM], [r"(?<![\d,.])37\b(?![.,]\d)"]),
    A("Which NIC firmware release broke spraying in September?", "en", "name",
      [PM, CR, INV], [r"3\.4\.0"]),
    A("Who was incident commander for INC-4471?", "en", "name",
      [PM], [r"Lindqvist"]),
    A("What commands did they run to restore the entropy setting on the affected NICs during the September incident?",
      "en", "procedure", [PM], [r"tvnctl\s+config\s+set\s+pds\.entropy\.count", r"pdc\s+reset"]),
    A("Typical power draw of the air-cooled single-port TN-4410?", "en", "number",
      [DS], [r"\b28\s*W\b"]),
    A("Ordering code for the liquid-cooled Merlin NIC?", "en", "name",
      [DS, PDF, INV], [r"TN4410-1PO-L"]),
    A("mgmt IP of the R07 leaf?", "en", "number",
      [INV], [r"10\.41\.0\.17\b"]),
    A("Which leaf switch was swapped under RMA during commissioning, and on what date?", "en", "name",
      [PDF, INV, CR], [r"lf07", r"(?:2025-08-04|\b4 Aug(?:ust)?,? 2025|Aug(?:ust)? 4,? 2025)"]),
    A("BGP ASN of the rack 12 leaf?", "en", "number",
      [INV], [r"65112"]),
    A("What's a PDC?", "en", "definition",
      [PDF, QUIZ, DS], [r"packet\s+delivery\s+context"]),
    A("RUDI - what is it and how does it differ from RUD?", "en", "definition",
      [PDF, QUIZ], [r"idempot|more than once|safely be repeated"]),
    A("Explain packet trimming in a sentence or two.", "en", "definition",
      [PDF, QUIZ], [r"header", r"NACK|retransmi"]),
    A("Why doesn't ROD traffic get sprayed across paths?", "en", "mechanism",
      [PDF, FORUM, QUIZ], [r"(?:single|one|same)\s+(?:entropy|EV\b|path)", r"order"]),
    A("What does NSCC actually look at when it decides to shrink the window?", "en", "mechanism",
      [PDF, QUIZ, DS], [r"ECN", r"queu\w*\s+delay|RTT|round[- ]trip|delay"]),
    A("With EV recycling on trim enabled, what happens to the EV of a packet that got trimmed?", "en", "mechanism",
      [PDF], [rf"500\s*{US}", r"(?:different|another|new|other)\s+(?:EV|entropy)"]),
    A("Is PFC turned on anywhere on the Osprey back-end?", "en", "yesno",
      [PDF, INV], [r"\bno\b|disabled|\boff\b|not (?:enabled|used|turned on)"]),
    A("Do all Osprey tenants get TSS encryption?", "en", "yesno",
      [PDF, QUIZ, INV, CR], [r"\bP2\b", r"\bP3\b"]),
    A("TSS key rotation interval on Osprey?", "en", "number",
      [PDF, CR, INV], [r"\b12\s*h(?:ours?|rs?)?\b|every 12|twice (?:a|per) day"]),
    A("ECN marking thresholds on the Osprey switches (Kmin/Kmax)?", "en", "number",
      [PDF, INV, CR], [r"\b150\s*Ki?B", r"\b600\s*Ki?B"]),
    A("Which libfabric provider do Osprey jobs load?", "en", "name",
      [PDF, FORUM, DS], [r"tvnuet"]),
    A("When a spine was powered off under load in commissioning, how long did traffic stall?", "en", "number",
      [PDF, INV], [r"\b1\.9\s*ms"]),
    A("How do I verify link-level retry is running on a NIC port?", "en", "procedure",
      [QUIZ], [r"tvnctl\s+port\s+show\s+llr", r"llr_state"]),
    A("Was the CBFC trial extended beyond R05/R06?", "en", "yesno",
      [PDF, CR], [r"reject\w*|\bno\b|not (?:been |yet )?extended", r"3\.5"]),
    # ------------------------------------------------------------------ answerable, Chinese
    A("Osprey 上 NSCC 的目标排队时延设的是多少？", "zh", "number",
      [PDF, CR], [rf"7\.5\s*(?:{US}|微秒)"]),
    A("INC-4471 期间一共有多少个训练作业受到影响？", "zh", "number",
      [PM], [r"(?<![\d,.])212\b(?![.,]\d)"]),
    A("TN-4410 风冷单口版的最大功耗是多少瓦？", "zh", "number",
      [DS], [r"\b41\s*(?:W\b|瓦)"]),
    A("Osprey 的 spine 交换机是什么型号？", "zh", "name",
      [PDF, INV], [r"BX-5128S"]),
    A("空闲的 PDC 多久会被关闭？", "zh", "number",
      [PDF, QUIZ], [r"\b250\s*(?:ms|毫秒)"]),
    A("CBFC 是什么意思？", "zh", "definition",
      [PDF, QUIZ, DS], [r"credit|信用|信贷|额度", r"flow control|流控|流量控制"]),
    A("CBFC 试点放在哪几个机柜？", "zh", "name",
      [PDF, INV, CR, QUIZ], [r"R05", r"R06"]),
    A("128:1 incast 测试的 trim 比例是多少？", "zh", "number",
      [PDF], [r"\b6\.7\s*%"]),
    A("怎么在节点上检查 packet spraying 有没有生效？", "zh", "procedure",
      [PDF, FORUM, PM], [r"tvnctl\s+pdc\s+show", r"ev_in_use"]),
    A("为什么 Osprey 把每个 PDC 的熵值数量从默认值调高了？", "zh", "mechanism",
      [PDF, CR], [r"polari[sz]|uneven|imbalanc|不均衡?|极化|29\.4\s*GB/s"]),
    A("Osprey 的 spine 交换机上开启了 packet trimming 吗？", "zh", "yesno",
      [PDF, FORUM, INV], [r"\byes\b|是的|启用|enabled|all 24|both|也开|同样"]),
    A("3.4.0 固件那次一共升级了多少块网卡？", "zh", "number",
      [PM, CR], [r"(?<![\d,.])192\b(?![.,]\d)"]),
    A("INC-4471 最早是被哪条告警发现的？", "zh", "name",
      [PM], [r"TrimRatioHigh"]),
    # ------------------------------------------------------------------ unanswerable, English
    # (a) near-miss attribute of a real entity
    U("How much does a TN-4410 card weigh?", "en",
      [r"\bweigh", r"\b\d+(?:\.\d+)?\s*(?:grams?|kg)\b"]),
    U("What MTBF does Tervana quote for the Merlin NIC?", "en",
      [r"MTBF", r"mean time between failures?", r"FIT rate"]),
    U("What's the power draw of a BX-5128S spine switch?", "en",
      [r"BX-5128S.{0,400}?\b\d[\d,.]*\s*(?:W|kW|watts?)\b"]),
    U("List price of a TN4410-1PO-A?", "en",
      [r"\bprice", r"\bUSD\b", r"\bEUR\b", r"US\$", r"€", r"£"]),
    U("What is the power budget in kW for rack R13?", "en",
      [r"\bkW\b", r"power budget", r"R13.{0,200}?\b\d[\d,.]*\s*(?:kW|W)\b"]),
    U("What BGP hold timer do the Osprey spines use?", "en",
      [r"hold[- ]?(?:timer|time)\b", r"keepalive"]),
    # (b) non-existent instance
    U("Which leaf switch serves rack R19?", "en",
      [r"\bR19\b", r"lf19\b"]),
    U("Give me a summary of INC-4472.", "en",
      [r"INC-4472"]),
    U("What's the status of CR-1299?", "en",
      [r"CR-1299"]),
    U("Management IP of osp-sp9?", "en",
      [r"sp9\b", r"sp09\b", r"10\.41\.0\.109\b"]),
    # (c) condition not covered
    U("All-reduce bus bandwidth at 2 GiB message size during commissioning?", "en",
      [r"\b2\s*GiB", r"2,?048\s*MiB"]),
    U("What trim ratio did a 64:1 incast produce?", "en",
      [r"\b64\s*:\s*1\b", r"64-to-1"]),
    U("Unidirectional bandwidth between two NICs with 8 MiB messages?", "en",
      [r"\b8\s*MiB"]),
    # (d) plausible UEC question the documents do not cover
    U("How much is the annual UEC membership fee for a contributor company?", "en",
      [r"membership", r"\bfees?\b", r"annual(?:ly)? (?:dues|subscription)"]),
    U("Do the Brannock switches do in-network reduction for all-reduce on Osprey?", "en",
      [r"in-network (?:collective|reduction|comput|aggregat)", r"\bSHARP\b",
       r"switch(?:-based)? (?:reduction|aggregation)"]),
    U("Which CRC polynomial protects the UET header?", "en",
      [r"polynomial", r"\bICRC\b"]),
    # (e) off-topic: technical and everyday
    U("Recommended priority for a standby InfiniBand subnet manager?", "en",
      [r"InfiniBand", r"subnet manager", r"OpenSM"]),
    U("Any tips for baking banana bread?", "en",
      [r"banana", r"\bbak(?:e|ing)\b"]),
    # ------------------------------------------------------------------ unanswerable, Chinese
    U("CR-1187 是哪天批准的？", "zh",
      [r"approved (?:on|at)", r"approval date", r"date (?:of )?approv", r"批准"]),
    U("OSP-T41 测了什么，结果如何？", "zh",
      [r"T41\b"]),
    U("TN4410-2QD-L 的典型功耗是多少？", "zh",
      [r"2QD-L"]),
    U("256 个 rank 的 all-to-all 吞吐是多少？", "zh",
      [r"\b256[- ]ranks?\b", r"256-rank"]),
    U("UEC 1.0 规范是哪天正式发布的？", "zh",
      [r"(?:UEC|Ultra Ethernet)\s+(?:1\.0|specification)",
       r"(?:spec|specification)\b.{0,80}?(?:released|published|publication)"]),
    U("UET 的 SES 支持哪些原子操作？", "zh",
      [r"atomic", r"原子"]),
    U("今天 Linthwaite 天气怎么样？", "zh",
      [r"weather", r"forecast", r"天气"]),
    U("Kubernetes 默认的 pod CIDR 是多少？", "zh",
      [r"Kubernetes", r"pod CIDR", r"\bk8s\b"]),
]


def split(questions, seed=SEED):
    rng = random.Random(seed)
    groups = {}
    for q in questions:
        key = (q["lang"], q["kind"] == "unanswerable", q["kind"])
        groups.setdefault(key, []).append(q)
    halves = ([], [])
    turn = 0
    for key in sorted(groups):
        group = list(groups[key])
        rng.shuffle(group)
        for q in group:
            halves[turn].append(q)
            turn ^= 1
    for half in halves:
        rng.shuffle(half)
    return halves


def main():
    questions = [dict(q) for q in QUESTIONS]
    seen = set()
    for q in questions:
        assert q["question"] not in seen, q["question"]
        seen.add(q["question"])
        assert q["lang"] in ("en", "zh")
        if q["kind"] == "unanswerable":
            assert not q["expected"] and not q["keys"] and q["probes"]
        else:
            assert q["expected"] and q["keys"]
    tune, holdout = split(questions)
    probes = {}
    for name, tag, half in (("qa_tune.jsonl", "t", tune), ("qa_holdout.jsonl", "h", holdout)):
        lines = []
        for n, q in enumerate(half, 1):
            qid = f"{PREFIX}-{tag}{n:03d}"
            row = {"id": qid, "question": q["question"], "lang": q["lang"], "expected": q["expected"],
                   "keys": q["keys"], "kind": q["kind"]}
            lines.append(json.dumps(row, ensure_ascii=False))
            if q["kind"] == "unanswerable":
                probes[qid] = q["probes"]
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "absent_probes.json").write_text(json.dumps(probes, ensure_ascii=False, indent=1) + "\n",
                                             encoding="utf-8")
    for name, half in (("qa_tune.jsonl", tune), ("qa_holdout.jsonl", holdout)):
        una = sum(q["kind"] == "unanswerable" for q in half)
        zh = sum(q["lang"] == "zh" for q in half)
        print(f"{name}: {len(half)} questions, {len(half) - una} answerable, {una} unanswerable, "
              f"{len(half) - zh} en, {zh} zh")


if __name__ == "__main__":
    main()
