"""Answer quality of the trained model on the held-out questions, and the weak-match check on its own.

The model test loads the latest model in models/ (scripts/test.sh trains it first) and runs the held-out
questions through it, as `python -m bot kb evaluate` does. It fails when top-1 topic accuracy or out-of-scope
recall drops below what the current data and pipeline reach, minus a small margin: a new paraphrase, a
pipeline change or a threshold that makes answers worse shows up here. It skips when there is no model or the
model is older than its inputs (KB_EVALUATE_MODEL=models/….tar.gz measures a given model anyway).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.knowledge import evaluate as ev
from bot.nlu.faq_confidence import FaqConfidenceCheck, weak_match_reason

# Measured with `python -m bot kb evaluate` on 2026-11-27: top-1 95.8 % and OOS recall 97.4 %; that set had
# been used to add paraphrases (issue 3), so it overstated quality. Since issue 8 the routing table sends
# requests about the customer's own account or a date to the dialogue that answers them with real figures
# (请问1月31号交要多少滞纳金 → the late-fee quote), which this set, labelled with FAQ topics only, counts as wrong,
# and the pipeline is the faster one: measured 2026-12-02 87.4 % (146/167; 16 of the 21 misses went to a
# dialogue or a two-question answer) and OOS recall 89.5 % (34/38). The frozen set v2 (tests/test_heldout_v2.py)
# is the measure now; these floors only guard against a collapse.
MIN_TOP1_ACCURACY = 0.80
MIN_OOS_RECALL = 0.84


# --- the weak-match component, no model needed -------------------------------------------------------------

def _message(intent="faq", confidences=(0.6, 0.1)) -> Message:
    ranking = [{"intent_response_key": f"faq/topic_{i}", "confidence": c} for i, c in enumerate(confidences)]
    return Message(data={
        "text": "问题",
        "intent": {"name": intent, "confidence": 0.99},
        "intent_ranking": [{"name": intent, "confidence": 0.99}, {"name": "greet", "confidence": 0.01}],
        "response_selector": {"faq": {"ranking": ranking, "response": {"intent_response_key": "faq/topic_0"}}},
    })


def test_weak_match_reason():
    assert weak_match_reason([0.6, 0.1], 0.2, 0.05) is None
    assert "0.15" in weak_match_reason([0.15, 0.1], 0.2, 0.0)
    assert "closer" in weak_match_reason([0.40, 0.38], 0.2, 0.05)
    assert weak_match_reason([], 0.2, 0.05) == "no response ranked"


def test_confident_faq_match_is_left_alone():
    message = FaqConfidenceCheck({"threshold": 0.2, "ambiguity_threshold": 0.05}).process([_message()])[0]
    assert message.get("intent")["name"] == "faq"
    assert message.get(ev.WEAK_MATCH_KEY) is None


def test_weak_faq_match_becomes_nlu_fallback_and_keeps_the_ranking():
    message = FaqConfidenceCheck({"threshold": 0.2, "ambiguity_threshold": 0.0}).process(
        [_message(confidences=(0.12, 0.08))])[0]
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.12}
    assert [i["name"] for i in message.get("intent_ranking")][:2] == ["nlu_fallback", "faq"]
    assert message.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == "faq/topic_0"
    weak = message.get(ev.WEAK_MATCH_KEY)
    assert weak["original_intent"]["name"] == "faq" and weak["topic"] == "faq/topic_0"
    assert ev.WEAK_MATCH_KEY in message.output_properties  # reaches the tracker and the action server


def test_other_intents_are_left_alone():
    message = FaqConfidenceCheck({"threshold": 0.9}).process([_message(intent="greet", confidences=(0.01,))])[0]
    assert message.get("intent")["name"] == "greet"


def test_final_label():
    assert ev.final_label({"intent": {"name": "faq"},
                           "response_selector": {"faq": {"response": {"intent_response_key": "faq/late_fee_rate"}}}}
                          ) == "late_fee_rate"
    assert ev.final_label({"intent": {"name": "nlu_fallback"}}) == "nlu_fallback"
    assert ev.final_label({"intent": {"name": "out_of_scope"}}) == "out_of_scope"


# --- the trained model --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evaluation():
    from bot.training import model_is_current

    if os.environ.get("KB_EVALUATE_MODEL"):  # measure this model, current or not
        return ev.evaluate(ev.model_parser(Path(os.environ["KB_EVALUATE_MODEL"])), ev.load_questions())
    model = ev.latest_model()
    if model is None:
        pytest.skip("no trained model in models/ (run python -m bot train, or scripts/test.sh which trains first)")
    if not model_is_current():
        pytest.skip(f"{model.name} is older than its training inputs (config.yml, domain/, data/, bot/nlu/): "
                    "retrain (python -m bot train) to measure")
    return ev.evaluate(ev.model_parser(model), ev.load_questions())


def test_top1_topic_accuracy(evaluation):
    assert evaluation.top1_accuracy >= MIN_TOP1_ACCURACY, ev.format_report(evaluation)


def test_out_of_scope_recall(evaluation):
    assert evaluation.oos_recall >= MIN_OOS_RECALL, ev.format_report(evaluation)
