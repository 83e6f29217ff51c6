"""Payment safety (issue 8, parts 2-4 and 6): one open request per bill, cancelled
requests, overpayments, Razorpay QR codes and a hanging gateway. Real database
(SQLite here, PostgreSQL in `make test-postgres`), the fake Razorpay on loopback."""
import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bijli.flows.billing import show_bill
from bijli.flows.core import Reply, Services, Turn
from bijli.flows.payments import offer_payment, payment_status
from bijli.models import Bill, Payment, PaymentEvent, utcnow
from bijli.payments import demo_enabled, request_payment
from bijli.payments.events import (
    failed_event,
    paid_event,
    qr_closed_event,
    qr_credited_event,
    signed,
)
from bijli.payments.gateway import GatewayError, RazorpayProvider
from bijli.payments.webhook import handle_webhook
from bijli.qr import qr_png
from bijli.settings import DEMO_WEBHOOK_SECRET, Settings
from channels.payments import PaymentWebhookInput
from tests.fakes.razorpay import KEY_ID, KEY_SECRET, LINKS, QRS, FakeRazorpay

SECRET = "test-webhook-secret"
IVRS = "N3210987654"            # ₹1,847.00 due
SENDER = "919812345678"         # its registered mobile
LATER = timedelta(minutes=31)   # past PAYMENT_LINK_EXPIRY_MINUTES (30)


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                              "PUBLIC_BASE_URL": "https://bijli.example"})


@pytest.fixture
def svc(seeded_db, settings):
    return Services(db=seeded_db, settings=settings)


@pytest.fixture
def fake():
    server = FakeRazorpay(slow_seconds=0.5, image_content=True, hang_limit=20).start()
    yield server
    server.stop()


@pytest.fixture
def rzp(database_url, fake):
    """Settings for PAYMENT_PROVIDER=razorpay against the fake."""
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                              "PAYMENT_PROVIDER": "razorpay", "RAZORPAY_BASE_URL": fake.url,
                              "RAZORPAY_KEY_ID": KEY_ID, "RAZORPAY_KEY_SECRET": KEY_SECRET,
                              "PUBLIC_BASE_URL": "https://bijli.example"})


def turn(text="", intent="", sender=SENDER, lang=None, **entities):
    return Turn(sender=sender, text=text, intent=intent, entities=entities,
                slots={"language": lang} if lang else {})


def texts(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


def deliver(db, event, event_id=None):
    raw, headers = signed(event, SECRET, event_id)
    return handle_webhook(db, SECRET, raw, headers)


def stored(db, ref) -> Payment:
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


def bill_paid(db) -> int:
    with db.session() as s:
        return s.execute(select(Bill.paid_paise).join(Payment, Payment.bill_id == Bill.id)
                         .where(Payment.ivrs == IVRS).limit(1)).scalar_one()


def rows(db, ivrs=IVRS):
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ivrs == ivrs).order_by(Payment.id)).scalars().all()


def told(svc, ref, lang, sender=SENDER) -> str:
    """What the payer's conversation says when the webhook triggers payment_status."""
    return texts(payment_status(turn("EXTERNAL: payment_status", "payment_status", sender=sender,
                                     lang=lang, payment_ref=ref), svc, Reply(lang=lang)))


def expired_then_new(db, settings):
    """Request a (now expired) and request b, the bill's open one: two requests, one bill."""
    t0 = utcnow()
    a = request_payment(db, settings, IVRS, SENDER, now=t0)
    b = request_payment(db, settings, IVRS, SENDER, now=t0 + LATER)
    return a, b


# -- 2. one bill, one open request ----------------------------------------------------

def test_a_second_pay_shows_the_same_request(svc):
    first = offer_payment(turn("1"), svc, Reply(lang="en"), IVRS)
    second = offer_payment(turn("1"), svc, Reply(lang="en"), IVRS)
    ref = first.slots["payment_ref"]
    assert second.slots["payment_ref"] == ref
    assert texts(second) == texts(first) and f"tr={ref}" in texts(second)
    assert [m.image for m in second.messages if m.image] == [f"https://bijli.example/webhooks/payments/qr/{ref}.png"]
    assert [p.ref for p in rows(svc.db)] == [ref]


