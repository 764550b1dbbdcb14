"""Typed values in a customer's message: 户号, phone number, area, amount, date, use type and markers.

Extracted once, from the canonical text (digits already ASCII), and used by both the classifiers (which see the
values replaced by placeholders, see `delexicalise`) and the dialogue (as entities that fill slots).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from bot.understanding.dates import find_date

ACCOUNT_NO = re.compile(r"(?<!\d)3\d{9}(?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
TICKET_REFERENCE = re.compile(r"GD\d{14}", re.IGNORECASE)
AREA = re.compile(r"(?<![\d.])(\d{1,5}(?:\.\d+)?)\s*(?:多)?\s*(?:平方米|平方|平米|个平方|个平|平|㎡|m²|m2|方)(?!\s*[月日号])")
AMOUNT = re.compile(r"(?<![\d.])(\d{1,7}(?:\.\d{1,2})?)\s*(?:多)?\s*(?:元|块钱|块|圆)")
# An amount said without a unit, right after a verb of paying or a change (交了4000, 多了200, 欠1200).
AMOUNT_AFTER_VERB = re.compile(
    r"(?:交了|缴了|付了|花了|交|缴|欠|欠了|多了|少了|多交了|多收了|多出|贵了|便宜了|涨了|差了|才)\s*(\d{2,7}(?:\.\d{1,2})?)(?![\d.]*\s*(?:平|年|月|日|号|度|米|天))"
)
# 小区 + 楼栋 + 单元 + 房号 (幸福里3号楼2单元501, 阳光花园1栋1门101室); the 小区 is up to 10 characters before it.
ADDRESS_PATTERN = re.compile(
    r"(?P<building>\d+)\s*(?:号楼|号|栋|幢|楼)\s*(?P<unit>\d+)\s*(?:单元|门)\s*(?P<room>\d{3,5})"
)
_ADDRESS_WITH_COMMUNITY = re.compile(r"[\u4e00-\u9fff]{0,10}" + ADDRESS_PATTERN.pattern + r"室?")
FOUR_DIGITS_ONLY = re.compile(r"^\D{0,8}?(\d{4})\D{0,4}$")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
_WEEKDAY_ONLY = re.compile(r"(?:这|本)?(?:周|星期|礼拜)[一二三四五六日天末]")

NON_RESIDENTIAL_WORDS = ("非居民", "商铺", "商业", "门市", "办公", "公司", "单位", "门面", "店铺", "饭店", "厂房", "企业")
RESIDENTIAL_WORDS = ("居民", "住宅", "住家", "自住", "家用", "民用")
MARKERS = {
    "dibao": ("低保", "特困", "低收入"),
    "suspension": ("报停", "停暖", "停供", "暂停用热", "报亭"),
    "metered": ("计量", "热表", "热计量", "按表"),
    "usable_area": ("使用面积", "套内面积", "套内"),
    # The bill went up or down (今年多了200, 比去年贵).
    "changed": ("多了", "少了", "涨了", "贵了", "便宜了", "比去年", "比上一年", "比上个", "比上季", "变多", "变少", "涨价"),
    # Whether the bill is paid (交了没, 还用交钱吗, 还剩多少没交): asked about an account, the balance answers it.
    "paid_question": ("交了没", "交没交", "交了吗", "还用交", "欠不欠", "还欠", "交上了没", "交上没", "缴清", "交清了",
                      "还剩多少没交", "还差多少", "交过了吗", "交过没"),
    # When to pay is the question (我家哪天交要多少钱): the late-fee quote for the customer's account.
    "which_day": ("哪天交要", "哪天交得", "哪天交的话", "哪天去交要", "哪天去交得", "哪天缴要", "什么时候交要", "晚点交要",
                  "晚些交要", "拖到", "过几天再交"),
    # Not decided (还没想好哪天交): an answer to a question, not a request.
    "unsure": ("没想好", "不确定", "不知道", "说不好", "说不准", "还没定", "不一定"),
    # Requests to have a task done, not questions about the rule (想分期交, 帮我报停, 我要投诉, 帮我估一下).
    "wants_plan": ("困难缴费", "办分期", "申请分期", "想分期", "要分期", "分期交", "分几次交", "分开交", "申请缓缴", "申请缓交", "想缓缴", "想缓交",
                   "要缓缴", "要缓交", "晚点交", "缓一缓", "办个分期", "办个缓"),
    "wants_suspension": ("我要报停", "想报停", "要报停", "帮我报停", "给我报停", "我要办报停", "申请报停", "报个停", "报停吧",
                         "给停了", "帮我停暖", "我要停暖", "申请停暖"),
    "wants_ticket": ("我要投诉", "想投诉", "投诉一下", "得投诉", "派人", "来修", "报修", "报个修", "快来人", "来看看",
                     "上门看看"),
    # Asking where a reported problem stands (我上午报的修怎么还没人来).
    "ticket_progress": ("进度", "处理到", "怎么还没", "还没人", "有结果", "处理了没", "处理得", "到哪一步", "到哪了",
                        "什么时候来", "啥时候来", "几点来", "有回音", "回复了没"),
    "wants_phone_change": ("没登记电话", "没有登记电话", "补登记", "换手机号", "改个手机", "改手机", "换个手机号", "改一下电话", "改个电话", "换号了", "手机号换了", "改手机号", "改一下手机", "改电话", "改登记", "更换手机",
                           "号码变了", "补登", "补一个电话", "换了新号"),
    "wants_estimate": ("帮我估", "给我估", "估一下", "估个", "估算", "算算暖气费", "算一下暖气费", "算算供暖费",
                       "算下暖气费", "给算算"),
    "wants_lookup": ("查缴费记录", "查交费记录", "查记录", "翻翻记录", "查一下记录"),
    # About the customer's own past payments (3100000011近三年交了多少).
    "history": ("近3年", "近2年", "近几年", "往年", "历年", "以前", "前几年", "这几年", "去年交", "前年", "记录", "明细", "交过几次"),
    # A how/what/where question (去办报停得带啥证件): not a request to do it now.
    "asks_how": ("什么", "啥", "哪", "怎么", "多少钱", "几点", "多久", "如何"),
    "own_account": ("我要是", "我如果", "要是我", "如果我", "我打算", "我准备", "我才能", "我下个月", "我这个月","我家", "我的", "我们家", "俺家", "咱家", "我妈", "我爸", "我父母", "老人家", "我户", "户号", "本户", "我这户"),
}

# Placeholders the classifiers see instead of the values (ASCII: one Jieba token each, never in real text).
PLACEHOLDERS = {
    "ticket_reference": "GDREF",
    "address": "ADDR",
    "account_number": "ACCT",
    "phone_number": "PHONE",
    "pay_date": "DATE",
    "number": "NUM",
}


@dataclass(frozen=True)
class Value:
    kind: str  # account_number | phone_number | ticket_reference | address | area_m2 | amount_yuan | pay_date | digits4
    value: str
    start: int
    end: int
    assumption: Optional[str] = None


@dataclass
class Values:
    found: List[Value] = field(default_factory=list)
    use_type: Optional[str] = None  # residential | non_residential
    markers: Tuple[str, ...] = ()

    def first(self, kind: str) -> Optional[str]:
        return next((v.value for v in self.found if v.kind == kind), None)

    def kinds(self) -> set:
        return {v.kind for v in self.found}

    def as_dict(self) -> Dict[str, object]:
        out: Dict[str, object] = {}
        for v in self.found:
            out.setdefault(v.kind, v.value)
        if self.use_type:
            out["use_type"] = self.use_type
        if self.markers:
            out["markers"] = list(self.markers)
        return out


def _spans_overlap(a: Tuple[int, int], spans: List[Tuple[int, int]]) -> bool:
    return any(s < a[1] and a[0] < e for s, e in spans)


def extract(text: str, today: dt.date) -> Values:
    """Every typed value in canonical `text` (see bot.understanding.canonical), with its position."""
    found: List[Value] = []
    taken: List[Tuple[int, int]] = []

    def add(kind: str, value: str, start: int, end: int, assumption: Optional[str] = None) -> None:
        if _spans_overlap((start, end), taken):
            return
        found.append(Value(kind, value, start, end, assumption))
        taken.append((start, end))

    for m in TICKET_REFERENCE.finditer(text):
        add("ticket_reference", m.group(0).upper(), m.start(), m.end())
    for m in _ADDRESS_WITH_COMMUNITY.finditer(text):
        add("address", m.group(0), m.start(), m.end())
    for m in ACCOUNT_NO.finditer(text):
        add("account_number", m.group(0), m.start(), m.end())
    for m in MOBILE.finditer(text):
        add("phone_number", m.group(0), m.start(), m.end())
    mention = find_date(text, today)
    # A weekday alone (周六营业吗) is a day of the week, not a payment date, unless paying is mentioned.
    if mention is not None and _WEEKDAY_ONLY.fullmatch(mention.said) and not any(w in text for w in ("交", "缴", "付")):
        mention = None
    if mention is not None:
        add("pay_date", mention.day.isoformat(), mention.start, mention.end, mention.assumption)
    for m in AREA.finditer(text):
        if 5 <= float(m.group(1)) <= 100000:  # below 5 m² is a unit price ("1平"), not a home
            add("area_m2", m.group(1), m.start(1), m.end(1))
    for pattern in (AMOUNT, AMOUNT_AFTER_VERB):
        for m in pattern.finditer(text):
            add("amount_yuan", m.group(1), m.start(1), m.end(1))
    four = FOUR_DIGITS_ONLY.match(text)
    if four and not _spans_overlap((four.start(1), four.end(1)), taken):
        add("digits4", four.group(1), four.start(1), four.end(1))
    found.sort(key=lambda v: v.start)

    use_type = None
    if any(w in text for w in NON_RESIDENTIAL_WORDS):
        use_type = "non_residential"
    elif any(w in text for w in RESIDENTIAL_WORDS):
        use_type = "residential"
    markers = tuple(name for name, words in MARKERS.items() if any(w in text for w in words))
    return Values(found, use_type, markers)


def delexicalise(text: str, values: Values) -> str:
    """Values replaced by placeholders (我家房子80平 → 我家房子NUM平), so intents are learned apart from numbers."""
    out, last = [], 0
    for v in values.found:
        out.append(text[last:v.start])
        out.append(PLACEHOLDERS.get(v.kind, PLACEHOLDERS["number"]))
        last = v.end
    out.append(text[last:])
    # Any other number (a year, a storey height, a count) is a number too.
    return NUMBER.sub(PLACEHOLDERS["number"], "".join(out))
