"""Prepayment discount (提前缴费优惠)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional

from bot.billing.facts import Payment, paid_by
from bot.billing.money import ZERO, round_fen
from bot.billing.tariff import SeasonBill
from bot.policy import Policy


@dataclass(frozen=True)
class Discount:
    rate: Decimal  # 0 when none was earned
    amount: Decimal  # rounded once: round_fen(prepayment × rate)
    by: Optional[dt.date]  # the tier date that was met

    @property
    def earned(self) -> bool:
        return self.amount > 0


NO_DISCOUNT = Discount(ZERO, ZERO, None)


def discount_eligible(policy: Policy, bill: SeasonBill) -> bool:
    """Not for suspended accounts, nor combined with 低保 relief (unless the policy says otherwise)."""
    if bill.suspended and not policy.discounts.for_suspended_accounts:
        return False
    if bill.dibao_relieved and not policy.discounts.combined_with_dibao_relief:
        return False
    return bill.prepayment > 0


def discount_amount(bill: SeasonBill, rate: Decimal) -> Decimal:
    """The discount a tier's rate gives on this bill's prepayment, rounded once."""
    return round_fen(bill.prepayment * rate)


def prepayment_discount(policy: Policy, bill: SeasonBill, payments: Iterable[Payment]) -> Discount:
    """The best tier whose date (in the season's start year) the account met by paying in full.

    "In full" means the discounted amount: paying 1920.00 − 3 % = 1862.40 by 8月15日 earns the 3 %. The
    discount is on the prepayment (for a metered home the area-based fee it prepaid), and it is kept when the
    metered settlement later refunds part of that fee.
    """
    if not discount_eligible(policy, bill):
        return NO_DISCOUNT
    payments = tuple(payments)
    for tier in policy.discounts.prepayment:  # earliest (best) first, checked by the policy loader
        by = tier.by.in_year(bill.start_year)
        amount = discount_amount(bill, tier.rate)
        if amount > 0 and paid_by(payments, by) >= bill.prepayment - amount:
            return Discount(tier.rate, amount, by)
    return NO_DISCOUNT
