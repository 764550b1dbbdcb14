"""The understanding layer (bot/understanding): numerals, dates, values, clauses, cancel, languages, routing.

Pure functions, no model: each case is what a customer types or an ASR transcript says, and what the layer must
make of it. (Examples here are written for the tests, not taken from the held-out sets.)
"""
from __future__ import annotations

import datetime as dt

import pytest

from bot.understanding import canonical_text, is_cancel, understand, utility_of
from bot.understanding.clauses import complete_elliptical, split_clauses
from bot.understanding.dates import parse_date
from bot.understanding.lexicon import lexicon
from bot.understanding.numerals import quantities, spoken_digits, to_digits
from bot.understanding.routing import INFORM, check_routing, load_routing, routing

TODAY = dt.date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize("said, digits", [
    ("三一零零零零零零一七", "3100000017"),
    ("幺三九零零零零一二三四", "13900001234"),
    ("五六七八", "5678"),
    ("幺", "1"),
    ("两", "2"),
    ("户号三一零零 零零零零 一七", "户号3100000017"),
])
def test_spoken_digits_become_ascii(said, digits):
    assert canonical_text(said) == digits


@pytest.mark.parametrize("said, text", [
    ("九十平", "90平"),
    ("一百三十五平米", "135平米"),
    ("去年交了三千 今年多了一百五", "去年交了3000 今年多了150"),
    ("七十六点五平方", "76.5平方"),
    ("两个月", "2个月"),
])
def test_quantities_become_numbers(said, text):
    assert quantities(said) == text


@pytest.mark.parametrize("word", ["一下", "一共", "统一", "十分感谢", "千万别忘了", "有一点冷", "第一个", "一般"])
def test_words_with_numerals_stay_words(word):
    assert to_digits(word) == word


def test_digit_strings_are_not_read_as_quantities():
    assert spoken_digits("三一零零零零零零零九") == "3100000009"


@pytest.mark.parametrize("said, day", [
    ("2027年2月3日", dt.date(2027, 2, 3)),
    ("1月20号", dt.date(2027, 1, 20)),
    ("十二月二十日", dt.date(2026, 12, 20)),
    ("下个月8号", dt.date(2026, 12, 8)),
    ("30号", dt.date(2026, 11, 30)),
    ("31号", dt.date(2026, 12, 31)),  # November has no 31st: the next month's
    ("明天", dt.date(2026, 11, 27)),
    ("昨天", dt.date(2026, 11, 25)),
    ("前天", dt.date(2026, 11, 24)),
    ("下周二", dt.date(2026, 12, 1)),
    ("这周六", dt.date(2026, 11, 28)),
    ("月底", dt.date(2026, 11, 30)),
    ("下个月底", dt.date(2026, 12, 31)),
    ("元旦", dt.date(2027, 1, 1)),
    ("春节", dt.date(2027, 2, 6)),
    ("正月十五", dt.date(2027, 2, 20)),
    ("元宵节", dt.date(2027, 2, 20)),
    ("年后", dt.date(2027, 2, 13)),  # 正月初八: the first working day after the holiday
    ("腊月二十", dt.date(2027, 1, 27)),
])
def test_dates_resolve_against_today(said, day):
    assert parse_date(said, TODAY) == day


def test_dates_that_do_not_exist_are_none():
    assert parse_date("2月30日", TODAY) is None
    assert parse_date("没有日期", TODAY) is None


def test_values_and_placeholders():
    u = understand("我家房子90平，去年交了2100，今年怎么多了160？", TODAY)
    assert u.values.first("area_m2") == "90" and u.values.first("amount_yuan") == "2100"
    assert "own_account" in u.values.markers
    assert u.delexicalised == "我家房子NUM平,去年交了NUM,今年怎么多了NUM"


def test_account_phone_date_and_ticket_values():
    u = understand("户号三一零零零零零零一七 要是下个月8号交 滞纳金多少", TODAY)
    assert u.values.as_dict()["account_number"] == "3100000017"
    assert u.values.as_dict()["pay_date"] == "2026-12-08"
    assert "ACCT" in u.delexicalised and "DATE" in u.delexicalised
    u = understand("我手机13700002222查一下", TODAY)
    assert u.values.first("phone_number") == "13700002222" and "PHONE" in u.delexicalised
    assert understand("gd20261120000009进度", TODAY).values.first("ticket_reference") == "GD20261120000009"


def test_use_type_and_markers():
    assert understand("我的门面房150平", TODAY).values.use_type == "non_residential"
    assert understand("住宅90平", TODAY).values.use_type == "residential"
    assert set(understand("低保户报停", TODAY).values.markers) >= {"dibao", "suspension"}


