"""Self-service services on a real database (SQLite and PostgreSQL), with the demo data's named scenarios.

Expected amounts are worked out by hand from knowledge/policy.yml (24.00 元/m², late fee 0.1 %/day from 1月1日,
suspension fee 20 %, installments up to 3 with the last by 3月15日, deferral up to 90 days, complaint first contact
30 minutes and solution 24 hours) for the scenarios in bot/demo/scenarios.py.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from bot import billing
from bot.db import models as m
from bot.db.session import open_session
from bot.demo.generator import generate
from bot.services import accounts, requests, statements
from bot.services.audit import RequestContext
from bot.understanding.dates import parse_date
from bot.services.self_service_text import (
    change_message,
    estimate_message,
    history_message,
    pay_on_date_message,
    plan_message,
    suspension_message,
    ticket_message,
)
from bot.settings import TIMEZONE
from tests.conftest import AS_OF

CTX = RequestContext("conv-1", "rest")
NOW = dt.datetime.combine(AS_OF, dt.time(10, 0), tzinfo=TIMEZONE)  # 2026-11-26 10:00
IN_WINDOW = dt.datetime(2027, 5, 10, 9, 0, tzinfo=TIMEZONE)  # inside 4月1日–10月15日

PAID_IN_FULL = "3100000001"  # 89.50 m²
PARTLY_PAID = "3100000002"  # 102.30 m² × 24 = 2455.20; 1227.60 paid 11月18日
OVERDUE = "3100000003"  # 76.40 m² × 24 = 1833.60, last season and this one unpaid
PAID_LATE = "3100000005"  # 95 m² × 24 = 2280.00; last season paid 1月31日
DIBAO = "3100000010"  # 75 m²
INSTALLMENT = "3100000011"  # active plan this season
HIGH_STOREY = "3100000014"  # 98 m², 5.2 m
ROSE_80 = "3100000015"  # 80 m²: last season metered 1720.00, this season 1920.00
MISSING_PHONE = "3100000018"
SHARED_A, SHARED_B = "3100000020", "3100000021"  # one holder, two homes
DUPLICATED = "3100000022"  # same address as SHARED_B


@pytest.fixture
def demo(engine, policy):
    generate(engine, policy, accounts=30, as_of=AS_OF)
    return engine


def _customer(engine, account_no):
    with open_session(engine) as session:
        return session.execute(
            select(m.Customer).join(m.Account, m.Account.customer_id == m.Customer.id).where(m.Account.account_no == account_no)
        ).scalar_one()


def _audit(engine):
    with open_session(engine) as session:
        return session.execute(select(m.AuditEntry.action, m.AuditEntry.outcome, m.AuditEntry.conversation_id)).all()


# ------------------------------------------------------------------------------------------ finding and verifying
def test_phone_with_two_homes_lists_masked_addresses(demo):
    phone = _customer(demo, SHARED_A).phone
    found = accounts.find_accounts_by_phone(demo, phone, CTX)
    assert [c.account_no for c in found] == [SHARED_A, SHARED_B]
    assert [c.label for c in found] == ["幸福里1号楼1单元5**", "幸福里1号楼1单元6**"]  # rooms 504 and 601 masked
    assert ("lookup_by_phone", "ok", "conv-1") in _audit(demo)


def test_unknown_phone_finds_nothing_and_is_audited(demo):
    assert accounts.find_accounts_by_phone(demo, "13000000000", CTX) == []
    assert ("lookup_by_phone", "not_found", "conv-1") in _audit(demo)


def test_address_with_a_duplicated_room_returns_both_told_apart(demo):
    address = accounts.parse_address("我家在幸福里1号楼1单元601")
    found = accounts.find_accounts_by_address(demo, address, CTX)
    assert [c.account_no for c in found] == [SHARED_B, DUPLICATED]
    assert all("31******" in c.label and "*" in c.label.split("户主")[1] for c in found)
    assert ("lookup_by_address", "ok", "conv-1") in _audit(demo)


def test_address_unique_and_unknown(demo):
    found = accounts.find_accounts_by_address(demo, accounts.parse_address("幸福里1栋1门102室"), CTX)
    assert [c.account_no for c in found] == [PARTLY_PAID]
    assert accounts.find_accounts_by_address(demo, accounts.parse_address("幸福里9号楼1单元102"), CTX) == []
    assert accounts.find_accounts_by_address(demo, accounts.parse_address("不存在小区1号楼1单元102"), CTX) == []


def test_parse_address():
    assert accounts.parse_address("幸福里3号楼2单元501") == accounts.Address("幸福里", "3号楼", "2单元", "501")
    assert accounts.parse_address("幸福里3号楼501") is None


def test_verify_by_holder_name(demo):
    name = _customer(demo, PARTLY_PAID).name
    assert accounts.verify_holder_name(demo, PARTLY_PAID, name, CTX).verified
    assert accounts.verify_holder_name(demo, PARTLY_PAID, f" {name} ", CTX).verified
    assert not accounts.verify_holder_name(demo, PARTLY_PAID, "李四", CTX).verified
    assert not accounts.verify_holder_name(demo, "3199999999", name, CTX).verified
    audit = _audit(demo)
    assert ("verify_name", "ok", "conv-1") in audit and ("verify_name", "denied", "conv-1") in audit


def test_an_account_without_phone_can_still_be_verified_by_name(demo):
    assert accounts.verify_holder_name(demo, MISSING_PHONE, _customer(demo, MISSING_PHONE).name, CTX).verified


def test_lock_is_audited(demo):
    accounts.record_lock(demo, PARTLY_PAID, CTX)
    accounts.record_lock(demo, None, CTX)
    assert _audit(demo).count(("verification_locked", "denied", "conv-1")) == 2


# ------------------------------------------------------------------------------------------ balance breakdown
def test_balance_breakdown_has_area_price_surcharge_relief_discount_payments_late_fee(demo, policy):
    high = accounts.balance(demo, policy, HIGH_STOREY, AS_OF, CTX).current.status
    # 98 × 24 = 2352.00; (5.2 − 4) × 12.5 % = 15 % → 98 × 3.6 = 352.80; total 2704.80, paid in full.
    assert [(b.code, b.amount) for b in high.breakdown] == [
        ("area_fee", Decimal("2352.00")), ("storey_surcharge", Decimal("352.80")), ("payment", Decimal("-2704.80"))]
    dibao = accounts.balance(demo, policy, DIBAO, AS_OF, CTX).current.status
    # 75 × 24 = 1800.00; first 60 m² free: −60 × 24 = −1440.00; 360.00 paid.
    assert [(b.code, b.amount) for b in dibao.breakdown] == [
        ("area_fee", Decimal("1800.00")), ("dibao_relief", Decimal("-1440.00")), ("payment", Decimal("-360.00"))]
    early = accounts.balance(demo, policy, PAID_IN_FULL, AS_OF, CTX).current.status
    # 89.5 × 24 = 2148.00; paid by 8月15日: 3 % = 64.44 off; 2083.56 paid.
    assert [(b.code, b.amount) for b in early.breakdown] == [
        ("area_fee", Decimal("2148.00")), ("prepay_discount", Decimal("-64.44")), ("payment", Decimal("-2083.56"))]
    overdue = accounts.balance(demo, policy, OVERDUE, AS_OF, CTX).arrears[0].status
    # 1833.60 unpaid since 1月1日: 330 days × 0.1 % = 605.088 → 605.09.
    assert overdue.breakdown[-1].code == "late_fee" and overdue.breakdown[-1].amount == Decimal("605.09")


# ------------------------------------------------------------------------------------------ history and change
def test_payment_history_last_three_seasons(demo, policy):
    history = statements.payment_history(demo, policy, PAID_LATE, AS_OF, CTX)
    assert [s.start_year for s in history.seasons] == [2026, 2025, 2024]
    last = history.seasons[1]
    # 2280.00 paid 31 days late: 2280.00 × 0.1 % × 31 = 70.68 late fee, one payment of 2350.68 on 2026-01-31.
    assert last.status.late_fee == Decimal("70.68")
    assert [(p.paid_on, p.amount) for p in last.payments] == [(dt.date(2026, 1, 31), Decimal("2350.68"))]
    text = history_message(history)
    assert "2025-2026采暖季：应缴 2280.00 元，已缴 2350.68 元，已缴清" in text and "滞纳金 70.68 元（31天）" in text
    assert ("read_payment_history", "ok", "conv-1") in _audit(demo)


def test_bill_change_metered_refund_last_season(demo, policy):
    report = statements.bill_change(demo, policy, ROSE_80, AS_OF, CTX)
    # Last season: 80 × 24 = 1920.00 prepaid, settled on the meter at 960 + 760 = 1720 → 200.00 refunded.
    # This season: 1920.00 by area. Difference +200.00, all from the metered settlement.
    assert (report.change.previous_charge, report.change.current_charge) == (Decimal("1720.00"), Decimal("1920.00"))
    assert [(c.code, c.amount) for c in report.change.causes] == [("metered", Decimal("200.00"))]
    assert "多 200.00 元" in change_message(report)
    assert ("read_bill_change", "ok", "conv-1") in _audit(demo)


def test_bill_change_late_fee_last_season(demo, policy):
    report = statements.bill_change(demo, policy, PAID_LATE, AS_OF, CTX)
    # 2350.68 (with 70.68 late fee) last season, 2280.00 this season.
    assert [(c.code, c.amount) for c in report.change.causes] == [("late_fee", Decimal("-70.68"))]


# ------------------------------------------------------------------------------------------ pay on a date
def test_late_fee_if_paid_on_a_date(demo, policy):
    quote = statements.pay_on_date(demo, policy, OVERDUE, AS_OF, dt.date(2027, 1, 31), CTX)
    # 2025 season: 1833.60 × 0.1 % × 396 days (2026-01-01 … 2027-01-31) = 726.1056 → 726.11 → 2559.71.
    # 2026 season: 1833.60 × 0.1 % × 31 days = 56.8416 → 56.84 → 1890.44. Total 4450.15, late fee 782.95.
    assert [(s.late_fee_days, s.late_fee, s.to_pay) for s in quote.seasons] == [
        (396, Decimal("726.11"), Decimal("2559.71")), (31, Decimal("56.84"), Decimal("1890.44"))]
    assert (quote.total, quote.late_fee_total) == (Decimal("4450.15"), Decimal("782.95"))
    assert "合计需缴 4450.15 元，其中滞纳金 782.95 元" in pay_on_date_message(quote, policy)


def test_late_fee_partly_paid_before_and_after_the_deadline(demo, policy):
    on_deadline = statements.pay_on_date(demo, policy, PARTLY_PAID, AS_OF, dt.date(2026, 12, 31), CTX)
    assert on_deadline.total == Decimal("1227.60") and on_deadline.late_fee_total == 0
    late = statements.pay_on_date(demo, policy, PARTLY_PAID, AS_OF, dt.date(2027, 1, 31), CTX)
    # 1227.60 × 0.1 % × 31 = 38.0556 → 38.06; 1227.60 + 38.06 = 1265.66.
    assert late.total == Decimal("1265.66") and late.late_fee_total == Decimal("38.06")
    nothing = statements.pay_on_date(demo, policy, PAID_IN_FULL, AS_OF, dt.date(2027, 1, 31), CTX)
    assert nothing.seasons == () and "没有欠费" in pay_on_date_message(nothing, policy)


def test_estimate_texts(policy):
    # 100 × 24 = 2400.00; paid 2027-01-31: 31 days × 0.1 % × 2400 = 74.40 → 2474.40.
    late = billing.estimate(policy, 100, "building", True, dt.date(2027, 1, 31))
    assert "2474.40" in estimate_message(late, True, policy) and "74.40" in estimate_message(late, True, policy)
    # Paid 2027-08-10 for the 2027 season: 3 % off 2400.00 = 72.00 → 2328.00.
    early = billing.estimate(policy, 100, "building", True, dt.date(2027, 8, 10))
    assert early.amount_to_pay == Decimal("2328.00")
    # 非居民 80 × 45 = 3600.00.
    shop = billing.estimate(policy, 80, "building", False, None, 2026)
    assert "80 m² × 45 元/m² = 3600.00 元" in estimate_message(shop, False, policy)


@pytest.mark.parametrize(
    "said, expected",
    [
        ("1月31日", dt.date(2027, 1, 31)),
        ("1月31号交", dt.date(2027, 1, 31)),
        ("下个月5号", dt.date(2026, 12, 5)),
        ("2027-01-31", dt.date(2027, 1, 31)),
        ("2027年1月31日", dt.date(2027, 1, 31)),
        ("十二月三十一日", dt.date(2026, 12, 31)),
        ("明天", dt.date(2026, 11, 27)),
        ("30号", dt.date(2026, 11, 30)),
        ("11月20日", dt.date(2027, 11, 20)),  # already past this year: next year's
        ("2月30日", None),
        ("过几天吧", None),
    ],
)
def test_chinese_dates(said, expected):
    assert parse_date(said, AS_OF) == expected


# ------------------------------------------------------------------------------------------ suspension
def test_suspension_outside_the_window_is_refused(demo, policy):
    outcome = requests.apply_suspension(demo, policy, PAID_IN_FULL, NOW, CTX)
    assert outcome.outcome == "outside_window" and outcome.window == (dt.date(2027, 4, 1), dt.date(2027, 10, 15))
    assert "4月1日至10月15日" in suspension_message(outcome, policy)
    with open_session(demo) as session:
        assert session.execute(select(m.Suspension).where(m.Suspension.status == "pending")).first() is None


def test_suspension_in_the_window_is_recorded_once(demo, policy):
    outcome = requests.apply_suspension(demo, policy, PAID_IN_FULL, IN_WINDOW, CTX)
    # 89.5 × 24 × 20 % = 429.60 热能损耗补偿费.
    assert outcome.outcome == "recorded" and outcome.fee_estimate == Decimal("429.60")
    assert outcome.reference.startswith("BT20270510") and outcome.season_label == "2027-2028采暖季"
    text = suspension_message(outcome, policy)
    assert "身份证" in text and "房产证" in text and "429.60" in text
    with open_session(demo) as session:
        row = session.execute(select(m.Suspension).where(m.Suspension.reference == outcome.reference)).scalar_one()
        assert row.status == "pending" and row.season.start_year == 2027
    again = requests.apply_suspension(demo, policy, PAID_IN_FULL, IN_WINDOW, CTX)
    assert again.outcome == "already_applied" and again.reference == outcome.reference
    assert ("apply_suspension", "ok", "conv-1") in _audit(demo)


def test_suspension_conditions(demo, policy):
    with open_session(demo) as session, session.begin():
        premises_id = lambda no: select(m.Account.premises_id).where(m.Account.account_no == no).scalar_subquery()  # noqa: E731
        session.execute(update(m.Premises).where(m.Premises.id == premises_id(PARTLY_PAID)).values(per_household_system=False).execution_options(synchronize_session=False))
        session.execute(update(m.Premises).where(m.Premises.id == premises_id(OVERDUE)).values(first_season_year=2027).execution_options(synchronize_session=False))
    assert requests.apply_suspension(demo, policy, PARTLY_PAID, IN_WINDOW, CTX).outcome == "no_per_household_system"
    assert requests.apply_suspension(demo, policy, OVERDUE, IN_WINDOW, CTX).outcome == "first_season"
    assert "分户" in suspension_message(requests.SuspensionOutcome("no_per_household_system"), policy)


# ------------------------------------------------------------------------------------------ installment / deferral
def test_installment_plan_is_proposed_and_recorded(demo, policy):
    outcome = requests.request_payment_plan(demo, policy, PARTLY_PAID, "installment", "低保", NOW, CTX)
    # 1227.60 still due, 3 parts of 409.20; from the deadline 12月31日 to 3月15日 (74 days): +37 days → 2月6日.
    assert outcome.outcome == "recorded" and outcome.amount == Decimal("1227.60")
    assert outcome.schedule == (
        (dt.date(2026, 12, 31), Decimal("409.20")),
        (dt.date(2027, 2, 6), Decimal("409.20")),
        (dt.date(2027, 3, 15), Decimal("409.20")),
    )
    assert not outcome.certificate_on_file  # this holder has no 低保 certificate on file
    with open_session(demo) as session:
        plan = session.execute(select(m.PaymentPlan).where(m.PaymentPlan.reference == outcome.reference)).scalar_one()
        assert (plan.kind, plan.status, plan.reason) == ("installment", "pending", "低保")
        assert sum(i.amount for i in plan.installments) == Decimal("1227.60")
    assert "第3期：2027年3月15日前缴 409.20 元" in plan_message(outcome, policy)


def test_installment_schedule_rest_goes_to_the_last_part(policy):
    # 100.00 / 3 = 33.33, 33.33, 33.34; after the deadline the first part is due today.
    schedule = requests.installment_schedule(policy, 2026, Decimal("100.00"), dt.date(2027, 1, 10))
    assert [a for _, a in schedule] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert schedule[0][0] == dt.date(2027, 1, 10) and schedule[-1][0] == dt.date(2027, 3, 15)
    assert requests.installment_schedule(policy, 2026, Decimal("100.00"), dt.date(2027, 3, 16)) == ()


def test_deferral_and_refusals(demo, policy):
    deferral = requests.request_payment_plan(demo, policy, OVERDUE, "deferral", "失业", NOW, CTX)
    # 1833.60 for this season, deferred 90 days from the deadline: 2026-12-31 + 90 = 2027-03-31.
    assert deferral.outcome == "recorded" and deferral.schedule == ((dt.date(2027, 3, 31), Decimal("1833.60")),)
    assert requests.request_payment_plan(demo, policy, PARTLY_PAID, "installment", "其他", NOW, CTX).outcome == "not_eligible"
    assert requests.request_payment_plan(demo, policy, PAID_IN_FULL, "installment", "低保", NOW, CTX).outcome == "nothing_due"
    dup = requests.request_payment_plan(demo, policy, INSTALLMENT, "installment", "低保", NOW, CTX)
    assert dup.outcome in ("already_applied", "nothing_due")


def test_installment_with_a_certificate_on_file(demo, policy):
    # The demo 低保 households owe nothing; give the PARTLY_PAID holder (1227.60 due) a valid 低保 certificate.
    holder = _customer(demo, PARTLY_PAID)
    with open_session(demo) as session, session.begin():
        session.add(m.ReliefCertificate(customer_id=holder.id, kind="dibao", certificate_no="DB1",
                                        valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31)))
    outcome = requests.request_payment_plan(demo, policy, PARTLY_PAID, "installment", "低保", NOW, CTX)
    assert outcome.certificate_on_file and "已有您的有效证明" in plan_message(outcome, policy)


# ------------------------------------------------------------------------------------------ tickets, phone
def test_ticket_due_times_and_status(demo, policy):
    ticket = requests.open_ticket(demo, policy, "repair", "厨房暖气片漏水", "13800001111", NOW, CTX, PARTLY_PAID)
    # First contact 30 minutes, solution 24 hours from 10:00 on 11月26日.
    assert ticket.first_contact_due == NOW + dt.timedelta(minutes=30)
    assert ticket.resolution_due == NOW + dt.timedelta(hours=24)
    assert ticket.masked_contact == "138****1111" and ticket.reference.startswith("GD20261126")
    assert "30分钟内（11月26日10:30前）" in ticket_message(ticket, policy)
    found = requests.ticket_status(demo, ticket.reference.lower(), CTX)
    assert found.status == "已受理，待处理" and found.category == "报修"
    assert requests.ticket_status(demo, "GD20000101000000", CTX) is None
    with open_session(demo) as session:
        row = session.execute(select(m.ServiceTicket)).scalar_one()
        assert row.account_id is not None and row.conversation_id == "conv-1" and row.channel == "rest"
    audit = _audit(demo)
    assert ("open_ticket", "ok", "conv-1") in audit and ("read_ticket", "not_found", "conv-1") in audit


def test_ticket_category_must_be_known(demo, policy):
    with pytest.raises(ValueError):
        requests.open_ticket(demo, policy, "other", "x", "13800001111", NOW, CTX)


def test_phone_change_is_pending_until_staff_confirm(demo):
    old = _customer(demo, PARTLY_PAID).phone
    outcome = requests.request_phone_change(demo, PARTLY_PAID, "13800001111", NOW, CTX)
    assert outcome.outcome == "recorded" and outcome.masked_new_phone == "138****1111"
    assert _customer(demo, PARTLY_PAID).phone == old  # not changed until confirmed
    with open_session(demo) as session:
        row = session.execute(select(m.PhoneChangeRequest)).scalar_one()
        assert (row.new_phone, row.status, row.channel) == ("13800001111", "pending", "rest")
    assert requests.request_phone_change(demo, PARTLY_PAID, "13800001111", NOW, CTX).outcome == "already_pending"
    assert requests.request_phone_change(demo, PARTLY_PAID, old, NOW, CTX).outcome == "same_as_registered"
    assert requests.request_phone_change(demo, PARTLY_PAID, "12345", NOW, CTX).outcome == "invalid"
    assert ("request_phone_change", "ok", "conv-1") in _audit(demo)
