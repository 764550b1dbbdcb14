"""A fee estimate without an account: 面积 + 居民/非居民 + an optional payment date. No verification needed."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_lookup import latest_intent
from actions.runtime import policy, today
from bot import billing
from bot.understanding import canonical_text
from bot.understanding.dates import parse_date
from bot.services.self_service_text import estimate_message

NO_DATE = "none"
_AREA = re.compile(r"(\d+(?:\.\d+)?)\s*(?:平方米|平米|平方|平|㎡|m2|m²|个平方)?")
_SKIP = ("不确定", "不知道", "跳过", "没有", "不用", "无", "还没定", "不一定", "随便", "都行", "不好说", "说不好", "说不准",
         "没想好", "还没想", "不清楚", "再说", "待定", "没定")
_USABLE = ("使用面积", "套内")
MAX_AREA = Decimal("10000")


def parse_area(text: str) -> Optional[Decimal]:
    match = _AREA.search(text or "")
    if not match:
        return None
    try:
        area = Decimal(match.group(1))
    except InvalidOperation:
        return None
    return area if 0 < area <= MAX_AREA else None


def _area_kind(text: str) -> str:
    return "usable" if any(w in text for w in _USABLE) else "building"


def parse_use_type(text: str) -> Optional[str]:
    text = text or ""
    if any(w in text for w in ("非居民", "商铺", "商业", "门市", "办公", "公司", "单位", "门面", "店")):
        return "non_residential"
    if any(w in text for w in ("居民", "住宅", "家里", "住家", "自住", "家用", "民用")):
        return "residential"
    return None


class ValidateEstimateForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_estimate_form"

    def _first_turn(self, tracker: Tracker) -> bool:
        return latest_intent(tracker) == "ask_estimate"

    async def extract_area_m2(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = canonical_text(tracker.latest_message.get("text") or "")
        if tracker.get_slot("area_m2") is None and self._first_turn(tracker) and re.search(r"\d+(\.\d+)?\s*(平|㎡|m)", text):
            area = parse_area(text)
            if area is not None:
                return {"area_m2": str(area)}
        return {}

    async def extract_pay_date(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # "商铺120平，12月20号交的话多少钱": the date said with the request.
        if tracker.get_slot("pay_date") is None and self._first_turn(tracker):
            values = ((tracker.latest_message or {}).get("understanding") or {}).get("values") or {}
            if values.get("pay_date"):
                return {"pay_date": values["pay_date"]}
        return {}

    async def extract_use_type(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("use_type") is None and self._first_turn(tracker):
            kind = parse_use_type(tracker.latest_message.get("text") or "")
            if kind:
                return {"use_type": kind}
        return {}

    async def validate_area_m2(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = canonical_text(str(value or ""))
        area = parse_area(text)
        if area is None:
            dispatcher.utter_message(text="没能识别出面积（需要一个大于0的平方米数）。")
            return {"area_m2": None}
        # 使用面积 may be said with the number or in the request it came from (房本上只有使用面积60平…).
        said = canonical_text((tracker.latest_message or {}).get("text") or "")
        return {"area_m2": str(area), "area_kind": _area_kind(text + said)}

    async def validate_use_type(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        kind = value if value in ("residential", "non_residential") else parse_use_type(str(value or ""))
        if kind is None:
            dispatcher.utter_message(text="没听明白是哪一类，请回复“居民”或“非居民”。")
            return {"use_type": None}
        return {"use_type": kind}

    async def validate_pay_date(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "")
        if text == NO_DATE or any(w in text for w in _SKIP):
            return {"pay_date": NO_DATE}
        day = parse_date(text, today())
        if day is None:
            dispatcher.utter_message(text="没能识别这个日期。")
            return {"pay_date": None}
        return {"pay_date": day.isoformat()}


class ActionGiveEstimate(Action):
    def name(self) -> Text:
        return "action_give_estimate"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reset = [SlotSet(s, None) for s in ("area_m2", "area_kind", "use_type", "pay_date")]
        area = parse_area(tracker.get_slot("area_m2") or "")
        residential = tracker.get_slot("use_type") != "non_residential"
        raw_date = tracker.get_slot("pay_date")
        day = parse_date(raw_date, today()) if raw_date and raw_date != NO_DATE else None
        if area is None:
            dispatcher.utter_message(text="没有拿到面积，无法估算。")
            return reset
        pol = policy()
        start_year = None if day else pol.current_season_year(today())
        kind = tracker.get_slot("area_kind") or "building"
        result = billing.estimate(pol, area, kind, residential, day, start_year)
        dispatcher.utter_message(text=estimate_message(result, residential, pol, area if kind == "usable" else None))
        return reset
