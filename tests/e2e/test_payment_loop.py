"""Payments end to end (issues 4 and 8), over REST against the real servers (tests/e2e/conftest.py):

Hi -> 2 -> 2 -> 1 -> IVRS -> Pay -> `bijli simulate-payment` (a signed gateway
event to the live webhook) -> the confirmation is in the conversation's tracker
-> the bill shows paid. Issue 8: a second Pay shows the same request; a paid
cancelled request is an overpayment, flagged, told and listed for operators.

These tests use their own consumers (imported below), so the walk-through's
consumer N3210987654 stays unpaid for tests/e2e/test_walkthrough.py.
"""
import re
import time
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from bijli.db import Database
from bijli.models import Payment, utcnow
from bijli.payments.events import paid_event, signed
from tests.e2e.conftest import E2E_WEBHOOK_SECRET
from tests.e2e.expected import amount_line, ivrs_line

URBAN, RURAL = "N3210000771", "N4410000772"
TWICE, OVERPAID, OTHER = "N3210000773", "N3210000774", "N3210000775"   # issue 8


@pytest.fixture(scope="module")
def consumers(live):
    month = f"{date.today():%Y-%m}"
    today = date.today().isoformat()
    csv = live.tmp / "payment_consumers.csv"
    csv.write_text(
        "ivrs,name,area_type,mobile,tariff,bill_month,bill_date,due_date,units,amount\n"
        f"{URBAN},Kiran Malviya,urban,9800000771,LV-1.2,{month},{today},{today},210,1520.00\n"
        f"{RURAL},Ramesh Ahirwar,rural,9800000772,LV-1.2,{month},{today},{today},120,700.00\n"
        f"{TWICE},Asha Rajput,urban,9800000773,LV-1.2,{month},{today},{today},150,930.00\n"
        f"{OVERPAID},Vinod Jatav,urban,9800000774,LV-1.2,{month},{today},{today},180,1120.00\n"
        f"{OTHER},Meena Kushwaha,urban,9800000775,LV-1.2,{month},{today},{today},90,410.00\n",
        encoding="utf-8")
    done = live.bijli("import-bills", str(csv))
    assert done.returncode == 0, done.stderr
    return URBAN, RURAL


def stored(live, ref):
    db = Database(live.database_url)
    try:
        with db.session() as s:
            return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()
    finally:
        db.dispose()


def told(live, sender, predicate, seconds=30.0):
    """The bot messages in the tracker that match, once at least one does.
    (The webhook answers the gateway within 3 s even if telling the payer takes longer.)"""
    deadline = time.monotonic() + seconds
    while True:
        found = [t for t in live.bot_texts(sender) if predicate(t)]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def pay(live, sender, ivrs, area_choice="1"):
    for msg in ("Hi", "2", "2", area_choice):
        live.say(sender, msg)
    bill = live.send(sender, ivrs)
    assert any(b["payload"] == "1" for m in bill for b in m.get("buttons") or []), texts(bill)
    reply = live.send(sender, "1")
    ref = re.search(r"[?&]tr=([A-Z0-9]+)", texts(reply)).group(1)
    return ref, reply


def test_pay_then_gateway_event_confirms_in_the_conversation_and_bill_shows_paid(live, consumers):
    sender = "919800000771"
    ref, reply = pay(live, sender, URBAN)
    assert "₹1,520.00" in texts(reply) and "upi://pay?" in texts(reply)
    # The QR image message, served by the payments channel.
    images = [m["image"] for m in reply if m.get("image")]
    assert images == [f"{live.rasa_url}/webhooks/payments/qr/{ref}.png"]
    qr = requests.get(images[0], timeout=10)
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    assert qr.content.startswith(b"\x89PNG")

    done = live.bijli("simulate-payment", ref)
    assert done.returncode == 0, done.stderr

    p = stored(live, ref)
    assert p.status == "paid" and p.receipt_no
    confirmations = told(live, sender, lambda t: "भुगतान प्राप्त हुआ" in t)
    assert len(confirmations) == 1
    c = confirmations[0]
    assert "₹1,520.00" in c and ref in c and p.receipt_no in c and re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d", c)

    # The gateway's retry (a new event for the same payment) changes nothing and says nothing.
    again = live.bijli("simulate-payment", ref)
    assert again.returncode == 0, again.stderr
    assert len([t for t in live.bot_texts(sender) if "भुगतान प्राप्त हुआ" in t]) == 1
    assert requests.get(images[0], timeout=10).status_code == 410   # no paying twice by QR

    # The bill now shows paid, with its date, and offers no payment.
    for msg in ("0", "2", "2", "1"):
        live.say(sender, msg)
    bill = live.send(sender, URBAN)
    lines = texts(bill).splitlines()
    assert ivrs_line(URBAN, "urban") in lines and amount_line("₹0.00") in lines
    assert "जमा हो चुका है" in texts(bill)
    assert "upi://" not in texts(bill)
    assert not any(b.get("title") == "भुगतान करें" for m in bill for b in m.get("buttons") or [])

    # Payment status lists it with its receipt.
    status = live.say(sender, "receipt chahiye")
    assert ref in status and p.receipt_no in status


