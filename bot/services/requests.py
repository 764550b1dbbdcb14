"""Requests a caller files in the chat: 报停 (suspension), 分期/缓缴 (hardship payment plan), a complaint or
repair ticket, and a correction of the registered phone. Each is recorded as *pending* with a reference number
for staff to process; nothing here approves anything. Every figure and condition comes from the policy.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import billing
from bot.billing.money import ZERO
from bot.db.models import (
    Bill,
    HeatingSeason,
    PaymentPlan,
    PhoneChangeRequest,
    PlanInstallment,
    ReliefCertificate,
    ServiceTicket,
    Suspension,
)
from bot.db.session import open_session
from bot.policy import Policy
from bot.privacy import mask_account_no, mask_phone, valid_mobile
from bot.services.accounts import _load_account
from bot.services.audit import RequestContext, record
from bot.services.ledger import season_records


def new_reference(prefix: str, now: dt.datetime) -> str:
    """BT20261126042917: a prefix, the date, 6 random digits (unique constraint in the table)."""
    return f"{prefix}{now:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _season_row(session: Session, policy: Policy, start_year: int) -> HeatingSeason:
    season = session.execute(select(HeatingSeason).where(HeatingSeason.start_year == start_year)).scalar_one_or_none()
    if season is None:
        first, last = policy.season_bounds(start_year)
        season = HeatingSeason(
            start_year=start_year, starts_on=first, ends_on=last,
            payment_deadline=policy.payment_deadline(start_year), heating_days=policy.season_days(start_year),
        )
        session.add(season)
        session.flush()
    return season


# ---------------------------------------------------------------------------------------------- 报停
@dataclass(frozen=True)
class SuspensionOutcome:
    outcome: str  # recorded | already_applied | outside_window | no_per_household_system | first_season |
    #              too_few_seasons | not_found
    reference: Optional[str] = None
    season_label: str = ""
    window: Tuple[dt.date, dt.date] = None  # this year's window (or next year's when it has passed)
    fee_estimate: Optional[Decimal] = None  # 热能损耗补偿费 on the last billed area fee


def apply_suspension(
    engine: Engine, policy: Policy, account_no: str, now: dt.datetime, context: RequestContext
) -> SuspensionOutcome:
    rule = policy.suspension
    today = now.date()
    opens, closes = rule.window_start.in_year(today.year), rule.window_end.in_year(today.year)
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "apply_suspension", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return SuspensionOutcome("not_found")

        def refuse(reason: str, **extra) -> SuspensionOutcome:
            record(session, context, "apply_suspension", "denied", account.id, detail=reason)
            return SuspensionOutcome(reason, **extra)

        if not opens <= today <= closes:
            window = (opens, closes) if today < opens else (
                rule.window_start.in_year(today.year + 1), rule.window_end.in_year(today.year + 1))
            return refuse("outside_window", window=window)
        year = today.year  # the season that starts this autumn
        label = f"{year}-{year + 1}采暖季"
        premises = account.premises
        if rule.requires_per_household_system and not premises.per_household_system:
            return refuse("no_per_household_system", season_label=label)
        if rule.not_in_first_season and premises.first_season_year >= year:
            return refuse("first_season", season_label=label)
        past_seasons = session.execute(
            select(func.count()).select_from(Bill).join(HeatingSeason, Bill.season_id == HeatingSeason.id)
            .where(Bill.account_id == account.id, HeatingSeason.start_year < year, Bill.basis != "suspended")
        ).scalar_one()
        if past_seasons < rule.min_seasons:
            return refuse("too_few_seasons", season_label=label)
        season = _season_row(session, policy, year)
        existing = session.execute(
            select(Suspension.reference).where(
                Suspension.account_id == account.id, Suspension.season_id == season.id,
                Suspension.status.in_(("pending", "approved")),
            )
        ).scalar_one_or_none()
        if existing:
            record(session, context, "apply_suspension", "duplicate", account.id, detail=existing)
            return SuspensionOutcome("already_applied", existing, label, (opens, closes))
        reference = new_reference("BT", now)
        session.add(Suspension(reference=reference, account_id=account.id, season_id=season.id, status="pending",
                               applied_at=now))
        area = billing.billing_area(policy, _facts(premises)).m2
        fee = billing.round_fen(area * policy.area_price(premises.use_type == "residential") * rule.fee_rate)
        record(session, context, "apply_suspension", "ok", account.id, detail=reference)
        return SuspensionOutcome("recorded", reference, label, (opens, closes), fee)


def _facts(premises) -> "billing.PremisesFacts":
    return billing.PremisesFacts(
        building_area_m2=premises.building_area_m2,
        usable_area_m2=premises.usable_area_m2,
        residential=premises.use_type == "residential",
        storey_height_m=premises.storey_height_m,
        metered=premises.metered,
    )


# ---------------------------------------------------------------------------------------------- 分期 / 缓缴
CERTIFICATE_GROUPS = {"dibao": "低保", "tekun": "特困", "low_income": "低收入"}


@dataclass(frozen=True)
class PlanOutcome:
    outcome: str  # recorded | not_eligible | nothing_due | already_applied | too_late | not_found
    kind: str = ""  # installment | deferral
    reference: Optional[str] = None
    season_label: str = ""
    amount: Decimal = ZERO  # what the plan covers
    schedule: Tuple[Tuple[dt.date, Decimal], ...] = ()
    certificate_on_file: bool = False
    reason: str = ""  # the group (分期) or reason (缓缴) the plan rests on


def installment_schedule(policy: Policy, start_year: int, amount: Decimal, today: dt.date) -> Tuple[Tuple[dt.date, Decimal], ...]:
    """Up to max_installments equal parts (the last takes the rounding rest), evenly spaced from the payment
    deadline (or today, when later) to the policy's last due date. Empty when that date has passed."""
    rule = policy.relief.installment
    last = rule.last_due.in_year(start_year + 1)
    first = max(policy.payment_deadline(start_year), today)
    if first > last:
        return ()
    parts = rule.max_installments if first < last else 1
    span = (last - first).days
    dates = [first + dt.timedelta(days=span * i // (parts - 1)) for i in range(parts)] if parts > 1 else [last]
    share = billing.round_fen(amount / parts)
    amounts = [share] * (parts - 1) + [amount - share * (parts - 1)]
    return tuple(zip(dates, amounts))


def request_payment_plan(
    engine: Engine, policy: Policy, account_no: str, kind: str, group_or_reason: str, now: dt.datetime,
    context: RequestContext,
) -> PlanOutcome:
    """kind 'installment' needs a group in relief.installment.eligible_groups; 'deferral' a reason in
    relief.deferral.reasons. The plan covers the current season's amount due today."""
    today = now.date()
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "request_payment_plan", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return PlanOutcome("not_found", kind)
        allowed = policy.relief.installment.eligible_groups if kind == "installment" else policy.relief.deferral.reasons
        if group_or_reason not in allowed:
            record(session, context, "request_payment_plan", "denied", account.id, detail=f"{kind}: {group_or_reason}")
            return PlanOutcome("not_eligible", kind)
        seasons = season_records(session, policy, account, today)
        if not seasons or seasons[-1].status.total_due <= 0:
            record(session, context, "request_payment_plan", "nothing_due", account.id, detail=kind)
            return PlanOutcome("nothing_due", kind)
        current = seasons[-1]
        season = _season_row(session, policy, current.start_year)
        existing = session.execute(
            select(PaymentPlan.reference).where(
                PaymentPlan.account_id == account.id, PaymentPlan.season_id == season.id,
                PaymentPlan.status.in_(("pending", "active")),
            )
        ).scalars().first()
        if existing:
            record(session, context, "request_payment_plan", "duplicate", account.id, detail=existing)
            return PlanOutcome("already_applied", kind, existing, current.label)
        amount = current.status.total_due
        if kind == "installment":
            schedule = installment_schedule(policy, current.start_year, amount, today)
            if not schedule:
                record(session, context, "request_payment_plan", "denied", account.id, detail="past last due date")
                return PlanOutcome("too_late", kind, season_label=current.label)
        else:
            until = max(policy.payment_deadline(current.start_year), today) + dt.timedelta(
                days=policy.relief.deferral.max_days)
            schedule = ((until, amount),)
        certificate = False
        if kind == "installment":
            kinds = [k for k, group in CERTIFICATE_GROUPS.items() if group == group_or_reason]
            certificate = session.execute(
                select(func.count()).select_from(ReliefCertificate).where(
                    ReliefCertificate.customer_id == account.customer_id, ReliefCertificate.kind.in_(kinds),
                    ReliefCertificate.valid_from <= today, ReliefCertificate.valid_to >= today,
                )
            ).scalar_one() > 0
        reference = new_reference("FQ" if kind == "installment" else "HJ", now)
        plan = PaymentPlan(
            reference=reference, account_id=account.id, season_id=season.id, kind=kind, status="pending",
            reason=group_or_reason, deferred_until=schedule[-1][0] if kind == "deferral" else None, created_at=now,
        )
        for sequence, (due_on, part) in enumerate(schedule, start=1):
            plan.installments.append(PlanInstallment(sequence=sequence, due_on=due_on, amount=part))
        session.add(plan)
        record(session, context, "request_payment_plan", "ok", account.id, detail=reference)
        return PlanOutcome("recorded", kind, reference, current.label, amount, schedule, certificate, group_or_reason)


# ---------------------------------------------------------------------------------------------- 工单
TICKET_CATEGORIES = {"complaint": "投诉", "repair": "报修", "temperature": "室温不达标"}
TICKET_STATUS_WORDS = {"open": "已受理，待处理", "in_progress": "处理中", "resolved": "已解决", "closed": "已关闭"}


@dataclass(frozen=True)
class TicketInfo:
    reference: str
    category: str  # 中文
    status: str  # 中文
    created_at: dt.datetime
    first_contact_due: dt.datetime
    resolution_due: dt.datetime
    masked_contact: str


def _ticket_info(ticket: ServiceTicket) -> TicketInfo:
    return TicketInfo(
        ticket.reference, TICKET_CATEGORIES.get(ticket.category, ticket.category),
        TICKET_STATUS_WORDS.get(ticket.status, ticket.status), ticket.created_at, ticket.first_contact_due,
        ticket.resolution_due, mask_phone(ticket.contact_phone),
    )


def open_ticket(
    engine: Engine, policy: Policy, category: str, description: str, contact_phone: str, now: dt.datetime,
    context: RequestContext, account_no: Optional[str] = None,
) -> TicketInfo:
    """A complaint/repair ticket with the service commitments' due times (first contact, solution)."""
    if category not in TICKET_CATEGORIES:
        raise ValueError(f"unknown ticket category {category!r}")
    service = policy.service
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no) if account_no else None
        ticket = ServiceTicket(
            reference=new_reference("GD", now), account_id=account.id if account else None, category=category,
            description=description.strip(), contact_phone=contact_phone, status="open",
            conversation_id=context.conversation_id, channel=context.channel, created_at=now,
            first_contact_due=now + dt.timedelta(minutes=service.complaint_first_contact_minutes),
            resolution_due=now + dt.timedelta(hours=service.complaint_solution_hours),
        )
        session.add(ticket)
        record(session, context, "open_ticket", "ok", account.id if account else None,
               detail=f"{ticket.reference} {category}")
        return _ticket_info(ticket)


def ticket_status(engine: Engine, reference: str, context: RequestContext) -> Optional[TicketInfo]:
    with open_session(engine) as session, session.begin():
        ticket = session.execute(
            select(ServiceTicket).where(ServiceTicket.reference == reference.strip().upper())
        ).scalar_one_or_none()
        record(session, context, "read_ticket", "ok" if ticket else "not_found",
               ticket.account_id if ticket else None, detail=reference[:24])
        return _ticket_info(ticket) if ticket else None


# ---------------------------------------------------------------------------------------------- 更正手机号
@dataclass(frozen=True)
class PhoneChangeOutcome:
    outcome: str  # recorded | same_as_registered | invalid | not_found | already_pending
    reference: Optional[str] = None
    masked_new_phone: str = ""


def request_phone_change(
    engine: Engine, account_no: str, new_phone: str, now: dt.datetime, context: RequestContext
) -> PhoneChangeOutcome:
    if not valid_mobile(new_phone):
        return PhoneChangeOutcome("invalid")
    with open_session(engine) as session, session.begin():
        account = _load_account(session, account_no)
        if account is None:
            record(session, context, "request_phone_change", "not_found", detail=f"户号 {mask_account_no(account_no)}")
            return PhoneChangeOutcome("not_found")
        if account.customer.phone == new_phone:
            record(session, context, "request_phone_change", "unchanged", account.id)
            return PhoneChangeOutcome("same_as_registered", masked_new_phone=mask_phone(new_phone))
        pending = session.execute(
            select(PhoneChangeRequest).where(
                PhoneChangeRequest.account_id == account.id, PhoneChangeRequest.status == "pending")
        ).scalars().first()
        if pending is not None and pending.new_phone == new_phone:
            record(session, context, "request_phone_change", "duplicate", account.id, detail=pending.reference)
            return PhoneChangeOutcome("already_pending", pending.reference, mask_phone(new_phone))
        reference = new_reference("DH", now)
        session.add(PhoneChangeRequest(
            reference=reference, account_id=account.id, customer_id=account.customer_id, new_phone=new_phone,
            status="pending", conversation_id=context.conversation_id, channel=context.channel, requested_at=now,
        ))
        record(session, context, "request_phone_change", "ok", account.id,
               detail=f"{reference} 新号码 {mask_phone(new_phone)}")
        return PhoneChangeOutcome("recorded", reference, mask_phone(new_phone))
