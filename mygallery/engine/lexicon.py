"""Lexical analysis for BM25 and answer scoring: English words and Chinese text, plus cross-language terms.

- English: lower-cased alphanumeric words, stop-words removed, a light suffix stemmer (plural, -ing, -ed) that
  leaves short words and acronyms (RUD, PDS, LLR) alone. A dotted number (a version 3.2.0, a clause 4.3.2.1,
  an address 10.42.12.0) is a token whole and its numbers are tokens too, so "3.2.0" finds the passage that
  names that version and "12" still finds the address.
- Chinese: runs of CJK characters become overlapping character bigrams (a single character stays a unigram);
  common function characters/words split runs so they do not form noise bigrams.
- Cross-language: `expand_query` adds the other language's form of general networking terms (拥塞 ↔ congestion)
  so an English question can find a Chinese note and the reverse. The table is general vocabulary of the field,
  not phrases from any question set.
Non-goals: a real Chinese word segmenter (bigrams are what BM25 needs) and morphology beyond simple suffixes.
"""

from __future__ import annotations

import functools
import re

from .word_forms import switched

_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*|[\u3400-\u9fff\uf900-\ufaff]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

EN_STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing done down during each either else even ever every few for from
    further had has have having he her here hers him his how however i if in into is it its itself just least less
    let like made make many may me might more most much must my no nor not now of off often on once one only or
    other our ours out over own per please rather same shall she should so some such than that the their theirs
    them then there these they this those though through thus to too under until up upon us use used uses using
    very via was we were what when where whether which while who whom whose why will with within without would yet
    you your yours tell explain describe mean means meaning does do say says said stand stands get gets got
    getting""".split()
)

# Function words and particles that separate content in Chinese questions and notes.
ZH_STOP_WORDS = (
    "全称", "简称", "含义", "意思", "代表", "是啥", "哪里", "多少", "大概", "需要", "具备", "能够", "应该",
    "什么", "怎么", "怎样", "如何", "为什么", "哪些", "哪个", "是否", "可以", "能否", "一个", "这个", "那个", "这些",
    "那些", "我们", "你们", "他们", "它们", "以及", "或者", "还是", "因为", "所以", "但是", "如果", "就是", "什么是",
    "的", "了", "是", "在", "和", "与", "及", "或", "吗", "呢", "吧", "啊", "也", "都", "就", "而", "被", "把", "对",
    "从", "到", "由", "为", "将", "于", "中", "上", "下", "里", "有", "没", "不", "会", "要", "能", "该", "请", "它",
    "这", "那", "个", "之", "其", "等", "用", "时", "后", "前",
)
_ZH_SPLIT = re.compile("|".join(sorted(map(re.escape, ZH_STOP_WORDS), key=len, reverse=True)))

# General networking vocabulary, English ↔ Simplified Chinese. Keys are stemmed English tokens.
BILINGUAL_TERMS: dict[str, tuple[str, ...]] = {
    # operations vocabulary: what install guides, runbooks and release notes say in either language
    # specification vocabulary: what a Chinese question calls the parts of a protocol an English spec defines
    "opcode": ("操作码",), "flag": ("标志位", "标志"), "checksum": ("校验和",), "state machine": ("状态机",),
    # … and the networking words every such spec uses (whole words: 源 alone is also the 源 of 资源, resource)
    "remote": ("远程", "远端"), "broadcast": ("广播",), "probe": ("探测",), "probing": ("探测",), "mtu": ("最大传输单元",),
    "fec": ("前向纠错",), "forward error correction": ("前向纠错",), "ber": ("误码率",), "bit error rate": ("误码率",),
    "destination": ("目的地址", "目的端", "目标地址"), "request": ("请求",), "response": ("响应",),
    "statistics": ("统计",), "kernel": ("内核",), "switching": ("交换",),
    "peer": ("对端",), "initiate": ("发起",), "virtualization": ("虚拟化",), "offload": ("卸载",), "match": ("匹配",),
    "matching": ("匹配",), "point-to-point": ("点对点",), "sample": ("采样",), "sampling": ("采样",), "copper": ("铜缆",),
    "explicit": ("显式",), "implicit": ("隐式",), "ciphertext": ("密文",), "plaintext": ("明文",), "signature": ("签名",),
    "compatible": ("兼容",), "compatibility": ("兼容",), "interoperability": ("互通", "互操作"), "revision": ("修订",),
    "shall": ("应当",), "deprecated": ("弃用",), "recommended": ("推荐",), "recommend": ("推荐",),
    "bitmap": ("位图",), "mask": ("掩码",), "encoding": ("编码",), "socket": ("套接字",),
    "common header": ("公共头", "通用头"), "initiator": ("发起方", "发起端"), "requester": ("请求方", "请求端"),
    "responder": ("响应方", "响应端"), "segment": ("分段",), "fragment": ("分片",), "negotiate": ("协商",),
    "negotiation": ("协商",), "capability": ("能力",),
    "configuration file": ("配置文件",), "config file": ("配置文件",), "operating system": ("操作系统",),
    "os": ("操作系统",), "exit code": ("退出码",), "exit status": ("退出码", "退出状态"),
    "reason code": ("原因码", "原因代码"), "error code": ("错误码", "错误代码"), "status code": ("状态码",),
    "return code": ("返回码",),
    "in-band": ("带内",), "out-of-band": ("带外",), "part number": ("料号",), "serial": ("序列号",), "serial number": ("序列号",), "single-port": ("单口",),
    "dual-port": ("双口",), "transmit": ("发送",), "transmission": ("发送", "传输"), "install": ("安装",), "installation": ("安装",),
    "metric": ("指标",), "log": ("日志",), "logs": ("日志",), "backup": ("备份",), "failover": ("切换", "故障切换"),
    "standby": ("备机", "备用"), "parameter": ("参数",), "hash": ("哈希",), "collision": ("冲突",),
    "adapter": ("网卡", "适配器"), "slot": ("槽位",), "session": ("会话",), "expiry": ("过期", "到期"),
    "humidity": ("湿度",), "uplink": ("上行",), "downlink": ("下行",), "push": ("下发", "推送"), "reclaim": ("回收",),
    "online": ("上线",), "change": ("变更", "修改"), "trigger": ("触发",), "sync": ("同步",), "synchronize": ("同步",),
    "establish": ("建立",), "consecutive": ("连续",), "reorder": ("乱序", "重排"), "headroom": ("余量",), "length": ("长度",),
    "stag": ("暂存",), "postmortem": ("复盘",), "override": ("覆盖",), "cumulative": ("累计",), "exit": ("退出",),
    "identifier": ("标识",), "temporary": ("临时",), "random": ("随机",), "duplicate": ("重复",), "review": ("评审",),
    "notification": ("通知",), "notify": ("通知",), "automatic": ("自动",), "modify": ("修改",), "execute": ("执行",),
    "merge": ("合并",), "mode": ("模式",), "controller": ("控制器",), "platform": ("平台",), "task": ("任务",),
    "normal": ("正常",), "abnormal": ("异常",), "last": ("持续",), "long": ("多久", "时长"), "outage": ("故障", "中断"),
    "congestion": ("拥塞",), "control": ("控制",), "drop": ("丢包", "丢弃"), "loss": ("丢包", "丢失"), "lost": ("丢失", "丢了"),
    "retransmit": ("重传",), "retransmission": ("重传",), "reliable": ("可靠",), "reliability": ("可靠性",),
    "order": ("有序", "顺序"), "ordered": ("有序",), "unordered": ("无序",), "delivery": ("交付", "传递", "投递"),
    "switch": ("交换机",), "nic": ("网卡",), "link": ("链路",), "multipath": ("多路径",), "path": ("路径",),
    "encryption": ("加密",), "security": ("安全",), "secure": ("安全",), "key": ("密钥",), "flow": ("流控", "流量"),
    "credit": ("信用", "credit"), "receiver": ("接收端", "接收方"), "sender": ("发送端", "发送方"),
    "latency": ("延迟", "时延"), "bandwidth": ("带宽",), "topology": ("拓扑",), "memory": ("内存",),
    "register": ("注册",), "registration": ("注册",), "packet": ("报文", "数据包"), "header": ("报头", "包头", "头部", "首部"),
    "payload": ("负载", "载荷"), "queue": ("队列",), "buffer": ("缓冲", "缓存"), "timeout": ("超时",),
    "timer": ("定时器", "计时器"), "acknowledg": ("确认",), "ack": ("确认",), "window": ("窗口",),
    "throughput": ("吞吐",), "counter": ("计数器",), "troubleshoot": ("排查", "故障"), "debug": ("调试", "排查"),
    "fault": ("故障",), "failure": ("故障", "失败"), "error": ("错误", "报错"), "scale": ("规模", "扩展"),
    "endpoint": ("端点",), "cluster": ("集群",), "training": ("训练",), "inference": ("推理",),
    "specification": ("规范",), "spec": ("规范",), "chapter": ("章节",), "read": ("阅读", "读取"),
    "write": ("写入",), "copy": ("拷贝", "复制", "副本"), "copies": ("副本", "份"), "zero": ("零",), "handshake": ("握手",), "signal": ("信号",),
    "mark": ("标记",), "threshold": ("阈值", "门限"), "measure": ("测量",), "physical": ("物理层",), "layer": ("层",),
    "transport": ("传输层", "传输"), "protocol": ("协议",), "profile": ("配置文件", "profile"),
    "compare": ("对比", "比较"), "comparison": ("对比", "比较"), "difference": ("区别", "差异"),
    "advantage": ("优势", "优点"), "performance": ("性能",), "collective": ("集合通信",), "network": ("网络",),
    "ethernet": ("以太网",), "fabric": ("网络", "fabric"), "lossless": ("无损",), "lossy": ("有损",),
    "trim": ("裁剪", "截断"), "trimming": ("裁剪", "截断"), "spray": ("喷洒",), "spraying": ("喷洒",),
    "entropy": ("熵", "熵值"), "load": ("负载",), "balance": ("均衡",), "balancing": ("均衡",), "replay": ("重放",),
    "authentication": ("认证",), "integrity": ("完整性",), "operation": ("操作",), "message": ("消息",),
    "semantic": ("语义",), "sublayer": ("子层",), "job": ("作业", "任务"), "address": ("地址",), "addressing": ("寻址",),
    "management": ("管理",), "telemetry": ("遥测",), "monitor": ("监控",), "deploy": ("部署",),
    "deployment": ("部署",), "configuration": ("配置",), "configure": ("配置",), "upgrade": ("升级",),
    "firmware": ("固件",), "cable": ("线缆",), "speed": ("速率",), "rate": ("速率",), "lane": ("通道",),
    "error correction": ("纠错",), "forward": ("转发",), "priority": ("优先级",), "incast": ("incast",),
    "idempotent": ("幂等",), "atomic": ("原子",), "tag": ("标签",), "tagged": ("标签",), "consortium": ("联盟",),
    "member": ("成员",), "history": ("历史",), "release": ("发布",), "version": ("版本",), "standard": ("标准",),
    "abbreviation": ("缩写",), "acronym": ("缩写",), "definition": ("定义",), "glossary": ("术语表",),
    "term": ("术语",), "open": ("开放",),
    "in-network": ("在网",), "computing": ("计算",), "compute": ("计算",), "reduce": ("归约",),
    "reduction": ("归约",), "allreduce": ("全归约",), "test": ("测试",), "acceptance": ("验收",),
    # the verdicts of a test or acceptance report
    "pass": ("通过",), "passed": ("通过",), "conditionally": ("有条件",), "conditional": ("有条件",),
    "fail": ("失败", "不通过"), "failed": ("失败", "不通过"), "verdict": ("结论", "判定"),
    "feature": ("功能", "特性"), "function": ("功能", "函数"), "benefit": ("好处", "收益"), "tail": ("尾",),
    "traffic": ("流量",), "carry": ("承载",), "page": ("页",), "mechanism": ("机制",), "byte": ("字节",),
    "bit": ("比特",), "width": ("宽度",), "sequence": ("序号", "序列"), "number": ("编号",),
    "fibre": ("光纤",), "fiber": ("光纤",), "round": ("往返",), "trip": ("往返",), "send": ("发送",),
    "receive": ("接收",), "state": ("状态",), "connection": ("连接",), "context": ("上下文",),
    "port": ("端口",), "rack": ("机架", "机柜"), "server": ("服务器",), "accelerator": ("加速器", "加速卡"),
    "requirement": ("要求", "需求"), "optional": ("可选",), "mandatory": ("必选", "必须", "强制"),
    "overhead": ("开销",), "efficiency": ("效率",), "utilization": ("利用率",), "fairness": ("公平",),
    "convergence": ("收敛",), "recovery": ("恢复",), "detect": ("检测", "发现"), "detection": ("检测",),
    "corrupt": ("损坏",), "corruption": ("损坏",), "frame": ("帧",), "hardware": ("硬件",),
    "software": ("软件",), "driver": ("驱动",), "interface": ("接口",), "library": ("库",), "api": ("接口",),
    "group": ("组",), "domain": ("域",), "epoch": ("纪元", "epoch"), "rotation": ("轮换",),
    "attack": ("攻击",), "attacker": ("攻击者",), "tenant": ("租户",), "isolation": ("隔离",),
    "size": ("大小", "尺寸"), "large": ("大",), "small": ("小",), "first": ("第一", "首次", "最早"), "start": ("启动", "开始"),
    "slow": ("慢",), "fast": ("快速",), "limit": ("限制",), "share": ("共享",), "shared": ("共享",), "ecosystem": ("生态",), "routing": ("路由",), "route": ("路由",), "hop": ("跳", "逐跳"),
    # Quantities, settings and measurements: what value questions ask for.
    "default": ("默认",), "value": ("数值", "取值"), "count": ("次数", "数量"), "times": ("次数", "几次"),
    "maximum": ("最大", "上限", "最高", "最多"), "minimum": ("最小", "下限", "最低"), "average": ("平均",), "mean": ("平均",),
    "median": ("中位数",), "total": ("总共", "总计", "一共"), "percent": ("百分比",), "percentage": ("百分比",),
    "ratio": ("比例",), "second": ("秒",), "minute": ("分钟",), "hour": ("小时",), "day": ("天",),
    "week": ("周",), "month": ("月",), "year": ("年",), "millisecond": ("毫秒",), "microsecond": ("微秒",),
    "nanosecond": ("纳秒",), "interval": ("间隔", "区间"), "period": ("周期",), "duration": ("时长",),
    "delay": ("时延", "延迟"), "wait": ("等待",), "jitter": ("抖动",), "target": ("目标",),
    "queuing": ("排队",), "queueing": ("排队",), "weight": ("权重",), "budget": ("预算",),
    "capacity": ("容量",), "depth": ("深度",), "power": ("功耗", "功率"), "temperature": ("温度",),
    "price": ("价格",), "cost": ("成本", "费用"), "estimate": ("估算", "估计"), "measured": ("实测",),
    "measurement": ("测量",), "result": ("结果",), "utilisation": ("利用率",),
    "retry": ("重试",), "attempt": ("尝试", "重试"), "ceiling": ("上限",), "floor": ("下限",),
    "tick": ("节拍", "tick"), "pool": ("池",), "chip": ("芯片",), "on-chip": ("片上",), "burst": ("突发",),
    "occupancy": ("占用",), "drain": ("排空", "隔离"), "isolate": ("隔离",), "strict": ("严格",),
    "class": ("类", "等级"), "weighted": ("加权",),
    # Things and people of a deployment.
    "vendor": ("厂商", "供应商"), "model": ("型号", "模型"), "module": ("模块",), "optic": ("光模块",),
    "optical": ("光",), "transceiver": ("光模块",), "supply": ("电源",), "node": ("节点",), "card": ("卡",),
    "leaf": ("leaf", "叶"), "spine": ("spine", "脊"), "storage": ("存储", "存放", "储存"), "gateway": ("网关",),
    "checkpoint": ("检查点",), "partition": ("分区",), "scheduler": ("调度器",), "schedule": ("调度",),
    "owner": ("负责人",), "team": ("团队", "小组"), "engineer": ("工程师",), "operator": ("运维",),
    "on-call": ("值班",), "manager": ("经理", "管理器"), "meeting": ("会议", "周会"), "minute taker": ("记录人",),
    "decision": ("决定", "结论"), "vote": ("投票", "表决"), "agreed": ("同意", "商定"), "proposal": ("提议", "提案"),
    "reason": ("原因", "理由"), "cause": ("原因",), "why": ("为什么",), "step": ("步骤",),
    "procedure": ("流程", "步骤"), "runbook": ("手册", "runbook"), "before": ("之前",), "after": ("之后",),
    "replace": ("更换", "替换"), "replacement": ("更换",), "repair": ("修复", "维修"), "restore": ("恢复",),
    "rollback": ("回滚", "回退"), "snapshot": ("快照",), "command": ("命令",), "variable": ("变量",),
    "environment": ("环境",), "plugin": ("插件",), "production": ("生产",), "lab": ("实验室",),
    "pilot": ("试点",), "report": ("报告", "周报"), "weekly": ("每周", "周报"), "incident": ("事件", "故障"),
    "alarm": ("告警",), "alert": ("告警",), "warn": ("告警", "警告"), "warning": ("警告", "告警"),
    "flap": ("抖动",), "hold-down": ("hold-down", "抑制"), "recover": ("恢复",), "rank": ("rank", "进程"),
    "support": ("支持",), "supported": ("支持",), "enable": ("开启", "启用", "打开"), "enabled": ("开启", "启用", "打开"),
    "disable": ("关闭", "禁用", "关掉"), "disabled": ("关闭", "禁用", "关掉"), "algorithm": ("算法",),
    "cipher": ("密码算法", "加密算法"), "derivation": ("派生",), "certificate": ("证书",),
    "window size": ("窗口大小",), "message size": ("消息大小",), "bus bandwidth": ("总线带宽",),
    "all-reduce": ("all-reduce", "全归约"), "victim": ("受害",),
    "false": ("误",), "spurious": ("误", "虚假"), "firmware version": ("固件版本",),
    "maintenance": ("维护",), "maintenance window": ("维护窗口", "换机窗口"), "upgrade window": ("升级窗口",),
    # Everyday words of change logs, incidents and chats.
    "affect": ("影响",), "affected": ("影响", "受影响"), "impact": ("影响",), "earliest": ("最早",),
    "lowest": ("最低",), "highest": ("最高",), "raise": ("调高", "提高"), "increase": ("增加", "提高", "调高"),
    "lower": ("降低", "调低"), "decrease": ("降低", "减少"), "check": ("检查",), "verify": ("验证", "确认"),
    "effect": ("生效",), "fix": ("修复",), "bug": ("缺陷", "bug"), "defect": ("缺陷",), "downgrade": ("降级", "回退"),
    # Words of documents about a specification and of the work around it (notes, errata, interviews, trials).
    "note": ("笔记", "备注"), "author": ("作者",), "conformance": ("一致性", "符合性"), "claim": ("声明",),
    "draft": ("草案",), "errata": ("勘误",), "erratum": ("勘误",), "correction": ("更正", "勘误"),
    "clause": ("条款",), "annex": ("附录",), "appendix": ("附录",), "table": ("表格",), "section": ("章节",),
    "interview": ("访谈", "采访"), "thread": ("邮件",), "reply": ("回复",), "slide": ("幻灯片",), "agenda": ("议程",),
    "deadline": ("截止",), "ticket": ("工单",), "workaround": ("规避", "绕过"), "root": ("根因",),
    "timeline": ("时间线",), "phase": ("阶段",), "stage": ("阶段", "暂存"), "schedul": ("排期", "计划"), "voted": ("投票",),
    "reject": ("否决", "拒绝"), "extend": ("扩大", "延长"), "trial": ("试点", "试验"), "build": ("构建",),
    "third": ("第三",), "offset": ("偏移",), "octet": ("字节",), "transition": ("转换", "迁移"), "event": ("事件",),
    "heartbeat": ("心跳",), "join": ("加入",), "leave": ("离开",), "eject": ("踢出", "逐出"),
    "quarantine": ("隔离",), "multicast": ("组播", "多播"), "source": ("源端",),
    "peak": ("峰值",), "worst": ("最差", "最坏"), "typical": ("典型",), "steady": ("稳态",), "baseline": ("基线", "基准"),
    "original": ("原来", "原始"), "final": ("最终",), "initial": ("初始",), "proposed": ("提议", "建议"),
    "observed": ("观察到", "观测"), "nominal": ("标称",), "actual": ("实际",), "goodput": ("有效吞吐",),
    "pause": ("暂停",), "deadlock": ("死锁",), "storm": ("风暴",), "spike": ("尖峰", "突增"),
    "degradation": ("劣化", "下降"), "improvement": ("改善", "提升"), "gain": ("收益", "提升"), "saving": ("节省",),
    "speedup": ("加速",), "slowdown": ("变慢", "骤降", "下降"),
    "switchover": ("切换",), "cutover": ("切换",), "pull": ("拔掉", "拔出"), "unplug": ("拔掉", "拔出"), "downgrad": ("降级", "回退", "退回"), "fixed": ("修复", "修好"),
    "ballot": ("投票", "表决"), "field": ("字段",), "idle": ("空闲",), "allocate": ("分配",), "allocation": ("分配",),
    "assign": ("分配", "指定"), "reserve": ("预留", "保留"), "reserv": ("预留", "保留"), "encapsulation": ("封装",),
    "scope": ("范围",), "range": ("范围",), "unidirectional": ("单向",), "one-way": ("单向",), "identity": ("身份",),
    "sign": ("签字",), "approve": ("批准", "审批"), "approval": ("审批",), "host": ("主机",),
    "allow": ("允许",), "forbid": ("禁止",), "prohibit": ("禁止",), "reboot": ("重启",), "restart": ("重启",),
    "root cause": ("根因",), "conclusion": ("结论",), "evaluation": ("评估",), "evaluate": ("评估",),
    "responsible": ("负责",), "warranty": ("保修", "质保"), "weather": ("天气",), "date": ("日期",),
    "found": ("发现",), "discover": ("发现",), "notice": ("发现", "注意"), "select": ("选择", "选定"),
    "choose": ("选择",), "decide": ("决定", "拍板"), "plan": ("计划",), "expect": ("预计",), "finish": ("完成",),
    "complete": ("完成",), "duty": ("值班",), "escalate": ("升级",), "escalation": ("升级",),
    # Words of buying the equipment: tenders, bids and their evaluation, contracts, acceptance and payment.
    "procurement": ("采购",), "purchase": ("采购", "购买"), "tender": ("招标",), "bid": ("投标", "报价"),
    "bidder": ("投标人", "投标方"), "quotation": ("报价",), "quote": ("报价",), "benchmark": ("基准",),
    "score": ("评分", "得分"), "scor": ("评分", "得分"), "committee": ("委员会",), "award": ("中标",),
    "winner": ("中标",), "contract": ("合同",), "payment": ("付款", "支付"), "invoice": ("发票",),
    "compliance": ("符合性", "合规"), "compliant": ("符合", "合规"),
    "witness": ("见证",), "deviation": ("偏差",), "penalty": ("惩罚", "违约金", "罚款"), "liquidated": ("违约金",),
    "late": ("逾期", "延期", "晚"), "overdue": ("逾期",),
    # Words of everyday operational questions: turning things on and off, when, who follows up, how it drifted.
    "temporarily": ("临时",), "current": ("当前", "目前", "现在"),
    "currently": ("当前", "目前"), "imbalance": ("不均衡", "不平衡"), "drift": ("漂移",), "fire": ("触发",),
    "timestamp": ("时间戳",), "unit": ("单位",), "stress": ("压测", "压力"), "stress test": ("压测", "压力测试"),
    "morning": ("早上", "上午"), "early morning": ("凌晨",), "night": ("夜间", "晚上"), "evening": ("晚上",),
    "action item": ("行动项", "待办", "跟进"), "email": ("邮件",), "mail": ("邮件",), "ground": ("理由", "依据"),
    "fleet": ("全网",), "split": ("划分", "拆分"), "divide": ("划分",), "postpone": ("推迟", "延后"),
    "reschedule": ("改期", "推迟"), "problem": ("问题",), "channel": ("频道",), "contact": ("联系",),
    "bid evaluation": ("评标",), "meeting minutes": ("会议纪要", "纪要"),
}


@functools.lru_cache(maxsize=1 << 16)  # a corpus has a few ten thousand distinct words; every query repeats them
def stem(word: str) -> str:
    """Strip common English suffixes from words long enough to have them; acronyms and short words stay."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "es" and not word.endswith(("shes", "ches", "xes", "sses")):
                continue
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            base = word[: len(word) - len(suffix)] + keep
            if suffix in ("ing", "ed") and len(base) > 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # trimming -> trim, retransmitted -> retransmit
            return base
    return word


