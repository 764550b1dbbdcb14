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

from bot.db.models import Account, Customer, Premises
from bot.policy import Policy
from bot.privacy import mask_account_no, mask_name, mask_phone, valid_mobile
from bot.services.audit import RequestContext, record
from bot.services.ledger import SeasonRecord, season_records
from bot.understanding.values import ADDRESS_PATTERN

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
class Candidate:
    """One of several accounts that match a phone number or an address, as shown before verification."""

    account_no: str
    label: str  # masked address (and masked holder when the address is the same), never a full 户号


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    reason: str  # ok | mismatch | no_phone_on_file | not_found


SeasonBalance = SeasonRecord  # a season with its status and payments (bot.services.ledger)


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


def _candidates(accounts_: List[Account]) -> List[Candidate]:
    addresses = [_masked_address(a.premises) for a in accounts_]
    result = []
    for account, address in zip(accounts_, addresses):
        label = address
        if addresses.count(address) > 1:  # the same (masked) address twice: tell them apart by holder and 户号
            label = f"{address}（户主{mask_name(account.customer.name)}，户号{mask_account_no(account.account_no)}）"
        result.append(Candidate(account.account_no, label))
    return result


def find_accounts_by_phone(engine: Engine, phone: str, context: RequestContext) -> List[Candidate]:
    """Active accounts whose holder registered this mobile number (one holder may have several homes)."""
    with open_session(engine) as session, session.begin():
        found = session.execute(
            select(Account)
            .join(Customer, Account.customer_id == Customer.id)
            .where(Customer.phone == phone, Account.active.is_(True))
            .options(selectinload(Account.customer), selectinload(Account.premises))
            .order_by(Account.account_no)
        ).scalars().all()
        record(
            session, context, "lookup_by_phone", "ok" if found else "not_found",
            account_id=found[0].id if len(found) == 1 else None,
            detail=f"手机 {mask_phone(phone)}，{len(found)} 个户号",
        )
        return _candidates(list(found))




@dataclass(frozen=True)
class Address:
    community_text: str  # what was said before the building number (小区, maybe with filler words)
    building: str  # as in the ledger: 3号楼
    unit: str  # 2单元
    room: str  # 501


def parse_address(text: str) -> Optional[Address]:
    """幸福里3号楼2单元501 / 幸福里3栋2门501室 → the ledger's parts; None without 楼栋+单元+房号."""
    match = ADDRESS_PATTERN.search(text or "")
    if match is None:
        return None
    community = text[: match.start()].strip()
    return Address(community, f"{int(match['building'])}号楼", f"{int(match['unit'])}单元", match["room"])


def find_accounts_by_address(engine: Engine, address: Address, context: RequestContext) -> List[Candidate]:
    """Active accounts at 小区 + 楼栋 + 单元 + 房号. The ledger has duplicated rooms: several may come back.
    The 小区 is the longest known community name inside what the caller said (filler words are ignored)."""
    with open_session(engine) as session, session.begin():
        communities = session.execute(
            select(Premises.community).distinct().where(
                Premises.building == address.building, Premises.unit == address.unit, Premises.room == address.room
            )
        ).scalars().all()
        named = sorted((c for c in communities if c and c in address.community_text), key=len, reverse=True)
        found: List[Account] = []
        if named:
            found = list(
                session.execute(
                    select(Account)
                    .join(Premises, Account.premises_id == Premises.id)
                    .where(
                        Premises.community == named[0],
                        Premises.building == address.building,
                        Premises.unit == address.unit,
                        Premises.room == address.room,
                        Account.active.is_(True),
                    )
                    .options(selectinload(Account.customer), selectinload(Account.premises))
                    .order_by(Account.account_no)
                ).scalars()
            )
        record(
            session, context, "lookup_by_address", "ok" if found else "not_found",
            account_id=found[0].id if len(found) == 1 else None,
            detail=f"地址 {address.building}{address.unit}，{len(found)} 个户号",
        )
        return _candidates(found)


def _same_name(a: str, b: str) -> bool:
    clean = lambda s: re.sub(r"[\s·.]", "", s or "")  # noqa: E731
    return bool(clean(a)) and clean(a) == clean(b)


def verify_holder_name(engine: Engine, account_no: str, name: str, context: RequestContext) -> VerificationResult:
    """Verification by the holder's full name as registered (exact, ignoring spaces and the middle dot)."""
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "verify_name", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return VerificationResult(False, "not_found")
        ok = _same_name(account.customer.name, name)
        record(session, context, "verify_name", "ok" if ok else "denied", account.id)
        return VerificationResult(ok, "ok" if ok else "mismatch")


def record_lock(engine: Engine, account_no: Optional[str], context: RequestContext) -> None:
    """Audit that three failed attempts locked lookups for this conversation."""
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no) if account_no else None
        record(session, context, "verification_locked", "denied", account.id if account else None,
               detail="连续3次验证失败，本次对话暂停查询")


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
        seasons = season_records(session, policy, account, as_of)
        if not seasons:
            record(session, context, "read_balance", "no_bill", account.id)
            return None
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
