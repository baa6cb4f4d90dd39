"""What a question asks for, read from its words: the shape of the answer and the terms it must contain.

`shape(question)` gives a `QuestionShape`:
- `kind`: number (how many / how much / what default, size, port … / 多少 / 几), definition (what is X, what
  does X stand for / 是什么 / 全称), name (who, which vendor / model / tool / 谁 / 哪家), yesno, procedure (steps,
  what happens before or after …), reason (why, how does … work), or other;
- `attributes`: the asked attribute words (default, port, timeout, 默认, 端口 …), stemmed as the index stems them;
- `numbers`: numbers written in the question (512, 1,024 → "1024") — conditions the answer must match, never
  the answer itself;
- `anchors`: the specific names of the question (identifiers with digits such as L23 or HX-400, abbreviations
  such as LLR, capitalised names such as Osprey) — a passage that lacks one of them speaks of something else.
The extractive answerer uses the shape to prefer the sentence or table row holding the asked value, and to
tell when no passage answers the question. Non-goals: parsing grammar, understanding negation.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .asked_phrase import subject_words, uncontracted
from .lexicon import EN_STOP_WORDS, has_cjk, question_language, stem
from .question_parts import bounded
from .required_attributes import (
    CLOCK,
    MONTH_NAMES,
    MONTHS,
    REFERENCE,
    WEEKDAY,
    YEAR_OR_QUARTER,
    ZH_SECTION,
    required_in,
)

# (These patterns, and the "asks" patterns of ANSWER_TYPES, test "\b" once before their English alternatives, not
# once per alternative: a position inside a word then costs one test, and most positions are inside words —
# searches up to 2-3x faster, the same matches.)
_NUMBER_EN = re.compile(
    r"\b(?:how\s+(?:many|much|long|large|big|high|low|wide|often|far|fast|old|deep|small|short|tall|heavy)\b"
    r"|(?:what|which)\b[^?]{0,60}?\b(?:defaults?|values?|sizes?|ports?|numbers?|counts?|limits?|thresholds?|"
    r"timeouts?|rates?|percentages?|percent|ratios?|intervals?|periods?|durations?|latency|latencies|bandwidths?|"
    r"lengths?|widths?|speeds?|years?|dates?|prices?|costs?|capacity|capacities|depths?|weights?|multipliers?|"
    r"windows?|budgets?|maximum|minimum|max|min|floor|ceiling|temperature|occupancy|utili[sz]ation|efficiency|"
    r"throughput|tick|delay|mtu|frequency|power|distance|level|setting|share|fraction|version|release|"
    r"firmware|deadline|retries|attempts)\b"
    r"|at\s+what\b|when\s+(?:did|was|were|will|does|is)\b|in\s+which\s+(?:year|month|release|version)\b"
    r"|set\s+to\b|defaults?\s+to\b)", re.IGNORECASE)
_NUMBER_ZH = re.compile(r"多少|几[个次种台条项位级层秒天年月分钟小时毫秒微秒跳路根块组]?|多大|多长|多久|多高|多快|多远|"
                        r"哪一年|哪年|何时|什么时候|啥时候?|默认值?|数值|端口号?|阈值|上限|下限|比例|百分之|版本号?")
_HOW_MUCH_ZH = re.compile(r"多少|几|多大|多长|多久")  # how much, how many, how long: a number even when "谁" is asked
_DEFINITION = re.compile(
    r"\b(?:stands?\s+for\b|short\s+for\b|full\s+(?:name|form)\b|abbreviat\w*|acronym\b|expan\w+\b"
    r"|defin(?:e|ition)\b|meaning\s+of\b|what\s+does\s+\S+\s+mean\b)"
    r"|^\s*what(?:'s|\s+is|\s+are)\s+(?:an?\s+|the\s+)?[\w./-]{1,24}\s*\??\s*$"
    r"|全称|缩写|是什么意思|什么意思|指什么|代表什么|是什么|什么是|含义|是啥", re.IGNORECASE)
_NAME = re.compile(
    r"^\s*(?:who|whom|whose)\b|\b(?:which\s+(?:company|companies|vendor|vendors|model|models|tool|tools|person|team|"
    r"file|command|library|switch|nic|class|mode|profile|algorithm|protocol|standard|one|leaf|port|queue)\b"
    r"|what\s+(?:model|vendor|name|tool|command|library|class|mode|profile|algorithm|product|card|chip)\b"
    r"|named?\b)|谁|哪家|哪个(?:厂商|型号|工具|命令|团队|人|文件|模式|类|队列|算法)|什么型号|型号|名称|叫什么|哪位",
    re.IGNORECASE)
_YESNO_EN = re.compile(r"^\s*(?:is|are|does|do|can|could|should|must|will|would|was|were|has|have|did|may)\b",
                       re.IGNORECASE)
_YESNO_ZH = re.compile(r"是否|能否|可否|吗[？?]?\s*$|能不能|可不可以|是不是|有没有|会不会")
_PROCEDURE = re.compile(
    r"\b(?:how\s+(?:do|does|should|can|would)\s+(?:i|we|you|one|an?\s+operator|the\s+operator)\b"
    r"|steps?\b(?!\s*(?:times?|rates?|durations?|latency|latencies|size|counts?|per\b|/))"  # "step time" is a measure
    r"|(?:has|have)\s+to\s+happen\b|what\s+(?:must|should)\s+(?:be\s+done|happen|i\s+do)\b|procedure\b)"
    r"|步骤|流程|怎么做|如何操作|下一步|上一步", re.IGNORECASE)
# "… right before draining", "修复之后 …": a question about steps, unless it asks for a value or a name ("刷 3.2.0
# 固件之前，主机驱动最低得是哪个版本？" asks for a version).
BEFORE_AFTER = re.compile(r"\b(?:right\s+)?(?:before|after)\s+\w+ing\b|之前|之后", re.IGNORECASE)
# "Which clause of the spec defines …", "在哪一节规定": the answer names the numbered section the fact stands in.
_WHERE = re.compile(r"\b(?:(?:which|what)\s+(?:\w+\s+)?(?:clause|section|chapter|subclause|annex|appendix)s?\b"
                    r"|where\s+(?:in|does|do|is|are)\b[^?]*\b(?:spec|specification|standard|draft|document)\b)"
                    r"|哪一?(?:节|章)|哪一条|第几(?:条|节|章)|哪个(?:条款|章节)|\bclause\b", re.IGNORECASE)
WHY = re.compile(r"\bwhy\b|为什么|为何|为啥|咋会|怎么会|原因是(?:什么|啥)|(?:什么|啥)原因", re.IGNORECASE)
# (why-questions are caught by WHY before the value patterns; these are the other ways of asking for a reason)
_REASON = re.compile(r"\b(?:how\s+does\b|how\s+do\b|how\s+is\b|how\s+(?:can|could|would|should)\b|what\s+happens\b)"
                     r"|原因|如何|怎么|机制|原理", re.IGNORECASE)
# What something is for ("what is an entropy value used for?"): a purpose, not the value its words name
_PURPOSE = re.compile(r"\b(?:used\s+for\s*[?？]?\s*$|purpose\b)|^\s*what\s+(?:is|are)\b.{1,60}\bfor\s*[?？]?\s*$"
                      r"|用来(?:做|干)什么|(?:干|做)什么用|有什么用|作用是", re.IGNORECASE)

# Attribute words a value question names: stems as lexicon.tokenize makes them, and Chinese forms.
ATTRIBUTE_WORDS = frozenset(stem(w) for w in (
    "default defaults value size port number count limit threshold timeout rate percentage ratio interval period "
    "duration latency bandwidth length width speed year date price cost capacity depth weight multiplier window "
    "budget maximum minimum floor ceiling temperature occupancy utilisation utilization efficiency throughput tick "
    "delay mtu frequency power distance level retries attempts version release firmware deadline serial mtbf "
    "mttr").split()) | {
    "默认", "端口", "阈值", "上限", "下限", "大小", "数量", "次数", "时间", "时延", "延迟", "带宽", "速率", "比例", "版本",
    "超时", "间隔", "周期", "容量", "深度", "权重", "窗口", "功耗", "温度", "价格", "重试", "序列号"}

# Attributes stated as a bare number, without their name ("Maximum attempts: 5" answers "how many …"), and words
# for the sort of value asked ("What time did …" is answered by "06:10", "which release" by "1.8.0"): that no
# document names one of these says nothing about whether the documents answer (a date is written "on 11
# September", seldom "the date was …").
GENERIC_ATTRIBUTES = frozenset(stem(form) for w in "value number count size limit length width rate ratio percentage "
                               "maximum minimum level setting parameter share fraction date year deadline time day "
                               "month week hour minute amount release version model".split()
                               for form in (w, f"{w}s")) | {  # the stemmer leaves "settings" at "setting"
    "数量", "次数", "大小", "比例", "时间", "版本", "上限", "下限", "速率", "型号"}  # and their Chinese forms
# A number with a unit of size, time or rate in a question: "64 MiB", "16 KiB", "2 µs", "400 Gb/s".
_UNITS = ("gb/s", "tb/s", "mb/s", "gbps", "tbps", "mbps", "bytes", "byte", "kib", "mib", "gib", "tib", "kb", "mb", "gb",
          "tb", "ms", "us", "µs", "ns", "b", "s", "微秒", "毫秒", "纳秒", "秒", "字节", "k")
_UNIT_SPELLINGS = {unit: "|".join(map(re.escape, spellings)) for spellings in (
    ("µs", "us", "μs", "微秒", "microseconds", "microsecond"), ("ms", "毫秒", "milliseconds", "millisecond"),
    ("ns", "纳秒", "nanoseconds", "nanosecond"), ("s", "秒", "seconds", "second", "sec"),
    ("b", "bytes", "byte", "字节"), ("gb/s", "gbps", "gbit/s", "g"), ("tb/s", "tbps"), ("mb/s", "mbps"))
    for unit in spellings}
# "1K messages", "416K threshold": a size in KiB (or KB) as chat writes it — or a thousand ("10k nodes")
_UNIT_SPELLINGS["k"] = "kib|kb|k|千字节"
# words that bound a quantity, before its number or (Chinese, "or less") after its unit
_BOUND_BEFORE = (r"below|under|less\s+than|fewer\s+than|above|over|more\s+than|at\s+least|at\s+most|up\s+to|"
                 r"no\s+more\s+than|no\s+less\s+than|exceeds?|exceeding|minimum|maximum|min\.?|max\.?|"
                 r"低于|小于|高于|大于|超过|不低于|不超过|不小于|不大于|至少|最多|最少|最大|最小")
_BOUND_AFTER = r"以下|以上|以内|or\s+(?:less|more|below|above|lower|higher)"
# An incast or oversubscription ratio ("64:1", "64 打 1", "64-to-1"): a condition like a measure, which a
# passage writing 32:1 does not hold.
_RATIO = re.compile(r"(?<![\w.:])(\d+)\s*(?::|-to-|\s+to\s+|打|对)\s*1(?![\d:])", re.IGNORECASE)
_UNIT_SPELLINGS[":1"] = r":\s*1(?![\d:])|-to-1(?!\d)|\s*to\s*1(?!\d)|\s*打\s*1(?!\d)|\s*对\s*1(?!\d)"
_MEASURED = re.compile(rf"(?<![\w.\-])(\d+(?:,\d{{3}})*(?:\.\d+)?)\s?({'|'.join(map(re.escape, _UNITS))})(?![a-z/])"
                       r"(?!\s*(?:models?|params?|parameters?|llms?)\b|\s*(?:模型|参数))",  # "34B model": parameters
                       re.IGNORECASE)
_CHINESE_ATTRIBUTES = tuple(term for term in ATTRIBUTE_WORDS if not term.isascii())
# a number, also a negative one ("-7 dBm"), not the digits of a name or a version ("PW-680", "1e-5", the draft "-02")
_NUMBER = re.compile(r"(?:(?<![\w.\-])|(?<=(?<![\w.\-])-)(?!0\d))(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d,])")
# Units of measure are not names: "4 KiB" in a question says nothing about which passage it is.
_UNIT_WORDS = frozenset("kib mib gib tib kb mb gb tb kbps mbps gbps tbps ms us ns µs ps hz khz mhz ghz".split())
# Nor are the names of months and days: "on 2 April" is a date, a condition written in Chinese notes as 4 月 2 日
_CALENDAR_WORDS = frozenset("january february march april may june july august september october november december "
                            "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday "
                            "friday saturday sunday".split())
# Nor are the words naming a part of a document ("Table A", "Section 6.4", "Annex D"): they say where, and a
# Chinese note writes them 表, 节, 附录 (REFERENCE and answerability's lettered parts look for the part itself)
_DOCUMENT_PART_WORDS = frozenset("table figure fig section clause chapter annex appendix page slide".split())
_MEASURE = re.compile(r"\b(?:per\s+(?:second|minute|hour|day|port|node|link)\b|p\d{2}\b)|值|速率|带宽|时延",
                      re.IGNORECASE)
# A question that supplies its numbers ("With a 400 gigabit link and an 8 µs RTT, how much …", "if the RTT is
# 8 µs", "假设 …") asks for something derived from them: no passage need hold them. A "with" after the asked
# thing is a condition of a measurement instead ("what busbw does Osprey get with 2 GiB messages"): only a
# leading clause of givens supposes.
_SUPPOSED = re.compile(r"\b(?:if|assuming|assume|suppose|supposing|given)\b|^\s*with\b[^,?，]*\d[^,?，]*[,，]|假设|如果|假如|若",
                       re.IGNORECASE)
# a release of three or more parts ("5.1.4", "v2.15.3") names a thing, and is no condition: its "5.1" is no number
_RELEASE = re.compile(r"(?<![\w.])v?\d+\.\d+\.\d+(?:\.\d+)*(?![\w]|\.\d)", re.IGNORECASE)
_EVENT_DATE = re.compile(r"(?<![\d.])\d{1,2}·\d{1,2}(?![\d.])")  # "10·23": an event named by its month and day
# A name's word ("R05/R06" is two names); a hex value ("0xFFF") whole, not the letters after its 0, nor "x400G"
# of "2x400G" or "e-5" of "1e-5"
_ANCHOR = re.compile(r"0x[0-9a-f]+(?![\w]|\.\w)|(?<![0-9])[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*", re.IGNORECASE)


# What sort of value a question asks for, and how a sentence or row writes one (classic answer typing): a
# unit that holds a value of the asked sort is a better answer than one with just any number. First match wins.
# units of measure after a number: "how many bytes" asks for a size, "16 us" is no count
_UNIT_NAMES = (r"(?:bits?|bytes?|[kmgt]i?b|[kmgt]bits?|ns|us|µs|μs|ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|"
               r"days?|weeks?|months?|years?|[gmt]b/s|[gmt]bps|gbit/s|watts?|w|percent|microseconds?|milliseconds?|"
               r"nanoseconds?|meters?|metres?|m)")
DUTY, COMMAND = "duty", "command"  # the answer types whose answers hold no value
PATH = "path"  # nor does a path: it is the value
# Each entry: the sort's name; how a question asks for it, in two parts — English alternatives, each after a word
# boundary (tested once before all of them, also in _ANY_ANSWER_TYPE), and the others (Chinese, or anchored at
# the start); how a unit says it.
_TYPED = (
    ("clock", r"what\s+time\b|at\s+what\s+time\b", r"几点", rf"{CLOCK}|\d\s*点"),
    # a field's width ("how many bits wide is the PSN", "GID 多少位" — not "多少位专家", people): "24-bit",
    # "32 bit", a table's "Width (bits): 24"
    ("width", r"how\s+many\s+bits\b|bits?\s+wide\b|how\s+wide\b", r"多少位(?=\s*[？?，,。]|\s*$)|多少\s*bit|位宽",
     r"\d\s*-?\s*(?:bits?|位)(?![a-z])|\(bits\)\s*[:：]\s*\d"),
    # a count of things ("how many retries", "几次"): a number that is not a measure ("5 attempts", "16,384
    # contexts", "four delivery modes"), not "16 us" or "3.4.x"
    ("count", rf"how\s+many\s+(?!(?:\w+\s+)?{_UNIT_NAMES}\b)", r"(?:几|多少)[次个种台条项位根块组张家]|次数",
     rf"(?<![\w.\-/:#])\d{{1,3}}(?:,\d{{3}})*(?![\d.,:/\-]|\s*(?:%|{_UNIT_NAMES}(?![a-z])|{MONTH_NAMES}\b|月|日|号|微秒|毫秒|纳秒|秒|分钟|小时|字节))"
     r"|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+[a-z]"
     r"|[两二三四五六七八九十]+[种个类层项位台次条级路根块组张家]"),
    ("version", r"(?:which|what)\s+(?:\w+\s+){0,2}(?:version|release|firmware|build)\b", r"(?:哪个|什么|啥)[^\s，,。？?]{0,4}版本|版本号|哪一版",
     r"(?<![\w.])v?\d+\.\d+(?:\.\d+)+(?![\d.])|(?<![\w.])v\d+(?:\.\d+)?\b"),
    ("date", r"when\s+(?:did|was|were|will|is|does)\b|(?:what|which)\s+(?:date|day)\b|on\s+which\s+day\b",
             r"^\s*when\b|什么时候|啥时候?|何时|哪天|哪一天|几号|日期|几月",  # 啥时候: 什么时候 as typed
     rf"\b\d{{1,2}}\s+(?:{MONTHS})[a-z]*\b|\b(?:{MONTHS})[a-z]*\.?\s+\d{{1,2}}\b|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
     r"|(?<![\w./-])(?:[0-2]?\d|3[01])[-/](?:[0-2]?\d|3[01])(?![\w./-])|\d+\s*月\s*\d+\s*[日号]"
     rf"|{WEEKDAY}|{YEAR_OR_QUARTER}"),
    ("duration", r"how\s+(?:long|quickly|soon)\b|(?:timeouts?|intervals?|latency|latencies|delays?|durations?|periods?|rto|rtt"
                 r"|ticks?|hold-?down|timers?|mtbf|mttr)\b|mean\s+time\s+(?:between|to)\b"  # MTBF: hours
                 # a time something takes: "step time", "recovery time" (not "what time", a clock)
                 r"|(?:step|completion|recovery|boot|reboot|convergence|failover|response|setup|repair|run|wall)[- ]times?\b",
     r"多久|多长时间|时延|延迟|超时|间隔|(?<!时钟)(?<!固件)周期(?!预算|数)|时长|定时|平均无故障|(?<![a-z])mtbf",  # not
     # cycles: "固件周期预算"
     r"\d\s*(?:ns|us|µs|μs|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|days?|weeks?)(?![a-z])"
     r"|\d\s*(?:纳秒|微秒|毫秒|秒|分钟|小时|天|周)"
     # or spelt out: "three weeks late", "a day", "晚到三周", "两个小时"
     r"|\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|several)\s+"
     r"(?:seconds?|minutes?|hours?|days?|weeks?|months?)\b"
     # (not an ordinal, "第三周"; not a period, "一周期"; a month only as a span, "三个月", not "三月", March)
     r"|(?<!第)[一两二三四五六七八九十半]+\s*(?:个\s*)?(?:小时|分钟|天|周(?!期)|星期)|(?<!第)[一两二三四五六七八九十半]+\s*个\s*月"),
    ("size", r"how\s+(?:large|big)\b|how\s+many\s+(?:\w+\s+)?bytes\b|(?:size|buffers?|memory|capacity|sram|mtu)\b",
             r"多大|容量|大小|缓冲|内存|多少字节",
     r"\d\s*-?\s*(?:b|bytes?|octets?|kb|kib|mb|mib|gb|gib|tb|tib|字节)(?![a-z/])"),
    # a file or a socket's path ("default control socket path", "配置文件默认在哪个路径"): "/run/fpdd/fpctl.sock" —
    # not a network's ("single-path ECMP", "多路径")
    (PATH, r"(?:files?|sockets?|config(?:uration)?|logs?|install(?:ation)?)\s+(?:\w+\s+)?(?:path|directory|folder|location)\b"
           r"|(?:path|directory|folder)\s+(?:of|to|for)\s+(?:the\s+|its\s+)?(?:\w+\s+)?(?:files?|sockets?|logs?)\b",
           r"(?:文件|配置|日志|套接字|socket|安装)\S{0,6}(?:路径|目录)|(?:哪个|什么)(?:路径|目录)",
     r"(?<![\w/])~?/[\w.\-]+/[\w.\-/]*|\b[a-z]:\\"),
    # a TCP or UDP port a service listens on ("what port does pl-agent serve its metrics on", "which udp port does
    # UET use"): "listen: 0.0.0.0:9471", "UDP 4793", "port 4791" — not a switch's port ("eth1/41")
    ("port", r"(?:tcp|udp)\s+ports?\b|(?<!per )(?<!each )(?<!every )(?<!a )ports?\s+(?:does|do|did|is|number\b"
             r"|(?:\w+\s+){0,4}?(?:listens?|serves?|exposes?|binds?|opens?))\b",
             r"(?:tcp|udp)\s*端口|监听\S{0,8}端口|端口号",
     r"(?<![\w.])port\s*[:=#]?\s*\d{2,5}(?![\d.])|[\w.\]]:\d{2,5}(?![\d.:])|(?:tcp|udp)\s*(?:port\s*)?\d{2,5}(?![\d.])"
     r"|\b\d{2,5}/(?:tcp|udp)\b|端口\s*[:：]?\s*\d{2,5}"),
    ("rate", r"(?:bandwidth|throughput|line\s+rate|goodput)\b", r"带宽|吞吐|速率",
     r"\d\s*(?:[gtm]b/s|[gtm]bps|gbit/s|[gt]\b|mpps|pps)|\d\s*%"),
    ("percent", r"(?:percent|percentage|utili[sz]ation|efficiency|occupancy|ratio|fraction)\b", r"百分|比例|占比|利用率|比率",
     r"\d\s*(?:%|pct\b)|百分之|percent|_pct\s*[:=]\s*\d"),
    ("power", r"power\b|watts?\b", r"功耗|多少瓦", r"\d\s*(?:w|kw|watts?|dbm)(?![a-z])|\d\s*瓦"),
    ("price", "", r"^(?!.*\bhow\s+many\b).*\b(?:price|cost|paid|pay)\b|价格|多少钱|成本",
     r"[$€¥£]\s*\d|\d\s*(?:usd|eur|元|万元|亿元|亿|dollars?)"),
    # a command to run: written in code ("`tvnctl pdc show`", a "$ " prompt, an admin tool "kfabctl port drain")
    (COMMAND, r"(?:what|which)\s+(?:\w+\s+){0,2}commands?\b|commands?\s+(?:to|for|did|do|does)\b"
              r"|how\s+(?:do|can|should)\s+(?:i|we|you)\s+(?:check|verify|see|confirm|show|list|find)\b",
              r"哪(?:个|条|些)命令|什么命令|怎么(?:在\S{0,8})?(?:检查|查看|确认)|如何(?:在\S{0,8})?(?:检查|查看|确认)",
     r"`[^`\n]{3,}`|(?:^|\s)\$\s+\w|\b[a-z][\w.-]*(?:ctl|adm|cli)\s+[a-z]"),
    # what a party must do: a requirement of a specification says it ("A member … MUST send a GNAK")
    (DUTY, r"what\s+(?:must|shall|should|has|have|is|are)\s+(?:\w+\s+){0,4}?(?:do|required\s+to\s+do|to\s+do)\b"
           r"|(?:must|shall)\s+(?:\w+\s+){0,3}do\b", r"必须做什么|应该做什么|应当做什么|要做什么|需要做什么|怎么处理|如何处理",
     r"\b(?:must|shall|required|should)\b|必须|应当|应该|须"),
)
# The "asks" patterns are matched against the lower-cased question, without IGNORECASE (their letters are all
# lower case): the regular expression engine then skips an alternative whose first letter differs at once,
# where a case-insensitive literal is tried in full — the prefilter below took 20 instead of 33 µs on an English
# question.
ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (name, re.compile(rf"\b(?:{english})|{other}" if english else other), re.compile(says, re.IGNORECASE))
    for name, english, other, says in _TYPED)


# Whether any entry of ANSWER_TYPES asks: most questions match none, and one search tells (the entries are then
# tried in order, the first that asks wins). One word-boundary test before all English alternatives.
_ANY_ANSWER_TYPE = re.compile(r"\b(?:" + "|".join(f"(?:{english})" for _, english, _, _ in _TYPED if english) + ")|"
                              + "|".join(f"(?:{other})" for _, _, other, _ in _TYPED))  # on the lower-cased question
# the one answer type a procedure keeps ("how do I check …" asks for a command)
_COMMAND_ASKS = next(asks for name, asks, _ in ANSWER_TYPES if name == COMMAND)


@dataclass(frozen=True)
class QuestionShape:
    language: str
    kind: str
    attributes: frozenset[str]
    numbers: frozenset[str]
    anchors: tuple[str, ...]  # lower-cased, as they must appear in a passage
    required: tuple[str, ...] = ()  # names of REQUIRED_ATTRIBUTES the question asks for
    measures: tuple[str, ...] = ()  # a number with its unit ("64 MiB", "64 :1"): a passage holds it only so
    supposed: bool = False  # the question gives its numbers as inputs ("with a 400G link and an 8 µs RTT, …")
    expects: re.Pattern[str] | None = None  # how a value of the asked sort is written (ANSWER_TYPES), if known
    counting: bool = False  # "how many …", "几种": a count spelled out in words answers it too
    subject: tuple[str, ...] = ()  # lower-case words naming what is asked for (see subject_words)
    sort: str | None = None  # the name of the ANSWER_TYPES entry `expects` comes from
    where: bool = False  # asks which clause or section of a document says something

    @property
    def numbered(self) -> tuple[str, ...]:
        """The anchors with a digit ("l23", "pw-680"): identifiers, whose siblings differ by the number."""
        return tuple(a for a in self.anchors if any(c.isdigit() for c in a))

    @property
    def valueless(self) -> bool:
        """Asks what a party must do or which command to run: a requirement or a command need hold no value."""
        return self.sort in (DUTY, COMMAND)

    def measure_patterns(self) -> tuple[re.Pattern[str], ...]:
        """How a passage may write each measure: the number, then the unit in any of its spellings."""
        # … or the unit in the name of a setting the number is given to ("push_ack_timeout_ms = 800")
        return tuple(re.compile(rf"(?<![\d.,]){re.escape(number)}(?:\.0+)?\s*(?:{_UNIT_SPELLINGS.get(unit, re.escape(unit))})"
                                rf"(?![a-z])|_{re.escape(unit)}[`'\"]?\s*[=:]\s*[`'\"]?{re.escape(number)}(?![\d.,])"
                                + (_thousands(number) if unit == "k" else ""), re.IGNORECASE)
                     for number, unit in (m.split(" ", 1) for m in self.measures))

    def bound_patterns(self) -> tuple[re.Pattern[str], ...]:
        """How a passage may bound each measure's quantity: a limit in the same unit ("below 64 KiB", "at most
        128 KiB", "64 KiB 以下") — which answers whether a value of it is allowed or takes effect."""
        return tuple(re.compile(rf"(?:{_BOUND_BEFORE})\s*(?:of\s+)?[\d.,]+\s*(?:{_UNIT_SPELLINGS.get(unit, re.escape(unit))})(?![a-z])"
                                rf"|[\d.,]+\s*(?:{_UNIT_SPELLINGS.get(unit, re.escape(unit))})\s*(?:{_BOUND_AFTER})", re.IGNORECASE)
                     for _, unit in (m.split(" ", 1) for m in self.measures))


