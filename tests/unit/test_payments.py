"""Payment requests, the pushed confirmation and payment status (bijli.flows.payments),
against a real SQLite database; Razorpay is the local fake gateway."""
import re
from datetime import timedelta

import png
import pytest
import qrcode
from sqlalchemy import select

from bijli.flows.billing import show_bill
from bijli.flows.core import Reply, Services, Turn
from bijli.flows.payments import offer_payment, payment_status
from bijli.models import Payment
from bijli.payments import NothingDue, receipt_number, request_payment
from bijli.payments.events import failed_event, paid_event, signed
from bijli.payments.gateway import GatewayError, RazorpayProvider
from bijli.payments.webhook import handle_webhook
from bijli.qr import qr_png
from bijli.settings import Settings
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

SECRET = "test-webhook-secret"
IVRS = "N3210987654"
SENDER = "919812345678"     # registered for N3210987654 and 1100223344


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                              "PUBLIC_BASE_URL": "https://bijli.example"})


@pytest.fixture
def svc(seeded_db, settings):
    return Services(db=seeded_db, settings=settings)


@pytest.fixture
def fake():
    server = FakeRazorpay(slow_seconds=0.5).start()
    yield server
    server.stop()


def turn(text="", intent="", sender=SENDER, lang=None, **entities):
    slots = {"language": lang} if lang else {}
    return Turn(sender=sender, text=text, intent=intent, entities=entities, slots=slots)


def texts(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def gateway_event(svc, event):
    raw, headers = signed(event, SECRET)
    return handle_webhook(svc.db, SECRET, raw, headers)


def stored(svc, ref):
    with svc.db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


# -- the Pay step ---------------------------------------------------------------

def test_pay_shows_upi_link_payment_page_and_qr_image(svc):
    r = offer_payment(turn("1"), svc, Reply(lang="en"), IVRS)
    body = texts(r)
    ref = r.slots["payment_ref"]
    assert "₹1,847.00" in body and ref in body
    assert f"upi://pay?pa=mpcz.demo@upi&pn=MPCZ%20Bijli%20Bill&am=1847.00&cu=INR&tr={ref}&" in body
    assert f"https://bijli.example/webhooks/payments/pay/{ref}" in body
    images = [m.image for m in r.messages if m.image]
    assert images == [f"https://bijli.example/webhooks/payments/qr/{ref}.png"]
    p = stored(svc, ref)
    assert p.status == "pending" and p.provider == "demo" and p.provider_link_id == "demo_" + ref
    assert p.sender == SENDER and p.amount_paise == 184700


def test_pay_in_hindi(svc):
    body = texts(offer_payment(turn("1"), svc, Reply(lang="hi"), IVRS))
    assert "भुगतान अनुरोध तैयार है" in body and "QR" in body


def test_razorpay_link_is_shown_and_stored(svc, fake, settings):
    rzp = RazorpayProvider(fake.url, KEY_ID, KEY_SECRET, timeout=(0.5, 0.5), backoff=0.01)
    req = request_payment(svc.db, settings, IVRS, SENDER, provider=rzp)
    assert req.payment_url == "https://rzp.io/i/fake0001"
    assert fake.posts()[0]["body"]["reference_id"] == req.ref
    p = stored(svc, req.ref)
    assert p.provider == "razorpay" and p.provider_link_id == "plink_fake0001" and p.status == "pending"


def test_gateway_down_marks_the_request_failed_and_tells_the_consumer(svc, fake, database_url):
    fake.post_script = [500, 500, 500]
    settings = Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_PROVIDER": "razorpay",
                                  "RAZORPAY_BASE_URL": fake.url, "RAZORPAY_KEY_ID": KEY_ID,
                                  "RAZORPAY_KEY_SECRET": KEY_SECRET})
    rzp = RazorpayProvider(fake.url, KEY_ID, KEY_SECRET, timeout=(0.5, 0.5), backoff=0.01)
    with pytest.raises(GatewayError):
        request_payment(svc.db, settings, IVRS, SENDER, provider=rzp)
    with svc.db.session() as s:
        rows = s.execute(select(Payment).where(Payment.ivrs == IVRS)).scalars().all()
    assert [(p.status, p.provider_link_id) for p in rows] == [("failed", None)]

    # Through the flow (settings choose razorpay; gateway still down): a clear message, no link.
    fake.post_script = [500] * 3
    r = offer_payment(turn("1"), Services(db=svc.db, settings=settings), Reply(lang="hi"), IVRS)
    body = texts(r)
    assert "भुगतान अनुरोध नहीं बन सका" in body and "1912" in body
    assert "upi://" not in body and not any(m.image for m in r.messages)
    assert "payment_ref" not in r.slots


def test_nothing_due_creates_no_payment(svc, settings):
    with pytest.raises(NothingDue):
        request_payment(svc.db, settings, "N3000000099", SENDER)
    r = offer_payment(turn("1"), svc, Reply(lang="en"), "N3000000099")
    assert "Nothing is due" in texts(r) and "upi://" not in texts(r)
    with svc.db.session() as s:
        assert s.execute(select(Payment).where(Payment.ivrs == "N3000000099")).first() is None


# -- the confirmation pushed after a gateway event ---------------------------------------

