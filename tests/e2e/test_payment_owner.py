"""A second sender's payment is confirmed to that sender alone (issue 18, item 2), over REST.

Two senders, neither the registered mobile, press Pay for the same bill; the
second one pays (``bijli simulate-payment``: a signed gateway event to the live
webhook). The payer's tracker gets the confirmation with the receipt; the first
sender's gets nothing, their request is cancelled, and their payment status does
not show the payer's receipt. Before the fix both saw one reference, owned by the
first sender, who was the one told.
"""
from datetime import date

import pytest

from tests.e2e.test_payment_loop import pay, stored, told

SHARED = "N3210000881"                  # registered to 9800000881, neither sender below
FIRST, PAYER = "919800000882", "919800000883"
CONFIRMED = "भुगतान प्राप्त हुआ"


@pytest.fixture(scope="module")
def shared_bill(live):
    month = f"{date.today():%Y-%m}"
    today = date.today().isoformat()
    csv = live.tmp / "payment_owner_consumers.csv"
    csv.write_text(
        "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n"
        f"{SHARED},Savita Kewat,urban,9800000881,LV-1.2,{month},{today},{today},140,860.00\n",
        encoding="utf-8")
    done = live.bijli("import-bills", str(csv))
    assert done.returncode == 0, done.stderr
    return SHARED


def test_a_second_senders_payment_is_confirmed_to_that_sender_alone(live, shared_bill):
    first_ref, _ = pay(live, FIRST, shared_bill)
    payer_ref, reply = pay(live, PAYER, shared_bill)
    assert payer_ref != first_ref
    assert "₹860.00" in "\n".join(m.get("text") or "" for m in reply)

    done = live.bijli("simulate-payment", payer_ref)
    assert done.returncode == 0, done.stderr
    receipt = stored(live, payer_ref).receipt_no
    assert receipt
    confirmations = told(live, PAYER, lambda t: CONFIRMED in t)
    assert len(confirmations) == 1
    assert payer_ref in confirmations[0] and receipt in confirmations[0] and "₹860.00" in confirmations[0]

    # A payment tells one conversation, and it has been told: the first sender heard nothing.
    first_said = "\n".join(live.bot_texts(FIRST))
    assert CONFIRMED not in first_said and receipt not in first_said and payer_ref not in first_said
    assert stored(live, first_ref).status == "cancelled"
    status = live.say(FIRST, "receipt chahiye")
    assert first_ref in status and receipt not in status and payer_ref not in status
    assert payer_ref in live.say(PAYER, "receipt chahiye")