def test_fillers_of_a_voice_transcript_are_removed():
    u = understand("喂您好 我想咨询一下 嗯 我家暖气费交上了没有 户号是三一零零零零零零一二", TODAY)
    assert u.canonical == "我家暖气费交上了没有户号是3100000012"


def test_a_greeting_alone_is_kept():
    assert canonical_text("你好") == "你好"
    assert canonical_text("喂") == "喂"


@pytest.mark.parametrize("text, clauses", [
    ("暖气费多少钱一平？能开发票吗？", ["暖气费多少钱一平", "能开发票吗"]),
    ("报停怎么收费 在哪里办", ["报停怎么收费", "报停在哪里办"]),
    ("滞纳金从哪天开始算，顺便问一下能分期吗", ["滞纳金从哪天开始算", "能分期吗"]),
    ("我的户号是3100000017 查一下", ["我的户号是3100000017 查一下"]),  # no question before the space
    ("我家房子80平，去年交了2000，今年怎么多了", ["我家房子80平，去年交了2000，今年怎么多了"]),
])
def test_clauses(text, clauses):
    lex = lexicon()
    assert complete_elliptical([canonical_text(c) for c in split_clauses(text, lex)], lex) == \
        [canonical_text(c) for c in clauses]


@pytest.mark.parametrize("text", ["算了", "不用了谢谢", "好吧那就算了", "不修了", "先不查了吧", "算了不办了"])
def test_cancel_phrases(text):
    assert is_cancel(canonical_text(text))


@pytest.mark.parametrize("text", ["不对 我想办报停", "算了帮我查欠费", "取消报停", "好的", "张小华"])
def test_not_cancel(text):
    assert not is_cancel(canonical_text(text))


def test_english_and_pinyin():
    u = understand("When is the payment deadline?", TODAY)
    assert u.language == "en" and not u.not_chinese and "截止日期" in u.canonical
    u = understand("fapiao zenme kai", TODAY)
    assert u.language == "pinyin" and u.canonical.startswith("发票怎么")
    assert understand("good morning my friend", TODAY).not_chinese


def test_neighbouring_utilities():
    assert utility_of("家里停电了").id == "electricity"
    assert utility_of("燃气表没气了").id == "gas"
    assert utility_of("滞纳金怎么算") is None


def test_button_payloads_pass_untouched():
    u = understand('/choose_faq{"faq_topic": "late_fee_rate"}', TODAY)
    assert u.canonical.startswith("/choose_faq") and not u.clauses


def test_routing_table_reroutes_account_questions():
    table = routing()
    assert table.route("faq/payment_status_lookup", ["own_account"]) == "check_balance"
    assert table.route("faq/late_fee_rate", ["pay_date", "account_number"]) == "ask_late_fee_on_date"
    assert table.route("faq/late_fee_rate", ["pay_date"]) == "ask_late_fee_on_date"  # a date: the quote for it
    assert table.route("faq/late_fee_rate", []) == "faq/late_fee_rate"  # no date: the policy
    assert table.route("faq/fee_calculation", ["area_m2"]) == "ask_estimate"
    assert table.route("nlu_fallback", ["account_number"]) == INFORM
    assert table.route("check_balance", ["account_number"]) == "check_balance"


def test_routing_table_is_valid():
    from bot.knowledge.loader import load_knowledge_base
    from bot.settings import KNOWLEDGE_DIR, PROJECT_DIR
    import yaml

    intents = set()
    for path in (PROJECT_DIR / "domain").glob("*.yml"):
        intents |= {i if isinstance(i, str) else next(iter(i)) for i in yaml.safe_load(path.read_text()).get("intents") or []}
    topics = [t.id for t in load_knowledge_base(KNOWLEDGE_DIR).topics]
    assert check_routing(load_routing(), topics, intents) == []


@pytest.mark.parametrize("text, focus", [
    ("不对 我想办报停", "我想办报停"),
    ("先不分期了，帮我查下一共要交多少", "帮我查下一共要交多少"),
    ("不查了 帮我报停吧", "帮我报停吧"),
    ("先别改了，我看看去年交了多少", "我看看去年交了多少"),
    ("不热了怎么回事呢", "不热了怎么回事呢"),  # a complaint, not a change of mind
    ("不对", "不对"),
])
def test_a_change_of_mind_leaves_only_the_new_request_for_the_classifiers(text, focus):
    assert understand(text, TODAY).delexicalised == focus


def test_a_weekday_alone_is_not_a_payment_date():
    assert "pay_date" not in understand("周六营业吗", TODAY).values.kinds()
    assert understand("这周五去交滞纳金多少", TODAY).values.first("pay_date") == "2026-11-27"


def test_another_utilitys_suspension_is_not_ours():
    assert utility_of(canonical_text("燃气报停怎么办")).id == "gas"
    assert utility_of(canonical_text("暖气报停怎么办")) is None
