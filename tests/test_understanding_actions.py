"""The understanding layer's actions (actions/understanding.py), run as the action server runs them."""
from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import understanding as act
from bot.settings import PROJECT_DIR

RESPONSES: dict = {}
for _path in Path(PROJECT_DIR, "domain").glob("*.yml"):
    RESPONSES.update(yaml.safe_load(_path.read_text(encoding="utf-8")).get("responses") or {})
DOMAIN = {"responses": RESPONSES}


def _tracker(latest: dict, active_loop: str | None = None, slots: dict | None = None) -> Tracker:
    return Tracker("c1", slots or {}, latest, [], False, None, {"name": active_loop} if active_loop else {}, "action_listen")


def _run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages, events


def test_two_policy_questions_are_answered_in_order():
    latest = {"intent": {"name": "multi_question"}, "clauses": [
        {"text": "滞纳金怎么收", "label": "faq/late_fee_rate"}, {"text": "报停要交多少钱", "label": "faq/suspension_fee"}]}
    messages, events = _run(act.ActionAnswerClauses(), _tracker(latest))
    assert [m["response"] for m in messages] == ["utter_faq/late_fee_rate", "utter_faq/suspension_fee"]
    assert events == []


def test_a_request_among_the_questions_is_started_after_the_answers():
    latest = {"intent": {"name": "multi_question"}, "clauses": [
        {"text": "滞纳金怎么收的", "label": "faq/late_fee_rate"}, {"text": "帮我查下我家欠多少", "label": "check_balance"}]}
    messages, events = _run(act.ActionAnswerClauses(), _tracker(latest))
    assert [m["response"] for m in messages] == ["utter_faq/late_fee_rate"]
    assert events == [{"event": "followup", "name": "account_lookup_form", "timestamp": None}]


def test_inside_a_form_the_request_is_offered_not_started():
    latest = {"intent": {"name": "multi_question"}, "clauses": [
        {"text": "滞纳金怎么收的", "label": "faq/late_fee_rate"}, {"text": "我要报停", "label": "apply_suspension"}]}
    messages, events = _run(act.ActionAnswerClauses(), _tracker(latest, "account_lookup_form"))
    assert events == [] and messages[-1]["buttons"] == [{"title": "办理报停", "payload": "/apply_suspension"}]


def test_a_bare_phone_number_is_kept_for_the_lookup_and_the_customer_is_asked_what_for():
    latest = {"intent": {"name": "inform"}, "understanding": {"values": {"phone_number": "13800001111"}}}
    messages, events = _run(act.ActionAskWhatFor(), _tracker(latest))
    assert "请问您想办理什么" in messages[0]["text"]
    assert {"title": "查询欠费", "payload": "/check_balance"} in messages[0]["buttons"]
    assert {"event": "slot", "name": "account_number", "value": "13800001111", "timestamp": None} in events


def test_switching_task_says_what_was_dropped_and_keeps_who_the_caller_is():
    latest = {"intent": {"name": "apply_suspension"}}
    messages, events = _run(act.ActionSwitchTask(), _tracker(latest, "account_lookup_form", {"account_number": "3100000001"}))
    assert messages[0]["text"] == "好的，先不查询欠费了，现在为您办理报停。"
    reset = {e["name"] for e in events if e.get("event") == "slot"}
    assert "phone_last4" in reset and "account_number" not in reset and "verified_account" not in reset
    assert {"event": "active_loop", "name": None, "timestamp": None} in events


def test_another_utility_gets_who_to_call():
    latest = {"intent": {"name": "out_of_scope"}, "understanding": {"canonical": "家里停电了找谁"}}
    messages, _ = _run(act.ActionOutOfScope(), _tracker(latest))
    assert "95598" in messages[0]["text"]
    messages, _ = _run(act.ActionOutOfScope(), _tracker({"intent": {"name": "out_of_scope"}, "text": "讲个笑话"}))
    assert messages[0]["response"] == "utter_out_of_scope"
