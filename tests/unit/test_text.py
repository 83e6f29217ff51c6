"""bijli.text: the normaliser shared by NLU and validation."""
import pytest

from bijli.text import detect_language, normalize, to_ascii_digits


def test_devanagari_digits_to_ascii():
    assert to_ascii_digits("११००२२३३४४") == "1100223344"
    assert normalize("मेरा आईवीआरएस नंबर ११००२२३३४४ है") == "मेरा आईवीआरएस नंबर 1100223344 है"
    assert normalize("२") == "2"


def test_ascii_text_unchanged_except_variants():
    assert normalize("I want to pay my electricity bill") == "I want to pay my electricity bill"


def test_nfc():
    decomposed = "क\u093c"  # क + nukta, folded to क
    assert normalize(decomposed) == "क"
    assert normalize("e\u0301") == "\u00e9"


@pytest.mark.parametrize("raw, folded", [
    ("ज़रूरत", "जरूरत"), ("फ़ोन", "फोन"), ("\u095b\u0930\u093e", "जरा"), ("ड़", "ड"),
])
def test_nukta_fold(raw, folded):
    assert normalize(raw) == folded


def test_zwj_zwnj_removed():
    assert normalize("क्\u200dष") == "क्ष"
    assert normalize("बिजली\u200c") == "बिजली"
    assert "\u200d" not in normalize("a\u200db")


def test_punctuation_and_whitespace_tidy():
    assert normalize("  bill   kitna hai???  ") == "bill kitna hai?"
    assert normalize("hello!!!") == "hello!"
    assert normalize("a\t\nb") == "a b"


@pytest.mark.parametrize("raw, expected", [
    ("light nhi hai", "light nahi hai"),
    ("bijlee nahin aa rahi", "bijli nahi aa rahi"),
    ("lite gayi", "light gayi"),
    ("BIJLEE", "bijli"),
])
def test_roman_variants(raw, expected):
    assert normalize(raw) == expected


def test_empty():
    assert normalize(None) == ""
    assert normalize("") == ""


def test_idempotent():
    for s in ["मेरा आईवीआरएस नंबर ११००२२३३४४ है", "bijlee nahin aa rahi!!", "फ़ोन  नंबर"]:
        assert normalize(normalize(s)) == normalize(s)


@pytest.mark.parametrize("text, lang", [
    ("बिजली नहीं आ रही है सुबह से", "hi"),
    ("mera bijli ka bill kitna hai", "hi"),
    ("paise kat gaye lekin bill jama nahi hua", "hi"),
    ("I want to pay my electricity bill", "en"),
    ("what is the status of my complaint", "en"),
    ("hi", None),
    ("N3210987654", None),
    ("", None),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


# --- noise of real posts (issue 11) ---------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("@MPCZ_Official light nahi hai", "light nahi hai"),
    ("bill dekho https://t.co/Ab12Cd34 please", "bill dekho please"),
    ("see www.mpcz.in/bill?id=9876543210 for it", "see for it"),
    ("mail me at ram.k@gmail.com", "mail me at"),
    ("#PowerCut again #bijli_nahi", "Power Cut again bijli nahi"),
    ("#बिजली_कटौती", "बिजली कटौती"),
    ("#2", "#2"),
    ("light gone 😡😡⚡ kab aayegi 🙏🏽", "light gone kab aayegi"),
    ("2️⃣", "2"),
    ("option 3\u20e3", "option 3"),
    ("kab aayegi?!?!", "kab aayegi?"),
    ("why!!??", "why?"),
    ("WHY IS THE BILL SO HIGH", "why is the bill so high"),
    ("plzzzz help sirrrr", "plzz help sirr"),
    ("bijliiii nahiiii hai", "bijli nahi hai"),
    ("light gone.since 3hrs", "light gone. since 3hrs"),
    ("bill aaya,kitna hai?kab tak", "bill aaya, kitna hai? kab tak"),
    ("बिजली नहीं है।कब आएगी", "बिजली नहीं है। कब आएगी"),
])
def test_noise_is_removed(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [
    "₹1,250.50 paid", "12.5 units", "N3210987654", "ivrs N3210987654 hai", "10:30 baje", "30,000/-",
])
def test_numbers_and_ivrs_are_left_alone(raw):
    assert normalize(raw) == raw


def test_a_message_of_only_emoji_is_kept():
    """"👍" alone still means something; an empty text would mean nothing."""
    assert normalize("👍👍!!!") == "👍👍!"
    assert normalize("light 👍") == "light"


def test_abbreviations_are_not_split_or_folded():
    assert normalize("pole outside H.No 221") == "pole outside H.No 221"
    assert normalize("good job @MPCZ_Bhopal, transformer fixed") == "good job, transformer fixed"


def test_ivrs_token_keeps_its_case_among_capitals():
    assert normalize("MY IVRS IS N3210987654!!!") == "my ivrs is N3210987654!"


def test_noise_normalisation_is_idempotent():
    for s in ["@a #PowerCut!!! 😡 https://x.y/z light gone.since 3hrs?!?! PLZZZZ",
              "!! 😡 !! ?? 🙏 ??", "gone.https://t.co/x", "#️⃣ 2️⃣ № 5"]:
        assert normalize(normalize(s)) == normalize(s)


def test_validation_finds_numbers_in_long_noisy_messages():
    from bijli.complaints import find_number
    from bijli.ivrs import find_ivrs
    from bijli.nlu_rules import find_number_entities

    post = ("@MPCZ_Official @CMMadhyaPradesh 😡😡 #PowerCut #Bhopal since 3hrs!!! NO LIGHT in our area "
            "plzzzz help. My IVRS is N3210987654, bill ₹5,510 already paid.mobile 9876543210 "
            "complaint no २६११२७०००१ pe koi action nahi??? https://t.co/Xy12")
    text = normalize(post)
    ents = [(e["entity"], e["value"]) for e in find_number_entities(text)]
    assert ents == [("ivrs", "N3210987654"), ("mobile", "9876543210"), ("complaint_number", "2611270001")]
    assert find_ivrs(text) == "N3210987654"
    complaint = "COMPLAINT NO २६११२७०००१ pe 3 din se koi action nahi!!! 😡😡 @MPCZ_Official https://t.co/9a8b"
    assert find_number(complaint) == "2611270001"
