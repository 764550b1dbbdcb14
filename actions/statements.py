"""Self-service reads for a verified account: payment history, why the bill changed, the late fee if paid on a
given date. Thin: parse, call the service in a thread, phrase the answer (bot/services)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account_lookup import VerifiedFormValidation, latest_intent, verified_account
from actions.runtime import ServiceUnavailable, apologise, call_service, engine, policy, request_context, today
from bot.services import statements
from bot.understanding.dates import parse_date
from bot.services.self_service_text import change_message, history_message, pay_on_date_message

DATE_HELP = "请告诉我打算哪天缴费，例如：1月31日、下个月5号、2027-01-31。"


class ValidatePaymentHistoryForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_payment_history_form"


class ValidateBillChangeForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_bill_change_form"


class ValidateLateFeeForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_late_fee_form"

    async def extract_pay_date(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # "如果1月31日交要交多少滞纳金": the date in the request itself fills the slot.
        if tracker.get_slot("pay_date") is None and latest_intent(tracker) == "ask_late_fee_on_date":
            day = parse_date(tracker.latest_message.get("text") or "", today())
            if day is not None:
                return {"pay_date": day.isoformat()}
        return {}

    async def validate_pay_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        day = parse_date(str(value or ""), today())
        if day is None:
            dispatcher.utter_message(text="没能识别这个日期。")
            return {"pay_date": None}
        if day < today():
            dispatcher.utter_message(text="这个日期已经过去了，请说今天或以后的日期。")
            return {"pay_date": None}
        return {"pay_date": day.isoformat()}


class ActionPaymentHistory(Action):
    def name(self) -> Text:
        return "action_payment_history"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return []
        try:
            history = await call_service(
                statements.payment_history, engine(), policy(), account_no, today(), request_context(tracker)
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return []
        dispatcher.utter_message(text=history_message(history) if history else "该户号还没有账单和缴费记录。")
        return [SlotSet("account_number", None), SlotSet("lookup_by", None)]


class ActionExplainBillChange(Action):
    def name(self) -> Text:
        return "action_explain_bill_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return []
        try:
            report = await call_service(statements.bill_change, engine(), policy(), account_no, today(), request_context(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return []
        if report is None:
            dispatcher.utter_message(text="该户号只有一个采暖季的账单，还没有上一季可以比较。")
        else:
            dispatcher.utter_message(text=change_message(report))
        return [SlotSet("account_number", None), SlotSet("lookup_by", None)]


class ActionQuoteLateFee(Action):
    def name(self) -> Text:
        return "action_quote_late_fee"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        reset = [SlotSet("account_number", None), SlotSet("lookup_by", None), SlotSet("pay_date", None)]
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
            return reset
        day = parse_date(tracker.get_slot("pay_date") or "", today())
        if day is None:
            dispatcher.utter_message(text=DATE_HELP)
            return reset
        try:
            quote = await call_service(
                statements.pay_on_date, engine(), policy(), account_no, today(), day, request_context(tracker)
            )
        except ServiceUnavailable:
            apologise(dispatcher)
            return reset
        dispatcher.utter_message(text=pay_on_date_message(quote, policy()) if quote else "该户号还没有账单。")
        return reset
