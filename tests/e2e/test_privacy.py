"""What a sender may see, and the daily lookup limit (issue 8, part 5), over the REST
channel against the real Rasa and action servers and the harness's database.

A stranger who types the walk-through's IVRS N3210987654 sees its current bill
(amount, due date, masked name: anyone may pay a bill) but none of its history:
past bills, payment references and receipts, complaint numbers. Its registered
mobile 919812345678 sees them. A sender typing a 21st distinct number in a day
is refused, with the 1912 helpline named.

The owner's payment (on an older bill, so the current bill stays unpaid for
test_walkthrough.py) and complaint are written straight into the database and
removed afterwards, so no other e2e file sees them.
"""
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from bijli import complaints as cx
from bijli.db import Database
from bijli.models import Bill, Complaint, Payment, utcnow
from tests.e2e.expected import amount_line, ivrs_line, says

IVRS = "N3210987654"
OWNER = "919812345678"
STRANGER = "919600000801"
ENUMERATOR = "919600000802"
REF, RECEIPT = "BSPRIVACYE2E01", "RPRIVACYE2E01"


@pytest.fixture
def owners_history(live):
    """A paid payment (with receipt) and an open complaint of the owner on IVRS."""
    db = Database(live.database_url)
    try:
        with db.session() as s:
            older = s.execute(select(Bill).where(Bill.ivrs == IVRS).order_by(Bill.bill_month.desc())
                              ).scalars().all()[1]
            when = utcnow() - timedelta(days=2)
            s.add(Payment(ref=REF, ivrs=IVRS, bill_id=older.id, sender=OWNER, amount_paise=124000,
                          status="paid", paid_amount_paise=124000, receipt_no=RECEIPT, created_at=when,
                          paid_at=when, updated_at=when))
            number = cx.file_complaint(s, ivrs=IVRS, category="billing", area_type="urban",
                                       sender=OWNER, details="bill galat hai").complaint.number
        yield number
    finally:
        with db.session() as s:
            s.execute(delete(Payment).where(Payment.ref == REF))
            s.execute(delete(Complaint).where(Complaint.ivrs == IVRS, Complaint.category == "billing"))
        db.dispose()


def test_a_stranger_sees_the_bill_but_none_of_the_history(live, owners_history):
    number = owners_history
    seen = []

    def say(text):
        reply = live.say(STRANGER, text)
        seen.append(reply)
        return reply

    say("Hi")
    say("3")                        # view bill / past bills
    say("2")                        # by IVRS
    say("1")                        # urban
    bill = say(IVRS)
    lines = bill.splitlines()
    assert lines[0] == says("privacy_owner_only", ivrs=IVRS) and "पिछले 6 बिल" not in bill
    assert "उपभोक्ता: सु*** व***" in lines and "सुनील" not in bill
    assert ivrs_line(IVRS, "urban") in lines and amount_line("₹1,847.00") in lines
    assert "अंतिम तिथि" in bill and "1. भुगतान करें" in lines
    # payment status by IVRS (the message reads as English, so the replies are now
    # English), and of the connection looked up in this conversation
    by_ivrs = say(f"IVRS {IVRS} ka payment status")
    assert "shown only to its registered mobile number" in by_ivrs
    assert "No payments were found" in say("5")
    # complaint status by IVRS (menu 4, then the number typed)
    say("4")
    complaints = say(IVRS)
    assert "shown only to its registered mobile number" in complaints
    assert "Complaint number:" not in complaints
    assert "Complaint number:" not in say("4")   # "latest complaints": none filed from here
    everything = "\n".join(seen)
    for secret in (REF, RECEIPT, number, "₹1,240.00", "9812345678"):
        assert secret not in everything


def test_the_registered_mobile_sees_its_history(live, owners_history):
    number = owners_history
    live.say(OWNER, "Hi")
    for msg in ("3", "2", "1"):
        live.say(OWNER, msg)
    history = live.say(OWNER, IVRS).splitlines()
    assert history[0] == says("history_header", count=6, ivrs=IVRS, name="सु*** व***")
    assert history[history.index(says("history_payments_header")) + 1].endswith(
        f": ₹1,240.00 (रसीद {RECEIPT})")
    payments = live.say(OWNER, f"IVRS {IVRS} ka payment status")
    assert REF in payments and RECEIPT in payments
    live.say(OWNER, "0")
    complaints = live.say(OWNER, "4")      # the registered mobile gets its latest at once
    assert number in complaints and IVRS in complaints


def test_twenty_first_distinct_number_in_a_day_is_refused_with_the_helpline(live):
    for i in range(20):             # unknown numbers: failed tries count
        reply = live.say(ENUMERATOR, f"mera bijli ka bill kitna hai? IVRS N77000000{i:02d}")
        assert "नहीं मिला" in reply, reply
    messages = live.send(ENUMERATOR, f"mera bijli ka bill kitna hai? IVRS {IVRS}")
    texts = [m.get("text", "") for m in messages]
    [refusal] = [t for t in texts if "कनेक्शन नंबर देख चुके" in t]
    assert "1912" in refusal and "20 अलग-अलग" in refusal
    assert not any("₹" in t or "सु***" in t for t in texts)
    # the registered mobile's own connections are never counted, even past the limit
    for i in range(20):
        live.say(OWNER, f"mera bijli ka bill kitna hai? IVRS N77100000{i:02d}")
    assert "कनेक्शन नंबर देख चुके" in live.say(OWNER, "mera bijli ka bill kitna hai? IVRS N7710000099")
    own = live.say(OWNER, f"mera bijli ka bill kitna hai? IVRS {IVRS}")
    assert ivrs_line(IVRS, "urban") in own.splitlines() and amount_line("₹1,847.00") in own.splitlines()
    assert "कनेक्शन नंबर देख चुके" not in own
