"""Property tests: the payment webhook parser and handler.

A gateway body, signed or not, well-formed or not, either becomes a
``GatewayEvent`` or an ``EventError``; ``handle_webhook`` always answers with
an HTTP status, never an exception, and whatever it refuses (4xx) or repeats
leaves every table exactly as it was (issue 8, parts 6 and 7).
"""
import json
from dataclasses import fields
from datetime import date, datetime, timezone

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bijli.models import Bill, Consumer, Payment, PaymentEvent
from bijli.payments.events import failed_event, paid_event
from bijli.payments.webhook import EventError, GatewayEvent, handle_webhook, parse_event, sign
from tests.unit.conftest import examples

SECRET = "whsec-fuzz"
REF = "BSFUZZ0000000001"
LINK = "plink_fuzz0001"
NOW = datetime(2026, 11, 25, 6, 30)
# The events are made at NOW: older ones are refused as too old (PAYMENT_EVENT_MAX_AGE_SECONDS).
NOW_UNIX = int(NOW.replace(tzinfo=timezone.utc).timestamp())

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
# Values the fields we read might hold in a malformed or hostile event.
odd = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from([REF, LINK, "INR", "USD", "", "1847.00", "pay_x"]),
    st.lists(st.text(max_size=5), max_size=2), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
EVENT_TYPES = ["payment_link.paid", "payment.captured", "payment.failed", "qr_code.credited",
               "qr_code.closed", "payment_link.cancelled", "refund.created"]


@st.composite
def gateway_events(draw):
    """A real-shaped gateway event with some of its fields replaced by odd values."""
    amount = draw(st.sampled_from([184700, 184700, 100000, 10 ** 6, 1, 0, 2 ** 63]))
    base = draw(st.sampled_from([paid_event, failed_event]))(REF, amount, now=NOW_UNIX)
    if draw(st.integers(0, 9)) == 0:
        base["event"] = draw(odd)
    else:
        base["event"] = draw(st.sampled_from(EVENT_TYPES))
    payload = base["payload"]
    paths = [("payment", "amount"), ("payment", "currency"), ("payment", "id"), ("payment", "notes"),
             ("payment", "error_description"), ("payment", "payment_link_id"),
             ("payment_link", "reference_id"), ("payment_link", "amount_paid"), ("payment_link", "id"),
             ("payment_link", "notes"), ("payment_link", "currency"), ("order", "receipt"),
             ("qr_code", "id"), ("qr_code", "notes"), ("qr_code", "payments_amount_received")]
    for part, key in draw(st.lists(st.sampled_from(paths), max_size=3, unique=True)):
        payload.setdefault(part, {"entity": {}})
        entity = payload[part].get("entity") if isinstance(payload[part], dict) else None
        if isinstance(entity, dict):
            entity[key] = draw(odd)
    if draw(st.integers(0, 9)) == 0:
        payload[draw(st.sampled_from(["payment", "payment_link", "qr_code"]))] = draw(odd)
    if draw(st.integers(0, 19)) == 0:
        base["payload"] = draw(odd)
    return base


def encode(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=draw_ascii(obj), allow_nan=True).encode("utf-8")


def draw_ascii(obj) -> bool:
    return len(str(obj)) % 2 == 0  # both escaped and raw UTF-8 bodies, deterministically


def parse_or_refuse(raw: bytes):
    try:
        return parse_event(raw)
    except EventError:
        return None


@examples(500)
@given(st.binary(max_size=200))
@example(b"[" * 100000)
@example(b'{"event": "payment.captured", "payload": ' + b"[" * 5000 + b"]" * 5000 + b"}")
@example(b"\xff\xfe{}")
def test_any_bytes_parse_or_are_refused(raw):
    ev = parse_or_refuse(raw)
    assert ev is None or isinstance(ev, GatewayEvent)


@examples(500)
@given(st.one_of(json_values, st.dictionaries(st.sampled_from(["event", "payload", "entity"]),
                                              json_values, max_size=3)))
def test_any_json_parses_or_is_refused(obj):
    parse_or_refuse(encode(obj))


@examples(800)
@given(gateway_events())
@example({"event": "payment.captured", "payload": {"payment": {"entity": {"notes": ["x"]}}}})
@example({"event": "payment_link.paid", "payload": {"payment_link": {"entity": {"id": {"a": 1}}}}})
def test_odd_fields_give_a_clean_event_or_a_refusal(obj):
    ev = parse_or_refuse(encode(obj))
    if ev is None:
        return
    assert isinstance(ev.type, str) and isinstance(ev.kind, str)
    assert all(isinstance(r, str) and r for r in ev.refs)
    assert ev.amount_paise is None or (type(ev.amount_paise) is int and ev.amount_paise >= 0)
    # Every other field (ids, currency, error text) is a string or absent, never a list,
    # a number or an object that would reach a database query.
    for f in fields(ev):
        if f.name not in ("refs", "amount_paise"):
            value = getattr(ev, f.name)
            assert value is None or isinstance(value, str), f"{f.name} = {value!r}"


