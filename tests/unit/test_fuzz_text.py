"""Property tests: the text normaliser, language detection and IVRS parsing.

Whatever a consumer types (any Unicode, control characters, mixed scripts),
these functions answer: a string, a language or None, a stored IVRS number or
an ``IvrsError``. Nothing else may escape (issue 8, part 7).
"""
import re

from hypothesis import assume, example, given
from hypothesis import strategies as st

from bijli.ivrs import IvrsError, find_ivrs, normalize_ivrs
from bijli.text import detect_language, normalize, to_ascii_digits
from tests.unit.conftest import examples

DEV_DIGITS = "०१२३४५६७८९"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
STORED_IVRS = re.compile(r"^N?\d{9,10}$")

# Text that looks like what people send: Devanagari (with nukta, vowel signs,
# digits), Latin, digits, punctuation, zero-width joiners and odd whitespace,
# plus now and then any code point at all.
messages = st.one_of(
    st.text(alphabet=st.sampled_from(
        list("कखगजडढफयनरळिीुूेैोौंः़्ा") + list("\u0958\u0959\u095a\u095b\u095c\u095d\u095e\u095f\u0929\u0931\u0934")
        + list(DEV_DIGITS) + list("abcnhiNHIkt0123456789") + list(" \t\n\u00a0!!??..,।-")
        + list(ZERO_WIDTH)), max_size=60),
    st.text(max_size=60),
    st.lists(st.sampled_from(["nahi", "nhi", "nahin", "bijlee", "lite", "h", "bil", "Mera",
                              "BILL", "hai", "kya", "kyu", "light", "bijli", "n", "ok"]),
             max_size=8).map(" ".join),
)


@examples(1200)
@given(messages)
@example("e\u200d\u0301")
@example("क\u200d\u093c")
@example("\u0928\u200c\u093c")
def test_normalize_never_fails_and_leaves_tidy_text(text):
    out = normalize(text)
    assert isinstance(out, str)
    assert out == out.strip()
    assert "  " not in out and "\n" not in out and "\t" not in out
    assert not any(ch in out for ch in ZERO_WIDTH + DEV_DIGITS + "\u093c")
    assert normalize(out) == out  # idempotent: NLU and validation may both apply it


@examples(800)
@given(messages)
def test_normalize_keeps_every_digit_in_order(text):
    """Digits carry IVRS, mobile and menu numbers: none lost, none made up.

    Links, e-mail addresses and @handles are dropped whole, digits and all
    (test_digits_of_links_and_handles_are_dropped); other text keeps them."""
    assume("@" not in text and "://" not in text and "www." not in text.lower())
    ascii_in = [d for d in to_ascii_digits(text) if d in "0123456789"]
    assert [d for d in normalize(text) if d in "0123456789"] == ascii_in


NOISE = ["@MPCZ_Official", "#PowerCut", "#bijli_nahi", "😡", "🙏🏽", "⚡", "!!!", "?!?!", "https://t.co/a1",
         "www.mpcz.in/x", "PLZZZZ", "sirrrr", "bijliiii", "NAHI", ".", ",", "।"]
WORDS = ["light", "gone", "bill", "meter", "kab", "aayegi", "बिजली", "नहीं", "है", "since", "3hrs", "2"]


@examples(600)
@given(st.lists(st.sampled_from(NOISE + WORDS), max_size=12), st.lists(st.sampled_from(["", " "]), max_size=12))
def test_noisy_posts_normalise_to_a_fixed_point(parts, gaps):
    """Posts made of handles, hashtags, emoji, links, stretched words and glued
    punctuation: normalising twice changes nothing, and beside any word no
    emoji or handle survives."""
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(parts))
    out = normalize(text)
    assert normalize(out) == out
    if set(parts) & set(WORDS):
        assert not any(ch in out for ch in "😡🙏🏽⚡@")
    assert "!!" not in out and "??" not in out and "?!" not in out


def test_digits_of_links_and_handles_are_dropped():
    assert normalize("@user123 see https://t.co/9876543210 now") == "see now"
    assert find_ivrs(normalize("www.x.in/3210987654 bill")) is None


def test_normalize_of_nothing_is_empty():
    assert normalize(None) == "" and normalize("") == "" and normalize(" \u200b ") == ""


ENGLISH = ["please", "electricity", "complaint", "payment", "receipt", "want", "my", "status"]
HINGLISH = ["mera", "kitna", "nahi", "bijli", "paise", "shikayat", "kab", "batao"]
NEUTRAL = ["hi", "hello", "ok", "menu", "bill", "ivrs", "1", "N3210987654", "?", "!"]


