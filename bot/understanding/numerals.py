"""Chinese numerals and spoken digits to ASCII digits, without touching words that merely contain a numeral.

Customers say numbers two ways: as a digit string read out (三一零零零零零零二三, 幺三九…, 四三五三) and as a
quantity (八十平, 一百二十平米, 四千块, 两百). Digit strings become ASCII digit by digit, so a 户号 or phone number
keeps its leading digits; quantities are converted by cn2an, but only where the run is clearly a number (it has
十/百/千/万, or a unit follows), so 一下, 一共, 统一, 十分感谢 stay as they are.
"""
from __future__ import annotations

import re

import cn2an

# Digits as read out on the phone: 幺 for 1, 两 for 2, 洞 for 0 (radio style).
SPOKEN_DIGITS = {
    "零": "0", "〇": "0", "洞": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
_DIGIT_CHARS = "".join(SPOKEN_DIGITS)
# A digit string read out: at least 3 digit characters in a row (四三五三, 三一零零…); shorter runs are words.
_SPOKEN_RUN = re.compile(rf"[{_DIGIT_CHARS}0-9]{{3,}}")
_WHOLE_SPOKEN = re.compile(rf"^[{_DIGIT_CHARS}0-9]+$")
# A quantity: numeral characters with a multiplier, or any numeral run followed by a unit.
_QUANTITY = re.compile(r"[零〇一二两三四五六七八九十百千万]+(?:点[零〇一二三四五六七八九]+)?")
_MULTIPLIERS = set("十百千万")
UNITS = (
    "平方米", "平方", "平米", "平", "㎡", "个平方", "块钱", "块", "元", "个月", "月", "日", "号", "天", "度",
    "米", "岁", "期", "次", "年", "楼", "层", "单元", "室", "栋", "户", "万", "吨", "千瓦时", "GJ", "kWh", "周",
)
_UNIT_AFTER = re.compile("|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True)))
# Idioms that look like numbers.
_NOT_NUMBERS = ("千万", "万一", "万万", "十分", "一一", "百分百", "三番五次", "一五一十", "乱七八糟", "七上八下", "十全十美")


def _spoken_to_digits(run: str) -> str:
    return "".join(SPOKEN_DIGITS.get(c, c) for c in run)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for idiom in _NOT_NUMBERS:
        start = text.find(idiom)
        while start != -1:
            spans.append((start, start + len(idiom)))
            start = text.find(idiom, start + 1)
    return spans


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def spoken_digits(text: str) -> str:
    """三一零零零零零零二三 → 3100000023; 四三五三 → 4353; a whole message of digits (幺, 两) too."""
    if _WHOLE_SPOKEN.match(text):
        return _spoken_to_digits(text)
    protected = _protected_spans(text)

    def convert(match: re.Match) -> str:
        run = match.group(0)
        if _overlaps(match.start(), match.end(), protected) or not any(c in SPOKEN_DIGITS for c in run):
            return run
        return _spoken_to_digits(run)

    return _SPOKEN_RUN.sub(convert, text)


def quantities(text: str) -> str:
    """八十平 → 80平, 一百二十平米 → 120平米, 交了四千 → 交了4000, 八十九点五平 → 89.5平."""
    protected = _protected_spans(text)
    out, last = [], 0
    for match in _QUANTITY.finditer(text):
        run, start, end = match.group(0), match.start(), match.end()
        if _overlaps(start, end, protected):
            continue
        has_multiplier = any(c in _MULTIPLIERS for c in run)
        unit_follows = _UNIT_AFTER.match(text, end) is not None
        # 周一/星期三/礼拜五 and 初八/正月十五 are dates: the date reader handles them.
        before = text[max(0, start - 2):start]
        if before.endswith(("周", "星期", "礼拜", "初")) and len(run) == 1:
            continue
        if not (has_multiplier and len(run) >= 2) and not unit_follows:
            continue
        if run in ("十", "百", "千", "万") and not unit_follows:
            continue
        # 一平/一平米/一块 after a price is "per": 24块一平, 一平米多少钱.
        if run == "一" and text.startswith(("平", "块", "度", "吨", "方"), end):
            continue
        try:
            value = cn2an.cn2an(run, "smart")
        except (ValueError, KeyError):
            continue
        number = str(int(value)) if float(value).is_integer() else str(value)
        out.append(text[last:start])
        out.append(number)
        last = end
    out.append(text[last:])
    return "".join(out)


def to_digits(text: str) -> str:
    """Both conversions, digit strings first (三一零… must not be read as a quantity)."""
    return quantities(spoken_digits(text))
