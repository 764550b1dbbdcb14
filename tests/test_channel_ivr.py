"""The IVR channel: speech text conversion, request parsing, authentication and turns over real HTTP."""
from __future__ import annotations

import re
import uuid
from typing import Any, List

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot.channels.common import last_bot_buttons, numbered_menu, resolve_choice
from bot.channels.ivr import (
    KEYPAD_HINT, REPEAT_LOW_CONFIDENCE, REPEAT_NO_INPUT, BadRequest, IVRInput, language_supported, parse_transcript,
    parse_turn, turn_outcome,
)
from bot.channels.speech_text import (
    date_words, decimal_words, digit_words, integer_words, menu_prompt, speak_messages, to_speech, yuan_words,
)
from tests.test_channel_wechat import ChannelServer

IVR_TOKEN = "unit-ivr-token"


# --- speech text ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    (0, "零"), (1, "一"), (2, "二"), (10, "十"), (11, "十一"), (20, "二十"), (101, "一百零一"), (110, "一百一十"),
    (1000, "一千"), (1001, "一千零一"), (1010, "一千零一十"), (1227, "一千二百二十七"), (2455, "两千四百五十五"),
    (10000, "一万"), (10050, "一万零五十"), (10500, "一万零五百"), (15000, "一万五千"), (100010, "十万零一十"),
    (20000, "两万"), (1000000, "一百万"), (100000000, "一亿"), (120000000, "一亿二千万"),
    (100000001, "一亿零一"),
])
def test_integer_words(value, words):
    assert integer_words(value) == words


@pytest.mark.parametrize("amount, words", [
    ("1227.60", "一千二百二十七元六角"), ("2455.20", "两千四百五十五元二角"), ("1067.52", "一千零六十七元五角二分"),
    ("1227.06", "一千二百二十七元零六分"), ("0.60", "六角"), ("0.06", "六分"), ("0.66", "六角六分"), ("0", "零元"),
    ("0.00", "零元"), ("2148.00", "两千一百四十八元"), ("1005", "一千零五元"), ("10", "十元"), ("-64.44", "负六十四元四角四分"),
    ("1,227.60", "一千二百二十七元六角"),
])
def test_yuan_words(amount, words):
    assert yuan_words(amount) == words


def test_other_readings():
    assert decimal_words("89.5") == "八十九点五" and decimal_words("24.00") == "二十四"
    assert decimal_words("0.05") == "零点零五" and decimal_words("102.30") == "一百零二点三"
    assert digit_words("3100000002") == "三幺零零零零零零零二" and digit_words("96069") == "九六零六九"
    assert date_words("2026", "11", "18") == "二〇二六年十一月十八日" and date_words(None, "12", "31") == "十二月三十一日"


@pytest.mark.parametrize("text, spoken", [
    ("尚欠 1227.60 元。", "尚欠一千二百二十七元六角。"),
    ("已缴费（2026-11-18）：-1227.60 元", "已缴费，二〇二六年十一月十八日：减一千二百二十七元六角。"),
    ("截止日为12月31日", "截止日为十二月三十一日。"),
    ("缴费日期 2026年8月15日", "缴费日期二〇二六年八月十五日。"),
    ("2026-2027采暖季：已缴清", "二〇二六至二〇二七年采暖季：已缴清。"),
    ("每天按未缴金额的0.1%加收", "每天按未缴金额的百分之零点一加收。"),
    ("面积热费：89.5 × 24 = 2148.00 元", "面积热费：八十九点五乘以二十四等于两千一百四十八元。"),
    ("请拨打服务热线 96069", "请拨打服务热线九六零六九。"),
    ("户号 3100000002", "户号三幺零零零零零零零二。"),
    ("户号 31******02（胡*霞，幸福里1号楼1单元1**）", "户号尾号零二，胡某霞，幸福里一号楼一单元。"),
    ("手机 138****5678", "手机尾号五六七八。"),
    ("营业时间 9:00-17:30", "营业时间九点至十七点三十分。"),
    ("3-5个工作日", "三至五个工作日。"),
    ("电话 0471-1234567", "电话零四七幺，幺二三四五六七。"),
    ("收费 ¥24.5/平方米", "收费二十四元五角/平方米。"),
    ("逾期330天", "逾期三百三十天。"),
    ("您好😀！**重要**：详见[收费标准](https://example.com/fee)。", "您好！重要：详见收费标准。"),
    ("访问 https://example.com/x?y=1 了解", "访问了解。"),
    ("# 标题\n- 第一条\n- 第二条\n1. 第三条", "标题。第一条。第二条。第三条。"),
    ("<b>注意</b>", "注意。"),
])
def test_to_speech(text, spoken):
    assert to_speech(text) == spoken


