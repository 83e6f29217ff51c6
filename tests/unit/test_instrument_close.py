"""Paying one instrument of a request closes its other one (issue 18, item 3).

With ``PAYMENT_PROVIDER=razorpay`` a request has a Payment Link and a single-use
QR. Before, paying the link cancelled only the bill's *other* requests: the
request's own QR stayed payable, so a consumer could be charged twice. Now the
QR is closed once the link is paid, and the link cancelled once the QR is
credited, at the gateway, after the commit. Real database; the fake Razorpay and
the payments channel on a real Sanic server, both on loopback.
"""
import time
from typing import Callable, Iterator

import pytest
import requests
from sqlalchemy import select

from bijli.models import Payment
from bijli.payments import CancelTarget, cancel_at_gateway, request_payment
from bijli.payments.events import paid_event, qr_credited_event, signed
from bijli.payments.webhook import apply_whatsapp_payment, handle_webhook
from bijli.settings import Settings
from channels.payments import PaymentWebhookInput
from tests.channel_server import LoopbackChannels
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, LINKS, QRS, FakeRazorpay

SECRET = "test-webhook-secret"
IVRS = "N3210987654"            # ₹1,847.00 due
SENDER = "919812345678"
WAIT_SECONDS = 30.0


@pytest.fixture
def fake():
    server = FakeRazorpay(image_content=True).start()
    yield server
    server.stop()


@pytest.fixture
def rzp(database_url, fake, monkeypatch):
    """PAYMENT_PROVIDER=razorpay against the fake, in the environment (the channel reads it)."""
    env = {"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
           "PAYMENT_PROVIDER": "razorpay", "RAZORPAY_BASE_URL": fake.url,
           "RAZORPAY_KEY_ID": KEY_ID, "RAZORPAY_KEY_SECRET": KEY_SECRET,
           "PUBLIC_BASE_URL": "https://bijli.example"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env(env)


@pytest.fixture
def open_request(seeded_db, rzp):
    """An open razorpay request: its row (with the link and QR ids)."""
    ref = request_payment(seeded_db, rzp, IVRS, SENDER).ref
    return stored(seeded_db, ref)


def stored(db, ref) -> Payment:
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


def deliver(db, event):
    raw, headers = signed(event, SECRET)
    return handle_webhook(db, SECRET, raw, headers)


def link_cancels(fake, link_id):
    return fake.posts(f"{LINKS}/{link_id}/cancel")


def qr_closes(fake, qr_id):
    return fake.posts(f"{QRS}/{qr_id}/close")


def test_the_link_paid_closes_the_requests_own_qr(seeded_db, rzp, fake, open_request):
    p = open_request
    assert fake.qrs[p.provider_qr_id]["status"] == "active"
    out = deliver(seeded_db, paid_event(p.ref, 184700, link_id=p.provider_link_id))
    assert out.result == "paid"
    assert out.cancel == (CancelTarget(p.ref, "razorpay", None, p.provider_qr_id),)
    assert cancel_at_gateway(rzp, out.cancel) == 1
    assert fake.qrs[p.provider_qr_id]["status"] == "closed"
    assert not link_cancels(fake, p.provider_link_id)        # the paid link is left alone


def test_the_qr_credited_cancels_the_requests_own_link(seeded_db, rzp, fake, open_request):
    p = open_request
    out = deliver(seeded_db, qr_credited_event(p.ref, 184700, p.provider_qr_id))
    assert out.result == "paid"
    assert out.cancel == (CancelTarget(p.ref, "razorpay", p.provider_link_id, None),)
    assert cancel_at_gateway(rzp, out.cancel) == 1
    assert fake.link_by_id(p.provider_link_id)["status"] == "cancelled"
    assert not qr_closes(fake, p.provider_qr_id)


def test_paid_inside_whatsapp_closes_both(seeded_db, rzp, fake, open_request):
    p = open_request
    out = apply_whatsapp_payment(seeded_db, p.ref, p.ref, True, 184700, "wa-txn-1")
    assert out.result == "paid"
    cancel_at_gateway(rzp, out.cancel)
    assert fake.link_by_id(p.provider_link_id)["status"] == "cancelled"
    assert fake.qrs[p.provider_qr_id]["status"] == "closed"


def test_a_late_payment_on_a_cancelled_request_asks_the_gateway_nothing_more(seeded_db, rzp, fake,
                                                                             open_request):
    """Its link and QR were closed when it was cancelled; closing them again only fails."""
    p = open_request
    other = request_payment(seeded_db, rzp, IVRS, "919700000001")
    deliver(seeded_db, paid_event(other.ref, 184700, link_id=stored(seeded_db, other.ref).provider_link_id))
    assert stored(seeded_db, p.ref).status == "cancelled"
    out = deliver(seeded_db, paid_event(p.ref, 184700, link_id=p.provider_link_id))
    assert out.result == "overpayment" and out.cancel == ()


# -- over HTTP: the payments channel, as Rasa mounts it ------------------------------------------

class ChannelServer(LoopbackChannels):
    """The payments channel on a real Sanic server on loopback (no Rasa agent: nobody is told)."""

    def __init__(self) -> None:
        super().__init__([PaymentWebhookInput()])

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/payments/webhook"


@pytest.fixture(scope="module")
def channel() -> Iterator[ChannelServer]:
    srv = ChannelServer()
    yield srv
    srv.stop()


def post(channel: ChannelServer, event) -> requests.Response:
    raw, headers = signed(event, SECRET)
    return requests.post(channel.webhook, data=raw, headers=headers, timeout=30)


def eventually(check: Callable[[], bool]) -> bool:
    """The gateway calls run in the background after the webhook's answer."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_over_http_the_link_paid_webhook_closes_the_qr_at_the_gateway(seeded_db, channel, fake,
                                                                       open_request):
    p = open_request
    resp = post(channel, paid_event(p.ref, 184700, link_id=p.provider_link_id))
    assert resp.status_code == 200 and resp.json()["result"] == "paid"
    assert eventually(lambda: fake.qrs[p.provider_qr_id]["status"] == "closed")
    assert stored(seeded_db, p.ref).status == "paid"
    assert not link_cancels(fake, p.provider_link_id)


def test_over_http_the_qr_credited_webhook_cancels_the_link_at_the_gateway(seeded_db, channel, fake,
                                                                            open_request):
    p = open_request
    resp = post(channel, qr_credited_event(p.ref, 184700, p.provider_qr_id))
    assert resp.status_code == 200 and resp.json()["result"] == "paid"
    assert eventually(lambda: fake.link_by_id(p.provider_link_id)["status"] == "cancelled")
    assert not qr_closes(fake, p.provider_qr_id)
