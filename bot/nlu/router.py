"""Last component of the NLU pipeline: the routing table applied to what the classifiers said.

For every message (after DIET, the ResponseSelector, FallbackClassifier and the FAQ weak-match check):

1. a cancel phrase (算了, 不用了, 不查了…) is `cancel`, whatever the classifier guessed;
2. a message in another language that the glossary could not read is `non_chinese`;
3. the label (intent, or faq/<topic>) is rerouted by knowledge/routing.yml with the message's values
   (a payment-status question about "my" account → check_balance; a bare 户号 → inform);
4. the text is set back from the delexicalised form the classifiers read to the canonical text (values in
   it), which is what the parse data and the actions see;
5. the per-clause messages that bot.nlu.understanding appended are collected and removed from the batch; when
   two or more clauses ask different things, the intent becomes `multi_question` and `clauses` lists each
   clause's label in order (action_answer_clauses answers them one by one).

`routed` records what was changed and why, for the logs and the evaluation.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.understanding import CLAUSE_KEY, UNDERSTANDING_KEY
from bot.understanding.routing import (
    CANCEL, FALLBACK, FAQ_PREFIX, INFORM, MULTI_QUESTION, NON_CHINESE, NOT_A_QUESTION, RoutingTable,
)
from bot.understanding import utility_of
from bot.understanding.routing import routing as routing_table

ROUTED_KEY = "routed"
OUT_OF_SCOPE = "out_of_scope"
# A person, a greeting or a ticket stays what it is even when another utility is named in it.
KEEP_DESPITE_UTILITY = frozenset({"request_human", "greet", "goodbye", "thanks", "cancel"})
CLAUSES_KEY = "clauses"
RETRIEVAL_INTENT = "faq"


def label_of(message: Message) -> str:
    """faq/<topic> for a FAQ answer (the topic the weak-match check settled on), else the intent name."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or FALLBACK
    if intent != RETRIEVAL_INTENT:
        return intent
    selected = ((message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("response") or {}
    key = selected.get("intent_response_key")
    return key if key and key.startswith(FAQ_PREFIX) else FALLBACK


def facts_of(understanding: Dict[str, Any]) -> List[str]:
    values = dict(understanding.get("values") or {})
    markers = values.pop("markers", [])
    return [k for k in values if k != "use_type"] + list(markers)


def _set_intent(message: Message, name: str, confidence: float, why: str) -> None:
    previous = dict(message.get(INTENT) or {})
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(intent), *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
    message.set(ROUTED_KEY, {"from": previous, "to": name, "why": why}, add_to_output=True)


def route_message(message: Message, table: RoutingTable) -> Optional[str]:
    """Apply steps 1–3 to one message; the new label when it changed."""
    text = message.get(TEXT) or ""
    understanding = message.get(UNDERSTANDING_KEY) or {}
    if text.startswith("/") or not understanding:
        return None
    if understanding.get("cancel"):
        _set_intent(message, CANCEL, 1.0, "cancel phrase")
        return CANCEL
    if understanding.get("not_chinese"):
        _set_intent(message, NON_CHINESE, 1.0, "not Chinese and not in the glossary")
        return NON_CHINESE
    label = label_of(message)
    if _only_a_value(understanding) and label not in (INFORM, CANCEL, "request_human"):
        _set_intent(message, INFORM, 1.0, f"a bare value ({label} → inform)")
        return INFORM
    if label not in KEEP_DESPITE_UTILITY and utility_of(understanding.get("canonical") or ""):
        _set_intent(message, OUT_OF_SCOPE, 1.0, "another utility's question")
        return OUT_OF_SCOPE
    if label in (INFORM, FALLBACK) and _asks_more_than_a_value(understanding):
        better = _best_request(message, tasks_only=label == FALLBACK)
        if better:
            _set_intent(message, better, 1.0, f"a value with a request ({label} → {better})")
            label = label_of(message)
    routed = table.route(label, facts_of(understanding))
    if label == FALLBACK:
        # The FAQ check was unsure which topic; if a topic it leaned to plus the message's values make a request
        # the assistant fulfils (a late-fee topic + a date + 我家), that request is the answer.
        for topic in _weak_topics(message):
            by_topic = table.route(topic, facts_of(understanding))
            if by_topic in table.tasks:
                routed = by_topic
                break
    if routed != label:
        confidence = float((message.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        _set_intent(message, routed, confidence, f"routing table: {label} with {facts_of(understanding)}")
        return routed
    return None


def _weak_topics(message: Message) -> List[str]:
    """The topics a weak FAQ match leaned to: the selector's choice, then the combined ranking's top three."""
    weak = message.get("faq_weak_match") or {}
    selected = ((message.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("response") or {}
    topics = [selected.get("intent_response_key")] + [key for key, _ in (weak.get("combined") or [])[:3]]
    return [t for i, t in enumerate(topics) if t and t not in topics[:i]]


# Words that only introduce a value (我的户号是…, 手机号…): what is left after them and the values is the request.
_VALUE_WORDS = ("我家的", "我家", "我的", "我们家", "户主", "户号", "手机号码", "手机号", "手机", "电话号码", "电话", "号码",
                "尾号", "后四位", "后4位", "登记的", "登记", "地址", "住在", "就是", "这个", "那个", "是", "在", "的",
                "吧", "啊", "呀", "哦", "嗯", "了", "你好", "您好")


# After a fallback, a dialogue task ranked at least this high is taken when the message carries a value that
# task uses (a date for the late-fee quote, an area for the estimate, a 户号/phone/address for the account tasks).
MIN_TASK_CONFIDENCE = 0.3
_ACCOUNT_VALUES = frozenset({"account_number", "phone_number", "address"})
TASK_VALUES = {
    "ask_late_fee_on_date": _ACCOUNT_VALUES | {"pay_date"},
    "ask_estimate": frozenset({"area_m2"}),
    "check_ticket_status": frozenset({"ticket_reference"}),
}
REQUEST_VALUE_KINDS = ("account_number", "phone_number", "address", "pay_date", "area_m2", "amount_yuan")


def _request_chars(understanding: Dict[str, Any]) -> int:
    """How many Chinese characters the customer said besides the values and the words that introduce them."""
    rest = understanding.get("rest") or ""
    for word in _VALUE_WORDS:
        rest = rest.replace(word, "")
    return sum(1 for c in rest if "\u4e00" <= c <= "\u9fff")


def _asks_more_than_a_value(understanding: Dict[str, Any]) -> bool:
    """A value plus words of a request (3100000011近三年交了多少, 我下个月5号才能去交会多收多少): not just the value."""
    values = understanding.get("values") or {}
    return any(k in values for k in REQUEST_VALUE_KINDS) and _request_chars(understanding) >= 2


def _only_a_value(understanding: Dict[str, Any]) -> bool:
    """A bare answer (1月31号, 3100000001, 80平, 四三五三): whatever a classifier guessed, it is `inform`."""
    values = understanding.get("values") or {}
    return bool(set(values) - {"markers", "use_type"}) and _request_chars(understanding) < 2


def _best_request(message: Message, tasks_only: bool = False) -> Optional[str]:
    """The best-ranked intent that is a request (not inform, not a fallback); `faq` keeps the selector's topic.
    After a fallback only a dialogue task that uses one of the message's values is trusted."""
    values = ((message.get(UNDERSTANDING_KEY) or {}).get("values")) or {}
    tasks = routing_table().tasks
    for entry in message.get(INTENT_RANKING_KEY) or []:
        name = entry.get(INTENT_NAME_KEY)
        if name in (INFORM, FALLBACK) or name in NOT_A_QUESTION or name == OUT_OF_SCOPE:
            continue
        if tasks_only:
            uses = TASK_VALUES.get(name, _ACCOUNT_VALUES)
            if (name in tasks and float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= MIN_TASK_CONFIDENCE
                    and uses & set(values)):
                return name
            continue
        return name
    return None


# A clause is short and often elliptical: its best topic is trusted at a lower combined score than a whole
# message's (bot.nlu.faq_confidence falls back below 0.8).
CLAUSE_MIN_SCORE = 0.5


def clause_label(clause: Message) -> str:
    label = label_of(clause)
    if label != FALLBACK:
        return label
    combined = (clause.get("faq_weak_match") or {}).get("combined")
    if combined is None:  # FallbackClassifier fell back before the FAQ check: score the topics here
        from bot.nlu.faq_confidence import combined_topic_scores

        ranking = ((clause.get("response_selector") or {}).get(RETRIEVAL_INTENT) or {}).get("ranking") or []
        scored = [(r.get("intent_response_key"), float(r.get(PREDICTED_CONFIDENCE_KEY, 0.0))) for r in ranking]
        combined = combined_topic_scores(clause.get(TEXT) or "", scored, RETRIEVAL_INTENT)
    if combined and combined[0][1] >= CLAUSE_MIN_SCORE and str(combined[0][0]).startswith(FAQ_PREFIX):
        return str(combined[0][0])
    return label


def clause_labels(clauses: List[Message], parent_facts: List[str], table: RoutingTable) -> List[str]:
    labels = []
    for clause in clauses:
        label = clause_label(clause)
        labels.append(table.route(label, parent_facts) if label != FALLBACK else FALLBACK)
    return labels


def questions_in(labels: List[str]) -> List[str]:
    """The distinct questions among clause labels, in order (greetings, values and repeats dropped)."""
    out: List[str] = []
    for label in labels:
        if label in NOT_A_QUESTION or label in out:
            continue
        out.append(label)
    return out


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class Router(GraphComponent, IntentClassifier):
    """See the module docstring. Place it last in the pipeline."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [IntentClassifier]

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = config or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "Router":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        table = routing_table()
        main = [m for m in messages if m.get(CLAUSE_KEY) is None]
        clauses = [m for m in messages if m.get(CLAUSE_KEY) is not None]
        for message in main:
            # The classifiers have read the delexicalised text; from here on (parse data, the actions'
            # latest_message) the text is the canonical one, with the values in it.
            canonical = (message.get(UNDERSTANDING_KEY) or {}).get("canonical")
            if canonical:
                message.set(TEXT, canonical)
            changed = route_message(message, table)
            # Clause messages belong to the one real message of the batch (Rasa parses one message at a time).
            if clauses and len(main) == 1 and changed not in (CANCEL, NON_CHINESE):
                self._multi_question(message, clauses, table)
        messages[:] = main
        return messages

    def _multi_question(self, message: Message, clauses: List[Message], table: RoutingTable) -> None:
        facts = facts_of(message.get(UNDERSTANDING_KEY) or {})
        labels = clause_labels(clauses, facts, table)
        understanding = message.get(UNDERSTANDING_KEY) or {}
        texts = list(understanding.get("clauses") or [])
        entries = [{"text": texts[i] if i < len(texts) else "", "label": label} for i, label in enumerate(labels)]
        questions = questions_in(labels)
        # Two different questions that were each understood; a clause nobody understood leaves the whole
        # message to the ordinary path (it is often the same question's tail: 在哪看账单 都收了啥).
        if len([q for q in questions if q != FALLBACK]) >= 2:
            message.set(CLAUSES_KEY, [e for e in entries if e["label"] not in NOT_A_QUESTION and e["label"] != FALLBACK],
                    add_to_output=True)
            _set_intent(message, MULTI_QUESTION, 1.0, f"{len(questions)} questions: {questions}")
