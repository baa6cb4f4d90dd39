"""Write the QA files of the two evaluation sets from the master lists below (standard library only).

All questions were written here, in one pass, before any answerer was run on them. The script splits each
set into qa_tune.jsonl and qa_holdout.jsonl with a fixed seed, stratified by (answerable, kind, language),
and writes <set>/absent_probes.json: for every unanswerable question, regexes that must NOT match any
document of its set (checked by check_sets.py).

    python3 data/eval/build_qa.py
"""
import json
import pathlib
import random
from collections import defaultdict

HERE = pathlib.Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------
# en-mixed
R = "kestrel-pilot-report.pdf"
E = "kestrel-params-email-thread.txt"
S = "design-review-3-slides.md"
A = "feg-abbreviations.html"
C = "kfm-agent.conf.reference.txt"
B = "rb-07-trimming-and-llr-runbook.html"
L = "kfm-CHANGELOG.txt"

# (lang, kind, question, expected, keys)            unanswerable: (lang, "unanswerable", question, [], [], probes)
EN_MIXED = [
    # --- topology / inventory
    ("en", "number", "How many spine switches are in the Kestrel fabric?", [R], [r"\b16\b"]),
    ("zh", "number", "Kestrel 一共有多少台交换机？", [R, E], [r"\b80\b"]),
    ("zh", "number", "TS-5128 每台交换机有多少共享包缓冲？", [R], [r"96\s*MiB"]),
    ("en", "name", "Which switch OS version did the leaves run at the end of the pilot?", [R], [r"9\.2\.1"]),
    ("en", "number", "Longest leaf-to-spine fibre run?", [R, E], [r"58\s*m"]),
    ("en", "number", "Which UDP destination port carries UET in the Kestrel pilot?", [R, C], [r"4793"]),
    ("zh", "number", "试点里 UET 报文用的 UDP 目的端口是多少？", [R, C], [r"4793"]),
    ("en", "name", "Which UET profile were the NICs running during the pilot?", [R, C, A], [r"AI[ _]Full"]),
    ("en", "mechanism", "Why wasn't the HPC profile evaluated?", [R, A], [r"(?:firmware|not implement|not supported)"]),
    # --- PDS parameters and the email thread
    ("en", "number", "What did they set the packet delivery context pool to per NIC?", [R, E, C, A], [r"8,?192"]),
    ("en", "number", "What's the vendor default size of the PDC pool?", [R, E, C], [r"4,?096"]),
    ("en", "number", "What is the maximum number of packet delivery contexts an HX-400 can hold?", [E, C], [r"16,?384"]),
    ("zh", "number", "HX-400 上每个 PDC 占多少片上内存？", [E], [r"2\s*KiB"]),
    ("en", "number", "How many retransmission attempts per packet were finally agreed for the pilot?", [R, E, C], [r"\b(?:7|seven)\b"]),
    ("zh", "number", "最后定下来每个包最多重传几次？", [R, E, C], [r"(?:\b7\b|seven|七)"]),
    ("zh", "number", "HX-400 默认的重传次数是几次？", [R, E], [r"(?:\b5\b|five|五)"]),
    ("en", "number", "What retry count was first proposed in the thread about the retry budget?", [E, R], [r"\b(?:12|twelve)\b"]),
    ("en", "mechanism", "Why did they give up on a 32 µs RTO floor?", [E, R], [r"(?:tick|spurious)"]),
    ("zh", "number", "Corvane 建议 3.4.x 固件上 RTO 下限不要低于多少？", [E], [r"50\s*(?:us|µs|微秒)"]),
    ("en", "number", "What minimum retransmission timeout did the pilot end up with?", [R, E, C, A], [r"64\s*(?:us|µs)"]),
    ("en", "number", "Initial retransmission timeout in the pilot?", [R, E, C], [r"256\s*(?:us|µs)"]),
    ("en", "number", "How long is the worst case from first send to error report with 7 attempts?", [R, E], [r"24\s*ms"]),
    ("en", "name", "Who forwarded Corvane's support answer to the fabric list?", [E], [r"(?:Tomasz|Brzezinski)"]),
    ("en", "name", "Which change reference covered the 16 September parameter push?", [E], [r"CAB-2025-0412"]),
    ("en", "name", "What was the configuration snapshot taken before the September push called?", [E, L], [r"kfm-cfg-2025-09-15-pre"]),
    ("en", "name", "Whose NIC failed to accept the new configuration during the 16 Sep change?", [E], [r"n143"]),
    ("zh", "number", "厂商实验室验证 2 µs 重放超时时，光纤长度最长到多少？", [E], [r"100\s*m"]),
    ("en", "name", "Who owned the rollback for the September change?", [E], [r"(?:Tomasz|Brzezinski)"]),
    ("en", "number", "When exactly was the window for the parameter change?", [E], [r"16 Sep", r"06:00"]),
    ("en", "name", "What is Corvane's internal defect reference for the double-counted ECN marks?", [E], [r"FW-7731"]),
    ("en", "number", "On how many nodes did burn-in run out of PDCs?", [E], [r"\b11\b"]),
    ("en", "number", "What's the ACK coalescing setting?", [R, E, C, A], [r"\b16\b", r"4\s*(?:us|µs)"]),
    # --- congestion management
    ("zh", "number", "NSCC 目标排队时延设的是多少？", [R, E, C], [r"\b6\s*(?:us|µs|微秒)"]),
    ("en", "number", "What P99 small-message latency through a spine did they see with the default 10 µs NSCC target?", [E, R], [r"4\.6"]),
    ("zh", "number", "ECN 上门限（Kmax）的厂商默认值是多少？", [R], [r"1,?500\s*KiB"]),
    ("en", "number", "At what queue depth do the switches start trimming?", [R, S], [r"(?:1,?536\s*KiB|1\.5\s*MiB)"]),
    ("zh", "number", "被裁剪后的包有多长？", [R], [r"128\s*(?:B|bytes|字节)"]),
    ("en", "name", "Which traffic class do trimmed packets go to?", [R, S], [r"TC6"]),
    ("zh", "number", "TC1 对应哪个 DSCP 值？", [R], [r"\b26\b"]),
    ("en", "number", "How much DWRR weight does the checkpoint class get?", [R], [r"20\s*%"]),
    ("zh", "number", "每个 PDC 喷洒时轮流用多少个熵值？", [R, S, C, A], [r"\b128\b"]),
    ("en", "number", "How long is an entropy value avoided after a loss on its path?", [R, C], [r"\b4\s*ms"]),
    ("en", "number", "What all-reduce bandwidth did plain single-path ECMP give instead of spraying?", [R], [r"31\.7"]),
    ("zh", "mechanism", "设计评审为什么否掉了 flowlet 方案？", [S], [r"(?:50\s*µs|coarse|太粗)"]),
    ("en", "mechanism", "How did firmware 3.5.1 fix the NSCC/RCCC double rate cut?", [R], [r"defer"]),
    ("en", "number", "What initial credit does a burst-buffer receiver grant under RCCC?", [R, C], [r"64\s*KiB"]),
    # --- link layer
    ("zh", "number", "Kestrel 上 LLR 的重放超时设成多少？", [R, E], [r"2(?:\.0)?\s*(?:us|µs|微秒)"]),
    ("en", "number", "How big is the LLR replay buffer per port?", [R, E], [r"384\s*KiB"]),
    ("en", "mechanism", "Why was the LLR replay timeout raised above the vendor default?", [R, E], [r"(?:58\s*m|longest|false)"]),
    ("en", "number", "What credit unit did CBFC use during the rail 7 trial?", [R], [r"256\s*(?:B|bytes)"]),
    ("en", "yesno", "Was CBFC kept on after the trial?", [R], [r"(?:switched off|disabled|not enable|\bno\b)"]),
    ("en", "yesno", "Is PFC used anywhere in Kestrel?", [R, S, A], [r"(?:disabled|\boff\b|\bno\b)"]),
    # --- security
    ("en", "name", "What cipher does TSS use on Kestrel?", [R, A], [r"GCM"]),
    ("zh", "number", "试点中 TSS 密钥多久轮换一次？", [R, C], [r"24\s*(?:h|hours|小时)"]),
    ("en", "number", "How long does a TSS key rotation stall checkpoint traffic?", [R], [r"40\s*ms"]),
    ("en", "number", "What throughput did encryption cost?", [R], [r"1\.8\s*%"]),
    # --- results
    ("en", "number", "All-reduce bus bandwidth at 1 GiB on all 2,048 ranks?", [R], [r"46\.1"]),
    ("en", "number", "P99 one-way latency for 4 KiB through a spine?", [R], [r"4\.4"]),
    ("en", "number", "What weak-scaling efficiency was measured at 1,024 accelerators?", [R], [r"97\.5"]),
    ("en", "number", "Heron-70B tokens per second on 512 accelerators?", [R], [r"302,?900"]),
    ("zh", "number", "拔掉一条 leaf–spine 链路后多久恢复满吞吐？", [R], [r"1\.6\s*ms"]),
    ("en", "number", "How long did the restart from checkpoint take after a leaf was powered off?", [R], [r"7\s*min\s*0?5"]),
    ("en", "number", "What peak queue depth was recorded on leaf L30?", [R], [r"1,?784"]),
    ("zh", "number", "L23 这台 leaf 在试点期间一共记录了多少次 LLR 重放？", [R], [r"68,?412"]),
    ("en", "number", "When was the bad optic on L23 port 57 swapped?", [R], [r"2 Oct"]),
    ("zh", "number", "写一次完整的 Heron-70B checkpoint 平均用了多少秒？", [R], [r"97\s*(?:s|秒)"]),
    ("en", "number", "How many burst-buffer nodes does the report recommend for Kestrel-2?", [R], [r"\b24\b"]),
    ("en", "name", "Which firmware fixed the double-counted ECN marks?", [R, E], [r"3\.5\.1"]),
    ("en", "number", "What's the rendezvous threshold in the pilot configuration?", [R], [r"\b64\b"]),
    ("en", "number", "How wide is the selective-ACK bitmap on Kestrel?", [R, A], [r"\b256\b"]),
    # --- design review slides
    ("zh", "number", "第三次设计评审的投票结果是怎样的？", [S], [r"\b5\b", r"(?:abstention|abstain|弃权)"]),
    ("en", "name", "Who chaired design review #3?", [S], [r"Greaves"]),
    ("zh", "procedure", "喷洒是按什么顺序在各个 rail 上推开的？", [S], [r"rail 0", r"1.{0,3}3", r"4.{0,3}7"]),
    ("en", "number", "How many PFC storms did Osprey suffer in 2024?", [S], [r"\b(?:3|three)\b"]),
    ("en", "number", "What max/min uplink load ratio did the simulator give with 64 entropy values?", [S], [r"1\.31"]),
    # --- abbreviations
    ("zh", "definition", "GTS 是什么意思？", [A], [r"(?:golden test suite|黄金测试)"]),
    ("en", "number", "How many checks are in the golden test suite?", [A], [r"\b41\b"]),
    ("zh", "definition", "PRR 是什么？", [A], [r"(?:post-run review|运行后复盘)"]),
    ("en", "definition", "What does RUDI stand for?", [R, A], [r"unordered", r"idempotent"]),
    ("en", "definition", "What's PDC?", [R, A], [r"packet delivery context"]),
    ("zh", "number", "Kestrel 的维护窗口是什么时间？", [A], [r"(?:Tue|周二|星期二)", r"(?:Thu|周四|星期四)", r"06:00"]),
    ("en", "number", "At what depth does the SQD panel alert?", [A], [r"1,?200\s*KiB"]),
    # --- agent config
    ("zh", "number", "agent 的 gRPC 控制端口是多少？", [C], [r"7311"]),
    ("en", "number", "What's the fabric manager REST API port?", [R, C], [r"8443"]),
    ("en", "number", "How often does the node agent sample NIC counters?", [R, C, S], [r"\b250\b"]),
    ("en", "number", "At what PDC pool occupancy does the agent warn?", [C], [r"\b85\b"]),
    ("en", "number", "How long does the agent wait after boot before its first push?", [C], [r"\b15\b"]),
    # --- runbook
    ("en", "number", "What trim rate pages the on-call engineer?", [B, C], [r"\b1(?:\.0)?\s*%", r"5\s*(?:consecutive\s+)?min"]),
    ("en", "procedure", "In RB-07, what is the step right before draining the port?", [B], [r"classif"]),
    ("en", "procedure", "Walk me through the RB-07 procedure in order.", [B], [r"acknowledg", r"drain", r"undrain"]),
    ("zh", "name", "RB-07 里 30 分钟还没定位要升级给谁？", [B], [r"(?:duty manager|值班经理)"]),
    ("en", "mechanism", "Why was the replay page threshold raised to 10,000 per minute?", [B], [r"(?:night|failure-injection)"]),
    # --- changelog
    ("zh", "name", "哪个 kfm 版本修了 JobID 泄漏？", [L, R], [r"1\.8\.2"]),
    ("en", "name", "Which kfm release introduced one secure domain per job?", [L], [r"1\.8\.0"]),
    ("en", "number", "What will the default heartbeat become in kfm 1.9.0?", [L], [r"200\s*ms"]),
    ("zh", "number", "kfm 分配的 JobID 范围是多少到多少？", [R, A, L], [r"4,?096", r"61,?439"]),

    # --- added non-number questions (same writing pass)
    ("en", "yesno", "Did the pilot meet its checkpoint-time criterion?", [R], [r"(?:\bno\b|not met|missed|97\s*s)"]),
    ("en", "yesno", "Do the switches need any new feature to support packet spraying?", [S], [r"(?:nothing new|ordinary ECMP|\bno\b)"]),
    ("en", "mechanism", "How is a trimmed packet recovered faster than by a timeout?", [R, S, A, E], [r"NACK"]),
    ("en", "mechanism", "Why will Kestrel-2 give every accelerator two NIC ports?", [R], [r"(?:plane|ranks?\b)"]),
    ("en", "procedure", "What has to happen after an optic is repaired, before the port goes back into service?", [B], [r"(?:burst load|blt)", r"undrain"]),
    ("en", "definition", "What is BLT?", [A, B], [r"burst load test"]),
    ("en", "name", "Which Corvane engineer answered the support case?", [E], [r"(?:Dara|Lindqvist)"]),
    ("zh", "yesno", "LLR 重放有没有升级成端到端重传？", [R], [r"(?:\bnever\b|no LLR replay|从未|不曾)"]),
    ("en", "mechanism", "How does a packet that is never acknowledged end up as an error in NCCL?", [R], [r"SES", r"(?:completion|libfabric)"]),

    # --- unanswerable (verified absent with the probes)
    ("en", "unanswerable", "What price did the lab pay per Tessellate TS-5128 switch?", [], [],
     [r"\$\s*\d", r"\bUSD\b", r"€", r"\bprice"]),
    ("en", "unanswerable", "How many accelerators fit in one rack of Kestrel-2?", [], [], [r"\brack"]),
    ("en", "unanswerable", "How many bytes is the UET header on Kestrel?", [], [],
     [r"header (?:size|length)", r"header is \d+", r"\d+[- ]byte header"]),
    ("en", "unanswerable", "What Ethernet MTU does the Osprey cluster use?", [], [], [r"Osprey.{0,200}MTU", r"MTU.{0,200}Osprey"]),
    ("en", "unanswerable", "Who is NCL's account manager at Tessellate?", [], [], [r"account manager"]),
    ("en", "unanswerable", "What was the median one-way latency for a 16 KiB message?", [], [],
     [r"16 KiB.{0,80}(?:latency|µs)", r"(?:latency|µs).{0,80}16 KiB"]),
    ("en", "unanswerable", "How many Slurm partitions are configured on Kestrel?", [], [], [r"partition"]),
    ("en", "unanswerable", "What all-to-all bandwidth did Kestrel reach at 512 ranks?", [], [],
     [r"all-to-all[^.]{0,60}512 ranks", r"512 ranks[^.]{0,60}all-to-all"]),
    ("en", "unanswerable", "How many optical modules had to be replaced during burn-in?", [], [],
     [r"burn-in.{0,100}optics? (?:were|was) replaced", r"optics? (?:were|was) replaced.{0,60}burn-in", r"\d+ (?:optics|optical modules).{0,30}replaced"]),
    ("en", "unanswerable", "How many secure domains will firmware 3.6.0 support?", [], [],
     [r"3\.6\.0.{0,120}secure domain", r"secure domain.{0,120}3\.6\.0"]),
    ("en", "unanswerable", "On what date is the Kestrel-2 acceptance test scheduled?", [], [],
     [r"acceptance.{0,60}(?:20\d\d|January|February|March|April|May|June|\d{1,2} [A-Z][a-z]{2})"]),
    ("en", "unanswerable", "What model FLOPs utilisation did Heron-70B reach on 512 accelerators?", [], [],
     [r"MFU.{0,80}\b512\b", r"\b512\b.{0,80}(?:MFU|FLOPs utilisation)"]),
    ("en", "unanswerable", "How large is the LLR replay buffer on the Osprey switches?", [], [],
     [r"Osprey.{0,200}(?:replay|LLR)"]),
    ("en", "unanswerable", "Which vendor makes the PDUs used by Snapline to power-cycle switches?", [], [],
     [r"PDU.{0,60}(?:vendor|made by|from [A-Z])"]),
    ("en", "unanswerable", "Which TCP port does the Grafana dashboard listen on?", [], [], [r"Grafana.{0,120}port \d", r"dashboard.{0,40}port \d", r":3000"]),
    ("en", "unanswerable", "What was the mean time to repair a drained optic?", [], [], [r"mean time to repair", r"\bMTTR\b"]),
    ("zh", "unanswerable", "Kestrel 的 leaf 交换机每台功耗多少瓦？", [], [], [r"\bwatts?\b", r"\bkW\b", r"\d\s*W\b"]),
    ("zh", "unanswerable", "HX-400 网卡的 MTBF 是多少？", [], [], [r"HX-400.{0,100}MTBF", r"MTBF.{0,100}HX-400"]),
    ("zh", "unanswerable", "64 MiB 消息的 all-reduce 总线带宽是多少？", [], [], [r"64 MiB"]),
    ("zh", "unanswerable", "Corvane 3.6.0 固件预计哪天发布？", [], [],
     [r"3\.6\.0[^.]{0,60}(?:20\d\d-\d\d|January|February|March|Q[1-4] 20|\d{1,2} (?:Dec|Jan|Feb|Mar))"]),
    ("zh", "unanswerable", "Kestrel 节点里装的加速卡是什么型号？", [], [], [r"accelerator model", r"GPU model", r"\bH100\b|\bB200\b|\bMI300"]),
    ("zh", "unanswerable", "Osprey 集群写一次 checkpoint 要多久？", [], [], [r"Osprey.{0,150}checkpoint", r"checkpoint.{0,150}Osprey"]),
    ("zh", "unanswerable", "Hall B 机房的 PUE 是多少？", [], [], [r"\bPUE\b"]),
    ("zh", "unanswerable", "L64 这台 leaf 的 LLR 重放次数是多少？", [], [], [r"\bL64\b"]),
]

