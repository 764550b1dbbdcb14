"""Human handoff: the record and summary, its life cycle, and staff sign-in."""
from __future__ import annotations

import json
import time

import jwt
import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, Handoff
from bot.db.session import open_session
from bot.services import handoff
from bot.services.staff_auth import StaffAuth, hash_password, verify_password


def _user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def _bot(text):
    return {"event": "bot", "text": text}


def _facts(events, slots=None, conversation_id="conv-1", channel="socketio", **kwargs):
    return handoff.ConversationFacts(conversation_id, channel, events, slots or {}, **kwargs)


def test_summary_masks_and_keeps_what_the_agent_needs():
    events = [_user("我家还欠多少钱", "check_balance"), _bot("请告诉我您的户号"), _user("3100000002", "inform"),
              _bot("请输入手机号后4位"), _user("5678", "inform"), _user("转人工", "request_human")]
    slots = {"verified_account": "3100000002", "phone_last4": "5678", "requested_slot": "phone_last4",
             "account_number": None, "lookup_locked": False}
    summary = handoff.build_summary(_facts(events, slots, active_loop="account_lookup_form",
                                           caller_number="13812345678"), "requested")
    assert summary["verified_account"] == "31******02"
    assert summary["caller"] == "138****5678"
    assert summary["intents"] == ["check_balance", "inform", "request_human"]
    assert summary["open_request"] == "account_lookup_form"
    assert "phone_last4" not in summary["slots"] and summary["slots"]["verified_account"] == "31******02"
    assert summary["last_turns"][0] == {"who": "客户", "text": "我家还欠多少钱"}
    assert "5678" not in json.dumps(summary["slots"])


@pytest.mark.parametrize(
    "intents, reason, urgency",
    [
        (["greet", "request_human"], "requested", "normal"),
        (["nlu_fallback", "nlu_fallback", "request_human"], "misunderstood", "normal"),
        (["nlu_fallback", "greet", "request_human"], "requested", "normal"),
        (["file_complaint", "request_human"], "complaint", "high"),
    ],
)
def test_reason_and_urgency(intents, reason, urgency):
    assert handoff.classify(_facts([_user("…", i) for i in intents])) == (reason, urgency)


def test_life_cycle_and_audit(engine):
    facts = _facts([_user("转人工", "request_human")])
    opened = handoff.open_handoff(engine, facts)
    assert opened.status == "waiting" and opened.reference.startswith("RG")
    # Asking again while it is open does not queue the customer twice.
    assert handoff.open_handoff(engine, facts).id == opened.id
    assert [h.id for h in handoff.list_handoffs(engine)] == [opened.id]

    claimed = handoff.claim(engine, opened.id, "alice")
    assert (claimed.status, claimed.claimed_by) == ("active", "alice")
    with pytest.raises(handoff.HandoffError, match="handled by alice"):
        handoff.claim(engine, opened.id, "bob")
    closed = handoff.close(engine, opened.id, "alice")
    assert closed.status == "closed" and handoff.list_handoffs(engine) == []
    with pytest.raises(handoff.HandoffError):
        handoff.close(engine, opened.id, "alice")
    # A new request after the close opens a new handoff.
    assert handoff.open_handoff(engine, facts).id != opened.id
    with open_session(engine) as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.conversation_id == "conv-1")).scalars().all()
        assert actions[:3] == ["handoff_opened", "handoff_claimed", "handoff_closed"]
        assert session.execute(select(Handoff.summary)).scalars().first().startswith("{")


def test_urgent_first(engine):
    normal = handoff.open_handoff(engine, _facts([_user("转人工", "request_human")], conversation_id="a"))
    urgent = handoff.open_handoff(engine, _facts([_user("投诉", "file_complaint")], conversation_id="b"))
    assert [h.id for h in handoff.list_handoffs(engine)] == [urgent.id, normal.id]


def test_password_hashing():
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("wrong", stored)
    assert not verify_password("correct horse", "garbage")
    assert hash_password("same") != hash_password("same")  # salted


def test_sign_in_and_tokens():
    auth = StaffAuth(users={"alice": hash_password("pa55word!")}, secret="s" * 32, api_token="cc-token")
    assert auth.login("alice", "nope") is None and auth.login("mallory", "pa55word!") is None
    token = auth.login("alice", "pa55word!")
    assert auth.agent_for(token) == "alice"
    assert auth.agent_for("cc-token") == "api"
    assert auth.agent_for(None) is None and auth.agent_for("junk") is None
    forged = jwt.encode({"sub": "alice", "exp": int(time.time()) + 60}, "another-secret-of-thirty-two-bytes", algorithm="HS256")
    assert auth.agent_for(forged) is None
    expired = jwt.encode({"sub": "alice", "exp": int(time.time()) - 1}, "s" * 32, algorithm="HS256")
    assert auth.agent_for(expired) is None
    removed = jwt.encode({"sub": "bob", "exp": int(time.time()) + 60}, "s" * 32, algorithm="HS256")
    assert auth.agent_for(removed) is None  # a signed token for someone no longer in STAFF_USERS


def test_users_from_environment(monkeypatch):
    monkeypatch.setenv("STAFF_USERS", f"alice:{hash_password('x' * 8)}, bob:{hash_password('y' * 8)}")
    monkeypatch.setenv("STAFF_SECRET", "k" * 32)
    auth = StaffAuth.from_env()
    assert set(auth.users) == {"alice", "bob"} and auth.secret == "k" * 32 and auth.api_token is None


def test_action_opens_a_handoff_and_pauses(sqlite_engine, monkeypatch):
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import handoff as handoff_action

    monkeypatch.setattr(handoff_action, "engine", lambda: sqlite_engine)
    events = [
        {"event": "user", "text": "嗯那个", "parse_data": {"intent": {"name": "nlu_fallback"}}, "input_channel": "wechat"},
        {"event": "bot", "text": "抱歉，我没能理解"},
        {"event": "user", "text": "啊这个", "parse_data": {"intent": {"name": "nlu_fallback"}}, "input_channel": "wechat"},
        {"event": "user", "text": "转人工", "parse_data": {"intent": {"name": "request_human"}}, "input_channel": "wechat"},
    ]
    tracker = Tracker("openid-123", {"verified_account": None}, {"intent": {"name": "request_human"}, "metadata": {}},
                      events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(handoff_action.ActionHandoff().run(dispatcher, tracker, {}))
    assert result == [{"event": "pause", "timestamp": None}]
    (item,) = handoff.list_handoffs(sqlite_engine)
    assert (item.channel, item.reason, item.conversation_id) == ("wechat", "misunderstood", "openid-123")
    assert item.reference in dispatcher.messages[0]["text"] and "96069" in dispatcher.messages[0]["text"]


def test_action_without_database_apologises_and_does_not_pause(tmp_path, monkeypatch):
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import handoff as handoff_action
    from bot.db.session import make_engine

    monkeypatch.setattr(handoff_action, "engine", lambda: make_engine(f"sqlite:///{tmp_path}/missing/x.db"))
    tracker = Tracker("c", {}, {"intent": {"name": "request_human"}}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    assert asyncio.run(handoff_action.ActionHandoff().run(dispatcher, tracker, {})) == []
    assert "96069" in dispatcher.messages[0]["text"]