def test_confirmation_after_paid_event_in_hindi(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    assert gateway_event(svc, paid_event(req.ref, req.amount_paise)).notify
    r = payment_status(turn("EXTERNAL: payment_status", "payment_status", lang="hi", payment_ref=req.ref),
                       svc, Reply(lang="en"))
    body = texts(r)
    p = stored(svc, req.ref)
    assert r.lang == "hi" and "भुगतान प्राप्त हुआ" in body
    assert "₹1,847.00" in body and req.ref in body and p.receipt_no in body
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d IST", body)
    assert "बकाया" not in body and "1912" not in body


def test_confirmation_in_english_conversation(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, paid_event(req.ref, req.amount_paise))
    body = texts(payment_status(turn("EXTERNAL: payment_status", "payment_status", lang="en",
                                     payment_ref=req.ref), svc, Reply(lang="hi")))
    assert "Payment received" in body and "Receipt no.: R" in body


def test_partial_payment_confirmation_names_what_is_still_due_and_the_helpline(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, paid_event(req.ref, 100000))
    body = texts(payment_status(turn(intent="payment_status", lang="en", payment_ref=req.ref), svc,
                                Reply(lang="en")))
    assert "Amount: ₹1,000.00" in body
    assert "differs from the amount requested (₹1,847.00)" in body and "1912" in body
    assert "₹847.00 is still due" in body
    # ... and the bill now asks for the rest only.
    bill = texts(show_bill(Turn(sender=SENDER, text="", slots={"ivrs": IVRS}), svc, Reply(lang="en")))
    assert "Amount due: ₹847.00" in bill


def test_failure_message_gives_the_link_again(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, failed_event(req.ref, req.amount_paise))
    r = payment_status(turn(intent="payment_status", lang="en", payment_ref=req.ref), svc, Reply(lang="en"))
    body = texts(r)
    assert "failed" in body and req.ref in body
    assert req.upi_link in body and req.payment_url in body
    assert [m.image for m in r.messages if m.image] == [req.qr_url]


def test_update_for_someone_elses_payment_reveals_nothing(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, paid_event(req.ref, req.amount_paise))
    body = texts(payment_status(turn(intent="payment_status", sender="919700000009", lang="en",
                                     payment_ref=req.ref), svc, Reply(lang="en")))
    assert req.ref not in body and "Payment received" not in body


# -- after payment: the bill and payment status -------------------------------------------

def test_paid_bill_shows_paid_with_date_and_no_pay_option(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, paid_event(req.ref, req.amount_paise))
    r = show_bill(Turn(sender=SENDER, text="", slots={"ivrs": IVRS}), svc, Reply(lang="en"))
    body = texts(r)
    assert re.search(r"This bill was paid on \d\d-\d\d-\d{4} \d\d:\d\d", body)
    assert "Amount due: ₹0.00" in body
    assert "Pay now" not in body and not any(b.get("payload") == "1" and "Pay" in b["title"]
                                             for m in r.messages for b in m.buttons)
    assert r.slots.get("menu") == "main"


def test_status_lists_payments_of_the_senders_connections(svc, settings):
    paid = request_payment(svc.db, settings, IVRS, SENDER)
    gateway_event(svc, paid_event(paid.ref, paid.amount_paise))
    failed = request_payment(svc.db, settings, "1100223344", "")    # made elsewhere, same mobile
    gateway_event(svc, failed_event(failed.ref, failed.amount_paise))
    r = payment_status(turn("receipt chahiye", "payment_status"), svc, Reply(lang="hi"))
    body = texts(r)
    assert paid.ref in body and failed.ref in body
    assert stored(svc, paid.ref).receipt_no in body
    assert "सफल" in body and "विफल" in body
    assert "15 मिनट" not in body
    assert "9812345678" not in body and "सुनील" not in body


def test_status_of_an_ivrs_named_in_the_message(svc, settings):
    req = request_payment(svc.db, settings, IVRS, "")      # made elsewhere (a counter, the portal)
    body = texts(payment_status(turn("payment status N3210987654", "payment_status"), svc, Reply(lang="en")))
    assert req.ref in body and "pending" in body           # SENDER is the registered mobile
    # Anyone else who knows the IVRS learns nothing of its payments (bijli/access.py).
    other = texts(payment_status(turn("payment status N3210987654", "payment_status", sender="919700000055"),
                                 svc, Reply(lang="en")))
    assert req.ref not in other and "pending" not in other and "registered mobile" in other


def test_pending_over_15_minutes_is_explained(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    fresh = texts(payment_status(turn("payment status", "payment_status"), svc, Reply(lang="en")))
    assert req.ref in fresh and "more than 15 minutes" not in fresh
    with svc.db.session() as s:
        p = s.execute(select(Payment).where(Payment.ref == req.ref)).scalar_one()
        p.created_at = p.created_at - timedelta(minutes=16)
    old = texts(payment_status(turn("payment status", "payment_status"), svc, Reply(lang="en")))
    assert "more than 15 minutes" in old and "refunded" in old and "1912" in old


def test_status_with_no_payments_says_so(svc):
    body = texts(payment_status(turn("payment status", "payment_status", sender="919700000009"), svc,
                                Reply(lang="en")))
    assert "No payments were found" in body


def test_receipt_numbers_are_dated_in_ist_and_unique_per_payment():
    from datetime import datetime
    late_evening_utc = datetime(2026, 11, 25, 20, 0)     # 26-11-2026 01:30 IST
    assert receipt_number(42, late_evening_utc) == "R261126000042"
    assert receipt_number(43, late_evening_utc) != receipt_number(42, late_evening_utc)


def test_qr_png_encodes_the_upi_link():
    link = "upi://pay?pa=mpcz.demo@upi&pn=MPCZ%20Bijli%20Bill&am=1847.00&cu=INR&tr=BS1&tn=x&mc=4900"
    width, height, rows, _ = png.Reader(bytes=qr_png(link, box_size=4, border=4)).read()
    pixels = [list(r) for r in rows]
    expected = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    expected.add_data(link)
    expected.make(fit=True)
    matrix = expected.get_matrix()           # includes the border
    assert width == height == 4 * len(matrix)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            assert (pixels[4 * y + 1][4 * x + 1] == 0) == dark
