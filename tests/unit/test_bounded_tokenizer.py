"""The tokenizer gives the featurizers and DIET at most 200 tokens, and leaves the text whole."""
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from components.bounded_tokenizer import BoundedWhitespaceTokenizer
from tests.adversarial import repeated


def _tokens(tokenizer, text):
    return [t.text for t in tokenizer.tokenize(Message({"text": text}), "text")]


def test_a_full_length_message_gives_only_its_first_200_tokens_and_keeps_its_text():
    bounded = BoundedWhitespaceTokenizer(BoundedWhitespaceTokenizer.get_default_config())
    message = Message({"text": repeated("light nahi hai ", 4096)})
    bounded.process([message])
    tokens = message.get("text_tokens")
    assert len(tokens) == 200 and [t.text for t in tokens[:3]] == ["light", "nahi", "hai"]
    assert len(message.get("text")) == 4096           # the actions still read the whole message


def test_every_message_of_the_training_data_is_tokenised_as_by_rasas_tokenizer():
    plain = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    bounded = BoundedWhitespaceTokenizer(BoundedWhitespaceTokenizer.get_default_config())
    longest_post = ("@mpcz_care my electricity bill for May is ₹5,510 when I usually pay around 900. Same "
                    "house, same 2 fans and one fridge. How is this possible??? बिजली का बिल बहुत ज़्यादा है")
    for text in (longest_post, "Hi", "२", "मेरा आईवीआरएस नंबर ११००२२३३४४ है"):
        assert _tokens(bounded, text) == _tokens(plain, text)


def test_the_window_is_set_in_config_yml():
    import yaml

    from tests.conftest import ROOT

    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    [tokenizer] = [c for c in pipeline if "Tokenizer" in c["name"]]
    assert tokenizer == {"name": "components.bounded_tokenizer.BoundedWhitespaceTokenizer", "max_tokens": 200}
