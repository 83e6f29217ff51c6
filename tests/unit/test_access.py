"""Who may see a connection's history (bijli.access, issue 8 part 5): the current
bill to anyone with the IVRS; past bills, payments and complaints only to the
registered mobile, or to the sender who made that payment / filed that complaint.
Real SQLite (PostgreSQL under `make test-postgres`)."""
import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bijli import complaints as cx
from bijli.access import owns, sender_mobile, visible_complaints, visible_payments
from bijli.flows.core import Services
from bijli.models import Bill, Payment, utcnow
from tests.dialogue import Conversation

OWNER = "919812345678"       # registered for N3210987654 and 1100223344
STRANGER = "919700000031"
PAYER = "919700000032"       # not registered, but pays N3210987654's bill


@pytest.mark.parametrize("sender, mobile", [
    ("919812345678", "9812345678"),              # WhatsApp wa_id
    ("whatsapp:+919812345678", "9812345678"),    # Twilio
    ("+919812345678", "9812345678"),
    ("09812345678", "9812345678"),
    ("9812345678", "9812345678"),
    ("550e8400-e29b-41d4-a716-449812345678", ""),  # a web-chat id that ends in the digits
    ("user9812345678", ""),
    ("+447912345678", ""),                       # a foreign number is not an Indian mobile
    ("91981234567", ""),                          # too short
    ("", ""),
])
def test_which_senders_stand_for_a_mobile(sender, mobile):
    assert sender_mobile(sender) == mobile


def test_owner_is_the_registered_mobile_only(seeded_db):
    with seeded_db.session() as s:
        assert owns(s, OWNER, "N3210987654") and owns(s, "whatsapp:+919812345678", "1100223344")
        assert not owns(s, OWNER, "N3210000001")                     # someone else's
        assert not owns(s, STRANGER, "N3210987654")
        assert not owns(s, "abc-9812345678", "N3210987654")          # not a phone number
        assert not owns(s, OWNER, "N9999999999")                     # no such connection
        assert not owns(s, "", "N3210000006")                        # registered with no mobile


def add_payment(db, ivrs, sender, ref, minutes_ago=0, receipt=None):
    with db.session() as s:
        bill = s.execute(select(Bill).where(Bill.ivrs == ivrs).order_by(Bill.bill_month.desc())).scalars().first()
        when = utcnow() - timedelta(minutes=minutes_ago)
        s.add(Payment(ref=ref, ivrs=ivrs, bill_id=bill.id, sender=sender, amount_paise=10000,
                      status="paid" if receipt else "pending", paid_amount_paise=10000 if receipt else None,
                      receipt_no=receipt, created_at=when, paid_at=when if receipt else None, updated_at=when))


def refs(views):
    return sorted(v.ref for v in views)


def test_payments_each_sender_may_see(seeded_db):
    add_payment(seeded_db, "N3210987654", "", "BSCOUNTER", 30, receipt="RCOUNTER")    # paid at a counter
    add_payment(seeded_db, "N3210987654", PAYER, "BSPAYER", 20, receipt="RPAYER")
    add_payment(seeded_db, "N3210000001", PAYER, "BSPAYER2", 10)                    # payer, other connection
    add_payment(seeded_db, "N3210000001", "", "BSOTHER", 5)
    with seeded_db.session() as s:
        assert refs(visible_payments(s, OWNER, ["N3210987654"])) == ["BSCOUNTER", "BSPAYER"]
        assert refs(visible_payments(s, OWNER)) == ["BSCOUNTER", "BSPAYER"]
        assert refs(visible_payments(s, PAYER, ["N3210987654"])) == ["BSPAYER"]
        assert refs(visible_payments(s, PAYER)) == ["BSPAYER", "BSPAYER2"]
        assert visible_payments(s, STRANGER, ["N3210987654"]) == []
        assert visible_payments(s, STRANGER) == []
        assert visible_payments(s, "", ["N3210987654"]) == []    # "" never matches counter payments
        assert [v.ref for v in visible_payments(s, OWNER, limit=1)] == ["BSPAYER"]   # newest first


def test_complaints_each_sender_may_see(seeded_db):
    with seeded_db.session() as s:
        theirs = cx.file_complaint(s, ivrs="N3210987654", category="meter", area_type="urban").complaint
        mine = cx.file_complaint(s, ivrs="N3210987654", category="voltage", area_type="urban",
                                 sender=STRANGER).complaint
    with seeded_db.session() as s:
        assert {c.number for c in visible_complaints(s, OWNER, ["N3210987654"])} == {theirs.number, mine.number}
        assert [c.number for c in visible_complaints(s, STRANGER, ["N3210987654"])] == [mine.number]
        assert [c.number for c in visible_complaints(s, STRANGER)] == [mine.number]
        assert visible_complaints(s, "919700000099", ["N3210987654"]) == []


