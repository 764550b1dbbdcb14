"""Worked examples of the billing engine, each computed by hand from knowledge/policy.yml.

The arithmetic is written next to every row. Sample policy: 居民 24.00 / 非居民 45.00 元/m²; 使用面积 ÷ 0.75;
storey surcharge 12.5 %/m above 4 m, cap 100 %, none for metered homes; 基本热价 12.00 元/m², 0.16 元/kWh;
报停 20 %; 低保 first 60 m² free; discount 3 % by 8月15日, 1.5 % by 9月30日; deadline 12月31日; late fee
0.1 %/day capped at the overdue principal; room temperature tiers ≤2 ℃ 10 %, ≤6 ℃ 50 %, >6 ℃ 100 %.
"""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from bot import billing
from bot.billing import (
    MissingAreaError,
    PremisesFacts,
    SeasonCircumstances,
    compute_season_bill,
    estimate,
    explain_change,
    late_fee,
    season_status,
    temperature_refund,
)
from bot.policy import POLICY_FILE, default_policy, load_policy

P = default_policy()
Y = 2025  # the 2025-2026 season: 121 heating days, deadline 2025-12-31


def d(month: int, day: int, year: int = Y) -> dt.date:
    return dt.date(year, month, day)


def bill(building=None, usable=None, residential=True, storey=None, metered=False, year=Y, **season):
    premises = PremisesFacts(D(building) if building else None, D(usable) if usable else None, residential,
                             D(storey) if storey else None, metered)
    return compute_season_bill(P, premises, SeasonCircumstances(year, **season))


def total(*args, **kwargs):
    return bill(*args, **kwargs).total


def lines(*args, **kwargs):
    return {line.code: line.amount for line in bill(*args, **kwargs).lines}


def status(the_bill, payments, as_of, **kwargs):
    s = season_status(P, the_bill, [(day, D(amount)) for day, amount in payments], as_of, **kwargs)
    return s.status, s.discount, s.late_fee, s.total_due, s.refund_due


def fee(principal, payments, as_of, **kwargs):
    result = late_fee(P, Y, D(principal), [(day, D(amount)) for day, amount in payments], as_of, **kwargs)
    return result.amount, result.days


def refund(area, degrees, days, year=Y, **kwargs):
    return temperature_refund(P, year, D(area), True, D(degrees), days, **kwargs).amount


def quote(area, **kwargs):
    e = estimate(P, D(area), **kwargs)
    return e.fee, e.discount, e.late_fee, e.amount_to_pay


B80 = lambda: bill("80")  # noqa: E731  80 m² × 24.00 = 1920.00

