"""Why a season's charge differs from the last one: a list of causes whose amounts add up to the difference.

Works from the bill lines and the two statuses alone (no policy, no facts), so it also explains bills
rebuilt from stored bill_components, which keep the prices that applied at the time.

Attribution:
- The charge compared is what each season costs: bill total − discount + late fee (payments excluded).
- Each group of bill lines is its own cause: the metered settlement, the 低保 relief, the discount, the late
  fee, anything unknown ("other"). A relief that grows because the price rose shows as a relief change.
- The area fee + storey surcharge is split sequentially, each step on top of the ones before:
  1. tariff: last season's area and storey height at this season's price;
  2. area: then this season's area;
  3. storey_height: then this season's surcharge rate (the remainder, so the split always adds up).
  For two suspended seasons the suspension fee is split into tariff and area the same way.
- When a season goes into or out of suspension, the whole change of the area/suspension lines is put down
  to the suspension (the other figures of a suspended bill are not comparable line by line).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import List, Tuple

from bot.billing.money import ZERO, plain, round_fen
from bot.billing.status import SeasonStatus
from bot.billing.tariff import SETTLEMENT_CODES, SeasonBill

AREA_CODES = ("area_fee", "storey_surcharge")
SUSPENSION_CODES = ("suspension_fee",)
RELIEF_CODES = ("dibao_relief",)
KNOWN_CODES = AREA_CODES + SUSPENSION_CODES + SETTLEMENT_CODES + RELIEF_CODES


@dataclass(frozen=True)
class ChangeCause:
    code: str  # tariff | area | storey_height | area_fee | suspension | metered | dibao | discount | late_fee | other
    label: str  # 中文, for the customer
    amount: Decimal  # signed contribution to the difference


@dataclass(frozen=True)
class BillChange:
    previous_charge: Decimal
    current_charge: Decimal
    difference: Decimal  # current − previous = sum of the causes' amounts
    causes: Tuple[ChangeCause, ...]  # causes with a zero amount are left out


def explain_change(previous: SeasonStatus, current: SeasonStatus) -> BillChange:
    before, now = previous.bill, current.bill
    causes: List[ChangeCause] = []

    def add(code: str, label: str, amount: Decimal) -> None:
        if amount != 0:
            causes.append(ChangeCause(code, label, amount))

    if before.suspended != now.suspended:
        label = "本季报停，只收热能损耗补偿费" if now.suspended else "上季报停，本季恢复用热按标准收费"
        add("suspension", label, _gross(now) - _gross(before))
    elif now.suspended:
        _split(add, before, now, "suspension_fee")
    else:
        _split(add, before, now, "area_fee")

    add("metered", _metered_label(before, now), _delta(before, now, *SETTLEMENT_CODES))
    add("dibao", _dibao_label(before, now), _delta(before, now, *RELIEF_CODES))
    add("other", "其他收费项目变化", _other(now) - _other(before))
    add("discount", _discount_label(previous, current), previous.discount - current.discount)
    add("late_fee", _late_fee_label(previous, current), current.late_fee - previous.late_fee)
    return BillChange(previous.charge, current.charge, current.charge - previous.charge, tuple(causes))


def _gross(bill: SeasonBill) -> Decimal:
    return bill.amount_of(*AREA_CODES, *SUSPENSION_CODES)


def _delta(before: SeasonBill, now: SeasonBill, *codes: str) -> Decimal:
    return now.amount_of(*codes) - before.amount_of(*codes)


def _other(bill: SeasonBill) -> Decimal:
    """Whatever the total holds beyond the known lines (unknown codes, or a stored total that disagrees)."""
    return bill.total - bill.amount_of(*KNOWN_CODES)


def _surcharge_rate(bill: SeasonBill) -> Decimal:
    fee, surcharge = bill.line("area_fee"), bill.line("storey_surcharge")
    if fee is None or surcharge is None or not fee.unit_price or surcharge.unit_price is None:
        return ZERO
    return surcharge.unit_price / fee.unit_price


def _charge(area: Decimal, price: Decimal, rate: Decimal) -> Decimal:
    """Area fee + surcharge as the bill would state them (each line rounded once)."""
    fee = round_fen(area * price)
    return fee + (round_fen(area * price * rate) if rate > 0 else ZERO)


def _split(add, before: SeasonBill, now: SeasonBill, code: str) -> None:
    codes = AREA_CODES if code == "area_fee" else SUSPENSION_CODES
    actual_before, actual_now = before.amount_of(*codes), now.amount_of(*codes)
    old, new = before.line(code), now.line(code)
    if old is None or new is None or None in (old.quantity, old.unit_price, new.quantity, new.unit_price):
        add("area_fee", "面积热费变化", actual_now - actual_before)
        return
    if code == "area_fee":
        rate_before, rate_now = _surcharge_rate(before), _surcharge_rate(now)
    else:
        rate_before = rate_now = ZERO  # the suspension line's unit price already holds the surcharge
    at_new_price = _charge(old.quantity, new.unit_price, rate_before)
    at_new_area = _charge(new.quantity, new.unit_price, rate_before)
    add("tariff", _price_label(old.unit_price, new.unit_price, code), at_new_price - actual_before)
    add("area", f"计费面积由{_m2(old.quantity)}m²变为{_m2(new.quantity)}m²", at_new_area - at_new_price)
    add("storey_height", "层高加价变化", actual_now - at_new_area)


def _m2(area: Decimal) -> str:
    return plain(area) if area.as_tuple().exponent >= -2 else f"约{area:.2f}"  # display only


def _price_label(old: Decimal, new: Decimal, code: str) -> str:
    if code == "area_fee" and old != new:
        return f"单价由{plain(old)}元/m²调整为{plain(new)}元/m²"
    return "收费标准调整"


def _metered_label(before: SeasonBill, now: SeasonBill) -> str:
    if now.basis == "metered" and before.basis != "metered":
        return "本季按热表计量结算"
    if before.basis == "metered" and now.basis != "metered":
        return "本季未做计量结算（按面积收费）"
    return "计量结算差额变化（用热量不同）"


def _dibao_label(before: SeasonBill, now: SeasonBill) -> str:
    if now.dibao_relieved and not before.dibao_relieved:
        return "本季享受低保减免"
    if before.dibao_relieved and not now.dibao_relieved:
        return "本季不再享受低保减免"
    return "低保减免金额变化"


def _discount_label(previous: SeasonStatus, current: SeasonStatus) -> str:
    if current.discount and not previous.discount:
        return "本季享受提前缴费优惠"
    if previous.discount and not current.discount:
        return "本季未享受提前缴费优惠（上季享受）"
    return "提前缴费优惠变化"


def _late_fee_label(previous: SeasonStatus, current: SeasonStatus) -> str:
    if current.late_fee and not previous.late_fee:
        return "本季产生滞纳金"
    if previous.late_fee and not current.late_fee:
        return "本季无滞纳金（上季有）"
    return "滞纳金变化"
