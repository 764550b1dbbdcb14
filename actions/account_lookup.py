"""Account lookup: ask the 户号, verify by the last 4 digits of the registered phone, report the balance.

Nothing about an account is said before verification except that the number was (not) found; three failed
attempts (unknown number or wrong digits) lock lookups for the rest of the conversation.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import ServiceUnavailable, apologise, call_service, engine, policy, request_context, today
from bot.services import accounts
from bot.services.balance_text import balance_message

MAX_FAILURES = 3


def _failures(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_failures") or 0)


def _failure_events(dispatcher: CollectingDispatcher, tracker: Tracker, message: str) -> Dict[Text, Any]:
    """Count one failure. The last one locks lookups and ends the form; action_report_balance then says so."""
    failures = _failures(tracker) + 1
    if failures >= MAX_FAILURES:
        return {"verification_failures": float(failures), "lookup_locked": True, "account_number": None, "phone_last4": None}
    dispatcher.utter_message(text=f"{message}（还可尝试{MAX_FAILURES - failures}次）")
    return {"verification_failures": float(failures)}


def locked_message() -> str:
    return (
        "验证未通过的次数过多，为保护账户安全，本次对话中已暂停户号查询。"
        f"请携带身份证到营业厅办理，或拨打服务热线 {policy().company.hotline}。"
    )


class ValidateAccountLookupForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_account_lookup_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        # A caller verified earlier in this conversation, or one who is locked out, is asked nothing more.
        if tracker.get_slot("verified_account") or tracker.get_slot("lookup_locked"):
            return []
        return domain_slots

    async def validate_account_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        account_no = accounts.parse_account_no(str(value or ""))
        if account_no is None:
            dispatcher.utter_message(text="户号是以3开头的10位数字，印在缴费通知单和发票上，请再输入一次。")
            return {"account_number": None}
        try:
            found = await call_service(accounts.find_account, engine(), account_no, request_context(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return {"account_number": None, "requested_slot": None}
        if found is None:
            events = _failure_events(dispatcher, tracker, f"没有找到户号 {account_no}，请核对后重新输入。")
            return {"account_number": None, **events}
        if not found.can_verify_by_phone:
            dispatcher.utter_message(
                text=(
                    "该户号没有登记有效的手机号，无法在线验证身份。请携带身份证到营业厅核实并更新登记电话，"
                    f"或拨打服务热线 {policy().company.hotline}。"
                )
            )
            return {"account_number": None, "requested_slot": None}
        return {"account_number": account_no}

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        last4 = accounts.parse_last4(str(value or ""))
        if last4 is None:
            dispatcher.utter_message(text="请输入登记手机号的后4位数字，例如：5678。")
            return {"phone_last4": None}
        account_no = tracker.get_slot("account_number")
        try:
            result = await call_service(
                accounts.verify_phone_last4, engine(), account_no, last4, request_context(tracker)
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return {"phone_last4": None, "requested_slot": None}
        if result.verified:
            # The digits themselves are not kept in the conversation once they have served.
            return {"phone_last4": None, "verified_account": account_no, "verification_failures": 0.0}
        events = _failure_events(dispatcher, tracker, "手机号后4位与登记信息不一致，请核对后重新输入。")
        return {"phone_last4": None, **events}


class ActionReportBalance(Action):
    """Say the verified account's status and amount due, or why it cannot."""

    def name(self) -> Text:
        return "action_report_balance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        account_no: Optional[str] = tracker.get_slot("verified_account")
        if tracker.get_slot("lookup_locked"):
            dispatcher.utter_message(text=locked_message())
            return []
        if not account_no:
            # The form ended without verification; its own messages already said why.
            return []
        try:
            report = await call_service(accounts.balance, engine(), policy(), account_no, today(), request_context(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return []
        if report is None:
            dispatcher.utter_message(text="该户号本采暖季的账单尚未生成，请稍后再查，或拨打服务热线咨询。")
            return []
        dispatcher.utter_message(text=balance_message(report, policy()))
        return [SlotSet("account_number", None)]
