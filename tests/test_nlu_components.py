"""The understanding component (first in the pipeline) and the router (last), run without a trained model: the
classifiers' output is written into the messages by hand, as DIET and the ResponseSelector would."""
from __future__ import annotations

import inspect

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.router import CLAUSES_KEY, ROUTED_KEY, Router
from bot.nlu.understanding import CLAUSE_KEY, UNDERSTANDING_KEY, TextUnderstanding


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setenv("BOT_TODAY", "2026-11-26")


def classify(message: Message, intent: str, topic: str | None = None, confidence: float = 0.9) -> None:
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    if topic:
        message.set("response_selector", {"faq": {"response": {"intent_response_key": f"faq/{topic}"}, "ranking": [
            {"intent_response_key": f"faq/{topic}", "confidence": confidence}]}})


def test_rasa_takes_the_first_message_of_the_batch():
    """The clause messages ride after the real one; Rasa 3.6 reads only the first. If an upgrade changes that,
    this fails and bot/nlu/understanding.py must be revisited."""
    from rasa.core.processor import MessageProcessor

    assert "parsed_messages[0]" in inspect.getsource(MessageProcessor._parse_message_with_graph)


def test_text_values_and_clauses():
    message = Message(data={"text": "户号三一零零零零零零一七 下个月8号交滞纳金多少"})
    batch = TextUnderstanding().process([message])
    assert batch == [message]  # one question: no clause messages
    assert message.get("text") == "户号ACCTDATE交滞纳金多少"
    entities = {e["entity"]: e["value"] for e in message.get("entities")}
    assert entities == {"account_number": "3100000017", "pay_date": "2026-12-08"}
    assert message.get(UNDERSTANDING_KEY)["canonical"] == "户号3100000017下个月8号交滞纳金多少"


def test_training_examples_are_delexicalised_the_same_way():
    data = TrainingData([Message(data={"text": "我家房子九十平 去年交了两千一", "intent": "ask_bill_change"})])
    TextUnderstanding().process_training_data(data)
    assert data.training_examples[0].get("text") == "我家房子NUM平去年交了NUM"


def test_two_questions_become_multi_question_with_each_answer_in_order():
    message = Message(data={"text": "滞纳金怎么收？另外报停要交多少钱"})
    batch = TextUnderstanding().process([message])
    assert len(batch) == 3 and [m.get(CLAUSE_KEY) for m in batch[1:]] == [0, 1]
    classify(batch[0], "faq", "late_fee_rate")
    classify(batch[1], "faq", "late_fee_rate")
    classify(batch[2], "faq", "suspension_fee")
    out = Router({}).process(batch)
    assert out == [message]
    assert message.get("intent")["name"] == "multi_question"
    assert [c["label"] for c in message.get(CLAUSES_KEY)] == ["faq/late_fee_rate", "faq/suspension_fee"]
    assert message.get("text") == "滞纳金怎么收?另外报停要交多少钱"  # canonical text back for the actions


def test_same_question_twice_is_one_question():
    message = Message(data={"text": "滞纳金怎么算？滞纳金咋收的"})
    batch = TextUnderstanding().process([message])
    for m in batch:
        classify(m, "faq", "late_fee_rate")
    Router({}).process(batch)
    assert message.get("intent")["name"] == "faq" and not message.get(CLAUSES_KEY)


@pytest.mark.parametrize("text, intent, topic, routed", [
    ("算了不查了", "inform", None, "cancel"),
    ("我家暖气费交没交", "faq", "payment_status_lookup", "check_balance"),
    ("3100000017", "nlu_fallback", None, "inform"),
    ("家里停电了找谁", "nlu_fallback", None, "out_of_scope"),
    ("good morning my friend", "nlu_fallback", None, "non_chinese"),
    ("工单GD20261120000009处理到哪了", "nlu_fallback", None, "check_ticket_status"),
])
def test_router(text, intent, topic, routed):
    message = Message(data={"text": text})
    batch = TextUnderstanding().process([message])
    for m in batch:
        classify(m, intent, topic)
    Router({}).process(batch)
    assert message.get("intent")["name"] == routed
    assert message.get(ROUTED_KEY)["to"] == routed


def test_a_value_with_a_request_takes_the_request_not_inform():
    message = Message(data={"text": "3100000011近三年交了多少"})
    TextUnderstanding().process([message])
    message.set("intent", {"name": "inform", "confidence": 0.6})
    message.set("intent_ranking", [{"name": "inform", "confidence": 0.6},
                                   {"name": "ask_payment_history", "confidence": 0.3}])
    Router({}).process([message])
    assert message.get("intent")["name"] == "ask_payment_history"


def test_button_payloads_are_left_alone():
    message = Message(data={"text": "/check_balance"})
    TextUnderstanding().process([message])
    classify(message, "check_balance")
    Router({}).process([message])
    assert message.get("intent")["name"] == "check_balance" and message.get(ROUTED_KEY) is None
