"""The tariff/policy file: every figure of the sample policy is there, and bad edits fail loudly."""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
import yaml

from bot.policy import POLICY_FILE, PolicyError, load_policy, parse_policy


@pytest.fixture
def raw():
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def test_bundled_policy_holds_the_sample_figures(policy):
    assert policy.company.hotline == "96069"
    assert policy.area_tariff.residential_price == Decimal("24.00")
    assert policy.area_tariff.non_residential_price == Decimal("45.00")
    assert policy.area_tariff.usable_to_building_ratio == Decimal("0.75")
    assert policy.area_tariff.storey_height.threshold_m == Decimal("4.0")
    assert policy.area_tariff.storey_height.surcharge_per_metre == Decimal("0.125")
    assert policy.area_tariff.storey_height.cap == Decimal("1.00")
    assert policy.metered_tariff.base_price == Decimal("12.00")
    assert policy.metered_tariff.energy_price_per_kwh == Decimal("0.16")
    assert policy.metered_tariff.energy_price_per_gj == Decimal("44.45")
    assert policy.suspension.fee_rate == Decimal("0.20")
    assert (policy.suspension.window_start.zh(), policy.suspension.window_end.zh()) == ("4月1日", "10月15日")
    assert policy.late_fee.daily_rate == Decimal("0.001")
    assert [(t.by.zh(), t.rate) for t in policy.discounts.prepayment] == [
        ("8月15日", Decimal("0.03")),
        ("9月30日", Decimal("0.015")),
    ]
    assert policy.relief.dibao_free_area_m2 == Decimal("60")
    assert policy.relief.installment.max_installments == 3
    assert policy.relief.deferral.max_days == 90
    assert [t.rate for t in policy.temperature_refund.tiers] == [Decimal("0.10"), Decimal("0.50"), Decimal("1.00")]
    assert policy.service.complaint_first_contact_minutes == 30
    assert policy.service.complaint_solution_hours == 24


def test_season_length_and_deadline(policy):
    assert policy.season_days(2025) == 121  # 2026 has no 29 February
    assert policy.season_days(2027) == 122  # 2028 does
    assert policy.payment_deadline(2026) == dt.date(2026, 12, 31)
    assert policy.season_bounds(2026) == (dt.date(2026, 11, 15), dt.date(2027, 3, 15))


@pytest.mark.parametrize(
    "today, season",
    [(dt.date(2026, 11, 26), 2026), (dt.date(2027, 3, 31), 2026), (dt.date(2027, 4, 1), 2027), (dt.date(2027, 1, 5), 2026)],
)
def test_current_season(policy, today, season):
    assert policy.current_season_year(today) == season


def test_unknown_key_is_an_error(raw):
    bad = copy.deepcopy(raw)
    bad["area_tariff"]["residental_price"] = "24.00"  # typo
    with pytest.raises(PolicyError, match="residental_price"):
        parse_policy(bad)


def test_negative_price_is_an_error(raw):
    bad = copy.deepcopy(raw)
    bad["area_tariff"]["residential_price"] = "-1"
    with pytest.raises(PolicyError, match="residential_price"):
        parse_policy(bad)


def test_missing_key_is_an_error(raw):
    bad = copy.deepcopy(raw)
    del bad["late_fee"]["daily_rate"]
    with pytest.raises(PolicyError, match="daily_rate"):
        parse_policy(bad)


def test_impossible_date_is_an_error(raw):
    bad = copy.deepcopy(raw)
    bad["season"]["payment_deadline"] = {"month": 2, "day": 30}
    with pytest.raises(PolicyError):
        parse_policy(bad)


def test_refund_tiers_must_end_open(raw):
    bad = copy.deepcopy(raw)
    bad["temperature_refund"]["tiers"][-1]["up_to_degrees_below"] = "10"
    with pytest.raises(PolicyError, match="open tier"):
        parse_policy(bad)


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("area_tariff: [", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(broken)


def test_every_number_of_the_policy_facts_is_in_the_file():
    """Each figure in the shared policy facts table appears in the policy file (one source of truth)."""
    text = POLICY_FILE.read_text(encoding="utf-8")
    for figure in ["24.00", "45.00", "0.75", "0.125", "12.00", "0.16", "44.45", "0.20", "0.001", "0.03", "0.015",
                   '"60"', "96069", "max_days: 90", "max_installments: 3", "fix_within_hours: 24",
                   "complaint_first_contact_minutes: 30", '"19:00"']:
        assert figure in text, figure
