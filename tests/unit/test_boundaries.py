"""Boundary tables: the values where a small slip in the code changes what a user sees.

Each table holds the values on both sides of a limit, so that an off-by-one,
a float in the money path or a signature compared only as far as the header
goes fails here (issue 8, part 8).
"""
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bijli.complaints import ComplaintView
from bijli.flows.core import Reply, Turn
from bijli.flows.info import handoff, office_open
from bijli.ivrs import IvrsError, find_ivrs, normalize_ivrs
from bijli.money import MAX_PAISE, AmountError, format_inr, parse_rupees, rupees_plain
from bijli.payments.webhook import sign, verify_signature
from bijli.privacy import last10, mask_mobile, mask_name
from bijli.upi import UpiError, new_payment_ref, upi_link
from tests.unit.conftest import examples

DIGITS = "32109876543"  # 11 digits; slices give every length in the table


# -- IVRS lengths -------------------------------------------------------------

@pytest.mark.parametrize("prefix", ["", "N", "n"])
@pytest.mark.parametrize("length,outcome", [
    (8, "too_short"), (9, "ok"), (10, "ok"), (11, "too_long"),
])
def test_ivrs_takes_9_or_10_digits_with_or_without_n(prefix, length, outcome):
    raw = prefix + DIGITS[:length]
    if outcome == "ok":
        assert normalize_ivrs(raw) == prefix.upper() + DIGITS[:length]
    else:
        with pytest.raises(IvrsError) as e:
            normalize_ivrs(raw)
        assert e.value.code == outcome


@pytest.mark.parametrize("length,found", [(8, False), (9, True), (10, True), (11, False)])
@pytest.mark.parametrize("prefix", ["", "N"])
def test_ivrs_in_free_text_only_at_9_or_10_digits(prefix, length, found):
    number = prefix + DIGITS[:length]
    assert find_ivrs(f"mera IVRS {number} hai") == (number if found else None)


@pytest.mark.parametrize("raw,code", [(None, "empty"), ("", "empty"), (" - ", "empty"),
                                      ("N", "bad_chars"), ("N-", "bad_chars")])
def test_ivrs_with_no_digits_says_what_is_wrong(raw, code):
    with pytest.raises(IvrsError) as e:
        normalize_ivrs(raw)
    assert e.value.code == code


@pytest.mark.parametrize("raw,stored", [
    ("N 321-098-765", "N321098765"), ("३२१०९८७६५", "321098765"), ("n३२१०९८७६५४", "N3210987654"),
])
def test_ivrs_spacing_and_devanagari_digits_count_as_digits(raw, stored):
    assert normalize_ivrs(raw) == stored


@pytest.mark.parametrize("raw,code", [
    ("३२१०९८७६", "too_short"), ("N 3210-9876-543", "too_long"), ("N३२१०९८७६५४३", "too_long"),
])
def test_ivrs_spacing_and_devanagari_digits_do_not_stretch_the_limits(raw, code):
    with pytest.raises(IvrsError) as e:
        normalize_ivrs(raw)
    assert e.value.code == code


# -- money ----------------------------------------------------------------------

@pytest.mark.parametrize("text,paise", [
    ("0.29", 29), ("0.07", 7), ("1.13", 113), ("4.35", 435), ("0.57", 57), ("1.15", 115),
    ("2.3", 230), ("8.20", 820), ("0.01", 1), ("0.1", 10), ("₹4.35", 435), ("1,000.29", 100029),
    ("10000000000", MAX_PAISE), ("9999999999.99", MAX_PAISE - 1),
])
def test_amounts_that_floats_get_wrong_are_exact(text, paise):
    assert parse_rupees(text) == paise


@pytest.mark.parametrize("text,reason", [
    ("10000000000.01", "amount too large"), ("99999999999", "amount too large"),
    ("0.291", "more than 2 decimals"), ("4.355", "more than 2 decimals"),
    ("1,234.567", "more than 2 decimals"), ("-0.29", "negative amount"), ("-5", "negative amount"),
    ("0.29.1", "not an amount"), (".29", "not an amount"), ("4.", "not an amount"),
    ("abc", "not an amount"), ("1.2x", "not an amount"), ("", "not an amount"),
])
def test_amounts_past_the_limits_are_refused_with_the_reason(text, reason):
    """The reason reaches the operator as the importer's `row N: reason`."""
    with pytest.raises(AmountError) as e:
        parse_rupees(text)
    assert str(e.value).startswith(reason) and repr(text) in str(e.value)


@examples(1000)
@given(st.integers(min_value=0, max_value=MAX_PAISE))
def test_paise_round_trip_through_rupee_text(paise):
    assert parse_rupees(rupees_plain(paise)) == paise
    assert parse_rupees(format_inr(paise)) == paise