def _thousands(number: str) -> str:
    """The alternative pattern of "10k" written out: 10,000 or 10000 (none for a fraction: "1.5k")."""
    if not number.isdigit():
        return ""
    return rf"|(?<![\d.,]){number},?000(?![\d.,]\d)"


def measures_in(text: str) -> tuple[str, ...]:
    """The numbers written in `text` with a unit, each as "number unit" ("64 mib", "8 us", "32 :1"): MAX_NAMES of
    them at most, those of its asking part first (each is a pattern to make)."""
    return bounded(list(dict.fromkeys([f"{m.group(1).replace(',', '')} {m.group(2).lower()}" for m in _MEASURED.finditer(text)]
                                       + [f"{m.group(1)} :1" for m in _RATIO.finditer(text)])), text)


def numbers_in(text: str) -> set[str]:
    """The numbers written in `text`, in one form: thousands separators and trailing decimal zeros removed
    ("1,024" → "1024", "2.0" → "2", "1.50" → "1.5")."""
    found = set()
    for match in _NUMBER.findall(text):
        number = match.replace(",", "")
        if "." in number:
            number = number.rstrip("0").rstrip(".")
        found.add(number)
    return found


_COUNTING = re.compile(r"\b(?:how\s+many\b|number\s+of\b)|(?:多少|几)[种个类层项位台次条级路根块组张家]", re.IGNORECASE)
_COUNT_WORDS = {word: str(n) for n, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split()) if n >= 2}
_COUNT_WORDS.update({"twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "hundred": "100"})
_COUNT_EN = re.compile(rf"\b({'|'.join(_COUNT_WORDS)})\b", re.IGNORECASE)
_ZH_DIGITS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# a Chinese count before its measure word: 四种, 三个, 两台, 十二条 (一 is left out: 一个 is mostly "a")
_COUNT_ZH = re.compile(r"(十[二三四五六七八九]?|[两二三四五六七八九]十?[二三四五六七八九]?)(?=[种个类层项位台次条级路根块组张家])")


def counts_in(text: str) -> set[str]:
    """Counts spelled out in words ("four delivery modes", "三个 profile"), as numbers: a "how many" question is
    answered by them as by digits. "one" and 一 are left out: they are mostly articles."""
    found = {_COUNT_WORDS[m.group(1).lower()] for m in _COUNT_EN.finditer(text)}
    for match in _COUNT_ZH.finditer(text):
        word = match.group(1)
        tens, _, units = word.partition("十")
        value = (_ZH_DIGITS.get(tens, 1) * 10 + _ZH_DIGITS.get(units, 0)) if "十" in word else _ZH_DIGITS[word]
        found.add(str(value))
    return found


def anchors_in(question: str) -> tuple[str, ...]:
    """The question's specific names: identifiers with a digit or an underscore (L23, HX-400, RB-07, Heron-70B,
    pds.max_retx), abbreviations of two or more capitals (LLR, NSCC, PDCs), and capitalised words that are not
    the question's first word (Osprey, Grafana, Corvane) — unless most of its words are capitalised ("How Long Did
    The Outage Last?"). Lower-cased, in order, without repeats; the first MAX_NAMES of them."""
    found: list[str] = []
    chinese = has_cjk(question)
    words = [w for w in re.findall(r"[A-Za-z]{3,}", question)[1:] if w.lower() not in EN_STOP_WORDS and not w.isupper()]
    title_case = len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)  # "How Long Did …":
    # a capital is the question's style there, not a name's (abbreviations, all capitals, say nothing of it)
    for match in _ANCHOR.finditer(question):
        word = match.group()
        start = match.start()
        if word.islower() and word.isalpha():
            continue  # most words: nothing specific about them
        has_digit = not word.isalpha() and any(map(str.isdigit, word))
        capitals = sum(map(str.isupper, word))
        # (a Chinese question has no capitals of its own: "Harrier 集群的 trim 阈值" starts with a name)
        first_word = not question[:start].strip(" \t\"'“(") and not chinese
        specific = (has_digit and any(map(str.isalpha, word))) or capitals >= 2 or "_" in word or (
            word[0].isupper() and not first_word and len(word) > 2 and not title_case)  # "_": startup_delay_s
        if not specific:
            continue
        term = word.lower()
        if word.endswith("s") and word[:-1].isupper():  # plural of an abbreviation: PDCs → pdc
            term = term[:-1]
        if term not in EN_STOP_WORDS and term not in _UNIT_WORDS and term not in _CALENDAR_WORDS \
                and term not in _DOCUMENT_PART_WORDS and term not in found:
            found.append(term)
    if chinese:  # a model named in Chinese with its size ("鹭-13B"): whole, not its "13B" alone
        found += [name.lower() for name in dict.fromkeys(_CHINESE_MODEL.findall(question)) if name.lower() not in found]
    return bounded(found, question)


_CHINESE_MODEL = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{1,3}-\d+(?:\.\d+)?[BMKT](?![A-Za-z0-9])")


# an attribute the question gives a value of ("firmware 3.6.0", "port 12"): what it says about is asked, not it
_GIVEN_ATTRIBUTE = re.compile(r"\b([a-z]+)\s+(?=v?\d)", re.IGNORECASE)


def _without_given(text: str) -> str:
    """The question without the attribute words it gives a value of ("What will firmware 3.6.0 add?" asks no
    firmware, "… on port 12" no port)."""
    return _GIVEN_ATTRIBUTE.sub(lambda m: m.group(0) if stem(m.group(1).lower()) not in ATTRIBUTE_WORDS
                                else m.group(0)[len(m.group(1)):], text)


@functools.lru_cache(maxsize=256)  # one call per answer: only questions asked again (popular ones) hit it
def shape(question: str) -> QuestionShape:
    language = question_language(question)
    text = uncontracted(question.strip())
    asking = _without_given(text)
    if _YESNO_EN.search(text) and not re.search(r"\b(?:how|what|which|who|why|when)\b", text, re.IGNORECASE) \
            or has_cjk(text) and _YESNO_ZH.search(text):
        kind = "yesno"
    elif _PROCEDURE.search(text) or BEFORE_AFTER.search(text) and not (
            _NUMBER_EN.search(text) or _NUMBER_ZH.search(text) or _NAME.search(text)):
        kind = "procedure"
    elif WHY.search(text) or _PURPOSE.search(text):  # "why was the default raised?" asks for a reason, not
        # for the value; "what is the entropy value used for?" for a purpose
        kind = "reason"
    elif "谁" in text and not _HOW_MUCH_ZH.search(text):  # "复测乱序比例是谁的活" asks for a person, not the ratio
        kind = "name"
    elif _NUMBER_EN.search(asking) or _NUMBER_ZH.search(text):
        kind = "number"
    elif _NAME.search(text):
        kind = "name"
    elif _DEFINITION.search(text):
        kind = "definition"
    elif _REASON.search(text):
        kind = "reason"
    else:
        kind = "other"
    words = {stem(w) for w in re.findall(r"[a-z]+", asking.lower())}
    attributes = frozenset(w for w in words if w in ATTRIBUTE_WORDS)
    if language == "zh" or not text.isascii():
        attributes |= frozenset(term for term in _CHINESE_ATTRIBUTES if term in text)
    if kind == "other" and (attributes or _MEASURE.search(text)):
        kind = "number"  # "P99 latency for 4 KiB through a spine?", "tokens per second on 512 accelerators?"
    # an attribute a passage must name, when the question asks for its value: "how is the benchmark price
    # defined" asks how, and the answer need not name a price
    required = required_in(text) if kind not in ("reason", "procedure") else ()
    measures = measures_in(text)
    # "Table 3" names a table, not a condition; nor does "the 10·23 incident" (an event by its date) name a row
    referring = REFERENCE.sub(" ", ZH_SECTION.sub(" ", text) if "节" in text or "章" in text else text)
    numbers = frozenset(numbers_in(_EVENT_DATE.sub(" ", _RELEASE.sub(" ", referring))))
    supposed = bool(numbers) and bool(_SUPPOSED.search(text))
    # "how do I check …" is a procedure that still asks for a command; other procedures, reasons and definitions
    # ask for no sort of value (and most questions match no answer type: one search of them all tells)
    lowered = text.lower()
    typed = kind in ("number", "name", "other") or _COMMAND_ASKS.search(lowered)
    sort, expects = next(((name, says) for name, asks, says in ANSWER_TYPES if asks.search(lowered)), (None, None)) \
        if typed and _ANY_ANSWER_TYPE.search(lowered) else (None, None)
    if kind not in ("number", "name", "other") and sort != COMMAND:
        sort, expects = None, None
    return QuestionShape(language, kind, attributes, numbers, anchors_in(text), required, measures, supposed,
                         expects, bool(_COUNTING.search(text)), subject_words(text, language), sort,
                         bool(_WHERE.search(text)))
