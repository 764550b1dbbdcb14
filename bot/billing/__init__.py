"""The billing engine: pure functions over Decimal that turn the policy (bot.policy.Policy) and the facts of
a premises and a season into bills, late fees, discounts, refunds, account status and explanations.

No database, no Rasa, no I/O: every figure comes from the Policy passed in. Amounts are rounded to the fen
only by `round_fen` (bot.billing.money), once per bill line / discount / late fee / refund; totals are sums
of rounded amounts.

Modules: money (rounding), facts (inputs), area (billing area, storey surcharge), tariff (the season bill),
discounts, late_fees, status (amount due and breakdown), refunds (room temperature), change (why the bill
changed), estimates (a quote without an account).
"""
from bot.billing.area import BillingArea, billing_area, storey_surcharge_rate
from bot.billing.change import BillChange, ChangeCause, explain_change
from bot.billing.discounts import Discount, discount_eligible, prepayment_discount
from bot.billing.estimates import Estimate, estimate
from bot.billing.facts import (
    BillingError,
    MissingAreaError,
    Payment,
    PremisesFacts,
    SeasonCircumstances,
    normalize_payments,
)
from bot.billing.late_fees import LateFee, LateFeePeriod, late_fee
from bot.billing.money import round_fen
from bot.billing.refunds import TemperatureRefundResult, refund_rate, temperature_refund
from bot.billing.status import STATUSES, SeasonStatus, payoff_amount, season_status
from bot.billing.tariff import BillLine, MeteredSettlement, SeasonBill, compute_season_bill

__all__ = [
    "BillChange",
    "BillLine",
    "BillingArea",
    "BillingError",
    "ChangeCause",
    "Discount",
    "Estimate",
    "LateFee",
    "LateFeePeriod",
    "MeteredSettlement",
    "MissingAreaError",
    "Payment",
    "PremisesFacts",
    "STATUSES",
    "SeasonBill",
    "SeasonCircumstances",
    "SeasonStatus",
    "TemperatureRefundResult",
    "billing_area",
    "compute_season_bill",
    "discount_eligible",
    "estimate",
    "explain_change",
    "late_fee",
    "normalize_payments",
    "payoff_amount",
    "prepayment_discount",
    "refund_rate",
    "round_fen",
    "season_status",
    "storey_surcharge_rate",
    "temperature_refund",
]
