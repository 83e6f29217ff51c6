"""Gateway webhooks (Razorpay format): verify, then apply in one transaction.

Rules (issue 4):
- ``X-Razorpay-Signature`` is the hex HMAC-SHA256 of the raw body with
  ``PAYMENT_WEBHOOK_SECRET``, compared in constant time. Missing or bad: 401,
  nothing changes.
- Unknown reference: 404, logged, nothing changes.
- Each event is recorded once (``PaymentEvent.event_key``: the
  ``X-Razorpay-Event-Id`` header, else the SHA-256 of the body). A repeat is
  answered 200 with no change and no message.
- ``payment_link.paid`` and ``payment.captured`` for the same payment both
  arrive; the first marks the payment paid, the second changes nothing.
- A failure after a payment (out of order) leaves it paid.
- A paid amount other than the requested one is recorded as paid with
  ``amount_mismatch``; the bill's ``paid_paise`` grows by what was paid, so a
  partial payment lowers the amount due.
"""
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.models import Bill, Payment, PaymentEvent, utcnow
from bijli.payments import receipt_number
from bijli.privacy import mask_mobile

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
PAID_EVENTS = frozenset({"payment_link.paid", "payment.captured"})
FAILED_EVENTS = frozenset({"payment.failed"})


def sign(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def verify_signature(secret: Optional[str], raw: bytes, signature: Optional[str]) -> bool:
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(secret, raw), signature.strip().lower())


class EventError(ValueError):
    """The body is not a usable gateway event (400)."""


@dataclass(frozen=True)
class GatewayEvent:
    type: str
    kind: str                       # paid | failed | other
    refs: List[str] = field(default_factory=list)   # our reference, wherever the event has it
    link_id: Optional[str] = None
    gateway_payment_id: Optional[str] = None
    amount_paise: Optional[int] = None
    currency: Optional[str] = None
    error: Optional[str] = None


def _entity(payload: Mapping[str, Any], name: str) -> Dict[str, Any]:
    part = payload.get(name) or {}
    entity = part.get("entity") if isinstance(part, Mapping) else None
    return dict(entity) if isinstance(entity, Mapping) else {}