# -- in the conversation ------------------------------------------------------------

class Chat(Conversation):
    def __init__(self, services, sender, lang="en"):
        super().__init__(services, sender, lang)


def test_a_looked_up_connection_does_not_reveal_its_payments(services):
    add_payment(services.db, "N3210987654", OWNER, "BSOWNER01", 30, receipt="ROWNER01")
    chat = Chat(services, STRANGER)
    bill = chat.say("bill for N3210987654", "check_bill", ivrs="N3210987654")
    assert "Amount due: ₹1,847.00" in bill and chat.slots["ivrs"] == "N3210987654"
    status = chat.say("payment status", "payment_status")      # the slot holds the IVRS now
    assert "BSOWNER01" not in status and "ROWNER01" not in status and "No payments were found" in status
    by_ivrs = chat.say("payment status N3210987654", "payment_status", ivrs="N3210987654")
    assert "BSOWNER01" not in by_ivrs and "₹100.00" not in by_ivrs
    assert "shown only to its registered mobile number" in by_ivrs
    complaints = chat.say("complaint status", "complaint_status")
    assert "Complaint number" not in complaints
    owner = Chat(services, OWNER).say("payment status N3210987654", "payment_status", ivrs="N3210987654")
    assert "BSOWNER01" in owner and "ROWNER01" in owner


def test_a_payer_sees_their_own_payment_and_not_the_owners(services):
    add_payment(services.db, "N3210987654", OWNER, "BSOWNER02", 30, receipt="ROWNER02")
    add_payment(services.db, "N3210987654", PAYER, "BSPAYER02", 10, receipt="RPAYER02")
    reply = Chat(services, PAYER).say("payment status N3210987654", "payment_status", ivrs="N3210987654")
    assert "BSPAYER02" in reply and "RPAYER02" in reply
    assert "BSOWNER02" not in reply and "ROWNER02" not in reply
    assert "Only the payments/complaints made from this number" in reply
    hi = Chat(services, PAYER, lang="hi").say("भुगतान की स्थिति", "payment_status")
    assert "BSPAYER02" in hi and "BSOWNER02" not in hi


def test_an_unknown_ivrs_in_payment_status_says_not_found(services):
    reply = Chat(services, STRANGER).say("payment status N9999999999", "payment_status", ivrs="N9999999999")
    assert "not found" in reply


def test_an_owner_with_no_payments_is_told_so(services):
    reply = Chat(services, OWNER).say("payment status 1100223344", "payment_status", ivrs="1100223344")
    assert "No payments were found for IVRS 1100223344" in reply


def test_a_complaint_number_is_a_docket_anyone_holding_it_may_follow(services):
    with services.db.session() as s:
        c = cx.file_complaint(s, ivrs="N3210987654", category="meter", area_type="urban",
                              sender=OWNER).complaint
    reply = Chat(services, STRANGER).say(f"complaint {c.number} status", "complaint_status",
                                         complaint_number=c.number)
    assert c.number in reply and "Status: registered" in reply


def test_flows_log_no_full_mobiles_or_names(services, caplog):
    """Logs carry masked mobiles only (issue 8 part 5)."""
    caplog.set_level(logging.DEBUG)
    owner = Chat(services, OWNER)
    owner.say("past bills N3210987654", "past_bills", ivrs="N3210987654")
    owner.say("payment status", "payment_status")
    owner.say("meter kharab hai N3210987654", "register_complaint", ivrs="N3210987654")
    owner.say("yes", "affirm")
    owner.say("complaint status", "complaint_status")
    small = Services(db=services.db, settings=replace(services.settings, lookup_limit_per_day=1))
    stranger = Chat(small, STRANGER)
    stranger.say("bill N3210000001", "check_bill", ivrs="N3210000001")
    stranger.say("bill 9826000002", "check_bill", ivrs="9826000002")      # a mobile typed as IVRS: refused
    logged = caplog.text
    assert "98******78" in logged and "97******31" in logged               # the events were logged
    for secret in ("9812345678", "9700000031", "9826000002", "सुनील", "अनीता"):
        assert secret not in logged
