"""Actions every dialogue uses: cancelling a form and handing over to a person."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import policy

FORM_INPUT_SLOTS = ("account_number", "phone_last4")


class ActionCancelForm(Action):
    """Leave the active form and forget what it had collected (but not a completed verification)."""

    def name(self) -> Text:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in FORM_INPUT_SLOTS]


class ActionHandoff(Action):
    """Point the user to a person. The staff handoff queue (a person taking over this very chat) is not built
    yet, so this says honestly where a person is reached instead of pretending to transfer."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        company = policy().company
        dispatcher.utter_message(
            text=(
                f"需要人工服务的话，请拨打{company.name}服务热线 {company.hotline}，工作人员会为您处理。"
            )
        )
        return []