def _amount(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EventError(f"amount must be whole paise, got {value!r}")
    return value


def parse_event(raw: bytes) -> GatewayEvent:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise EventError(f"body is not JSON: {e}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("event"), str):
        raise EventError("no event type")
    etype = data["event"]
    payload = data.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise EventError("payload is not an object")
    link, payment, order = (_entity(payload, "payment_link"), _entity(payload, "payment"),
                            _entity(payload, "order"))
    refs: List[str] = []
    for candidate in (link.get("reference_id"), (payment.get("notes") or {}).get("payment_ref"),
                      (link.get("notes") or {}).get("payment_ref"), order.get("receipt")):
        if isinstance(candidate, str) and candidate and candidate not in refs:
            refs.append(candidate)
    kind = "paid" if etype in PAID_EVENTS else "failed" if etype in FAILED_EVENTS else "other"
    if payment.get("amount") is not None:
        amount = _amount(payment.get("amount"))
    else:
        amount = _amount(link.get("amount_paid"))
    return GatewayEvent(
        type=etype, kind=kind, refs=refs,
        link_id=link.get("id") or payment.get("payment_link_id") or None,
        gateway_payment_id=payment.get("id") or None,
        amount_paise=amount,
        currency=payment.get("currency") or link.get("currency"),
        error=payment.get("error_description") or None,
    )


@dataclass(frozen=True)
class Outcome:
    """What the webhook answers, and whether the payer's conversation is told."""

    status: int
    result: str                     # paid | failed | duplicate | ignored | unchanged | ...
    ref: Optional[str] = None
    sender: str = ""
    notify: bool = False

    def body(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"result": self.result}
        if self.ref:
            out["ref"] = self.ref
        return out


def event_key(raw: bytes, headers: Mapping[str, str]) -> str:
    event_id = (headers.get(EVENT_ID_HEADER) or "").strip()
    if event_id and len(event_id) <= 100:
        return "id:" + event_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _lower(headers: Mapping[str, str]) -> Dict[str, str]:
    return {str(k).lower(): str(v) for k, v in headers.items()}


def handle_webhook(db: Database, secret: Optional[str], raw: bytes,
                   headers: Mapping[str, str], now: Optional[datetime] = None) -> Outcome:
    """Verify a gateway event and apply it to its payment (one transaction)."""
    headers = _lower(headers)
    if not secret:
        logger.error("payment webhook refused: PAYMENT_WEBHOOK_SECRET is not set")
        return Outcome(503, "not_configured")
    if not verify_signature(secret, raw, headers.get(SIGNATURE_HEADER)):
        logger.warning("payment webhook: missing or bad signature (%d bytes)", len(raw))
        return Outcome(401, "bad_signature")
    try:
        event = parse_event(raw)
    except EventError as e:
        logger.warning("payment webhook: bad event: %s", e)
        return Outcome(400, "bad_request")
    if event.kind == "other":
        logger.info("payment webhook: %s ignored", event.type)
        return Outcome(200, "ignored")
    if event.currency and event.currency != "INR":
        logger.warning("payment webhook: %s in %s refused", event.type, event.currency)
        return Outcome(400, "bad_currency")
    if event.kind == "paid" and not event.amount_paise:
        logger.warning("payment webhook: %s without an amount", event.type)
        return Outcome(400, "bad_request")
    key = event_key(raw, headers)
    try:
        with db.session() as s:
            return _apply(s, event, key, now or utcnow())
    except IntegrityError:
        # The same event, delivered twice at once: the other delivery won.
        logger.info("payment webhook: concurrent duplicate %s", key[:20])
        return Outcome(200, "duplicate")


def _find_payment(s, event: GatewayEvent) -> Optional[Payment]:
    conditions = []
    if event.refs:
        conditions.append(Payment.ref.in_(event.refs))
    if event.link_id:
        conditions.append(Payment.provider_link_id == event.link_id)
    if not conditions:
        return None
    return s.execute(
        select(Payment).where(or_(*conditions)).order_by(Payment.id).limit(1).with_for_update()
    ).scalar_one_or_none()


def _apply(s, event: GatewayEvent, key: str, now: datetime) -> Outcome:
    if s.execute(select(PaymentEvent.id).where(PaymentEvent.event_key == key)).first():
        logger.info("payment webhook: duplicate event %s", key[:20])
        return Outcome(200, "duplicate")
    payment = _find_payment(s, event)
    if payment is None:
        logger.warning("payment webhook: %s for unknown reference %s (link %s)",
                       event.type, ",".join(event.refs) or "-", event.link_id or "-")
        return Outcome(404, "unknown_reference")
    # Recording the event first takes the write lock (SQLite) before the state is read.
    s.add(PaymentEvent(event_key=key, payment_ref=payment.ref, event_type=event.type,
                       amount_paise=event.amount_paise, received_at=now))
    s.flush()
    s.refresh(payment)
    who = mask_mobile(payment.sender)
    if event.kind == "failed":
        if payment.status != "pending":
            logger.info("payment %s: %s after %s changes nothing", payment.ref, event.type,
                        payment.status)
            return Outcome(200, "unchanged", ref=payment.ref)
        payment.status = "failed"
        logger.info("payment %s for %s failed: %s", payment.ref, who, event.error or "-")
        return Outcome(200, "failed", ref=payment.ref, sender=payment.sender,
                       notify=bool(payment.sender))
    # paid
    if payment.status == "paid":
        # payment_link.paid and payment.captured both report one payment. A
        # gateway cannot take a second payment on a paid link; if one ever
        # appears it is in payment_events for reconciliation, not credited twice.
        logger.info("payment %s already paid; %s (gateway payment %s) changes nothing",
                    payment.ref, event.type, event.gateway_payment_id or "-")
        return Outcome(200, "unchanged", ref=payment.ref)
    amount = int(event.amount_paise or 0)
    bill = s.execute(select(Bill).where(Bill.id == payment.bill_id).with_for_update()).scalar_one()
    payment.status = "paid"
    payment.paid_amount_paise = amount
    payment.amount_mismatch = amount != payment.amount_paise
    payment.paid_at = now
    payment.receipt_no = receipt_number(payment.id, now)
    bill.paid_paise = (bill.paid_paise or 0) + amount
    bill.paid_at = now
    if payment.amount_mismatch:
        logger.warning("payment %s for %s: paid %d paise, requested %d (mismatch)",
                       payment.ref, who, amount, payment.amount_paise)
    else:
        logger.info("payment %s for %s paid (%d paise), receipt %s", payment.ref, who, amount,
                    payment.receipt_no)
    return Outcome(200, "paid", ref=payment.ref, sender=payment.sender,
                   notify=bool(payment.sender))
