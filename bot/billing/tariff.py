"""One season's bill (the principal) for one premises: area fee, storey surcharge, suspension, 低保 relief
and the metered settlement. Payments, the prepayment discount and late fees are applied in `status`.

Rounding: each bill line is rounded to the fen once (`round_fen`) from exact inputs; the metered settlement
line is the difference of already-rounded amounts; the total is the sum of the lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Tuple

from bot.billing.area import BillingArea, billing_area, storey_surcharge_rate
from bot.billing.facts import PremisesFacts, SeasonCircumstances
from bot.billing.money import ZERO, percent, plain, round_fen, yuan
from bot.policy import Policy

BASES = ("area", "metered", "suspended")
# The metered settlement line: the settled amount minus the area-based fee that was prepaid.
SETTLEMENT_CODES = ("metered_refund", "metered_extra", "metered_capped")
CODE_MAX, LABEL_MAX = 32, 64  # bill_components.code String(32), label String(64)


@dataclass(frozen=True)
class BillLine:
    """One line of a bill or of a breakdown; `amount` is signed (relief, discounts, payments negative)."""

    code: str
    label: str
    quantity: Optional[Decimal]  # m², kWh or days; informational, may be unrounded
    unit_price: Optional[Decimal]
    amount: Decimal

    def __post_init__(self) -> None:
        if not (self.code.isascii() and 0 < len(self.code) <= CODE_MAX):
            raise ValueError(f"bill line code must be short ASCII: {self.code!r}")
        if len(self.label) > LABEL_MAX:
            raise ValueError(f"bill line label longer than {LABEL_MAX} characters: {self.label!r}")


@dataclass(frozen=True)
class MeteredSettlement:
    """The after-season settlement of a metered home (kept for explanations; not stored in the database)."""

    heat_kwh: Decimal
    base_fee: Decimal  # 基本热费 = area × base price, rounded
    energy_fee: Decimal  # 计量热费 = kWh × energy price, rounded
    metered_fee: Decimal  # base_fee + energy_fee
    area_fee: Decimal  # the area-based fee it is compared with (before relief)
    capped: bool  # the metered fee was above the area fee and the cap applied (多退少不补)
    adjustment: Decimal  # settled amount − prepayment: negative = refund, positive = extra charge


@dataclass(frozen=True)
class SeasonBill:
    """The principal of one season: `total` = sum of `lines`, before payments, discount and late fee.

    Can be rebuilt from stored bill_components (start_year, basis, lines, total); everything else the status
    and the change explanation need is derived from the line codes.
    """

    start_year: int
    basis: str  # 'area' | 'metered' | 'suspended'
    lines: Tuple[BillLine, ...]
    total: Decimal
    settlement: Optional[MeteredSettlement] = None

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"unknown bill basis {self.basis!r}")
        object.__setattr__(self, "lines", tuple(self.lines))

    def amount_of(self, *codes: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.code in codes), ZERO)

    def line(self, code: str) -> Optional[BillLine]:
        return next((line for line in self.lines if line.code == code), None)

    @property
    def settlement_adjustment(self) -> Decimal:
        """Refund (negative) or extra charge (positive) of the metered settlement; 0 otherwise."""
        return self.amount_of(*SETTLEMENT_CODES)

    @property
    def prepayment(self) -> Decimal:
        """What is due by the payment deadline: the whole bill, or for a settled metered home the area-based
        fee it prepaid. The prepayment discount and the late fee are computed on it."""
        return self.total - self.settlement_adjustment

    @property
    def suspended(self) -> bool:
        return self.basis == "suspended"

    @property
    def dibao_relieved(self) -> bool:
        return any(line.code == "dibao_relief" for line in self.lines)


def compute_season_bill(policy: Policy, premises: PremisesFacts, circumstances: SeasonCircumstances) -> SeasonBill:
    """The season's bill.

    - 报停 (suspended): 热能损耗补偿费 = fee_rate × the area-based fee including any storey surcharge.
    - Metered home with a good reading: area fee prepaid, then settled on 基本热费 + 计量热费
      (residential capped at the area fee per the policy; non-residential pays in full).
    - Everything else, including a metered home with a faulty meter or no reading yet: by area.
    - 低保: the first free m² are relieved as the same share of whatever the season costs (area fee,
      suspension fee or metered settlement), so a home at or below the free area pays exactly 0.
    """
    area = billing_area(policy, premises)
    price = policy.area_price(premises.residential)
    surcharge = storey_surcharge_rate(policy, premises)
    settlement = None
    if circumstances.suspended:
        basis = "suspended"
        gross = (_suspension_line(policy, area, price, surcharge),)
        lines = gross + _relief_lines(policy, circumstances, area, _sum(gross))
    else:
        area_lines = _area_lines(policy, premises, circumstances, area, price, surcharge)
        lines = area_lines + _relief_lines(policy, circumstances, area, _sum(area_lines))
        reading = circumstances.heat_kwh
        if premises.metered and reading is not None and not circumstances.meter_faulty:
            basis = "metered"
            line, settlement = _settle(policy, premises, circumstances, area, _sum(area_lines), _sum(lines), reading)
            lines += (line,)
        else:
            basis = "area"
    return SeasonBill(
        start_year=circumstances.start_year, basis=basis, lines=lines, total=_sum(lines), settlement=settlement
    )


def _sum(lines) -> Decimal:
    return sum((line.amount for line in lines), ZERO)


def _area_lines(policy, premises, circumstances, area: BillingArea, price, surcharge) -> Tuple[BillLine, ...]:
    use = "居民" if premises.residential else "非居民"
    if area.source == "usable":
        what = f"{use}，使用面积{plain(area.usable_m2)}m²÷{plain(area.ratio)}"
    else:
        what = f"{use}，建筑面积"
    if premises.metered:
        what += "，热表故障按面积计" if circumstances.meter_faulty else "，计量户预缴"
    lines = [BillLine("area_fee", f"面积热费（{what}）", area.m2, price, round_fen(area.cost(price)))]
    if surcharge > 0:
        capped = "，已封顶" if surcharge == policy.area_tariff.storey_height.cap else ""
        label = f"层高加价（层高{plain(premises.storey_height_m)}m，加收{percent(surcharge)}{capped}）"
        unit = price * surcharge
        lines.append(BillLine("storey_surcharge", label, area.m2, unit, round_fen(area.cost(unit))))
    return tuple(lines)


def _suspension_line(policy: Policy, area: BillingArea, price, surcharge) -> BillLine:
    rate = policy.suspension.fee_rate
    unit = price * (1 + surcharge) * rate
    base = "面积热费含层高加价" if surcharge > 0 else "面积热费"
    label = f"热能损耗补偿费（报停，{base}×{percent(rate)}）"
    return BillLine("suspension_fee", label, area.m2, unit, round_fen(area.cost(unit)))


def _relief_amount(policy: Policy, circumstances, area: BillingArea, gross: Decimal) -> Decimal:
    """The 低保 relief on `gross`: all of it at or below the free area, else the free area's share, rounded."""
    if not circumstances.dibao:
        return ZERO
    free = policy.relief.dibao_free_area_m2
    if free >= area.m2:
        return gross
    return round_fen(area.share_of(gross, free))


