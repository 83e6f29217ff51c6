"""Rasa's WhitespaceTokenizer, giving the featurizers and DIET at most ``max_tokens`` tokens.

Rasa parses each message on its event loop, and what the featurizers and DIET cost
grows with the number of tokens: a 4,096-character message (WhatsApp's limit, and
the channels' cut, ``bijli.limits``) took 0.2-0.3 s to parse against about 10 ms for a
consumer's usual post, and while it was parsed no other conversation was served
(issue 18). The longest message in the training data and both held-out sets has 55
words; ``max_tokens`` (200 in config.yml) leaves whole posts, and letters of several
paragraphs, as they are, and reads only the beginning of anything longer.

Only the tokens are cut, not the text: the message's text, which the actions and
``components.menu_numbers`` read (an IVRS number at the end of a long post is still
found), stays whole.
"""
from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

MAX_TOKENS = 200


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BoundedWhitespaceTokenizer(WhitespaceTokenizer):
    """Whitespace tokens, at most ``max_tokens`` of them (the message's beginning)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**WhitespaceTokenizer.get_default_config(), "max_tokens": MAX_TOKENS}

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        return super().tokenize(message, attribute)[: int(self._config["max_tokens"])]
