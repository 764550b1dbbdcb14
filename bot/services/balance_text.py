"""Phrasing a verified account's balance for the customer (chat text; every figure from the billing engine)."""
from __future__ import annotations

from decimal import Decimal
from typing import List

from bot.billing.money import plain, yuan
from bot.policy import Policy
from bot.services.accounts import BalanceReport, SeasonBalance

STATUS_WORDS = {
    "paid": "已缴清",
    "partly_paid": "已部分缴费",
    "unpaid": "尚未缴费",
    "overdue": "已逾期",
    "in_plan": "分期/缓缴办理中",
}


def _line_text(label: str, quantity, unit_price, amount: Decimal) -> str:
    if quantity is not None and unit_price is not None and amount > 0:
        return f"{label}：{plain(quantity)} × {plain(unit_price)} = {yuan(amount)} 元"
    return f"{label}：{yuan(amount)} 元"


def season_text(season: SeasonBalance) -> List[str]:
    status = season.status
    lines = [
        f"{season.label}：{STATUS_WORDS.get(status.status, status.status)}，"
        f"应缴 {yuan(status.principal)} 元，已缴 {yuan(status.paid)} 元，尚欠 {yuan(status.total_due)} 元。"
    ]
    lines += ["  · " + _line_text(b.label, b.quantity, b.unit_price, b.amount) for b in status.breakdown]
    if status.refund_due > 0:
        lines.append(f"  另有 {yuan(status.refund_due)} 元应退还给您，将按规定退回原缴费渠道。")
    return lines


def balance_message(report: BalanceReport, policy: Policy) -> str:
    """The answer to 我家还欠多少钱 for a verified caller."""
    lines = [f"户号 {report.masked_account_no}（{report.masked_holder}，{report.address}）截至{report.as_of.month}月{report.as_of.day}日："]
    lines += season_text(report.current)
    for season in report.arrears:
        lines.append("往季欠费：")
        lines += season_text(season)
    if report.total_due > 0:
        lines.append(f"合计应缴：{yuan(report.total_due)} 元。")
        deadline = policy.season.payment_deadline.zh()
        current = report.current.status
        if current.total_due > 0 and current.status != "overdue" and current.status != "in_plan":
            lines.append(
                f"本采暖季缴费截止日为{deadline}，逾期每天按未缴金额的{plain(policy.late_fee.daily_rate * 100)}%加收滞纳金。"
            )
    else:
        lines.append("您目前没有欠费，感谢您按时缴费！")
    return "\n".join(lines)
