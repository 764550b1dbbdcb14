"""Fill the `{dotted.path|format}` placeholders of answers and articles from the policy file.

No figure is typed in the knowledge base: `{area_tariff.residential_price|yuan}` renders as `24元`,
`{late_fee.daily_rate|permille}` as `千分之一`, `{season.start|date}` as `11月15日`, `{company.hotline}` as
`96069`. A path walks the policy (`discounts.prepayment.0.rate`: list items by index); a list of values is
joined with 、. Values the file does not hold but that follow from it (the number of heating days, worked
examples) are offered under `derived.` and computed here from the policy, never typed.

Formats (`FORMATS`): none (plain), number, yuan, percent, permille, date, cn (Chinese numeral),
m2 (平方米), metres (米), celsius (℃), days (天), hours (小时), minutes (分钟), months (个月), list.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Dict, List, Optional

from pydantic import BaseModel

from bot.policy import MonthDay, Policy

# {path} or {path|format}; a path is dotted snake_case names or list indexes.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)(?:\|([a-z0-9_]+))?\}")
BRACES = re.compile(r"[{}]")
# A figure typed into text instead of a placeholder: ASCII or full-width digits.
TYPED_DIGIT = re.compile(r"[0-9０-９]")

# The example home the worked examples use (a size chosen for the example, not a policy figure).
EXAMPLE_AREA_M2 = Decimal("100")
# A year whose heating season has a 28-day February, and one whose season has a 29-day February.
_COMMON_SEASON_YEAR = 2022
_LEAP_SEASON_YEAR = 2023
_CENT = Decimal("0.01")


class RenderError(ValueError):
    """A placeholder names an unknown path or format, or its value cannot be shown in that format."""


# ---------------------------------------------------------------- value formatting


def plain_decimal(value: Decimal) -> str:
    """24.00 -> 24, 44.45 -> 44.45, 4.0 -> 4, 0.150 -> 0.15 (never scientific notation)."""
    return format(Decimal(value).normalize(), "f")


_CN_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """0..9999 as Chinese numerals: 3 -> 三, 10 -> 十, 15 -> 十五, 60 -> 六十, 121 -> 一百二十一."""
    if not 0 <= n <= 9999:
        raise RenderError(f"{n} is out of range for Chinese numerals")
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    out, zero = "", False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit:
            if zero and out:
                out += "零"
            out += _CN_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def _decimal(value: Any, fmt: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise RenderError(f"format '{fmt}' needs a number, got {type(value).__name__}")
    return Decimal(value)


def _integral(value: Any, fmt: str) -> int:
    d = _decimal(value, fmt)
    if d != d.to_integral_value():
        raise RenderError(f"format '{fmt}' needs a whole number, got {plain_decimal(d)}")
    return int(d)


def _plain(value: Any, fmt: str = "") -> str:
    if isinstance(value, bool):
        raise RenderError("a yes/no setting cannot be shown as text")
    if isinstance(value, MonthDay):
        return value.zh()
    if isinstance(value, (int, Decimal)):
        return plain_decimal(Decimal(value))
    if isinstance(value, str):
        return value.strip()
    if value is None:
        raise RenderError("the value is empty (null)")
    raise RenderError(f"a {type(value).__name__} cannot be shown as text; name one of its fields")


def _unit(suffix: str) -> Callable[[Any, str], str]:
    return lambda value, fmt: plain_decimal(_decimal(value, fmt)) + suffix


def _percent(value: Any, fmt: str) -> str:
    return plain_decimal(_decimal(value, fmt) * 100) + "%"


def _permille(value: Any, fmt: str) -> str:
    per_mille = _decimal(value, fmt) * 1000
    if per_mille == per_mille.to_integral_value():
        return "千分之" + chinese_numeral(int(per_mille))
    return plain_decimal(per_mille) + "‰"


def _date(value: Any, fmt: str) -> str:
    if not isinstance(value, MonthDay):
        raise RenderError(f"format '{fmt}' needs a month/day date, got {type(value).__name__}")
    return value.zh()


def _cn(value: Any, fmt: str) -> str:
    return chinese_numeral(_integral(value, fmt))


FORMATS: Dict[str, Callable[[Any, str], str]] = {
    "number": lambda value, fmt: plain_decimal(_decimal(value, fmt)),
    "yuan": _unit("元"),
    "percent": _percent,
    "permille": _permille,
    "date": _date,
    "cn": _cn,
    "m2": _unit("平方米"),
    "metres": _unit("米"),
    "celsius": _unit("℃"),
    "days": _unit("天"),
    "hours": _unit("小时"),
    "minutes": _unit("分钟"),
    "months": _unit("个月"),
    "list": _plain,  # a list joined with 、 (the default for lists; spelled out for clarity)
}


def format_value(value: Any, fmt: Optional[str]) -> str:
    """Show one policy value in a format; a list is formatted item by item and joined with 、."""
    if fmt is not None and fmt not in FORMATS:
        raise RenderError(f"unknown format '{fmt}' (known: {', '.join(sorted(FORMATS))})")
    if isinstance(value, (list, tuple)):
        if not value:
            raise RenderError("the list is empty")
        return "、".join(format_value(v, None if fmt == "list" else fmt) for v in value)
    if fmt == "list":
        raise RenderError("format 'list' needs a list")
    return FORMATS[fmt](value, fmt) if fmt else _plain(value)


# ---------------------------------------------------------------- derived values


def _money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


def _month_day(date: dt.date) -> MonthDay:
    return MonthDay(month=date.month, day=date.day)


def _month_end(date: dt.date) -> dt.date:
    first_next = dt.date(date.year + (date.month == 12), date.month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def derived_values(policy: Policy) -> Dict[str, Any]:
    """Figures that follow from the policy file, for `{derived.NAME|format}` placeholders."""
    area = EXAMPLE_AREA_M2
    price = policy.area_tariff.residential_price
    area_fee = _money(area * price)
    season_days = policy.season_days(_COMMON_SEASON_YEAR)
    # The late fee runs from the day after the deadline up to and including the day of payment;
    # the worked example pays on the last day of that first month (12月31日 -> 1月31日: 31 days).
    deadline = policy.payment_deadline(_COMMON_SEASON_YEAR)
    late_start = deadline + dt.timedelta(days=1)
    late_example = _month_end(late_start)
    late_days = (late_example - deadline).days
    storey = policy.area_tariff.storey_height
    free_area = min(policy.relief.dibao_free_area_m2, area)
    tiers = policy.discounts.prepayment
    return {
        "season_days": season_days,
        "season_days_leap": policy.season_days(_LEAP_SEASON_YEAR),
        "late_fee_start": _month_day(late_start),
        "late_fee_example_date": _month_day(late_example),
        "late_fee_example_days": late_days,
        # 欠缴的本金 when the cap equals the principal, else 欠缴本金的50% (cap_ratio 0.5)
        "late_fee_cap": ("欠缴的本金" if policy.late_fee.cap_ratio == 1
                         else f"欠缴本金的{format_value(policy.late_fee.cap_ratio, 'percent')}"),
        "late_fee_per_thousand_per_day": _money(Decimal(1000) * policy.late_fee.daily_rate),
        "late_fee_example": min(_money(area_fee * policy.late_fee.daily_rate * late_days),
                                _money(area_fee * policy.late_fee.cap_ratio)),
        "example_area": area,
        "example_usable_area": area * policy.area_tariff.usable_to_building_ratio,
        "example_area_fee": area_fee,
        "example_non_residential_fee": _money(area * policy.area_tariff.non_residential_price),
        "example_daily_fee": _money(area_fee / season_days),
        "suspension_fee_per_m2": _money(price * policy.suspension.fee_rate),
        "suspension_fee_example": _money(area_fee * policy.suspension.fee_rate),
        "prepayment_saving_first": _money(area_fee * tiers[0].rate) if tiers else Decimal(0),
        "storey_cap_height": _money(storey.threshold_m + (storey.cap / storey.surcharge_per_metre
                                                         if storey.surcharge_per_metre else Decimal(0))),
        "storey_example_height": storey.threshold_m + 1,
        "dibao_example_fee": _money((area - free_area) * price),
        "metered_base_example": _money(area * policy.metered_tariff.base_price),
    }


# ---------------------------------------------------------------- placeholders


def resolve(policy: Policy, path: str, derived: Optional[Dict[str, Any]] = None) -> Any:
    """The policy value at a dotted path (`area_tariff.residential_price`, `derived.season_days`)."""
    parts = path.split(".")
    if parts[0] == "derived":
        derived = derived if derived is not None else derived_values(policy)
        if len(parts) != 2 or parts[1] not in derived:
            raise RenderError(f"unknown derived value '{path}' (known: {', '.join(sorted(derived))})")
        return derived[parts[1]]
    node: Any = policy
    for i, part in enumerate(parts):
        where = ".".join(parts[: i + 1])
        if isinstance(node, BaseModel):
            if part not in node.__fields__:
                raise RenderError(f"unknown policy key '{where}'")
            node = getattr(node, part)
        elif isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise RenderError(f"'{where}': no list item {part} (the list has {len(node)})")
            node = node[int(part)]
        else:
            raise RenderError(f"unknown policy key '{where}'")
    if isinstance(node, BaseModel) and not isinstance(node, MonthDay):
        raise RenderError(f"'{path}' is a section, not a value; name one of its fields")
    return node


@dataclass(frozen=True)
class Placeholder:
    text: str  # as written, with braces
    path: str
    fmt: Optional[str]


def placeholders(text: str) -> List[Placeholder]:
    return [Placeholder(m.group(0), m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text)]


def placeholder_problems(text: str, policy: Policy, derived: Optional[Dict[str, Any]] = None) -> List[str]:
    """Every reason `render(text)` would fail, plus stray braces and typed figures; empty if all is well."""
    derived = derived if derived is not None else derived_values(policy)
    problems = []
    for ph in placeholders(text):
        try:
            format_value(resolve(policy, ph.path, derived), ph.fmt)
        except RenderError as exc:
            problems.append(f"placeholder {ph.text}: {exc}")
    rest = PLACEHOLDER.sub("", text)
    if BRACES.search(rest):
        problems.append("malformed placeholder: a { or } that is not part of {dotted.path|format}")
    digits = sorted(set(TYPED_DIGIT.findall(rest)))
    if digits:
        problems.append(f"figure typed in the text ({' '.join(digits)}): use a placeholder from the policy file")
    if policy.company.name in rest:
        problems.append("company name typed in the text: use {company.name}")
    return problems


class Renderer:
    """Renders many texts against one policy (the derived values are computed once)."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.derived = derived_values(policy)

    def value(self, path: str, fmt: Optional[str] = None) -> str:
        return format_value(resolve(self.policy, path, self.derived), fmt)

    def __call__(self, text: str) -> str:
        def sub(match: re.Match) -> str:
            try:
                return self.value(match.group(1), match.group(2))
            except RenderError as exc:
                raise RenderError(f"{match.group(0)}: {exc}") from None

        out = PLACEHOLDER.sub(sub, text)
        if BRACES.search(PLACEHOLDER.sub("", text)):
            raise RenderError(f"malformed placeholder in: {text[:60]}")
        return out


def render(text: str, policy: Policy) -> str:
    """`text` with every placeholder replaced by the policy's figure; RenderError if one is unknown."""
    return Renderer(policy)(text)