EXAMPLES = [
    # ---- rule 1 & 2: billing area × price ----
    ("residential area fee", lambda: total("80"), D("1920.00")),  # 80 × 24.00 = 1920.00
    ("non-residential area fee", lambda: total("80", residential=False), D("3600.00")),  # 80 × 45.00 = 3600.00
    ("usable area converted", lambda: total(usable="60"), D("1920.00")),  # 60 ÷ 0.75 = 80 m²; 80 × 24.00 = 1920.00
    # 50 ÷ 0.75 × 24.00 = 1200 ÷ 0.75 = 1600.00 (the area is not rounded to 66.67 first, which gives 1600.08)
    ("usable area not rounded first", lambda: total(usable="50"), D("1600.00")),
    # ---- rule 3: storey-height surcharge ----
    ("storey 4.0 m: no surcharge", lambda: lines("80", storey="4.0"), {"area_fee": D("1920.00")}),  # 4.0 - 4 = 0
    # 4.8 m: 0.8 × 12.5 % = 10 %; 1920.00 × 10 % = 192.00; total 2112.00
    ("storey 4.8 m: +10 %", lambda: lines("80", storey="4.8"), {"area_fee": D("1920.00"), "storey_surcharge": D("192.00")}),
    ("storey 12 m: +100 %", lambda: total("80", storey="12"), D("3840.00")),  # 8 × 12.5 % = 100 %; 1920 × 2 = 3840.00
    ("storey 15 m: capped", lambda: total("80", storey="15"), D("3840.00")),  # 11 × 12.5 % = 137.5 % -> cap 100 %
    # 4.1 m: 0.1 × 12.5 % = 1.25 %; 10.15 × 24.00 = 243.60; 243.60 × 1.25 % = 3.045 -> 3.05 (half up); 246.65
    ("surcharge rounds half up", lambda: total("10.15", storey="4.1"), D("246.65")),
    ("metered home: no surcharge", lambda: total("80", storey="4.8", metered=True), D("1920.00")),  # 80 × 24.00
    # ---- rule 4: metered two-part tariff ----
    # base 80 × 12.00 = 960.00; energy 3200 × 0.16 = 512.00; 1472.00 < 1920.00 -> refund 448.00
    ("metered refund", lambda: lines("80", metered=True, heat_kwh=D("3200")),
     {"area_fee": D("1920.00"), "metered_refund": D("-448.00")}),
    # 960.00 + 10000 × 0.16 = 960 + 1600 = 2560.00 > 1920.00 -> residential pays 1920.00 (多退少不补)
    ("metered capped at area fee", lambda: lines("80", metered=True, heat_kwh=D("10000")),
     {"area_fee": D("1920.00"), "metered_capped": D("0.00")}),
    # non-residential: 80 × 45 = 3600.00 prepaid; 960.00 + 20000 × 0.16 = 960 + 3200 = 4160.00 -> extra 560.00
    ("non-residential metered above area fee", lambda: lines("80", residential=False, metered=True, heat_kwh=D("20000")),
     {"area_fee": D("3600.00"), "metered_extra": D("560.00")}),
    # non-residential: 960.00 + 5000 × 0.16 = 1760.00 < 3600.00 -> refund 1840.00
    ("non-residential metered below area fee", lambda: total("80", residential=False, metered=True, heat_kwh=D("5000")),
     D("1760.00")),
    ("faulty meter billed by area", lambda: (bill("80", metered=True, heat_kwh=D("3200"), meter_faulty=True).basis,
                                              total("80", metered=True, heat_kwh=D("3200"), meter_faulty=True)),
     ("area", D("1920.00"))),  # reading ignored: 80 × 24.00
    ("no reading yet billed by area", lambda: (bill("80", metered=True).basis, total("80", metered=True)),
     ("area", D("1920.00"))),
    # ---- rule 5: suspension ----
    ("suspension fee", lambda: total("80", suspended=True), D("384.00")),  # 1920.00 × 20 % = 384.00
    # (1920.00 + 192.00) × 20 % = 80 × 24 × 1.1 × 0.2 = 422.40
    ("suspension fee with surcharge", lambda: total("80", storey="4.8", suspended=True), D("422.40")),
    # ---- rule 6: 低保 ----
    ("dibao below 60 m² pays 0", lambda: total("50", dibao=True), D("0.00")),  # 50 ≤ 60 m² free: 1200 - 1200
    ("dibao exactly 60 m² pays 0", lambda: total("60", dibao=True), D("0.00")),  # 60 × 24 - 60 × 24
    ("dibao above 60 m²", lambda: lines("80", dibao=True), {"area_fee": D("1920.00"), "dibao_relief": D("-1440.00")}),
    # (80 - 60) × 24.00 = 480.00
    # 48 ÷ 0.75 = 64 m²: 64 × 24 = 1536.00; relief 60 × 24 = 1440.00; pays 4 × 24 = 96.00
    ("dibao on converted usable area", lambda: total(usable="48", dibao=True), D("96.00")),
    # metered 低保: prepay 480.00; settled 1472.00 × 20/80 = 368.00 -> refund 112.00
    ("dibao metered", lambda: (bill("80", metered=True, dibao=True, heat_kwh=D("3200")).prepayment,
                               total("80", metered=True, dibao=True, heat_kwh=D("3200"))), (D("480.00"), D("368.00"))),
    ("dibao suspended", lambda: total("80", suspended=True, dibao=True), D("96.00")),  # 384 - 384 × 60/80 = 96.00
    # ---- rule 7: prepayment discount ----
    # 1920.00 × 3 % = 57.60; 1920.00 - 57.60 = 1862.40 paid on 8月15日 -> paid in full with the 3 %
    ("discount 3 % on 8月15日", lambda: status(B80(), [(d(8, 15), "1862.40")], d(8, 15)),
     ("paid", D("57.60"), D("0"), D("0"), D("0"))),
    # 8月16日 misses the 3 %; 1.5 % needs 1920 - 28.80 = 1891.20 by 9月30日: 1862.40 is short -> 57.60 owed
    ("no 3 % on 8月16日", lambda: status(B80(), [(d(8, 16), "1862.40")], d(9, 1)),
     ("partly_paid", D("0"), D("0"), D("57.60"), D("0"))),
    # 1920.00 × 1.5 % = 28.80; 1891.20 paid on 9月30日
    ("discount 1.5 % on 9月30日", lambda: status(B80(), [(d(9, 30), "1891.20")], d(10, 1)),
     ("paid", D("28.80"), D("0"), D("0"), D("0"))),
    ("no discount on 10月1日", lambda: status(B80(), [(d(10, 1), "1920.00")], d(10, 1)),
     ("paid", D("0"), D("0"), D("0"), D("0"))),
    # 低保 80 m²: 480.00 paid on 8月1日, no 3 % (not combined with relief)
    ("no discount with dibao", lambda: status(bill("80", dibao=True), [(d(8, 1), "480.00")], d(8, 1)),
     ("paid", D("0"), D("0"), D("0"), D("0"))),
    ("no discount when suspended", lambda: status(bill("80", suspended=True), [(d(8, 1), "384.00")], d(8, 1)),
     ("paid", D("0"), D("0"), D("0"), D("0"))),  # 384.00 in full, no 3 %
    # ---- rule 8: late fee ----
    ("paid on the deadline: no late fee", lambda: fee("1920.00", [(d(12, 31), "1920.00")], d(12, 31)), (D("0.00"), 0)),
    # paid 1月1日: 1 day × 1920.00 × 0.1 % = 1.92
    ("day after the deadline: 1 day", lambda: fee("1920.00", [(d(1, 1, Y + 1), "1920.00")], d(1, 1, Y + 1)),
     (D("1.92"), 1)),
    # paid 1月31日: 31 days × 1.92 = 59.52
    ("paid 1月31日: 31 days", lambda: fee("1920.00", [(d(1, 31, Y + 1), "1920.00")], d(2, 20, Y + 1)),
     (D("59.52"), 31)),
    # unpaid to 2029-01-01: 365 + 365 + 366 + 1 = 1097 days × 1.92 = 2106.24 > 1920.00 -> capped at 1920.00
    ("late fee capped at principal", lambda: fee("1920.00", [], d(1, 1, Y + 4)), (D("1920.00"), 1097)),
    # 1000.00 paid 1月10日: 10 days × 1.92 = 19.20; then 920.00 × 0.1 % × 21 days (1/11-1/31) = 19.32; 38.52
    ("partial payments accrue piecewise", lambda: fee("1920.00", [(d(1, 10, Y + 1), "1000.00")], d(1, 31, Y + 1)),
     (D("38.52"), 31)),
    # 920.00 paid before the deadline: 1000.00 overdue × 0.1 % × 31 days = 31.00
    ("part paid before the deadline", lambda: fee("1920.00", [(d(12, 1), "920.00")], d(1, 31, Y + 1)),
     (D("31.00"), 31)),
    ("plan kept: no late fee", lambda: status(B80(), [(d(12, 31), "640.00")], d(1, 31, Y + 1), plan_kept=True),
     ("in_plan", D("0"), D("0"), D("1280.00"), D("0"))),  # 1920 - 640 = 1280 owed, fee waived
    # unpaid as of 1月31日: 31 × 1.92 = 59.52; owed 1920.00 + 59.52 = 1979.52
    ("overdue status", lambda: status(B80(), [], d(1, 31, Y + 1)),
     ("overdue", D("0"), D("59.52"), D("1979.52"), D("0"))),
    # ---- rule 10: status of metered seasons ----
    # prepaid 1920.00 on 11月20日, settled 1472.00 -> 448.00 to refund
    ("metered refund due", lambda: status(bill("80", metered=True, heat_kwh=D("3200")), [(d(11, 20), "1920.00")],
                                          d(4, 1, Y + 1)), ("paid", D("0"), D("0"), D("0"), D("448.00"))),
    # non-residential prepaid 3600.00; settlement extra 560.00 is billed after the season: not overdue, no late fee
    ("metered extra not overdue", lambda: status(bill("80", residential=False, metered=True, heat_kwh=D("20000")),
                                                 [(d(11, 20), "3600.00")], d(4, 1, Y + 1)),
     ("partly_paid", D("0"), D("0"), D("560.00"), D("0"))),
    ("unpaid before the deadline", lambda: status(B80(), [], d(11, 1)), ("unpaid", D("0"), D("0"), D("1920.00"), D("0"))),
    # ---- rule 9: room temperature refund (2025-2026: 121 days; 2027-2028: 122 days) ----
    # 20 m² × 24.00 = 480.00 per season; ÷ 121 × 10 days × 10 % = 480/121 = 3.966… -> 3.97
    ("temperature 1.5 ℃ below: 10 %", lambda: refund("20", "1.5", 10), D("3.97")),
    ("temperature exactly 2 ℃ below: 10 %", lambda: refund("20", "2", 10), D("3.97")),
    ("temperature 2.5 ℃ below: 50 %", lambda: refund("20", "2.5", 10), D("19.83")),  # 2400/121 = 19.834…
    ("temperature exactly 6 ℃ below: 50 %", lambda: refund("20", "6", 10), D("19.83")),
    ("temperature 6.5 ℃ below: 100 %", lambda: refund("20", "6.5", 10), D("39.67")),  # 4800/121 = 39.669…
    # leap season 2027-11-15 .. 2028-03-15 = 122 days: 480 × 50 % × 10 / 122 = 2400/122 = 19.672… -> 19.67
    ("temperature in a leap season", lambda: refund("20", "6", 10, year=2027), D("19.67")),
    ("temperature excluded cause", lambda: refund("20", "8", 10, excluded=True), D("0")),
    ("temperature fixed within 24 h", lambda: refund("20", "8", 1, hours_to_fix=20), D("0")),
    # ---- rule 12: estimates ----
    ("estimate paid 8月15日", lambda: quote("80", payment_date=d(8, 15)),
     (D("1920.00"), D("57.60"), D("0"), D("1862.40"))),  # 1920 - 3 % (57.60)
    # 60 m² 使用面积 = 80 m²; 8月16日 still earns 1.5 %: 1920 - 28.80 = 1891.20
    ("estimate usable area paid 8月16日", lambda: quote("60", area_kind="usable", payment_date=d(8, 16)),
     (D("1920.00"), D("28.80"), D("0"), D("1891.20"))),
    # paid 1月31日: 1920.00 + 31 × 1.92 = 1979.52
    ("estimate paid late", lambda: quote("80", payment_date=d(1, 31, Y + 1)),
     (D("1920.00"), D("0"), D("59.52"), D("1979.52"))),
    ("estimate non-residential, no date", lambda: quote("100", residential=False, start_year=Y),
     (D("4500.00"), D("0"), D("0"), D("4500.00"))),  # 100 × 45.00
]


