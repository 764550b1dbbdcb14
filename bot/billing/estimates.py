"""A fee estimate for someone without an account (or who does not want to give it)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from bot.billing.area import billing_area
from bot.billing.facts import BillingError, Payment, PremisesFacts, SeasonCircumstances
from bot.billing.money import ZERO, Number, as_decimal
from bot.billing.status import payoff_amount, season_status
from bot.billing.tariff import SeasonBill, compute_season_bill
from bot.policy import Policy

AREA_KINDS = ("building", "usable")


@dataclass(frozen=True)
class Estimate:
    start_year: int
    billing_area_m2: Decimal  # 建筑面积 (converted from 使用面积 if that was given; unrounded)
    bill: SeasonBill
    fee: Decimal  # the season's principal
    payment_date: Optional[dt.date]
    discount: Decimal  # earned by paying everything on payment_date
    discount_rate: Decimal
    late_fee: Decimal  # if everything is paid on payment_date
    late_fee_days: int
    amount_to_pay: Decimal  # fee − discount + late fee, all paid on payment_date (= fee without a date)


def estimate(
    policy: Policy,
    area_m2: Number,
    area_kind: str = "building",
    residential: bool = True,
    payment_date: Optional[dt.date] = None,
    start_year: Optional[int] = None,
    storey_height_m: Optional[Number] = None,
) -> Estimate:
    """Area-based fee of one season, and what paying it all on `payment_date` would cost.

    The season defaults to the one being billed on `payment_date` (`Policy.current_season_year`); without
    either a date or a season there is nothing to estimate against, so that is an error.
    """
    if area_kind not in AREA_KINDS:
        raise BillingError(f"area_kind must be one of {AREA_KINDS}, got {area_kind!r}")
    if start_year is None:
        if payment_date is None:
            raise BillingError("an estimate needs the season (start_year) or a payment date")
        start_year = policy.current_season_year(payment_date)
    area = as_decimal(area_m2, "area_m2")
    premises = PremisesFacts(
        building_area_m2=area if area_kind == "building" else None,
        usable_area_m2=area if area_kind == "usable" else None,
        residential=residential,
        storey_height_m=storey_height_m,
    )
    bill = compute_season_bill(policy, premises, SeasonCircumstances(start_year=start_year))
    billed_m2 = billing_area(policy, premises).m2
    if payment_date is None:
        return Estimate(start_year, billed_m2, bill, bill.total, None, ZERO, ZERO, ZERO, 0, bill.total)
    to_pay = payoff_amount(policy, bill, (), payment_date)
    payments = (Payment(payment_date, to_pay),) if to_pay > 0 else ()
    status = season_status(policy, bill, payments, payment_date)
    return Estimate(
        start_year=start_year,
        billing_area_m2=billed_m2,
        bill=bill,
        fee=bill.total,
        payment_date=payment_date,
        discount=status.discount,
        discount_rate=status.discount_rate,
        late_fee=status.late_fee,
        late_fee_days=status.late_fee_days,
        amount_to_pay=to_pay,
    )
