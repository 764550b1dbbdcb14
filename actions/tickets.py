"""Complaint / repair tickets (with the policy's response commitments) and ticket status by reference."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_lookup import latest_intent
from actions.runtime import ServiceUnavailable, apologise, call_service, engine, now, policy, request_context
from bot.services import requests
from bot.services.self_service_text import ticket_message, ticket_status_message
from bot.understanding import canonical_text

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_REFERENCE = re.compile(r"GD\d{14}", re.IGNORECASE)
MIN_DESCRIPTION = 4


def parse_category(text: str) -> Optional[str]:
    text = text or ""
    # A complaint about people or charges first: 态度 contains 度, which is not a temperature.
    if any(w in text for w in ("投诉", "态度", "不满", "乱收费", "举报", "收费员", "服务差")):
        return "complaint"
    if any(w in text for w in ("报修", "维修", "漏水", "坏", "修", "阀门", "跑水", "滴水")):
        return "repair"
    if any(w in text for w in ("室温", "温度", "不热", "不达标", "冷", "℃")) or re.search(r"\d+度", text):
        return "temperature"
    return None


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    async def extract_ticket_category(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("ticket_category") is None and latest_intent(tracker) == "file_ticket":
            category = parse_category(tracker.latest_message.get("text") or "")
            if category:
                return {"ticket_category": category}
        return {}

    async def validate_ticket_category(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        category = value if value in requests.TICKET_CATEGORIES else parse_category(str(value or ""))
        if category is None:
            dispatcher.utter_message(text="没听明白是哪一类问题。")
            return {"ticket_category": None}
        return {"ticket_category": category}

    async def validate_ticket_description(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(text) < MIN_DESCRIPTION:
            dispatcher.utter_message(text="描述太简短了，工作人员需要更多信息。")
            return {"ticket_description": None}
        return {"ticket_description": text[:500]}

    async def validate_contact_phone(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = _PHONE.findall(canonical_text(str(value or "")))
        if len(found) != 1:
            dispatcher.utter_message(text="没能识别电话号码（11位手机号，或带区号的座机）。")
            return {"contact_phone": None}
        return {"contact_phone": found[0].replace("-", "")}


class ActionOpenTicket(Action):
    def name(self) -> Text:
        return "action_open_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        slots = ("ticket_category", "ticket_description", "contact_phone")
        reset = [SlotSet(s, None) for s in slots]
        category, description, contact = (tracker.get_slot(s) for s in slots)
        if not (category and description and contact):
            return reset
        try:
            ticket = await call_service(
                requests.open_ticket, engine(), policy(), category, description, contact, now(),
                request_context(tracker), tracker.get_slot("verified_account"),
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=ticket_message(ticket, policy()))
        return reset + [SlotSet("ticket_reference", ticket.reference)]


class ValidateTicketStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_status_form"

    async def extract_ticket_reference(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = _REFERENCE.findall(tracker.latest_message.get("text") or "")
        return {"ticket_reference": found[0].upper()} if len(found) == 1 else {}

    async def validate_ticket_reference(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = _REFERENCE.findall(canonical_text(str(value or "")))
        if len(found) != 1:
            dispatcher.utter_message(text="工单编号格式不对：以GD开头，后面是14位数字，例如GD20261126012345。")
            return {"ticket_reference": None}
        return {"ticket_reference": found[0].upper()}


class ActionTicketStatus(Action):
    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reference = tracker.get_slot("ticket_reference")
        reset = [SlotSet("ticket_reference", None)]
        if not reference:
            return reset
        try:
            ticket = await call_service(requests.ticket_status, engine(), reference, request_context(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=ticket_status_message(ticket))
        return reset
