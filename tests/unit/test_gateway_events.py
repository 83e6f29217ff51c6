"""Gateway refunds, replays and old events (issue 18, item 5), on a real database.

Events are Razorpay-shaped (``bijli.payments.builders``), signed with the webhook secret
and driven through ``handle_webhook`` as the channel does."""
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bijli.flows.billing import show_bill
from bijli.flows.core import Reply, Services, Turn
from bijli.models import Bill, Payment, PaymentRefund, utcnow
from bijli.payments import request_payment
from bijli.payments.events import failed_event, paid_event, refund_event, signed
from bijli.payments.webhook import handle_webhook
from bijli.settings import Settings

SECRET = "test-webhook-secret"
IVRS = "N3210987654"            # ₹1,847.00 due
SENDER = "919812345678"
LATER = timedelta(minutes=31)   # past PAYMENT_LINK_EXPIRY_MINUTES


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
def svc(seeded_db, settings):
    return Services(db=seeded_db, settings=settings)


def deliver(db, event, event_id=None, **kw):
    raw, headers = signed(event, SECRET, event_id)
    return handle_webhook(db, SECRET, raw, headers, **kw)


def stored(db, ref) -> Payment:
    with db.session() as s:
        return s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()


def bill_paid(db) -> int:
    with db.session() as s:
        return s.execute(select(Bill.paid_paise).join(Payment, Payment.bill_id == Bill.id)
                         .where(Payment.ivrs == IVRS).limit(1)).scalar_one()


def refunds(db):
    with db.session() as s:
        return s.execute(select(func.count(PaymentRefund.id))).scalar_one()


def bill_text(svc) -> str:
    reply = show_bill(Turn(sender=SENDER, text="", slots={"ivrs": IVRS}), svc, Reply(lang="en"))
    return "\n".join(m.text for m in reply.messages)


def paid(svc, settings, amount=184700):
    """A request paid at the gateway; its gateway payment id."""
    req = request_payment(svc.db, settings, IVRS, SENDER)
    event = paid_event(req.ref, amount)
    assert deliver(svc.db, event).result == "paid"
    return req, event["payload"]["payment"]["entity"]["id"]


def overpaid(svc, settings):
    """Request a paid first, then b: b's ₹1,847.00 is a flagged surplus the bill never got."""
    t0 = utcnow()
    a = request_payment(svc.db, settings, IVRS, SENDER, now=t0)
    b = request_payment(svc.db, settings, IVRS, SENDER, now=t0 + LATER)
    assert deliver(svc.db, paid_event(a.ref, 184700)).result == "paid"
    late = paid_event(b.ref, 184700)
    assert deliver(svc.db, late).result == "overpayment"
    return b, late["payload"]["payment"]["entity"]["id"]


# -- refunds ----------------------------------------------------------------------------

def test_a_refund_at_the_gateway_makes_the_bill_due_again(svc, settings):
    req, pay_id = paid(svc, settings)
    assert "This bill was paid on" in bill_text(svc)
    out = deliver(svc.db, refund_event(pay_id, 184700, paid_paise=184700, ref=req.ref))
    assert (out.status, out.result, out.notify) == (200, "refunded", False)
    p = stored(svc.db, req.ref)
    assert p.refunded_paise == 184700 and p.refunded_at is not None
    assert bill_paid(svc.db) == 0
    text = bill_text(svc)
    assert "Amount due: ₹1,847.00" in text and "was paid on" not in text


def test_a_partial_refund_lowers_the_bill_by_exactly_the_refund_once_processed(svc, settings):
    req, pay_id = paid(svc, settings)
    created = refund_event(pay_id, 50025, paid_paise=184700, event="refund.created",
                           refund_id="rfnd_Part0001")
    assert deliver(svc.db, created).result == "refund_pending"
    assert bill_paid(svc.db) == 184700                      # not yet: the money is on its way
    processed = refund_event(pay_id, 50025, paid_paise=184700, refund_id="rfnd_Part0001")
    assert deliver(svc.db, processed).result == "refunded"
    assert bill_paid(svc.db) == 134675
    assert "Amount due: ₹500.25" in bill_text(svc)
    p = stored(svc.db, req.ref)
    assert p.refunded_paise == 50025 and p.refunded_at is None and p.status == "paid"
    # The gateway's retry, and the same refund reported again under another event: no change.
    assert deliver(svc.db, processed).result == "duplicate"
    again = refund_event(pay_id, 50025, paid_paise=184700, refund_id="rfnd_Part0001",
                         now=int(time.time()) + 1)
    assert deliver(svc.db, again).result == "unchanged"
    assert bill_paid(svc.db) == 134675 and refunds(svc.db) == 1


def test_refunding_a_flagged_surplus_leaves_the_bill_paid(svc, settings):
    b, pay_id = overpaid(svc, settings)
    out = deliver(svc.db, refund_event(pay_id, 184700, paid_paise=184700))
    assert out.result == "refunded"
    assert bill_paid(svc.db) == 184700                      # the surplus was never credited
    p = stored(svc.db, b.ref)
    assert p.refunded_at is not None and p.refunded_paise == 184700