def test_webhook_refuses_bad_signatures_and_unknown_references(live, consumers):
    sender = "919800000772"
    ref, _ = pay(live, sender, RURAL, area_choice="2")
    url = f"{live.rasa_url}/webhooks/payments/webhook"
    raw, headers = signed(paid_event(ref, 70000), "not-the-secret")
    assert requests.post(url, data=raw, headers=headers, timeout=30).status_code == 401
    del headers["X-Razorpay-Signature"]
    assert requests.post(url, data=raw, headers=headers, timeout=30).status_code == 401
    assert stored(live, ref).status == "pending"

    unknown = live.bijli("simulate-payment", "BS2611250000000000BEEF", "--amount", "700")
    assert unknown.returncode != 0 and "404" in unknown.stderr

    # A failure: the consumer hears it, with the link again; then pays on the demo page.
    failed = live.bijli("simulate-payment", ref, "--fail")
    assert failed.returncode == 0, failed.stderr
    assert told(live, sender, lambda t: "विफल" in t and f"tr={ref}" in t), live.bot_texts(sender)[-3:]
    page = requests.get(f"{live.rasa_url}/webhooks/payments/pay/{ref}", timeout=10)
    assert page.status_code == 200 and "₹700.00" in page.text and 'value=pay' in page.text
    paid = requests.post(f"{live.rasa_url}/webhooks/payments/pay/{ref}", data={"outcome": "pay"}, timeout=30)
    assert paid.status_code == 200 and "Paid" in paid.text
    assert stored(live, ref).status == "paid"
    assert told(live, sender, lambda t: "भुगतान प्राप्त हुआ" in t and ref in t)


def test_two_pays_give_the_same_request(live, consumers):
    sender = "919800000773"
    ref, first = pay(live, sender, TWICE)
    again = live.send(sender, "1")          # Pay once more, from the bill still on screen
    for msg in ("0", "2", "2", "1", TWICE):
        live.say(sender, msg)
    third = live.send(sender, "1")          # and after looking the bill up again
    for reply in (again, third):
        assert f"tr={ref}" in texts(reply) and "₹930.00" in texts(reply)
        assert [m["image"] for m in reply if m.get("image")] == [m["image"] for m in first if m.get("image")]
    db = Database(live.database_url)
    try:
        with db.session() as s:
            assert s.execute(select(Payment.ref).where(Payment.ivrs == TWICE)).scalars().all() == [ref]
    finally:
        db.dispose()


def expire(live, ref):
    db = Database(live.database_url)
    try:
        with db.session() as s:
            p = s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()
            p.expires_at = utcnow() - timedelta(minutes=1)
    finally:
        db.dispose()


def test_paying_a_cancelled_request_is_flagged_refunded_and_told(live, consumers):
    sender = "919800000774"
    first, _ = pay(live, sender, OVERPAID)
    expire(live, first)                     # its time ran out: the next Pay makes a new request
    second = re.search(r"[?&]tr=([A-Z0-9]+)", texts(live.send(sender, "1"))).group(1)
    assert second != first
    qr = f"{live.rasa_url}/webhooks/payments/qr/{second}.png"
    assert requests.get(qr, timeout=10).status_code == 200

    # The consumer's UPI app still paid the first one: the bill is paid, request 2 is cancelled.
    done = live.bijli("simulate-payment", first)
    assert done.returncode == 0, done.stderr
    assert told(live, sender, lambda t: "भुगतान प्राप्त हुआ" in t and first in t)
    assert stored(live, second).status == "cancelled"
    assert requests.get(qr, timeout=10).status_code == 410

    # ... and then request 2 was paid too: recorded, flagged, not credited, the payer told.
    done = live.bijli("simulate-payment", second)
    assert done.returncode == 0, done.stderr
    p = stored(live, second)
    assert p.status == "paid" and p.flagged and p.flag_reason == "overpayment" and p.receipt_no
    refund = told(live, sender, lambda t: "वापस" in t and second in t)
    assert refund and "₹1,120.00" in refund[0] and "1912" in refund[0]
    listed = live.bijli("payments", "list", "--flagged")
    assert listed.returncode == 0, listed.stderr
    line, = [x for x in listed.stdout.splitlines() if second in x]
    assert "overpayment" in line and "₹1,120.00 due" in line and "98******74" in line
    for msg in ("0", "2", "2", "1"):
        live.say(sender, msg)
    bill = texts(live.send(sender, OVERPAID))
    assert ivrs_line(OVERPAID, "urban") in bill.splitlines() and amount_line("₹0.00") in bill.splitlines()
    assert "upi://" not in bill


def test_non_ascii_signature_and_other_providers_payments(live, consumers):
    sender = "919800000775"
    ref, _ = pay(live, sender, OTHER)
    url = f"{live.rasa_url}/webhooks/payments/webhook"
    raw, headers = signed(paid_event(ref, 41000), E2E_WEBHOOK_SECRET)
    headers["X-Razorpay-Signature"] = headers["X-Razorpay-Signature"][:-1].encode() + b"\xe9"
    assert requests.post(url, data=raw, headers=headers, timeout=30).status_code == 401
    # The demo page completes only what the demo provider made.
    db = Database(live.database_url)
    try:
        with db.session() as s:
            p = s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()
            p.provider = "razorpay"
    finally:
        db.dispose()
    page = f"{live.rasa_url}/webhooks/payments/pay/{ref}"
    assert requests.get(page, timeout=10).status_code == 404
    assert requests.post(page, data={"outcome": "pay"}, timeout=30).status_code == 404
    assert stored(live, ref).status != "paid"