def _relief_lines(policy, circumstances, area: BillingArea, gross: Decimal) -> Tuple[BillLine, ...]:
    if not circumstances.dibao:
        return ()
    limit = policy.relief.dibao_free_area_m2
    free = min(limit, area.m2)
    label = f"低保减免（首{plain(limit)}m²免收）"
    return (BillLine("dibao_relief", label, free, None, -_relief_amount(policy, circumstances, area, gross)),)


def _settle(policy, premises, circumstances, area, area_fee: Decimal, prepayment: Decimal, kwh: Decimal):
    tariff = policy.metered_tariff
    base_fee = round_fen(area.cost(tariff.base_price))
    energy_fee = round_fen(kwh * tariff.energy_price_per_kwh)
    metered_fee = base_fee + energy_fee
    cap_applies = (
        tariff.residential_capped_at_area_fee if premises.residential else tariff.non_residential_capped_at_area_fee
    )
    capped = cap_applies and metered_fee > area_fee
    settled_gross = area_fee if capped else metered_fee
    settled = settled_gross - _relief_amount(policy, circumstances, area, settled_gross)
    adjustment = settled - prepayment
    parts = f"基本热费{yuan(base_fee)}元+计量热费{yuan(energy_fee)}元"
    if capped:
        code, label = "metered_capped", f"计量结算：{parts}，超出面积热费不补"
    elif adjustment > 0:
        code, label = "metered_extra", f"计量结算补收：{parts}"
    else:
        code, label = "metered_refund", f"计量结算退费：{parts}"
    settlement = MeteredSettlement(
        heat_kwh=kwh,
        base_fee=base_fee,
        energy_fee=energy_fee,
        metered_fee=metered_fee,
        area_fee=area_fee,
        capped=capped,
        adjustment=adjustment,
    )
    return BillLine(code, label, None, None, adjustment), settlement
