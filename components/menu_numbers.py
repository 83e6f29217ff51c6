"""Deterministic override after the classifier: bare menu choices and numbers.

Thin Rasa adapter over ``bijli.nlu_rules.resolve``:
- a bare menu choice ("2", "२", "option 2", "दूसरा", "teesra") -> intent
  ``choose_option`` (confidence 1.0) + entity ``option`` = "2";
- IVRS / mobile / complaint numbers anywhere -> entities ``ivrs`` (N + digits,
  upper case, no spaces), ``mobile`` (10 digits), ``complaint_number``;
  the classifier's own entities of these types are replaced (no duplicates);
- ``area_type`` / ``complaint_category`` / ``language`` values are forced into
  their closed sets (urban/rural/agriculture; no_supply, voltage, meter,
  line_damage, transformer, billing, other; hi/en);
- a message that is only a number (plus filler like "mera IVRS number ... hai")
  -> intent ``inform`` (confidence 1.0).
The intent ranking is rewritten so the override is first.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bijli.nlu_rules import NUMBER_ENTITIES, canonicalize_entities, language_in_text, resolve

INTENT_RANKING = "intent_ranking"
EXTRACTOR = "MenuNumberResolver"


def apply_override(data: Dict[Text, Any]) -> Dict[Text, Any]:
    """Apply the deterministic rules to a parse-result-like dict in place."""
    text = data.get(TEXT) or ""
    intent, number_entities = resolve(text)
    entities = [e for e in (data.get(ENTITIES) or []) if e.get("entity") not in NUMBER_ENTITIES]
    if intent == "choose_option":
        entities = []  # a bare choice carries nothing else
    for e in number_entities:
        entities.append({**e, "confidence_entity": 1.0, "extractor": EXTRACTOR})
    # de-duplicate by (entity, start, end); first wins
    seen, unique = set(), []
    for e in sorted(entities, key=lambda e: (e.get("start", 0), e.get("end", 0))):
        key = (e.get("entity"), e.get("start"), e.get("end"))
        if key in seen:
            continue
        seen.add(key)
        unique.append(e)
    unique = canonicalize_entities(unique)
    if (data.get(INTENT) or {}).get("name") == "change_language" and not any(
        e.get("entity") == "language" for e in unique
    ):
        lang = language_in_text(text)
        if lang:
            unique.append({**lang, "confidence_entity": 1.0, "extractor": EXTRACTOR})
    data[ENTITIES] = unique
    if intent:
        ranking = [r for r in (data.get(INTENT_RANKING) or []) if r.get("name") != intent]
        data[INTENT] = {"name": intent, "confidence": 1.0}
        data[INTENT_RANKING] = [{"name": intent, "confidence": 1.0}] + [
            {"name": r.get("name"), "confidence": 0.0} for r in ranking
        ]
    return data


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=False,
)
class MenuNumberResolver(GraphComponent):
    """Overrides intent/entities for bare menu choices and number messages."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MenuNumberResolver":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            data = {
                TEXT: message.get(TEXT),
                INTENT: message.get(INTENT),
                INTENT_RANKING: message.get(INTENT_RANKING),
                ENTITIES: message.get(ENTITIES),
            }
            apply_override(data)
            message.set(ENTITIES, data[ENTITIES], add_to_output=True)
            if data.get(INTENT) is not message.get(INTENT):
                message.set(INTENT, data[INTENT], add_to_output=True)
                message.set(INTENT_RANKING, data[INTENT_RANKING], add_to_output=True)
        return messages
