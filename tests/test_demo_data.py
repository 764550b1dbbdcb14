"""The demo data generator: deterministic, and every case of the policy is present with the right figures."""
from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot import billing
from bot.db import models as m
from bot.db.session import open_session
from bot.demo.generator import account_no_for, generate
from bot.demo.scenarios import NAMED_SCENARIOS
from bot.services import accounts
from bot.services.audit import RequestContext
from tests.conftest import AS_OF

CTX = RequestContext("test", "test")


def _account_no(code: str) -> str:
    index = next(i for i, s in enumerate(NAMED_SCENARIOS) if s.code == code)
    return account_no_for(index)


@pytest.fixture
def demo(engine, policy):
    report = generate(engine, policy, accounts=300, as_of=AS_OF)
    return engine, report


def _fingerprint(engine) -> str:
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_same_seed_gives_the_same_database(sqlite_engine, tmp_path, sqlite_template, policy):
    import shutil

    from bot.db.session import make_engine

    generate(sqlite_engine, policy, accounts=120, seed=7, as_of=AS_OF)
    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)
    other = make_engine(f"sqlite:///{other_path}")
    generate(other, policy, accounts=120, seed=7, as_of=AS_OF)
    assert _fingerprint(sqlite_engine) == _fingerprint(other)

    third_path = tmp_path / "third.db"
    shutil.copy(sqlite_template, third_path)
    third = make_engine(f"sqlite:///{third_path}")
    generate(third, policy, accounts=120, seed=8, as_of=AS_OF)
    assert _fingerprint(third) != _fingerprint(sqlite_engine)


def test_ordinary_inserts_work_after_generation(demo):
    """Explicit ids in the bulk insert must not collide with the next ORM insert (PostgreSQL sequences)."""
    engine, _ = demo
    with open_session(engine) as session, session.begin():
        account = session.execute(select(m.Account).limit(1)).scalar_one()
        season = session.execute(select(m.HeatingSeason).limit(1)).scalar_one()
        customer = m.Customer(name="新用户", phone=None, created_at=dt.datetime(2026, 11, 26, 9, tzinfo=m.TIMEZONE))
        session.add_all([
            customer,
            m.Suspension(reference="BT-NEW-1", account_id=account.id, season_id=season.id, status="pending",
                         applied_at=dt.datetime(2026, 11, 26, 9, tzinfo=m.TIMEZONE)),
            m.Payment(account_id=account.id, season_id=season.id, amount=Decimal("1.00"), channel="counter",
                      paid_at=dt.datetime(2026, 11, 26, 9, tzinfo=m.TIMEZONE)),
        ])


def test_refuses_a_database_that_has_accounts(demo, policy):
    engine, _ = demo
    with pytest.raises(RuntimeError, match="already holds accounts"):
        generate(engine, policy, accounts=10, as_of=AS_OF)


def test_row_counts(demo):
    engine, report = demo
    assert report.accounts == 300 and report.seasons == [2024, 2025, 2026]
    assert report.rows["accounts"] == 300 and report.rows["bills"] == 900
    with open_session(engine) as session:
        assert session.execute(select(func.count()).select_from(m.Bill)).scalar_one() == 900
        assert session.execute(select(func.count()).select_from(m.HeatingSeason)).scalar_one() == 3


def _balance(engine, policy, code):
    return accounts.balance(engine, policy, _account_no(code), AS_OF, CTX)


def test_paid_in_full_with_discount(demo, policy):
    report = _balance(demo[0], policy, "paid_in_full")
    status = report.current.status
    # 89.50 × 24 = 2148.00; paid 8月10日: 3 % = 64.44 off, paid 2083.56.
    assert (status.status, status.principal, status.discount, status.paid) == (
        "paid", Decimal("2148.00"), Decimal("64.44"), Decimal("2083.56"))
    assert report.total_due == 0


def test_partly_paid(demo, policy):
    status = _balance(demo[0], policy, "partly_paid").current.status
    assert (status.status, status.total_due) == ("partly_paid", Decimal("1227.60"))


def test_overdue_with_late_fee(demo, policy):
    report = _balance(demo[0], policy, "overdue_late_fee")
    (last,) = report.arrears
    # 1833.60 unpaid from 1月1日 to 11月26日 = 330 days × 0.1 % = 605.088 → 605.09.
    assert (last.status.status, last.status.late_fee_days, last.status.late_fee) == ("overdue", 330, Decimal("605.09"))
    assert report.total_due == Decimal("4272.29")


def test_suspended(demo, policy):
    status = _balance(demo[0], policy, "suspended").current.status
    # 110 m² × 24 × 20 % = 528.00, no discount for a suspended account.
    assert status.bill.basis == "suspended" and status.principal == Decimal("528.00") and status.discount == 0


def _bill(engine, code, start_year):
    with open_session(engine) as session:
        bill = session.execute(
            select(m.Bill)
            .join(m.Account, m.Bill.account_id == m.Account.id)
            .join(m.HeatingSeason, m.Bill.season_id == m.HeatingSeason.id)
            .where(m.Account.account_no == _account_no(code), m.HeatingSeason.start_year == start_year)
        ).scalar_one()
        return bill.basis, {c.code: c.amount for c in bill.components}, bill.amount


