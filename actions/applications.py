"""Requests of a verified account: 报停, 分期/缓缴 for hardship, correcting the registered phone. Each is
recorded as pending with a reference number; staff decide."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_lookup import VerifiedFormValidation, latest_intent, verified_account
from actions.runtime import ServiceUnavailable, apologise, call_service, engine, now, policy, request_context
from bot.services import accounts, requests
from bot.understanding import canonical_text
from bot.services.self_service_text import phone_change_message, plan_message, suspension_message


def parse_plan_kind(text: str) -> Optional[str]:
    if any(w in text for w in ("缓缴", "缓交", "延期", "晚点交", "推迟", "缓一缓")):
        return "deferral"
    if any(w in text for w in ("分期", "分几次", "分批", "分次")):
        return "installment"
    return None


def parse_hardship(text: str, kind: Optional[str]) -> Optional[str]:
    """The policy's own word for the group (分期) or reason (缓缴) the caller names."""
    pol = policy()
    synonyms = {"病": "重大疾病", "住院": "重大疾病", "下岗": "失业", "没工作": "失业", "低收入": "低收入", "困难户": "特困"}
    options = list(pol.relief.installment.eligible_groups) + list(pol.relief.deferral.reasons)
    for option in sorted(options, key=len, reverse=True):
        if option in text:
            return option
    for word, option in synonyms.items():
        if word in text and option in options:
            return option
    return "其他" if text.strip() else None


class ValidateSuspensionForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_suspension_form"


class ValidatePaymentPlanForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_payment_plan_form"

    async def extract_plan_kind(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("plan_kind") is None and latest_intent(tracker) == "request_payment_plan":
            kind = parse_plan_kind(tracker.latest_message.get("text") or "")
            if kind:
                return {"plan_kind": kind}
        return {}

    async def extract_hardship_reason(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # "我是低保户，想分期交" / "老伴住院了想缓缴": the group or reason said with the request is not asked again.
        if tracker.get_slot("hardship_reason") is None and latest_intent(tracker) == "request_payment_plan":
            reason = parse_hardship(tracker.latest_message.get("text") or "", None)
            if reason and reason != "其他":
                return {"hardship_reason": reason}
        return {}

    async def validate_plan_kind(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        kind = value if value in ("installment", "deferral") else parse_plan_kind(str(value or ""))
        if kind is None:
            dispatcher.utter_message(text="没听明白是分期还是缓缴。")
            return {"plan_kind": None}
        return {"plan_kind": kind}

    async def validate_hardship_reason(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        reason = parse_hardship(str(value or ""), tracker.get_slot("plan_kind"))
        if reason is None:
            dispatcher.utter_message(text="请说明困难情况，例如：低保、特困、低收入、重大疾病、失业。")
            return {"hardship_reason": None}
        return {"hardship_reason": reason}


class ActionAskHardshipReason(Action):
    """Ask for the group (分期) or reason (缓缴) with the policy's own options as buttons."""

    def name(self) -> Text:
        return "action_ask_hardship_reason"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        relief = policy().relief
        if tracker.get_slot("plan_kind") == "deferral":
            options, text = relief.deferral.reasons, f"缓缴需因{'、'.join(relief.deferral.reasons)}等有证明的困难。请问是哪种情况？"
        else:
            groups = relief.installment.eligible_groups
            options, text = groups, f"分期适用于{'、'.join(groups)}家庭。请问您家属于哪一类？"
        dispatcher.utter_message(text=text, buttons=[{"title": o, "payload": o} for o in options])
        return []


class ValidatePhoneChangeForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_phone_change_form"

    async def extract_new_phone(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # "把3100000012登记的电话改成137…": the new number said with the request is not asked again.
        if tracker.get_slot("new_phone") is None and latest_intent(tracker) == "change_phone":
            values = ((tracker.latest_message or {}).get("understanding") or {}).get("values") or {}
            if values.get("phone_number") and values.get("account_number"):
                return {"new_phone": str(values["phone_number"])}
        return {}

    async def validate_new_phone(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        found = accounts.MOBILE_PATTERN.findall(canonical_text(str(value or "")))
        if len(found) != 1:
            dispatcher.utter_message(text="这不是有效的11位手机号码。")
            return {"new_phone": None}
        return {"new_phone": found[0]}


class ActionApplySuspension(Action):
    def name(self) -> Text:
        return "action_apply_suspension"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reset = [SlotSet("account_number", None), SlotSet("lookup_by", None)]
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return reset
        try:
            outcome = await call_service(requests.apply_suspension, engine(), policy(), account_no, now(), request_context(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=suspension_message(outcome, policy()))
        return reset


class ActionRequestPaymentPlan(Action):
    def name(self) -> Text:
        return "action_request_payment_plan"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reset = [SlotSet(s, None) for s in ("account_number", "lookup_by", "plan_kind", "hardship_reason")]
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return reset
        kind = tracker.get_slot("plan_kind") or "installment"
        try:
            outcome = await call_service(
                requests.request_payment_plan, engine(), policy(), account_no, kind,
                tracker.get_slot("hardship_reason") or "", now(), request_context(tracker),
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=plan_message(outcome, policy()))
        return reset


class ActionRequestPhoneChange(Action):
    def name(self) -> Text:
        return "action_request_phone_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reset = [SlotSet("account_number", None), SlotSet("lookup_by", None), SlotSet("new_phone", None)]
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return reset
        try:
            outcome = await call_service(
                requests.request_phone_change, engine(), account_no, tracker.get_slot("new_phone") or "", now(),
                request_context(tracker),
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=phone_change_message(outcome, policy()))
        return reset
