"""Late fee (滞纳金), accrued day by day on what is still unpaid after the payment deadline."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Tuple

from bot.billing.facts import PaymentLike, normalize_payments, paid_by
from bot.billing.money import ZERO, as_decimal, round_fen
from bot.policy import Policy


@dataclass(frozen=True)
class LateFeePeriod:
    """Days from `first_day` to `last_day` inclusive during which `unpaid` stayed owing."""

    first_day: dt.date
    last_day: dt.date
    days: int
    unpaid: Decimal
    accrued: Decimal  # unpaid × daily rate × days, exact (only the season's total is rounded)


@dataclass(frozen=True)
class LateFee:
    amount: Decimal  # rounded once, capped, 0 when waived
    days: int  # days on which something was owing after the deadline
    overdue_principal: Decimal  # unpaid at the end of the deadline day; the cap is a share of it
    capped: bool
    waived: bool
    periods: Tuple[LateFeePeriod, ...]


def late_fee(
    policy: Policy,
    start_year: int,
    principal: Decimal,
    payments: Iterable[PaymentLike],
    as_of: dt.date,
    plan_kept: bool = False,
) -> LateFee:
    """Late fee on `principal` (the amount due by the deadline) as of `as_of`, counting `as_of` itself.

    - Payments on or before the deadline reduce what goes overdue; paying on the deadline day costs nothing.
    - Every calendar day from the day after the deadline up to and including the payment day counts
      (deadline 12月31日, paid 1月31日: 31 days). A payment reduces the unpaid amount from the next day on,
      so partial payments make the fee piecewise: Σ unpaid_i × rate × days_i.
    - Payments go to the principal first, so the fee never compounds.
    - Cap: the fee never exceeds cap_ratio × the principal that went overdue at the deadline (a later
      part-payment does not lower the cap: the obligation that fell overdue is what limits the fee).
    - Rounding: accrued exactly, capped, then rounded once.
    - An approved installment/deferral plan that is being kept waives it (when the policy says so).
    """
    principal = as_decimal(principal, "principal")
    rule = policy.late_fee
    deadline = policy.payment_deadline(start_year)
    payments = normalize_payments(payments, up_to=as_of)
    unpaid = max(ZERO, principal - paid_by(payments, deadline))
    overdue_principal = unpaid
    periods = []
    last = deadline  # the last day already accounted for

    def accrue(until: dt.date) -> None:
        days = (until - last).days
        if days > 0 and unpaid > 0:
            first = last + dt.timedelta(days=1)
            periods.append(LateFeePeriod(first, until, days, unpaid, unpaid * rule.daily_rate * days))

    for payment in payments:
        if payment.paid_on <= deadline:
            continue
        if unpaid <= 0:
            break
        accrue(payment.paid_on)
        unpaid = max(ZERO, unpaid - payment.amount)
        last = max(last, payment.paid_on)
    if as_of > last:
        accrue(as_of)

    accrued = sum((p.accrued for p in periods), ZERO)
    cap = overdue_principal * rule.cap_ratio
    capped = accrued > cap
    amount = round_fen(min(accrued, cap))
    waived = plan_kept and rule.waived_while_plan_kept
    return LateFee(
        amount=ZERO if waived else amount,
        days=sum(p.days for p in periods),
        overdue_principal=overdue_principal,
        capped=capped,
        waived=waived,
        periods=tuple(periods),
    )
