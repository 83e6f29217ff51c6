"""Adversarial messages of WhatsApp's full length, and every function that reads user text.

Rasa parses a message on its event loop, so the time one message takes in the NLU
rule layer is time that no other conversation is served (issue 18). Each input below
repeats a short piece to ``bijli.limits.MAX_MESSAGE_CHARS``: the pieces are the ones
that made a pattern retry from every position (a number's group separators, a run of
spaces, a word that starts a ``first.*then`` pattern). Used by
``tests/unit/test_adversarial_text.py`` (a bound) and ``scripts/bench_adversarial.py``
(the worst case, for ``make bench``).
"""
from typing import Any, Callable, Dict

from bijli import categories, complaints, cues, ivrs, nlu_rules, text
from bijli.limits import MAX_MESSAGE_CHARS
from components.menu_numbers import apply_override


def repeated(piece: str, length: int = MAX_MESSAGE_CHARS) -> str:
    """``piece`` repeated and cut to ``length`` characters."""
    return (piece * (length // len(piece) + 1))[:length]


# name -> a function of the length, so a benchmark can also try other lengths.
INPUTS: Dict[str, Callable[[int], str]] = {
    '"1," repeated': lambda n: repeated("1,", n),
    '"१," repeated (Devanagari digits)': lambda n: repeated("१,", n),
    '"1." repeated': lambda n: repeated("1.", n),
    '"N1 " repeated': lambda n: repeated("N1 ", n),
    '"₹1,000/- " repeated': lambda n: repeated("₹1,000/- ", n),
    "spaces, then a letter": lambda n: " " * (n - 1) + "a",
    "no-break spaces, then a letter": lambda n: "\u00a0" * (n - 1) + "a",
    "digits only": lambda n: "1" * n,
    '"123456 " repeated': lambda n: repeated("123456 ", n),
    '"+91 " repeated': lambda n: repeated("+91 ", n),
    '"N1234567890 " repeated (341 IVRS numbers)': lambda n: repeated("N1234567890 ", n),
    '"1 ghante " repeated': lambda n: repeated("1 ghante ", n),
    '"ivrs 1 " repeated': lambda n: repeated("ivrs 1 ", n),
    '"N-1" repeated': lambda n: repeated("N-1", n),
    '"a_" repeated (an e-mail address without its @)': lambda n: repeated("a_", n),
    '".a" repeated': lambda n: repeated(".a", n),
    '"wire " repeated (a line fault without a verb)': lambda n: repeated("wire ", n),
    '"light " repeated (no supply without a verb)': lambda n: repeated("light ", n),
    '"no " repeated': lambda n: repeated("no ", n),
    '"still " repeated': lambda n: repeated("still ", n),
    '"Ab" repeated (one long word)': lambda n: repeated("Ab", n),
    '"!?" repeated': lambda n: repeated("!?", n),
    '"बि" repeated': lambda n: repeated("बि", n),
    "an ordinary complaint, repeated": lambda n: repeated(
        "Light nahi hai subah se, IVRS N3210987654, bill ₹5,510 aaya hai!! ", n),
}


def _override(message: str) -> Any:
    """The Rasa component's work (components/menu_numbers.py) on the normalised text."""
    return apply_override({
        "text": text.normalize(message),
        "intent": {"name": "choose_option", "confidence": 0.9},
        "intent_ranking": [{"name": "choose_option", "confidence": 0.9}],
        "entities": [{"entity": "complaint_category", "value": message[:200], "start": 0, "end": 3},
                     {"entity": "area_type", "value": message[:200], "start": 0, "end": 3}],
    })


# Everything that reads a consumer's message: the normaliser, the NLU rule layer and the
# cues that the flows apply to the raw text.
READERS: Dict[str, Callable[[str], Any]] = {
    "text.normalize": text.normalize,
    "text.detect_language": text.detect_language,
    "nlu_rules.resolve (normalised)": lambda m: nlu_rules.resolve(text.normalize(m)),
    "nlu_rules.resolve (raw)": nlu_rules.resolve,
    "nlu_rules.find_measures": nlu_rules.find_measures,
    "nlu_rules.language_in_text": nlu_rules.language_in_text,
    "nlu_rules.canonical_category": nlu_rules.canonical_category,
    "nlu_rules.canonical_area": nlu_rules.canonical_area,
    "components.menu_numbers.apply_override": _override,
    "cues.bill_dispute": cues.bill_dispute,
    "cues.helpline_unreachable": cues.helpline_unreachable,
    "cues.disconnection_mentioned": cues.disconnection_mentioned,
    "cues.asks_about_ivrs": cues.asks_about_ivrs,
    "categories.detect_category": categories.detect_category,
    "complaints.find_number": complaints.find_number,
    "complaints.clean_details": complaints.clean_details,
    "ivrs.find_ivrs": ivrs.find_ivrs,
}
