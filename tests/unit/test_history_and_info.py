"""Past bills and payment history; new connection; helpline with office hours."""
from datetime import datetime

import pytest
from sqlalchemy import select

from bijli.flows.info import office_open
from bijli.models import Bill, Payment
from bijli.payments.queries import account_history
from tests.dialogue import Conversation


class Chat(Conversation):
    def __init__(self, services, sender="919700000001", lang=None):
        super().__init__(services, sender, lang)


def pay_bill(db, ivrs, month, receipt, when, partial=False):
    """Mark a bill paid (as the payment code does) and record the payment."""
    with db.session() as s:
        bill = s.execute(select(Bill).where(Bill.ivrs == ivrs, Bill.bill_month == month)).scalar_one()
        amount = bill.amount_paise // 2 if partial else bill.amount_paise
        bill.paid_paise, bill.paid_at = amount, when
        s.add(Payment(ref="BS" + receipt, ivrs=ivrs, bill_id=bill.id, sender="919812345678",
                      amount_paise=amount, status="paid", paid_amount_paise=amount,
                      receipt_no=receipt, created_at=when, paid_at=when, updated_at=when))
        return bill.amount_paise


def months(db, ivrs):
    with db.session() as s:
        return [b.bill_month for b in s.execute(
            select(Bill).where(Bill.ivrs == ivrs).order_by(Bill.bill_month.desc())).scalars()]


def test_history_query_newest_first_with_paid_state(seeded_db):
    ms = months(seeded_db, "N3210987654")
    pay_bill(seeded_db, "N3210987654", ms[1], "R1", datetime(2025, 1, 5, 4, 0))
    pay_bill(seeded_db, "N3210987654", ms[2], "R2", datetime(2025, 1, 6, 4, 0), partial=True)
    with seeded_db.session() as s:
        h = account_history(s, "N3210987654")
        assert account_history(s, "N0000000000") is None
    assert [b.bill_month for b in h.bills] == ms[:6]
    assert [b.state for b in h.bills[:3]] == ["unpaid", "paid", "partly"]
    assert [p.receipt for p in h.payments] == ["R2", "R1"]  # latest payment first


def test_past_bills_by_ivrs_shows_six_bills_payments_and_the_current_bill(services):
    ms = months(services.db, "N3210987654")
    pay_bill(services.db, "N3210987654", ms[1], "RCPT0001", datetime(2025, 1, 5, 4, 0))
    chat = Chat(services, sender="919812345678", lang="en")  # the registered mobile
    reply = chat.say("show my past bills for N3210987654", "past_bills", ivrs="N3210987654")
    assert "Last 6 bills" in reply and "S*** V***" not in reply  # Devanagari name, masked:
    assert "सु*** व***" in reply and "सुनील" not in reply
    lines = [line for line in reply.splitlines() if "units," in line]
    assert len(lines) == 6

    def mm(month):
        return f"{month[5:7]}/{month[:4]}"

    assert lines[0].startswith(mm(ms[0])) and "₹1,847.00" in lines[0] and lines[0].endswith("unpaid")
    assert lines[1].startswith(mm(ms[1])) and lines[1].endswith("paid") and "unpaid" not in lines[1]
    assert "Last payments:" in reply and "05-01-2025 09:30 IST" in reply and "RCPT0001" in reply
    # then the current bill, with Pay
    assert "Amount due: ₹1,847.00" in reply and chat.slots["menu"] == "bill"


def test_past_bills_by_ivrs_from_another_number_show_only_the_current_bill(services):
    ms = months(services.db, "N3210987654")
    pay_bill(services.db, "N3210987654", ms[1], "RCPT0001", datetime(2025, 1, 5, 4, 0))
    chat = Chat(services, sender="919700000001", lang="en")  # not the registered mobile
    reply = chat.say("show past bills for N3210987654", "past_bills", ivrs="N3210987654")
    assert "shown only to its registered mobile number" in reply
    assert "Last 6 bills" not in reply and "units," not in reply
    assert "RCPT0001" not in reply and "BSRCPT0001" not in reply and "Last payments" not in reply
    # the current bill, which anyone may see and pay
    assert "सु*** व***" in reply and "Amount due: ₹1,847.00" in reply and chat.slots["menu"] == "bill"
    hi = Chat(services, sender="919700000002").say("पुराने बिल N3210987654", "past_bills",
                                                    ivrs="N3210987654")
    assert "केवल उसके पंजीकृत मोबाइल नंबर" in hi and "पिछले 6 बिल" not in hi and "₹1,847.00" in hi


