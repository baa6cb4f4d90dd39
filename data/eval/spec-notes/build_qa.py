"""Build the spec-notes question set (standard library only).

    python3 data/eval/spec-notes/build_qa.py

Holds the master list of all questions (both halves) and writes qa_tune.jsonl, qa_holdout.jsonl and
absent_probes.json next to this script. The split is random with a fixed seed, stratified by
answerable/unanswerable, language and kind; ids are assigned by the split (spn-t### / spn-h###).
This file contains the holdout questions: do not read it while tuning an answerer.
"""
import json
import pathlib
import random
import re
from collections import defaultdict

HERE = pathlib.Path(__file__).resolve().parent
SEED = 20251107

SPEC = "grd-spec.pdf"
NOTES = "grd-reading-notes-zh.md"
ABBR = "abbrev-zh.md"
ERR = "grd-errata.txt"
PLUG = "grd-interop-plugfest.html"
INTV = "grd-design-rationale-interview.md"

US = "(?:\u00b5s|\u03bcs|us\\b|microsec\\w*|\u5fae\u79d2)"   # µs (micro sign), μs (Greek mu), us, 微秒

# (lang, kind, question, expected, keys) for answerable questions
ANSWERABLE = [
    # ---------------- English questions ----------------
    ("en", "number", "How wide is the group ID field in the GRD multicast header?",
     [SPEC, NOTES, ABBR, INTV], [r"(?<![\d.])24(?![\d.])|twenty-four"]),
    ("en", "number", "At what bit offset does the GSN start in the GMH?",
     [SPEC], [r"(?<![\d.])56(?![\d.])"]),
    ("en", "number", "What generator polynomial does the GMH header check use?",
     [SPEC], [r"8BB7"]),
    ("en", "number", "Max number of designated repairers a group can have?",
     [SPEC, NOTES, ABBR, INTV], [r"(?<![\d.x])4(?![\d.])|four|\u56db"]),
    ("en", "number", "default straggler limit timer",
     [SPEC, NOTES], [r"(?<![\d.])2\s*ms\b"]),
    ("en", "number", "What SLT does the draft recommend for a fabric with three switching tiers?",
     [SPEC], [r"(?<![\d.])5\s*ms\b"]),
    ("en", "name", "What error code does a member report when it gets a packet from an old epoch after the grace period?",
     [SPEC, ERR, NOTES, PLUG], [r"0x12\b"]),
    ("en", "number", "Which range of GRD error codes is set aside for vendor-specific use?",
     [SPEC], [r"0xE0", r"0xFF"]),
    ("en", "mechanism", "What happens if a joining member's T_join runs out?",
     [SPEC, NOTES], [r"CLOSED|\u5173\u95ed", r"0x21|JOIN_TIMEOUT"]),
    ("en", "procedure", "What must a receiver do when a GRD data packet arrives with its payload trimmed?",
     [SPEC, NOTES, ABBR, PLUG], [r"GNAK", r"immediate|at once|without wait|right away|\u7acb\u5373|\u7acb\u523b|\u4e0d\u7b49"]),
    ("en", "number", "How many loss ranges fit in one GNAK?",
     [SPEC, NOTES, ABBR], [r"(?<![\d.])8(?![\d.])(?!\s*(?:\u00b5s|\u03bcs|us\b))|eight|\u516b"]),
    ("en", "number", "After an epoch advance, for how long are packets of the previous epoch still accepted by default?",
     [SPEC, NOTES], [r"(?<![\d.])1\s*ms\b"]),
    ("en", "name", "Which clause of MIWG-TS-017 deals with stragglers?",
     [SPEC, NOTES], [r"7\.4"]),
    ("en", "number", "What's the default MAK coalescing count?",
     [ERR, NOTES], [r"(?<![\d.])8(?![\d.])(?!\s*(?:\u00b5s|\u03bcs|us\b|\u5fae\u79d2))|eight|\u516b"]),
    ("en", "number", "GRD join timeout default (with the errata applied)?",
     [ERR, NOTES], [r"250\s*ms\b"]),
    ("en", "name", "What Type value does an AMAK use?",
     [NOTES, SPEC], [r"0x0?5\b"]),
    ("en", "number", "How much did the ack gathering function reduce ack traffic on the notes author's FPGA prototype?",
     [NOTES], [r"(?<![\dx.])29(?![\d.])"]),
    ("en", "name", "Which GRD conformance class is the reading-notes author's team building first?",
     [NOTES], [r"Basic"]),
    ("en", "number", "What reorder grace does the notes author intend to try on his three-tier fabric?",
     [NOTES], [r"(?<![\d.])12\s*" + US]),
    ("en", "number", "How many test cells passed at GRD plugfest #2?",
     [PLUG], [r"(?<![\dx.])31(?![\d.])"]),
    ("en", "mechanism", "Why did the Fernwick members fall back to the source during the DRP repair test at the plugfest?",
     [PLUG, ERR, NOTES], [r"(?<![\d.])40\s*" + US, r"47|58|round[- ]?trip|\u5f80\u8fd4"]),
    ("en", "name", "What was GRD's working name before Draft 0.7?",
     [INTV], [r"Fanfare"]),
    ("en", "mechanism", "Why did the editors drop FEC in favour of retransmission?",
     [INTV], [r"overhead|bandwidth|\u5e26\u5bbd|\u5f00\u9500",
              r"rare|burst|latency|block|decod|\u65f6\u5ef6|\u5ef6\u8fdf|\u7a81\u53d1"]),
    ("en", "yesno", "Can one GRD group have several concurrent senders?",
     [SPEC, NOTES, INTV], [r"\bno\b|\bnot\b|only one|single|exactly one|one source|\u4e0d\u80fd|\u53ea\u6709\u4e00\u4e2a|\u53ea\u80fd"]),
    ("en", "definition", "What's a GDC?",
     [SPEC, ABBR], [r"group delivery context|\u7ec4\u6295\u9012\u4e0a\u4e0b\u6587"]),
    ("en", "mechanism", "Which CGSN does an aggregated ack report to the source?",
     [SPEC, NOTES, ABBR, INTV, PLUG], [r"min|lowest|smallest|slowest|\u6700\u5c0f|\u6700\u4f4e"]),
    ("en", "number", "How long may an AGF hold on to a MAK at most?",
     [SPEC, NOTES, ERR], [r"(?<![\d.])4\s*" + US]),
    # ---------------- Chinese questions ----------------
    ("zh", "number", "GMH 头一共多长？",
     [SPEC, NOTES, ABBR, INTV], [r"(?<![\d.])128(?![\d.])|(?<![\d.])16\s*(?:\u5b57\u8282|bytes?\b|octets?\b|B\b)"]),
    ("zh", "number", "reorder grace 默认多少",
     [SPEC, NOTES, PLUG], [r"(?<![\d.])5\s*" + US]),
    ("zh", "number", "GRD 的 repair timeout 现在默认是多少？",
     [ERR, NOTES], [r"(?<![\d.])60\s*" + US]),
    ("zh", "number", "GRD_WIN_MAX 可以配的范围？",
     [SPEC, NOTES], [r"(?<![\d.])16(?![\d.])", r"8,?192"]),
    ("zh", "name", "同一个 gap 的 GNAK 重发次数用完之后，member 进入哪个状态？",
     [SPEC, NOTES], [r"QUARANTIN|\u9694\u79bb"]),
    ("zh", "number", "一个 AMAK 默认最多合并几个 MAK？",
     [SPEC, NOTES], [r"(?<![\d.x])32(?![\d.])"]),
    ("zh", "mechanism", "Status 不为 0 的 MAK 到了 AGF 怎么处理？",
     [ERR, NOTES, INTV, PLUG],
     [r"\u5355\u72ec|individual|on its own|separately|bypass|not aggregate|"
      r"\u4e0d(?:\u80fd|\u8bb8|\u5f97|\u4f1a)?(?:\u88ab)?(?:\u5408\u5e76|\u805a\u5408)"]),
    ("zh", "name", "plugfest 上 HCS 算错的是哪家厂商？",
     [PLUG], [r"Sable\s*Peak|SP-31|vendor\s*C\b|\u5382\u5546\s*C\b|\bC\s*\u5382\u5546"]),
    ("zh", "name", "GRD 第二次 plugfest 在哪里举办的？",
     [PLUG, ERR, INTV], [r"Ravensmoor"]),
    ("zh", "number", "GRD Draft 1.0 计划什么时候投票？",
     [INTV], [r"February|Feb\b|(?<!\d)2\s*\u6708|2026-02"]),
    ("zh", "definition", "PMB 是什么？",
     [ABBR], [r"pacing member|\u8282\u62cd\u6210\u5458"]),
    ("zh", "definition", "RJF 是啥",
     [ABBR], [r"rejoin|\u91cd\u65b0\u52a0\u5165"]),
    ("zh", "definition", "GRT 指什么",
     [ABBR], [r"replication table|\u590d\u5236\u8868"]),
    ("zh", "mechanism", "GSN 是每个 member 各一套，还是整个组共用一套？",
     [SPEC, NOTES, ABBR, INTV],
     [r"per[- ]group|shared|\u5171\u4eab|\u540c\u4e00|one (?:GSN|sequence) space|single (?:GSN|sequence)|"
      r"\u7ec4\u7ea7|\u6bcf\u7ec4\u4e00\u5957|\u6bcf\u4e2a\u7ec4\u4e00\u5957"]),
    ("zh", "name", "epoch advance 是 spec 哪一条（clause）规定的？",
     [SPEC, NOTES], [r"4\.3\.2\.1"]),
    ("zh", "number", "连续错过几个 heartbeat 之后 GDC 会被释放？",
     [SPEC, NOTES, PLUG], [r"(?<![\d.x])3(?![\d.])|three|\u4e09"]),
    ("zh", "procedure", "member 检测到丢包后，GNAK 应该发给谁？",
     [SPEC, NOTES], [r"\bRH\b|Repair Hint|\u4fee\u590d\u63d0\u793a", r"source|\u6e90|0xFFF"]),
    ("zh", "mechanism", "为什么每个组的 DRP 上限定成 4 个？",
     [INTV], [r"spine|plane|\u5e73\u9762"]),
    ("zh", "yesno", "勘误有没有把 GRD_MAX_MEMBERS 的默认值改成 512？",
     [ERR, NOTES], [r"(?<![\d.])256(?![\d.])",
      r"\u5426|\u62d2|\u9a73\u56de|reject|\bno\b|\bnot\b|\u4ecd|\u8fd8\u662f|\u4fdd\u6301|\u672a|\u4e0d\u53d8|\u6ca1\u6539|\u6ca1\u6709\u6539|remain|stay"]),
]

