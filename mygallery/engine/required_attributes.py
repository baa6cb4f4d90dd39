"""Attributes a question can ask for that only a passage naming them answers — a vendor, a model, an owner, a
date, a version, an e-mail address, a serial number … — each with the pattern of the question asking and the
pattern of a passage answering; and the pieces a date is written with, shared with the answer types of
question_shape.py. Non-goals: the rest of a question's shape (question_shape.py), judging (answerability.py).
"""

from __future__ import annotations

import functools
import re
from typing import Protocol

MONTHS = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
MONTH_NAMES = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
               r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# A numbered part of a document ("Table 3", "§ 4.2", "clause 5.1", "第 3 页", "表 2", "Table 5-1"): its number says
# where — in a question not under which condition, in a passage neither a value nor a date ("5-1").
REFERENCE = re.compile(r"(?:\b(?:table|tab\.|figure|fig\.|section|sect\.|clause|chapter|annex|appendix|page|slide)"
                       r"\s*|§\s*|[表图]\s*|第\s*)(?:[A-Z]\.?)?\d+(?:[.\-]\d+)*", re.IGNORECASE)
# … and a section a Chinese question names by its number alone: "讲义 7.1 节" (not "2 节点", nodes)
ZH_SECTION = re.compile(r"(?<![\w.])\d+(?:\.\d+)+\s*[节章]|(?<![\w.])\d+\s*[节章](?=\s|[：:，,。；;）)]|$)")  # not "4 节电池"
# how a date's weekday, its year or quarter and a clock time are written: in the date sort of ANSWER_TYPES and in
# the date a "when" question requires (REQUIRED_ATTRIBUTES)
WEEKDAY = r"周[一二三四五六日]|星期|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
YEAR_OR_QUARTER = r"(?<![\w-])(?:19|20)\d\d\b(?!-\d{3})|\bq[1-4]\b|季度"  # not the year in "RFP-2026-031"
CLOCK = r"(?<!\d)\d{1,2}:\d{2}(?!\d)"
# a day of a month in English ("2 April", "Apr. 2"): in the date a "when" question requires and in the day a
# "哪天" question does
MONTH_DAY = rf"\b\d{{1,2}}\s+(?:{MONTH_NAMES})\b|\b(?:{MONTH_NAMES})\.?\s+\d{{1,2}}\b"
# a maker's name before a product code ("Tervana TN-4410", "Sable Peak SP-31"), not a sentence's first word
_MAKER = r"(?-i:\b(?!The\b|This\b|That\b|Each\b|Every\b)[A-Z][a-z]{2,}(?:\s+[A-Z][a-z]+)?\s+"


