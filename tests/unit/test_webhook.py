"""Gateway events against a real (SQLite) database: bijli.payments.webhook."""
import json
import threading

import pytest
from sqlalchemy import func, select

from bijli.billing import current_bill_view
from bijli.models import Bill, Payment, PaymentEvent
from bijli.payments import request_payment
from bijli.payments.events import failed_event, paid_event, signed
from bijli.payments.queries import payment_view
from bijli.payments.webhook import handle_webhook, sign, verify_signature
from bijli.settings import Settings

SECRET = "test-webhook-secret"
IVRS = "N3210987654"
SENDER = "919812345678"


@pytest.fixture
def settings(database_url):
    return Settings.from_env({"DATABASE_URL": database_url, "PAYMENT_WEBHOOK_SECRET": SECRET})


@pytest.fixture
def pending(seeded_db, settings):
    return request_payment(seeded_db, settings, IVRS, SENDER)


def state(db, ref):
    with db.session() as s:
        p = s.execute(select(Payment).where(Payment.ref == ref)).scalar_one()
        bill = s.get(Bill, p.bill_id)
        events = s.execute(select(func.count(PaymentEvent.id))).scalar_one()
        return p, bill, events


def deliver(db, event, secret=SECRET, event_id=None, headers=None):
    raw, h = signed(event, secret, event_id)
    if headers is not None:
        h = headers
    return handle_webhook(db, SECRET, raw, h)


def test_signature_is_hex_hmac_sha256_of_the_raw_body():
    raw = b'{"event":"payment.captured"}'
    assert sign("s3cret", raw) == "5085658345d8fae0e92d74ac3ddeae36104b3b28317c88dad5cd244633b73a06"
    assert verify_signature("s3cret", raw, sign("s3cret", raw))
    assert not verify_signature("s3cret", raw + b" ", sign("s3cret", raw))
    assert not verify_signature("other", raw, sign("s3cret", raw))
    assert not verify_signature("s3cret", raw, None)
    assert not verify_signature(None, raw, sign("s3cret", raw))


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/json"},                                   # missing
    {"X-Razorpay-Signature": "0" * 64},                                     # wrong
    {"X-Razorpay-Signature": sign("not-our-secret", b"x")},                 # other key
])
def test_missing_or_bad_signature_is_401_and_changes_nothing(seeded_db, pending, headers):
    out = deliver(seeded_db, paid_event(pending.ref, pending.amount_paise), headers=headers)
    assert out.status == 401 and not out.notify
    p, bill, events = state(seeded_db, pending.ref)
    assert p.status == "pending" and bill.paid_paise == 0 and events == 0


RAW = b'{"event":"payment.captured"}'
GOOD = sign("s3cret", RAW)


@pytest.mark.parametrize("signature", [
    GOOD[:-1],                      # truncated
    GOOD[:1], GOOD[:8],             # a prefix
    "", "   ",                      # blank
    GOOD + "0", GOOD + GOOD,        # over-long
    "z" * 64, GOOD[:-2] + "zz",     # not hex
    GOOD[:-1] + "é",                # non-ASCII (compare_digest would raise on str)
    "सही" * 21 + "स",               # non-ASCII, the right length
    "sha256=" + GOOD,               # another gateway's format
])
def test_near_miss_signatures_all_fail(signature):
    assert verify_signature("s3cret", RAW, signature) is False


def test_the_signature_may_differ_only_in_case_and_surrounding_space():
    assert verify_signature("s3cret", RAW, " " + GOOD.upper() + "\n")


def test_non_ascii_signature_header_is_401_not_an_error(seeded_db, pending):
    raw, h = signed(paid_event(pending.ref, pending.amount_paise), SECRET)
    h["X-Razorpay-Signature"] = h["X-Razorpay-Signature"][:-1] + "\u00e9"
    assert handle_webhook(seeded_db, SECRET, raw, h).status == 401
    assert state(seeded_db, pending.ref)[0].status == "pending"


