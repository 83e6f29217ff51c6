"""parse_event field by field: what a gateway event says, and what it may not say.

Exact-value tables, so a slip in any lookup (the wrong entity, the wrong key,
an off-by-one bound) changes an answer here.
"""
import json
from typing import Any, Dict

import pytest

from bijli.payments.events import (
    EVENT_ID_HEADER,
    MAX_PAISE,
    SIGNATURE_HEADER,
    EventError,
    parse_event,
)


def raw(event: Any) -> bytes:
    return json.dumps(event).encode("utf-8")


def ev(etype: str, **entities: Dict[str, Any]) -> bytes:
    return raw({"event": etype, "payload": {name: {"entity": body} for name, body in entities.items()}})


def test_header_names_are_the_gateways_lowercased():
    assert SIGNATURE_HEADER == "x-razorpay-signature"
    assert EVENT_ID_HEADER == "x-razorpay-event-id"


@pytest.mark.parametrize("etype, kind", [
    ("payment_link.paid", "paid"), ("payment.captured", "paid"), ("qr_code.credited", "paid"),
    ("payment.failed", "failed"), ("qr_code.closed", "closed"),
    ("payment.authorized", "other"), ("qr_code.created", "other"), ("refund.processed", "refund"),
    ("payment.dispute.created", "dispute"), ("refund.speed_changed", "other"),
])
def test_event_kinds(etype, kind):
    payment = {"amount": 100} if kind == "paid" else {}
    assert parse_event(ev(etype, payment=payment)).kind == kind


def test_a_payment_link_paid_event_is_read_exactly():
    e = parse_event(ev("payment_link.paid",
                       payment_link={"id": "plink_1", "reference_id": "BS1", "amount_paid": 999,
                                     "currency": "INR", "notes": {"payment_ref": "BS2"}},
                       payment={"id": "pay_1", "amount": 184700, "currency": "INR",
                                "notes": {"payment_ref": "BS3"}},
                       order={"receipt": "BS4"}))
    assert e.type == "payment_link.paid" and e.kind == "paid"
    assert e.refs == ["BS1", "BS3", "BS2", "BS4"]
    assert (e.link_id, e.qr_id, e.gateway_payment_id) == ("plink_1", None, "pay_1")
    assert (e.amount_paise, e.currency, e.error, e.close_reason) == (184700, "INR", None, None)


def test_refs_are_not_repeated_and_non_strings_are_skipped():
    e = parse_event(ev("payment.captured", payment_link={"reference_id": "BS1"},
                       payment={"amount": 1, "notes": {"payment_ref": "BS1"}},
                       order={"receipt": 42}))
    assert e.refs == ["BS1"]
    e = parse_event(ev("payment.captured", payment={"amount": 1, "notes": "not an object"},
                       payment_link={"reference_id": ""}))
    assert e.refs == []


def test_the_link_amount_is_used_only_without_a_payment_amount():
    assert parse_event(ev("payment_link.paid", payment_link={"amount_paid": 500})).amount_paise == 500
    assert parse_event(ev("payment_link.paid", payment_link={"amount_paid": 500},
                          payment={"amount": 700})).amount_paise == 700
    assert parse_event(ev("payment_link.paid", payment_link={"amount_paid": 0})).amount_paise == 0


def test_a_qr_credit_is_read_from_the_qr_code():
    e = parse_event(ev("qr_code.credited",
                       qr_code={"id": "qr_1", "payments_amount_received": 184700,
                                "notes": {"payment_ref": "BS9"}, "close_reason": "paid"}))
    assert (e.kind, e.qr_id, e.amount_paise, e.refs, e.close_reason) == \
        ("paid", "qr_1", 184700, ["BS9"], "paid")
    # A closed QR's received total is not a payment.
    closed = parse_event(ev("qr_code.closed", qr_code={"id": "qr_1", "payments_amount_received": 5,
                                                        "close_reason": "on_demand"}))
    assert (closed.kind, closed.amount_paise, closed.close_reason) == ("closed", None, "on_demand")


def test_the_link_id_falls_back_to_the_payments_link_id():
    e = parse_event(ev("payment.captured", payment={"amount": 1, "payment_link_id": "plink_9"}))
    assert e.link_id == "plink_9"
    e = parse_event(ev("payment.captured", payment={"amount": 1, "payment_link_id": "plink_9"},
                       payment_link={"id": "plink_1"}))
    assert e.link_id == "plink_1"


def test_currency_and_error_are_read_and_checked():
    e = parse_event(ev("payment.failed", payment={"amount": 1, "currency": "USD",
                                                  "error_description": "declined"}))
    assert (e.currency, e.error) == ("USD", "declined")
    assert parse_event(ev("payment.failed", payment_link={"currency": "INR"})).currency == "INR"
    assert parse_event(ev("payment.failed", payment={"currency": 5})).currency is None
    assert parse_event(ev("payment.failed", payment={"error_description": ""})).error is None


@pytest.mark.parametrize("amount", [0, 1, 184700, MAX_PAISE])
def test_amounts_within_bigint_are_accepted(amount):
    assert parse_event(ev("payment.captured", payment={"amount": amount})).amount_paise == amount


@pytest.mark.parametrize("amount", [-1, MAX_PAISE + 1, 2 ** 64, 1847.0, 0.29, "1847", True, False,
                                    [1], {"v": 1}])
def test_amounts_that_are_not_whole_paise_are_refused(amount):
    with pytest.raises(EventError, match="whole paise"):
        parse_event(ev("payment.captured", payment={"amount": amount}))
    with pytest.raises(EventError, match="whole paise"):
        parse_event(ev("payment_link.paid", payment_link={"amount_paid": amount}))


@pytest.mark.parametrize("body, reason", [
    (b"", "not JSON"), (b"\xff\xfe", "not JSON"), (b"{", "not JSON"), (b"[" * 100000, "not JSON"),
    (b"[]", "no event type"), (b"{}", "no event type"), (b'{"event": 5}', "no event type"),
    (b'"payment.captured"', "no event type"),
    (b'{"event": "payment.captured", "payload": [1]}', "payload is not an object"),
    (b'{"event": "payment.captured", "payload": "x"}', "payload is not an object"),
])
def test_bodies_that_are_not_events_are_refused_with_a_reason(body, reason):
    with pytest.raises(EventError, match=reason):
        parse_event(body)


def test_missing_or_odd_entities_read_as_empty():
    e = parse_event(raw({"event": "payment.captured", "payload": {"payment": {"entity": "x"},
                                                                   "payment_link": []}}))
    assert (e.refs, e.amount_paise, e.link_id, e.gateway_payment_id) == ([], None, None, None)
    e = parse_event(raw({"event": "payment.captured"}))
    assert e.kind == "paid" and e.amount_paise is None
