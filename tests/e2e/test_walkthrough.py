"""The discom's bill-payment walk-through over the REST channel (issue 2).

Hi -> 2 (pay) -> 2 (by IVRS) -> 1 (urban) -> IVRS -> Pay, against the real
Rasa and action servers, a fresh database and a fresh tracker store.
"""
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from bijli.db import Database
from bijli.models import Payment


def payments_for(live, ivrs):
    db = Database(live.database_url)
    try:
        with db.session() as s:
            return list(s.execute(select(Payment).where(Payment.ivrs == ivrs)).scalars())
    finally:
        db.dispose()


def upi_link_in(text):
    m = re.search(r"upi://pay\?\S+", text)
    assert m, f"no UPI link in: {text}"
    return m.group(0)


def test_walkthrough_pay_by_ivrs(live):
    sender = "919800000001"
    # Nothing is left over from an earlier run: new conversation, no payments.
    assert [e for e in live.tracker(sender)["events"] if e["event"] == "user"] == []
    assert payments_for(live, "N3210987654") == []

    menu = live.say(sender, "Hi")
    assert "1. शिकायत" in menu and "2. बिल भुगतान" in menu
    assert "IVRS" in live.say(sender, "2")
    area = live.say(sender, "2")
    assert "1. शहरी" in area and "2. ग्रामीण" in area and "3. कृषि" in area
    assert "IVRS" in live.say(sender, "1")

    bill = live.send(sender, "n3210-987654")
    text = "\n".join(m.get("text", "") for m in bill)
    assert "₹1,847.00" in text
    assert "सु*** व***" in text and "सुनील" not in text
    assert "245" in text
    pay_buttons = [b for m in bill for b in m.get("buttons", []) if b["payload"] == "1"]
    assert pay_buttons, "the bill offers a Pay button"

    reply = live.say(sender, pay_buttons[0]["payload"])
    link = upi_link_in(reply)
    q = parse_qs(urlparse(link.replace("upi://", "http://")).query)
    assert q["am"] == ["1847.00"] and q["cu"] == ["INR"] and q["mc"] == ["4900"]
    assert "%20" in link and "+" not in link
    stored = payments_for(live, "N3210987654")
    assert len(stored) == 1
    assert stored[0].status == "pending" and stored[0].amount_paise == 184700
    assert q["tr"] == [stored[0].ref]


def test_bad_ivrs_then_unknown_then_back_to_menu(live):
    sender = "919800000002"
    live.say(sender, "hello")
    live.say(sender, "2")
    live.say(sender, "2")
    live.say(sender, "1")
    assert "छोटा" in live.say(sender, "12345")          # malformed: says what is wrong
    assert "नहीं मिला" in live.say(sender, "N9999999999")  # unknown
    final = live.say(sender, "9999999998")
    assert "3 बार" in final and "2. बिल भुगतान" in final  # third failure: main menu
    assert payments_for(live, "N9999999999") == []


def test_wrong_number_on_menu_is_re_asked_and_zero_returns(live):
    sender = "919800000003"
    live.say(sender, "Hi")
    live.say(sender, "2")
    reask = live.say(sender, "5")
    assert "1, 2" in reask
    assert "2. बिल भुगतान" in live.say(sender, "0")


def test_area_mismatch_is_named_and_flow_goes_on(live):
    sender = "919800000004"
    for msg in ("Hi", "2", "2", "1"):
        live.say(sender, msg)
    reply = live.say(sender, "1100223344")  # a rural connection, urban chosen
    assert "ग्रामीण" in reply and "₹612.00" in reply


def test_registered_mobile_with_two_connections(live):
    sender = "919812345678"
    for msg in ("Hi", "2"):
        live.say(sender, msg)
    listing = live.say(sender, "1")
    assert "N3210987654" in listing and "1100223344" in listing
    assert "9812345678" not in listing
    bill = live.say(sender, "1")
    assert "₹612.00" in bill or "₹1,847.00" in bill


def test_unregistered_mobile_is_offered_the_ivrs_path(live):
    sender = "919700000009"
    for msg in ("Hi", "2"):
        live.say(sender, msg)
    reply = live.say(sender, "1")
    assert "पंजीकृत नहीं" in reply and "1. शहरी" in reply
    assert "₹" not in reply


def test_nothing_due(live):
    sender = "919800000005"
    reply = live.say(sender, "Hi")
    for msg in ("3", "2", "2"):
        reply = live.say(sender, msg)
    reply = live.say(sender, "N4410000002")
    assert "कोई राशि बकाया नहीं" in reply
    assert "upi://" not in reply
