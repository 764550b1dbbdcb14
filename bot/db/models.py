"""The billing database: customers, premises, accounts (户号), seasons, bills, payments and what hangs off them.

Conventions:
- Money is Numeric(12, 2) and always a Decimal in Python, never a float.
- Date-times are stored as naive Asia/Shanghai wall-clock time and come back timezone-aware
  (`ShanghaiDateTime`), so SQLite and PostgreSQL behave the same and reports read in local time.
- Enumerations are short ASCII strings checked by CHECK constraints, so the schema stays portable.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import List, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

from bot.settings import TIMEZONE

Base = declarative_base()

MONEY = Numeric(12, 2)
AREA = Numeric(10, 2)


class ShanghaiDateTime(TypeDecorator):
    """Aware datetime in, aware Asia/Shanghai datetime out; stored as naive local time."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Optional[dt.datetime], dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the billing database; attach a timezone")
        return value.astimezone(TIMEZONE).replace(tzinfo=None)

    def process_result_value(self, value: Optional[dt.datetime], dialect):
        if value is None:
            return None
        return value.replace(tzinfo=TIMEZONE)


def _check_in(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


USE_TYPES = ("residential", "non_residential")
BILL_BASES = ("area", "metered", "suspended")
PAYMENT_CHANNELS = ("wechat", "alipay", "app", "bank", "counter", "auto_debit")
REQUEST_STATUSES = ("pending", "approved", "rejected", "cancelled")
PLAN_KINDS = ("installment", "deferral")
PLAN_STATUSES = ("pending", "active", "kept", "broken", "rejected")
METER_STATUSES = ("ok", "faulty")
TICKET_STATUSES = ("open", "in_progress", "resolved", "closed")


class Customer(Base):
    """A bill payer. Phone may be missing or malformed: the ledger has known errors."""

    __tablename__ = "customers"
    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False)
    phone = Column(String(32), nullable=True)
    created_at = Column(ShanghaiDateTime, nullable=False)

    accounts: List["Account"] = relationship("Account", back_populates="customer")
    relief_certificates = relationship("ReliefCertificate", back_populates="customer")

    __table_args__ = (Index("ix_customers_phone", "phone"),)


class Premises(Base):
    """One heated unit: 小区 / 楼栋 / 单元 / 房号 with what its bill depends on."""

    __tablename__ = "premises"
    id = Column(Integer, primary_key=True)
    community = Column(String(64), nullable=False)  # 小区
    building = Column(String(16), nullable=False)  # 楼栋
    unit = Column(String(16), nullable=False)  # 单元
    room = Column(String(16), nullable=False)  # 房号
    building_area_m2 = Column(AREA, nullable=True)  # 建筑面积 (certificate)
    usable_area_m2 = Column(AREA, nullable=True)  # 使用面积, when that is all that is known
    use_type = Column(String(16), nullable=False, default="residential")
    storey_height_m = Column(Numeric(4, 2), nullable=False, default=Decimal("2.80"))
    metered = Column(Boolean, nullable=False, default=False)  # heat meter retrofitted
    per_household_system = Column(Boolean, nullable=False, default=True)  # 分户系统
    first_season_year = Column(Integer, nullable=False)  # building's first heating season

    accounts = relationship("Account", back_populates="premises")

    __table_args__ = (
        _check_in("use_type", USE_TYPES, "ck_premises_use_type"),
        CheckConstraint(
            "building_area_m2 IS NOT NULL OR usable_area_m2 IS NOT NULL", name="ck_premises_has_area"
        ),
        # Not unique on purpose: duplicated rooms exist in the ledger and must be found, not rejected.
        Index("ix_premises_address", "community", "building", "unit", "room"),
    )


class Account(Base):
    """户号: the billing account linking a customer to premises."""

    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    account_no = Column(String(16), nullable=False, unique=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    premises_id = Column(ForeignKey("premises.id"), nullable=False, index=True)
    opened_on = Column(Date, nullable=False)
    active = Column(Boolean, nullable=False, default=True)

    customer = relationship("Customer", back_populates="accounts")
    premises = relationship("Premises", back_populates="accounts")
    bills = relationship("Bill", back_populates="account")
    payments = relationship("Payment", back_populates="account")


class HeatingSeason(Base):
    __tablename__ = "heating_seasons"
    id = Column(Integer, primary_key=True)
    start_year = Column(Integer, nullable=False, unique=True)  # 2025 = the 2025-2026 season
    starts_on = Column(Date, nullable=False)
    ends_on = Column(Date, nullable=False)
    payment_deadline = Column(Date, nullable=False)
    heating_days = Column(Integer, nullable=False)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}采暖季"