@examples(600)
@given(messages)
def test_detect_language_answers_hi_en_or_none(text):
    lang = detect_language(text)
    assert lang in ("hi", "en", None)
    if re.search("[\u0900-\u097f]", text):
        assert lang == "hi"


@examples(200)
@given(st.lists(st.sampled_from(ENGLISH), min_size=1, max_size=6),
       st.lists(st.sampled_from(NEUTRAL), max_size=4), st.randoms(use_true_random=False))
def test_english_words_make_english(words, neutral, rnd):
    mixed = words + neutral
    rnd.shuffle(mixed)
    assert detect_language(" ".join(mixed)) == "en"


@examples(200)
@given(st.lists(st.sampled_from(HINGLISH), min_size=1, max_size=6),
       st.lists(st.sampled_from(NEUTRAL), max_size=4), st.randoms(use_true_random=False))
def test_romanised_hindi_words_make_hindi(words, neutral, rnd):
    mixed = words + neutral
    rnd.shuffle(mixed)
    assert detect_language(" ".join(mixed)) == "hi"


@examples(100)
@given(st.lists(st.sampled_from(NEUTRAL), max_size=6))
def test_greetings_and_numbers_carry_no_language(words):
    assert detect_language(" ".join(words)) is None


# -- IVRS ---------------------------------------------------------------------------

@examples(1200)
@given(st.one_of(st.text(max_size=30),
                 st.text(alphabet="Nn0123456789 -\t" + DEV_DIGITS + "xO", max_size=20)))
def test_normalize_ivrs_returns_a_stored_form_or_says_what_is_wrong(raw):
    try:
        stored = normalize_ivrs(raw)
    except IvrsError as e:
        assert e.code in ("empty", "bad_chars", "too_short", "too_long")
        return
    assert STORED_IVRS.match(stored)
    assert normalize_ivrs(stored) == stored


@st.composite
def written_ivrs(draw, lengths):
    """An IVRS number as people write it: any N case, spaces, hyphens, Devanagari digits.

    The spelling choices come from one seeded Random (cheap to draw, and still
    reproduced from the failing example)."""
    digits = draw(st.text(alphabet="0123456789", min_size=lengths[0], max_size=lengths[1]))
    prefix = draw(st.sampled_from(["", "N", "n"]))
    rnd = draw(st.randoms(use_true_random=True))
    out = [prefix, rnd.choice(["", " ", "-"]) if prefix else ""]
    for i, d in enumerate(digits):
        out.append(DEV_DIGITS[int(d)] if rnd.random() < 0.3 else d)
        if i < len(digits) - 1:
            out.append(rnd.choice(["", "", "", " ", "-"]))
    return "".join(out), prefix.upper() + digits


@examples(800)
@given(written_ivrs((9, 10)))
def test_any_way_of_writing_a_valid_ivrs_gives_its_stored_form(case):
    raw, stored = case
    assert normalize_ivrs(raw) == stored


@examples(500)
@given(st.one_of(written_ivrs((1, 8)), written_ivrs((11, 16))))
def test_wrong_lengths_are_refused_with_the_reason(case):
    raw, stored = case
    digits = len(stored.lstrip("N"))
    try:
        normalize_ivrs(raw)
    except IvrsError as e:
        assert e.code == ("too_short" if digits < 9 else "too_long")
    else:
        raise AssertionError(f"{raw!r} ({digits} digits) was accepted")


FILLER = ["mera", "IVRS", "number", "hai", "bill", "kitna", "please", "मेरा", "नंबर", "है", "?"]


@examples(500)
@given(st.lists(st.sampled_from(FILLER), max_size=5), written_ivrs((9, 10)),
       st.lists(st.sampled_from(FILLER), max_size=5))
def test_an_ivrs_inside_a_sentence_is_found(before, case, after):
    raw, stored = case
    assert find_ivrs(" ".join(before + [raw] + after)) == stored


@examples(600)
@given(st.text(max_size=60))
def test_find_ivrs_finds_a_stored_form_or_nothing(text):
    found = find_ivrs(text)
    assert found is None or STORED_IVRS.match(found)


@examples(300)
@given(written_ivrs((9, 10)), st.lists(st.sampled_from(NOISE), max_size=6))
def test_an_ivrs_among_noise_is_found(case, noise):
    raw, stored = case
    assert find_ivrs(normalize(" ".join(noise + ["IVRS", raw] + noise))) == stored
