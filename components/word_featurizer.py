"""Devanagari-correct word-level bag-of-words featurizer.

Rasa's ``CountVectorsFeaturizer`` (analyzer ``word``) joins the tokenizer's
tokens with spaces and re-splits them with ``(?u)\\b\\w+\\b``. Python's ``re``
does not count Devanagari vowel signs (matras, category Mc/Mn) as ``\\w``, so
``बिजली`` becomes ``ब ज ल`` and ``बिल``/``बाल`` collide. This subclass splits on
whitespace only, so each WhitespaceTokenizer token (which uses the ``regex``
module and keeps matras) is one feature.
"""
from typing import Any, Dict, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)

WHITESPACE_TOKEN_PATTERN = r"(?u)[^\s]+"


def _fix(vectorizers: Dict[Text, Any], parameters: Dict[Text, Any]) -> Dict[Text, Any]:
    if parameters.get("analyzer", "word") == "word":
        for v in vectorizers.values():
            v.token_pattern = WHITESPACE_TOKEN_PATTERN
    return vectorizers


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class DevanagariWordFeaturizer(CountVectorsFeaturizer):
    """CountVectorsFeaturizer whose word analyzer keeps Devanagari words whole."""

    @classmethod
    def _create_shared_vocab_vectorizers(
        cls, parameters: Dict[Text, Any], vocabulary: Optional[Any] = None
    ) -> Dict[Text, Any]:
        return _fix(super()._create_shared_vocab_vectorizers(parameters, vocabulary), parameters)

    @classmethod
    def _create_independent_vocab_vectorizers(
        cls, parameters: Dict[Text, Any], vocabulary: Optional[Any] = None
    ) -> Dict[Text, Any]:
        return _fix(super()._create_independent_vocab_vectorizers(parameters, vocabulary), parameters)