def test_operator_record_then_gateway_event_is_one_refund(svc, settings, capsys):
    from bijli.cli import main

    b, pay_id = overpaid(svc, settings)
    assert main(["payments", "refunded", b.ref, "--note", "Refunded at the dashboard"]) == 0
    assert "refund of ₹1,847.00 recorded" in capsys.readouterr().out
    out = deliver(svc.db, refund_event(pay_id, 184700, paid_paise=184700, refund_id="rfnd_Op01"))
    assert (out.status, out.result) == (200, "unchanged")
    assert refunds(svc.db) == 1 and bill_paid(svc.db) == 184700
    p = stored(svc.db, b.ref)
    assert p.refunded_paise == 184700
    with svc.db.session() as s:
        row = s.execute(select(PaymentRefund)).scalar_one()
        assert (row.gateway_refund_id, row.note) == ("rfnd_Op01", "Refunded at the dashboard")


def test_gateway_event_then_operator_record_is_one_refund(svc, settings, capsys):
    from bijli.cli import main

    b, pay_id = overpaid(svc, settings)
    deliver(svc.db, refund_event(pay_id, 184700, paid_paise=184700, refund_id="rfnd_Gw01"))
    assert main(["payments", "refunded", b.ref, "--note", "UPI refund RRN 123456789012"]) == 0
    out = capsys.readouterr().out
    assert "rfnd_Gw01 was already recorded" in out
    assert refunds(svc.db) == 1 and bill_paid(svc.db) == 184700
    assert stored(svc.db, b.ref).refunded_paise == 184700
    assert main(["payments", "refunded", b.ref, "--note", "again"]) == 1
    assert "already marked refunded" in capsys.readouterr().err
    assert main(["payments", "list"]) == 0
    line, = [x for x in capsys.readouterr().out.splitlines() if x.startswith(b.ref)]
    assert "refunded " in line


# -- replays and age ----------------------------------------------------------------------

def test_a_captured_failure_replayed_under_a_new_event_id_fails_nothing(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    raw, headers = signed(failed_event(req.ref, 184700), SECRET, "evt_first")
    first = handle_webhook(svc.db, SECRET, raw, headers)
    assert (first.result, first.notify) == ("failed", True)
    again = request_payment(svc.db, settings, IVRS, SENDER)        # the payer presses Pay again
    assert again.ref == req.ref and stored(svc.db, req.ref).status == "pending"
    replayed = handle_webhook(svc.db, SECRET, raw, {**headers, "X-Razorpay-Event-Id": "evt_new"})
    assert (replayed.status, replayed.result, replayed.notify) == (200, "duplicate", False)
    assert stored(svc.db, req.ref).status == "pending"


def test_a_failure_of_an_old_attempt_does_not_fail_the_reopened_request(svc, settings):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    old = failed_event(req.ref, 184700)
    assert deliver(svc.db, old).result == "failed"
    request_payment(svc.db, settings, IVRS, SENDER)
    # The gateway reports the old attempt's payment again, in a new event.
    late = failed_event(req.ref, 184700, now=int(time.time()) + 1)
    late["payload"]["payment"]["entity"]["id"] = old["payload"]["payment"]["entity"]["id"]
    out = deliver(svc.db, late)
    assert (out.result, out.notify) == ("unchanged", False)
    assert stored(svc.db, req.ref).status == "pending"
    # A new attempt that fails is still told.
    assert deliver(svc.db, failed_event(req.ref, 184700, now=int(time.time()) + 10)).notify


def test_an_event_older_than_the_max_age_is_refused_and_logged(svc, settings, caplog):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    caplog.set_level(logging.WARNING)
    day_old = paid_event(req.ref, 184700, now=int(time.time()) - 25 * 3600)
    out = deliver(svc.db, day_old)
    assert (out.status, out.result, out.notify) == (200, "too_old", False)
    assert stored(svc.db, req.ref).status == "pending" and bill_paid(svc.db) == 0
    assert "too old" in caplog.text


def test_the_max_age_comes_from_the_environment(svc, settings, monkeypatch):
    req = request_payment(svc.db, settings, IVRS, SENDER)
    monkeypatch.setenv("PAYMENT_EVENT_MAX_AGE_SECONDS", "60")
    assert deliver(svc.db, paid_event(req.ref, 184700, now=int(time.time()) - 120)).result == "too_old"
    assert deliver(svc.db, paid_event(req.ref, 184700, now=int(time.time()) - 10)).result == "paid"


def test_the_payer_sees_a_processed_refund_in_their_payment_status_and_the_bill_due_again(svc, settings):
    req, payment_id = paid(svc, settings)
    assert "This bill was paid on" in bill_text(svc)
    assert deliver(svc.db, refund_event(payment_id, 184700, paid_paise=184700, ref=req.ref)).result == "refunded"
    from bijli.flows.payments import payment_list

    status = "\n".join(m.text for m in payment_list(
        Turn(sender=SENDER, text="payment status", slots={}), svc, Reply(lang="en")).messages)
    assert req.ref in status and "Refunded to your account: ₹1,847.00" in status
    after = bill_text(svc)
    assert "Amount due: ₹1,847.00" in after and "This bill was paid on" not in after
