"""Hand the conversation to a person: record it with a summary for the agent, pause the assistant, tell the user.

The staff console (bot/channels/staff.py) lists the handoff, lets an agent reply through the same channel and
hands the conversation back, which resumes the assistant.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher

from actions.runtime import ServiceUnavailable, apologise, call_service, engine, policy, request_context
from bot.services import handoff


def conversation_facts(tracker: Tracker) -> handoff.ConversationFacts:
    context = request_context(tracker)
    metadata = tracker.latest_message.get("metadata") or {}
    return handoff.ConversationFacts(
        conversation_id=tracker.sender_id,
        channel=context.channel or "unknown",
        events=list(tracker.events),
        slots=dict(tracker.current_slot_values()),
        active_loop=tracker.active_loop_name,
        caller_number=metadata.get("caller_number"),
        metadata=metadata,
    )


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        try:
            record = await call_service(handoff.open_handoff, engine(), conversation_facts(tracker))
        except ServiceUnavailable:
            apologise(dispatcher)
            return []
        company = policy().company
        if record.channel == "ivr":
            text = f"正在为您转接人工客服，请不要挂机。您的服务编号是{record.reference}。"
        else:
            text = (
                f"已为您转接人工客服（服务编号 {record.reference}），工作人员会在这里回复您，请稍候。"
                f"如需电话沟通，请拨打服务热线 {company.hotline}。"
            )
        dispatcher.utter_message(text=text, json_message={"handoff": record.reference} if record.channel == "ivr" else None)
        return [ConversationPaused()]
