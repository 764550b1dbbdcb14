"""Deterministic demo data: the same seed, size and date give the same database, row for row.

Rows are built in chunks and written with Core bulk inserts and explicit primary keys, so a million accounts
take minutes, not hours, and memory stays flat. Bills and payment amounts come from the billing engine, so
the demo data obeys the policy file exactly like real bills would.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterator, List, Optional

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from bot import billing
from bot.db import models as m
from bot.demo.names import address_for, person_name
from bot.demo.scenarios import NAMED_SCENARIOS, RANDOM_WEIGHTS, Scenario, SeasonCase
from bot.policy import Policy
from bot.settings import TIMEZONE

DEFAULT_SEED = 20261126
CHUNK_ACCOUNTS = 5000
ACCOUNT_NO_PREFIX = "31"  # 户号: "31" + 8 digits


def account_no_for(index: int) -> str:
    return f"{ACCOUNT_NO_PREFIX}{index + 1:08d}"


@dataclass
class GenerationReport:
    accounts: int
    seed: int
    as_of: dt.date
    seasons: List[int]
    rows: Dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


class DemoGenerator:
    """Builds the rows for accounts [0, n) in chunks; `write` inserts them."""

    def __init__(self, policy: Policy, accounts: int, seed: int, as_of: dt.date):
        if accounts < 1:
            raise ValueError("--accounts must be at least 1")
        self.policy = policy
        self.accounts = accounts
        self.seed = seed
        self.as_of = as_of
        current = policy.current_season_year(as_of)
        self.season_years = [current - 2, current - 1, current]
        self._ids: Dict[str, int] = {}
        self._random_table = [s for weight, s in RANDOM_WEIGHTS for _ in range(weight)]

    # ---------------------------------------------------------------- ids and seasons
    def _next_id(self, table: str) -> int:
        self._ids[table] = self._ids.get(table, 0) + 1
        return self._ids[table]

    def season_rows(self) -> List[dict]:
        rows = []
        for index, year in enumerate(self.season_years, start=1):
            first, last = self.policy.season_bounds(year)
            rows.append(
                dict(
                    id=index,
                    start_year=year,
                    starts_on=first,
                    ends_on=last,
                    payment_deadline=self.policy.payment_deadline(year),
                    heating_days=self.policy.season_days(year),
                )
            )
        return rows

    # ---------------------------------------------------------------- accounts
    def scenario_for(self, index: int, rng: random.Random) -> Scenario:
        if index < len(NAMED_SCENARIOS):
            return NAMED_SCENARIOS[index]
        return rng.choice(self._random_table)

    def chunks(self) -> Iterator[Dict[str, List[dict]]]:
        for start in range(0, self.accounts, CHUNK_ACCOUNTS):
            # One RNG per chunk, seeded from (seed, chunk): each chunk is reproducible on its own.
            rng = random.Random(f"{self.seed}:{start}")
            rows: Dict[str, List[dict]] = {}
            previous: Optional[dict] = None
            for index in range(start, min(start + CHUNK_ACCOUNTS, self.accounts)):
                previous = self._account_rows(index, rng, rows, previous)
            yield rows

    def _account_rows(self, index: int, rng: random.Random, rows: Dict[str, List[dict]], previous: Optional[dict]):
        scenario = self.scenario_for(index, rng)
        add = lambda table, row: rows.setdefault(table, []).append(row)  # noqa: E731
        opened = dt.date(self.season_years[0] - rng.randint(0, 15), rng.randint(4, 10), rng.randint(1, 28))

        if scenario.phone == "shared" and previous is not None:
            customer_id = previous["customer_id"]
        else:
            customer_id = self._next_id("customers")
            add(
                "customers",
                dict(
                    id=customer_id,
                    name=person_name(rng),
                    phone=_phone(scenario.phone, rng),
                    created_at=dt.datetime.combine(opened, dt.time(9, 30), tzinfo=TIMEZONE),
                ),
            )

        area = scenario.area_m2 or Decimal(rng.randint(4500, 16000)) / 100
        if scenario.duplicate_room_of_previous and previous is not None:
            address = previous["address"]
        else:
            address = address_for(index)
        premises_id = self._next_id("premises")
        add(
            "premises",
            dict(
                id=premises_id,
                **address,
                building_area_m2=None if scenario.usable_only else area,
                usable_area_m2=area if scenario.usable_only else None,
                use_type="residential" if scenario.residential else "non_residential",
                storey_height_m=scenario.storey_height_m,
                metered=scenario.metered,
                per_household_system=scenario.per_household_system,
                first_season_year=min(opened.year, self.season_years[0]),
            ),
        )
        account_id = self._next_id("accounts")
        add(
            "accounts",
            dict(
                id=account_id,
                account_no=account_no_for(index),
                customer_id=customer_id,
                premises_id=premises_id,
                opened_on=opened,
                active=True,
            ),
        )
        facts = billing.PremisesFacts(
            building_area_m2=None if scenario.usable_only else area,
            usable_area_m2=area if scenario.usable_only else None,
            residential=scenario.residential,
            storey_height_m=scenario.storey_height_m,
            metered=scenario.metered,
        )
        if any(case.dibao for case in scenario.seasons):
            first, _ = self.policy.season_bounds(self.season_years[0])
            add(
                "relief_certificates",
                dict(
                    id=self._next_id("relief_certificates"),
                    customer_id=customer_id,
                    kind="dibao",
                    certificate_no=f"DB{customer_id:08d}",
                    valid_from=first.replace(month=1, day=1),
                    valid_to=dt.date(self.season_years[-1] + 1, 12, 31),
                ),
            )
        for season_id, (year, case) in enumerate(zip(self.season_years, scenario.seasons), start=1):
            self._season_rows(rows, rng, account_id, season_id, year, facts, case)
        return {"customer_id": customer_id, "address": address}

    def _season_rows(self, rows, rng, account_id, season_id, year, facts, case: SeasonCase) -> None:
        add = lambda table, row: rows.setdefault(table, []).append(row)  # noqa: E731
        first_day, last_day = self.policy.season_bounds(year)
        season_over = self.as_of > last_day
        heat_kwh = case.heat_kwh
        if facts.metered and season_over and heat_kwh is None and not case.meter_faulty and case.draw_reading:
            heat_kwh = Decimal(rng.randint(30, 120)) * (facts.building_area_m2 or Decimal(60))
        if facts.metered and season_over:
            add(
                "meter_readings",
                dict(
                    id=self._next_id("meter_readings"),
                    account_id=account_id,
                    season_id=season_id,
                    heat_kwh=None if case.meter_faulty else heat_kwh,
                    status="faulty" if case.meter_faulty else "ok",
                    read_on=last_day + dt.timedelta(days=1),
                ),
            )
        circumstances = billing.SeasonCircumstances(
            start_year=year,
            suspended=case.suspended,
            dibao=case.dibao,
            heat_kwh=heat_kwh if season_over else None,
            meter_faulty=case.meter_faulty,
        )
        bill = billing.compute_season_bill(self.policy, facts, circumstances)
        bill_id = self._next_id("bills")
        add(
            "bills",
            dict(
                id=bill_id,
                account_id=account_id,
                season_id=season_id,
                basis=bill.basis,
                amount=bill.total,
                issued_on=dt.date(year, 4, 1),
            ),
        )
        for position, line in enumerate(bill.lines, start=1):
            add(
                "bill_components",
                dict(
                    id=self._next_id("bill_components"),
                    bill_id=bill_id,
                    position=position,
                    code=line.code,
                    label=line.label,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    amount=line.amount,
                ),
            )
        if case.suspended:
            add(
                "suspensions",
                dict(
                    id=self._next_id("suspensions"),
                    reference=f"BT{year}{account_id:08d}",
                    account_id=account_id,
                    season_id=season_id,
                    status="approved",
                    applied_at=dt.datetime(year, 5, 6, 10, 0, tzinfo=TIMEZONE),
                ),
            )
        kind, when = case.payment
        if kind == "plan":
            self._plan_rows(rows, account_id, season_id, year, bill)
            return
        if kind == "none":
            return
        paid_on = _season_date(year, when)
        if paid_on > self.as_of:
            return
        if kind == "half":
            amount = billing.round_fen(bill.total / 2)
        else:
            amount = billing.payoff_amount(self.policy, bill, [], paid_on)
        if amount > 0:
            add("payments", self._payment(rng, account_id, season_id, amount, paid_on))

    def _plan_rows(self, rows, account_id, season_id, year, bill) -> None:
        """A hardship installment plan: equal parts, the last due by the plan's final date, each paid on time."""
        add = lambda table, row: rows.setdefault(table, []).append(row)  # noqa: E731
        plan_policy = self.policy.relief.installment
        parts = plan_policy.max_installments
        due_dates = [dt.date(year, 12, 31), dt.date(year + 1, 2, 15), plan_policy.last_due.in_year(year + 1)][-parts:]
        plan_id = self._next_id("payment_plans")
        add(
            "payment_plans",
            dict(
                id=plan_id,
                reference=f"FQ{year}{account_id:08d}",
                account_id=account_id,
                season_id=season_id,
                kind="installment",
                status="active",
                reason="低保",
                deferred_until=None,
                created_at=dt.datetime(year, 11, 3, 9, 0, tzinfo=TIMEZONE),
            ),
        )
        share = billing.round_fen(bill.total / parts)
        amounts = [share] * (parts - 1) + [bill.total - share * (parts - 1)]
        for sequence, (due_on, amount) in enumerate(zip(due_dates, amounts), start=1):
            add(
                "plan_installments",
                dict(id=self._next_id("plan_installments"), plan_id=plan_id, sequence=sequence, due_on=due_on, amount=amount),
            )
            if due_on <= self.as_of and amount > 0:
                rows.setdefault("payments", []).append(
                    self._payment(random.Random(plan_id * 10 + sequence), account_id, season_id, amount, due_on)
                )

    def _payment(self, rng, account_id, season_id, amount, paid_on) -> dict:
        channel = rng.choice(m.PAYMENT_CHANNELS)
        return dict(
            id=self._next_id("payments"),
            account_id=account_id,
            season_id=season_id,
            amount=amount,
            paid_at=dt.datetime.combine(paid_on, dt.time(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=TIMEZONE),
            channel=channel,
            payer_note="子女代缴" if channel == "app" and rng.random() < 0.3 else None,
        )


def _season_date(year: int, month_day) -> dt.date:
    month, day = month_day
    return dt.date(year if month >= 4 else year + 1, month, day)


def _phone(kind: str, rng: random.Random) -> Optional[str]:
    if kind == "missing":
        return None
    digits = f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}"
    if kind == "malformed":
        return digits[:-1]  # one digit short: a known ledger error
    return digits


