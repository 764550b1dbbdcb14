"""The cases the demo data must show, as data.

Each account of the demo company follows one scenario: what its premises are like and, for each of the three
seasons generated (two past ones and the current one), its circumstances and how it paid. The first accounts
take the named scenarios in order, so every case of the policy is present in every database however small;
the rest are drawn with `RANDOM_WEIGHTS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Tuple

# How a season was paid. `when` is a month/day in the season's calendar (months 4-12 in the start year,
# 1-3 in the next); `share` of the amount then due; "full" pays principal − discount + late fee to that day.
PAID_EARLY = ("full", (8, 10))  # 3 % prepayment discount
PAID_SEPTEMBER = ("full", (9, 20))  # 1.5 % discount
PAID_ON_TIME = ("full", (11, 20))
PAID_AT_DEADLINE = ("full", (12, 31))
PAID_LATE = ("full", (1, 31))  # 31 days of late fee
PAID_HALF = ("half", (11, 18))
UNPAID = ("none", None)
PLAN = ("plan", None)  # installment plan, installments paid as due


@dataclass(frozen=True)
class SeasonCase:
    payment: tuple = PAID_ON_TIME
    suspended: bool = False
    dibao: bool = False
    heat_kwh: Optional[Decimal] = None  # metered reading of a past season
    meter_faulty: bool = False
    draw_reading: bool = False  # a metered season whose reading is drawn at random


@dataclass(frozen=True)
class Scenario:
    code: str
    description: str
    area_m2: Optional[Decimal] = None  # None: drawn at random
    usable_only: bool = False  # ledger holds 使用面积 only
    residential: bool = True
    storey_height_m: Decimal = Decimal("2.80")
    metered: bool = False
    per_household_system: bool = True
    phone: str = "valid"  # valid | missing | malformed | shared (same customer as the previous account)
    duplicate_room_of_previous: bool = False
    # Oldest season first: (two seasons ago, last season, current season).
    seasons: Tuple[SeasonCase, SeasonCase, SeasonCase] = field(
        default_factory=lambda: (SeasonCase(), SeasonCase(), SeasonCase())
    )


def _seasons(*cases: SeasonCase) -> Tuple[SeasonCase, SeasonCase, SeasonCase]:
    assert len(cases) == 3
    return tuple(cases)  # type: ignore[return-value]


ON_TIME = SeasonCase()
EARLY = SeasonCase(payment=PAID_EARLY)

NAMED_SCENARIOS: Tuple[Scenario, ...] = (
    Scenario("paid_in_full", "居民，三季都按时足额缴清", Decimal("89.50"), seasons=_seasons(EARLY, EARLY, EARLY)),
    Scenario("partly_paid", "本季只交了一半", Decimal("102.30"), seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(payment=PAID_HALF))),
    Scenario(
        "overdue_late_fee",
        "上季未缴，滞纳金按日累计；本季也未缴",
        Decimal("76.40"),
        seasons=_seasons(ON_TIME, SeasonCase(payment=UNPAID), SeasonCase(payment=UNPAID)),
    ),
    Scenario(
        "arrears_two_seasons",
        "两季前起一直未缴：两个往季欠费都在计滞纳金",
        Decimal("64.00"),
        seasons=_seasons(SeasonCase(payment=UNPAID), SeasonCase(payment=UNPAID), SeasonCase(payment=UNPAID)),
    ),
    Scenario("paid_late", "上季1月31日才缴，含31天滞纳金", Decimal("95.00"), seasons=_seasons(ON_TIME, SeasonCase(payment=PAID_LATE), ON_TIME)),
    Scenario(
        "suspended",
        "本季报停，只交热能损耗补偿费",
        Decimal("110.00"),
        seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(suspended=True, payment=PAID_SEPTEMBER)),
    ),
    Scenario(
        "metered_refund",
        "计量户，上季用热少，多退",
        Decimal("92.00"),
        metered=True,
        seasons=_seasons(ON_TIME, SeasonCase(heat_kwh=Decimal("3200")), ON_TIME),
    ),
    Scenario(
        "metered_capped",
        "计量户，上季用热多，按面积热费封顶（少不补）",
        Decimal("85.00"),
        metered=True,
        seasons=_seasons(ON_TIME, SeasonCase(heat_kwh=Decimal("9800")), ON_TIME),
    ),
    Scenario(
        "metered_faulty",
        "计量户，上季热表故障，按面积收费",
        Decimal("70.00"),
        metered=True,
        seasons=_seasons(ON_TIME, SeasonCase(meter_faulty=True), ON_TIME),
    ),
    Scenario(
        "dibao",
        "低保户，前60平方米免收",
        Decimal("75.00"),
        seasons=_seasons(SeasonCase(dibao=True), SeasonCase(dibao=True), SeasonCase(dibao=True)),
    ),
    Scenario(
        "installment_plan",
        "低保户面积大，本季办理分期，按期缴纳不计滞纳金",
        Decimal("128.00"),
        seasons=_seasons(SeasonCase(dibao=True), SeasonCase(dibao=True), SeasonCase(dibao=True, payment=PLAN)),
    ),
    Scenario("non_residential", "非居民（商铺）", Decimal("120.00"), residential=False),
    Scenario(
        "non_residential_metered",
        "非居民计量户，上季按计量全额结算",
        Decimal("150.00"),
        residential=False,
        metered=True,
        seasons=_seasons(ON_TIME, SeasonCase(heat_kwh=Decimal("30000")), ON_TIME),
    ),
    Scenario("high_storey", "层高5.2米，加收层高费", Decimal("98.00"), storey_height_m=Decimal("5.20")),
    Scenario(
        "rose_80m2",
        "80平方米，上季计量结算退了200元，今年按面积预交，比去年多交200",
        Decimal("80.00"),
        metered=True,
        # 80 × 12 = 960 基本热费; 4750 kWh × 0.16 = 760 → 1720 < 1920: 200 refunded last season.
        seasons=_seasons(ON_TIME, SeasonCase(heat_kwh=Decimal("4750")), ON_TIME),
    ),
    Scenario("usable_area_only", "台账只有使用面积60平方米（折合建筑面积80）", Decimal("60.00"), usable_only=True),
    Scenario("prepaid_september", "9月30日前缴清，享1.5%优惠", Decimal("66.60"), seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(payment=PAID_SEPTEMBER))),
    Scenario("missing_phone", "台账缺少登记手机号", Decimal("58.00"), phone="missing"),
    Scenario("malformed_phone", "登记手机号位数错误", Decimal("61.20"), phone="malformed"),
    Scenario("two_accounts_a", "同一户主两处房产（一）", Decimal("88.00")),
    Scenario("two_accounts_b", "同一户主两处房产（二）", Decimal("45.00"), phone="shared"),
    Scenario("duplicated_room", "台账重复房号：与上一户地址相同", Decimal("45.00"), duplicate_room_of_previous=True),
    Scenario("unpaid_current", "本季尚未缴费（截止日前不算逾期）", Decimal("93.10"), seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(payment=UNPAID))),
)

# Random accounts after the named ones: (weight, scenario template).
RANDOM_WEIGHTS: Tuple[Tuple[int, Scenario], ...] = (
    (38, Scenario("random_early", "随机：提前缴费", seasons=_seasons(EARLY, EARLY, EARLY))),
    (26, Scenario("random_on_time", "随机：按时缴费")),
    (7, Scenario("random_unpaid_current", "随机：本季未缴", seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(payment=UNPAID)))),
    (6, Scenario("random_partly_paid", "随机：部分缴费", seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(payment=PAID_HALF)))),
    (4, Scenario("random_overdue", "随机：上季欠费", seasons=_seasons(ON_TIME, SeasonCase(payment=UNPAID), SeasonCase(payment=UNPAID)))),
    (3, Scenario("random_late", "随机：上季逾期缴费", seasons=_seasons(ON_TIME, SeasonCase(payment=PAID_LATE), ON_TIME))),
    (3, Scenario("random_suspended", "随机：本季报停", seasons=_seasons(ON_TIME, ON_TIME, SeasonCase(suspended=True, payment=PAID_SEPTEMBER)))),
    (6, Scenario("random_metered", "随机：计量户", metered=True, seasons=_seasons(ON_TIME, SeasonCase(draw_reading=True), ON_TIME))),
    (2, Scenario("random_dibao", "随机：低保户", seasons=_seasons(SeasonCase(dibao=True), SeasonCase(dibao=True), SeasonCase(dibao=True)))),
    (4, Scenario("random_non_residential", "随机：非居民", residential=False)),
    (1, Scenario("random_high_storey", "随机：高层高", storey_height_m=Decimal("4.60"))),
)