@pytest.mark.parametrize("make, expected", [pytest.param(m, e, id=i) for i, m, e in EXAMPLES])
def test_worked_example(make, expected):
    assert make() == expected


def test_enough_worked_examples():
    assert len(EXAMPLES) >= 30


def test_missing_area_is_a_clear_error():
    with pytest.raises(MissingAreaError, match="建筑面积"):
        bill()


def test_breakdown_explains_the_late_payer():
    # 1000.00 on 1月10日, as of 1月31日: 1920.00 - 1000.00 + 38.52 = 958.52 owed, overdue
    s = season_status(P, B80(), [(d(1, 10, Y + 1), D("1000.00"))], d(1, 31, Y + 1))
    assert [line.code for line in s.breakdown] == ["area_fee", "payment", "late_fee"]
    assert sum(line.amount for line in s.breakdown) == s.total_due == D("958.52")
    assert s.status == "overdue" and "31天" in s.breakdown[-1].label


def test_payoff_amount_earns_the_discount_and_counts_the_late_fee():
    assert billing.payoff_amount(P, B80(), [], d(8, 15)) == D("1862.40")  # 1920 - 57.60
    assert billing.payoff_amount(P, B80(), [], d(1, 31, Y + 1)) == D("1979.52")  # 1920 + 59.52