# (lang, question, probes) for unanswerable questions; the probes describe the missing fact
UNANSWERABLE = [
    # ---------------- English ----------------
    ("en", "How much power does the Sable Peak SP-31 draw?",
     [r"\bwatts?\b", r"(?-i:\d\s?W\b)", "\u529f\u8017"]),
    ("en", "What port speed does the Quillon QN-880 switch support?",
     [r"\d+\s*(?:Gb/s|Gbps|GbE|G\b)", r"(?<![\dx])\d+\s*[x\u00d7]\s*\d+\s*G(?:b/s|bE|bps)?\b"]),
    ("en", "What initial value (seed) does the HCS CRC start from?",
     [r"(?:HCS|CRC)[^.\u3002]{0,40}(?:initial|seed|preset|\u521d\u59cb\u503c|\u521d\u503c)",
      r"(?:initial|seed|preset|\u521d\u59cb\u503c|\u521d\u503c)[^.\u3002]{0,40}(?:HCS|CRC)"]),
    ("en", "How many engineers attended GRD plugfest #2?",
     [r"\d+\s+(?:attendees|engineers|participants|people|persons)",
      r"(?:attendees|participants|attendance)\W{1,3}\d+"]),
    ("en", "What does erratum ER-09-014 change?",
     [r"ER-09-014"]),
    ("en", "What does GRD error code 0x27 mean?",
     [r"0x27\b"]),
    ("en", "What's in Annex D of the GRD draft?",
     [r"Annex\s+D\b"]),
    ("en", "What does requirement GRD-R-095 say?",
     [r"GRD-R-095"]),
    ("en", "Default value of GRD_FEC_BLOCK?",
     [r"GRD_FEC"]),
    ("en", "What was decided at the GRD errata review call on 28 November 2025?",
     [r"(?:call|meeting|review) (?:of|on) 28 November", r"28 November 2025\W{1,5}(?:decid|agree|resolv)",
      r"\u56de\u987e|11\s*\u6708\s*28"]),
    ("en", "Recommended GRD_WIN_MAX for groups bigger than 1,024 members?",
     [r"1,?024\s*(?:members|\u6210\u5458)", r"(?:larger|bigger|more) than 1,?024"]),
    ("en", "Which libfabric calls create a GRD group?",
     [r"libfabric", r"\bfi_\w+"]),
    ("en", "Does GRD work over UET's ROD delivery mode?",
     [r"\bROD\b", r"reliable ordered"]),
    ("en", "What LLR replay timeout should be configured for links carrying GRD traffic?",
     [r"\bLLR\b", r"link[- ]level retry"]),
    ("en", "What SES opcode does a GRD send map to?",
     [r"\bSES\b", r"semantic sublayer", r"opcode"]),
    ("en", "best way to descale a kettle?",
     [r"descal", r"kettle", r"limescale", r"vinegar"]),
    # ---------------- Chinese ----------------
    ("zh", "Ingrid Vasquez-Holm 的邮箱地址是多少？",
     [r"[\w.+-]+@[\w-]+\.[a-z]{2,}"]),
    ("zh", "AMAK 里那个 count 字段有多少位？",
     [r"AMAK[^.\u3002|]{0,80}?\d+\s*(?:bits?|\u4f4d|\u6bd4\u7279)"]),
    ("zh", "IOP-19 测的是什么？",
     [r"IOP-19"]),
    ("zh", "GRD Draft 0.6 是哪天发布的？",
     [r"(?:Draft|\u8349\u6848)\s*0\.6"]),
    ("zh", "plugfest 上 64 个成员的组测试结果怎么样？",
     [r"64[- ]?(?:member|\u6210\u5458|\u4e2a\u6210\u5458)"]),
    ("zh", "800G 链路上 GRD_WIN_MAX 建议设多少？",
     [r"800\s*G"]),
    ("zh", "GRD 流量应该走哪个 CBFC 信用类？",
     [r"CBFC", r"credit[- ]based", "\u4fe1\u7528"]),
    ("zh", "NSCC 和 GRD 的节拍成员机制怎么配合？",
     [r"NSCC", r"network[- ]signal"]),
    ("zh", "GRD 在 UEC 的 AI Full profile 里是必选的吗？",
     [r"AI[ -]?(?:Base|Full)", r"\bprofiles?\b"]),
    ("zh", "北京到上海坐高铁要多久？",
     ["\u9ad8\u94c1", "\u5317\u4eac", "\u4e0a\u6d77"]),
]


