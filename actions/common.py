"""Actions every dialogue uses: cancelling a form."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher


# Everything a form collects; a completed verification (verified_account) survives a cancel.
FORM_INPUT_SLOTS = (
    "account_number",
    "phone_last4",
    "account_candidates",
    "lookup_by",
    "pay_date",
    "area_m2",
    "area_kind",
    "use_type",
    "plan_kind",
    "hardship_reason",
    "ticket_category",
    "ticket_description",
    "contact_phone",
    "ticket_reference",
    "new_phone",
)


class ActionCancelForm(Action):
    """Leave the active form and forget what it had collected (but not a completed verification)."""

    def name(self) -> Text:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in FORM_INPUT_SLOTS]
