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
  -> intent ``inform`` (confidence 1.0);
- ``choose_option`` from the classifier without a bare menu choice in the
  text ("My bill's 30,000/- too!!!") is demoted to the best other intent of
  the ranking, or to ``nlu_fallback`` when that is below the fallback
  threshold (this component runs after the FallbackClassifier, so it does
  what that classifier would have done).
The intent ranking is rewritten so the override is first.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bijli.nlu_rules import NUMBER_ENTITIES, canonicalize_entities, language_in_text, resolve

INTENT_RANKING = "intent_ranking"
EXTRACTOR = "MenuNumberResolver"
CHOOSE_OPTION = "choose_option"
NLU_FALLBACK = "nlu_fallback"
# FallbackClassifier's threshold in config.yml.
FALLBACK_THRESHOLD = 0.55


def demote_choice(data: Dict[Text, Any], threshold: float = FALLBACK_THRESHOLD) -> None:
    """The classifier said choose_option but the text holds no bare choice:
    take the best-ranked other intent, or nlu_fallback below the threshold."""
    ranking = [r for r in (data.get(INTENT_RANKING) or [])
               if r.get("name") not in (CHOOSE_OPTION, NLU_FALLBACK)]
    best: Optional[Dict[Text, Any]] = max(ranking, key=lambda r: r.get("confidence") or 0.0, default=None)
    if best is None or (best.get("confidence") or 0.0) < threshold:
        data[INTENT] = {"name": NLU_FALLBACK, "confidence": threshold}
        data[INTENT_RANKING] = [{"name": NLU_FALLBACK, "confidence": threshold}] + [
            {"name": r.get("name"), "confidence": r.get("confidence")} for r in ranking
        ]
        return
    data[INTENT] = {"name": best.get("name"), "confidence": best.get("confidence")}
    data[INTENT_RANKING] = [best] + [r for r in ranking if r is not best]


def apply_override(data: Dict[Text, Any], fallback_threshold: float = FALLBACK_THRESHOLD) -> Dict[Text, Any]:
    """Apply the deterministic rules to a parse-result-like dict in place."""
    text = data.get(TEXT) or ""
    intent, number_entities = resolve(text)
    if intent is None and (data.get(INTENT) or {}).get("name") == CHOOSE_OPTION:
        demote_choice(data, fallback_threshold)
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

    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        self.fallback_threshold = float((config or {}).get("fallback_threshold", FALLBACK_THRESHOLD))

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # Keep equal to the FallbackClassifier's threshold in config.yml.
        return {"fallback_threshold": FALLBACK_THRESHOLD}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MenuNumberResolver":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            data = {
                TEXT: message.get(TEXT),
                INTENT: message.get(INTENT),
                INTENT_RANKING: message.get(INTENT_RANKING),
                ENTITIES: message.get(ENTITIES),
            }
            apply_override(data, self.fallback_threshold)
            message.set(ENTITIES, data[ENTITIES], add_to_output=True)
            if data.get(INTENT) is not message.get(INTENT):
                message.set(INTENT, data[INTENT], add_to_output=True)
                message.set(INTENT_RANKING, data[INTENT_RANKING], add_to_output=True)
        return messages