class Bill(Base):
    """The season's charge for one account; `amount` is the principal due before payments and late fees."""

    __tablename__ = "bills"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False)
    season_id = Column(ForeignKey("heating_seasons.id"), nullable=False)
    basis = Column(String(16), nullable=False)
    amount = Column(MONEY, nullable=False)
    issued_on = Column(Date, nullable=False)

    account = relationship("Account", back_populates="bills")
    season = relationship("HeatingSeason")
    components = relationship(
        "BillComponent", back_populates="bill", order_by="BillComponent.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("account_id", "season_id", name="uq_bills_account_season"),
        _check_in("basis", BILL_BASES, "ck_bills_basis"),
    )


class BillComponent(Base):
    """One line of a bill's breakdown (area fee, surcharge, relief, discount, metered settlement ...)."""

    __tablename__ = "bill_components"
    id = Column(Integer, primary_key=True)
    bill_id = Column(ForeignKey("bills.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    code = Column(String(32), nullable=False)  # machine key, e.g. area_fee, storey_surcharge
    label = Column(String(64), nullable=False)  # 中文说明
    quantity = Column(Numeric(14, 4), nullable=True)  # m², kWh, days
    unit_price = Column(Numeric(12, 4), nullable=True)
    amount = Column(MONEY, nullable=False)  # signed: relief and discounts are negative

    bill = relationship("Bill", back_populates="components")


class Payment(Base):
    __tablename__ = "payments"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False)
    season_id = Column(ForeignKey("heating_seasons.id"), nullable=False)
    amount = Column(MONEY, nullable=False)
    paid_at = Column(ShanghaiDateTime, nullable=False)
    channel = Column(String(16), nullable=False)
    payer_note = Column(String(64), nullable=True)  # e.g. 子女代缴

    account = relationship("Account", back_populates="payments")
    season = relationship("HeatingSeason")

    __table_args__ = (
        _check_in("channel", PAYMENT_CHANNELS, "ck_payments_channel"),
        CheckConstraint("amount > 0", name="ck_payments_positive"),
        Index("ix_payments_account_season", "account_id", "season_id"),
    )


class Suspension(Base):
    """报停 application and its outcome for one season."""

    __tablename__ = "suspensions"
    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    season_id = Column(ForeignKey("heating_seasons.id"), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    applied_at = Column(ShanghaiDateTime, nullable=False)

    season = relationship("HeatingSeason")

    __table_args__ = (_check_in("status", REQUEST_STATUSES, "ck_suspensions_status"),)


class ReliefCertificate(Base):
    """低保 (or other) certificate entitling the holder to relief while valid."""

    __tablename__ = "relief_certificates"
    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False, default="dibao")
    certificate_no = Column(String(32), nullable=False)
    valid_from = Column(Date, nullable=False)
    valid_to = Column(Date, nullable=False)

    customer = relationship("Customer", back_populates="relief_certificates")

    __table_args__ = (_check_in("kind", ("dibao", "tekun", "low_income"), "ck_relief_kind"),)


class PaymentPlan(Base):
    """分期 (installment) or 缓缴 (deferral) for one account and season."""

    __tablename__ = "payment_plans"
    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    season_id = Column(ForeignKey("heating_seasons.id"), nullable=False)
    kind = Column(String(16), nullable=False)
    status = Column(String(16), nullable=False, default="pending")
    reason = Column(String(64), nullable=True)
    deferred_until = Column(Date, nullable=True)  # deferral only
    created_at = Column(ShanghaiDateTime, nullable=False)

    installments = relationship(
        "PlanInstallment", back_populates="plan", order_by="PlanInstallment.sequence", cascade="all, delete-orphan"
    )

    __table_args__ = (
        _check_in("kind", PLAN_KINDS, "ck_plans_kind"),
        _check_in("status", PLAN_STATUSES, "ck_plans_status"),
    )


class PlanInstallment(Base):
    __tablename__ = "plan_installments"
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("payment_plans.id", ondelete="CASCADE"), nullable=False, index=True)
    sequence = Column(Integer, nullable=False)
    due_on = Column(Date, nullable=False)
    amount = Column(MONEY, nullable=False)

    plan = relationship("PaymentPlan", back_populates="installments")


