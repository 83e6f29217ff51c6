"""Gateway webhooks (Razorpay format): verify, then apply in one transaction.

Rules (issues 4 and 8):
- ``X-Razorpay-Signature`` is the hex HMAC-SHA256 of the raw body with
  ``PAYMENT_WEBHOOK_SECRET``, compared in constant time as bytes (a non-ASCII,
  blank, short, long or non-hex header is simply wrong). Missing or bad: 401,
  nothing changes.
- Unknown reference: 404, logged, nothing changes.
- Each event is recorded once (``PaymentEvent.event_key``: the
  ``X-Razorpay-Event-Id`` header, else the SHA-256 of the body), and once by
  what its signed body identifies (``body_key``: the event, its ``created_at``
  and the gateway ids), since the header is not signed: a captured body sent
  again under a new id is a duplicate too. A repeat is answered 200 with no
  change and no message.
- Age: an event whose signed ``created_at`` is older than
  ``PAYMENT_EVENT_MAX_AGE_SECONDS`` (24 h) is answered 200 ``too_old``, changes
  nothing and is logged (``freshness.py`` says why 200).
- A failure of an old attempt (a gateway payment that already failed this
  request, another link or QR than the request's, or made before the request
  was opened again) changes nothing.
- Refunds (``refunds.py``) lower the bill's paid amount by what the payment had
  credited; disputes (``disputes.py``) are recorded for operators.
- Paid: ``payment_link.paid``, ``payment.captured`` and ``qr_code.credited``
  (found by our reference in the notes, the link id or the QR id); the first
  marks the payment paid, later ones for the same payment change nothing.
- A failure after a payment (out of order) leaves it paid. ``qr_code.closed``
  (closed by hand at the gateway) cancels a request that is still open.
- Money: the bill is credited at most what it still owes. A payment on a
  cancelled, expired or superseded request, on a bill already paid, or above
  what is due, is recorded as paid (amount, receipt) and the part the bill did
  not need is an **overpayment**: ``flagged``, ``flag_reason="overpayment"``,
  its amount kept as a ``refund_due`` row in ``payment_events`` (key
  ``refund:<ref>``), logged as a warning, and the payer is told it will be
  refunded. A partial payment is credited in full and lowers the amount due.
- Once the bill owes nothing, its other open requests become ``cancelled`` in
  the same transaction; the caller cancels them at the gateway after the commit
  (``Outcome.cancel``, ``bijli.payments.cancel_at_gateway``).
"""
import logging
from datetime import datetime
from typing import Mapping, Optional, Tuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.models import Payment, PaymentEvent, utcnow
from bijli.payments import (
    OPEN_STATUSES,
    CancelTarget,
    close_open_requests,
    lock_bill,
    receipt_number,
    unused_instruments,
)
from bijli.payments.disputes import record_dispute
from bijli.payments.events import (  # noqa: F401  (sign, verify_signature, parse_event re-exported)
    EVENT_ID_HEADER,
    FAILED_EVENTS,
    SIGNATURE_HEADER,
    Envelope,
    EventError,
    GatewayEvent,
    envelope_from,
    event_from,
    load_body,
    parse_event,
    sign,
    verify_signature,
)
from bijli.payments.freshness import event_age, max_event_age_seconds, old_attempt
from bijli.payments.outcome import Outcome, event_key, lower_keys  # noqa: F401  (re-exported)
from bijli.payments.queries import REFUND_EVENT, refund_key
from bijli.payments.refunds import apply_gateway_refund
from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)

OVERPAYMENT = "overpayment"


def handle_webhook(db: Database, secret: Optional[str], raw: bytes,
                   headers: Mapping[str, str], now: Optional[datetime] = None,
                   max_age_seconds: Optional[int] = None) -> Outcome:
    """Verify a gateway event and apply it to its payment (one transaction)."""
    headers = lower_keys(headers)
    if not secret:
        logger.error("payment webhook refused: PAYMENT_WEBHOOK_SECRET is not set")
        return Outcome(503, "not_configured")
    if not verify_signature(secret, raw, headers.get(SIGNATURE_HEADER)):
        logger.warning("payment webhook: missing or bad signature (%d bytes)", len(raw))
        return Outcome(401, "bad_signature")
    try:
        data = load_body(raw)
        event, envelope = event_from(data), envelope_from(data)
    except EventError as e:
        logger.warning("payment webhook: bad event: %s", e)
        return Outcome(400, "bad_request")
    now = now or utcnow()
    # Every gateway body has a signed created_at; a body without one was signed by us.
    age = event_age(envelope, now)
    try:
        limit = max_age_seconds if max_age_seconds is not None else max_event_age_seconds()
    except ValueError as e:
        logger.error("payment webhook refused: %s", e)
        return Outcome(503, "not_configured")
    if age is not None and age.total_seconds() > limit:
        logger.warning("payment webhook: %s made %d s ago (limit %d s) refused as too old",
                       event.type, age.total_seconds(), limit)
        return Outcome(200, "too_old")
    if event.kind == "other":
        logger.info("payment webhook: %s ignored", event.type)
        return Outcome(200, "ignored")
    if event.currency and event.currency != "INR":
        logger.warning("payment webhook: %s in %s refused", event.type, event.currency)
        return Outcome(400, "bad_currency")
    if event.kind in ("paid", "refund") and not event.amount_paise \
            or event.kind == "refund" and not event.refund_id \
            or event.kind == "dispute" and not event.dispute_id:
        logger.warning("payment webhook: %s without an amount or its id", event.type)
        return Outcome(400, "bad_request")
    key = event_key(raw, headers)
    try:
        with db.session() as s:
            return _apply(s, event, key, now, envelope)
    except IntegrityError:
        # The same event, delivered twice at once: the other delivery won.
        logger.info("payment webhook: concurrent duplicate %s", key[:20])
        return Outcome(200, "duplicate")