def test_past_bills_in_hindi_without_payments(services):
    reply = Chat(services, sender="919977000001").say("पुराने बिल N4410000001", "past_bills",
                                                      ivrs="N4410000001")
    assert "पिछले 6 बिल" in reply and "बकाया" in reply and "कोई भुगतान" in reply


def test_main_menu_3_by_registered_mobile_only_lists_own_connections(services):
    chat = Chat(services, sender="919812345678", lang="en")
    chat.say("Hi", "greet")
    assert "registered mobile" in chat.say("3", "choose_option")
    listing = chat.say("1", "choose_option")
    assert "N3210987654" in listing and "1100223344" in listing and "9812345678" not in listing
    reply = chat.say("2", "choose_option")  # 1100223344 is first (sorted), N3210987654 second
    assert "IVRS N3210987654" in reply and "Last 6 bills" in reply


def test_past_bills_mobile_with_one_connection(services):
    chat = Chat(services, sender="919826000001", lang="en")
    # Free text from a registered mobile: nothing to ask, the history comes at once.
    reply = chat.say("past bills", "past_bills")
    assert "N3210000001" in reply and "Last 6 bills" in reply and "अ*** श***" in reply


def test_past_bills_unregistered_mobile_sees_no_bill(services):
    chat = Chat(services, sender="919700000009", lang="en")
    chat.say("past bills", "past_bills")
    reply = chat.say("1", "choose_option")
    assert "not registered" in reply and "₹" not in reply


def test_unknown_ivrs_for_history(services):
    reply = Chat(services, lang="en").say("past bills N9999999999", "past_bills", ivrs="N9999999999")
    assert "not found" in reply and "Last 6 bills" not in reply


# -- info -------------------------------------------------------------------------

def test_new_connection_lists_documents_steps_portal_helpline(services):
    en = Chat(services, lang="en").say("new connection", "new_connection")
    for words in ("Documents", "Aadhaar", "Steps", "https://portal.mpcz.in", "1912"):
        assert words in en
    hi = Chat(services).say("नया कनेक्शन चाहिए", "new_connection")
    assert "दस्तावेज़" in hi and "https://portal.mpcz.in" in hi and "1912" in hi


def test_main_menu_6_is_new_connection(services):
    chat = Chat(services, lang="en")
    chat.say("Hi", "greet")
    assert "https://portal.mpcz.in" in chat.say("6", "choose_option")


@pytest.mark.parametrize("utc, is_open", [
    (datetime(2025, 5, 12, 4, 30), True),    # Monday 10:00 IST
    (datetime(2025, 5, 12, 4, 29), False),   # Monday 09:59 IST
    (datetime(2025, 5, 12, 11, 29), True),   # Monday 16:59 IST
    (datetime(2025, 5, 12, 11, 30), False),  # Monday 17:00 IST
    (datetime(2025, 5, 12, 16, 0), False),   # Monday 21:30 IST (16:00 would be open in UTC)
    (datetime(2025, 5, 17, 6, 0), True),     # Saturday 11:30 IST
    (datetime(2025, 5, 18, 6, 0), False),    # Sunday
    (datetime(2025, 5, 17, 23, 0), False),   # Saturday 23:00 UTC = Sunday 04:30 IST
    (datetime(2025, 5, 18, 23, 0), False),   # Sunday 23:00 UTC = Monday 04:30 IST
    (datetime(2025, 5, 19, 3, 0), False),    # Monday 08:30 IST, though 03:00 UTC is a weekday
])
def test_office_hours_are_in_ist(utc, is_open):
    assert office_open(utc) is is_open


def test_human_handoff_gives_helpline_and_office_hours(services):
    en = Chat(services, lang="en").say("I want to talk to a person", "human_handoff")
    assert "1912" in en and "Monday to Saturday, 10 am to 5 pm" in en
    assert ("office is open now" in en) or ("office is closed now" in en)
    hi = Chat(services).say("किसी इंसान से बात करनी है", "human_handoff")
    assert "1912" in hi and "सोमवार से शनिवार" in hi


def test_a_new_lookup_forgets_the_connection_type_of_an_earlier_one(services):
    """A type chosen in an abandoned walk-through must not be "corrected" in a later free-text lookup."""
    chat = Chat(services, sender="919700000031", lang="en")
    chat.slots["area_type"] = "agriculture"
    text = chat.say("show my past bills N3210987654", "past_bills", ivrs="N3210987654")
    assert "N3210987654" in text and "₹" in text
    assert "agriculture" not in text.lower()
