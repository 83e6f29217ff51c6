"""Complaints, complaint status and past bills over the REST channel (issue 5),
against the real Rasa and action servers, the trained model, a fresh database
(the harness's known extract) and the operator CLI.

Connections of the extract: N3210987654 (urban) and 1100223344 (rural) on
mobile 9812345678; N4410000002 (rural) on 9977000002; N5510000001
(agriculture, counted as rural for the norms) on 9300000001.
"""
import re

import pytest
from sqlalchemy import select

from bijli.db import Database
from bijli.models import Complaint
from tests.e2e.expected import (
    complaint_lines,
    connection_pick,
    history_lines,
    ivrs_line,
    says,
    shown_menu,
)
from tests.e2e.harness import extract_months

NUMBER = re.compile(r"(?:शिकायत नंबर|Complaint number): (\d{10})")


def stored(live, ivrs):
    db = Database(live.database_url)
    try:
        with db.session() as s:
            return {c.number: (c.category, c.status) for c in
                    s.execute(select(Complaint).where(Complaint.ivrs == ivrs)).scalars()}
    finally:
        db.dispose()


def number_in(text):
    m = NUMBER.search(text)
    assert m, f"no complaint number in: {text}"
    return m.group(1)


def to_english(live, sender):
    live.say(sender, "Hi")
    # The sender may have written in English earlier in this e2e session.
    assert live.say(sender, "7") in (shown_menu("language"), shown_menu("language", "en"))
    assert live.say(sender, "2") == says("language_set", "en") + "\n" + shown_menu("main", "en")


# message, category, what the summary must say (rural / agriculture norms)
HINDI = [
    ("light nahi hai", "no_supply", "24 घंटे"),
    ("वोल्टेज बहुत कम है", "voltage", "72 घंटे"),
    ("meter jal gaya", "meter", "5 दिन"),
    ("तार टूट गया है", "line_damage", "12 घंटे"),
    ("गांव का ट्रांसफार्मर जल गया", "transformer", "72 घंटे"),
    ("bill galat aaya hai", "billing", "7 दिन"),
    ("बिजली चोरी की शिकायत करनी है", "other", "72 घंटे"),
]
ENGLISH = [
    ("no power at my house", "no_supply", "24 hours"),
    ("low voltage problem in my area", "voltage", "72 hours"),
    ("my meter is faulty", "meter", "5 days"),
    ("the wire is broken and sparking", "line_damage", "12 hours"),
    ("the transformer is burnt", "transformer", "72 hours"),
    ("wrong bill received", "billing", "7 days"),
    ("report electricity theft", "other", "72 hours"),
]


def register_each(live, sender, connection, cases, yes, safety, exists, lang):
    ivrs, area, name = connection
    numbers = {}
    for text, category, norm in cases:
        messages = live.send(sender, text)
        summary = "\n".join(m.get("text", "") for m in messages)
        if category == "line_damage":  # safety advice comes first
            assert messages[0]["text"].startswith("⚠️") and safety in messages[0]["text"], summary
        else:
            assert safety not in summary
        # the category, the connection (the sender's only one) and the norm
        type_line, connection_line = complaint_lines(category, ivrs, area, name, lang)
        lines = summary.splitlines()
        assert type_line in lines and connection_line in lines and norm in summary, summary
        assert summary.endswith(shown_menu("complaint_confirm", lang)), summary
        assert stored(live, ivrs).keys() == numbers.keys()  # nothing filed before yes
        filed = live.say(sender, yes if category == "meter" else "1")
        number = number_in(filed)
        assert norm in filed and "IST" in filed
        numbers[number] = category
    assert {n: c for n, (c, s) in stored(live, ivrs).items()} == numbers
    # The same fault again: its open complaint's number, no second complaint.
    again = live.say(sender, cases[2][0])
    meter = [n for n, c in numbers.items() if c == "meter"][0]
    assert meter in again and exists in again
    assert len(stored(live, ivrs)) == 7
    return numbers