def _find_payment(s, event: GatewayEvent) -> Optional[Payment]:
    if event.kind in ("refund", "dispute") and event.gateway_payment_id:
        # Refunds and disputes name the gateway payment; QR payments carry no notes.
        found = s.execute(select(Payment).where(
            Payment.gateway_payment_id == event.gateway_payment_id[:64]).order_by(Payment.id)
            .limit(1)).scalar_one_or_none()
        if found is not None or not event.refs:
            return found
    conditions = []
    if event.refs:
        conditions.append(Payment.ref.in_(event.refs))
    if event.link_id:
        conditions.append(Payment.provider_link_id == event.link_id)
    if event.qr_id:
        conditions.append(Payment.provider_qr_id == event.qr_id)
    if not conditions:
        return None
    return s.execute(
        select(Payment).where(or_(*conditions)).order_by(Payment.id).limit(1)
    ).scalar_one_or_none()


def _apply(s, event: GatewayEvent, key: str, now: datetime,
           envelope: Optional[Envelope] = None) -> Outcome:
    body_key = envelope.body_key if envelope else None
    same = PaymentEvent.event_key == key
    if body_key:
        same = or_(same, PaymentEvent.body_key == body_key)
    if s.execute(select(PaymentEvent.id).where(same)).first():
        logger.info("payment webhook: duplicate event %s (%s)", key[:20], event.type)
        return Outcome(200, "duplicate")
    payment = _find_payment(s, event)
    if payment is None:
        logger.warning("payment webhook: %s for unknown reference %s (link %s, QR %s)",
                       event.type, ",".join(event.refs) or "-", event.link_id or "-",
                       event.qr_id or "-")
        return Outcome(404, "unknown_reference")
    # Recording the event first takes the write lock (SQLite); then the bill's row,
    # then the payment's: the same order as a Pay, so the two never deadlock.
    gateway_id = event.refund_id or event.dispute_id or event.gateway_payment_id
    s.add(PaymentEvent(event_key=key, payment_ref=payment.ref, event_type=event.type[:40],
                       amount_paise=event.amount_paise, received_at=now, body_key=body_key,
                       gateway_id=(gateway_id or "")[:64] or None))
    s.flush()
    lock_bill(s, payment.bill_id)
    s.refresh(payment, with_for_update=True)
    if event.kind == "failed":
        return _failed(s, payment, event, key, envelope)
    if event.kind == "refund":
        result = apply_gateway_refund(s, payment, event.type, (event.refund_id or "")[:64],
                                      int(event.amount_paise or 0), event.refund_status, now)
        return Outcome(200, result, ref=payment.ref)
    if event.kind == "dispute" and envelope is not None:
        return Outcome(200, record_dispute(s, payment, event, envelope, now), ref=payment.ref)
    if event.kind == "closed":
        return _closed(payment, event)
    return _paid(s, payment, event, now)


def _failed(s, payment: Payment, event: GatewayEvent, key: str,
            envelope: Optional[Envelope]) -> Outcome:
    if payment.status != "pending":
        logger.info("payment %s: %s after %s changes nothing", payment.ref, event.type,
                    payment.status)
        return Outcome(200, "unchanged", ref=payment.ref)
    why = old_attempt(s, payment, event, key, envelope)
    if why:
        logger.warning("payment %s: %s for %s changes nothing", payment.ref, event.type, why)
        return Outcome(200, "unchanged", ref=payment.ref)
    payment.status = "failed"
    logger.info("payment %s for %s failed: %s", payment.ref, mask_mobile(payment.sender),
                event.error or "-")
    return Outcome(200, "failed", ref=payment.ref, sender=payment.sender,
                   notify=bool(payment.sender))


def _closed(payment: Payment, event: GatewayEvent) -> Outcome:
    # A single-use QR also closes once paid; its qr_code.credited does the rest.
    if payment.status not in OPEN_STATUSES or event.close_reason == "paid":
        logger.info("payment %s: %s (%s) after %s changes nothing", payment.ref, event.type,
                    event.close_reason or "-", payment.status)
        return Outcome(200, "unchanged", ref=payment.ref)
    payment.status = "cancelled"
    logger.info("payment %s: QR closed at the gateway (%s); request cancelled", payment.ref,
                event.close_reason or "-")
    return Outcome(200, "cancelled", ref=payment.ref)


