"""A verified account's history and what-ifs: payments of the last seasons, why this season's bill differs from
the last one, and what paying on a given date would cost (late fee included).

Like bot.services.accounts: one Session per call, an audit row for every read, plain frozen dataclasses out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import billing
from bot.billing.money import ZERO
from bot.db.models import HeatingSeason, PaymentPlan
from bot.db.session import open_session
from bot.policy import Policy
from bot.privacy import mask_account_no
from bot.services.accounts import _load_account
from bot.services.ledger import CHANNEL_WORDS, PaymentRecord, SeasonRecord, season_records  # noqa: F401 (re-exported)
from bot.services.audit import RequestContext, record

@dataclass(frozen=True)
class PaymentHistory:
    masked_account_no: str
    as_of: dt.date
    seasons: Tuple[SeasonRecord, ...]  # newest first, at most `limit`


def payment_history(
    engine: Engine, policy: Policy, account_no: str, as_of: dt.date, context: RequestContext, limit: int = 3
) -> Optional[PaymentHistory]:
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "read_payment_history", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return None
        seasons = season_records(session, policy, account, as_of)
        record(session, context, "read_payment_history", "ok" if seasons else "no_bill", account.id)
        if not seasons:
            return None
        return PaymentHistory(mask_account_no(account_no), as_of, tuple(reversed(seasons[-limit:])))


@dataclass(frozen=True)
class ChangeReport:
    masked_account_no: str
    previous: SeasonRecord
    current: SeasonRecord
    change: "billing.BillChange"


def bill_change(engine: Engine, policy: Policy, account_no: str, as_of: dt.date, context: RequestContext) -> Optional[ChangeReport]:
    """This season against the last one, both as of `as_of` (causes from billing.explain_change)."""
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "read_bill_change", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return None
        seasons = season_records(session, policy, account, as_of)
        record(session, context, "read_bill_change", "ok" if len(seasons) >= 2 else "no_bill", account.id)
        if len(seasons) < 2:
            return None
        previous, current = seasons[-2], seasons[-1]
        return ChangeReport(
            mask_account_no(account_no), previous, current, billing.explain_change(previous.status, current.status)
        )


@dataclass(frozen=True)
class PayOnDateSeason:
    label: str
    principal: Decimal
    paid: Decimal
    discount: Decimal
    late_fee: Decimal
    late_fee_days: int
    to_pay: Decimal  # one payment on the date that settles the season


@dataclass(frozen=True)
class PayOnDateQuote:
    masked_account_no: str
    paid_on: dt.date
    seasons: Tuple[PayOnDateSeason, ...]  # only seasons with something to pay
    total: Decimal
    late_fee_total: Decimal
    in_plan: bool  # an approved plan is kept: no late fee while it is


def pay_on_date(
    engine: Engine, policy: Policy, account_no: str, today: dt.date, paid_on: dt.date, context: RequestContext
) -> Optional[PayOnDateQuote]:
    """What settling every season still owing costs if paid on `paid_on` (late fee to that day included)."""
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "read_late_fee_quote", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return None
        kept = set(
            session.execute(
                select(HeatingSeason.start_year)
                .join(PaymentPlan, PaymentPlan.season_id == HeatingSeason.id)
                .where(PaymentPlan.account_id == account.id, PaymentPlan.status.in_(("active", "kept")))
            ).scalars()
        )
        # Seasons as known today (payments made so far); the bill of a season not yet current is not included.
        seasons = season_records(session, policy, account, today)
        record(session, context, "read_late_fee_quote", "ok" if seasons else "no_bill", account.id,
               detail=f"缴费日 {paid_on.isoformat()}")
        if not seasons:
            return None
        quoted = []
        for season in seasons:
            bill = season.status.bill
            payments = [(p.paid_on, p.amount) for p in season.payments]
            plan_kept = season.start_year in kept
            amount = billing.payoff_amount(policy, bill, payments, paid_on, plan_kept=plan_kept)
            if amount <= 0:
                continue
            settled = billing.season_status(
                policy, bill, payments + [(paid_on, amount)], paid_on, plan_kept=plan_kept
            )
            quoted.append(
                PayOnDateSeason(
                    season.label, bill.total, season.status.paid, settled.discount, settled.late_fee,
                    settled.late_fee_days, amount,
                )
            )
        return PayOnDateQuote(
            masked_account_no=mask_account_no(account_no),
            paid_on=paid_on,
            seasons=tuple(quoted),
            total=sum((q.to_pay for q in quoted), ZERO),
            late_fee_total=sum((q.late_fee for q in quoted), ZERO),
            in_plan=bool(kept),
        )
