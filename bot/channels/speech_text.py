"""Chat text → text a phone's text-to-speech reads correctly (pure functions, no Rasa).

The assistant's answers are written for a screen: "1227.60 元", "2026-11-18", "31******02", "0.1%", "89.5 × 24",
bullets, emoji, links, markdown. A TTS engine reads these badly or not at all, so the IVR channel speaks

    1227.60 元      → 一千二百二十七元六角
    2026-11-18      → 二〇二六年十一月十八日
    12月31日        → 十二月三十一日
    2026-2027采暖季 → 二〇二六至二〇二七年采暖季
    0.1%            → 百分之零点一
    89.5 × 24       → 八十九点五乘以二十四
    3100000002      → 三幺零零零零零零零二 (numbers of 5+ digits are read digit by digit, 1 as 幺)
    31******02      → 尾号零二;   胡*霞 → 胡某霞
    9:00-17:00      → 九点至十七点

and drops emoji, links, markdown markup and list bullets. Buttons become "请说…或按1" prompts (`menu_prompt`).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Dict, Iterable, List, Sequence

DIGITS = "零一二三四五六七八九"
# Digit by digit, as numbers are read on the phone: 1 is 幺 so it is not mistaken for 7.
PHONE_DIGITS = "零幺二三四五六七八九"
_UNITS = ("", "十", "百", "千")
_GROUPS = ("", "万", "亿", "万亿")


def _group_reading(value: int) -> str:
    """0 < value < 10000, without leading 零 (the caller adds it)."""
    out = []
    digits = f"{value:04d}"
    zero = False
    for position, char in enumerate(digits):
        digit = int(char)
        unit = _UNITS[3 - position]
        if digit == 0:
            zero = bool(out)  # a zero between non-zero digits is read once
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + unit)
    return "".join(out)


def integer_words(value: int) -> str:
    """Cardinal reading: 0 → 零, 10 → 十, 15 → 十五, 105 → 一百零五, 2455 → 两千四百五十五, 10050 → 一万零五十."""
    if value < 0:
        return "负" + integer_words(-value)
    if value == 0:
        return "零"
    groups: List[int] = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    if len(groups) > len(_GROUPS):
        return digit_words(str(sum(g * 10000 ** i for i, g in enumerate(groups))))
    parts: List[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(parts)
            continue
        if parts and (need_zero or group < 1000):
            parts.append("零")
        parts.append(_group_reading(group) + _GROUPS[index])
        need_zero = False
    words = "".join(parts)
    if words.startswith("一十"):
        words = words[1:]  # 十五, not 一十五
    # 两千 / 两万 / 两亿 read more naturally than 二千 at the head of a number.
    return re.sub(r"^二(?=[千万亿])", "两", words)


def digit_words(digits: str, phone: bool = True) -> str:
    """Digit by digit: 96069 → 九六零六九, 3100000002 → 三幺零零零零零零零二."""
    table = PHONE_DIGITS if phone else DIGITS
    return "".join(table[int(c)] for c in digits if c.isdigit())


def decimal_words(text: str) -> str:
    """89.5 → 八十九点五, 24.00 → 二十四, 0.05 → 零点零五, 12 → 十二."""
    text = text.replace(",", "")
    negative = text.startswith("-")
    text = text.lstrip("+-")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    words = integer_words(int(whole or "0"))
    if fraction:
        words += "点" + digit_words(fraction, phone=False)
    return ("负" if negative else "") + words


def yuan_words(amount: str) -> str:
    """Money as read aloud: 1227.60 → 一千二百二十七元六角, 0.06 → 六分, 1005 → 一千零五元, 0 → 零元."""
    try:
        value = Decimal(amount.replace(",", ""))
    except InvalidOperation:
        return amount + "元"
    sign = "负" if value < 0 else ""
    value = abs(value).quantize(Decimal("0.01"))
    fen_total = int(value * 100)
    whole, jiao, fen = fen_total // 100, (fen_total // 10) % 10, fen_total % 10
    parts = []
    if whole:
        parts.append(integer_words(whole) + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    if fen:
        if whole and not jiao:
            parts.append("零")
        parts.append(DIGITS[fen] + "分")
    return sign + ("".join(parts) or "零元")


def year_words(year: str) -> str:
    """Years are read digit by digit: 2026 → 二〇二六."""
    return "".join("〇" if c == "0" else DIGITS[int(c)] for c in year)


def date_words(year: str | None, month: str, day: str | None) -> str:
    words = (year_words(year) + "年") if year else ""
    words += integer_words(int(month)) + "月"
    if day:
        words += integer_words(int(day)) + "日"
    return words


def time_words(hour: str, minute: str) -> str:
    words = integer_words(int(hour)) + "点"
    if int(minute):
        words += (("零" if int(minute) < 10 else "") + integer_words(int(minute))) + "分"
    return words


_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\U00002600-\U000027BF\U0001F900-\U0001F9FF\U00002B00-\U00002BFF"
    "\U0000FE00-\U0000FE0F\U0000200D\U000020E3\U00002190-\U000021FF\U00002300-\U000023FF]"
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)")
_URL = re.compile(r"(?:https?://|www\.)[^\s，。；、）)]+", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_MD_BOLD = re.compile(r"(\*\*|__)([^*_\n]+?)\1")
_MD_MARKUP = re.compile(r"(~~|`+)")
_LINE_MARKER = re.compile(r"^\s*(?:#{1,6}\s+|[-*+·•●▪◦]\s*|\d+[.)、]\s+|>\s*)")
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"

_DATE_YMD = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DATE_CN = re.compile(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?")
_YEAR_RANGE = re.compile(r"(?<!\d)(\d{4})\s*[-–—~～至到]\s*(\d{4})(?!\d)(\s*年)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_TIME_RANGE_SEP = re.compile(r"(?<=\d:\d\d)\s*[-–—~～]\s*(?=\d{1,2}:\d\d)")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
_MONEY = re.compile(rf"([-−+]?)\s*(?:[¥￥]\s*({_NUM})|({_NUM})\s*(?:元|块钱|块))")
_PERCENT = re.compile(rf"({_NUM})\s*[%％]")
_MASKED_NUMBER = re.compile(r"\d*[*＊]{2,}(\d+)")
_MASKED_NAME = re.compile(r"(?<=[\u4e00-\u9fff])[*＊]+")
_LEFTOVER_MASK = re.compile(r"\d*[*＊]+\d*")
_PHONE_LIKE = re.compile(r"(?<![\d.])(\d{3,4})-(\d{7,8})(?![\d.])")
_NUMBER_RANGE = re.compile(rf"(?<![\d.])({_NUM})\s*[-–—~～]\s*(?=\d)")
_LONG_DIGITS = re.compile(r"(?<![\d.])(0\d+|\d{5,})(?![\d.])")
_NUMBER = re.compile(rf"(?<![\d.])-?{_NUM}(?![\d])")
_SYMBOLS: Dict[str, str] = {
    "×": "乘以", "÷": "除以", "=": "等于", "＝": "等于", "+": "加", "＋": "加",
    "m²": "平方米", "㎡": "平方米", "m2": "平方米", "℃": "摄氏度", "°C": "摄氏度", "&": "和",
}
_SENTENCE_END = "。！？；：，、…!?;:,"


def _clean_markup(text: str) -> str:
    # Masked numbers and names first: their stars are not markdown.
    text = _MASKED_NUMBER.sub(lambda m: "尾号" + digit_words(m.group(1)), text)
    text = _MD_BOLD.sub(r"\2", text)
    text = _MASKED_NAME.sub("某", text)
    text = _LEFTOVER_MASK.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _EMOJI.sub("", text)
    text = _MD_MARKUP.sub("", text)
    return text


def _join_lines(text: str) -> str:
    """One spoken paragraph: line breaks become sentence ends, list markers disappear."""
    sentences = []
    for line in text.splitlines():
        line = _LINE_MARKER.sub("", line).strip()
        if not line:
            continue
        if line[-1] not in _SENTENCE_END + "。":
            line += "。"
        sentences.append(line)
    return "".join(sentences)


def _numbers(text: str) -> str:
    text = _DATE_YMD.sub(lambda m: date_words(m.group(1), m.group(2), m.group(3)), text)
    text = _YEAR_RANGE.sub(lambda m: f"{year_words(m.group(1))}至{year_words(m.group(2))}年", text)
    text = _DATE_CN.sub(lambda m: date_words(m.group(1), m.group(2), m.group(3)), text)
    text = _YEAR.sub(lambda m: year_words(m.group(1)) + "年", text)
    text = _TIME_RANGE_SEP.sub("至", text)
    text = _TIME.sub(lambda m: time_words(m.group(1), m.group(2)), text)
    def money(match: re.Match) -> str:
        sign = "减" if match.group(1) in ("-", "−") else ("加" if match.group(1) == "+" else "")
        return sign + yuan_words(match.group(2) or match.group(3))

    text = _MONEY.sub(money, text)
    text = _PERCENT.sub(lambda m: "百分之" + decimal_words(m.group(1)), text)
    text = _PHONE_LIKE.sub(lambda m: digit_words(m.group(1)) + "，" + digit_words(m.group(2)), text)
    text = _NUMBER_RANGE.sub(lambda m: m.group(1) + "至", text)
    text = _LONG_DIGITS.sub(lambda m: digit_words(m.group(1)), text)
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = _NUMBER.sub(lambda m: decimal_words(m.group(0)), text)
    # Whatever digits are left (".5", "1.2.3") are read one by one: the IVR never receives an Arabic digit.
    return re.sub(r"\d+", lambda m: digit_words(m.group(0), phone=False), text)


def to_speech(text: str) -> str:
    """The whole conversion; the result has no Arabic digits, emoji, links or markup."""
    text = _clean_markup(text or "")
    text = _join_lines(text)
    text = _numbers(text)
    text = text.replace("（", "，").replace("）", "，").replace("(", "，").replace(")", "，")
    text = text.replace("“", "").replace("”", "").replace('"', "")
    text = re.sub(r"[ \t\u3000]+", "", text)
    text = re.sub(r"，+(?=[。！？；：，])", "", text)
    text = re.sub(r"([。！？；：，])[，。]+", r"\1", text)
    return text.strip("，")


def menu_prompt(titles: Sequence[str]) -> str:
    """Buttons as a spoken choice: 请说“转人工”或按1；说“取消”或按2。"""
    titles = [to_speech(t).rstrip("。") for t in titles if t]
    if not titles:
        return ""
    choices = [f"说{title}或按{index}" for index, title in enumerate(titles, start=1)]
    return "请" + "；".join(choices) + "。"


def speak_messages(texts: Iterable[str], button_titles: Sequence[str] = ()) -> str:
    """Several bot messages and their buttons as one utterance."""
    spoken = "".join(to_speech(t) for t in texts if t and t.strip())
    return spoken + menu_prompt(button_titles)
