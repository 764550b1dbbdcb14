"""Dates as customers say them, resolved against today's date.

Absolute: 2027-01-31, 2027年1月31日, 1月31日/号, 31号. Relative: 今天, 明天, 后天, 昨天, 前天, 下个月5号, 下周一,
这周五, 周三, 月底, 下个月底. Festivals: 元旦, 春节/过年, 年后 (the day after the Spring Festival holiday, 正月初八),
除夕, 元宵节 and lunar dates (正月十五, 腊月二十三, 农历一月十五) through the lunar calendar (lunardate).

A date without a year is the next one on or after today (a payment is planned, not made in the past), except
for 昨天/前天, which customers use for "what if I had paid then". Text is expected after `numerals.to_digits`
(正月十五 arrives as 正月15).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, List, Optional

from lunardate import LunarDate

_CN_SMALL = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_LUNAR_MONTHS = {"正": 1, "腊": 12, "冬": 11}


@dataclass(frozen=True)
class DateMention:
    day: dt.date
    start: int
    end: int
    said: str
    # How a vague phrase was read, for the reply ("年后" → "按正月初八计算"); None when the text was exact.
    assumption: Optional[str] = None


def _safe_date(year: int, month: int, day: int) -> Optional[dt.date]:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _add_months(today: dt.date, months: int, day: int) -> Optional[dt.date]:
    index = today.month - 1 + months
    return _safe_date(today.year + index // 12, index % 12 + 1, day)


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _next_on_or_after(today: dt.date, month: int, day: int) -> Optional[dt.date]:
    candidate = _safe_date(today.year, month, day)
    if candidate is None and (month, day) == (2, 29):
        candidate = _safe_date(today.year + 1, 2, 29)
    if candidate is not None and candidate < today:
        candidate = _safe_date(today.year + 1, month, day)
    return candidate


def _lunar(today: dt.date, month: int, day: int) -> Optional[dt.date]:
    """The next solar date on or after today of lunar month/day."""
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            solar = LunarDate(year, month, day).to_solar_date()
        except ValueError:
            continue
        if solar >= today:
            return solar
    return None


def _small_number(text: str) -> Optional[int]:
    """15, 十五, 初八 → 8, 二十三 → 23 (1–30)."""
    text = text.lstrip("初")
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_SMALL.get(tens, 1) if tens else 1) * 10 + (_CN_SMALL.get(ones, 0) if ones else 0)
    return _CN_SMALL.get(text)


_Rule = Callable[[re.Match, dt.date], Optional[dt.date]]
_NUM = r"(\d{1,2}|初?[一二三四五六七八九十]{1,3})"
_RULES: List[tuple] = [
    # (pattern, resolver, assumption)
    (re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"),
     lambda m, t: _safe_date(int(m[1]), int(m[2]), int(m[3])), None),
    (re.compile(rf"(?:农历|阴历)(\d{{1,2}})月{_NUM}"),
     lambda m, t: _lunar(t, int(m[1]), _small_number(m[2]) or 0), None),
    (re.compile(rf"([正腊冬])月{_NUM}"),
     lambda m, t: _lunar(t, _LUNAR_MONTHS[m[1]], _small_number(m[2]) or 0), None),
    (re.compile(r"元宵节?"), lambda m, t: _lunar(t, 1, 15), None),
    (re.compile(r"除夕|大年三十|年三十"), lambda m, t: _lunar(t, 1, 1) - dt.timedelta(days=1) if _lunar(t, 1, 1) else None, None),
    (re.compile(r"年后|过完年|过了年|春节后|节后"), lambda m, t: _lunar(t, 1, 8), "春节假期后的第一个工作日（正月初八）"),
    (re.compile(r"春节|大年初一|过年"), lambda m, t: _lunar(t, 1, 1), None),
    (re.compile(r"元旦"), lambda m, t: _next_on_or_after(t, 1, 1), None),
    (re.compile(r"下(?:个)?月\s*(\d{1,2})\s*[日号]"), lambda m, t: _add_months(t, 1, int(m[1])), None),
    (re.compile(r"下(?:个)?月(?:底|末)"),
     lambda m, t: _month_end(*(lambda d: (d.year, d.month))(_add_months(t, 1, 1))), None),
    (re.compile(r"(?:这个?月|本月)?(?:月底|月末)"), lambda m, t: _month_end(t.year, t.month), None),
    (re.compile(r"(?<!\d)(\d{1,2})\s*[月/]\s*(\d{1,2})\s*[日号]?"),
     lambda m, t: _next_on_or_after(t, int(m[1]), int(m[2])), None),
    (re.compile(r"下(?:个)?(?:周|星期|礼拜)([一二三四五六日天])"),
     lambda m, t: t + dt.timedelta(days=7 - t.weekday() + _WEEKDAYS[m[1]]), None),
    (re.compile(r"(?:这|本)?(?:周|星期|礼拜)([一二三四五六日天])"),
     lambda m, t: t + dt.timedelta(days=(_WEEKDAYS[m[1]] - t.weekday()) % 7), None),
    (re.compile(r"大后天"), lambda m, t: t + dt.timedelta(days=3), None),
    (re.compile(r"后天"), lambda m, t: t + dt.timedelta(days=2), None),
    (re.compile(r"明天|明日"), lambda m, t: t + dt.timedelta(days=1), None),
    (re.compile(r"今天|今日"), lambda m, t: t, None),
    (re.compile(r"前天"), lambda m, t: t - dt.timedelta(days=2), None),
    (re.compile(r"昨天|昨日"), lambda m, t: t - dt.timedelta(days=1), None),
    (re.compile(r"(?:这个月|本月)?\s*(?<![\d月.])(\d{1,2})\s*[日号](?!\s*楼)"),
     lambda m, t: _next_on_or_after_day(t, int(m[1])), None),
]


def _next_on_or_after_day(today: dt.date, day: int) -> Optional[dt.date]:
    candidate = _safe_date(today.year, today.month, day)
    if candidate is None or candidate < today:
        candidate = _add_months(today, 1, day)
    return candidate


def find_date(text: str, today: dt.date) -> Optional[DateMention]:
    """The first date mentioned in `text`; an exact one (正月十五) wins over a vague one (过完年) said with it."""
    best: Optional[DateMention] = None
    for pattern, resolve, assumption in _RULES:
        match = pattern.search(text or "")
        if not match:
            continue
        day = resolve(match, today)
        if day is None:
            continue
        mention = DateMention(day, match.start(), match.end(), match.group(0), assumption)
        if best is None or (mention.assumption is None, -mention.start) > (best.assumption is None, -best.start):
            best = mention
    return best


def parse_date(text: str, today: dt.date) -> Optional[dt.date]:
    """The date in `text` relative to `today`, or None when there is none (or it does not exist)."""
    from bot.understanding.numerals import to_digits

    mention = find_date(to_digits(text or ""), today)
    return mention.day if mention else None


def zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