def test_razorpay_reuse_asks_the_gateway_for_nothing_new(seeded_db, rzp, fake):
    first = request_payment(seeded_db, rzp, IVRS, SENDER)
    again = request_payment(seeded_db, rzp, IVRS, SENDER)     # Pay again (another sender: test_payment_owner)
    assert again.reused and not first.reused
    assert (again.ref, again.upi_link, again.payment_url, again.qr_url) == \
        (first.ref, first.upi_link, first.payment_url, first.qr_url)
    assert len(fake.posts(LINKS)) == 1 and len(fake.posts(QRS)) == 1
    assert len(rows(seeded_db)) == 1


def test_razorpay_upi_link_and_qr_are_the_gateways_never_the_static_vpa(seeded_db, rzp, fake):
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    qr, = fake.qrs.values()
    assert req.upi_link == qr["image_content"] and "mpcz.demo@upi" not in req.upi_link
    assert qr["notes"]["payment_ref"] == req.ref and qr["payment_amount"] == 184700
    p = stored(seeded_db, req.ref)
    assert (p.provider_link_id, p.payment_url) == ("plink_fake0001", "https://rzp.io/i/fake0001")
    assert (p.provider_qr_id, p.upi_string, p.qr_image_url) == (qr["id"], qr["image_content"], qr["image_url"])
    assert req.qr_url == f"https://bijli.example/webhooks/payments/qr/{req.ref}.png"
    # The PNG we serve encodes the gateway's UPI string.
    assert PaymentWebhookInput()._qr_png(req.ref) == (200, qr_png(qr["image_content"]))
    # The consumer sees that same string.
    body = texts(offer_payment(turn("1"), Services(db=seeded_db, settings=rzp), Reply(lang="en"), IVRS))
    assert qr["image_content"] in body and "mpcz.demo@upi" not in body


def test_without_image_content_the_gateways_qr_image_is_sent(seeded_db, rzp, fake):
    fake.image_content = False
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    qr, = fake.qrs.values()
    assert req.upi_link == qr["image_url"] and req.qr_url == qr["image_url"]


def test_an_expired_request_is_never_reused(svc, settings):
    a, b = expired_then_new(svc.db, settings)
    assert b.ref != a.ref and not b.reused
    assert stored(svc.db, a.ref).status == "expired" and stored(svc.db, b.ref).status == "pending"
    assert PaymentWebhookInput()._qr_png(a.ref)[0] == 410


def test_a_request_for_an_amount_no_longer_due_is_cancelled_and_a_new_one_made(seeded_db, rzp, fake):
    t0 = utcnow()
    a, b = expired_then_new(seeded_db, rzp)
    # The old, expired request is paid in part after all: the bill now owes ₹1,347.00.
    out = deliver(seeded_db, paid_event(a.ref, 50000, link_id=stored(seeded_db, a.ref).provider_link_id))
    assert out.result == "paid" and not stored(seeded_db, a.ref).flagged
    assert stored(seeded_db, b.ref).status == "pending"             # the bill still owes money
    c = request_payment(seeded_db, rzp, IVRS, SENDER, now=t0 + LATER + timedelta(minutes=1))
    assert c.ref != b.ref and c.amount_paise == 134700
    b_row = stored(seeded_db, b.ref)
    assert b_row.status == "cancelled"
    assert fake.posts(f"{LINKS}/{b_row.provider_link_id}/cancel")
    assert fake.posts(f"{QRS}/{b_row.provider_qr_id}/close")
    assert fake.qrs[b_row.provider_qr_id]["status"] == "closed"