def test_metered_refund_and_cap(demo):
    engine, _ = demo
    basis, lines, total = _bill(engine, "metered_refund", 2025)
    # 92 × 12 = 1104 + 3200 kWh × 0.16 = 512 → 1616 < 2208: 592.00 refunded.
    assert basis == "metered" and lines["metered_refund"] == Decimal("-592.00") and total == Decimal("1616.00")
    basis, lines, total = _bill(engine, "metered_capped", 2025)
    # 85 × 12 = 1020 + 9800 × 0.16 = 1568 → 2588 > 2040: capped at the area fee.
    assert basis == "metered" and total == Decimal("2040.00")
    basis, lines, total = _bill(engine, "metered_faulty", 2025)
    assert basis == "area" and total == Decimal("1680.00")  # 70 × 24


def test_dibao_and_plan(demo, policy):
    engine, _ = demo
    _, lines, total = _bill(engine, "dibao", 2026)
    assert lines["dibao_relief"] == Decimal("-1440.00") and total == Decimal("360.00")  # (75 − 60) × 24
    status = _balance(engine, policy, "installment_plan").current.status
    assert status.status == "in_plan"
    with open_session(engine) as session:
        plan = session.execute(select(m.PaymentPlan)).scalars().first()
        assert plan.kind == "installment" and len(plan.installments) == 3
        assert sum(i.amount for i in plan.installments) == Decimal("1632.00")  # (128 − 60) × 24


def test_non_residential_and_high_storey(demo):
    engine, _ = demo
    _, lines, total = _bill(engine, "non_residential", 2026)
    assert total == Decimal("5400.00")  # 120 × 45
    _, lines, total = _bill(engine, "high_storey", 2026)
    # 98 × 24 = 2352; 5.2 m is 1.2 m above 4 m: +15 % = 352.80.
    assert lines["storey_surcharge"] == Decimal("352.80") and total == Decimal("2704.80")


def test_usable_area_is_converted(demo):
    _, _, total = _bill(demo[0], "usable_area_only", 2026)
    assert total == Decimal("1920.00")  # 60 ÷ 0.75 = 80 m² × 24


def test_eighty_square_metres_rose_by_200(demo, policy):
    report = accounts.balance(demo[0], policy, _account_no("rose_80m2"), AS_OF, CTX)
    seasons = {s.start_year: s.status for s in (*report.arrears, report.current)}
    previous = _previous_status(demo[0], policy, "rose_80m2")
    change = billing.explain_change(previous, seasons[2026])
    assert change.difference == Decimal("200.00")
    assert [c.code for c in change.causes] == ["metered"]


def _previous_status(engine, policy, code):
    with open_session(engine) as session:
        bill = session.execute(
            select(m.Bill).join(m.Account).join(m.HeatingSeason)
            .where(m.Account.account_no == _account_no(code), m.HeatingSeason.start_year == 2025)
        ).scalar_one()
        season_bill = billing.SeasonBill(
            2025, bill.basis,
            tuple(billing.BillLine(c.code, c.label, c.quantity, c.unit_price, c.amount) for c in bill.components),
            bill.amount,
        )
        payments = [(p.paid_at.date(), p.amount) for p in bill.account.payments if p.season_id == bill.season_id]
    return billing.season_status(policy, season_bill, payments, AS_OF)


def test_ledger_errors_are_present(demo):
    engine, _ = demo
    with open_session(engine) as session:
        phone = lambda code: session.execute(  # noqa: E731
            select(m.Customer.phone).join(m.Account).where(m.Account.account_no == _account_no(code))
        ).scalar_one()
        assert phone("missing_phone") is None
        assert len(phone("malformed_phone")) == 10
        duplicated = session.execute(
            select(m.Premises.community, m.Premises.building, m.Premises.unit, m.Premises.room, func.count())
            .group_by(m.Premises.community, m.Premises.building, m.Premises.unit, m.Premises.room)
            .having(func.count() > 1)
        ).all()
        assert len(duplicated) >= 1
        owners = session.execute(
            select(m.Account.customer_id, func.count()).group_by(m.Account.customer_id).having(func.count() > 1)
        ).all()
        assert owners  # one customer with two homes


def test_every_named_scenario_has_an_account(demo):
    with open_session(demo[0]) as session:
        numbers = set(session.execute(select(m.Account.account_no)).scalars())
    assert {account_no_for(i) for i in range(len(NAMED_SCENARIOS))} <= numbers


@pytest.mark.parametrize("today, seasons", [(dt.date(2026, 3, 1), [2023, 2024, 2025]), (dt.date(2026, 4, 1), [2024, 2025, 2026])])
def test_seasons_follow_the_date(sqlite_engine, policy, today, seasons):
    assert generate(sqlite_engine, policy, accounts=5, as_of=today).seasons == seasons
