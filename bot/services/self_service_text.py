"""Phrasing the self-service answers for the customer (chat text). Every figure comes from the billing engine
or the policy; amounts are formatted by bot.billing.money.yuan."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Optional

from bot import billing
from bot.billing.money import percent, plain, yuan
from bot.policy import Policy
from bot.services.balance_text import STATUS_WORDS
from bot.understanding.dates import zh_date
from bot.services.requests import PhoneChangeOutcome, PlanOutcome, SuspensionOutcome, TicketInfo
from bot.services.statements import ChangeReport, PaymentHistory, PayOnDateQuote


def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "−") + yuan(abs(amount))


def history_message(history: PaymentHistory) -> str:
    lines = [f"户号 {history.masked_account_no} 近{len(history.seasons)}个采暖季的缴费记录（截至{zh_date(history.as_of)}）："]
    for season in history.seasons:
        status = season.status
        lines.append(
            f"{season.label}：应缴 {yuan(status.principal)} 元，已缴 {yuan(status.paid)} 元，"
            f"{STATUS_WORDS.get(status.status, status.status)}"
            + (f"，尚欠 {yuan(status.total_due)} 元" if status.total_due > 0 else "") + "。"
        )
        if status.discount > 0:
            lines.append(f"  · 提前缴费优惠 {yuan(status.discount)} 元")
        if status.late_fee > 0:
            lines.append(f"  · 滞纳金 {yuan(status.late_fee)} 元（{status.late_fee_days}天）")
        if not season.payments:
            lines.append("  · 本季暂无缴费记录")
        for payment in season.payments:
            note = f"，{payment.note}" if payment.note else ""
            lines.append(f"  · {zh_date(payment.paid_on)} {payment.channel}缴费 {yuan(payment.amount)} 元{note}")
    return "\n".join(lines)


def change_message(report: ChangeReport) -> str:
    change = report.change
    before, now = report.previous, report.current
    lines = [f"户号 {report.masked_account_no}：{now.label}费用 {yuan(change.current_charge)} 元，"
             f"{before.label} {yuan(change.previous_charge)} 元。"]
    if change.difference == 0:
        lines.append("两季费用相同。")
        return "\n".join(lines)
    word = "多" if change.difference > 0 else "少"
    lines.append(f"本季比上季{word} {yuan(abs(change.difference))} 元，原因如下：")
    lines += [f"  · {cause.label}：{_signed(cause.amount)} 元" for cause in change.causes]
    lines.append("（费用 = 账单金额 − 提前缴费优惠 + 滞纳金，不含已缴金额。）")
    return "\n".join(lines)


def pay_on_date_message(quote: PayOnDateQuote, policy: Policy) -> str:
    day = zh_date(quote.paid_on)
    if not quote.seasons:
        return f"户号 {quote.masked_account_no} 目前没有欠费，{day}无需缴费，也不会产生滞纳金。"
    lines = [f"户号 {quote.masked_account_no} 如在{day}缴清："]
    for season in quote.seasons:
        parts = [f"应缴 {yuan(season.principal)} 元"]
        if season.paid > 0:
            parts.append(f"已缴 {yuan(season.paid)} 元")
        if season.discount > 0:
            parts.append(f"提前缴费优惠 {yuan(season.discount)} 元")
        if season.late_fee_days:
            parts.append(f"滞纳金 {yuan(season.late_fee)} 元（逾期{season.late_fee_days}天）")
        else:
            parts.append("不产生滞纳金")
        lines.append(f"  · {season.label}：" + "，".join(parts) + f"，需缴 {yuan(season.to_pay)} 元")
    lines.append(f"合计需缴 {yuan(quote.total)} 元，其中滞纳金 {yuan(quote.late_fee_total)} 元。")
    rule = policy.late_fee
    lines.append(
        f"滞纳金从缴费截止日（{policy.season.payment_deadline.zh()}）次日起，按未缴金额每天{percent(rule.daily_rate)}计算，"
        "计到缴费当天，最高不超过欠费本金。"
    )
    if quote.in_plan:
        lines.append("您的分期/缓缴计划履约期间不收滞纳金。")
    return "\n".join(lines)


def estimate_message(
    result: "billing.Estimate", residential: bool, policy: Policy, usable_area_m2: Optional[Decimal] = None
) -> str:
    price = policy.area_price(residential)
    kind = "居民" if residential else "非居民"
    season = f"{result.start_year}-{result.start_year + 1}采暖季"
    lines = []
    if usable_area_m2 is not None:
        ratio = policy.area_tariff.usable_to_building_ratio
        building = result.billing_area_m2.quantize(Decimal("0.01"))
        lines.append(f"使用面积 {plain(usable_area_m2)} m² ÷ {plain(ratio)} = 建筑面积 {plain(building)} m²。")
    lines.append(
        f"{season}{kind}用户按建筑面积收费：{plain(result.billing_area_m2.quantize(Decimal('0.01')))} m² × {plain(price)} 元/m²"
        f" = {yuan(result.fee)} 元。"
    )
    if result.payment_date is not None:
        day = zh_date(result.payment_date)
        if result.discount > 0:
            lines.append(f"{day}前一次缴清可享提前缴费优惠{percent(result.discount_rate)}（{yuan(result.discount)} 元）。")
        if result.late_fee_days:
            lines.append(f"{day}缴费已逾期{result.late_fee_days}天，滞纳金 {yuan(result.late_fee)} 元。")
        lines.append(f"{day}缴清需缴 {yuan(result.amount_to_pay)} 元。")
    else:
        tiers = "；".join(f"{t.by.zh()}前缴清优惠{percent(t.rate)}" for t in policy.discounts.prepayment)
        lines.append(f"提前缴费可享优惠：{tiers}。缴费截止日为{policy.season.payment_deadline.zh()}。")
    lines.append("以上为估算，不含层高加价、低保减免等个别情况，实际以账单为准。")
    return "\n".join(lines)


def suspension_message(outcome: SuspensionOutcome, policy: Policy) -> str:
    rule = policy.suspension
    window = f"{rule.window_start.zh()}至{rule.window_end.zh()}"
    hotline = policy.company.hotline
    if outcome.outcome == "recorded":
        return (
            f"已为您提交{outcome.season_label}报停申请，受理编号 {outcome.reference}（待审核）。\n"
            f"请携带{'、'.join(rule.documents)}，通过{'、'.join(rule.channels)}完成确认。\n"
            f"报停期间需缴纳热能损耗补偿费，为面积热费的{percent(rule.fee_rate)}，按您家面积约 {yuan(outcome.fee_estimate)} 元。"
        )
    if outcome.outcome == "already_applied":
        return f"您已提交过{outcome.season_label}的报停申请，受理编号 {outcome.reference}，无需重复申请。"
    if outcome.outcome == "outside_window":
        opens, closes = outcome.window
        return (
            f"报停只能在每年{window}（采暖季开始前）办理，现在不在办理时间内，无法提交申请。"
            f"下一次可在{zh_date(opens)}至{zh_date(closes)}申请。"
            + ("未报停的空置房需全额缴费。" if rule.vacant_home_pays_full_fee else "")
        )
    reasons = {
        "no_per_household_system": "您家所在楼栋不是分户供热系统，无法单独停止供热，因此不能办理报停",
        "first_season": "新建楼栋首个采暖季不能办理报停",
        "too_few_seasons": f"报停需已完整供暖至少{rule.min_seasons}个采暖季",
    }
    if outcome.outcome in reasons:
        return f"抱歉，{reasons[outcome.outcome]}。如有疑问请拨打服务热线 {hotline}。"
    return f"抱歉，暂时无法办理报停，请拨打服务热线 {hotline}。"


def plan_message(outcome: PlanOutcome, policy: Policy) -> str:
    relief = policy.relief
    hotline = policy.company.hotline
    if outcome.outcome == "not_eligible":
        if outcome.kind == "installment":
            return (f"分期缴费适用于{'、'.join(relief.installment.eligible_groups)}家庭。"
                    f"因{'、'.join(relief.deferral.reasons)}等困难也可申请缓缴。如有其他困难请拨打 {hotline}。")
        return (f"缓缴适用于{'、'.join(relief.deferral.reasons)}等有证明材料的困难情况。"
                f"{'、'.join(relief.installment.eligible_groups)}家庭可申请分期。如有其他困难请拨打 {hotline}。")
    if outcome.outcome == "nothing_due":
        return "您本采暖季没有待缴金额，无需办理分期或缓缴。"
    if outcome.outcome == "already_applied":
        return f"您{outcome.season_label}已有分期/缓缴申请，编号 {outcome.reference}，无需重复申请。"
    if outcome.outcome == "too_late":
        return f"分期的最后一期须在{relief.installment.last_due.zh()}前缴清，现在已无法办理分期，请拨打 {hotline}。"
    if outcome.outcome != "recorded":
        return f"抱歉，暂时无法办理，请拨打服务热线 {hotline}。"
    if outcome.kind == "installment":
        lines = [f"已为您提交{outcome.season_label}分期缴费申请，编号 {outcome.reference}（待审核）。建议方案：共 {yuan(outcome.amount)} 元，"
                 f"分{len(outcome.schedule)}期："]
        lines += [f"  第{i}期：{zh_date(day)}前缴 {yuan(amount)} 元" for i, (day, amount) in enumerate(outcome.schedule, 1)]
        if relief.installment.late_fee_waived:
            lines.append("按期缴纳期间不收滞纳金。")
        if relief.installment.no_cutoff_for_dibao and outcome.reason == "低保":
            lines.append("低保家庭不会因欠费停热。")
    else:
        day, amount = outcome.schedule[-1]
        lines = [f"已为您提交{outcome.season_label}缓缴申请，编号 {outcome.reference}（待审核）。"
                 f"建议方案：{yuan(amount)} 元缓至{zh_date(day)}前缴纳（最长{relief.deferral.max_days}天）。"]
        if relief.deferral.late_fee_waived:
            lines.append("缓缴期间不收滞纳金。")
    if outcome.kind == "installment" and outcome.certificate_on_file:
        lines.append("系统中已有您的有效证明，工作人员审核后会与您联系。")
    else:
        lines.append("请携带身份证和相关证明材料到营业厅办理确认，审核通过后方案生效。")
    return "\n".join(lines)


def _time(moment: dt.datetime) -> str:
    return f"{moment.month}月{moment.day}日{moment:%H:%M}"


def ticket_message(ticket: TicketInfo, policy: Policy) -> str:
    service = policy.service
    return (
        f"已为您登记{ticket.category}工单，编号 {ticket.reference}。\n"
        f"我们将在{service.complaint_first_contact_minutes}分钟内（{_time(ticket.first_contact_due)}前）通过 {ticket.masked_contact} 与您联系，"
        f"{service.complaint_solution_hours}小时内（{_time(ticket.resolution_due)}前）给出解决方案。"
        "您可以随时说“查询工单”并提供编号查看进度。"
    )


def ticket_status_message(ticket: Optional[TicketInfo]) -> str:
    if ticket is None:
        return "没有找到这个工单编号，请核对后再试（编号以GD开头，例如GD20261126012345）。"
    return (
        f"工单 {ticket.reference}（{ticket.category}）：{ticket.status}。登记时间 {_time(ticket.created_at)}，"
        f"首次联系时限 {_time(ticket.first_contact_due)}，解决时限 {_time(ticket.resolution_due)}，联系电话 {ticket.masked_contact}。"
    )


def phone_change_message(outcome: PhoneChangeOutcome, policy: Policy) -> str:
    if outcome.outcome == "recorded":
        return (f"已提交登记手机号更正申请，新号码 {outcome.masked_new_phone}，编号 {outcome.reference}。"
                "工作人员核实后生效，生效前仍以原登记号码为准。")
    if outcome.outcome == "already_pending":
        return f"您已提交过更正为 {outcome.masked_new_phone} 的申请（编号 {outcome.reference}），正在等待工作人员核实。"
    if outcome.outcome == "same_as_registered":
        return f"{outcome.masked_new_phone} 就是当前登记的手机号，无需更正。"
    return f"抱歉，暂时无法提交更正，请拨打服务热线 {policy.company.hotline}。"
