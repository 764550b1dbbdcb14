"""Dates as customers say them: 1月31日, 1月31号, 下个月5号, 2027-01-31, 2027年1月31日, 明天, 31号.

A date without a year is the next one on or after today (a payment is planned, not made in the past).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Optional

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

ISO = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*[月/]\s*(\d{1,2})\s*[日号]?")
NEXT_MONTH_DAY = re.compile(r"下(?:个)?月\s*(\d{1,2})\s*[日号]")
THIS_MONTH_DAY = re.compile(r"(?:这个月|本月)?\s*(?<![\d月])(\d{1,2})\s*[日号](?!\s*楼)")
RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}


def _cn_number(text: str) -> str:
    """十二月三十一日 → 12月31日 (numbers up to 99)."""
    def convert(match: re.Match) -> str:
        s = match.group(0)
        if "十" in s:
            tens, _, ones = s.partition("十")
            value = (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
        else:
            value = int("".join(str(_CN_DIGITS[c]) for c in s))
        return str(value)

    return re.sub(r"[零〇一二两三四五六七八九十]+(?=[月日号])", convert, text)


def _safe_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _add_month(today: dt.date, months: int, day: int) -> Optional[dt.date]:
    month_index = today.month - 1 + months
    return _safe_date(today.year + month_index // 12, month_index % 12 + 1, day)


def parse_date(text: str, today: dt.date) -> Optional[dt.date]:
    """The date in `text` relative to `today`, or None when there is none (or it does not exist)."""
    text = _cn_number(text or "")
    for word in sorted(RELATIVE, key=len, reverse=True):
        if word in text:
            return today + dt.timedelta(days=RELATIVE[word])
    match = ISO.search(text)
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = NEXT_MONTH_DAY.search(text)
    if match:
        return _add_month(today, 1, int(match[1]))
    match = MONTH_DAY.search(text)
    if match:
        month, day = int(match[1]), int(match[2])
        candidate = _safe_date(today.year, month, day)
        if candidate is None and (month, day) == (2, 29):
            candidate = _safe_date(today.year + 1, 2, 29)
        if candidate is not None and candidate < today:
            candidate = _safe_date(today.year + 1, month, day)
        return candidate
    match = THIS_MONTH_DAY.search(text)
    if match:
        day = int(match[1])
        candidate = _safe_date(today.year, today.month, day)
        if candidate is not None and candidate < today:
            candidate = _add_month(today, 1, day)
        return candidate
    return None


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
