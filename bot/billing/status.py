"""Where a season's account stands on a date: principal, discount, payments, late fee, amount due, status,
and a breakdown a customer can follow line by line (its amounts add up to the balance)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Tuple

from bot.billing.discounts import discount_amount, prepayment_discount
from bot.billing.facts import Payment, PaymentLike, normalize_payments
from bot.billing.late_fees import LateFee, late_fee
from bot.billing.money import ZERO, percent
from bot.billing.tariff import BillLine, SeasonBill
from bot.policy import Policy

STATUSES = ("paid", "partly_paid", "unpaid", "overdue", "in_plan")


@dataclass(frozen=True)
class SeasonStatus:
    start_year: int
    as_of: dt.date
    bill: SeasonBill
    principal: Decimal  # bill.total
    discount: Decimal  # prepayment discount earned (≥ 0)
    discount_rate: Decimal
    paid: Decimal  # payments up to as_of
    late_fee: Decimal  # to as_of, inclusive
    late_fee_days: int
    total_due: Decimal  # what the customer still owes (≥ 0)
    refund_due: Decimal  # what is owed back, e.g. a metered refund or an overpayment (≥ 0)
    status: str  # one of STATUSES
    breakdown: Tuple[BillLine, ...]  # bill lines, discount, payments, late fee; sums to `balance`

    @property
    def charge(self) -> Decimal:
        """What the season costs, whoever paid it: principal − discount + late fee."""
        return self.principal - self.discount + self.late_fee

    @property
    def balance(self) -> Decimal:
        """charge − paid: positive = owed by the customer, negative = owed to the customer."""
        return self.charge - self.paid


def season_status(
    policy: Policy,
    bill: SeasonBill,
    payments: Iterable[PaymentLike],
    as_of: dt.date,
    plan_kept: bool = False,
    late_fee_waived: bool = False,
) -> SeasonStatus:
    """The season as of `as_of` (payments after it are ignored).

    - The discount is earned once the prepayment less the discount was paid by a tier date.
    - The late fee runs on the amount due by the deadline (the prepayment, or the settled amount if a metered
      settlement lowered it) less the discount; an extra charge from a non-residential metered settlement
      is billed after the season and bears no late fee.
    - `plan_kept`: an approved 分期/缓缴 plan is being kept (status in_plan, no late fee per the policy).
      `late_fee_waived`: the company waived the late fee (e.g. a 低保 household asked).
    - Status: paid (nothing owed), in_plan, overdue (after the deadline, something other than a not-yet-due
      settlement extra owed), unpaid (nothing paid yet), partly_paid.
    """
    payments = normalize_payments(payments, up_to=as_of)
    discount = prepayment_discount(policy, bill, payments)
    fee_principal = max(ZERO, min(bill.prepayment, bill.total) - discount.amount)
    fee = late_fee(policy, bill.start_year, fee_principal, payments, as_of, plan_kept=plan_kept)
    late = ZERO if late_fee_waived else fee.amount
    paid = sum((p.amount for p in payments), ZERO)
    balance = bill.total - discount.amount + late - paid

    if balance <= 0:
        status = "paid"
    elif plan_kept:
        status = "in_plan"
    elif as_of > policy.payment_deadline(bill.start_year) and balance > max(ZERO, bill.settlement_adjustment):
        status = "overdue"
    elif paid == 0:
        status = "unpaid"
    else:
        status = "partly_paid"

    breakdown = list(bill.lines)
    if discount.earned:
        label = f"提前缴费优惠（{discount.by.month}月{discount.by.day}日前缴清，优惠{percent(discount.rate)}）"
        breakdown.append(BillLine("prepay_discount", label, bill.prepayment, discount.rate, -discount.amount))
    breakdown.extend(_payment_line(p) for p in payments)
    if fee.days:
        breakdown.append(_late_fee_line(policy, fee, late, late_fee_waived))

    return SeasonStatus(
        start_year=bill.start_year,
        as_of=as_of,
        bill=bill,
        principal=bill.total,
        discount=discount.amount,
        discount_rate=discount.rate,
        paid=paid,
        late_fee=late,
        late_fee_days=fee.days,
        total_due=max(ZERO, balance),
        refund_due=max(ZERO, -balance),
        status=status,
        breakdown=tuple(breakdown),
    )


def payoff_amount(
    policy: Policy, bill: SeasonBill, payments: Iterable[PaymentLike], paid_on: dt.date, plan_kept: bool = False
) -> Decimal:
    """What one more payment on `paid_on` must be to settle the season (0 if nothing is owed).

    Before a discount date it is the discounted remainder; after the deadline it includes the late fee up to
    and including `paid_on`.
    """
    payments = normalize_payments(payments, up_to=paid_on)
    paid = sum((p.amount for p in payments), ZERO)
    for tier in policy.discounts.prepayment:
        if paid_on > tier.by.in_year(bill.start_year):
            continue
        # Try the remainder at this tier's discount; it counts only if it really earns that discount.
        attempt = bill.total - discount_amount(bill, tier.rate) - paid
        candidate = _settles(policy, bill, payments, paid_on, attempt, plan_kept)
        if candidate is not None:
            return candidate
    return season_status(policy, bill, payments, paid_on, plan_kept=plan_kept).total_due


def _settles(policy, bill, payments, paid_on, amount, plan_kept):
    if amount <= 0:
        return None
    status = season_status(policy, bill, payments + (Payment(paid_on, amount),), paid_on, plan_kept=plan_kept)
    return amount if status.balance == 0 else None


def _payment_line(payment: Payment) -> BillLine:
    return BillLine("payment", f"已缴费（{payment.paid_on.isoformat()}）", None, None, -payment.amount)


def _late_fee_line(policy: Policy, fee: LateFee, amount: Decimal, waived_on_request: bool) -> BillLine:
    if fee.waived:
        label = f"滞纳金（逾期{fee.days}天，分期/缓缴履约中免收）"
    elif waived_on_request:
        label = f"滞纳金（逾期{fee.days}天，已批准减免）"
    else:
        rate = percent(policy.late_fee.daily_rate)
        label = f"滞纳金（逾期{fee.days}天，每日{rate}" + ("，已达上限）" if fee.capped else "）")
    return BillLine("late_fee", label, Decimal(fee.days), None, amount)