def test_balance_message_is_spoken_without_digits_or_symbols():
    message = (
        "户号 31******02（胡*霞，幸福里1号楼1单元1**）截至11月26日：\n"
        "2026-2027采暖季：已部分缴费，应缴 2455.20 元，已缴 1227.60 元，尚欠 1227.60 元。\n"
        "  · 面积热费（居民，建筑面积）：102.3 × 24 = 2455.20 元\n"
        "  · 已缴费（2026-11-18）：-1227.60 元\n"
        "合计应缴：1227.60 元。\n"
        "本采暖季缴费截止日为12月31日，逾期每天按未缴金额的0.1%加收滞纳金。"
    )
    spoken = to_speech(message)
    assert "尚欠一千二百二十七元六角" in spoken and "二〇二六年十一月十八日" in spoken
    assert "合计应缴：一千二百二十七元六角。" in spoken
    assert not re.search(r"[0-9*%×=·\n]", spoken), spoken


@given(st.text(max_size=200))
def test_to_speech_never_leaves_digits_or_markup(text):
    spoken = to_speech(text)
    assert not re.search(r"[0-9]", spoken)
    assert "http" not in spoken.lower() and "**" not in spoken and "\n" not in spoken


@given(st.decimals(min_value=0, max_value=99999999, places=2, allow_nan=False, allow_infinity=False))
def test_yuan_words_only_uses_reading_characters(amount):
    words = yuan_words(str(amount))
    assert re.fullmatch(r"[零一二两三四五六七八九十百千万亿元角分]+", words), words


def test_menu_prompt():
    assert menu_prompt(["转人工"]) == "请说转人工或按1。"
    assert menu_prompt(["是", "否"]) == "请说是或按1；说否或按2。"
    assert menu_prompt([]) == ""
    assert speak_messages(["需要帮助吗？"], ["转人工"]) == "需要帮助吗？请说转人工或按1。"


# --- menus shared with WeChat ----------------------------------------------------------------------------------

def test_menu_choice_uses_the_last_bot_buttons():
    buttons = [{"title": "转人工", "payload": "/request_human"}, {"title": "取消", "payload": "/cancel"}]
    events = [UserUttered("a"), BotUttered("请选择", {"buttons": buttons})]
    assert last_bot_buttons(events) == buttons
    assert last_bot_buttons(events + [UserUttered("b"), BotUttered("好的")]) == []
    assert resolve_choice("2", buttons) == "/cancel" and resolve_choice("２", buttons) == "/cancel"
    assert resolve_choice("3", buttons) is None and resolve_choice("1234", buttons) is None
    assert numbered_menu(buttons) == "回复数字选择：\n1. 转人工\n2. 取消"


# --- request parsing -------------------------------------------------------------------------------------------

def test_parse_turn_with_asr_and_aliases():
    turn = parse_turn({"call_id": "c-1", "ani": "+86 138-0013-8000", "dnis": "96069",
                       "asr": {"text": "我 家 还欠多少钱", "confidence": 0.92}, "language": "zh-CN"})
    assert turn.conversation_id == "ivr-c-1" and turn.caller == "+8613800138000" and turn.dialled == "96069"
    assert turn.text == "我家还欠多少钱" and turn.confidence == 0.92 and turn.event == "input"
    assert turn.metadata()["caller_number"] == "+8613800138000" and turn.metadata()["input_mode"] == "speech"
    flat = parse_turn({"call_id": "c-2", "asr_text": "你好", "confidence": "0.4"})
    assert flat.text == "你好" and flat.confidence == 0.4


