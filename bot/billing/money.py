"""Money helpers. `round_fen` is the ONE place in bot.billing where an amount is rounded.

Rounding rule of the whole package:
- every amount is computed exactly (Decimal, division last) from the inputs and the policy, and rounded to
  the fen exactly once, by `round_fen`, when it becomes a bill line, a discount, a late fee or a refund;
- totals and balances are sums/differences of already-rounded amounts and are never rounded again.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Union

FEN = Decimal("0.01")
ZERO = Decimal("0")

Number = Union[Decimal, int, str]


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen (0.01 元), half up (四舍五入), as on a paper bill."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def as_decimal(value: Number, name: str) -> Decimal:
    """Decimal from a Decimal, int or numeric string. Floats are refused: 0.1 is not exact in binary."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        result = Decimal(value)
    else:
        raise TypeError(f"{name} must be a Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number")
    return result


def yuan(amount: Decimal) -> str:
    """'1920.00' for an amount already rounded to the fen (text only; never rounds money)."""
    return f"{amount:.2f}"


def plain(value: Decimal) -> str:
    """A quantity or rate from the policy or the inputs without trailing zeros: 80.00 -> '80', 4.80 -> '4.8'."""
    return format(value.normalize(), "f")


def percent(rate: Decimal) -> str:
    """0.125 -> '12.5%'."""
    return plain(rate * 100) + "%"
