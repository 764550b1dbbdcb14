"""The conversation runner's checks (tests/evaluation/conversations.py) on fake bot replies, and the corpus itself.

No server: replies are made up here, the ask questions and FAQ answers come from the project's domain and
knowledge base exactly as the runner reads them.
"""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from tests.evaluation import conversations as conv

# The minimum number of conversations per class the corpus promises.
CLASS_MINIMUMS = {
    "balance": 20, "history": 10, "bill_change": 10, "late_fee": 10, "estimate": 10, "suspension": 10,
    "payment_plan": 8, "ticket": 10, "ticket_status": 5, "phone_change": 5, "change_of_course": 20,
    "verification_failure": 8, "faq_midform": 8, "two_questions": 8, "value_first": 8, "smalltalk_handoff": 5,
}


@pytest.fixture(scope="module")
def checker():
    return conv.Checker.from_project()


@pytest.fixture(scope="module")
def domain():
    return conv.load_domain()


@pytest.fixture(scope="module")
def answers():
    return conv.topic_answers()


def bot(*texts, buttons=None):
    messages = [{"recipient_id": "x", "text": t} for t in texts]
    if buttons:
        messages[-1]["buttons"] = [{"title": b, "payload": b} for b in buttons]
    return messages


# ---------------------------------------------------------------------------------------------- asks


def test_asks_accepts_every_variant_of_the_slot_question(checker, domain):
    variants = domain["responses"]["utter_ask_phone_last4"]
    assert len(variants) >= 2
    for text in variants:
        assert checker.check({"asks": "phone_last4"}, bot("户号 31******02。", text)) == []


def test_asks_knows_form_specific_questions(checker, domain):
    text = domain["responses"]["utter_ask_estimate_form_pay_date"][0]
    assert checker.check({"asks": "pay_date"}, bot(text)) == []


def test_asks_rejects_the_question_for_another_slot(checker, domain):
    text = domain["responses"]["utter_ask_account_number"][-1]
    problems = checker.check({"asks": "phone_last4"}, bot(text))
    assert problems and "phone_last4" in problems[0]


def test_asks_looks_at_the_last_message_only(checker, domain):
    question = domain["responses"]["utter_ask_phone_last4"][-1]
    assert checker.check({"asks": "phone_last4"}, bot(question, "滞纳金按每天千分之一收取。"))
    assert checker.check({"asks_any": ["account_number", "phone_last4"]}, bot("好的，办理报停。", question)) == []


def test_asks_matches_on_the_first_characters_so_wording_edits_follow():
    checker = conv.Checker.from_texts({"account_number": ["请告诉我您的户号（10位数字）。"]}, {}, "好的，已取消。", "抱歉，我没能理解。")
    assert checker.check({"asks": "account_number"}, bot("请告诉我您的户号，或者登记的手机号。")) == []
    assert checker.check({"asks": "account_number"}, bot("请 告诉我\n您的户号吧")) == []  # spacing is not wording
    assert checker.check({"asks": "account_number"}, bot("您的户号是多少？"))


# ---------------------------------------------------------------------------------------------- topics


def test_topic_is_the_rendered_answer(checker, answers):
    answer = answers["late_fee_rate"]
    assert "{" not in answer and "0.1%" in answer  # placeholders rendered from the policy file
    reply = bot(answer + "\n依据：《示例热力有限公司供热收费管理办法》第10条")
    assert checker.check({"topic": "late_fee_rate"}, reply) == []
    problems = checker.check({"topic": "installment_plan"}, reply)
    assert problems and "installment_plan" in problems[0]


def test_topic_from_the_knowledge_search_counts_too(checker, answers):
    reply = bot("您问的可能是“滞纳金有上限吗”。\n" + answers["late_fee_cap"] + "\n依据：…")
    assert checker.check({"topic": "late_fee_cap"}, reply) == []


def test_topics_in_order(checker, answers):
    both = bot(answers["late_fee_rate"], answers["installment_plan"])
    assert checker.check({"topics": ["late_fee_rate", "installment_plan"]}, both) == []
    swapped = checker.check({"topics": ["installment_plan", "late_fee_rate"]}, both)
    assert swapped and "order" in swapped[0]
    one = checker.check({"topics": ["late_fee_rate", "installment_plan"]}, bot(answers["late_fee_rate"]))
    assert one and "installment_plan" in one[0]


# ---------------------------------------------------------------------------------------------- contains and friends