# -- handle_webhook on a real database ------------------------------------------------

@pytest.fixture
def pending_db(db):
    """A consumer, a bill and a pending payment with a known reference and link.

    Hypothesis runs every example of a test inside one fixture instance, so
    the examples share this payment: it goes from pending to paid or failed
    once, and the later examples meet it in that state."""
    with db.session() as s:
        s.add(Consumer(ivrs="N9900000001", name="Fuzz Test", area_type="urban", mobile="9800000001",
                       tariff="LV-1.2"))
        s.flush()
        bill = Bill(ivrs="N9900000001", bill_month="2026-10", bill_date=date(2026, 11, 5),
                    due_date=date(2026, 11, 15), units=100, amount_paise=184700, paid_paise=0)
        s.add(bill)
        s.flush()
        s.add(Payment(ref=REF, ivrs="N9900000001", bill_id=bill.id, sender="919800000001",
                      amount_paise=184700, status="pending", provider="razorpay",
                      provider_link_id=LINK, created_at=NOW, updated_at=NOW))
    return db


def deliver(db, raw: bytes, signature: str, event_id: str = ""):
    headers = {"Content-Type": "application/json", "X-Razorpay-Signature": signature}
    if event_id:
        headers["X-Razorpay-Event-Id"] = event_id
    return handle_webhook(db, SECRET, raw, headers, now=NOW)


def reset_to_pending(db):
    """Put the payment back to pending, its bill back to unpaid, and clear the event log."""
    with db.session() as s:
        s.execute(delete(PaymentEvent))
        payment = s.execute(select(Payment).where(Payment.ref == REF)).scalar_one()
        payment.status, payment.paid_amount_paise, payment.paid_at = "pending", None, None
        payment.receipt_no, payment.amount_mismatch = None, False
        payment.flagged, payment.flag_reason = False, None
        bill = s.get(Bill, payment.bill_id)
        bill.paid_paise, bill.paid_at = 0, None


def without_events(snap):
    return {table: rows for table, rows in snap.items() if table != "payment_events"}


@examples(300)
@given(gateway_events(), st.sampled_from(["", "evt_1", "evt_2", "x" * 120]), st.booleans())
@example(paid_event(REF, 2 ** 63, now=NOW_UNIX), "", True)
@example(paid_event(REF, 10 ** 19, now=NOW_UNIX), "evt_big", True)
@example({"event": "payment.captured", "payload": {"payment": {"entity": {
    "amount": 100, "currency": "INR", "payment_link_id": ["plink_fuzz0001"]}}}}, "", True)
def test_signed_events_answer_a_status_and_refusals_write_nothing(pending_db, snapshot, obj,
                                                                    event_id, fresh):
    db = pending_db
    if fresh:
        reset_to_pending(db)
    raw = encode(obj)
    before = snapshot()
    out = deliver(db, raw, sign(SECRET, raw), event_id)
    event(f"{out.status} {out.result}")
    assert 200 <= out.status < 600
    after = snapshot()
    if out.status >= 400 or out.result in ("duplicate", "ignored"):
        assert after == before, f"{out.status} {out.result} changed the database"
    elif out.result == "unchanged":
        # Recorded in the event log for reconciliation; nothing else moves.
        assert without_events(after) == without_events(before)
    # The same delivery again never changes anything.
    again = deliver(db, raw, sign(SECRET, raw), event_id)
    assert again.result in ("duplicate", "ignored") or again.status >= 400, again
    assert snapshot() == after
    with db.session() as s:
        bill = s.execute(select(Bill).where(Bill.ivrs == "N9900000001")).scalar_one()
        payment = s.execute(select(Payment).where(Payment.ref == REF)).scalar_one()
        paid = payment.paid_amount_paise or 0
        assert (payment.status == "paid") == (payment.paid_amount_paise is not None)
        # Every rupee is matched: credited to the bill (never beyond what it owed), and
        # anything more is flagged for a refund.
        assert 0 <= bill.paid_paise <= min(paid, bill.amount_paise)
        assert bill.paid_paise == paid or payment.flagged


@examples(300)
@given(st.one_of(st.text(max_size=80), st.just(""), st.sampled_from(["0" * 64, "z" * 64, "é" * 64])),
       st.sampled_from([paid_event(REF, 184700, link_id=LINK, now=NOW_UNIX),
                        failed_event(REF, 184700, now=NOW_UNIX)]))
@example("\u0968" * 64, paid_event(REF, 184700, link_id=LINK, now=NOW_UNIX))
@example(" " * 64, paid_event(REF, 184700, link_id=LINK, now=NOW_UNIX))
def test_any_wrong_signature_is_401_and_writes_nothing(pending_db, snapshot, signature, obj):
    db = pending_db
    raw = encode(obj)
    good = sign(SECRET, raw)
    if signature.strip().lower() == good:
        return
    before = snapshot()
    out = deliver(db, raw, signature)
    assert (out.status, out.result, out.notify) == (401, "bad_signature", False)
    assert snapshot() == before
