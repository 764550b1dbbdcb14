"""The company's billing policy, loaded from knowledge/policy.yml and validated.

Every figure the bills and the answers use comes from here. The models forbid unknown keys (a typo in the
file must not silently fall back to a default) and reject negative money or rates, so a bad edit by staff
fails loudly at load time with the path of the offending key.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import List, Optional

import yaml
from pydantic import BaseModel, ValidationError, condecimal, conint, root_validator, validator

from bot.settings import KNOWLEDGE_DIR

POLICY_FILE = KNOWLEDGE_DIR / "policy.yml"

Money = condecimal(ge=Decimal("0"))  # 元
Rate = condecimal(ge=Decimal("0"), le=Decimal("1"))  # a share, 0..1
Positive = condecimal(gt=Decimal("0"))


class PolicyError(ValueError):
    """The policy file is missing, unreadable or invalid."""


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        allow_mutation = False


class MonthDay(_Strict):
    month: conint(ge=1, le=12)
    day: conint(ge=1, le=31)

    @root_validator(skip_on_failure=True)
    def _real_day(cls, values):
        # 2000 is a leap year, so 2月29日 is accepted as a month/day.
        dt.date(2000, values["month"], values["day"])
        return values

    def in_year(self, year: int) -> dt.date:
        return dt.date(year, self.month, self.day)

    def zh(self) -> str:
        return f"{self.month}月{self.day}日"


class Company(_Strict):
    name: str
    hotline: str
    disclaimer: str


class Season(_Strict):
    start: MonthDay
    end: MonthDay
    payment_deadline: MonthDay
    indoor_standard_celsius: Positive


class StoreyHeight(_Strict):
    threshold_m: Positive
    surcharge_per_metre: Rate
    cap: Rate
    applies_to_metered: bool


class AreaTariff(_Strict):
    residential_price: Money
    non_residential_price: Money
    usable_to_building_ratio: Positive
    storey_height: StoreyHeight

    @validator("usable_to_building_ratio")
    def _ratio_at_most_one(cls, v):
        if v > 1:
            raise ValueError("使用面积/建筑面积 ratio must be at most 1")
        return v


class MeteredTariff(_Strict):
    base_price: Money
    energy_price_per_kwh: Money
    energy_price_per_gj: Money
    residential_capped_at_area_fee: bool
    non_residential_capped_at_area_fee: bool
    refund_within_months: conint(ge=0)
    faulty_meter_billing: str

    @validator("faulty_meter_billing")
    def _known_fallback(cls, v):
        if v != "area":
            raise ValueError("only 'area' billing is supported for a faulty meter")
        return v


class Suspension(_Strict):
    window_start: MonthDay
    window_end: MonthDay
    fee_rate: Rate
    min_seasons: conint(ge=1)
    requires_per_household_system: bool
    not_in_first_season: bool
    documents: List[str]
    channels: List[str]
    vacant_home_pays_full_fee: bool


class LateFee(_Strict):
    daily_rate: Rate
    cap_ratio: condecimal(ge=Decimal("0"))
    waived_while_plan_kept: bool
    waived_for_dibao_on_request: bool


class PrepaymentTier(_Strict):
    by: MonthDay
    rate: Rate


class Discounts(_Strict):
    prepayment: List[PrepaymentTier]
    combined_with_dibao_relief: bool
    for_suspended_accounts: bool

    @validator("prepayment")
    def _earliest_first(cls, tiers):
        keys = [(t.by.month, t.by.day) for t in tiers]
        if keys != sorted(keys):
            raise ValueError("prepayment tiers must be listed earliest date first")
        return tiers


class Installment(_Strict):
    eligible_groups: List[str]
    max_installments: conint(ge=1)
    last_due: MonthDay
    late_fee_waived: bool
    no_cutoff_for_dibao: bool


class Deferral(_Strict):
    max_days: conint(ge=1)
    reasons: List[str]
    late_fee_waived: bool


class Relief(_Strict):
    dibao_free_area_m2: Money
    installment: Installment
    deferral: Deferral


class RefundTier(_Strict):
    up_to_degrees_below: Optional[condecimal(gt=Decimal("0"))]
    rate: Rate


class TemperatureRefund(_Strict):
    fix_within_hours: conint(ge=1)
    tiers: List[RefundTier]
    no_refund_when: List[str]

    @validator("tiers")
    def _ascending_open_last(cls, tiers):
        bounds = [t.up_to_degrees_below for t in tiers]
        if not tiers or bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise ValueError("tiers must end with one open tier (up_to_degrees_below: null)")
        if bounds[:-1] != sorted(bounds[:-1]):
            raise ValueError("tiers must be in ascending order of degrees below standard")
        return tiers


class Service(_Strict):
    complaint_first_contact_minutes: conint(ge=1)
    complaint_solution_hours: conint(ge=1)
    hall_weekday_closing: str
    hall_weekend_hours: str  # e.g. 周六9:00–17:00，周日休息
    door_to_door_for: List[str]
    heat_station_weekday: str
    payment_channels: List[str]


class Policy(_Strict):
    version: conint(ge=1)
    company: Company
    season: Season
    area_tariff: AreaTariff
    metered_tariff: MeteredTariff
    suspension: Suspension
    late_fee: LateFee
    discounts: Discounts
    relief: Relief
    temperature_refund: TemperatureRefund
    service: Service

    def area_price(self, residential: bool) -> Decimal:
        return self.area_tariff.residential_price if residential else self.area_tariff.non_residential_price

    def season_bounds(self, start_year: int) -> tuple[dt.date, dt.date]:
        """First and last heating day of the season starting in `start_year`."""
        return self.season.start.in_year(start_year), self.season.end.in_year(start_year + 1)

    def season_days(self, start_year: int) -> int:
        """Legal heating days, both ends counted: 121, or 122 when February has 29 days."""
        first, last = self.season_bounds(start_year)
        return (last - first).days + 1

    def current_season_year(self, today: dt.date) -> int:
        """The season being billed on `today`. From the suspension window's opening (1 April) next winter's
        bills are current (prepayment discounts run from then); before it, the winter just gone still is."""
        opens = self.suspension.window_start.in_year(today.year)
        return today.year if today >= opens else today.year - 1

    def payment_deadline(self, start_year: int) -> dt.date:
        return self.season.payment_deadline.in_year(start_year)


def parse_policy(raw: dict) -> Policy:
    try:
        return Policy.parse_obj(raw)
    except ValidationError as exc:
        raise PolicyError(f"policy file is invalid:\n{exc}") from exc


def load_policy(path: Path | str = POLICY_FILE) -> Policy:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"policy file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"policy file {path} must hold a mapping at the top level")
    return parse_policy(raw)


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The bundled policy, read once per process (on first use, not at import)."""
    return load_policy(POLICY_FILE)