def test_contains_contains_any_not_contains(checker):
    reply = bot("户号 31******02 截至11月26日：", "尚欠 1227.60 元。")
    assert checker.check({"contains": ["1227.60", "31******02"]}, reply) == []
    assert checker.check({"contains": ["1227.60", "2455.20"]}, reply) == ["missing ['2455.20']"]
    assert checker.check({"contains_any": ["已缴清", "尚欠"]}, reply) == []
    assert checker.check({"contains_any": ["已缴清", "没有欠费"]}, reply)
    assert checker.check({"not_contains": ["2455.20"]}, reply) == []
    assert checker.check({"not_contains": ["1227.60"]}, reply)
    # A line break or a space in the reply does not hide a phrase.
    assert checker.check({"contains": ["尚欠1227.60元"]}, reply) == []


def test_matches(checker):
    opened = bot("已为您登记报修工单，编号 GD20261126123456。")
    example = bot("工单编号格式不对：以GD开头，后面是14位数字，例如GD20261126012345。")
    assert checker.check({"matches": [r"(?<!例如)GD\d{14}"]}, opened) == []
    assert checker.check({"matches": [r"(?<!例如)GD\d{14}"]}, example)


def test_buttons_any(checker):
    reply = bot("请问您想办理什么业务？", buttons=["查询欠费", "缴费记录", "报停"])
    assert checker.check({"buttons_any": ["查欠费", "查询欠费"]}, reply) == []
    problems = checker.check({"buttons_any": ["转人工"]}, reply)
    assert problems and "查询欠费" in problems[0]


def test_cancelled(checker, domain):
    assert checker.check({"cancelled": True}, bot(domain["responses"]["utter_cancelled"][0])) == []
    assert checker.check({"cancelled": True}, bot("好的，请告诉我您的户号。"))


def test_handoff(checker):
    chat = bot("已为您转接人工客服（服务编号 RG20261126123456），工作人员会在这里回复您，请稍候。")
    assert checker.check({"handoff": True}, chat) == []
    phone = [{"text": "正在为您转接人工客服，请不要挂机。", "custom": {"handoff": "RG20261126123456"}}]
    assert checker.check({"handoff": True}, phone) == []
    offer = bot("抱歉，我还是没能理解您的问题。需要的话我可以为您转人工客服", buttons=["转人工"])
    assert checker.check({"handoff": True, "not_understood": True}, offer) == ["expected a handoff to a person"]


# ---------------------------------------------------------------------------------------------- implicit checks


def test_silence_always_fails(checker):
    assert checker.check({}, []) == ["the assistant said nothing"]
    assert checker.check({}, [{"recipient_id": "x", "text": ""}]) == ["the assistant said nothing"]


def test_not_understood_fails_unless_expected(checker, domain):
    default = bot(domain["responses"]["utter_default"][0])
    assert checker.check({}, default) == ["the assistant did not understand"]
    assert checker.check({"not_understood": False}, bot("抱歉，我没能完全理解您的问题。您想问的是下面哪一个？"))
    assert checker.check({"not_understood": True}, default) == []
    assert checker.check({"not_understood": True}, bot("好的")) == ["expected a 'not understood' reply"]


def test_all_expectations_must_hold(checker, domain):
    question = domain["responses"]["utter_ask_phone_last4"][-1]
    reply = bot("好的，办理报停需要先核实身份。", question)
    assert checker.check({"asks_any": ["phone_last4"], "contains": ["报停"]}, reply) == []
    assert len(checker.check({"asks": "account_number", "contains": ["4月1日"]}, reply)) == 2


# ---------------------------------------------------------------------------------------------- corpus and playing


def test_corpus_rejects_unquoted_numbers_and_unknown_keys(checker):
    bad = yaml.safe_load("""
conversations:
  - id: a
    class: balance
    turns:
      - user: 0400
        expect: {asks: phone_last4, says: x}
      - user: 你好
        expect: {asks: no_such_slot, topic: no_such_topic}
""")
    with pytest.raises(conv.CorpusError) as error:
        conv.parse_corpus(bad, checker)
    message = str(error.value)
    assert "quote numbers" in message and "'says'" in message
    assert "no_such_slot" in message and "no_such_topic" in message


