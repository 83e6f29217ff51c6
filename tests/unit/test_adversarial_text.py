"""No message of WhatsApp's full length holds Rasa's event loop (issue 18, item 1).

Rasa runs the NLU graph, our components included, on its event loop: while one message
is parsed, no other conversation, webhook or payment event is served. A 4,096-character
"1,1,1,..." took 2.4 s in the normaliser and the resolver alone, because several number
patterns retried from every comma. Every reader of user text must stay linear: this
bound of one second per input is far above the linear cost (milliseconds), so it fails
only when a pattern goes quadratic again. ``make bench`` reports the worst case.
"""
import time

import pytest

from bijli import categories, nlu_rules, text
from bijli.limits import MAX_MESSAGE_CHARS
from tests.adversarial import INPUTS, READERS

BOUND_SECONDS = 1.0


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_every_reader_of_user_text_finishes_a_full_length_adversarial_message_quickly(name):
    message = INPUTS[name](MAX_MESSAGE_CHARS)
    assert len(message) == MAX_MESSAGE_CHARS
    slow = {}
    for reader, read in READERS.items():
        started = time.perf_counter()
        read(message)
        took = time.perf_counter() - started
        if took > BOUND_SECONDS:
            slow[reader] = round(took, 2)
    assert slow == {}, f"{name}: {slow}"


def test_what_the_linear_patterns_still_find():
    """The rewritten patterns read ordinary messages as before."""
    # Amounts and durations, also after a group separator and inside longer text
    found = nlu_rules.find_measures("bill ₹5,510 aaya, 3 ghante se light nahi")
    assert {(kind, start) for kind, start, _ in found} >= {("amount", 5), ("duration", 18)}
    assert nlu_rules.find_measures("30,000/-")[0] == ("amount", 0, 8)
    assert nlu_rules.find_measures("paid 1,250.50 rupaye")[0] == ("amount", 5, 20)
    assert nlu_rules.resolve("2")[0] == "choose_option"
    assert nlu_rules.resolve("mera ivrs N3210987654 hai") == (
        "inform", [{"entity": "ivrs", "value": "N3210987654", "start": 10, "end": 21}])
    # Spaces before a mark and e-mail addresses are still tidied away
    assert text.normalize("bill kitna hai   ?") == "bill kitna hai?"
    assert text.normalize("mail me at a.b@example.com please") == "mail me at please"
    # first ... then: a broken wire, and no supply
    assert categories.detect_category("wire toot gaya hai") == "line_damage"
    assert categories.detect_category("the wire near our gate is hanging low") == "line_damage"
    assert categories.detect_category("light nahi hai subah se") == "no_supply"
    assert categories.detect_category("no light since morning") == "no_supply"


def test_many_numbers_in_one_message_keep_their_own_keywords():
    """The neighbour search (now by bisection) still stops at the next number."""
    found = nlu_rules.find_number_entities(
        "IVRS 3210987654, mobile 9812345678, complaint 2611250001, bill 125000")
    assert [(e["entity"], e["value"]) for e in found] == [
        ("ivrs", "3210987654"), ("mobile", "9812345678"), ("complaint_number", "2611250001")]


def test_a_message_of_hundreds_of_numbers_carries_only_its_first_ten():
    """Each entity is stored with the message and sent to the action server on every turn."""
    from tests.adversarial import repeated

    _, entities = nlu_rules.resolve(text.normalize(repeated("N1234567890 ", MAX_MESSAGE_CHARS)))
    assert len(entities) == nlu_rules.MAX_NUMBER_ENTITIES == 10
    assert {e["value"] for e in entities} == {"N1234567890"} and entities[0]["start"] == 0