# ---------------------------------------------------------------------------------------------
# zh-notes
N = "uet-transport-study-notes.md"
AB = "abbrev-table-zh.md"
SL = "cc-review-slides-zh.md"
M = "meeting-minutes-2025-10-09.md"
LL = "link-layer-notes.txt"
W = "weekly-report-2025-w42.md"
O = "oncall-handbook-zh.md"
BL = "qinglan-bench-log-en.txt"

ZH_NOTES = [
    # --- topology
    ("zh", "number", "青岚一共多少张加速卡？", [SL, M, O, BL], [r"\b512\b"]),
    ("zh", "number", "青岚有几台 spine？", [SL, W], [r"(?:\b8\b|八)"]),
    ("en", "number", "How many leaf switches does Qinglan have?", [SL, W], [r"\b16\b"]),
    ("zh", "number", "青岚里 UET 走的 UDP 目的端口是多少？", [N], [r"4793"]),
    # --- transport basics
    ("zh", "mechanism", "PDS 负责什么？", [N, AB], [r"(?:PSN|ACK|重传|可靠)"]),
    ("zh", "yesno", "RUD 模式保证包的顺序吗？", [N, AB], [r"(?:不保证|无序|unordered|\bno\b|\bnot\b)"]),
    ("zh", "mechanism", "ROD 流量为什么不喷洒？", [N], [r"(?:保序|有序|order|一个 ?EV|single)"]),
    ("zh", "yesno", "建 PDC 之前要先握手吗？", [N], [r"(?:不需要|无需|按需|首包|first packet|\bno\b)"]),
    ("zh", "definition", "RUDI 里的 I 指什么？", [N, AB], [r"(?:幂等|idempotent)"]),
    ("zh", "number", "青岚每张网卡的 PDC 池有多大？", [N, M, BL], [r"2,?048"]),
    ("zh", "number", "PDC 空闲多久会被回收？", [N], [r"800\s*ms"]),
    ("zh", "number", "ACK 合并的策略是什么？", [N, AB], [r"\b8\b", r"3\s*(?:µs|us)"]),
    ("zh", "number", "RTO 最小值是多少？", [N, AB, SL], [r"80\s*(?:µs|us)"]),
    ("zh", "number", "青岚最多允许重传几次？", [N], [r"(?:\b6\b|六)"]),
    ("zh", "number", "每个 PDC 用多少个 EV？", [N, AB, SL, BL], [r"\b64\b"]),
    ("zh", "number", "EV 路径出问题后多久不用它？", [N], [r"5\s*ms"]),
    ("zh", "number", "NSCC target queuing delay 青岚设多少？", [N, SL], [r"8\s*(?:µs|us)"]),
    ("zh", "number", "跨 spine 的 base RTT 实测多少？", [N], [r"5\.1"]),
    ("zh", "name", "NCCL 插件的环境变量值是什么？", [N], [r"xq-uet"]),
    ("en", "name", "What value of NCCL_NET_PLUGIN does Qinglan use?", [N], [r"xq-uet"]),
    ("zh", "mechanism", "RCCC 为什么没开？", [N, SL], [r"(?:固件|firmware|不支持|2\.7\.3)"]),
    # --- trimming
    ("zh", "number", "裁剪后的包多长？", [N, SL], [r"96\s*(?:B|字节|bytes)"]),
    ("en", "number", "How long is a trimmed packet on Qinglan?", [N, SL], [r"\b96\b"]),
    ("zh", "number", "裁剪阈值最后定成多少？", [N, M, W, BL], [r"768\s*KiB"]),
    ("en", "number", "What trimming threshold did the Qinglan team settle on?", [N, M, W, BL], [r"\b768\b"]),
    ("zh", "number", "陈浩建议把裁剪阈值降到多少？", [M], [r"512\s*KiB"]),
    ("zh", "mechanism", "为什么没有采用 512 KiB 的裁剪阈值？", [M, BL], [r"(?:0\.4|NACK)"]),
    ("zh", "number", "32:1 incast 在老阈值下峰值裁剪率是多少？", [BL], [r"3\.2\s*%"]),
    ("en", "number", "What was the peak trim rate in the 32:1 incast with the old 1 MiB threshold?", [BL], [r"3\.2\s*%"]),
    ("en", "number", "Median time until a trimmed packet's retransmission arrived in QL-B-033?", [BL], [r"6\.4"]),
    ("en", "number", "How many RTO events did the 32:1 incast produce with trimming disabled?", [BL], [r"\b211\b"]),
    ("zh", "number", "新阈值下 incast 受害流的 P99 单向时延降到多少？", [BL], [r"31\s*(?:us|µs)"]),
    # --- congestion / slides
    ("zh", "mechanism", "target delay 为什么选 8 µs 而不是 6 µs？", [SL], [r"(?:3\s*%|带宽)"]),
    ("zh", "number", "ECN Kmax 是多少？", [SL], [r"600\s*KiB"]),
    ("zh", "number", "白鹭 2024 年发生了几次 PFC 风暴？", [SL, LL], [r"(?:\b5\b|五)"]),
    ("zh", "number", "拥塞控制评审的投票结果？", [SL], [r"\b6\b", r"(?:\b1\b.{0,6}弃权|弃权.{0,6}\b1\b)"]),
    ("zh", "number", "TC1 的 DWRR 权重是多少？", [SL], [r"60\s*%"]),
    ("zh", "name", "评审组长是谁？", [SL], [r"周文博"]),
    # --- link layer
    ("zh", "name", "CBFC 在青岚哪个 TC 上开？", [SL, LL, AB, BL], [r"TC2"]),
    ("en", "name", "Which traffic class has CBFC enabled on Qinglan?", [SL, LL, AB, BL], [r"TC2"]),
    ("zh", "number", "CBFC 信用单元多大？", [LL], [r"128\s*B"]),
    ("zh", "number", "每端口给 TC2 预留多少缓冲？", [LL], [r"256\s*KiB"]),
    ("zh", "number", "LLR 的 replay timeout 是多少？", [LL, BL], [r"1\.5\s*(?:µs|us)"]),
    ("en", "number", "What is the LLR replay buffer size per port on Qinglan?", [LL], [r"192\s*KiB"]),
    ("zh", "mechanism", "LLR 为什么没在网卡到 leaf 那一跳开？", [LL, SL, M], [r"(?:固件|firmware|2\.7\.3|不支持)"]),
    ("zh", "number", "最长的 leaf–spine 光纤有多长？", [LL, BL], [r"46\s*m"]),
    ("zh", "number", "pre-FEC BER 告警阈值？", [LL, O], [r"1e-4"]),
    ("en", "number", "How long is the hold-down after a link flap on Qinglan?", [LL], [r"\b3\s*(?:s|秒|seconds)\b"]),
    ("zh", "number", "10 分钟内 flap 几次会被自动隔离？", [LL], [r"(?:3\s*次|\b3\b)"]),
    ("zh", "name", "隔离端口用什么命令？", [LL, O], [r"qlctl port isolate"]),
    ("en", "number", "How many false replay timeouts per hour did the 1.0 µs setting cause?", [BL], [r"\b37\b"]),
    ("zh", "number", "1.25 µs 超时下每小时误超时几次？", [BL], [r"\b4\s*(?:per hour|次|/h|times)"]),
    ("zh", "number", "存储 incast 不开 CBFC 时峰值裁剪率是多少？", [BL], [r"2\.7\s*%"]),
    # --- results in the bench log
    ("zh", "number", "512 卡 1 GiB all-reduce 的总线带宽是多少？", [BL], [r"44\.8"]),
    ("en", "number", "All-reduce busbw at 1 GiB on 512 ranks?", [BL], [r"44\.8"]),
    ("zh", "number", "关掉喷洒后 1 GiB all-reduce 掉到多少？", [BL], [r"32\.6"]),
    ("zh", "number", "白鹭的 1 GiB all-reduce 带宽是多少？", [BL], [r"35\.4"]),
    ("zh", "number", "拔掉一根 leaf–spine 光纤后吞吐多久恢复？", [BL], [r"2\.4\s*ms"]),
    ("en", "number", "How quickly did throughput recover after a leaf-spine fibre was pulled?", [BL], [r"2\.4\s*ms"]),
    ("en", "number", "Median 8-byte latency through a spine on Qinglan?", [BL], [r"2\.9"]),
    ("en", "number", "How many PDCs were in use at peak during all-to-all start-up?", [BL, M], [r"1,?730"]),
    ("en", "number", "How much NIC memory does one context take in Li Jing's estimate?", [BL], [r"768\s*(?:bytes|B\b)"]),
    # --- meeting minutes
    ("zh", "number", "生产区什么时候切换到 AI Full？", [M, AB, O, W], [r"(?:11-18|11\s*月\s*18)"]),
    ("en", "number", "When will Qinglan production switch to AI Full?", [M, AB, O, W], [r"(?:11-18|18 Nov|November 18)"]),
    ("zh", "number", "测试区哪天先切 AI Full？", [M], [r"11-05"]),
    ("zh", "number", "TSS 密钥轮换周期最后定的是多少？", [M], [r"12\s*(?:小时|h|hours)"]),
    ("zh", "number", "刘洋最初提议多久轮换一次密钥？", [M], [r"6\s*(?:小时|h|hours)"]),
    ("zh", "number", "TSS 的吞吐损失是多少？", [M, BL], [r"2\.6\s*%"]),
    ("en", "number", "How long does traffic pause at each TSS key rotation?", [BL, M], [r"25\s*ms"]),
    ("zh", "name", "A-0904 谁负责？", [M], [r"(?:李婧|Li Jing)"]),
    ("en", "name", "Who is responsible for upgrading DZ-OS to 5.3.2?", [M, W], [r"(?:陈浩|Chen Hao)"]),
    ("zh", "number", "下次周会是什么时候？", [M], [r"10-16", r"14:00"]),
    ("en", "name", "Who took the minutes of the weekly meeting?", [M], [r"(?:孙磊|Sun Lei)"]),
    # --- weekly report
    ("zh", "number", "第 42 周网络可用率是多少？", [W], [r"99\.62"]),
    ("en", "number", "How many jobs completed in week 42?", [W], [r"\b143\b"]),
    ("zh", "mechanism", "spine03 出了什么问题？", [W], [r"(?:电源|power)"]),
    ("zh", "mechanism", "本周因网络失败的两个作业是什么原因？", [W], [r"DAC"]),
    # --- on-call handbook and abbreviations
    ("zh", "number", "换机窗口是什么时间？", [AB, O], [r"22:00", r"02:00"]),
    ("en", "number", "When is the Qinglan switch-change maintenance window?", [AB, O], [r"22:00", r"02:00"]),
    ("zh", "number", "P2 告警要在多少分钟内响应？", [O], [r"15\s*分钟"]),
    ("zh", "number", "单条链路 LLR 重放每分钟超过多少算 P2？", [O], [r"5,?000"]),
    ("zh", "procedure", "P2 告警的处理步骤顺序是什么？", [O], [r"认领", r"隔离", r"恢复"]),
    ("zh", "name", "1 小时还没恢复要通知谁？", [O], [r"王思远"]),
    ("zh", "definition", "QLT 是什么？", [AB, LL, O], [r"(?:工单|ticket)"]),
    ("zh", "definition", "qlfm 是干什么的？", [AB], [r"(?:fabric manager|网络管理)"]),
    ("zh", "definition", "白鹭是什么？", [AB, SL, BL], [r"RoCE"]),
    ("en", "definition", "What does HJ mean in the Qinglan abbreviation list?", [AB], [r"(?:换机窗口|maintenance window|switch)"]),

    # --- added non-number questions (same writing pass)
    ("zh", "yesno", "青岚全网开了 PFC 吗？", [SL, LL, AB], [r"(?:关闭|没有|\bno\b|\boff\b)"]),
    ("en", "yesno", "Does Qinglan run LLR on the NIC-to-leaf links?", [LL, SL, AB], [r"(?:\bno\b|\bnot\b|只在|不支持)"]),
    ("zh", "mechanism", "LLR 是怎么工作的？", [LL], [r"(?:replay buffer|重放)"]),
    ("en", "mechanism", "How does CBFC differ from PFC?", [LL], [r"credit"]),
    ("zh", "procedure", "端口修好以后、恢复之前要做什么？", [O], [r"(?:压力测试|10 分钟)", r"100\s*次"]),
    ("en", "procedure", "What are the first three steps when a P2 alert fires?", [O], [r"(?:认领|claim|acknowledg)", r"Grafana", r"qlctl port show"]),
    ("zh", "definition", "CCC 是什么？", [AB, N], [r"(?:congestion control context|拥塞控制上下文)"]),
    ("zh", "name", "青岚的网卡是哪家厂商的？", [N, SL, AB, M, O], [r"(?:星桥|Xingqiao)"]),
    ("en", "mechanism", "Why must on-call engineers not shut a port directly on the switch?", [O], [r"(?:qlfm|工单|ticket|故障)"]),
    ("en", "yesno", "Is TSS turned on in Qinglan production?", [N, BL], [r"(?:测试|\btest)"]),

    # --- unanswerable
    ("zh", "unanswerable", "青岚 DZ-9600 交换机的共享缓冲有多大？", [], [], [r"共享缓冲", r"shared (?:packet )?buffer"]),
    ("zh", "unanswerable", "NX-400 的 RTO 初值厂商默认是多少？", [], [],
     [r"默认.{0,15}(?:RTO|重传超时|初值)", r"(?:RTO|重传超时|初值).{0,25}默认"]),
    ("zh", "unanswerable", "TSS 用的是哪种密钥派生算法？", [], [], [r"HKDF", r"\bKDF\b", r"密钥派生"]),
    ("zh", "unanswerable", "白鹭集群用的是哪家的网卡？", [], [], [r"白鹭.{0,40}(?:网卡厂商|NIC vendor)", r"Bailu.{0,60}NIC"]),
    ("zh", "unanswerable", "QL-B-035 测的是什么？", [], [], [r"QL-B-035"]),
    ("zh", "unanswerable", "DZ-9600 交换机功耗是多少？", [], [], [r"功耗", r"\bwatts?\b", r"\d\s*W\b"]),
    ("zh", "unanswerable", "青岚的 TC3 用来承载什么流量？", [], [], [r"TC3"]),
    ("zh", "unanswerable", "CBFC 和 LLR 同时开时，重放的帧要不要重新扣 credit？", [], [],
     [r"(?:需要|不需要)重新扣", r"厂商(?:已经?)?(?:回复|答复|确认)[^。]{0,40}credit", r"重放.{0,20}(?:扣|消耗).{0,10}credit.{0,10}(?:是|否)"]),
    ("zh", "unanswerable", "青岚前端存储网的网口是多少 G 的？", [], [], [r"前端.{0,30}\d+\s*G", r"front-end.{0,40}GbE"]),
    ("zh", "unanswerable", "DZ-OS 5.3.2 修复了哪些问题？", [], [], [r"5\.3\.2.{0,40}(?:修复|fix)"]),
    ("zh", "unanswerable", "spine03 的电源模块是哪家厂商的？", [], [], [r"电源模块.{0,20}(?:厂商|品牌)", r"spine03.{0,40}(?:厂商|vendor)"]),
    ("zh", "unanswerable", "NX-400 什么时候支持 HPC profile？", [], [], [r"HPC.{0,40}(?:计划|预计|20\d\d)"]),
    ("zh", "unanswerable", "第 8 次周会讨论了什么？", [], [], [r"第\s*8\s*次"]),
    ("zh", "unanswerable", "UET 包头一共多少字节？", [], [], [r"头部(?:长度|大小)", r"header (?:size|length)", r"包头.{0,10}\d+\s*(?:B|字节)"]),
    ("zh", "unanswerable", "RUDI 在 2.8.0 固件里有哪些限制？", [], [], [r"RUDI.{0,60}(?:不支持|只能|仅限|限制[:：是为])"]),
    ("zh", "unanswerable", "leaf–spine 用的光模块是什么型号？", [], [], [r"\b(?:DR4|SR4|FR4|LR4)\b", r"光模块型号"]),
    ("en", "unanswerable", "What was the Qinglan network availability in week 43?", [], [], [r"第\s*43\s*周", r"\bW43\b", r"week 43"]),
    ("en", "unanswerable", "What 8-byte P99 latency through a spine was measured after the AI Full switch?", [], [],
     [r"after (?:the )?AI Full", r"AI Full.{0,40}(?:之后|以后).{0,40}(?:时延|latency)"]),
    ("en", "unanswerable", "What MTU does the Bailu cluster use?", [], [], [r"白鹭.{0,80}MTU", r"Bailu.{0,80}MTU"]),
    ("en", "unanswerable", "What price did the lab pay for each NX-400 NIC?", [], [], [r"万元", r"\bprice", r"¥\s*\d", r"USD"]),
    ("en", "unanswerable", "What is the default LLR replay timeout in NX-400 firmware 2.8.0?", [], [],
     [r"2\.8\.0[^。]{0,30}(?:timeout|超时)"]),
    ("en", "unanswerable", "Who chaired the 16 October weekly meeting?", [], [], [r"10-16.{0,30}主持", r"主持.{0,30}10-16"]),
    ("en", "unanswerable", "What is the MTBF of a DZ-9600 switch?", [], [], [r"\bMTBF\b"]),
    ("en", "unanswerable", "What is the vendor default retransmission count on the NX-400?", [], [],
     [r"默认.{0,6}重传次数", r"重传次数.{0,20}默认", r"default.{0,30}retransmi"]),
]


