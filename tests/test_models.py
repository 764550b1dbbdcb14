"""The billing schema as migrated by Alembic, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.session import open_session

from bot.db import models as m
from bot.settings import TIMEZONE


def _account(session: Session, account_no="3100000001", phone="13812345678", **premises) -> m.Account:
    customer = m.Customer(name="张小华", phone=phone, created_at=dt.datetime(2020, 5, 1, 9, tzinfo=TIMEZONE))
    place = m.Premises(
        community="幸福里", building="3号楼", unit="2单元", room="501",
        building_area_m2=premises.get("area", Decimal("80.00")), use_type=premises.get("use_type", "residential"),
        storey_height_m=Decimal("2.80"), metered=False, per_household_system=True, first_season_year=2010,
    )
    account = m.Account(account_no=account_no, customer=customer, premises=place, opened_on=dt.date(2020, 5, 1))
    session.add(account)
    return account


def test_money_round_trips_as_decimal(engine):
    with open_session(engine) as session, session.begin():
        account = _account(session)
        season = m.HeatingSeason(start_year=2026, starts_on=dt.date(2026, 11, 15), ends_on=dt.date(2027, 3, 15),
                                 payment_deadline=dt.date(2026, 12, 31), heating_days=121)
        bill = m.Bill(account=account, season=season, basis="area", amount=Decimal("1920.00"), issued_on=dt.date(2026, 4, 1))
        bill.components.append(m.BillComponent(position=1, code="area_fee", label="面积热费", quantity=Decimal("80"),
                                               unit_price=Decimal("24.00"), amount=Decimal("1920.00")))
        session.add(bill)
        session.add(m.Payment(account=account, season=season, amount=Decimal("0.10"), channel="wechat",
                              paid_at=dt.datetime(2026, 11, 20, 10, tzinfo=TIMEZONE)))
        session.add(m.Payment(account=account, season=season, amount=Decimal("0.20"), channel="alipay",
                              paid_at=dt.datetime(2026, 11, 21, 10, tzinfo=TIMEZONE)))
    with open_session(engine) as session:
        amounts = session.execute(select(m.Payment.amount).order_by(m.Payment.id)).scalars().all()
        assert amounts == [Decimal("0.10"), Decimal("0.20")]
        assert all(isinstance(a, Decimal) for a in amounts)
        assert sum(amounts) == Decimal("0.30")  # a float would give 0.30000000000000004
        bill = session.execute(select(m.Bill)).scalar_one()
        assert bill.amount == Decimal("1920.00") and bill.components[0].code == "area_fee"


def test_datetimes_come_back_in_shanghai_time(engine):
    utc_moment = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.timezone.utc)  # 1月1日 01:30 in Shanghai
    with open_session(engine) as session, session.begin():
        session.add(m.AuditEntry(at=utc_moment, action="lookup_account", outcome="ok"))
    with open_session(engine) as session:
        at = session.execute(select(m.AuditEntry.at)).scalar_one()
    assert at == utc_moment
    assert (at.tzinfo, at.date(), at.hour) == (TIMEZONE, dt.date(2027, 1, 1), 1)


def test_naive_datetimes_are_refused(engine):
    with open_session(engine) as session:
        session.add(m.AuditEntry(at=dt.datetime(2026, 1, 1), action="x", outcome="ok"))
        with pytest.raises(Exception, match="naive datetime"):
            session.flush()


def test_account_number_is_unique(engine):
    with open_session(engine) as session:
        _account(session, "3100000001")
        _account(session, "3100000001")
        with pytest.raises(IntegrityError):
            session.flush()


def test_duplicated_rooms_are_allowed(engine):
    """The ledger has duplicated rooms; the schema must hold them so staff can find and fix them."""
    with open_session(engine) as session, session.begin():
        _account(session, "3100000001")
        _account(session, "3100000002")
    with open_session(engine) as session:
        rooms = session.execute(select(m.Premises.room).where(m.Premises.community == "幸福里")).scalars().all()
    assert rooms == ["501", "501"]


@pytest.mark.parametrize("field, value", [("use_type", "hotel"), ("area", None)])
def test_check_constraints(engine, field, value):
    with open_session(engine) as session:
        account = _account(session)
        if field == "area":
            account.premises.building_area_m2 = None  # and no usable area either
        else:
            account.premises.use_type = value
        with pytest.raises(IntegrityError):
            session.flush()


def test_payment_must_be_positive(engine):
    with open_session(engine) as session:
        account = _account(session)
        season = m.HeatingSeason(start_year=2026, starts_on=dt.date(2026, 11, 15), ends_on=dt.date(2027, 3, 15),
                                 payment_deadline=dt.date(2026, 12, 31), heating_days=121)
        session.add(m.Payment(account=account, season=season, amount=Decimal("-5"), channel="wechat",
                              paid_at=dt.datetime(2026, 11, 20, tzinfo=TIMEZONE)))
        with pytest.raises(IntegrityError):
            session.flush()


def test_lookup_indexes_exist(engine):
    inspector = inspect(engine)
    indexed = {
        table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
        | {tuple(uc["column_names"]) for uc in inspector.get_unique_constraints(table)}
        for table in ("accounts", "customers", "premises")
    }
    assert ("account_no",) in indexed["accounts"] or _unique_index(inspector, "accounts", "account_no")
    assert ("phone",) in indexed["customers"]
    assert ("community", "building", "unit", "room") in indexed["premises"]


def _unique_index(inspector, table, column) -> bool:
    return any(ix.get("unique") and ix["column_names"] == [column] for ix in inspector.get_indexes(table))


def test_migrations_match_the_models(engine):
    """Autogenerate finds nothing to do: the migration history and the models agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), m.Base.metadata)
    assert diff == []