def cjk_bigrams(run: str) -> list[str]:
    tokens: list[str] = []
    for piece in _ZH_SPLIT.split(run):
        if len(piece) == 1:
            tokens.append(piece)
        else:
            tokens.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return tokens


def tokenize(text: str) -> list[str]:
    """Index/search tokens of `text` (English stems and Chinese bigrams)."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        piece = match.group()
        if "." in piece:  # a version, clause or address ("3.2.0", "4.3.2.1"): whole, and its numbers as before
            parts = piece.split(".")
            if piece[0] <= "9":
                tokens.append(piece)
            elif parts[0] not in EN_STOP_WORDS:  # "v3.2", "a.1": the word, then the numbers
                parts[0] = stem(parts[0])
            else:
                del parts[0]
            tokens.extend(parts)
        elif piece[0] <= "z":
            if piece not in EN_STOP_WORDS:
                tokens.append(stem(piece))
        else:
            tokens.extend(cjk_bigrams(piece))
    return tokens


_ZH_TO_EN: dict[str, set[str]] = {}
for _en, _zh_terms in BILINGUAL_TERMS.items():
    for _zh in _zh_terms:
        _ZH_TO_EN.setdefault(_zh, set()).update(stem(w) for w in _en.split())


def has_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text))


def cjk_ratio(text: str) -> float:
    letters = sum(map(str.isalpha, text))  # counted in C: this runs on every candidate sentence of an answer
    return sum(len(run) for run in _CJK_RUN.findall(text)) / letters if letters else 0.0


_TERMS = list(BILINGUAL_TERMS.items())
_TERMS_BY_STEM: dict[str, list[int]] = {}  # stem of a one-word English term -> its positions in _TERMS
for _position, (_en, _) in enumerate(_TERMS):
    if " " not in _en and "-" not in _en:
        _TERMS_BY_STEM.setdefault(stem(_en), []).append(_position)
_PHRASES = [(position, en) for position, (en, _) in enumerate(_TERMS) if " " in en or "-" in en]  # "in-band"
_WORD = re.compile(r"[a-z0-9]+")
# (form, its English stems, whether it is written in CJK): a few "Chinese" forms are Latin (epoch) and are
# looked for in any text; the others only in text with Chinese in it.
_ZH_TERMS = [(zh, sorted(en_words), has_cjk(zh)) for zh, en_words in _ZH_TO_EN.items()]
_LATIN_ZH_TERMS = [term for term in _ZH_TERMS if not term[2]]  # the ones looked for in text without Chinese
_ZH_TERMS_BY_FIRST: dict[str, list[int]] = {}
for _i, (_zh, _, _) in enumerate(_ZH_TERMS):
    _ZH_TERMS_BY_FIRST.setdefault(_zh[0], []).append(_i)
_CJK_FORMS = [tuple(t for t in zh_terms if has_cjk(t)) for _, zh_terms in _TERMS]  # by position in _TERMS
# The Chinese terms of two or more characters by their first character, longest first (a stable sort: of equally
# long terms, the lexicon's first): the first that a text continues with is the longest it has there.
_ZH_WORDS_BY_FIRST = {first: tuple(sorted((zh for zh, _, cjk in map(_ZH_TERMS.__getitem__, positions)
                                           if cjk and len(zh) >= 2), key=len, reverse=True))
                      for first, positions in _ZH_TERMS_BY_FIRST.items()}


def lexicon_words(text: str) -> list[str]:
    """The Chinese words of `text`, its runs of characters cut at the lexicon's terms of two or more characters
    first ("明天天气" → "明天", "天气"; "单向时延中位数" → "单向", "时延", "中位数", though 时 and 中 are function
    characters), then, between the terms, at function words (ZH_STOP_WORDS); pieces of one character are
    dropped."""
    words: list[str] = []
    for run in _CJK_RUN.findall(text):
        rest, i = "", 0
        while i < len(run):
            term = next((zh for zh in _ZH_WORDS_BY_FIRST.get(run[i], ()) if run.startswith(zh, i)), "")
            if term:
                words += [w for w in _ZH_SPLIT.split(rest) if len(w) >= 2]
                words.append(term)
                rest = ""
                i += len(term)
            else:
                rest += run[i]
                i += 1
        words += [w for w in _ZH_SPLIT.split(rest) if len(w) >= 2]
    return words


def english_of(term: str) -> frozenset[str]:
    """The English stems of a Chinese term of the lexicon, as a whole ("天气" → weather, not also the "day" of
    天); none for words that are not a term."""
    return frozenset(_ZH_TO_EN.get(term, ()))


def translations(text: str) -> list[str]:
    """Words of the other language for the general terms found in `text` (English words, Chinese phrases),
    in the order of BILINGUAL_TERMS."""
    found: list[str] = []
    lowered = switched(text)
    positions = {p for word in _WORD.findall(lowered) for p in _TERMS_BY_STEM.get(stem(word), ())}
    positions.update(position for position, phrase in _PHRASES if phrase in lowered)
    for position in sorted(positions):
        found.extend(t for t in _CJK_FORMS[position] if t not in found)
    # only the terms that start with a character of the text can be in it (in the lexicon's order, as before)
    terms = [_ZH_TERMS[i] for i in sorted({i for ch in set(text) for i in _ZH_TERMS_BY_FIRST.get(ch, ())})] \
        if has_cjk(text) else _LATIN_ZH_TERMS
    for zh, en_words, _ in terms:
        if zh in text:
            found.extend(w for w in en_words if w not in found)
    return found


def expand_query(text: str) -> list[str]:
    """Search tokens of a question plus those of its cross-language terms."""
    tokens = tokenize(text)
    for term in translations(text):
        tokens.extend(t for t in tokenize(term) if t not in tokens)
    return tokens


@functools.lru_cache(maxsize=4096)  # an answer asks it of its question four times (retrieval, shape, dense text)
def detect_language(text: str) -> str:
    """'zh' when Chinese characters make up a real part of the letters, else 'en'."""
    return "zh" if cjk_ratio(text) >= 0.2 else "en"


# Characters only Chinese grammar puts in a question (particles, question words, 的 / 了 / 在 …): a question written
# in Chinese around English terms ("UET 的 PDC 在 RUD mode 下 max outstanding packets 多少") has few Chinese
# characters, but some of these; a Chinese name in an English question ("the week 段启航 is primary") has none.
_ZH_GRAMMAR = re.compile("[吗呢吧么的了是在里能怎哪什几谁为该要会有]|多少")


def question_language(question: str) -> str:
    """The language a question is written in: 'zh' when Chinese characters make up a real part of its letters
    (detect_language) or its Chinese is grammar, not only a name; else 'en'."""
    return "zh" if cjk_ratio(question) >= 0.2 or _ZH_GRAMMAR.search(question) else "en"
