"""Refund for a room temperature below the indoor standard (室温不达标退费)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from bot.billing.facts import BillingError
from bot.billing.money import ZERO, Number, as_decimal, round_fen
from bot.policy import Policy


@dataclass(frozen=True)
class TemperatureRefundResult:
    amount: Decimal  # rounded once
    rate: Decimal  # share of the daily fee refunded (0 when no refund is due)
    daily_fee: Decimal  # season fee of the affected area ÷ heating days, exact (unrounded)
    season_days: int
    reason: str  # refund | excluded | fixed_in_time | not_below_standard | no_days


def refund_rate(policy: Policy, degrees_below: Decimal) -> Decimal:
    """The tier for how far below the standard: the first tier whose upper bound is ≥ the shortfall
    (bounds inclusive: exactly 2 ℃ -> 10 %, exactly 6 ℃ -> 50 %)."""
    if degrees_below <= 0:
        return ZERO
    for tier in policy.temperature_refund.tiers:
        if tier.up_to_degrees_below is None or degrees_below <= tier.up_to_degrees_below:
            return tier.rate
    raise AssertionError("the policy loader guarantees an open last tier")


def temperature_refund(
    policy: Policy,
    start_year: int,
    affected_area_m2: Number,
    residential: bool,
    degrees_below: Number,
    affected_days: int,
    excluded: bool = False,
    hours_to_fix: Optional[Number] = None,
) -> TemperatureRefundResult:
    """Refund = affected area × area price ÷ the season's heating days × affected days × tier rate.

    The daily fee uses the plain area price (no storey surcharge) of the affected rooms' area, divided by
    121 or 122 days (`Policy.season_days`). `excluded`: the user altered the system, covered radiators or
    drew water (no refund). `hours_to_fix`: if the fault was fixed within the policy's hours, no refund;
    None means not fixed in time (the caller counts the affected days).
    """
    area = as_decimal(affected_area_m2, "affected_area_m2")
    degrees = as_decimal(degrees_below, "degrees_below")
    if area <= 0:
        raise BillingError("affected_area_m2 must be positive")
    days_in_season = policy.season_days(start_year)
    if not 0 <= affected_days <= days_in_season:
        raise BillingError(f"affected_days must be between 0 and {days_in_season}")
    season_fee = area * policy.area_price(residential)
    daily_fee = season_fee / days_in_season
    rate = refund_rate(policy, degrees)
    if excluded:
        reason = "excluded"
    elif hours_to_fix is not None and as_decimal(hours_to_fix, "hours_to_fix") <= policy.temperature_refund.fix_within_hours:
        reason = "fixed_in_time"
    elif rate == 0:
        reason = "not_below_standard"
    elif affected_days == 0:
        reason = "no_days"
    else:
        # Divide last so the only rounding is the final one.
        amount = round_fen(season_fee * rate * affected_days / days_in_season)
        return TemperatureRefundResult(amount, rate, daily_fee, days_in_season, "refund")
    return TemperatureRefundResult(ZERO, ZERO, daily_fee, days_in_season, reason)
