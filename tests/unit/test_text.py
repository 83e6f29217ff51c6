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
