"""Finding and verifying the caller's account, and reporting its balance.

Finding: by 户号, by the registered mobile number (one holder may have several homes: the masked addresses are
offered as buttons) or by address (小区 + 楼栋 + 单元 + 房号; the ledger has duplicated rooms: the caller picks one
or is sent to a person). Verifying: the last 4 digits of the registered phone, or the holder's full name (only the
name when the account was found by its phone number, which the caller has just said). Nothing about an account is
said before verification beyond masked hints; three failed attempts lock lookups for the rest of the conversation
(audited). A verified account stays verified until the session ends.

`VerifiedFormValidation` holds all of this so that every self-service form asks for the same two slots first.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.runtime import ServiceUnavailable, apologise, call_service, engine, policy, request_context, today
from bot.services import accounts
from bot.services.balance_text import balance_message
from bot.understanding import canonical_text

MAX_FAILURES = 3
VERIFICATION_SLOTS = ("account_number", "phone_last4")
_CHOICE = re.compile(
    r"^\s*(?:我?(?:选|要|是|就|查)?\s*)(?:第\s*)?([1-9一二三四五六七八九])\s*(?:个|套|处|户|号房|号|项)?(?:吧|的)?\s*$")
_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NAME_PREFIX = re.compile(r"^(?:户主|我|本人|登记人)?(?:的)?(?:姓名|名字)?(?:是|叫|为|：|:)?\s*")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")


def _failures(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_failures") or 0)


async def _failure_events(dispatcher: CollectingDispatcher, tracker: Tracker, message: str) -> Dict[Text, Any]:
    """Count one failure. The last one locks lookups, is audited and ends the form; the form's final action
    then says so."""
    failures = _failures(tracker) + 1
    if failures >= MAX_FAILURES:
        try:
            await call_service(accounts.record_lock, engine(), tracker.get_slot("account_number"), request_context(tracker))
        except ServiceUnavailable:
            pass  # the lock itself lives in the conversation; a failed audit write must not unlock it
        return {
            "verification_failures": float(failures), "lookup_locked": True, "account_number": None,
            "phone_last4": None, "account_candidates": None, "requested_slot": None,
        }
    dispatcher.utter_message(text=f"{message}（还可尝试{MAX_FAILURES - failures}次）")
    return {"verification_failures": float(failures)}


def locked_message() -> str:
    return (
        "验证未通过的次数过多，为保护账户安全，本次对话中已暂停户号查询。"
        f"请携带身份证到营业厅办理，或拨打服务热线 {policy().company.hotline}。"
    )


def verified_account(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[str]:
    """The verified 户号 for a self-service action, or None after saying why there is none."""
    if tracker.get_slot("lookup_locked"):
        dispatcher.utter_message(text=locked_message())
        return None
    return tracker.get_slot("verified_account")  # None: the form ended without it and already said why


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the latest user message as NLU classified it (nlu_fallback included)."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def parse_name(text: str) -> Optional[str]:
    candidate = _NAME_PREFIX.sub("", (text or "").strip()).strip("。.，, ")
    return candidate if _NAME.match(candidate) else None


def _choice(text: str, count: int) -> Optional[int]:
    match = _CHOICE.match(text or "")
    if not match:
        return None
    raw = match.group(1)
    index = _CN.get(raw) or int(raw)
    return index - 1 if 1 <= index <= count else None


class VerifiedFormValidation(FormValidationAction):
    """Base of every form that needs a verified account: 户号 / phone / address, then last 4 digits or name."""

    @abstractmethod
    def name(self) -> Text:
        """Abstract, so the action server does not register this base class itself."""

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("lookup_locked"):
            return []
        verified = tracker.get_slot("verified_account")
        asked_for = tracker.get_slot("account_number")
        if verified and asked_for in (None, verified):
            # Verified earlier in this conversation: asked nothing more about who they are. A different 户号 named
            # now (e.g. "查一下3100000005的缴费记录") must be verified on its own.
            return [s for s in domain_slots if s not in VERIFICATION_SLOTS]
        return domain_slots

    async def extract_account_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # "我手机号159…查下我家交费没有", "幸福里1号楼1单元201的暖气费交了吗": a phone number or an address said
        # with the request is where the lookup starts (a 户号 fills the slot through its entity).
        if tracker.get_slot("account_number") or tracker.get_slot("requested_slot") == "account_number":
            return {}
        values = ((tracker.latest_message or {}).get("understanding") or {}).get("values") or {}
        # Correcting the phone: the number said is the new one, not the registered one to look up by.
        kinds = ("address",) if latest_intent(tracker) == "change_phone" else ("phone_number", "address")
        for kind in kinds:
            if values.get(kind):
                return {"account_number": str(values[kind])}
        return {}

    async def validate_account_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = canonical_text(str(value or ""))
        candidates: List[str] = tracker.get_slot("account_candidates") or []
        if candidates:
            picked = _choice(text, len(candidates))
            if picked is not None:
                return {"account_number": candidates[picked], "account_candidates": None}
        context = request_context(tracker)
        try:
            account_no = accounts.parse_account_no(text)
            if account_no is not None:
                return await self._by_account_no(dispatcher, tracker, account_no, context)
            mobile = accounts.MOBILE_PATTERN.findall(text)
            if len(mobile) == 1:
                found = await call_service(accounts.find_accounts_by_phone, engine(), mobile[0], context)
                return await self._pick(dispatcher, tracker, found, "phone", "没有找到用这个手机号登记的户号")
            address = accounts.parse_address(text)
            if address is not None:
                found = await call_service(accounts.find_accounts_by_address, engine(), address, context)
                return await self._pick(dispatcher, tracker, found, "address", "没有找到这个地址对应的户号")
        except ServiceUnavailable:
            apologise(dispatcher)
            return {"account_number": None, "requested_slot": None}
        if candidates:
            dispatcher.utter_message(text=f"没能识别您的选择，请回复 1 到 {len(candidates)} 之间的序号。")
        else:
            dispatcher.utter_message(
                text="没能识别。户号是以3开头的10位数字，印在缴费通知单和发票上；地址请说全小区、楼栋、单元和房号，"
                "例如：幸福里3号楼2单元501。"
            )
        return {"account_number": None}

    async def _by_account_no(self, dispatcher, tracker, account_no, context) -> Dict[Text, Any]:
        found = await call_service(accounts.find_account, engine(), account_no, context)
        if found is None:
            events = await _failure_events(dispatcher, tracker, f"没有找到户号 {account_no}，请核对后重新输入。")
            return {"account_number": None, **events}
        if not found.can_verify_by_phone:
            dispatcher.utter_message(
                text="该户号没有登记有效的手机号，只能用户主姓名验证。如需更新登记电话，请携带身份证到营业厅办理。"
            )
            return {"account_number": account_no, "lookup_by": "name_only", "account_candidates": None}
        return {"account_number": account_no, "lookup_by": "account_no", "account_candidates": None}

    async def _pick(self, dispatcher, tracker, found, method: str, not_found: str) -> Dict[Text, Any]:
        if not found:
            events = await _failure_events(dispatcher, tracker, f"{not_found}，请核对后重新输入，或直接提供户号。")
            return {"account_number": None, **events}
        if len(found) == 1:
            return {"account_number": found[0].account_no, "lookup_by": method, "account_candidates": None}
        if method == "address":
            intro = "台账中这个地址登记了多个户号，请选择您家的户号（如都不是，请说“转人工”，由工作人员核实）："
        else:
            intro = "这个手机号登记了多处房屋，请问要查询哪一处？"
        buttons = [{"title": f"{i}. {c.label}", "payload": str(i)} for i, c in enumerate(found, start=1)]
        if method == "address":
            buttons.append({"title": "转人工", "payload": "/request_human"})
        dispatcher.utter_message(text=intro, buttons=buttons)
        # Which 户号 each choice means stays on the server side of the conversation, never in the buttons.
        return {"account_number": None, "account_candidates": [c.account_no for c in found], "lookup_by": method}

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = canonical_text(str(value or ""))
        method = tracker.get_slot("lookup_by")
        account_no = tracker.get_slot("account_number")
        name = parse_name(text)
        last4 = None if method in ("phone", "name_only") else accounts.parse_last4(text)
        if name is None and last4 is None:
            if method in ("phone", "name_only"):
                dispatcher.utter_message(text="这个户号需要用户主的完整姓名验证（例如：张小华）。")
            else:
                dispatcher.utter_message(text="没能识别，需要4位数字（例如：5678）或户主的完整姓名。")
            return {"phone_last4": None}
        context = request_context(tracker)
        try:
            if last4 is not None:
                result = await call_service(accounts.verify_phone_last4, engine(), account_no, last4, context)
            else:
                result = await call_service(accounts.verify_holder_name, engine(), account_no, name, context)
        except ServiceUnavailable:
            apologise(dispatcher)
            return {"phone_last4": None, "requested_slot": None}
        if result.verified:
            # The digits or the name are not kept in the conversation once they have served.
            return {"phone_last4": None, "verified_account": account_no, "verification_failures": 0.0}
        what = "手机号后4位" if last4 is not None else "户主姓名"
        events = await _failure_events(dispatcher, tracker, f"{what}与登记信息不一致，请核对后重新输入。")
        return {"phone_last4": None, **events}


class ActionAskAccountNumber(Action):
    """Ask which account. On the phone, the calling number (ANI, from the IVR's metadata) pre-selects the homes
    registered to it, offered as numbered choices; the caller must still verify by the holder's full name, since
    a calling number proves nothing (lookup_by "phone")."""

    def name(self) -> Text:
        return "action_ask_account_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        caller = accounts.MOBILE_PATTERN.findall(str((tracker.latest_message.get("metadata") or {}).get("caller_number") or ""))
        if len(caller) == 1 and not tracker.get_slot("caller_accounts_offered") and not tracker.get_slot("account_candidates"):
            try:
                found = await call_service(accounts.find_accounts_by_phone, engine(), caller[0], request_context(tracker))
            except ServiceUnavailable:
                found = []  # fall back to asking; the lookup by 户号 reports its own failures
            if found:
                buttons = [{"title": f"{i}. {c.label}", "payload": str(i)} for i, c in enumerate(found, start=1)]
                dispatcher.utter_message(
                    text="您来电的号码登记了以下房屋，请说序号选择；查询其他房屋请说出或按键输入户号。", buttons=buttons
                )
                return [
                    SlotSet("caller_accounts_offered", True),
                    SlotSet("account_candidates", [c.account_no for c in found]),
                    SlotSet("lookup_by", "phone"),
                ]
        dispatcher.utter_message(response="utter_ask_account_number")
        return [SlotSet("caller_accounts_offered", True)] if caller else []


class ValidateAccountLookupForm(VerifiedFormValidation):
    def name(self) -> Text:
        return "validate_account_lookup_form"


class ActionReportBalance(Action):
    """Say the verified account's status and amount due, or why it cannot."""

    def name(self) -> Text:
        return "action_report_balance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        account_no = verified_account(dispatcher, tracker)
        if not account_no:
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
        return [SlotSet("account_number", None), SlotSet("lookup_by", None)]
