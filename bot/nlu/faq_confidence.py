"""A Rasa graph component that turns weak FAQ matches into `nlu_fallback`.

FallbackClassifier only looks at the *intent* confidence, and DIET is nearly always sure a policy question is
`faq` (confidence ≈ 1.0) even when the ResponseSelector has no idea which topic it is (top answer 0.1–0.2,
a close second). This component reads the selector's own confidence for its top response and, when it is
below `threshold` or the top two responses are closer than `ambiguity_threshold`, rewrites the intent to
`nlu_fallback`, so the dialogue sends the question to the knowledge search (action_search_knowledge) instead
of uttering a probably wrong answer. Every `utter_faq` rule stays as it is.

With `lexical_weight` > 0 the selector's confidences are first combined with the BM25 topic search of the
knowledge base (bot.knowledge.search, the same index the fallback action uses): each topic scores
`selector confidence + lexical_weight × BM25 score / max(best BM25 score, lexical_norm)`. Two independent
views of the question then have to agree, which both picks the right topic more often (the selector alone
confuses 居民/非居民, 低保减免/低保申请) and separates weak matches better. When the combined best topic is not
the selector's, the selector's prediction is replaced (`response.intent_response_key` and `utter_action`,
which is what `utter_faq` utters; `faq_rerank` records the change). The thresholds then apply to the
combined scores.

Calibration (tests/data/heldout_questions.yml, 167 in-scope and 38 out-of-scope questions, two trained
models): the selector alone is poorly calibrated (right answers often at 0.2–0.3), so any threshold trades
accuracy for out-of-scope recall: 86.8 % / 81.6 % with no check, 86.2 % / 89.5 % at 0.2, 83.8 % / 92.1 % at
0.3. Combined with the search (weight 1.0, norm 25) it reaches 92.2 % / 89.5 % at a threshold of 0.7–0.8
and the result is flat from 0.5 to 0.9; the ambiguity test adds no out-of-scope recall there and costs
0.6–1.2 points of accuracy per 0.05, so config.yml sets it to 0.

It runs after FallbackClassifier (place it last in the pipeline): when FallbackClassifier has already fallen
back there is nothing left to check, and its own ambiguity test is not confused by an extra entry at the top
of `intent_ranking`. Like FallbackClassifier it keeps the original prediction: the `faq` entry stays in
`intent_ranking` (below the inserted `nlu_fallback`, so `undo_fallback_prediction` restores it), the
ResponseSelector's ranking stays in `response_selector`, and `faq_weak_match` records what was decided.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

WEAK_MATCH_KEY = "faq_weak_match"
RERANK_KEY = "faq_rerank"


def weak_match_reason(
    confidences: List[float], threshold: float, ambiguity_threshold: float
) -> Optional[str]:
    """Why a selector ranking (confidences, best first) is too weak to answer from, or None if it is fine."""
    if not confidences:
        return "no response ranked"
    top = confidences[0]
    if top < threshold:
        return f"top response confidence {top:.2f} < {threshold:.2f}"
    second = confidences[1] if len(confidences) > 1 else 0.0
    if top - second < ambiguity_threshold:
        return f"top two responses {top:.2f} and {second:.2f} closer than {ambiguity_threshold:.2f}"
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FaqConfidenceCheck(GraphComponent, IntentClassifier):
    """Falls back when the ResponseSelector is unsure which FAQ answer fits (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [IntentClassifier]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            # the selector's confidence for its top response must be at least this …
            "threshold": 0.3,
            # … and beat the second response by at least this much
            "ambiguity_threshold": 0.05,
            # weight of the BM25 topic search in the combined score (0: the selector alone)
            "lexical_weight": 0.0,
            # BM25 scores are divided by max(best BM25 score of the question, lexical_norm)
            "lexical_norm": 25.0,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.component_config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "FaqConfidenceCheck":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._check(message)
        return messages

    def _check(self, message: Message) -> None:
        retrieval_intent = self.component_config["retrieval_intent"]
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) != retrieval_intent:
            return
        selected = (message.get("response_selector") or {}).get(retrieval_intent) or {}
        ranking = selected.get("ranking") or []
        scored = [(r.get("intent_response_key"), float(r.get(PREDICTED_CONFIDENCE_KEY, 0.0))) for r in ranking]
        if self.component_config["lexical_weight"] > 0:
            scored = self._combine(message.get(TEXT) or "", scored, retrieval_intent)
        confidences = [score for _, score in scored]
        reason = weak_match_reason(
            confidences, self.component_config["threshold"], self.component_config["ambiguity_threshold"])
        if reason is None:
            best = scored[0][0]
            response = selected.get("response") or {}
            if best and best != response.get("intent_response_key"):
                message.set(RERANK_KEY, {
                    "selector_choice": response.get("intent_response_key"),
                    "chosen": best,
                    "combined": [[key, round(score, 4)] for key, score in scored[:3]],
                }, add_to_output=True)
                selected["response"] = {
                    **response,
                    "intent_response_key": best,
                    "utter_action": f"utter_{best}",
                    PREDICTED_CONFIDENCE_KEY: confidences[0],
                    "responses": [],  # the texts live in the domain; utter_faq uses utter_action
                }
            return
        top = confidences[0] if confidences else 0.0
        fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: top}
        message.set(INTENT, fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(fallback), *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
        message.set(WEAK_MATCH_KEY, {
            "original_intent": dict(intent),
            "topic": scored[0][0] if scored else None,
            "combined": [[key, round(score, 4)] for key, score in scored[:3]],
            "confidence": top,
            "second": confidences[1] if len(confidences) > 1 else 0.0,
            "reason": reason,
        }, add_to_output=True)

    def _combine(self, text: str, scored: List[tuple], retrieval_intent: str) -> List[tuple]:
        return combined_topic_scores(text, scored, retrieval_intent, self.component_config["lexical_weight"],
                                     self.component_config["lexical_norm"])


def combined_topic_scores(
    text: str, scored: List[tuple], retrieval_intent: str, lexical_weight: float = 1.0, lexical_norm: float = 25.0
) -> List[tuple]:
    """Selector confidences plus the weighted, normalised BM25 scores of the best topics; best first."""
    from bot.knowledge.search import search  # the index is built once per process, on first use

    hits = search(text, k=3, kinds=("topic",)) if text.strip() else []
    combined = {key: score for key, score in scored if key}
    if hits:
        scale = max(hits[0].score, lexical_norm)
        for hit in hits:
            key = f"{retrieval_intent}/{hit.id}"
            combined[key] = combined.get(key, 0.0) + lexical_weight * hit.score / scale
    return sorted(combined.items(), key=lambda item: -item[1])
