"""Write ../docs/sedgemoor-glossary-bilingual.txt: a bilingual (English / Chinese) glossary and parameter sheet
with space-padded columns. Chinese characters count as two columns (East Asian width), so the columns line up in a
monospaced terminal font. Multi-line entries continue on the next lines with the first columns left blank.

    python3 data/eval/deck-wiki/source/make_glossary.py
"""
import pathlib
import unicodedata

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "sedgemoor-glossary-bilingual.txt"
WIDTHS = (20, 24, 30)  # TERM, 中文, SEDGEMOOR VALUE; NOTES / 说明 takes the rest

HEADER = """\
SEDGEMOOR FABRIC - BILINGUAL GLOSSARY AND PARAMETER SHEET
Sedgemoor 网络 中英术语与参数对照表
Sheet v0.7 | 2026-05-22 | Fabric Engineering, maintainer: Tadeusz Szlachta

Values are those in force on 2026-05-22. Where they differ from ACC-SFT-SPEC-0042 Issue 1.3,
this sheet wins until Issue 1.4 is published.
本表数值以 2026-05-22 为准；与规范 Issue 1.3 不一致之处，在 Issue 1.4 发布前以本表为准。
"""

# (term, chinese, [value lines], [note lines])
ENTRIES = [
    ("AI Base", "AI 基础配置", ["storage gateways only"], ["Solvair SV-2080 NICs; 存储网关专用"]),
    ("AI Full", "AI 完整配置", ["all compute NICs"], ["Solvair SV-3120; 所有计算节点网卡"]),
    ("CBFC", "基于信用的流控", ["NIC-facing links only", "1.25 MiB per VC"],
     ["PFC is off on these links", "这些链路上关闭 PFC"]),
    ("CBFC credit unit", "CBFC 信用单元", ["320 B"],
     ["one credit = 320 bytes of receive buffer", "一个信用对应 320 字节接收缓冲"]),
    ("CMS", "拥塞管理子层", ["NSCC + RCCC"], ["see NSCC, RCCC"]),
    ("drain window", "排空窗口", ["20 min"],
     ["time the scheduler lets running jobs finish", "before pod maintenance starts;",
      "维护开始前调度器等待作业结束的时间"]),
    ("EV", "熵值", ["96 per PDC"],
     ["since 2026-05-15, was 128 (spec 4.4.4.1)", "2026-05-15 起由 128 改为 96"]),
    ("EV exclusion", "熵值屏蔽", ["200 µs"],
     ["EV unused after a trim or an ECN-marked ACK", "收到裁剪或 ECN 标记后暂停使用该 EV"]),
    ("hot EV", "热点熵值", ["alarm only, no setting"],
     ["in sgmon: an EV that carries more than 5 %", "of its PDC's bytes in one 15 s sample;",
      "raises a spray-imbalance alarm.", "单个 EV 在一个采样周期内承载该 PDC", "超过 5% 的字节即触发喷洒不均告警"]),
    ("LLR", "链路层重传", ["replay timeout 3.35 µs"],
     ["KettleOS 11.4.3 default, kept by SGM-1219;", "spec Issue 1.3 still says 2.2 µs",
      "规范 1.3 版仍写 2.2 µs，以本表为准"]),
    ("NSCC", "发送端拥塞控制", ["target delay 6.75 µs"],
     ["SGM-1203, in force since 2026-04-28", "(was 9.5 µs) / 原值 9.5 µs"]),
    ("PDC", "包传递上下文", ["idle close 750 ms"], ["PDS state for one pair of endpoints"]),
    ("PDS", "包传递子层", ["-"], ["delivery modes RUD / ROD / RUDI / UUD"]),
    ("RCCC", "接收端信用拥塞控制", ["storage-gateway traffic only", "grant quantum 24 KiB"],
     ["not used between compute NICs", "计算节点之间不用"]),
    ("ROD", "可靠有序传递", ["job launcher, control"], ["needs ordering / 需要保序"]),
    ("RUD", "可靠无序传递", ["default"], ["collectives and RMA / 默认模式"]),
    ("RUDI", "幂等操作的可靠无序传递", ["checkpoint writes (SM4)"],
     ["idempotent: repeating an operation is", "harmless, so no duplicate tracking;",
      "幂等：重复执行无害，不跟踪重复包"]),
    ("SES", "语义子层", ["-"], ["eager / rendezvous, message matching"]),
    ("sgmon", "遥测采集器", ["15 s sampling"], ["receives NIC and switch counters over UUD"]),
    ("trim threshold", "裁剪阈值", ["288 KiB on 800G ports", "176 KiB on 400G ports"],
     ["800G value since 2026-04-14 (was 416 KiB)", "800G 端口 4 月 14 日起改为 288 KiB"]),
    ("TSS", "传输安全子层", ["AES-256-GCM, keys every 4 h"],
     ["one secure domain per tenant", "每个租户一个安全域"]),
    ("UUD", "不可靠无序传递", ["telemetry export only"], ["to sgmon; 只用于遥测导出"]),
]


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s, w):
    return s + " " * max(1, w - width(s))


def line(cols):
    out = "".join(pad(c, w) for c, w in zip(cols[:3], WIDTHS)) + cols[3]
    return out.rstrip()


def main():
    rows = [HEADER.rstrip("\n"), "", "=" * 112,
            line(["TERM", "中文", "SEDGEMOOR VALUE", "NOTES / 说明"]),
            line(["-" * (WIDTHS[0] - 2), "-" * (WIDTHS[1] - 2), "-" * (WIDTHS[2] - 2), "-" * 38])]
    for term, zh, values, notes in ENTRIES:
        n = max(len(values), len(notes))
        for i in range(n):
            rows.append(line([term if i == 0 else "", zh if i == 0 else "",
                              values[i] if i < len(values) else "", notes[i] if i < len(notes) else ""]))
    rows += ["=" * 112, "Questions about this sheet: #sedgemoor-fabric. 有问题请到 #sedgemoor-fabric 提。", ""]
    OUT.write_text("\n".join(rows), encoding="utf-8")
    print(f"wrote {OUT.name}: {len(rows)} lines")


if __name__ == "__main__":
    main()
