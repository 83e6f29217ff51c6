import pytest

from bijli.ivrs import IvrsError, find_ivrs, normalize_ivrs


@pytest.mark.parametrize("raw,expected", [
    ("N3210987654", "N3210987654"),
    ("n3210987654", "N3210987654"),
    ("N 3210-987 654", "N3210987654"),
    ("3210987654", "3210987654"),
    ("321098765", "321098765"),
    ("N321098765", "N321098765"),
    ("११००२२३३४४", "1100223344"),
    ("N३२१०९८७६५४", "N3210987654"),
])
def test_accepted_forms_normalise_to_one_stored_form(raw, expected):
    assert normalize_ivrs(raw) == expected


@pytest.mark.parametrize("raw,code", [
    ("", "empty"),
    ("   ", "empty"),
    ("12345", "too_short"),
    ("N12345678", "too_short"),
    ("123456789012", "too_long"),
    ("X3210987654", "bad_chars"),
    ("32109O7654", "bad_chars"),
    ("NN3210987654", "bad_chars"),
])
def test_malformed_numbers_say_what_is_wrong(raw, code):
    with pytest.raises(IvrsError) as e:
        normalize_ivrs(raw)
    assert e.value.code == code


@pytest.mark.parametrize("text,expected", [
    ("mera bijli ka bill kitna hai? IVRS N3210987654", "N3210987654"),
    ("मेरा आईवीआरएस नंबर ११००२२३३४४ है", "1100223344"),
    ("ivrs n 3210 987 654 please", "N3210987654"),
    ("bill for 12 months", None),
    ("call 98123456789012", None),
])
def test_find_ivrs_in_free_text(text, expected):
    assert find_ivrs(text) == expected
