"""Masking of personal data before it is shown or logged: 张*华, 138****5678."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")


def mask_name(name: str | None) -> str:
    """Keep the family name and the last character: 张三 → 张*, 张小华 → 张*华, 欧阳小华 → 欧**华."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str:
    """138****5678 for a mobile number; anything else keeps at most its last 2 digits visible."""
    digits = "".join(_DIGITS.findall(phone or ""))
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 4:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "未登记" if not digits else "*" * len(digits)


def mask_account_no(account_no: str) -> str:
    """31******45: enough for the caller to recognise their number, not to copy it."""
    if len(account_no) <= 4:
        return "*" * len(account_no)
    return account_no[:2] + "*" * (len(account_no) - 4) + account_no[-2:]


def mask_room(room: str) -> str:
    """Room number hidden in address lists shown before verification: 1502 → 15**."""
    return room[:-2] + "**" if len(room) > 2 else "**"


def valid_mobile(phone: str | None) -> bool:
    return bool(phone) and re.fullmatch(r"1[3-9]\d{9}", phone) is not None
