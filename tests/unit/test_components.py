"""Deterministic NLU rules (bijli.nlu_rules) and the thin Rasa adapters.

Fast: no model is trained.
"""
import pytest

from bijli.nlu_rules import (
    canonical_area,
    canonical_category,
    canonical_language,
    find_number_entities,
    parse_menu_choice,
    resolve,
)
from bijli.text import normalize


def norm_resolve(text):
    return resolve(normalize(text))


@pytest.mark.parametrize("text, option", [
    ("2", "2"), ("२", "2"), ("option 2", "2"), ("2.", "2"), ("no. 3", "3"), ("No 3", "3"),
    ("दूसरा", "2"), ("teesra", "3"), ("pehla", "1"), ("first", "1"), ("second", "2"),
    ("2️⃣", "2"), ("10", "10"), ("99", "99"), ("विकल्प ४", "4"), ("नंबर 5", "5"),
    ("option number 6", "6"), ("3 wala", "3"), ("(7)", "7"), ("#8", "8"), ("2nd", "2"),
    ("चौथा विकल्प", "4"), ("dusra option", "2"), ("Option 1 please", "1"),
])
def test_bare_menu_choice(text, option):
    assert parse_menu_choice(normalize(text)) == option
    intent, ents = norm_resolve(text)
    assert intent == "choose_option"
    assert [(e["entity"], e["value"]) for e in ents] == [("option", option)]


@pytest.mark.parametrize("text", ["0", "०", "option 0", "0️⃣"])
def test_a_bare_zero_is_the_main_menu_on_every_menu_and_in_every_form(text):
    assert parse_menu_choice(normalize(text)) == "0"
    assert norm_resolve(text) == ("show_menu", [])


@pytest.mark.parametrize("text", [
    "100", "1912", "2 mahine ka bill", "bill 2", "mera bill kitna hai", "2 3", "pehla aur dusra",
    "N3210987654", "hello", "", "option", "do din se light nahi hai",
])
def test_not_a_menu_choice(text):
    assert parse_menu_choice(normalize(text)) is None


@pytest.mark.parametrize("text, value", [
    ("N3210987654", "N3210987654"),
    ("n3210987654", "N3210987654"),
    ("N 321 098 7654", "N3210987654"),
    ("n-321-098-7654", "N3210987654"),
    ("३२१०९८७६५४", "3210987654"),
    ("321098765", "321098765"),
    ("मेरा आईवीआरएस नंबर ११००२२३३४४ है", "1100223344"),
    ("my ivrs is N1234567890", "N1234567890"),
    ("IVRS: 1234567890", "1234567890"),
])
def test_ivrs_only_is_inform(text, value):
    intent, ents = norm_resolve(text)
    assert intent == "inform"
    assert [(e["entity"], e["value"]) for e in ents] == [("ivrs", value)]


def test_ivrs_inside_free_text_keeps_intent():
    text = normalize("mera bijli ka bill kitna hai? IVRS N3210987654")
    intent, ents = resolve(text)
    assert intent is None
    assert [(e["entity"], e["value"]) for e in ents] == [("ivrs", "N3210987654")]
    e = ents[0]
    assert text[e["start"]:e["end"]] == "N3210987654"


def test_mobile_by_context():
    intent, ents = norm_resolve("mera mobile number 9876543210 hai")
    assert intent == "inform"
    assert [(e["entity"], e["value"]) for e in ents] == [("mobile", "9876543210")]
    _, ents = norm_resolve("मेरे मोबाइल ९८७६५४३२१० पर बिल भेजो")
    assert [(e["entity"], e["value"]) for e in ents] == [("mobile", "9876543210")]
    _, ents = norm_resolve("+91 98765 43210")
    assert [(e["entity"], e["value"]) for e in ents] == [("mobile", "9876543210")]


def test_bare_ten_digits_is_ivrs():
    intent, ents = norm_resolve("9876543210")
    assert intent == "inform"
    assert [(e["entity"], e["value"]) for e in ents] == [("ivrs", "9876543210")]


def test_complaint_number_by_context():
    intent, ents = norm_resolve("meri shikayat 2311250001 ka kya hua")
    assert intent is None
    assert [(e["entity"], e["value"]) for e in ents] == [("complaint_number", "2311250001")]
    _, ents = norm_resolve("complaint no. 2311250001 status")
    assert [(e["entity"], e["value"]) for e in ents] == [("complaint_number", "2311250001")]


def test_ivrs_and_mobile_together():
    ents = find_number_entities(normalize("IVRS N1234567890 aur mobile 9876543210"))
    assert [(e["entity"], e["value"]) for e in ents] == [("ivrs", "N1234567890"), ("mobile", "9876543210")]


def test_short_numbers_ignored():
    assert find_number_entities("1912 par call karo") == []
    assert find_number_entities("2 ghante se light nahi") == []


@pytest.mark.parametrize("word, value", [
    ("शहरी", "urban"), ("shahri", "urban"), ("city", "urban"), ("Urban", "urban"),
    ("ग्रामीण", "rural"), ("gramin", "rural"), ("gaon", "rural"), ("village", "rural"), ("rural", "rural"),
    ("कृषि", "agriculture"), ("खेती", "agriculture"), ("kheti", "agriculture"), ("farm", "agriculture"),
    ("pump", "agriculture"), ("agriculture", "agriculture"),
])
def test_canonical_area(word, value):
    assert canonical_area(word) == value


def test_canonical_area_unknown():
    assert canonical_area("xyz") is None


