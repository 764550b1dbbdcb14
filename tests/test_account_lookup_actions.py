"""The account lookup actions, run as the action server runs them, on a real demo database.

Expected amounts are worked out by hand from the policy for the demo scenarios (see bot/demo/scenarios.py).
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import account_lookup
from bot.db.models import Account, AuditEntry, Customer
from bot.db.session import make_engine, open_session
from bot.demo.generator import generate
from bot.settings import PROJECT_DIR
from tests.conftest import AS_OF

DOMAIN = yaml.safe_load(Path(PROJECT_DIR, "domain", "core.yml").read_text(encoding="utf-8"))
PARTLY_PAID = "3100000002"  # 102.30 m² × 24.00 = 2455.20; half (1227.60) paid on 11月18日
OVERDUE = "3100000003"  # 76.40 m² × 24.00 = 1833.60 unpaid last season and this one
MISSING_PHONE = "3100000018"


@pytest.fixture
def demo_engine(sqlite_engine, policy, monkeypatch):
    generate(sqlite_engine, policy, accounts=30, as_of=AS_OF)
    monkeypatch.setattr(account_lookup, "engine", lambda: sqlite_engine)
    monkeypatch.setenv("BOT_TODAY", AS_OF.isoformat())
    return sqlite_engine


def _phone(engine, account_no: str) -> str:
    with open_session(engine) as session:
        return session.execute(
            select(Customer.phone).join(Account, Account.customer_id == Customer.id).where(Account.account_no == account_no)
        ).scalar_one()


def _tracker(slots: dict, new_slots: dict | None = None, sender="test-conversation") -> Tracker:
    """A tracker in the middle of account_lookup_form, with `new_slots` just extracted from the user's message."""
    events = [{"event": "user", "text": "…", "parse_data": {"intent": {"name": "inform"}}, "input_channel": "rest"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    all_slots = {"verification_failures": 0.0, "lookup_locked": False, **slots, **(new_slots or {})}
    return Tracker(
        sender_id=sender,
        slots=all_slots,
        latest_message={"intent": {"name": "inform"}, "entities": [], "text": "…"},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "account_lookup_form"},
        latest_action_name="action_listen",
    )


def _run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, "\n".join(m.get("text") or "" for m in dispatcher.messages)


def _validate(slots: dict, new_slots: dict):
    return _run(account_lookup.ValidateAccountLookupForm(), _tracker(slots, new_slots))


def _audit(engine):
    with open_session(engine) as session:
        return session.execute(select(AuditEntry.action, AuditEntry.outcome, AuditEntry.channel)).all()


def test_known_account_number_is_accepted(demo_engine):
    slots, text = _validate({}, {"account_number": "我的户号是3100000002"})
    assert slots["account_number"] == PARTLY_PAID
    assert text == ""  # nothing about the account yet
    assert ("lookup_account", "ok", "rest") in _audit(demo_engine)


def test_malformed_account_number_is_asked_again_without_counting(demo_engine):
    slots, text = _validate({}, {"account_number": "12345"})
    assert slots["account_number"] is None
    assert "10位" in text
    assert "verification_failures" not in slots


def test_unknown_account_number_counts_as_a_failure(demo_engine):
    slots, text = _validate({}, {"account_number": "3199999999"})
    assert slots["account_number"] is None and slots["verification_failures"] == 1.0
    assert "没有找到" in text and "还可尝试2次" in text
    assert ("lookup_account", "not_found", "rest") in _audit(demo_engine)


def test_right_last4_verifies(demo_engine):
    last4 = _phone(demo_engine, PARTLY_PAID)[-4:]
    slots, text = _validate({"account_number": PARTLY_PAID}, {"phone_last4": f"后四位是{last4}"})
    assert slots["verified_account"] == PARTLY_PAID
    assert slots["phone_last4"] is None  # the digits are not kept
    assert ("verify_phone", "ok", "rest") in _audit(demo_engine)


def test_wrong_last4_reveals_nothing(demo_engine):
    last4 = _phone(demo_engine, PARTLY_PAID)[-4:]
    wrong = "0000" if last4 != "0000" else "1111"
    slots, text = _validate({"account_number": PARTLY_PAID}, {"phone_last4": wrong})
    assert "verified_account" not in slots and slots["verification_failures"] == 1.0
    assert "不一致" in text
    assert "2455" not in text and "1227" not in text and "幸福里" not in text
    assert ("verify_phone", "denied", "rest") in _audit(demo_engine)


def test_third_failure_locks_and_the_report_says_so(demo_engine):
    slots, text = _validate({"account_number": PARTLY_PAID, "verification_failures": 2.0}, {"phone_last4": "0000"})
    assert slots["lookup_locked"] is True and slots["requested_slot"] is None
    report_slots, report = _run(account_lookup.ActionReportBalance(), _tracker({"lookup_locked": True}))
    assert "暂停" in report and "96069" in report


def test_account_without_a_valid_phone_is_verified_by_name_only(demo_engine):
    slots, text = _validate({}, {"account_number": MISSING_PHONE})
    assert slots["account_number"] == MISSING_PHONE and slots["lookup_by"] == "name_only"
    assert "姓名" in text and "营业厅" in text  # and where to register a phone


def test_verified_caller_is_not_asked_again(demo_engine):
    form = account_lookup.ValidateAccountLookupForm()
    tracker = _tracker({"verified_account": PARTLY_PAID})
    required = asyncio.run(form.required_slots(["account_number", "phone_last4"], CollectingDispatcher(), tracker, DOMAIN))
    assert required == []


def test_report_partly_paid_balance(demo_engine):
    _, text = _run(account_lookup.ActionReportBalance(), _tracker({"verified_account": PARTLY_PAID}))
    assert "2026-2027采暖季" in text
    assert "应缴 2455.20 元，已缴 1227.60 元，尚欠 1227.60 元" in text
    assert "102.3 × 24 = 2455.20 元" in text
    assert "合计应缴：1227.60 元" in text
    assert "*" in text.splitlines()[0]  # holder's name masked
    assert ("read_balance", "ok", "rest") in _audit(demo_engine)


def test_report_arrears_with_late_fee(demo_engine):
    _, text = _run(account_lookup.ActionReportBalance(), _tracker({"verified_account": OVERDUE}))
    # Last season: 1833.60 unpaid since 1月1日: 330 days × 0.1 % × 1833.60 = 605.088 → 605.09.
    assert "2025-2026采暖季：已逾期" in text
    assert "605.09" in text and "逾期330天" in text
    # This season: 1833.60, not yet due. Total 1833.60 + 605.09 + 1833.60.
    assert "合计应缴：4272.29 元" in text


def test_database_failure_gives_an_apology_and_a_way_to_a_person(demo_engine, monkeypatch, tmp_path):
    broken = make_engine(f"sqlite:///{tmp_path}/no/such/dir/billing.db")
    monkeypatch.setattr(account_lookup, "engine", lambda: broken)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        account_lookup.ActionReportBalance().run(dispatcher, _tracker({"verified_account": PARTLY_PAID}), DOMAIN)
    )
    assert events == []
    message = dispatcher.messages[0]
    assert "抱歉" in message["text"] and "96069" in message["text"]
    assert message["buttons"][0]["payload"] == "/request_human"
    assert "Traceback" not in message["text"]


def test_slow_database_times_out(demo_engine, monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "0.2")
    monkeypatch.setattr(account_lookup.accounts, "balance", lambda *args: time.sleep(1))
    dispatcher = CollectingDispatcher()

    async def timed_run() -> float:
        started = time.monotonic()
        await account_lookup.ActionReportBalance().run(dispatcher, _tracker({"verified_account": PARTLY_PAID}), DOMAIN)
        return time.monotonic() - started

    assert asyncio.run(timed_run()) < 0.9  # the action gave up; the stuck call was left to its thread
    assert "抱歉" in dispatcher.messages[0]["text"]