def test_change_explained_sequentially():
    # last season 80 m², paid 8月10日 with 3 % (charge 1862.40); this season 90 m² at 4.8 m, unpaid on 1月31日.
    before = season_status(P, B80(), [(d(8, 10), D("1862.40"))], d(4, 1, Y + 1))
    now = season_status(P, bill("90", storey="4.8", year=Y + 1), [], d(1, 31, Y + 2))
    causes = {c.code: c.amount for c in explain_change(before, now).causes}
    # area: 90 × 24 - 80 × 24 = 240.00; storey: 90 × 24 × 10 % = 216.00; discount lost: +57.60;
    # late fee: 2376.00 × 0.1 % × 31 = 73.656 -> 73.66
    assert causes == {"area": D("240.00"), "storey_height": D("216.00"), "discount": D("57.60"), "late_fee": D("73.66")}
    assert sum(causes.values()) == now.charge - before.charge == D("2449.66") - D("1862.40")


def test_bill_follows_a_modified_policy_file(tmp_path):
    raw = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    raw["area_tariff"]["residential_price"] = "30.00"
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    policy = load_policy(path)
    facts = PremisesFacts(D("80"))
    new = compute_season_bill(policy, facts, SeasonCircumstances(Y + 1))
    assert new.total == D("2400.00")  # 80 × 30.00
    # 低保 relief follows too: (80 - 60) × 30.00 = 600.00
    assert compute_season_bill(policy, facts, SeasonCircumstances(Y + 1, dibao=True)).total == D("600.00")
    # and the change is put down to the price: 80 × (30.00 - 24.00) = 480.00
    before = season_status(P, B80(), [(d(11, 1), D("1920.00"))], d(4, 1, Y + 1))
    after = season_status(policy, new, [(d(11, 1, Y + 1), D("2400.00"))], d(4, 1, Y + 2))
    change = explain_change(before, after)
    assert [(c.code, c.amount) for c in change.causes] == [("tariff", D("480.00"))]
    assert "30" in change.causes[0].label


