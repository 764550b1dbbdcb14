"""Actions of the understanding layer (issue 8): two questions at once, a value with no request, changing course
in the middle of a form, and questions that belong to another utility or language.

Thin: the reading of the message is done in NLU (bot.nlu.understanding, bot.nlu.router) and the table of tasks
lives in knowledge/routing.yml.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import FORM_INPUT_SLOTS
from bot.understanding import utility_of
from bot.understanding.routing import FALLBACK, FAQ_PREFIX, routing

# What survives a change of task: who the caller is (the new task needs the same account).
IDENTITY_SLOTS = ("account_number", "account_candidates", "lookup_by")
HUMAN_BUTTON = {"title": "转人工", "payload": "/request_human"}


def task_button(intent: str) -> Dict[str, str]:
    task = routing().tasks[intent]
    return {"title": task.name, "payload": f"/{intent}"}


class ActionAnswerClauses(Action):
    """multi_question: answer every question of the message in the order asked. A request among them (顺便帮我
    查下欠费) is started after the answers; a second request is offered as a button."""

    def name(self) -> Text:
        return "action_answer_clauses"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        clauses = (tracker.latest_message or {}).get("clauses") or []
        responses = domain.get("responses") or {}
        tasks = routing().tasks
        requested = [c.get("label") for c in clauses if c.get("label") in tasks]
        answered = 0
        for clause in clauses:
            label = clause.get("label") or FALLBACK
            if label in tasks:
                continue
            if label.startswith(FAQ_PREFIX) and f"utter_{label}" in responses:
                dispatcher.utter_message(response=f"utter_{label}")
                answered += 1
        if not requested:
            if not answered:
                dispatcher.utter_message(response="utter_default")
            return []
        first, *others = requested
        if others:
            dispatcher.utter_message(text="另外的事项办完后也可以点这里继续：", buttons=[task_button(i) for i in others])
        if tracker.active_loop_name:
            # Inside a form the form resumes (data/rules/switch.generated.yml); the request is offered instead.
            dispatcher.utter_message(text="需要的话也可以点这里办理：", buttons=[task_button(first)])
            return []
        return [FollowupAction(tasks[first].form)]


class ActionAskWhatFor(Action):
    """A 户号 or phone number said with no request: keep it and ask what the customer wants done."""

    def name(self) -> Text:
        return "action_ask_what_for"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        values = ((tracker.latest_message or {}).get("understanding") or {}).get("values") or {}
        account_no, phone, address = values.get("account_number"), values.get("phone_number"), values.get("address")
        events: List[Dict] = []
        if account_no:
            said = f"户号 {account_no}"
        elif phone or address:
            said = "手机号" if phone else "地址"
            # The lookup by phone or address starts from it once a task is chosen.
            events.append(SlotSet("account_number", str(phone or address)))
        else:
            said = "这个信息"
        buttons = [task_button(i) for i in ("check_balance", "ask_payment_history", "ask_late_fee_on_date",
                                             "apply_suspension", "request_payment_plan", "change_phone")]
        dispatcher.utter_message(text=f"收到{said}。请问您想办理什么？", buttons=buttons + [HUMAN_BUTTON])
        return events


class ActionSwitchTask(Action):
    """A new request in the middle of a form: leave the form (say what was dropped); the new form starts next.
    Who the caller is (the 户号 given, a completed verification) is kept: it is the same customer."""

    def name(self) -> Text:
        return "action_switch_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        table = routing()
        dropped = table.task_for_form(tracker.active_loop_name or "")
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        starting = table.tasks.get(intent or "")
        if dropped and starting:
            dispatcher.utter_message(text=f"好的，先不{dropped.name}了，现在为您{starting.name}。")
        elif starting:
            dispatcher.utter_message(text=f"好的，现在为您{starting.name}。")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [
            SlotSet(slot, None) for slot in FORM_INPUT_SLOTS if slot not in IDENTITY_SLOTS
        ]


class ActionOutOfScope(Action):
    """Out of scope: say so, and for a neighbouring utility (电、水、燃气、物业…) say who handles it."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = ((tracker.latest_message or {}).get("understanding") or {}).get("canonical") \
            or (tracker.latest_message or {}).get("text") or ""
        utility = utility_of(text)
        if utility is not None:
            dispatcher.utter_message(
                text=f"我是热力公司的供暖收费助手，{utility.name}不归我们管。{utility.advice}"
                "供暖收费的问题（暖气费、滞纳金、报停等）随时问我。"
            )
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