# Attributes a passage must name to answer a question that asks for one (a vendor, a model, a price …): the
# pattern that finds the question asking, and the pattern of the words a passage answers with. Unlike a size
# or a count, which a passage states as a number without the word, these are named when they are given.
REQUIRED_ATTRIBUTES: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    name: (re.compile(asks, re.IGNORECASE), re.compile(says, re.IGNORECASE)) for name, asks, says in (
        ("vendor", r"\b(?:which|what)\s+(?:vendor|manufacturer|supplier|company)|\bwho\s+(?:makes|made|supplies|sells)\b"
                   r"|\bvendor\s+(?:is|was)\b|哪家|哪个(?:厂商|厂家|供应商)|什么(?:厂商|厂家|品牌)|厂商是",
                   # (a bid's minutes name bidders by a letter: "C 厂的 1.238 亿元")
                   r"vendor(?!\s+defaults?)|manufactur|supplier|made\s+by|厂商(?!默认)|厂家|供应商|品牌|(?<![A-Za-z])[A-Z]\s?厂"
                   # or a maker's name before its product code
                   rf"|{_MAKER}[A-Z]{{1,5}}-?\d{{2,5}}[A-Z]{{0,3}}\b)"),
        ("model", r"\bmodel\s+(?:number|of|is|does|did)|\bwhat\s+model\b|\bwhich\s+model\b|型号",
                  # or a maker's name before its product code ("Tingzhou TZ-8D4"), or a product code before what
                  # it is ("TN-4410 switches"): a model is seldom introduced by the word
                  rf"\bmodel|型号|{_MAKER}[A-Z]{{1,5}}-?\d[A-Z0-9]{{0,4}}\b)"
                  r"|(?-i:\b[A-Z]{1,5}-?\d{2,5}[A-Z0-9]{0,3})\s*(?:switch|nic|adapter|module|optic|transceiver|card|网卡|交换机|光模块)"),
        # "how many card hours did the incident cost" counts hours, it asks for no price
        ("price", r"^(?!.*\bhow\s+many\b).*\b(?:price|cost|pay|paid)\b|价格|成本|费用|多少钱", r"\b(?:price|cost|paid|\$|usd|eur)|价格|成本|费用|元"),
        ("power", r"\bpower\s+(?:draw|consumption|budget|use)|\bwatts?\b|功耗|多少瓦", r"\bwatts?\b|\d\s*w\b|功耗|瓦"),
        ("algorithm", r"\b(?:algorithm|cipher|hash\s+function|key\s+derivation\s+function)\b|算法|密码套件",
                      r"\b(?:algorithm|cipher|aes|gcm|sha|hkdf|kdf|chacha)|算法"),
        ("temperature", r"\btemperature\b|温度", r"temperature|°c|温度"),
        ("owner", r"\bwho\s+(?:owns|owned|is\s+responsible)|\bowner\b|负责人|谁负责",
                  r"\bown|responsib|manag|maintain|\blead\b|in\s+charge|负责|维护|对接|经理"),
        # who approved a change or signed it off: a passage that names an approval
        ("approver", r"\bwho\s+(?:approved|approves|signed\s+off|signs\s+off)|\bapprover\b|谁审批|谁批准|审批人|谁签字|谁批的",
                     r"approv|sign(?:ed|s)?[\s\-]off|审批|批准|签字|签批|批的"),
        ("time", r"\bwhen\s+(?:will|was|were|did)\b|\bon\s+which\s+(?:day|date)\b|\bwhat\s+(?:day|date)\b"
                 # "when is the upgrade scheduled": a date, not an event
                 r"|\bwhen\s+(?:is|are)\b[^?？]{0,60}\b(?:scheduled|planned|expected|due|released|published|available)\b"
                 r"|(?:什么|啥)时候?(?:发布|支持|上线|开始|结束|到期|召开|举行|换|升级)|何时|哪天|哪一天|几号|哪一年|哪年",
                 # a date or a time: not any number ("Planned for firmware 3.3", "a single 400 GbE port" say no date)
                 rf"{MONTH_DAY}|(?<![\w-])\d{{4}}-\d{{1,2}}(?:-\d{{1,2}})?(?!\w)"  # not "RFP-2026-031"
                 rf"|(?<![\w./-])\d{{1,2}}[-/]\d{{1,2}}(?![\w./-])|\d+\s*月|\d+\s*[日号](?![志常期程])|{YEAR_OR_QUARTER}|{CLOCK}"
                 rf"|\bweek\s+\d+|第\s*\d+\s*周|{WEEKDAY}|today|tomorrow|yesterday|next\s+(?:week|month)|"
                 r"今天|明天|下周|下个月|本周|月初|月底|上旬|中旬|下旬"),
        # "哪天", "on what date": a day, not a year alone ("2024 年共发生 5 次 PFC 风暴" says no day)
        ("day", r"\bon\s+which\s+(?:day|date)\b|\bwhat\s+(?:day|date)\b|哪天|哪一天|几号",
                rf"{MONTH_DAY}|(?<![\w-])\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\w)"
                rf"|(?<![\w./-])\d{{1,2}}[-/·]\d{{1,2}}(?![\w./-])|\d+\s*[日号](?![志常期程])|{WEEKDAY}|today|tomorrow|yesterday"
                r"|今天|明天|昨天|前天"),
        # a serial number asked for: a passage that gives one ("serial TZ24K0917", "S/N: 7731-A", an inventory's
        # "serial = BRX51-2407-02214"), not one that says an optic was replaced
        ("serial", r"\bserial\s+(?:number|no\.?)|\bserials?\b|序列号",
                   r"(?:\bserial(?:\s+(?:number|no\.?))?|\bs/n|\bsn\b|序列号)\s*(?:is\s+|was\s+|是|为)?[:#：=]?\s*(?=[\w-]*\d)[\w-]{4,}"),
        ("mtu", r"\bmtu\b", r"\bmtu\b|最大传输单元"),
        # "which kernel version", "哪个版本": a version ("6.8", "v2", "Gen5"), not a passage that names the product
        ("version", r"\b(?:which|what)\s+(?:[\w-]+\s+){0,3}?version\b|版本号|(?:哪个|什么|啥)[^\s，,。？?]{0,4}版本|哪一版",
                    r"(?<![\w.])\d+\.\d+|\bv\d+\b|\bgen\s*\d|\brev(?:ision)?\.?\s*[a-z]?\d|版本\s*\d"),
        # an e-mail address asked for: a passage that holds one, not one that mentions mail
        ("email", r"\be-?mail\s+address|\bwhat(?:'s|\s+is)\s+(?:[\w'’-]+\s+){0,3}?e-?mail\b|邮箱地址|邮箱是|的邮箱",
                  r"[\w.+-]+@[\w-]+\.\w"),
    )}


