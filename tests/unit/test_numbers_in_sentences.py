"""Numbers inside a sentence are never menu choices (issue 11).

"My bill's 30,000/- too!!!" was read as ``choose_option`` at 0.95. Amounts,
durations, dates and times inside a sentence are neither a menu choice nor an
IVRS / mobile / complaint number; real identifiers in the same sentence are
still found; a bare choice still is one.
"""
import pytest

from bijli.nlu_rules import find_measures, find_number_entities, parse_menu_choice, resolve
from bijli.text import normalize

NUMBER_ENTITIES = {"ivrs", "mobile", "complaint_number", "option"}

AMOUNTS = [
    "My bill's 30,000/- too!!!",
    "bill ₹5,510 aaya hai",
    "Rs 29,700 ka bill kaise aaya",
    "Rs.1200 jama kiye the",
    "INR 4500 debited but bill not paid",
    "5000 rupaye ka bill aaya",
    "5000 रुपये का बिल आया है",
    "५००० रुपये जमा किए",
    "the bill is 2,00,000",
    "bill 1,250.50 hai",
    "paid 4500/- yesterday",
    "₹ 12,34,567 ka bill, ye kaise?",
    "mera bill 30,000 aaya hai itna zyada kaise",
    "bill 20/-",
    "bijli ka bill ₹८,४५०",
    "I paid rupees 3400 on time",
]
DURATIONS = [
    "3 ghante se light nahi hai",
    "2 din se bijli nahi",
    "no power for 48 hours",
    "light gone since 3hrs",
    "२ दिन से बिजली नहीं है",
    "१२ घंटे से लाइट गायब",
    "5 mahine se bill nahi aaya",
    "it has been 2 weeks, no reply",
    "4 hrs",
    "10 din",
]
DATES = [
    "12/11/2025 ko shikayat ki thi",
    "5 tarikh tak bill bharna hai",
    "paid on 12th Nov",
    "27-11-2026 se meter band hai",
    "due date 15/12 hai kya",
    "२७/११/२०२६ को शिकायत की",
    "bill 5 तारीख को आया",
    "Nov 12 ko payment kiya",
    "12 11 2025 complaint ki thi",
]
TIMES = [
    "6 baje se light nahi",
    "10:30 se bijli gayi hui hai",
    "power cut at 6 am",
    "सुबह ६ बजे से बिजली नहीं",
    "raat 11 pm se andhera hai",
    "10.30 baje aayi thi light",
    "6 बजे",
]


@pytest.mark.parametrize("text", AMOUNTS + DURATIONS + DATES + TIMES)
def test_number_in_a_sentence_is_no_choice_and_no_entity(text):
    norm = normalize(text)
    assert parse_menu_choice(norm) is None
    intent, ents = resolve(norm)
    assert intent != "choose_option"
    assert not [e for e in ents if e["entity"] in NUMBER_ENTITIES]


@pytest.mark.parametrize("kind, texts", [
    ("amount", AMOUNTS), ("duration", DURATIONS), ("date", DATES), ("time", TIMES),
])
def test_each_number_is_read_as_its_kind(kind, texts):
    for text in texts:
        kinds = {k for k, _, _ in find_measures(normalize(text))}
        assert kind in kinds, text


@pytest.mark.parametrize("text, expected", [
    ("my IVRS is N3210987654 and the bill is ₹5,510", [("ivrs", "N3210987654")]),
    ("complaint no 2611270001 pe 3 din se koi action nahi", [("complaint_number", "2611270001")]),
    ("mera mobile 9876543210 hai", [("mobile", "9876543210")]),
    ("IVRS N3210987654 bill 125000 aaya", [("ivrs", "N3210987654")]),
    ("complaint 2611270001 3 din se pending", [("complaint_number", "2611270001")]),
    ("mobile 9876543210 10:30 baje ke baad call karo", [("mobile", "9876543210")]),
    ("मेरा आईवीआरएस ३२१०९८७६५४ है, बिल ₹५,५१० आया 12 तारीख को", [("ivrs", "3210987654")]),
    ("Rs 2,450 paid on 12/11/2025, IVRS 1100223344", [("ivrs", "1100223344")]),
])
def test_identifiers_beside_amounts_are_still_found(text, expected):
    ents = find_number_entities(normalize(text))
    assert [(e["entity"], e["value"]) for e in ents] == expected


@pytest.mark.parametrize("text, option", [
    ("2", "2"), ("२", "2"), ("option 2", "2"), ("दूसरा", "2"), ("2️⃣", "2"), ("no. 3", "3"),
    ("#2", "2"), ("3 wala", "3"), ("5th", "5"), ("Option 1 please!!!", "1"), ("OPTION 4", "4"),
])
def test_bare_choices_still_are_choices(text, option):
    intent, ents = resolve(normalize(text))
    assert intent == "choose_option"
    assert [(e["entity"], e["value"]) for e in ents] == [("option", option)]


# --- the Rasa adapter: the classifier's choose_option is demoted -----------------

def _parse(text, ranking):
    return {
        "text": normalize(text),
        "intent": dict(ranking[0]),
        "intent_ranking": [dict(r) for r in ranking],
        "entities": [{"entity": "option", "value": "30", "start": 10, "end": 12, "extractor": "DIETClassifier"}],
    }


def test_choose_option_below_threshold_becomes_fallback():
    from components.menu_numbers import apply_override

    out = apply_override(_parse("My bill's 30,000/- too!!!", [
        {"name": "choose_option", "confidence": 0.95},
        {"name": "check_bill", "confidence": 0.03},
        {"name": "register_complaint", "confidence": 0.02},
    ]))
    assert out["intent"] == {"name": "nlu_fallback", "confidence": 0.55}
    assert out["intent_ranking"][0]["name"] == "nlu_fallback"
    assert "choose_option" not in [r["name"] for r in out["intent_ranking"]]
    assert not [e for e in out["entities"] if e["entity"] in NUMBER_ENTITIES]


def test_choose_option_gives_way_to_the_next_intent():
    from components.menu_numbers import apply_override

    out = apply_override(_parse("My bill's 30,000/- too!!!", [
        {"name": "choose_option", "confidence": 0.95},
        {"name": "register_complaint", "confidence": 0.7},
        {"name": "check_bill", "confidence": 0.03},
    ]))
    assert out["intent"] == {"name": "register_complaint", "confidence": 0.7}
    assert out["intent_ranking"][0]["name"] == "register_complaint"
    assert not [e for e in out["entities"] if e["entity"] in NUMBER_ENTITIES]


def test_choose_option_without_ranking_is_fallback():
    from components.menu_numbers import apply_override

    out = apply_override({"text": "3 ghante se light nahi", "intent": {"name": "choose_option", "confidence": 0.9},
                          "entities": []})
    assert out["intent"]["name"] == "nlu_fallback"


def test_a_bare_choice_keeps_choose_option():
    from components.menu_numbers import apply_override

    out = apply_override({"text": normalize("2️⃣"), "intent": {"name": "choose_option", "confidence": 0.6},
                          "intent_ranking": [{"name": "choose_option", "confidence": 0.6},
                                             {"name": "check_bill", "confidence": 0.4}],
                          "entities": []})
    assert out["intent"] == {"name": "choose_option", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("option", "2")]


def test_other_intents_are_not_touched():
    from components.menu_numbers import apply_override

    out = apply_override({"text": "mera bill 30,000 aaya", "intent": {"name": "check_bill", "confidence": 0.4},
                          "intent_ranking": [{"name": "check_bill", "confidence": 0.4}], "entities": []})
    assert out["intent"] == {"name": "check_bill", "confidence": 0.4}