def split(items, prefix_t, prefix_h, seed):
    rng = random.Random(seed)
    groups = defaultdict(list)
    for it in items:
        groups[(it[1] == "unanswerable", it[1], it[0])].append(it)
    tune, hold = [], []
    flip = 0
    for key in sorted(groups):
        g = groups[key][:]
        rng.shuffle(g)
        for i, it in enumerate(g):
            # alternate, and start each group on the side that is currently smaller
            (tune if (i + flip) % 2 == 0 else hold).append(it)
        if len(g) % 2 == 1:
            flip = 1 - flip
    out = {}
    for name, lst, prefix in (("qa_tune.jsonl", tune, prefix_t), ("qa_holdout.jsonl", hold, prefix_h)):
        rng.shuffle(lst)
        rows, probes = [], {}
        for n, it in enumerate(lst, 1):
            qid = f"{prefix}{n:03d}"
            lang, kind, q, expected, keys = it[:5]
            rows.append({"id": qid, "question": q, "lang": lang, "expected": expected, "keys": keys, "kind": kind})
            if kind == "unanswerable":
                probes[qid] = it[5]
        out[name] = (rows, probes)
    return out


def write_set(set_name, items, pt, ph, seed):
    out = split(items, pt, ph, seed)
    all_probes = {}
    for fname, (rows, probes) in out.items():
        with open(HERE / set_name / fname, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        all_probes.update(probes)
    with open(HERE / set_name / "absent_probes.json", "w", encoding="utf-8") as f:
        json.dump(all_probes, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    write_set("en-mixed", EN_MIXED, "enm-t", "enm-h", 1101)
    write_set("zh-notes", ZH_NOTES, "zhn-t", "zhn-h", 2202)
