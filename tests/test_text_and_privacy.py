"""Text normalisation and masking of personal data."""
from __future__ import annotations

import pytest

from bot.privacy import mask_account_no, mask_name, mask_phone, valid_mobile
from bot.services.accounts import parse_account_no, parse_last4
from bot.text import normalize_text


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("我 要 缴 费", "我要缴费"),
        ("户号 3100 0000 02", "户号3100000002"),
        ("３１０００００００２", "3100000002"),
        ("  滞纳金\t怎么\n算  ", "滞纳金怎么算"),
        ("我要　转人工！", "我要转人工!"),
        ("hello  world", "hello world"),
        ("", ""),
    ],
)
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean
    assert normalize_text(clean) == clean  # idempotent


@pytest.mark.parametrize(
    "name, masked", [("张三", "张*"), ("张小华", "张*华"), ("欧阳小华", "欧**华"), ("王", "*"), ("", ""), (None, "")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "phone, masked",
    [("13812345678", "138****5678"), ("1381234567", "********67"), (None, "未登记"), ("12", "**")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_account_no():
    assert mask_account_no("3100000002") == "31******02"


@pytest.mark.parametrize("phone, ok", [("13812345678", True), ("1381234567", False), ("23812345678", False), (None, False)])
def test_valid_mobile(phone, ok):
    assert valid_mobile(phone) is ok


@pytest.mark.parametrize(
    "text, account_no",
    [
        ("3100000002", "3100000002"),
        ("我的户号是3100000002啊", "3100000002"),
        ("13812345678", None),  # a phone number is not a 户号
        ("310000000", None),  # 9 digits
        ("31000000021", None),  # 11 digits
        ("3100000002 和 3100000003", None),  # ambiguous
    ],
)
def test_parse_account_no(text, account_no):
    assert parse_account_no(normalize_text(text)) == account_no


@pytest.mark.parametrize(
    "text, last4",
    [("5678", "5678"), ("后四位是5678", "5678"), ("13812345678", "5678"), ("567", None), ("12345", None), ("1234 5678", None)],
)
def test_parse_last4(text, last4):
    assert parse_last4(text) == last4