class MeterReading(Base):
    """Season heat use of a metered home; a faulty meter means the season is billed by area."""

    __tablename__ = "meter_readings"
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False)
    season_id = Column(ForeignKey("heating_seasons.id"), nullable=False)
    heat_kwh = Column(Numeric(14, 2), nullable=True)
    status = Column(String(16), nullable=False, default="ok")
    read_on = Column(Date, nullable=False)

    __table_args__ = (
        _check_in("status", METER_STATUSES, "ck_meter_status"),
        UniqueConstraint("account_id", "season_id", name="uq_meter_account_season"),
    )


class ServiceTicket(Base):
    """Complaint, repair or callback request, with the service commitments' due times."""

    __tablename__ = "service_tickets"
    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=True, index=True)
    category = Column(String(32), nullable=False)
    description = Column(Text, nullable=False)
    contact_phone = Column(String(32), nullable=True)
    status = Column(String(16), nullable=False, default="open")
    conversation_id = Column(String(128), nullable=True)
    channel = Column(String(32), nullable=True)
    created_at = Column(ShanghaiDateTime, nullable=False)
    first_contact_due = Column(ShanghaiDateTime, nullable=False)
    resolution_due = Column(ShanghaiDateTime, nullable=False)

    __table_args__ = (_check_in("status", TICKET_STATUSES, "ck_tickets_status"),)


class AuditEntry(Base):
    """Who looked at or changed which account's data, from which conversation and channel."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(ShanghaiDateTime, nullable=False, index=True)
    conversation_id = Column(String(128), nullable=True, index=True)
    channel = Column(String(32), nullable=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=True, index=True)
    action = Column(String(48), nullable=False)  # e.g. lookup, verify_failed, read_balance
    outcome = Column(String(16), nullable=False)  # ok, denied, not_found, error
    detail = Column(Text, nullable=True)  # never holds unmasked personal data


class PhoneChangeRequest(Base):
    """A verified caller's request to correct the registered phone; staff confirm before customers.phone changes."""

    __tablename__ = "phone_change_requests"
    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    account_id = Column(ForeignKey("accounts.id"), nullable=False, index=True)
    customer_id = Column(ForeignKey("customers.id"), nullable=False)
    new_phone = Column(String(32), nullable=False)  # staff need the number itself; never shown back unmasked
    status = Column(String(16), nullable=False, default="pending")
    conversation_id = Column(String(128), nullable=True)
    channel = Column(String(32), nullable=True)
    requested_at = Column(ShanghaiDateTime, nullable=False)

    __table_args__ = (_check_in("status", REQUEST_STATUSES, "ck_phone_change_status"),)


HANDOFF_STATUSES = ("waiting", "active", "closed")
HANDOFF_URGENCIES = ("normal", "high")


class Handoff(Base):
    """A conversation handed to a person: the summary the agent starts from and where it stands."""

    __tablename__ = "handoffs"
    id = Column(Integer, primary_key=True)
    reference = Column(String(24), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    status = Column(String(16), nullable=False, default="waiting")
    reason = Column(String(32), nullable=False)  # requested | misunderstood | complaint
    urgency = Column(String(16), nullable=False, default="normal")
    summary = Column(Text, nullable=False)  # JSON: caller, masked account, intents, slots, last turns, open request
    created_at = Column(ShanghaiDateTime, nullable=False)
    claimed_by = Column(String(64), nullable=True)
    claimed_at = Column(ShanghaiDateTime, nullable=True)
    closed_at = Column(ShanghaiDateTime, nullable=True)

    __table_args__ = (
        _check_in("status", HANDOFF_STATUSES, "ck_handoffs_status"),
        _check_in("urgency", HANDOFF_URGENCIES, "ck_handoffs_urgency"),
        Index("ix_handoffs_status_created", "status", "created_at"),
    )
