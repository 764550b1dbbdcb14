"""On the phone, the calling number pre-selects the caller's homes; verification is still required."""
from __future__ import annotations

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import account_lookup
from bot.demo.generator import account_no_for
from bot.demo.scenarios import NAMED_SCENARIOS
from tests.test_account_lookup_actions import DOMAIN, _phone, _validate, demo_engine  # noqa: F401 (fixture)

HOME_A = account_no_for(next(i for i, s in enumerate(NAMED_SCENARIOS) if s.code == "two_accounts_a"))
HOME_B = account_no_for(next(i for i, s in enumerate(NAMED_SCENARIOS) if s.code == "two_accounts_b"))


def _ask(caller: str | None, slots: dict | None = None):
    metadata = {"caller_number": caller} if caller else {}
    tracker = Tracker("ivr-call-1", {"caller_accounts_offered": False, **(slots or {})},
                      {"intent": {"name": "check_balance"}, "metadata": metadata, "text": "查欠费"},
                      [], False, None, {"name": "account_lookup_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(account_lookup.ActionAskAccountNumber().run(dispatcher, tracker, DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def test_calling_number_offers_the_registered_homes(demo_engine):  # noqa: F811
    slots, messages = _ask(_phone(demo_engine, HOME_A))
    assert slots == {"caller_accounts_offered": True, "account_candidates": [HOME_A, HOME_B], "lookup_by": "phone"}
    (message,) = messages
    assert [b["payload"] for b in message["buttons"]] == ["1", "2"]
    assert HOME_A not in str(message) and HOME_B not in str(message)  # choices, never the numbers themselves

    # Choosing "2" selects the second home; verification then needs the holder's name, not the phone digits
    # (the calling number itself proves nothing).
    chosen, _ = _validate({"account_candidates": slots["account_candidates"], "lookup_by": "phone"}, {"account_number": "2"})
    assert chosen["account_number"] == HOME_B
    last4 = _phone(demo_engine, HOME_A)[-4:]
    result, text = _validate({"account_number": HOME_B, "lookup_by": "phone"}, {"phone_last4": last4})
    assert "verified_account" not in result and "姓名" in text


def test_unknown_or_missing_calling_number_asks_as_usual(demo_engine):  # noqa: F811
    slots, messages = _ask("13900000000")
    assert slots == {"caller_accounts_offered": True} and messages[0]["response"] == "utter_ask_account_number"
    slots, messages = _ask(None)
    assert slots == {} and messages[0]["response"] == "utter_ask_account_number"


def test_offered_only_once(demo_engine):  # noqa: F811
    slots, messages = _ask(_phone(demo_engine, HOME_A), {"caller_accounts_offered": True})
    assert "account_candidates" not in slots and messages[0]["response"] == "utter_ask_account_number"
