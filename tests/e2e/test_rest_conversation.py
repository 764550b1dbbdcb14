"""Whole conversations through Rasa's REST channel, with the real action server and database."""
from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import select

from bot.db.models import Account, AuditEntry, Customer
from bot.db.session import make_engine, open_session

pytestmark = pytest.mark.e2e


def _say(servers, sender: str, text: str) -> str:
    response = requests.post(
        f"{servers['rasa']}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
    )
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def _phone_of(database_url: str, account_no: str) -> str:
    with open_session(make_engine(database_url)) as session:
        return session.execute(
            select(Customer.phone).join(Account, Account.customer_id == Customer.id).where(Account.account_no == account_no)
        ).scalar_one()


def test_policy_question_is_answered_with_its_source(servers):
    reply = _say(servers, uuid.uuid4().hex, "为什么暖气费要按面积收")
    assert "面积" in reply and "《" in reply


def test_balance_lookup_with_verification(servers, e2e_database):
    sender = uuid.uuid4().hex
    assert "户号" in _say(servers, sender, "我家还欠多少钱")
    assert "后4位" in _say(servers, sender, "3100000002")
    reply = _say(servers, sender, _phone_of(e2e_database, "3100000002")[-4:])
    # partly_paid scenario: 102.30 m² × 24.00 = 2455.20, half (1227.60) paid on 11月18日, before the deadline.
    assert "1227.60" in reply, reply
    with open_session(make_engine(e2e_database)) as session:
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.conversation_id == sender)).scalars().all()
    assert {"lookup_account", "verify_phone", "read_balance"} <= set(actions)


def test_wrong_digits_reveal_nothing_and_lock_after_three(servers, e2e_database):
    sender = uuid.uuid4().hex
    right = _phone_of(e2e_database, "3100000002")[-4:]
    wrong = "0000" if right != "0000" else "1111"
    _say(servers, sender, "查询欠费")
    _say(servers, sender, "3100000002")
    replies = [_say(servers, sender, wrong) for _ in range(3)]
    assert "不一致" in replies[0] and "不一致" in replies[1]
    assert "暂停" in replies[2]
    for reply in replies:
        assert "2455" not in reply and "1227" not in reply and "幸福里" not in reply
    # Locked for the rest of the conversation, even with the right digits.
    assert "暂停" in _say(servers, sender, "我家还欠多少钱")


def test_unknown_account_number(servers):
    sender = uuid.uuid4().hex
    _say(servers, sender, "查询欠费")
    assert "没有找到" in _say(servers, sender, "3199999999")
