"""An account's seasons as the ledger holds them: stored bills rebuilt for the billing engine, payments, plans.

Shared by the balance (accounts.py), the statements (history, why it changed) and the requests (plans), so
every answer about money reads the database the same way.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import billing
from bot.db.models import Account, Bill, HeatingSeason, Payment, PaymentPlan
from bot.policy import Policy

CHANNEL_WORDS = {
    "wechat": "微信",
    "alipay": "支付宝",
    "app": "公司App",
    "bank": "银行柜台",
    "counter": "营业厅",
    "auto_debit": "无感缴费（自动扣款）",
}


@dataclass(frozen=True)
class PaymentRecord:
    paid_on: dt.date
    amount: Decimal
    channel: str  # 中文
    note: Optional[str]  # e.g. 子女代缴


@dataclass(frozen=True)
class SeasonRecord:
    start_year: int
    label: str
    status: "billing.SeasonStatus"
    payments: Tuple[PaymentRecord, ...]


def season_records(session: Session, policy: Policy, account: Account, as_of: dt.date) -> List[SeasonRecord]:
    """Every billed season up to the current one, oldest first, as of `as_of`."""
    rows = session.execute(
        select(Bill, HeatingSeason)
        .join(HeatingSeason, Bill.season_id == HeatingSeason.id)
        .where(Bill.account_id == account.id, HeatingSeason.starts_on <= latest_season_start(policy, as_of))
        .options(selectinload(Bill.components))
        .order_by(HeatingSeason.start_year)
    ).all()
    payments = session.execute(
        select(Payment).where(Payment.account_id == account.id).order_by(Payment.paid_at)
    ).scalars().all()
    kept = set(
        session.execute(
            select(PaymentPlan.season_id).where(
                PaymentPlan.account_id == account.id, PaymentPlan.status.in_(("active", "kept"))
            )
        ).scalars()
    )
    result = []
    for bill, season in rows:
        paid = [p for p in payments if p.season_id == season.id and p.paid_at.date() <= as_of]
        status = billing.season_status(
            policy, bill_from_row(bill, season), [(p.paid_at.date(), p.amount) for p in paid], as_of,
            plan_kept=season.id in kept,
        )
        records = tuple(
            PaymentRecord(p.paid_at.date(), p.amount, CHANNEL_WORDS.get(p.channel, p.channel), p.payer_note) for p in paid
        )
        result.append(SeasonRecord(season.start_year, season.label, status, records))
    return result


def latest_season_start(policy: Policy, as_of: dt.date) -> dt.date:
    """Seasons after the current one are not shown yet."""
    return policy.season_bounds(policy.current_season_year(as_of))[0]


def bill_from_row(bill: Bill, season: HeatingSeason) -> "billing.SeasonBill":
    lines = tuple(
        billing.BillLine(code=c.code, label=c.label, quantity=c.quantity, unit_price=c.unit_price, amount=c.amount)
        for c in bill.components
    )
    return billing.SeasonBill(start_year=season.start_year, basis=bill.basis, lines=lines, total=bill.amount)