def test_two_pays_at_once_make_one_request(seeded_db, rzp, fake):
    fake.post_script = ["slow"]         # the first Pay's gateway call takes a while
    results, errors, start = [], [], threading.Barrier(2)

    def pay(sender):
        start.wait()
        try:
            results.append(request_payment(seeded_db, rzp, IVRS, sender))
        except Exception as e:          # reported below, with the results
            errors.append(e)

    # One sender pressing Pay twice (two senders get one each: test_payment_owner.py).
    threads = [threading.Thread(target=pay, args=(s,)) for s in (SENDER, SENDER)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert not errors and len(results) == 2
    assert results[0].ref == results[1].ref and results[0].upi_link == results[1].upi_link
    assert len(rows(seeded_db)) == 1
    assert len(fake.posts(LINKS)) == 1 and len(fake.posts(QRS)) == 1


def test_two_demo_pays_at_once_make_one_request(svc, settings):
    refs, start = [], threading.Barrier(4)

    def pay():
        start.wait()
        refs.append(request_payment(svc.db, settings, IVRS, SENDER).ref)

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert len(refs) == 4 and len(set(refs)) == 1 and len(rows(svc.db)) == 1


def test_a_pay_that_died_before_the_gateway_answered_does_not_block_the_next(svc, settings):
    with svc.db.session() as s:
        bill_id = s.execute(select(Bill.id).where(Bill.ivrs == IVRS).order_by(Bill.bill_month.desc())).scalars().first()
        s.add(Payment(ref="BS2611250000000000DEAD", ivrs=IVRS, bill_id=bill_id, sender=SENDER,
                      amount_paise=184700, status="pending", provider="demo",
                      created_at=utcnow() - timedelta(minutes=2)))
    req = request_payment(svc.db, settings, IVRS, SENDER)
    assert req.ref != "BS2611250000000000DEAD"
    assert stored(svc.db, "BS2611250000000000DEAD").status == "failed"


def test_after_a_failed_attempt_pay_shows_the_same_request_again(svc, settings):
    a = request_payment(svc.db, settings, IVRS, SENDER)
    assert deliver(svc.db, failed_event(a.ref, a.amount_paise)).result == "failed"
    b = request_payment(svc.db, settings, IVRS, SENDER)
    assert b.ref == a.ref and stored(svc.db, a.ref).status == "pending"


# -- 3 and 4. a paid bill closes its other requests; money beyond the bill goes back ---------

def test_paying_the_bill_cancels_its_other_requests_here_and_at_the_gateway(seeded_db, rzp, fake):
    from bijli.payments import cancel_at_gateway

    a, b = expired_then_new(seeded_db, rzp)
    out = deliver(seeded_db, paid_event(a.ref, 184700))     # the old request, paid late but in full
    assert out.result == "paid" and bill_paid(seeded_db) == 184700
    b_row = stored(seeded_db, b.ref)
    assert b_row.status == "cancelled" and [c.ref for c in out.cancel] == [b.ref]   # a was expired
    assert PaymentWebhookInput()._qr_png(b.ref)[0] == 410
    assert cancel_at_gateway(rzp, out.cancel) == 1           # after the commit, outside it
    assert fake.link_by_id(b_row.provider_link_id)["status"] == "cancelled"
    assert fake.qrs[b_row.provider_qr_id]["status"] == "closed"


def test_a_paid_cancelled_request_is_an_overpayment_refunded_not_credited(svc, settings, caplog):
    a, b = expired_then_new(svc.db, settings)
    deliver(svc.db, paid_event(a.ref, 184700))
    caplog.set_level(logging.WARNING)
    out = deliver(svc.db, paid_event(b.ref, 184700), event_id="evt_late")
    assert (out.status, out.result, out.notify) == (200, "overpayment", True)
    p = stored(svc.db, b.ref)
    assert p.status == "paid" and p.paid_amount_paise == 184700 and p.receipt_no
    assert p.flagged and p.flag_reason == "overpayment" and p.refunded_at is None
    assert bill_paid(svc.db) == 184700                       # not ₹3,694.00
    assert "OVERPAYMENT" in caplog.text and b.ref in caplog.text and SENDER not in caplog.text
    en = told(svc, b.ref, "en")
    assert "₹1,847.00" in en and "already been paid" in en and "refunded" in en and "1912" in en
    assert p.receipt_no in en and "Payment received, thank you" not in en
    hi = told(svc, b.ref, "hi")
    assert "वापस" in hi and "₹1,847.00" in hi and "1912" in hi
    # The gateway's retry of that event changes nothing.
    again = deliver(svc.db, paid_event(b.ref, 184700), event_id="evt_late")
    assert again.result == "duplicate" and not again.notify
    assert bill_paid(svc.db) == 184700
    with svc.db.session() as s:
        assert s.execute(select(func.count()).select_from(PaymentEvent)
                         .where(PaymentEvent.event_key == "refund:" + b.ref)).scalar_one() == 1


def test_an_overpayment_partly_needed_credits_the_rest_of_the_bill(svc, settings):
    a, b = expired_then_new(svc.db, settings)
    deliver(svc.db, paid_event(a.ref, 50000))                  # ₹500.00 paid on the old request
    out = deliver(svc.db, paid_event(b.ref, 184700))          # the full amount on the open one
    assert out.result == "overpayment"
    assert bill_paid(svc.db) == 184700
    body = told(svc, b.ref, "en")
    assert "₹1,347.00 of it was credited" in body and "extra ₹500.00 will be refunded" in body


def test_a_late_payment_on_an_expired_request_the_bill_still_needs_is_credited(svc, settings):
    a, b = expired_then_new(svc.db, settings)
    out = deliver(svc.db, paid_event(a.ref, 184700))
    assert out.result == "paid" and not stored(svc.db, a.ref).flagged
    assert "Payment received" in told(svc, a.ref, "en")


# -- 6. Razorpay QR code events ----------------------------------------------------------------

def test_qr_code_credited_is_found_by_the_qr_id_and_pays(seeded_db, rzp, fake):
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    qr_id = stored(seeded_db, req.ref).provider_qr_id
    event = qr_credited_event(req.ref, 184700, qr_id)
    event["payload"]["qr_code"]["entity"]["notes"] = []        # Razorpay sends [] for no notes
    out = deliver(seeded_db, event)
    assert (out.result, out.ref, out.notify) == ("paid", req.ref, True)
    assert stored(seeded_db, req.ref).status == "paid" and bill_paid(seeded_db) == 184700


def test_qr_closed_by_hand_cancels_the_open_request(seeded_db, rzp, fake):
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    qr_id = stored(seeded_db, req.ref).provider_qr_id
    out = deliver(seeded_db, qr_closed_event(qr_id))
    assert out.result == "cancelled" and not out.notify
    assert stored(seeded_db, req.ref).status == "cancelled"
    assert PaymentWebhookInput()._qr_png(req.ref)[0] == 410
    # The next Pay makes a new request.
    assert request_payment(seeded_db, rzp, IVRS, SENDER).ref != req.ref


def test_qr_closed_because_paid_leaves_the_request_to_its_credited_event(seeded_db, rzp, fake):
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    qr_id = stored(seeded_db, req.ref).provider_qr_id
    assert deliver(seeded_db, qr_closed_event(qr_id, close_reason="paid")).result == "unchanged"
    assert deliver(seeded_db, qr_credited_event(req.ref, 184700, qr_id)).result == "paid"
    assert deliver(seeded_db, qr_closed_event(qr_id)).result == "unchanged"
    assert stored(seeded_db, req.ref).status == "paid"


# -- 7. a hanging gateway -----------------------------------------------------------------------

def test_a_hanging_gateway_fails_the_pay_in_time_and_blocks_no_lookup(seeded_db, database_url, fake):
    fake.post_script = ["hang"]
    settings = Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET,
                                  "PAYMENT_DEADLINE_SECONDS": "0.5"})
    # The provider's own timeouts are long: only the deadline around it ends the Pay.
    patient = RazorpayProvider(fake.url, KEY_ID, KEY_SECRET, timeout=(5.0, 30.0), deadline_seconds=60)
    outcome = []

    def pay():
        try:
            outcome.append(request_payment(seeded_db, settings, IVRS, SENDER, provider=patient))
        except GatewayError as e:
            outcome.append(e)

    th = threading.Thread(target=pay)
    th.start()
    assert fake.wait_hanging(1)
    # While the gateway hangs, the database is free: a bill lookup answers.
    bill = texts(show_bill(Turn(sender=SENDER, text="", slots={"ivrs": IVRS}),
                           Services(db=seeded_db, settings=settings), Reply(lang="en")))
    assert "₹1,847.00" in bill
    th.join(20)
    assert len(outcome) == 1 and isinstance(outcome[0], GatewayError) and outcome[0].retryable
    assert [p.status for p in rows(seeded_db)] == ["failed"]


