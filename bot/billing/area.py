"""Billing area (计费面积) and the storey-height surcharge rate.

The area is 建筑面积 from the property certificate; where only 使用面积 is known it is
使用面积 ÷ usable_to_building_ratio. That quotient is often non-terminating (50 ÷ 0.75 = 66.666…), so it is
never rounded: `BillingArea.cost()` multiplies the 使用面积 by the price first and divides last, which keeps
50 m² ÷ 0.75 × 24.00 at exactly 1600.00 instead of 66.67 × 24.00 = 1600.08.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from bot.billing.facts import MissingAreaError, PremisesFacts
from bot.billing.money import ZERO
from bot.policy import Policy


@dataclass(frozen=True)
class BillingArea:
    """建筑面积 for billing. `m2` is exact for 建筑面积 and a 28-digit Decimal when converted from 使用面积."""

    m2: Decimal
    source: str  # 'building' | 'usable'
    usable_m2: Optional[Decimal] = None
    ratio: Optional[Decimal] = None  # 使用面积 / 建筑面积, when converted

    def cost(self, unit_price: Decimal) -> Decimal:
        """Area × a per-m² price, exact (unrounded); the division by the ratio comes last."""
        if self.source == "usable":
            return self.usable_m2 * unit_price / self.ratio
        return self.m2 * unit_price

    def share_of(self, amount: Decimal, part_m2: Decimal) -> Decimal:
        """amount × part_m2 / area (unrounded), dividing last."""
        if self.source == "usable":
            return amount * part_m2 * self.ratio / self.usable_m2
        return amount * part_m2 / self.m2


def billing_area(policy: Policy, premises: PremisesFacts) -> BillingArea:
    """建筑面积 if known, else 使用面积 ÷ the policy's ratio; neither known is an error."""
    if premises.building_area_m2 is not None:
        return BillingArea(m2=premises.building_area_m2, source="building")
    if premises.usable_area_m2 is not None:
        ratio = policy.area_tariff.usable_to_building_ratio
        return BillingArea(
            m2=premises.usable_area_m2 / ratio, source="usable", usable_m2=premises.usable_area_m2, ratio=ratio
        )
    raise MissingAreaError("建筑面积和使用面积都未登记，无法计算热费 (neither building nor usable area is known)")


def storey_surcharge_rate(policy: Policy, premises: PremisesFacts) -> Decimal:
    """Share added to the area fee for storeys above the threshold: per extra metre, pro rata, capped.

    4.8 m -> 0.8 × 12.5 % = 10 %; 12 m and higher -> 100 % (the cap). Metered homes pay none while the policy
    says so, also in a season billed by area because the meter failed (the exemption follows the premises,
    so the fee the user prepaid is never topped up because of a meter fault).
    """
    rule = policy.area_tariff.storey_height
    if premises.storey_height_m is None or (premises.metered and not rule.applies_to_metered):
        return ZERO
    extra_m = premises.storey_height_m - rule.threshold_m
    if extra_m <= 0:
        return ZERO
    return min(rule.cap, extra_m * rule.surcharge_per_metre)