@pytest.mark.parametrize("paise,plain,inr", [
    (0, "0.00", "₹0.00"), (1, "0.01", "₹0.01"), (9, "0.09", "₹0.09"), (10, "0.10", "₹0.10"),
    (99, "0.99", "₹0.99"), (100, "1.00", "₹1.00"), (101, "1.01", "₹1.01"),
    (99999, "999.99", "₹999.99"), (100000, "1000.00", "₹1,000.00"),
    (9999999, "99999.99", "₹99,999.99"), (10000000, "100000.00", "₹1,00,000.00"),
    (-5, "-0.05", "-₹0.05"), (-123456, "-1234.56", "-₹1,234.56"),
])
def test_paise_print_as_exact_rupees(paise, plain, inr):
    assert rupees_plain(paise) == plain
    assert format_inr(paise) == inr


# -- masking ----------------------------------------------------------------------

@pytest.mark.parametrize("name,masked", [
    ("Sunil", "S***"), ("सुनील", "सु***"), ("A", "A***"), ("कि", "कि***"),
    ("  Sunil   Verma ", "S*** V***"), ("", "***"), ("   ", "***"), (None, "***"),
])
def test_names_including_single_words_are_masked(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("name", ["Sunil", "सुनील", "Ramesh Kumar", "राम प्रसाद"])
def test_a_masked_name_never_shows_more_than_first_letters(name):
    masked = mask_name(name)
    for word in name.split():
        assert word not in masked or len(word) <= 1


@pytest.mark.parametrize("mobile,masked", [
    ("9812345678", "98******78"), ("919812345678", "98******78"), ("+91 98123-45678", "98******78"),
    ("09812345678", "98******78"), ("981234567", "9*******7"), ("98123", "9***3"),
    ("9812", "****"), ("", ""), (None, ""),
])
def test_mobiles_are_masked_at_every_length(mobile, masked):
    assert mask_mobile(mobile) == masked


@pytest.mark.parametrize("number,tail", [
    ("919812345678", "9812345678"), ("9812345678", "9812345678"), ("981234567", ""),
    ("whatsapp:+919812345678", "9812345678"),
])
def test_last10_needs_ten_digits(number, tail):
    assert last10(number) == tail


# -- complaints: overdue at the due time --------------------------------------------

DUE = datetime(2026, 11, 25, 10, 0, 0)


def complaint(status="registered"):
    return ComplaintView(
        number="1234567890", ivrs="N3210987654", category="no_supply", area_type="urban",
        priority=1, status=status, details="", created_at=DUE - timedelta(hours=4), due_at=DUE,
        assigned_to=None, assigned_at=None, resolved_at=None, resolution=None)


@pytest.mark.parametrize("now,overdue", [
    (DUE - timedelta(seconds=1), False),
    (DUE, False),                               # "still open after its due time": not yet
    (DUE + timedelta(microseconds=1), True),
    (DUE + timedelta(days=3), True),
])
def test_complaint_is_overdue_only_after_its_due_time(now, overdue):
    assert complaint().overdue(now) is overdue
    assert complaint("assigned").overdue(now) is overdue


def test_a_resolved_complaint_is_never_overdue():
    assert complaint("resolved").overdue(DUE + timedelta(days=3)) is False


def test_norm_hours_come_from_created_and_due_times():
    assert complaint().norm_hours == 4


# -- helpline: "open now" with the clock passed in ------------------------------------

OPEN_UTC = datetime(2026, 11, 25, 6, 30)     # Wednesday 12:00 IST
CLOSED_UTC = datetime(2026, 11, 25, 12, 30)  # Wednesday 18:00 IST
SUNDAY_UTC = datetime(2026, 11, 29, 6, 30)   # Sunday 12:00 IST


@pytest.mark.parametrize("lang,now,expected,absent", [
    ("en", OPEN_UTC, "The office is open now.", "closed now"),
    ("en", CLOSED_UTC, "The office is closed now", "open now"),
    ("en", SUNDAY_UTC, "The office is closed now", "open now"),
    ("hi", OPEN_UTC, "कार्यालय अभी खुला है।", "कार्यालय अभी बंद"),
    ("hi", CLOSED_UTC, "कार्यालय अभी बंद है", "कार्यालय अभी खुला"),
])
def test_helpline_reply_says_open_or_closed_for_the_given_clock(services, lang, now, expected, absent):
    turn = Turn(sender="919700000001", text="helpline", intent="human_handoff")
    reply = handoff(turn, services, Reply(lang=lang), now=now)
    text = "\n".join(m.text for m in reply.messages)
    assert "1912" in text and expected in text and absent not in text


@pytest.mark.parametrize("utc,is_open", [
    (datetime(2026, 11, 25, 4, 29, 59), False),  # 09:59:59 IST
    (datetime(2026, 11, 25, 4, 30), True),       # 10:00 IST
    (datetime(2026, 11, 25, 11, 29, 59), True),  # 16:59:59 IST
    (datetime(2026, 11, 25, 11, 30), False),     # 17:00 IST
])
def test_office_hours_edges(utc, is_open):
    assert office_open(utc) is is_open


# -- webhook signature negatives ----------------------------------------------------

SECRET = "whsec-boundary"
RAW = b'{"event":"payment_link.paid","payload":{}}'
GOOD = sign(SECRET, RAW)


def test_the_right_signature_passes():
    assert verify_signature(SECRET, RAW, GOOD)
    assert verify_signature(SECRET, RAW, f"  {GOOD}\n")


@pytest.mark.parametrize("signature", [
    GOOD[:-1],                 # truncated by one
    GOOD[:32],                 # half
    GOOD[:1],                  # a one-character prefix
    GOOD[:0],                  # blank
    " ",                       # blank after stripping
    GOOD + "0",                # over-long by one
    GOOD + GOOD,               # twice
    "z" * 64,                  # not hex
    GOOD[:-1] + "g",           # last character not hex
    "0" * 64,                  # right shape, wrong value
    GOOD[1:] + GOOD[0],        # rotated
    sign(SECRET, RAW + b" "),  # another body
    sign(SECRET + "x", RAW),   # another secret
], ids=["truncated", "half", "prefix", "empty", "space", "over-long", "doubled", "non-hex",
        "non-hex-tail", "zeros", "rotated", "other-body", "other-secret"])
def test_near_miss_signatures_are_refused(signature):
    assert verify_signature(SECRET, RAW, signature) is False


@pytest.mark.parametrize("signature", [
    "é" * 64,
    GOOD[:-1] + "é",
    "\u0968" * 64,                 # Devanagari digit two
    GOOD[:63] + "\u00a0",          # a no-break space after 63 good characters
], ids=["accented", "accented-tail", "devanagari-digits", "nbsp-tail"])
def test_non_ascii_signatures_are_refused_not_raised(signature):
    assert verify_signature(SECRET, RAW, signature) is False


# -- UPI links ---------------------------------------------------------------------------

@pytest.mark.parametrize("vpa,ok", [
    ("ab@upi", True), ("a@upi", False), ("mpcz.demo@okicici", True), ("x_y-z.1@ybl", True),
    ("ab@u", False), ("ab@1upi", False), ("ab@", False), ("@upi", False), ("ab upi", False),
    ("a b@upi", False), ("ab@upi@upi", False), ("", False),
])
def test_upi_link_takes_only_well_formed_vpas(vpa, ok):
    if ok:
        assert upi_link(vpa, "P", 100, "R1", "n").startswith(f"upi://pay?pa={vpa}&")
    else:
        with pytest.raises(UpiError):
            upi_link(vpa, "P", 100, "R1", "n")


@pytest.mark.parametrize("amount,ok", [(1, True), (0, False), (-1, False)])
def test_upi_link_amount_must_be_positive(amount, ok):
    if ok:
        assert "&am=0.01&" in upi_link("ab@upi", "P", amount, "R1", "n")
    else:
        with pytest.raises(UpiError):
            upi_link("ab@upi", "P", amount, "R1", "n")


@pytest.mark.parametrize("ref,ok", [("R", True), ("R" * 35, True), ("R" * 36, False), ("", False)])
def test_upi_reference_is_1_to_35_characters(ref, ok):
    if ok:
        assert f"&tr={ref}&" in upi_link("ab@upi", "P", 100, ref, "n")
    else:
        with pytest.raises(UpiError):
            upi_link("ab@upi", "P", 100, ref, "n")


def test_upi_link_has_every_parameter_in_order_with_the_utility_code():
    assert upi_link("ab@upi", "P Q", 184700, "R1", "a+b") == (
        "upi://pay?pa=ab@upi&pn=P%20Q&am=1847.00&cu=INR&tr=R1&tn=a%2Bb&mc=4900")
    assert upi_link("ab@upi", "P", 5, "R1", "n", mcc="5411").endswith("&mc=5411")


def test_payment_reference_carries_the_time_it_was_made():
    ref = new_payment_ref(datetime(2026, 11, 25, 6, 30, 5))
    assert ref.startswith("BS261125063005") and len(ref) == 22 and ref[14:].isalnum()
    assert ref[14:] == ref[14:].upper()