# Words without which an "asks" pattern cannot match: a question is searched only with the patterns whose word
# it contains (searching every question with all of them cost more than the rest of its shape).
_ASKS_HINTS = {
    "vendor": ("vendor", "manufactur", "supplier", "compan", "make", "made", "suppl", "sell", "哪家", "厂商", "厂家",
               "供应商", "品牌"),
    "model": ("model", "型号"), "price": ("price", "cost", "pay", "价格", "成本", "费用", "多少钱"),
    "power": ("power", "watt", "功耗", "瓦"), "algorithm": ("algorithm", "cipher", "hash", "derivation", "算法", "密码"),
    "temperature": ("temperature", "温度"), "owner": ("own", "responsible", "负责"),
    "approver": ("approve", "sign", "审批", "批准", "签字", "批的"),
    "time": ("when", "day", "date", "什么时候", "啥时候", "何时", "哪天", "哪一天", "几号", "哪一年", "哪年"), "mtu": ("mtu",),
    "version": ("version", "版本"), "email": ("mail", "邮箱"),
    "day": ("day", "date", "哪天", "哪一天", "几号"),
    "serial": ("serial", "序列号"),
}
_NAMES_OF_HINT: dict[str, list[str]] = {}
for _name, _hints in _ASKS_HINTS.items():
    for _hint in _hints:
        _NAMES_OF_HINT.setdefault(_hint, []).append(_name)
_HINT = re.compile("|".join(sorted(map(re.escape, _NAMES_OF_HINT), key=len, reverse=True)))


def required_in(text: str) -> tuple[str, ...]:
    """The names of the attributes the question `text` asks for, in REQUIRED_ATTRIBUTES order."""
    hinted = {name for hint in _HINT.findall(text.lower()) for name in _NAMES_OF_HINT[hint]}
    return tuple(name for name in REQUIRED_ATTRIBUTES if name in hinted and REQUIRED_ATTRIBUTES[name][0].search(text))


class Asking(Protocol):  # a question's shape (question_shape.QuestionShape): the attributes it asks for
    @property
    def required(self) -> tuple[str, ...]: ...


def names_required(asked: Asking, text: str) -> bool:
    """Whether `text` names every attribute the question requires (see REQUIRED_ATTRIBUTES)."""
    return _names(asked.required, text)


@functools.lru_cache(maxsize=8192)  # the same units come back question after question; a date is a long pattern
def _names(required: tuple[str, ...], text: str) -> bool:
    if "time" in required or "day" in required:
        text = REFERENCE.sub(" ", text)
    return all(REQUIRED_ATTRIBUTES[name][1].search(text) for name in required)