def test_each_category_in_hindi_with_safety_norms_and_duplicates(live):
    register_each(live, "919977000002", ("N4410000002", "rural", "गी*** बा***"), HINDI, "हाँ",
                  "सुरक्षा सबसे पहले", "पहले से खुली", "hi")


def test_each_category_in_english_with_safety_norms_and_duplicates(live):
    sender = "919300000001"
    to_english(live, sender)
    register_each(live, sender, ("N5510000001", "agriculture", "M*** P***"), ENGLISH, "yes",
                  "Safety first", "already exists", "en")


def test_no_means_nothing_is_filed(live):
    sender = "919600000301"
    live.say(sender, "Hi")
    assert live.say(sender, "1") == shown_menu("complaint_categories")   # category sub-menu
    assert live.say(sender, "3") == says("complaint_ask_ivrs")           # meter; unregistered: IVRS asked
    summary = live.say(sender, "N3210987654")
    type_line, connection_line = complaint_lines("meter", "N3210987654", "urban", "सु*** व***")
    assert type_line in summary.splitlines() and connection_line in summary.splitlines()
    assert summary.endswith(shown_menu("complaint_confirm"))
    assert live.say(sender, "2") == says("complaint_cancelled") + "\n" + shown_menu("main")
    assert "meter" not in [c for c, _ in stored(live, "N3210987654").values()]


@pytest.mark.parametrize("lang", ["hi", "en"])
def test_status_by_number_and_ivrs_then_resolved_through_the_cli(live, lang):
    ivrs, category = ("N3210987654", "1") if lang == "hi" else ("1100223344", "5")
    filer = f"91960000040{1 if lang == 'hi' else 2}"
    if lang == "en":
        to_english(live, filer)
    else:
        live.say(filer, "Hi")
    live.say(filer, "1")
    live.say(filer, category)   # no supply / transformer
    summary = live.say(filer, ivrs)
    assert ("4 घंटे" in summary) if lang == "hi" else ("72 hours" in summary)
    number = number_in(live.say(filer, "1"))

    asker = f"91960000041{1 if lang == 'hi' else 2}"
    if lang == "en":
        to_english(live, asker)
    else:
        live.say(asker, "Hi")
    asked = live.say(asker, "4")
    assert ("शिकायत नंबर (10 अंक)" in asked) if lang == "hi" else ("complaint number (10 digits)" in asked)
    by_number = live.say(asker, number)
    assert number in by_number and ivrs in by_number
    assert ("स्थिति: दर्ज" in by_number) if lang == "hi" else ("Status: registered" in by_number)
    assert ("समय-सीमा" in by_number) if lang == "hi" else ("Due by" in by_number)
    # By IVRS: the filer sees the complaint they filed; a mere holder of the IVRS
    # is told to write from the registered mobile (issue 8: history is the owner's).
    live.say(asker, "4")
    by_ivrs = live.say(asker, ivrs)
    assert number not in by_ivrs
    assert ("पंजीकृत मोबाइल नंबर" in by_ivrs) if lang == "hi" else ("registered mobile number" in by_ivrs)
    by_filer = live.say(filer, "4")          # the filer gets what they filed at once
    assert number in by_filer and ivrs in by_filer
    assert ("इस नंबर से दर्ज" in by_filer) if lang == "hi" else ("filed from this number" in by_filer)

    done = live.bijli("complaints", "resolve", number)
    assert done.returncode == 0, done.stderr
    listing = live.bijli("complaints", "list", "--open")
    assert listing.returncode == 0 and number not in listing.stdout
    live.say(asker, "4")
    after = live.say(asker, number)
    assert ("स्थिति: हल हो गई" in after) if lang == "hi" else ("Status: resolved" in after)


def test_status_of_an_unknown_number_and_the_cli_error(live):
    sender = "919600000501"
    live.say(sender, "Hi")
    live.say(sender, "4")
    assert "नहीं मिला" in live.say(sender, "9876543210")
    bad = live.bijli("complaints", "resolve", "9876543210")
    assert bad.returncode != 0 and "no complaint with number 9876543210" in bad.stderr