TABLE_ORDER = (
    ("customers", m.Customer),
    ("premises", m.Premises),
    ("accounts", m.Account),
    ("relief_certificates", m.ReliefCertificate),
    ("bills", m.Bill),
    ("bill_components", m.BillComponent),
    ("meter_readings", m.MeterReading),
    ("suspensions", m.Suspension),
    ("payment_plans", m.PaymentPlan),
    ("plan_installments", m.PlanInstallment),
    ("payments", m.Payment),
)


def database_is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Account)).scalar_one() == 0


def _advance_sequences(conn) -> None:
    """Rows were inserted with explicit ids; PostgreSQL's id sequences must move past them, or the next
    ordinary insert (a ticket, a suspension request) collides. SQLite needs nothing: it uses max(rowid) + 1."""
    if conn.dialect.name != "postgresql":
        return
    for table in [m.HeatingSeason.__table__] + [model.__table__ for _, model in TABLE_ORDER]:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def generate(engine: Engine, policy: Policy, accounts: int, seed: int = DEFAULT_SEED, as_of: Optional[dt.date] = None) -> GenerationReport:
    """Fill an empty, migrated database. Raises if it already holds accounts."""
    as_of = as_of or dt.datetime.now(TIMEZONE).date()
    if not database_is_empty(engine):
        raise RuntimeError("the database already holds accounts; demo data is only loaded into an empty one")
    started = time.perf_counter()
    generator = DemoGenerator(policy, accounts, seed, as_of)
    report = GenerationReport(accounts=accounts, seed=seed, as_of=as_of, seasons=generator.season_years)
    with engine.begin() as conn:
        conn.execute(insert(m.HeatingSeason.__table__), generator.season_rows())
        for rows in generator.chunks():
            for table, model in TABLE_ORDER:
                batch = rows.get(table)
                if batch:
                    conn.execute(insert(model.__table__), batch)
                    report.rows[table] = report.rows.get(table, 0) + len(batch)
        _advance_sequences(conn)
    report.seconds = time.perf_counter() - started
    return report