def test_parse_turn_dtmf():
    turn = parse_turn({"call_id": "c-1", "dtmf": "3100000002#", "caller": "13800138000"})
    assert turn.dtmf == "3100000002" and turn.metadata()["input_mode"] == "dtmf"


@pytest.mark.parametrize("payload", [
    None, [], {}, {"call_id": ""}, {"call_id": "a b"}, {"call_id": "x" * 200},
    {"call_id": "c", "confidence": 1.5}, {"call_id": "c", "confidence": "high"}, {"call_id": "c", "event": "dance"},
])
def test_parse_turn_rejects(payload):
    with pytest.raises(BadRequest):
        parse_turn(payload)


def test_parse_transcript():
    call_id, caller, turns = parse_transcript({"call_id": "c-9", "caller": "13800138000", "turns": [
        {"speaker": "ivr", "text": "欢迎致电，查询欠费请按1"},
        {"speaker": "caller", "dtmf": "1"},
        {"role": "user", "text": "我要查欠费", "confidence": 0.8, "time": "2026-11-26T10:00:00+08:00"},
    ]})
    assert (call_id, caller) == ("c-9", "13800138000")
    assert [(t.speaker, t.text, t.dtmf) for t in turns] == [
        ("ivr", "欢迎致电，查询欠费请按1", False), ("caller", "1", True), ("caller", "我要查欠费", False)]
    assert turns[2].spoken_at == "2026-11-26T10:00:00+08:00"
    for bad in ({"call_id": "c"}, {"call_id": "c", "turns": []}, {"call_id": "c", "turns": [{"speaker": "x", "text": "a"}]},
                {"call_id": "c", "turns": [{"speaker": "ivr"}]}, {"call_id": "c", "turns": ["a"]}):
        with pytest.raises(BadRequest):
            parse_transcript(bad)


def test_language_and_outcome():
    assert language_supported(None) and language_supported("zh-CN") and language_supported("cmn-Hans-CN")
    assert not language_supported("en-US")
    events = [UserUttered("再见"), ActionExecuted("utter_goodbye"),
              BotUttered("再见", metadata={"utter_action": "utter_goodbye"}), ActionExecuted("action_listen")]
    assert turn_outcome(events) == {"actions": ["utter_goodbye", "action_listen"], "utterances": ["utter_goodbye"]}


def test_credentials_and_environment(monkeypatch):
    monkeypatch.setenv("IVR_TOKEN", "env-token")
    monkeypatch.setenv("IVR_ASR_MIN_CONFIDENCE", "0.7")
    channel = IVRInput.from_credentials(None)
    assert (channel.token, channel.asr_min_confidence) == ("env-token", 0.7)
    assert IVRInput.from_credentials({"asr_min_confidence": 0.3}).asr_min_confidence == 0.3


# --- over HTTP, with a stand-in assistant ----------------------------------------------------------------------

class FakeAssistant:
    def __init__(self) -> None:
        self.received: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await message.output_channel.send_text_with_buttons(
            message.sender_id, f"您应缴 1227.60 元，截止日为12月31日。😀", [{"title": "转人工", "payload": "/request_human"}])


@pytest.fixture(scope="module")
def ivr_server():
    assistant = FakeAssistant()
    server = ChannelServer(IVRInput(IVR_TOKEN, 0.5), assistant).start()
    yield server, assistant
    server.stop()


def _post(server, path: str, body: Any, token: str = IVR_TOKEN, **headers: str) -> requests.Response:
    if token:
        headers.setdefault("X-IVR-Token", token)
    return requests.post(server.base + path, json=body, headers=headers, timeout=10)