# -- 1. the demo page and the dev secret ------------------------------------------------------

def test_the_demo_page_exists_only_for_demo_outside_production():
    assert demo_enabled(Settings.from_env({}))
    assert not demo_enabled(Settings.from_env({"BIJLI_ENV": "production"}))
    assert not demo_enabled(Settings.from_env({"PAYMENT_PROVIDER": "razorpay"}))


def test_the_demo_page_completes_only_what_the_demo_provider_made(seeded_db, rzp, fake):
    req = request_payment(seeded_db, rzp, IVRS, SENDER)
    demo = Settings.from_env()      # the server's settings: demo mode, same database
    channel = PaymentWebhookInput()
    assert channel._demo_event(demo, req.ref, True) is None
    assert channel._page(demo, req.ref, None) is None
    assert stored(seeded_db, req.ref).status == "pending"


def test_production_never_accepts_the_dev_secret(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    raw, headers = signed(paid_event(req.ref, 184700), DEMO_WEBHOOK_SECRET)
    prod = Settings.from_env({"BIJLI_ENV": "production"})
    assert handle_webhook(svc.db, prod.webhook_secret(), raw, headers).status == 503
    prod = Settings.from_env({"BIJLI_ENV": "production", "PAYMENT_WEBHOOK_SECRET": "real-one"})
    assert handle_webhook(svc.db, prod.webhook_secret(), raw, headers).status == 401
    assert stored(svc.db, req.ref).status == "pending"


def test_a_second_gateway_payment_on_a_paid_request_is_an_overpayment(svc, settings):
    """simulate-payment twice, or two captures with different gateway ids: real money twice."""
    req = request_payment(svc.db, settings, IVRS, SENDER)
    first = paid_event(req.ref, 184700)
    assert deliver(svc.db, first).result == "paid"
    # The same gateway payment reported again (payment.captured after payment_link.paid).
    same = paid_event(req.ref, 184700)
    same["payload"]["payment"]["entity"]["id"] = first["payload"]["payment"]["entity"]["id"]
    assert deliver(svc.db, same).result == "unchanged"
    assert not stored(svc.db, req.ref).flagged
    # Another gateway payment on the same request.
    out = deliver(svc.db, paid_event(req.ref, 184700))
    assert (out.status, out.result, out.notify) == (200, "overpayment", True)
    p = stored(svc.db, req.ref)
    assert p.flagged and p.flag_reason == "overpayment" and p.paid_amount_paise == 184700
    assert bill_paid(svc.db) == 184700                       # credited once
    with svc.db.session() as s:
        refund = s.execute(select(PaymentEvent.amount_paise)
                           .where(PaymentEvent.event_key == "refund:" + req.ref)).scalar_one()
    assert refund == 184700
    en = told(svc, req.ref, "en")
    assert "refunded" in en and "1912" in en
