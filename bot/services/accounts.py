"""Finding and verifying a caller's account, and reading what it owes.

Each public function opens its own Session on the given engine (never one shared across requests), records an
audit row for every access to account data, and returns plain frozen dataclasses with masked personal data,
so callers (Rasa actions, staff tools) never hold ORM objects or raw phone numbers.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Tuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from bot.db.session import open_session

from bot import billing
from bot.db.models import Account, Bill, HeatingSeason, Payment, PaymentPlan, Premises
from bot.policy import Policy
from bot.privacy import mask_account_no, mask_name, mask_phone, valid_mobile
from bot.services.audit import RequestContext, record

ACCOUNT_NO_PATTERN = re.compile(r"(?<!\d)(3\d{9})(?!\d)")
LAST4_PATTERN = re.compile(r"(?<!\d)(\d{4})(?!\d)")
MOBILE_PATTERN = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")


def parse_account_no(text: str) -> Optional[str]:
    """The 户号 in what the caller typed or said, if it holds exactly one well-formed number."""
    found = ACCOUNT_NO_PATTERN.findall(text or "")
    return found[0] if len(found) == 1 else None


def parse_last4(text: str) -> Optional[str]:
    """Last 4 digits of a phone number: a 4-digit group, or the end of a full mobile number."""
    mobile = MOBILE_PATTERN.findall(text or "")
    if len(mobile) == 1:
        return mobile[0][-4:]
    found = LAST4_PATTERN.findall(text or "")
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class AccountSummary:
    """What may be said about an account before verification: nothing personal beyond a masked hint."""

    account_no: str
    masked_account_no: str
    masked_address: str
    can_verify_by_phone: bool


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    reason: str  # ok | mismatch | no_phone_on_file | not_found


@dataclass(frozen=True)
class SeasonBalance:
    start_year: int
    label: str
    status: "billing.SeasonStatus"


@dataclass(frozen=True)
class BalanceReport:
    account_no: str
    masked_account_no: str
    masked_holder: str
    masked_phone: str
    address: str  # shown only after verification, still without the room number in full
    as_of: dt.date
    current: SeasonBalance
    arrears: Tuple[SeasonBalance, ...]  # earlier seasons still owing
    total_due: Decimal


def _masked_address(premises: Premises) -> str:
    room = premises.room
    return f"{premises.community}{premises.building}{premises.unit}{room[:-2]}**" if len(room) > 2 else premises.community


def _load_account(session: Session, account_no: str) -> Optional[Account]:
    return session.execute(
        select(Account)
        .where(Account.account_no == account_no)
        .options(selectinload(Account.customer), selectinload(Account.premises))
    ).scalar_one_or_none()


def find_account(engine: Engine, account_no: str, context: RequestContext) -> Optional[AccountSummary]:
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        record(
            session,
            context,
            "lookup_account",
            "ok" if account else "not_found",
            account_id=account.id if account else None,
            detail=f"户号 {mask_account_no(account_no)}",
        )
        if account is None:
            return None
        return AccountSummary(
            account_no=account.account_no,
            masked_account_no=mask_account_no(account.account_no),
            masked_address=_masked_address(account.premises),
            can_verify_by_phone=valid_mobile(account.customer.phone),
        )


def verify_phone_last4(engine: Engine, account_no: str, last4: str, context: RequestContext) -> VerificationResult:
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "verify_phone", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return VerificationResult(False, "not_found")
        phone = account.customer.phone
        if not valid_mobile(phone):
            record(session, context, "verify_phone", "denied", account.id, "no valid phone on file")
            return VerificationResult(False, "no_phone_on_file")
        ok = phone[-4:] == last4
        record(session, context, "verify_phone", "ok" if ok else "denied", account.id)
        return VerificationResult(ok, "ok" if ok else "mismatch")


def balance(engine: Engine, policy: Policy, account_no: str, as_of: dt.date, context: RequestContext) -> Optional[BalanceReport]:
    """The current season's status and amount due, plus any earlier season still owing, as of `as_of`."""
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "read_balance", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return None
        bills = session.execute(
            select(Bill, HeatingSeason)
            .join(HeatingSeason, Bill.season_id == HeatingSeason.id)
            .where(Bill.account_id == account.id, HeatingSeason.starts_on <= _latest_season_start(policy, as_of))
            .options(selectinload(Bill.components))
            .order_by(HeatingSeason.start_year)
        ).all()
        if not bills:
            record(session, context, "read_balance", "no_bill", account.id)
            return None
        payments = session.execute(
            select(Payment.season_id, Payment.paid_at, Payment.amount).where(Payment.account_id == account.id)
        ).all()
        kept_plan_seasons = set(
            session.execute(
                select(PaymentPlan.season_id).where(
                    PaymentPlan.account_id == account.id, PaymentPlan.status.in_(("active", "kept"))
                )
            ).scalars()
        )
        seasons: List[SeasonBalance] = []
        for bill, season in bills:
            season_payments = [
                (paid_at.date(), amount) for season_id, paid_at, amount in payments
                if season_id == season.id and paid_at.date() <= as_of
            ]
            status = billing.season_status(
                policy,
                _bill_from_row(bill, season),
                season_payments,
                as_of,
                plan_kept=season.id in kept_plan_seasons,
            )
            seasons.append(SeasonBalance(season.start_year, season.label, status))
        record(session, context, "read_balance", "ok", account.id)
        current = seasons[-1]
        arrears = tuple(s for s in seasons[:-1] if s.status.total_due > 0)
        return BalanceReport(
            account_no=account.account_no,
            masked_account_no=mask_account_no(account.account_no),
            masked_holder=mask_name(account.customer.name),
            masked_phone=mask_phone(account.customer.phone),
            address=_masked_address(account.premises),
            as_of=as_of,
            current=current,
            arrears=arrears,
            total_due=current.status.total_due + sum((s.status.total_due for s in arrears), Decimal("0")),
        )


def _latest_season_start(policy: Policy, as_of: dt.date) -> dt.date:
    """Seasons after the current one are not shown yet."""
    return policy.season_bounds(policy.current_season_year(as_of))[0]


def _bill_from_row(bill: Bill, season: HeatingSeason) -> "billing.SeasonBill":
    lines = tuple(
        billing.BillLine(code=c.code, label=c.label, quantity=c.quantity, unit_price=c.unit_price, amount=c.amount)
        for c in bill.components
    )
    return billing.SeasonBill(start_year=season.start_year, basis=bill.basis, lines=lines, total=bill.amount)
