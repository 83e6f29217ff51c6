"""NLU front component: applies ``bijli.text.normalize`` to the message text.

Runs in both ``process_training_data`` and ``process`` so training and
inference see the same text. Entity offsets of training examples are
re-aligned to the normalised text.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bijli.text import normalize

ORIGINAL_TEXT = "text_original"


def realign_entities(original: Text, normalised: Text, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Move entity spans from ``original`` to ``normalised`` text.

    Each entity's original span is normalised on its own and searched for in
    the normalised text, left to right. Noise removed before or inside the
    span (links, @handles, emoji, punctuation runs) does not matter, since
    the span loses it too. A span normalised alone can differ in case from
    the same letters in context (an ALL-CAPS span "MPEB" is lower-cased alone,
    but not inside "MPEBFail"), so the search ignores case. Entities whose span
    cannot be found are dropped (and reported by the unit tests of the
    training data).
    """
    out = []
    cursor = 0
    for ent in sorted(entities, key=lambda e: e.get("start", 0)):
        span = original[ent["start"]:ent["end"]]
        span_n = normalize(span)
        if not span_n:
            continue
        idx = _find(normalised, span_n, cursor)
        if idx < 0:
            continue
        if normalised[idx:idx + len(span_n)] != span_n:
            span_n = normalised[idx:idx + len(span_n)]
        new = dict(ent)
        new["start"], new["end"] = idx, idx + len(span_n)
        if ent.get("value") == span:
            new["value"] = span_n
        out.append(new)
        cursor = idx + len(span_n)
    return out


def _find(text: Text, span: Text, cursor: int) -> int:
    """Index of ``span`` in ``text``, after ``cursor`` first, then anywhere.

    Case is ignored (when lower-casing keeps the lengths), so a span found
    in a different case is not skipped for a later exact copy."""
    hay, needle = text.lower(), span.lower()
    if len(hay) != len(text) or len(needle) != len(span):
        hay, needle = text, span
    idx = hay.find(needle, cursor)
    return idx if idx >= 0 else hay.find(needle)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TextNormalizer(GraphComponent):
    """Normalises message text before tokenisation (see ``bijli.text``)."""

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
    ) -> "TextNormalizer":
        return cls()

    @staticmethod
    def _normalise_message(message: Message, training: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text:
            return
        new_text = normalize(text)
        if new_text == text:
            return
        if training and message.get(ENTITIES):
            message.set(ENTITIES, realign_entities(text, new_text, message.get(ENTITIES)))
        message.set(TEXT, new_text)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise_message(example, training=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalise_message(message, training=False)
        return messages