@pytest.mark.parametrize("span, value", [
    ("meter kharab", "meter"), ("मीटर जल गया", "meter"), ("low voltage", "voltage"),
    ("वोल्टेज कम", "voltage"), ("taar toot gaya", "line_damage"), ("खंभा गिर गया", "line_damage"),
    ("transformer jal gaya", "transformer"), ("ट्रांसफार्मर", "transformer"), ("bill galat", "billing"),
    ("bijli chori", "other"), ("billing", "billing"), ("no_supply", "no_supply"),
    ("reading galat li", "billing"), ("too", None), ("for october", None), ("huge", None),
])
def test_canonical_category(span, value):
    assert canonical_category(span) == value


@pytest.mark.parametrize("word, value", [
    ("English", "en"), ("angrezi", "en"), ("अंग्रेजी", "en"), ("इंग्लिश", "en"),
    ("hindi", "hi"), ("हिंदी", "hi"), ("हिन्दी", "hi"), ("xyz", None),
])
def test_canonical_language(word, value):
    assert canonical_language(word) == value


# --- Rasa adapters (import rasa, but train nothing) ---------------------------

def test_apply_override_choose_option():
    from components.menu_numbers import apply_override

    data = {
        "text": "2",
        "intent": {"name": "inform", "confidence": 0.6},
        "intent_ranking": [{"name": "inform", "confidence": 0.6}, {"name": "choose_option", "confidence": 0.4}],
        "entities": [{"entity": "ivrs", "value": "2", "start": 0, "end": 1, "extractor": "DIETClassifier"}],
    }
    out = apply_override(data)
    assert out["intent"] == {"name": "choose_option", "confidence": 1.0}
    assert out["intent_ranking"][0] == {"name": "choose_option", "confidence": 1.0}
    assert [r["name"] for r in out["intent_ranking"]].count("choose_option") == 1
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("option", "2")]


def test_apply_override_dedupes_and_keeps_intent():
    from components.menu_numbers import apply_override

    text = normalize("mera bijli ka bill kitna hai? IVRS N3210987654")
    data = {
        "text": text,
        "intent": {"name": "check_bill", "confidence": 0.9},
        "intent_ranking": [{"name": "check_bill", "confidence": 0.9}],
        "entities": [
            {"entity": "ivrs", "value": "N3210987654", "start": 35, "end": 46, "extractor": "DIETClassifier"},
            {"entity": "ivrs", "value": "N3210987654", "start": 35, "end": 46, "extractor": "RegexEntityExtractor"},
        ],
    }
    out = apply_override(data)
    assert out["intent"]["name"] == "check_bill"
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("ivrs", "N3210987654")]


def test_apply_override_canonical_values_and_language():
    from components.menu_numbers import apply_override

    out = apply_override({
        "text": "English please",
        "intent": {"name": "change_language", "confidence": 0.9},
        "entities": [],
    })
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("language", "en")]
    out = apply_override({
        "text": "gaon",
        "intent": {"name": "inform", "confidence": 0.9},
        "entities": [{"entity": "area_type", "value": "gaon", "start": 0, "end": 4}],
    })
    assert [(e["entity"], e["value"]) for e in out["entities"]] == [("area_type", "rural")]


def test_realign_entities_after_normalisation():
    from components.text_normalizer import realign_entities

    raw = "मेरा आईवीआरएस  नंबर ११००२२३३४४ है!!"
    start = raw.index("११")
    ents = [{"entity": "ivrs", "value": "११००२२३३४४", "start": start, "end": start + 10}]
    text = normalize(raw)
    (e,) = realign_entities(raw, text, ents)
    assert text[e["start"]:e["end"]] == "1100223344"
    assert e["value"] == "1100223344"


def test_realign_entities_when_noise_is_removed_before_and_inside():
    from components.text_normalizer import realign_entities

    raw = ("@MPCZ_Official 😡😡 #PowerCut!!! IVRS N3210987654 pe light 😡 gone.since 3hrs, "
           "METER JAL GAYA plzzzz https://t.co/x1")
    spans = [("ivrs", "N3210987654"), ("complaint_category", "light 😡 gone"),
             ("complaint_category", "METER JAL GAYA")]
    ents = [{"entity": name, "value": span, "start": raw.index(span), "end": raw.index(span) + len(span)}
            for name, span in spans]
    text = normalize(raw)
    out = realign_entities(raw, text, ents)
    assert [(e["entity"], text[e["start"]:e["end"]]) for e in out] == [
        ("ivrs", "N3210987654"), ("complaint_category", "light gone"), ("complaint_category", "meter jal gaya"),
    ]
    assert [e["value"] for e in out] == ["N3210987654", "light gone", "meter jal gaya"]


def test_realign_entities_when_case_differs_in_context():
    from components.text_normalizer import realign_entities

    raw = "MPEBFail again, MPEB"
    text = normalize(raw)
    (e,) = realign_entities(raw, text, [{"entity": "x", "value": "MPEB", "start": 0, "end": 4}])
    assert (e["start"], e["end"]) == (0, 4)


def test_word_featurizer_keeps_devanagari_words():
    from sklearn.feature_extraction.text import CountVectorizer

    from components.word_featurizer import WHITESPACE_TOKEN_PATTERN

    stock = CountVectorizer(token_pattern=r"(?u)\b\w+\b").build_analyzer()("बिल बाल")
    ours = CountVectorizer(token_pattern=WHITESPACE_TOKEN_PATTERN).build_analyzer()("बिल बाल")
    assert stock == ["ब", "ल", "ब", "ल"]  # the pitfall: बिल and बाल collide
    assert ours == ["बिल", "बाल"]