def test_body_changed_after_signing_is_rejected(seeded_db, pending):
    raw, h = signed(paid_event(pending.ref, pending.amount_paise), SECRET)
    tampered = raw.replace(str(pending.amount_paise).encode(), b"100")
    assert handle_webhook(seeded_db, SECRET, tampered, h).status == 401
    assert state(seeded_db, pending.ref)[0].status == "pending"


def test_no_secret_configured_refuses_everything(seeded_db, pending):
    raw, h = signed(paid_event(pending.ref, pending.amount_paise), SECRET)
    assert handle_webhook(seeded_db, None, raw, h).status == 503
    assert state(seeded_db, pending.ref)[0].status == "pending"


def test_paid_event_marks_paid_credits_the_bill_and_notifies(seeded_db, pending):
    out = deliver(seeded_db, paid_event(pending.ref, pending.amount_paise, ivrs=IVRS))
    assert (out.status, out.result, out.ref, out.sender, out.notify) == (200, "paid", pending.ref, SENDER, True)
    p, bill, events = state(seeded_db, pending.ref)
    assert p.status == "paid" and p.paid_amount_paise == pending.amount_paise
    assert not p.amount_mismatch and p.paid_at is not None
    assert p.receipt_no and p.receipt_no.startswith("R")
    assert bill.paid_paise == pending.amount_paise and bill.paid_at == p.paid_at
    assert events == 1
    with seeded_db.session() as s:
        assert current_bill_view(s, IVRS).due_paise == 0


def test_redelivery_is_200_with_no_second_record_or_message(seeded_db, pending):
    event = paid_event(pending.ref, pending.amount_paise)
    first = deliver(seeded_db, event, event_id="evt_1")
    again = deliver(seeded_db, event, event_id="evt_1")
    assert first.notify and first.result == "paid"
    assert again.status == 200 and again.result == "duplicate" and not again.notify
    p, bill, events = state(seeded_db, pending.ref)
    assert bill.paid_paise == pending.amount_paise and events == 1


def test_redelivery_without_event_id_is_recognised_by_its_body(seeded_db, pending):
    raw, h = signed(paid_event(pending.ref, pending.amount_paise), SECRET)
    del h["X-Razorpay-Event-Id"]
    assert handle_webhook(seeded_db, SECRET, raw, h).result == "paid"
    assert handle_webhook(seeded_db, SECRET, raw, h).result == "duplicate"
    assert state(seeded_db, pending.ref)[2] == 1


def test_link_paid_and_payment_captured_for_one_payment_count_once(seeded_db, pending):
    link_paid = paid_event(pending.ref, pending.amount_paise)
    captured = {"event": "payment.captured", "payload": {"payment": link_paid["payload"]["payment"]}}
    assert deliver(seeded_db, link_paid).notify
    second = deliver(seeded_db, captured)
    assert second.status == 200 and second.result == "unchanged" and not second.notify
    p, bill, events = state(seeded_db, pending.ref)
    assert bill.paid_paise == pending.amount_paise and events == 2


def test_failed_after_paid_leaves_it_paid(seeded_db, pending):
    deliver(seeded_db, paid_event(pending.ref, pending.amount_paise))
    receipt = state(seeded_db, pending.ref)[0].receipt_no
    late = deliver(seeded_db, failed_event(pending.ref, pending.amount_paise))
    assert late.status == 200 and not late.notify
    p, bill, _ = state(seeded_db, pending.ref)
    assert p.status == "paid" and p.receipt_no == receipt and bill.paid_paise == pending.amount_paise


def test_failed_then_paid_on_the_same_link_is_paid(seeded_db, pending):
    failed = deliver(seeded_db, failed_event(pending.ref, pending.amount_paise))
    assert failed.result == "failed" and failed.notify
    assert state(seeded_db, pending.ref)[0].status == "failed"
    paid = deliver(seeded_db, paid_event(pending.ref, pending.amount_paise))
    assert paid.result == "paid" and paid.notify
    assert state(seeded_db, pending.ref)[0].status == "paid"


