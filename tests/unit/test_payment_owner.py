"""A payment request belongs to the sender it was made for (issue 18, item 2).

Before: a second sender's Pay for the same bill got the first sender's open
request, so when the second sender paid, the first was told (receipt, amount)
and saw it in their history, and the payer heard nothing. Now each sender gets a
request of their own; the paid one's confirmation goes to its payer; the bill's
other requests (anyone's) are cancelled here and at the gateway. Real database,
the fake Razorpay on loopback.
"""
import threading

import pytest
from sqlalchemy import select

from bijli.flows.core import Reply, Services, Turn
from bijli.flows.history import show_history
from bijli.flows.payments import offer_payment, payment_status
from bijli.models import Payment
from bijli.payments import cancel_at_gateway, request_payment
from bijli.payments.events import paid_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.settings import Settings
from channels.payments import PaymentWebhookInput
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, FakeRazorpay

SECRET = "test-webhook-secret"
IVRS = "N3210987654"            # ₹1,847.00 due; registered to 9812345678
OWNER = "919812345678"          # the registered mobile
A, B = "919700000001", "919700000002"   # two other senders: anyone may pay any bill


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                              "PUBLIC_BASE_URL": "https://bijli.example"})


@pytest.fixture
def svc(seeded_db, settings):
    return Services(db=seeded_db, settings=settings)


@pytest.fixture
def fake():
    server = FakeRazorpay(image_content=True).start()
    yield server
    server.stop()


@pytest.fixture
def rzp(database_url, fake):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                              "PAYMENT_PROVIDER": "razorpay", "RAZORPAY_BASE_URL": fake.url,
                              "RAZORPAY_KEY_ID": KEY_ID, "RAZORPAY_KEY_SECRET": KEY_SECRET,
                              "PUBLIC_BASE_URL": "https://bijli.example"})


def texts(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def press_pay(svc, sender: str) -> str:
    """The sender presses Pay on the bill: the reference they are shown."""
    reply = offer_payment(Turn(sender=sender, text="1"), svc, Reply(lang="en"), IVRS)
    return reply.slots["payment_ref"]


def told(svc, sender: str, ref: str) -> str:
    """What the sender's conversation says when the webhook triggers payment_status for ``ref``."""
    turn = Turn(sender=sender, text="EXTERNAL: payment_status", intent="payment_status",
                entities={"payment_ref": ref}, slots={"language": "en"})
    return texts(payment_status(turn, svc, Reply(lang="en")))


def status(svc, sender: str) -> str:
    """The sender asks for their payment status."""
    return texts(payment_status(Turn(sender=sender, text="payment status"), svc, Reply(lang="en")))


def history(svc, sender: str) -> str:
    return texts(show_history(Turn(sender=sender, text="", slots={"ivrs": IVRS}), svc, Reply(lang="en")))


def deliver(db, event):
    raw, headers = signed(event, SECRET)
    return handle_webhook(db, SECRET, raw, headers)


def stored(db, ref) -> Payment:
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


def test_the_receipt_goes_to_the_sender_who_paid_not_the_one_who_pressed_pay_first(svc):
    a_ref, b_ref = press_pay(svc, A), press_pay(svc, B)
    assert a_ref != b_ref
    assert (stored(svc.db, a_ref).sender, stored(svc.db, b_ref).sender) == (A, B)
    assert (press_pay(svc, A), press_pay(svc, B)) == (a_ref, b_ref)    # each sees their own again
    assert PaymentWebhookInput()._qr_png(a_ref)[0] == 200              # B's Pay left A's open

    out = deliver(svc.db, paid_event(b_ref, 184700, link_id=stored(svc.db, b_ref).provider_link_id))
    assert (out.result, out.ref, out.sender, out.notify) == ("paid", b_ref, B, True)
    receipt = stored(svc.db, b_ref).receipt_no
    assert receipt
    to_b = told(svc, B, b_ref)
    assert "Payment received" in to_b and receipt in to_b and "₹1,847.00" in to_b

    # A hears nothing of it and never sees B's receipt; A's own request is cancelled.
    assert stored(svc.db, a_ref).status == "cancelled"
    assert a_ref in [c.ref for c in out.cancel]
    assert PaymentWebhookInput()._qr_png(a_ref)[0] == 410
    for shown in (told(svc, A, b_ref), status(svc, A), history(svc, A)):
        assert receipt not in shown and b_ref not in shown and "Payment received" not in shown
    a_status = status(svc, A)
    assert a_ref in a_status and "cancelled" in a_status

    # B's payment status lists it with the receipt; so does the registered mobile's history.
    assert b_ref in status(svc, B) and receipt in status(svc, B)
    assert receipt in history(svc, OWNER) and receipt in status(svc, OWNER)


def test_a_payment_still_landing_on_the_other_senders_cancelled_request_is_theirs_to_refund(svc):
    a_ref, b_ref = press_pay(svc, A), press_pay(svc, B)
    deliver(svc.db, paid_event(b_ref, 184700))
    assert stored(svc.db, a_ref).status == "cancelled"
    out = deliver(svc.db, paid_event(a_ref, 184700))       # A's UPI app paid the cancelled one
    assert (out.result, out.sender, out.notify) == ("overpayment", A, True)
    p = stored(svc.db, a_ref)
    assert p.flagged and p.flag_reason == "overpayment"
    to_a = told(svc, A, a_ref)
    assert "will be refunded" in to_a and p.receipt_no in to_a
    assert p.receipt_no not in status(svc, B) and not stored(svc.db, b_ref).flagged


def test_the_other_senders_request_is_cancelled_at_the_gateway_too(seeded_db, rzp, fake):
    a = request_payment(seeded_db, rzp, IVRS, A)
    b = request_payment(seeded_db, rzp, IVRS, B)
    assert a.ref != b.ref and a.upi_link != b.upi_link and not b.reused
    b_row, a_row = stored(seeded_db, b.ref), stored(seeded_db, a.ref)
    out = deliver(seeded_db, paid_event(b.ref, 184700, link_id=b_row.provider_link_id))
    assert out.sender == B and stored(seeded_db, a.ref).status == "cancelled"
    cancel_at_gateway(rzp, out.cancel)                      # after the commit, as the channel does
    assert fake.link_by_id(a_row.provider_link_id)["status"] == "cancelled"
    assert fake.qrs[a_row.provider_qr_id]["status"] == "closed"


def test_two_senders_pressing_pay_at_once_get_one_request_each(svc, settings):
    refs, start = {}, threading.Barrier(4)

    def pay(sender):
        start.wait()
        refs.setdefault(sender, []).append(request_payment(svc.db, settings, IVRS, sender).ref)

    threads = [threading.Thread(target=pay, args=(s,)) for s in (A, B, A, B)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert len(set(refs[A])) == 1 and len(set(refs[B])) == 1 and refs[A][0] != refs[B][0]
    with svc.db.session() as s:
        owners = s.execute(select(Payment.ref, Payment.sender).where(Payment.ivrs == IVRS)).all()
    assert sorted(owners) == sorted([(refs[A][0], A), (refs[B][0], B)])
