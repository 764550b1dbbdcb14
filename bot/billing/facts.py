"""The inputs of the billing engine: what is known about the premises, the season and the payments."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional, Tuple, Union

from bot.billing.money import ZERO, as_decimal


class BillingError(ValueError):
    """The facts given cannot be billed (missing or impossible values)."""


class MissingAreaError(BillingError):
    """Neither 建筑面积 nor 使用面积 is known."""


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)  # normalising fields of a frozen dataclass


@dataclass(frozen=True)
class PremisesFacts:
    """The heated unit as far as the bill is concerned.

    `storey_height_m` None means not recorded: treated as an ordinary storey (no surcharge).
    Both areas may be None here (the ledger has gaps); billing such premises raises MissingAreaError.
    """

    building_area_m2: Optional[Decimal]
    usable_area_m2: Optional[Decimal] = None
    residential: bool = True
    storey_height_m: Optional[Decimal] = None
    metered: bool = False

    def __post_init__(self) -> None:
        for name in ("building_area_m2", "usable_area_m2", "storey_height_m"):
            value = getattr(self, name)
            if value is None:
                continue
            value = as_decimal(value, name)
            if value <= 0:
                raise BillingError(f"{name} must be positive, got {value}")
            _set(self, name, value)


@dataclass(frozen=True)
class SeasonCircumstances:
    """What applies to the premises in the season starting in `start_year` (2025 = 2025-2026 采暖季).

    `suspended`: an approved 报停 for the season. `dibao`: a valid 低保 certificate for the season.
    `heat_kwh`: the season's meter reading (None: not read yet or unreadable). `meter_faulty`: the meter failed.
    """

    start_year: int
    suspended: bool = False
    dibao: bool = False
    heat_kwh: Optional[Decimal] = None
    meter_faulty: bool = False

    def __post_init__(self) -> None:
        if self.heat_kwh is not None:
            kwh = as_decimal(self.heat_kwh, "heat_kwh")
            if kwh < 0:
                raise BillingError(f"heat_kwh must not be negative, got {kwh}")
            _set(self, "heat_kwh", kwh)


@dataclass(frozen=True)
class Payment:
    """Money received for a season on a (Asia/Shanghai) calendar day."""

    paid_on: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.paid_on, dt.datetime) or not isinstance(self.paid_on, dt.date):
            raise TypeError("paid_on must be a date (convert a datetime to its Asia/Shanghai date first)")
        amount = as_decimal(self.amount, "payment amount")
        if amount <= 0:
            raise BillingError(f"a payment must be positive, got {amount}")
        _set(self, "amount", amount)


PaymentLike = Union[Payment, Tuple[dt.date, Decimal]]


def normalize_payments(payments: Iterable[PaymentLike], up_to: Optional[dt.date] = None) -> Tuple[Payment, ...]:
    """Payments as `Payment`s in date order (stable), keeping only those made on or before `up_to`."""
    result = [p if isinstance(p, Payment) else Payment(p[0], p[1]) for p in payments]
    if up_to is not None:
        result = [p for p in result if p.paid_on <= up_to]
    return tuple(sorted(result, key=lambda p: p.paid_on))


def paid_by(payments: Iterable[Payment], day: dt.date) -> Decimal:
    """Sum of the payments made on or before `day`."""
    return sum((p.amount for p in payments if p.paid_on <= day), ZERO)