def test_second_failure_says_nothing_new(seeded_db, pending):
    assert deliver(seeded_db, failed_event(pending.ref, pending.amount_paise)).notify
    assert not deliver(seeded_db, failed_event(pending.ref, pending.amount_paise)).notify


def test_partial_payment_is_paid_with_mismatch_and_lowers_the_amount_due(seeded_db, pending):
    out = deliver(seeded_db, paid_event(pending.ref, 50000))
    assert out.result == "paid" and out.notify
    p, bill, _ = state(seeded_db, pending.ref)
    assert p.status == "paid" and p.amount_mismatch and p.paid_amount_paise == 50000
    with seeded_db.session() as s:
        assert current_bill_view(s, IVRS).due_paise == pending.amount_paise - 50000


def test_paying_more_than_due_credits_the_due_and_flags_the_rest_for_refund(seeded_db, pending):
    out = deliver(seeded_db, paid_event(pending.ref, pending.amount_paise + 100))
    assert out.result == "overpayment" and out.notify
    p, bill, _ = state(seeded_db, pending.ref)
    assert p.status == "paid" and p.amount_mismatch and p.paid_amount_paise == pending.amount_paise + 100
    assert bill.paid_paise == pending.amount_paise          # the bill never gets more than it owes
    assert p.flagged and p.flag_reason == "overpayment"
    with seeded_db.session() as s:
        assert current_bill_view(s, IVRS).due_paise == 0
        assert payment_view(s, pending.ref).refund_paise == 100


def test_unknown_reference_is_404_and_nothing_is_recorded(seeded_db, pending, caplog):
    out = deliver(seeded_db, paid_event("BS2611250000000000FFFF", 184700))
    assert out.status == 404 and not out.notify
    assert "unknown reference BS2611250000000000FFFF" in caplog.text
    p, bill, events = state(seeded_db, pending.ref)
    assert p.status == "pending" and bill.paid_paise == 0 and events == 0


def test_payment_found_by_link_id_when_the_event_has_no_reference(seeded_db, pending):
    with seeded_db.session() as s:
        link_id = s.execute(select(Payment.provider_link_id).where(Payment.ref == pending.ref)).scalar_one()
    event = paid_event(pending.ref, pending.amount_paise, link_id=link_id)
    event["payload"]["payment_link"]["entity"]["reference_id"] = None
    event["payload"]["payment"]["entity"]["notes"] = {}
    assert deliver(seeded_db, event).result == "paid"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"event": 5}',
                                  json.dumps({"event": "payment.captured", "payload": {"payment": {
                                      "entity": {"amount": "1847.00", "notes": {}}}}}).encode()])
def test_malformed_events_are_400(seeded_db, pending, body):
    out = handle_webhook(seeded_db, SECRET, body, {"X-Razorpay-Signature": sign(SECRET, body)})
    assert out.status == 400
    assert state(seeded_db, pending.ref)[2] == 0


def test_other_event_types_are_acknowledged_and_ignored(seeded_db, pending):
    out = deliver(seeded_db, {"event": "payment.authorized", "payload": {}})
    assert out.status == 200 and out.result == "ignored"
    assert state(seeded_db, pending.ref)[0].status == "pending"


def test_concurrent_deliveries_credit_the_bill_once(seeded_db, pending):
    link_paid = paid_event(pending.ref, pending.amount_paise)
    captured = {"event": "payment.captured", "payload": {"payment": link_paid["payload"]["payment"]}}
    deliveries = [signed(link_paid, SECRET, "evt_same")] * 3 + [signed(captured, SECRET, "evt_other")] * 2
    results, start = [], threading.Barrier(len(deliveries))

    def go(raw, headers):
        start.wait()
        results.append(handle_webhook(seeded_db, SECRET, raw, headers))

    threads = [threading.Thread(target=go, args=d) for d in deliveries]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert len(results) == 5 and all(r.status == 200 for r in results)
    assert sum(r.notify for r in results) == 1
    p, bill, events = state(seeded_db, pending.ref)
    assert p.status == "paid" and bill.paid_paise == pending.amount_paise
    assert events == 2
