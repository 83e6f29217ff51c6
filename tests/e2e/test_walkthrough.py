"""The discom's bill-payment walk-through over the REST channel (issue 2).

Hi -> 2 (pay) -> 2 (by IVRS) -> 1 (urban) -> IVRS -> Pay, against the real
Rasa and action servers, a fresh database and a fresh tracker store.
"""
import re
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from bijli.db import Database
from bijli.models import Payment
from tests.e2e.expected import amount_line, connection_pick, ivrs_line, says, shown_menu


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

    assert live.say(sender, "Hi") == shown_menu("main")
    assert live.say(sender, "2") == shown_menu("lookup_method")
    assert live.say(sender, "2") == shown_menu("area")
    assert live.say(sender, "1") == says("ask_ivrs")

    bill = live.send(sender, "n3210-987654")
    text = "\n".join(m.get("text", "") for m in bill)
    assert ivrs_line("N3210987654", "urban") in text.splitlines()
    assert amount_line("₹1,847.00") in text.splitlines()
    assert "सु*** व***" in text and "सुनील" not in text
    assert "यूनिट: 245" in text.splitlines()
    assert text.endswith(shown_menu("bill"))
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
    # malformed: says what is wrong, and how many tries are left
    assert live.say(sender, "12345") == says("ivrs_error_too_short") + "\n" + says("ivrs_try_again", left=2)
    assert live.say(sender, "N9999999999") == (says("ivrs_not_found", ivrs="N9999999999") + "\n"
                                               + says("ivrs_try_again", left=1))
    final = live.say(sender, "9999999998")   # third failure: the main menu
    assert final == (says("ivrs_not_found", ivrs="9999999998") + "\n"
                     + says("ivrs_too_many", helpline="1912") + "\n" + shown_menu("main"))
    assert payments_for(live, "N9999999999") == []


def test_wrong_number_on_menu_is_re_asked_and_zero_returns(live):
    sender = "919800000003"
    live.say(sender, "Hi")
    live.say(sender, "2")
    reask = live.say(sender, "5")
    assert reask == says("valid_choices", choices="1, 2") + "\n" + shown_menu("lookup_method")
    assert live.say(sender, "0") == shown_menu("main")


def test_area_mismatch_is_named_and_flow_goes_on(live):
    sender = "919800000004"
    for msg in ("Hi", "2", "2", "1"):
        live.say(sender, msg)
    reply = live.say(sender, "1100223344")  # a rural connection, urban chosen
    lines = reply.splitlines()
    assert lines[0] == says("area_mismatch", record="ग्रामीण", chosen="शहरी")
    assert ivrs_line("1100223344", "rural") in lines and amount_line("₹612.00") in lines


def test_registered_mobile_with_two_connections(live):
    sender = "919812345678"
    for msg in ("Hi", "2"):
        live.say(sender, msg)
    listing = live.say(sender, "1")
    assert listing == connection_pick("98******78", [("1100223344", "rural", "सु*** व***"),
                                                     ("N3210987654", "urban", "सु*** व***")])
    bill = live.say(sender, "1").splitlines()   # option 1: the rural connection, ₹612.00
    assert ivrs_line("1100223344", "rural") in bill and amount_line("₹612.00") in bill
    assert amount_line("₹1,847.00") not in bill


def test_unregistered_mobile_is_offered_the_ivrs_path(live):
    sender = "919700000009"
    for msg in ("Hi", "2"):
        live.say(sender, msg)
    reply = live.say(sender, "1")
    assert reply == says("mobile_none", mobile="97******09") + "\n" + shown_menu("area")


def test_nothing_due(live):
    sender = "919800000005"
    reply = live.say(sender, "Hi")
    for msg in ("3", "2", "2"):
        reply = live.say(sender, msg)
    reply = live.say(sender, "N4410000002")
    lines = reply.splitlines()
    assert ivrs_line("N4410000002", "rural") in lines and amount_line("₹0.00") in lines
    assert reply.endswith(shown_menu("main"))   # no Pay option: back to the main menu
    assert "कोई राशि बकाया नहीं" in reply and "upi://" not in reply
