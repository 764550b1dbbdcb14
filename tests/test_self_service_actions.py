"""The self-service actions and form validations, run as the action server runs them, on a real demo database
(SQLite). Expected amounts are worked out by hand in tests/test_services_self_service.py; here the dialogue side:
what is asked again, what is masked, which slots are set, and that every access is audited."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import account_lookup, applications, common, estimate, runtime, statements, tickets
from bot.db import models as m
from bot.db.session import open_session
from bot.demo.generator import generate
from bot.settings import PROJECT_DIR
from tests.conftest import AS_OF

DOMAIN: dict = {"slots": {}, "forms": {}}
for _file in ("core.yml", "self_service.yml"):
    _part = yaml.safe_load(Path(PROJECT_DIR, "domain", _file).read_text(encoding="utf-8"))
    DOMAIN["slots"].update(_part.get("slots", {}))
    DOMAIN["forms"].update(_part.get("forms", {}))

PAID_IN_FULL = "3100000001"
PARTLY_PAID = "3100000002"
OVERDUE = "3100000003"
ROSE_80 = "3100000015"
MISSING_PHONE = "3100000018"
SHARED_A, SHARED_B, DUPLICATED = "3100000020", "3100000021", "3100000022"


@pytest.fixture
def demo_engine(sqlite_engine, policy, monkeypatch):
    generate(sqlite_engine, policy, accounts=30, as_of=AS_OF)
    monkeypatch.setattr(runtime, "get_engine", lambda: sqlite_engine)
    monkeypatch.setenv("BOT_TODAY", AS_OF.isoformat())
    return sqlite_engine


def _customer(engine, account_no):
    with open_session(engine) as session:
        return session.execute(
            select(m.Customer).join(m.Account, m.Account.customer_id == m.Customer.id).where(m.Account.account_no == account_no)
        ).scalar_one()


def _audit(engine):
    with open_session(engine) as session:
        return session.execute(select(m.AuditEntry.action, m.AuditEntry.outcome)).all()


def _tracker(form: str | None, slots: dict, new_slots: dict | None = None, intent="inform", text="…") -> Tracker:
    events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}, "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    all_slots = {"verification_failures": 0.0, "lookup_locked": False, **slots, **(new_slots or {})}
    return Tracker(
        sender_id="conv-ss",
        slots=all_slots,
        latest_message={"intent": {"name": intent}, "entities": [], "text": text},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name="action_listen",
    )


def _run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, "\n".join(m.get("text") or "" for m in dispatcher.messages), dispatcher.messages


def _validate(action, form, slots, new_slots, **kwargs):
    return _run(action, _tracker(form, slots, new_slots, **kwargs))


# ------------------------------------------------------------------------------------------ finding and verifying
LOOKUP = (account_lookup.ValidateAccountLookupForm(), "account_lookup_form")


def test_phone_with_two_homes_offers_masked_buttons_then_a_choice(demo_engine):
    phone = _customer(demo_engine, SHARED_A).phone
    slots, text, messages = _validate(*LOOKUP, {}, {"account_number": f"我手机号是{phone}"})
    assert slots["account_number"] is None and slots["account_candidates"] == [SHARED_A, SHARED_B]
    assert slots["lookup_by"] == "phone"
    buttons = messages[-1]["buttons"]
    assert [b["payload"] for b in buttons] == ["1", "2"]
    assert "3100000020" not in str(messages) and phone not in str(messages)  # neither 户号 nor phone shown
    slots, _, _ = _validate(*LOOKUP, {"account_candidates": [SHARED_A, SHARED_B], "lookup_by": "phone"},
                            {"account_number": "第2个"})
    assert slots["account_number"] == SHARED_B and slots["account_candidates"] is None


def test_found_by_phone_must_verify_by_name_not_digits(demo_engine):
    phone = _customer(demo_engine, PARTLY_PAID).phone
    slots, _, _ = _validate(*LOOKUP, {}, {"account_number": phone})
    assert slots["account_number"] == PARTLY_PAID and slots["lookup_by"] == "phone"
    state = {"account_number": PARTLY_PAID, "lookup_by": "phone"}
    slots, text, _ = _validate(*LOOKUP, state, {"phone_last4": phone[-4:]})
    assert "verified_account" not in slots and "姓名" in text and "verification_failures" not in slots
    name = _customer(demo_engine, PARTLY_PAID).name
    slots, _, _ = _validate(*LOOKUP, state, {"phone_last4": f"户主是{name}"})
    assert slots["verified_account"] == PARTLY_PAID and slots["phone_last4"] is None


def test_duplicated_address_offers_a_choice_or_a_person(demo_engine):
    slots, text, messages = _validate(*LOOKUP, {}, {"account_number": "幸福里1号楼1单元601"})
    assert slots["account_candidates"] == [SHARED_B, DUPLICATED] and "多个户号" in text
    buttons = messages[-1]["buttons"]
    assert buttons[-1]["payload"] == "/request_human"
    assert all("*" in b["title"] for b in buttons[:-1])
    name = _customer(demo_engine, SHARED_B).name
    assert name not in str(messages)
    assert ("lookup_by_address", "ok") in _audit(demo_engine)


def test_unknown_address_counts_as_a_failure(demo_engine):
    slots, text, _ = _validate(*LOOKUP, {}, {"account_number": "幸福里9号楼9单元909"})
    assert slots["verification_failures"] == 1.0 and "没有找到" in text


def test_gibberish_is_asked_again_without_counting(demo_engine):
    slots, text, _ = _validate(*LOOKUP, {}, {"account_number": "不记得了"})
    assert slots["account_number"] is None and "verification_failures" not in slots and "地址" in text


def test_wrong_name_counts_and_the_third_failure_locks_and_is_audited(demo_engine):
    state = {"account_number": PARTLY_PAID, "lookup_by": "account_no"}
    slots, text, _ = _validate(*LOOKUP, state, {"phone_last4": "李四"})
    assert slots["verification_failures"] == 1.0 and "户主姓名与登记信息不一致" in text
    slots, _, _ = _validate(*LOOKUP, {**state, "verification_failures": 2.0}, {"phone_last4": "李四"})
    assert slots["lookup_locked"] is True and slots["requested_slot"] is None
    assert ("verification_locked", "denied") in _audit(demo_engine)


def test_account_without_phone_is_verified_by_name(demo_engine):
    slots, text, _ = _validate(*LOOKUP, {}, {"account_number": MISSING_PHONE})
    assert slots["account_number"] == MISSING_PHONE and slots["lookup_by"] == "name_only" and "姓名" in text
    name = _customer(demo_engine, MISSING_PHONE).name
    slots, _, _ = _validate(*LOOKUP, {"account_number": MISSING_PHONE, "lookup_by": "name_only"}, {"phone_last4": name})
    assert slots["verified_account"] == MISSING_PHONE


def test_verified_caller_skips_verification_in_every_form(demo_engine):
    form = applications.ValidatePhoneChangeForm()
    tracker = _tracker("phone_change_form", {"verified_account": PARTLY_PAID})
    required = asyncio.run(form.required_slots(["account_number", "phone_last4", "new_phone"], CollectingDispatcher(), tracker, DOMAIN))
    assert required == ["new_phone"]
    other = _tracker("phone_change_form", {"verified_account": PARTLY_PAID, "account_number": OVERDUE})
    slots = ["account_number", "phone_last4", "new_phone"]
    assert asyncio.run(form.required_slots(slots, CollectingDispatcher(), other, DOMAIN)) == slots  # another 户号
    locked = _tracker("phone_change_form", {"lookup_locked": True})
    assert asyncio.run(form.required_slots(["account_number", "phone_last4", "new_phone"], CollectingDispatcher(), locked, DOMAIN)) == []


# ------------------------------------------------------------------------------------------ reads
def test_payment_history_action(demo_engine):
    slots, text, _ = _run(statements.ActionPaymentHistory(), _tracker(None, {"verified_account": PARTLY_PAID}))
    assert "近3个采暖季" in text and "2026-2027采暖季：应缴 2455.20 元，已缴 1227.60 元" in text
    assert slots == {"account_number": None, "lookup_by": None}
    assert ("read_payment_history", "ok") in _audit(demo_engine)


def test_locked_conversation_gets_no_data(demo_engine):
    for action in (statements.ActionPaymentHistory(), statements.ActionExplainBillChange(),
                   applications.ActionApplySuspension(), account_lookup.ActionReportBalance()):
        _, text, _ = _run(action, _tracker(None, {"lookup_locked": True, "verified_account": None}))
        assert "暂停" in text
    assert _audit(demo_engine) == []


def test_bill_change_action(demo_engine):
    _, text, _ = _run(statements.ActionExplainBillChange(), _tracker(None, {"verified_account": ROSE_80}))
    assert "本季比上季多 200.00 元" in text and "+200.00 元" in text


def test_late_fee_form_takes_the_date_from_the_request_and_validates_it(demo_engine):
    form = statements.ValidateLateFeeForm()
    slots, _, _ = _run(form, _tracker("late_fee_form", {"verified_account": OVERDUE}, intent="ask_late_fee_on_date",
                                      text="如果我1月31日交要交多少滞纳金"))
    assert slots["pay_date"] == "2027-01-31"
    slots, text, _ = _validate(form, "late_fee_form", {"verified_account": OVERDUE}, {"pay_date": "过几天吧"})
    assert slots["pay_date"] is None and "没能识别" in text
    slots, _, _ = _validate(form, "late_fee_form", {"verified_account": OVERDUE}, {"pay_date": "下个月5号"})
    assert slots["pay_date"] == "2026-12-05"


def test_late_fee_action(demo_engine):
    slots, text, _ = _run(statements.ActionQuoteLateFee(),
                          _tracker(None, {"verified_account": OVERDUE, "pay_date": "2027-01-31"}))
    assert "合计需缴 4450.15 元，其中滞纳金 782.95 元" in text
    assert slots["pay_date"] is None
    assert ("read_late_fee_quote", "ok") in _audit(demo_engine)


# ------------------------------------------------------------------------------------------ estimate
def test_estimate_form_and_action(demo_engine):
    form = estimate.ValidateEstimateForm()
    slots, _, _ = _run(form, _tracker("estimate_form", {}, intent="ask_estimate", text="100平米的住宅要交多少暖气费"))
    assert slots["area_m2"] == "100" and slots["use_type"] == "residential"
    slots, text, _ = _validate(form, "estimate_form", {}, {"area_m2": "挺大的"})
    assert slots["area_m2"] is None and "平方米" in text
    slots, _, _ = _validate(form, "estimate_form", {}, {"use_type": "商铺"})
    assert slots["use_type"] == "non_residential"
    slots, _, _ = _validate(form, "estimate_form", {}, {"pay_date": "不确定"})
    assert slots["pay_date"] == "none"
    _, text, _ = _run(estimate.ActionGiveEstimate(),
                      _tracker(None, {"area_m2": "100", "use_type": "residential", "pay_date": "2027-01-31"}))
    # 100 × 24 = 2400.00; 31 days late × 0.1 % = 74.40 → 2474.40.
    assert "100 m² × 24 元/m² = 2400.00 元" in text and "2474.40" in text
    assert _audit(demo_engine) == []  # no account, nothing to audit


# ------------------------------------------------------------------------------------------ requests
def test_suspension_action_outside_the_window(demo_engine):
    _, text, _ = _run(applications.ActionApplySuspension(), _tracker(None, {"verified_account": PAID_IN_FULL}))
    assert "不在办理时间内" in text
    assert ("apply_suspension", "denied") in _audit(demo_engine)


def test_suspension_action_in_the_window(demo_engine, monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2027-05-10")
    _, text, _ = _run(applications.ActionApplySuspension(), _tracker(None, {"verified_account": PAID_IN_FULL}))
    assert "受理编号 BT20270510" in text and "429.60" in text


def test_payment_plan_form_and_action(demo_engine):
    form = applications.ValidatePaymentPlanForm()
    slots, _, _ = _run(form, _tracker("payment_plan_form", {"verified_account": PARTLY_PAID},
                                      intent="request_payment_plan", text="我是低保户想申请分期缴费"))
    assert slots["plan_kind"] == "installment"
    slots, _, _ = _validate(form, "payment_plan_form", {"verified_account": PARTLY_PAID}, {"hardship_reason": "家里低保"})
    assert slots["hardship_reason"] == "低保"
    _, ask, messages = _run(applications.ActionAskHardshipReason(), _tracker("payment_plan_form", {"plan_kind": "deferral"}))
    assert [b["title"] for b in messages[0]["buttons"]] == ["重大疾病", "失业"]
    slots, text, _ = _run(applications.ActionRequestPaymentPlan(), _tracker(
        None, {"verified_account": PARTLY_PAID, "plan_kind": "installment", "hardship_reason": "低保"}))
    assert "分3期" in text and "409.20" in text and slots["plan_kind"] is None
    with open_session(demo_engine) as session:
        assert session.execute(select(m.PaymentPlan.status).where(m.PaymentPlan.reason == "低保",
                                                                  m.PaymentPlan.kind == "installment",
                                                                  m.PaymentPlan.status == "pending")).scalar_one()


def test_ticket_form_action_and_status(demo_engine):
    form = tickets.ValidateTicketForm()
    slots, _, _ = _run(form, _tracker("ticket_form", {}, intent="file_ticket", text="家里暖气漏水了"))
    assert slots["ticket_category"] == "repair"
    slots, text, _ = _validate(form, "ticket_form", {}, {"ticket_description": "冷"})
    assert slots["ticket_description"] is None and "简短" in text
    slots, _, _ = _validate(form, "ticket_form", {}, {"contact_phone": "电话010-12345678"})
    assert slots["contact_phone"] == "01012345678"
    slots, text, _ = _run(tickets.ActionOpenTicket(), _tracker(None, {
        "ticket_category": "repair", "ticket_description": "厨房暖气片漏水", "contact_phone": "13800001111"}))
    reference = slots["ticket_reference"]
    assert reference.startswith("GD") and "30分钟内" in text and "24小时内" in text and "138****1111" in text
    status_form = tickets.ValidateTicketStatusForm()
    slots, _, _ = _run(status_form, _tracker("ticket_status_form", {}, intent="check_ticket_status",
                                             text=f"查询工单{reference.lower()}"))
    assert slots["ticket_reference"] == reference
    _, text, _ = _run(tickets.ActionTicketStatus(), _tracker(None, {"ticket_reference": reference}))
    assert "已受理" in text and "报修" in text
    _, text, _ = _run(tickets.ActionTicketStatus(), _tracker(None, {"ticket_reference": "GD20000101000000"}))
    assert "没有找到" in text


def test_phone_change_form_and_action(demo_engine):
    form = applications.ValidatePhoneChangeForm()
    slots, text, _ = _validate(form, "phone_change_form", {"verified_account": PARTLY_PAID}, {"new_phone": "1380000"})
    assert slots["new_phone"] is None and "11位" in text
    slots, text, _ = _run(applications.ActionRequestPhoneChange(),
                          _tracker(None, {"verified_account": PARTLY_PAID, "new_phone": "13800001111"}))
    assert "138****1111" in text and "13800001111" not in text and slots["new_phone"] is None
    assert ("request_phone_change", "ok") in _audit(demo_engine)


def test_cancel_forgets_what_the_form_collected_but_not_the_verification(demo_engine):
    slots, _, _ = _run(common.ActionCancelForm(), _tracker("late_fee_form", {"verified_account": PARTLY_PAID}))
    assert slots["pay_date"] is None and slots["account_candidates"] is None
    assert "verified_account" not in slots


def test_database_failure_apologises_in_every_action(demo_engine, monkeypatch, tmp_path):
    from bot.db.session import make_engine

    broken = make_engine(f"sqlite:///{tmp_path}/no/such/dir/billing.db")
    monkeypatch.setattr(runtime, "get_engine", lambda: broken)
    verified = {"verified_account": PARTLY_PAID, "pay_date": "2027-01-31", "plan_kind": "installment",
                "hardship_reason": "低保", "new_phone": "13800001111", "ticket_reference": "GD20000101000000",
                "ticket_category": "repair", "ticket_description": "漏水漏水", "contact_phone": "13800001111"}
    for action in (statements.ActionPaymentHistory(), statements.ActionExplainBillChange(), statements.ActionQuoteLateFee(),
                   applications.ActionApplySuspension(), applications.ActionRequestPaymentPlan(),
                   applications.ActionRequestPhoneChange(), tickets.ActionOpenTicket(), tickets.ActionTicketStatus()):
        _, text, messages = _run(action, _tracker(None, verified))
        assert "抱歉" in text and messages[-1]["buttons"][0]["payload"] == "/request_human", action.name()