def test_endpoint_requires_the_shared_secret(ivr_server):
    server, assistant = ivr_server
    before = len(assistant.received)
    turn = {"call_id": "c-auth", "asr": {"text": "你好", "confidence": 0.9}}
    assert _post(server, "/turn", turn, token="").status_code == 401
    assert _post(server, "/turn", turn, token="wrong").status_code == 401
    assert _post(server, "/transcript", {"call_id": "c", "turns": [{"speaker": "ivr", "text": "a"}]},
                 token="wrong").status_code == 401
    assert requests.get(server.base + "/calls/c-auth/history", timeout=10).status_code == 401
    assert len(assistant.received) == before
    bearer = _post(server, "/turn", turn, token="", Authorization=f"Bearer {IVR_TOKEN}")
    assert bearer.status_code == 200 and len(assistant.received) == before + 1


def test_unconfigured_endpoint_answers_503():
    server = ChannelServer(IVRInput(None), FakeAssistant()).start()
    try:
        assert _post(server, "/turn", {"call_id": "c", "text": "你好"}, token="anything").status_code == 503
    finally:
        server.stop()


def test_bad_request_is_400(ivr_server):
    server, _ = ivr_server
    assert _post(server, "/turn", {"text": "没有 call_id"}).status_code == 400
    response = requests.post(server.base + "/turn", data=b"{not json", timeout=10,
                             headers={"X-IVR-Token": IVR_TOKEN, "Content-Type": "application/json"})
    assert response.status_code == 400


def test_low_confidence_and_silence_ask_to_repeat_without_the_assistant(ivr_server):
    server, assistant = ivr_server
    before = len(assistant.received)
    low = _post(server, "/turn", {"call_id": "c-low", "asr": {"text": "我家还欠多少钱", "confidence": 0.3}}).json()
    assert low["text"] == REPEAT_LOW_CONFIDENCE and low["repeat"] is True
    silent = _post(server, "/turn", {"call_id": "c-low", "asr": {"text": "", "confidence": 0.0}}).json()
    assert silent["text"] == REPEAT_NO_INPUT and silent["repeat"] is True
    assert len(assistant.received) == before


def test_turn_is_spoken_and_carries_the_caller_number(ivr_server):
    server, assistant = ivr_server
    call_id = uuid.uuid4().hex
    body = _post(server, "/turn", {"call_id": call_id, "caller": "13800138000", "dialled": "96069",
                                   "asr": {"text": "我家还欠多少钱", "confidence": 0.9}}).json()
    message = assistant.received[-1]
    assert message.sender_id == f"ivr-{call_id}" and message.input_channel == "ivr"
    assert message.metadata["caller_number"] == "13800138000" and message.metadata["asr_confidence"] == 0.9
    assert body["text"] == "您应缴一千二百二十七元六角，截止日为十二月三十一日。请说转人工或按1。"
    assert body["expect_dtmf"]["max_digits"] == 1 and body["hangup"] is False and body["repeat"] is False
    assert KEYPAD_HINT not in body["text"]


def test_dtmf_wins_over_speech(ivr_server):
    server, assistant = ivr_server
    _post(server, "/turn", {"call_id": "c-dtmf", "dtmf": "3100000002#", "asr": {"text": "嗯", "confidence": 0.2}})
    assert assistant.received[-1].text == "3100000002"
    assert assistant.received[-1].metadata["input_mode"] == "dtmf"


def test_start_hangup_and_language(ivr_server):
    server, assistant = ivr_server
    before = len(assistant.received)
    assert _post(server, "/turn", {"call_id": "c-s", "event": "hangup"}).json()["hangup"] is True
    english = _post(server, "/turn", {"call_id": "c-s", "language": "en-US", "text": "hello"}).json()
    assert english["transfer_to_agent"] is True
    assert len(assistant.received) == before
    _post(server, "/turn", {"call_id": "c-s", "event": "start", "caller": "13800138000"})
    assert assistant.received[-1].text == "/greet"


def test_transcript_without_agent_is_503(ivr_server):
    server, _ = ivr_server
    response = _post(server, "/transcript", {"call_id": "c-t", "turns": [{"speaker": "ivr", "text": "欢迎"}]})
    assert response.status_code == 503
