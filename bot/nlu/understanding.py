"""First component of the NLU pipeline: the understanding layer (bot.understanding) applied to every message.

* The classifiers see the canonical, delexicalised text (我家房子NUM平…), in training and at run time alike.
* The typed values become entities (account_number, phone_number, area_m2, amount_yuan, pay_date,
  ticket_reference, use_type) with their canonical value, which fill slots through the domain's mappings.
* `understanding` (canonical text, values, clauses, language, cancel) is added to the parse data for the router
  at the end of the pipeline and for the actions.
* A message with two or more questions gets one extra Message per clause appended to the batch, so that every
  classifier downstream reads each clause too; bot.nlu.router collects them and removes them again. Rasa takes
  the first message of the batch as the result (rasa.core.processor._parse_message_with_graph), which a test
  pins.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.clock import today
from bot.understanding import understand

UNDERSTANDING_KEY = "understanding"
CLAUSE_KEY = "clause_of"  # on the extra per-clause messages: index of the clause
EXTRACTOR = "TextUnderstanding"
ENTITY_KINDS = ("account_number", "phone_number", "area_m2", "amount_yuan", "pay_date", "ticket_reference")
# A fixed date for training: delexicalised text does not depend on it, and a model must not depend on the day.
TRAINING_DAY = dt.date(2026, 1, 1)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextUnderstanding(GraphComponent):
    """Must come first in the pipeline: tokens are computed on the text it leaves."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """Rasa caches a component's training output by its inputs and config only: the layer's code and word
        lists change what it writes, so they are part of its fingerprint (else a retrain reuses stale text)."""
        return understanding_fingerprint()

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "TextUnderstanding":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            text = message.get(TEXT)
            if text:
                message.set(TEXT, understand(text, TRAINING_DAY).delexicalised)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        clause_messages: List[Message] = []
        day = today()
        for message in messages:
            text = message.get(TEXT)
            if not text or message.get(CLAUSE_KEY) is not None:
                continue
            understood = understand(text, day)
            message.set(TEXT, understood.delexicalised)  # bot.nlu.router sets the canonical text back
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *_entities(understood)], add_to_output=True)
            message.set(UNDERSTANDING_KEY, understood.as_dict(), add_to_output=True)
            for index, clause in enumerate(understood.clauses):
                clause_messages.append(Message(data={TEXT: clause.delexicalised, CLAUSE_KEY: index}))
        # The clause messages ride along after the real ones; bot.nlu.router takes them out again.
        messages.extend(clause_messages)
        return messages


def understanding_fingerprint() -> str:
    from bot.settings import KNOWLEDGE_DIR

    package = Path(__file__).resolve().parent.parent / "understanding"
    paths = sorted(package.glob("*.py")) + [KNOWLEDGE_DIR / "understanding.yml"] + sorted(
        (KNOWLEDGE_DIR / "dictionary").glob("*.txt"))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _entities(understood) -> List[Dict[str, Any]]:
    entities = []
    for value in understood.values.found:
        if value.kind in ENTITY_KINDS:
            entities.append({
                "entity": value.kind, "value": value.value, "start": value.start, "end": value.end,
                "extractor": EXTRACTOR,
            })
    if understood.values.use_type:
        entities.append({"entity": "use_type", "value": understood.values.use_type, "extractor": EXTRACTOR})
    return entities