def test_past_bills_hindi_by_registered_mobile(live):
    sender = "919812345678"
    live.say(sender, "Hi")
    assert live.say(sender, "3") == shown_menu("lookup_method")
    listing = live.say(sender, "1")
    assert listing == connection_pick("98******78", [("1100223344", "rural", "सु*** व***"),
                                                     ("N3210987654", "urban", "सु*** व***")])
    reply = live.say(sender, "2")  # N3210987654
    assert "सुनील" not in reply
    lines = reply.splitlines()
    assert lines[0] == says("history_header", count=6, ivrs="N3210987654", name="सु*** व***")
    # The extract's bills (tests/e2e/harness.py), newest first; nothing is paid on them.
    assert lines[1:7] == history_lines(extract_months(), [
        (245, "₹1,847.00", "unpaid"), (184, "₹1,348.00", "unpaid"), (183, "₹1,311.00", "unpaid"),
        (182, "₹1,274.00", "unpaid"), (181, "₹1,237.00", "unpaid"), (180, "₹1,200.00", "unpaid")])
    # (the blank line before the payments part splits the text into two messages)
    assert lines[7] == says("history_no_payments")
    # and the current bill, with its Pay option
    assert ivrs_line("N3210987654", "urban") in lines and "देय राशि: ₹1,847.00" in lines
    assert reply.endswith(shown_menu("bill"))


def test_past_bills_english_by_ivrs(live):
    # Another number gets only the current bill (anyone may pay it), not the history.
    stranger = "919600000601"
    to_english(live, stranger)
    for msg in ("3", "2", "3"):  # past bills -> by IVRS -> agriculture
        live.say(stranger, msg)
    refused = live.say(stranger, "N5510000001")
    assert refused.splitlines()[0] == says("privacy_owner_only", "en", ivrs="N5510000001")
    assert "Last 6 bills" not in refused and " units, ₹" not in refused and "Last payments" not in refused
    assert "Amount due: ₹3,250.50" in refused.splitlines() and "Consumer: M*** P***" in refused.splitlines()
    assert ivrs_line("N5510000001", "agriculture", "en") in refused.splitlines() and "Mukesh" not in refused
    # The registered mobile, by IVRS, sees the history.
    sender = "919300000001"
    to_english(live, sender)
    live.say(sender, "3")
    live.say(sender, "2")
    live.say(sender, "3")  # agriculture
    reply = live.say(sender, "N5510000001")
    assert "Mukesh" not in reply
    lines = reply.splitlines()
    assert lines[0] == says("history_header", "en", count=6, ivrs="N5510000001", name="M*** P***")
    assert lines[1:7] == history_lines(extract_months(), [
        (645, "₹3,250.50", "unpaid"), (584, "₹2,900.00", "unpaid"), (583, "₹2,900.00", "unpaid"),
        (582, "₹2,900.00", "unpaid"), (581, "₹2,900.00", "unpaid"), (580, "₹2,900.00", "unpaid")], "en")
    assert lines[7] == says("history_no_payments", "en")    # nothing was ever paid on it
    assert "Amount due: ₹3,250.50" in lines and reply.endswith(shown_menu("bill", "en"))


def test_new_connection_and_helpline(live):
    sender = "919600000701"
    live.say(sender, "Hi")
    info = live.say(sender, "6")
    assert info == (says("new_connection_info", portal="https://portal.mpcz.in", helpline="1912")
                    + "\n" + shown_menu("main"))
    assert "https://portal.mpcz.in" in info and "दस्तावेज़" in info
    to_english(live, sender)
    info = live.say(sender, "6")
    assert info == (says("new_connection_info", "en", portal="https://portal.mpcz.in", helpline="1912")
                    + "\n" + shown_menu("main", "en"))
    assert "Documents needed" in info
    help_ = live.say(sender, "8")
    # the helpline, the other ways to reach the discom, whether the office is open now, the menu
    assert help_.startswith(says("handoff", "en", helpline="1912") + "\n")
    assert "10 am to 5 pm" in help_ and help_.endswith(shown_menu("main", "en"))
