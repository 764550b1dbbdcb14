"""Invariants of the billing engine, checked with hypothesis (deterministic: derandomized, no database)."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.billing import (
    Payment,
    PremisesFacts,
    SeasonCircumstances,
    compute_season_bill,
    explain_change,
    late_fee,
    payoff_amount,
    prepayment_discount,
    season_status,
    temperature_refund,
)
from bot.policy import default_policy

P = default_policy()
FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None)

areas = st.decimals(min_value=D("5"), max_value=D("400"), places=2)
heights = st.one_of(st.none(), st.decimals(min_value=D("2.5"), max_value=D("16"), places=2))
kwh = st.decimals(min_value=D("0"), max_value=D("60000"), places=2)
money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
years = st.integers(min_value=2024, max_value=2030)


@st.composite
def premises(draw):
    usable = draw(st.booleans())
    area = draw(areas)
    return PremisesFacts(
        building_area_m2=None if usable else area,
        usable_area_m2=area if usable else None,
        residential=draw(st.booleans()),
        storey_height_m=draw(heights),
        metered=draw(st.booleans()),
    )


@st.composite
def circumstances(draw, year=None):
    return SeasonCircumstances(
        start_year=year if year is not None else draw(years),
        suspended=draw(st.booleans()),
        dibao=draw(st.booleans()),
        heat_kwh=draw(st.one_of(st.none(), kwh)),
        meter_faulty=draw(st.booleans()),
    )


def season_day(year: int):
    """Any day from 1 April of the start year to two years later (covers discounts, deadline and arrears)."""
    first = dt.date(year, 4, 1)
    return st.integers(min_value=0, max_value=800).map(lambda n: first + dt.timedelta(days=n))


@st.composite
def season_payments(draw, year):
    return [Payment(draw(season_day(year)), draw(money)) for _ in range(draw(st.integers(0, 4)))]


def fen_exact(amount: D) -> bool:
    return amount == amount.quantize(D("0.01"))


@FAST
@given(premises(), circumstances())
def test_bill_amounts_are_fen_exact_and_total_is_sum_of_lines(facts, season):
    bill = compute_season_bill(P, facts, season)
    assert all(fen_exact(line.amount) for line in bill.lines)
    assert bill.total == sum(line.amount for line in bill.lines)
    assert bill.total >= 0 and bill.prepayment >= 0


@FAST
@given(premises(), circumstances())
def test_home_metered_bill_never_exceeds_its_area_fee(facts, season):
    bill = compute_season_bill(P, facts, season)
    if facts.residential:
        assert bill.total <= bill.prepayment  # the prepayment is the area-based fee


@FAST
@given(premises(), years)
def test_surcharge_at_most_the_cap_and_suspension_is_its_share(facts, year):
    area_bill = compute_season_bill(P, facts, SeasonCircumstances(year))
    fee = area_bill.amount_of("area_fee")
    assert 0 <= area_bill.amount_of("storey_surcharge") <= fee * P.area_tariff.storey_height.cap
    suspended = compute_season_bill(P, facts, SeasonCircumstances(year, suspended=True))
    assert abs(suspended.total - area_bill.total * P.suspension.fee_rate) <= D("0.01")


@FAST
@given(premises(), circumstances())
def test_dibao_never_costs_more_and_small_homes_pay_nothing(facts, season):
    with_relief = compute_season_bill(P, facts, replace(season, dibao=True))
    without = compute_season_bill(P, facts, replace(season, dibao=False))
    assert 0 <= with_relief.total <= without.total
    area = with_relief.lines[0].quantity
    if area <= P.relief.dibao_free_area_m2:
        assert with_relief.total == 0


@FAST
@given(money, st.lists(st.tuples(st.integers(0, 800), money), max_size=4), st.integers(0, 1500), st.booleans())
def test_late_fee_is_capped_non_negative_and_fen_exact(principal, raw_payments, offset, plan_kept):
    start = dt.date(2025, 4, 1)
    payments = [(start + dt.timedelta(days=n), amount) for n, amount in raw_payments]
    result = late_fee(P, 2025, principal, payments, start + dt.timedelta(days=offset), plan_kept=plan_kept)
    assert D("0") <= result.amount <= result.overdue_principal <= principal
    assert fen_exact(result.amount)
    if plan_kept:
        assert result.amount == 0


@FAST
@given(money, st.integers(0, 900), st.integers(0, 900))
def test_paying_later_never_lowers_the_late_fee(principal, a, b):
    early, late = sorted((a, b))
    deadline = P.payment_deadline(2025)

    def fee_if_paid(offset):
        day = deadline + dt.timedelta(days=offset - 100)
        return late_fee(P, 2025, principal, [(day, principal)], day + dt.timedelta(days=1000)).amount

    assert fee_if_paid(early) <= fee_if_paid(late)


@FAST
@given(premises(), years, st.data())
def test_discount_never_after_the_last_tier_date(facts, year, data):
    bill = compute_season_bill(P, facts, SeasonCircumstances(year))
    last_tier = P.discounts.prepayment[-1].by.in_year(year)
    payments = data.draw(season_payments(year))
    after = [p for p in payments if p.paid_on > last_tier]
    assert prepayment_discount(P, bill, after).amount == 0
    best = max(t.rate for t in P.discounts.prepayment)
    assert prepayment_discount(P, bill, payments).amount <= bill.prepayment * best + D("0.005")


@FAST
@given(premises(), circumstances(year=2025), st.data(), st.booleans())
def test_breakdown_sums_to_the_balance(facts, season, data, plan_kept):
    bill = compute_season_bill(P, facts, season)
    payments = data.draw(season_payments(2025))
    as_of = data.draw(season_day(2025))
    status = season_status(P, bill, payments, as_of, plan_kept=plan_kept)
    assert sum(line.amount for line in status.breakdown) == status.balance
    assert status.total_due - status.refund_due == status.balance
    assert status.total_due >= 0 and status.refund_due >= 0 and fen_exact(status.late_fee)


@FAST
@given(premises(), circumstances(year=2025), st.data())
def test_payoff_amount_settles_the_season(facts, season, data):
    bill = compute_season_bill(P, facts, season)
    payments = data.draw(season_payments(2025))
    day = data.draw(season_day(2025))
    amount = payoff_amount(P, bill, payments, day)
    settled = payments + ([Payment(day, amount)] if amount > 0 else [])
    assert season_status(P, bill, settled, day).total_due == 0


@FAST
@given(premises(), circumstances(year=2024), premises(), circumstances(year=2025), st.data())
def test_change_causes_add_up_to_the_difference(facts0, season0, facts1, season1, data):
    before = season_status(P, compute_season_bill(P, facts0, season0), data.draw(season_payments(2024)),
                           data.draw(season_day(2024)))
    now = season_status(P, compute_season_bill(P, facts1, season1), data.draw(season_payments(2025)),
                        data.draw(season_day(2025)))
    change = explain_change(before, now)
    assert sum(c.amount for c in change.causes) == change.difference == now.charge - before.charge
    assert all(c.amount != 0 for c in change.causes)


@FAST
@given(st.decimals(min_value=D("1"), max_value=D("200"), places=2), st.booleans(),
       st.decimals(min_value=D("0"), max_value=D("15"), places=1), st.decimals(min_value=D("0"), max_value=D("15"), places=1),
       st.integers(0, 121), years)
def test_temperature_refund_grows_with_the_shortfall_and_never_exceeds_the_fee(area, residential, x, y, days, year):
    low, high = sorted((x, y))
    small = temperature_refund(P, year, area, residential, low, days)
    big = temperature_refund(P, year, area, residential, high, days)
    assert small.amount <= big.amount
    assert big.amount <= (big.daily_fee * days).quantize(D("0.01")) + D("0.01")
    assert temperature_refund(P, year, area, residential, high, days, excluded=True).amount == 0