def literal(pattern):
    """Write \\uXXXX escapes of the source as the characters themselves (same regex, readable JSON)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), pattern)


def main():
    rng = random.Random(SEED)
    items = [dict(lang=l, kind=k, question=q, expected=e, keys=[literal(x) for x in ks], probes=None)
             for l, k, q, e, ks in ANSWERABLE]
    items += [dict(lang=l, kind="unanswerable", question=q, expected=[], keys=[], probes=[literal(x) for x in p])
              for l, q, p in UNANSWERABLE]
    groups = defaultdict(list)
    for it in items:
        groups[(it["kind"] == "unanswerable", it["lang"], it["kind"])].append(it)
    halves = {"t": [], "h": []}
    for g in sorted(groups):
        members = groups[g][:]
        rng.shuffle(members)
        # an odd group gives its extra question to the half with fewer questions of this kind,
        # then to the half with fewer questions overall, then at random
        score = {t: (sum(1 for it in halves[t] if it["kind"] == g[2]), len(halves[t])) for t in "th"}
        if score["t"] == score["h"]:
            first = rng.choice("th")
        else:
            first = "t" if score["t"] < score["h"] else "h"
        second = "h" if first == "t" else "t"
        for i, it in enumerate(members):
            halves[first if i % 2 == 0 else second].append(it)
    probes = {}
    for tag, name in (("t", "qa_tune.jsonl"), ("h", "qa_holdout.jsonl")):
        lst = halves[tag]
        rng.shuffle(lst)
        with open(HERE / name, "w", encoding="utf-8") as f:
            for n, it in enumerate(lst, 1):
                qid = f"spn-{tag}{n:03d}"
                rec = {"id": qid, "question": it["question"], "lang": it["lang"], "expected": it["expected"],
                       "keys": it["keys"], "kind": it["kind"]}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                if it["probes"]:
                    probes[qid] = it["probes"]
    with open(HERE / "absent_probes.json", "w", encoding="utf-8") as f:
        json.dump(probes, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    for tag in "th":
        lst = halves[tag]
        ans = sum(1 for it in lst if it["kind"] != "unanswerable")
        print(f"{tag}: {len(lst)} questions, {ans} answerable, {len(lst) - ans} unanswerable, "
              f"en {sum(1 for it in lst if it['lang'] == 'en')}, zh {sum(1 for it in lst if it['lang'] == 'zh')}")


if __name__ == "__main__":
    main()
