"""Questions the classifier could not match confidently: search the policy, offer close FAQs, then a person.

Thin adapters: the decisions are in bot/services/knowledge_answer.py.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from bot.services import knowledge_answer

MISUNDERSTANDINGS_SLOT = "misunderstandings"


def selector_topics(tracker: Tracker) -> List[Tuple[str, float]]:
    """The classifier's ranking of FAQ topics for a weak match (kept in the parse data when it fell back):
    the combined selector + search scores of bot/nlu/faq_confidence.py, else the ResponseSelector's ranking."""
    latest = tracker.latest_message or {}
    weak = latest.get("faq_weak_match") or {}
    if weak.get("combined"):
        entries = [(key, score) for key, score in weak["combined"]]
    else:
        selected = (latest.get("response_selector") or {}).get("faq") or {}
        entries = [(e.get("intent_response_key") or "", e.get("confidence") or 0.0) for e in selected.get("ranking") or []]
    return [(key.split("/", 1)[1], float(score)) for key, score in entries if "/" in key]


class ActionSearchKnowledge(Action):
    """nlu_fallback: answer from the best cited passage, or offer the closest FAQ questions (and a person)."""

    def name(self) -> Text:
        return "action_search_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = (tracker.latest_message or {}).get("text") or ""
        count = int(tracker.get_slot(MISUNDERSTANDINGS_SLOT) or 0)
        weak_match = bool((tracker.latest_message or {}).get("faq_weak_match"))
        reply = knowledge_answer.reply_for(text, count, selector_topics(tracker) if weak_match else ())
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons])
        return [SlotSet(MISUNDERSTANDINGS_SLOT, float(reply.misunderstandings))]


class ActionDefaultFallback(ActionSearchKnowledge):
    """The dialogue policies had no confident next action (RulePolicy's core fallback): treat the message like
    one NLU did not understand — search, suggest, and count it, so the second miss in a row offers a person.
    Like Rasa's own default it takes the message back out of the dialogue history (UserUtteranceReverted), so the
    policies wait for the next message instead of predicting the fallback again; the count is set after that."""

    def name(self) -> Text:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        events = await super().run(dispatcher, tracker, domain)
        return [UserUtteranceReverted(), *events]


class ActionAnswerFaqChoice(Action):
    """A suggested FAQ button was pressed (/choose_faq{"faq_topic": "…"}): utter that topic's answer."""

    def name(self) -> Text:
        return "action_answer_faq_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        topic: Optional[str] = next(tracker.get_latest_entity_values(knowledge_answer.FAQ_TOPIC_ENTITY), None)
        response = f"utter_faq/{topic}" if topic else None
        if response and response in (domain.get("responses") or {}):
            dispatcher.utter_message(response=response)
        else:
            dispatcher.utter_message(response="utter_default")
        return []