def test_bill_rebuilt_from_stored_lines_gives_the_same_status():
    # The account service rebuilds bills from bill_components (no settlement detail, quantities stored).
    original = bill("80", metered=True, heat_kwh=D("3200"))
    stored = billing.SeasonBill(start_year=Y, basis=original.basis, lines=original.lines, total=original.total)
    pays = [(d(8, 1), D("1862.40"))]
    assert season_status(P, stored, pays, d(4, 1, Y + 1)).refund_due == D("448.00")  # 1862.40 - (1472 - 57.60)
    assert season_status(P, stored, pays, d(4, 1, Y + 1)).total_due == D("0")


def test_line_codes_and_labels_fit_the_database():
    for make in (lambda: bill("80", storey="15", dibao=True), lambda: bill(usable="1234.56", residential=False,
                 metered=True, heat_kwh=D("987654.32")), lambda: bill("80", suspended=True, storey="4.8")):
        for line in make().lines:
            assert line.code.isascii() and len(line.code) <= 32 and len(line.label) <= 64


def test_engine_imports_neither_rasa_nor_sqlalchemy():
    code = "import sys, bot.billing; print(sorted({m.split('.')[0] for m in sys.modules} & {'rasa', 'sqlalchemy'}))"
    project = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=project).stdout
    assert out.strip() == "[]"