def test_the_corpus_loads_and_covers_every_class(checker):
    conversations = conv.load_corpus(conv.CORPUS_PATH, checker)  # validates slots and topics too
    assert len(conversations) >= 150
    counts = Counter(c.cls for c in conversations)
    short = {cls: (counts.get(cls, 0), minimum) for cls, minimum in CLASS_MINIMUMS.items() if counts.get(cls, 0) < minimum}
    assert not short, short
    assert set(counts) == set(CLASS_MINIMUMS)


class FakeResponse:
    def __init__(self, payload):
        self.payload = payload

    def raise_for_status(self):
        pass

    def json(self):
        return self.payload


class FakeSession:
    """Answers like a (poor) assistant: asks for the 户号, then never understands."""

    def __init__(self, ask_text):
        self.ask_text = ask_text
        self.calls = []

    def post(self, url, json, timeout):
        self.calls.append((url, json, timeout))
        if len(self.calls) == 1:
            return FakeResponse([{"recipient_id": json["sender"], "text": self.ask_text}])
        return FakeResponse([{"recipient_id": json["sender"], "text": "抱歉，我没能理解您的意思。"}])


def test_play_and_report(checker, domain):
    conversation = conv.Conversation("demo", "balance", [
        conv.Turn("查欠费", None, {"asks": "account_number"}),
        conv.Turn("3100000001", None, {"asks": "phone_last4"}),
        conv.Turn("6106", None, {"contains": ["已缴清"]}),
    ])
    session = FakeSession(domain["responses"]["utter_ask_account_number"][-1])
    result = conv.play(conversation, "http://rasa:5005/", checker, session)
    url, body, timeout = session.calls[0]
    assert url == "http://rasa:5005/webhooks/rest/webhook" and timeout == 30
    assert re.fullmatch(r"conv-demo-[0-9a-f]{8}", body["sender"]) and body["message"] == "查欠费"
    assert len(session.calls) == 3 and all(call[1]["sender"] == body["sender"] for call in session.calls)
    assert not result.ok and result.first_failure.number == 2

    report = conv.Report([result, conv.ConversationResult("other", "history", "s", [
        conv.TurnResult(1, "你好", {}, [{"text": "您好"}], [])])], "http://rasa:5005")
    assert report.fully_correct_rate == 0.5 and report.turns_ok == 2 and report.turns_total == 4
    assert report.by_class()["balance"]["fully_correct"] == 0 and report.by_class()["history"]["rate"] == 1.0
    text = report.format()
    assert "demo [balance]" in text and "turn 2: 用户：3100000001" in text and "没能理解" in text
    assert report.to_dict()["results"][0]["turns"][1]["problems"]


def test_click_sends_the_button_payload(checker):
    session = FakeSession("x")
    conversation = conv.Conversation("c", "smalltalk_handoff", [conv.Turn("你好", None, {}), conv.Turn(None, "转人工", {})])
    session.post = lambda url, json, timeout: (session.calls.append(json) or FakeResponse(
        [{"text": "需要的话我可以为您转人工客服", "buttons": [{"title": "转人工", "payload": "/request_human"}]}]))
    conv.play(conversation, "http://rasa", checker, session)
    assert [c["message"] for c in session.calls] == ["你好", "/request_human"]


def test_select_by_id_or_class():
    items = [conv.Conversation("a", "x", []), conv.Conversation("b", "y", []), conv.Conversation("c", "y", [])]
    assert [c.id for c in conv.select(items, None)] == ["a", "b", "c"]
    assert [c.id for c in conv.select(items, ["y"])] == ["b", "c"]
    assert [c.id for c in conv.select(items, ["a,c"])] == ["a", "c"]


def test_run_corpus_over_http_with_a_stub_server():
    """The whole path (thread pool, REST calls, report) against a stand-in that only ever greets."""
    senders = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            senders.append(body["sender"])
            payload = json.dumps([{"recipient_id": body["sender"], "text": "您好！"}]).encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = conv.run_corpus(f"http://127.0.0.1:{server.server_port}", only=["smalltalk_handoff", "balance"])
    finally:
        server.shutdown()
        server.server_close()
    classes = {c.cls for c in report.conversations}
    assert classes == {"smalltalk_handoff", "balance"} and report.total >= 25
    assert report.turns_total == len(senders)  # every turn was played
    assert len(set(senders)) == report.total  # one fresh sender per conversation
    assert all(s.startswith("conv-") for s in senders)
    assert report.by_class()["smalltalk_handoff"]["turns_ok"] >= 1  # "您好" answers the greeting
    assert 0 < report.turn_accuracy < 1 and report.fully_correct_rate < 1