def _paid(s, payment: Payment, event: GatewayEvent, now: datetime) -> Outcome:
    if payment.status == "paid":
        if _second_payment(payment, event):
            return _paid_again(s, payment, event)
        # payment_link.paid and payment.captured both report one payment.
        logger.info("payment %s already paid; %s (gateway payment %s) changes nothing",
                    payment.ref, event.type, event.gateway_payment_id or "-")
        return Outcome(200, "unchanged", ref=payment.ref)
    was = payment.status
    bill = payment.bill
    amount = int(event.amount_paise or 0)
    credit = min(amount, bill.due_paise)        # the bill never gets more than it owes
    refund = amount - credit
    payment.status = "paid"
    payment.paid_amount_paise = amount
    payment.amount_mismatch = amount != payment.amount_paise
    payment.paid_at = now
    payment.receipt_no = receipt_number(payment.id, now)
    payment.gateway_payment_id = (event.gateway_payment_id or "")[:64] or None
    if credit:
        bill.paid_paise = (bill.paid_paise or 0) + credit
        bill.paid_at = now
    who = mask_mobile(payment.sender)
    if refund:
        payment.flagged, payment.flag_reason = True, OVERPAYMENT
        s.add(PaymentEvent(event_key=refund_key(payment.ref), payment_ref=payment.ref,
                           event_type=REFUND_EVENT, amount_paise=refund, received_at=now))
        logger.warning("payment %s for %s: OVERPAYMENT on a %s request: paid %d paise, "
                       "credited %d, %d to refund (receipt %s)", payment.ref, who, was, amount,
                       credit, refund, payment.receipt_no)
    elif payment.amount_mismatch:
        logger.warning("payment %s for %s: paid %d paise, requested %d (mismatch)",
                       payment.ref, who, amount, payment.amount_paise)
    else:
        logger.info("payment %s for %s paid (%d paise), receipt %s", payment.ref, who, amount,
                    payment.receipt_no)
    cancel: Tuple[CancelTarget, ...] = ()
    if bill.due_paise == 0:
        cancel = tuple(close_open_requests(s, bill.id, "cancelled", keep_id=payment.id))
        if cancel:
            logger.info("bill %s paid: cancelled %s", bill.id, ",".join(c.ref for c in cancel))
    return Outcome(200, OVERPAYMENT if refund else "paid", ref=payment.ref, sender=payment.sender,
                   notify=bool(payment.sender),
                   cancel=unused_instruments(payment, was, event.link_id, event.qr_id) + cancel)


def _second_payment(payment: Payment, event: GatewayEvent) -> bool:
    """A paid event naming another gateway payment than the one that paid the request."""
    return bool(event.gateway_payment_id and payment.gateway_payment_id
                and event.gateway_payment_id[:64] != payment.gateway_payment_id)


def _paid_again(s, payment: Payment, event: GatewayEvent) -> Outcome:
    """Money taken a second time on a paid request: nothing is credited, all of it is refunded."""
    amount = int(event.amount_paise or 0)
    payment.flagged, payment.flag_reason = True, OVERPAYMENT
    row = s.execute(select(PaymentEvent).where(PaymentEvent.event_key == refund_key(payment.ref))
                    ).scalar_one_or_none()
    if row is None:
        s.add(PaymentEvent(event_key=refund_key(payment.ref), payment_ref=payment.ref,
                           event_type=REFUND_EVENT, amount_paise=amount, received_at=utcnow()))
    else:
        row.amount_paise = int(row.amount_paise or 0) + amount
    logger.warning("payment %s for %s: OVERPAYMENT, a second gateway payment %s of %d paise on a "
                   "paid request; all of it to refund", payment.ref, mask_mobile(payment.sender),
                   event.gateway_payment_id, amount)
    return Outcome(200, OVERPAYMENT, ref=payment.ref, sender=payment.sender,
                   notify=bool(payment.sender))


def apply_whatsapp_payment(db: Database, reference_id: str, ref: str, paid: bool, amount_paise: int,
                           transaction_id: str, gateway_payment_id: str = "", error: str = "",
                           now: Optional[datetime] = None) -> Outcome:
    """Apply a WhatsApp Pay status that Meta's lookup confirmed: the same rules, one transaction.

    Idempotent by ``wa:<reference_id>:<transaction id>:<paid|failed>``; ``ref`` is our
    payment reference behind the (possibly suffixed) order ``reference_id``.
    """
    kind = "paid" if paid else "failed"
    event = GatewayEvent(type=f"whatsapp.payment.{kind}", kind=kind,
                         refs=list(dict.fromkeys(x for x in (ref, reference_id) if x)),
                         gateway_payment_id=(gateway_payment_id or transaction_id)[:64] or None,
                         amount_paise=amount_paise, currency="INR", error=error or None)
    key = f"wa:{reference_id}:{transaction_id[:64]}:{kind}"
    try:
        with db.session() as s:
            return _apply(s, event, key, now or utcnow())
    except IntegrityError:
        logger.info("whatsapp payment: concurrent duplicate %s", key[:40])
        return Outcome(200, "duplicate")
