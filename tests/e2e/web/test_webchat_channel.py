"""The webchat channel's pure parts: which origins may connect, and what a reload shows again."""
from __future__ import annotations

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.channels.webchat import WebChatInput, configured_origins, history_messages, origin_allowed

ENV = {"HTTP_HOST": "bot.example:5005", "wsgi.url_scheme": "http"}


def test_origins_from_environment_value():
    assert configured_origins("https://www.heat.example, http://localhost:8080/ ") == [
        "https://www.heat.example", "http://localhost:8080"]
    assert configured_origins("") == []


def test_origin_checks():
    allowed = ["https://www.heat.example"]
    assert origin_allowed("https://www.heat.example", ENV, allowed)
    assert origin_allowed("http://bot.example:5005", ENV, allowed)  # the demo page on the server itself
    assert origin_allowed(None, ENV, allowed)  # not a browser
    assert not origin_allowed("https://evil.example", ENV, allowed)
    assert origin_allowed("https://evil.example", ENV, ["*"])


def test_history_is_the_current_session_with_titles_and_buttons():
    now = 1_000_000.0
    events = [
        SessionStarted(timestamp=now - 5000),
        UserUttered("old session", timestamp=now - 4990),
        SessionStarted(timestamp=now - 100),
        ActionExecuted("action_listen", timestamp=now - 99),
        UserUttered("/check_balance", metadata={"display": "查欠费"}, timestamp=now - 90),
        BotUttered("好的，请告诉我您的户号。", timestamp=now - 89),
        SlotSet("account_number", "3100000002", timestamp=now - 80),
        BotUttered("第一段\n\n第二段", data={"buttons": [{"title": "转人工", "payload": "/request_human"}]},
                   timestamp=now - 70),
    ]
    assert history_messages(events, now, 60) == [
        {"role": "user", "text": "查欠费"},
        {"role": "bot", "text": "好的，请告诉我您的户号。"},
        {"role": "bot", "text": "第一段"},
        {"role": "bot", "text": "第二段", "quick_replies": [{"title": "转人工", "payload": "/request_human"}]},
    ]


def test_expired_session_shows_nothing():
    now = 1_000_000.0
    events = [SessionStarted(timestamp=now - 7200), UserUttered("我家还欠多少钱", timestamp=now - 7100)]
    assert history_messages(events, now, 60) == []
    assert history_messages([], now, 60) == []


def test_channel_name_and_mount_point():
    channel = WebChatInput.from_credentials({"session_persistence": True})
    assert channel.name() == "webchat"
    assert channel.url_prefix() == "/webchat"
    assert channel.socketio_path == "/webchat/socket.io"
