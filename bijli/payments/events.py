"""Gateway-format (Razorpay) events: parsing what arrives, and the signature.

``event_from`` reads the parts of an event we act on (payments, QR codes, refunds,
disputes; ``webhook.py`` applies them); ``envelope_from`` what identifies the signed
body and its times (replays, age); ``verify_signature`` checks ``X-Razorpay-Signature``.
The builders of the events a gateway sends (``builders.py``) are re-exported here.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
PAID_EVENTS = frozenset({"payment_link.paid", "payment.captured", "qr_code.credited"})
FAILED_EVENTS = frozenset({"payment.failed"})
CLOSED_EVENTS = frozenset({"qr_code.closed"})
REFUND_EVENTS = frozenset({"refund.created", "refund.processed", "refund.failed"})
DISPUTE_EVENTS = frozenset("payment.dispute." + x for x in (
    "created", "won", "lost", "closed", "under_review", "action_required"))
MAX_PAISE = 2 ** 63 - 1         # BIGINT: a larger "amount" is not one (and would not fit)


def sign(secret: str, raw: bytes) -> str:
    """The hex HMAC-SHA256 of ``raw``, as the gateway signs."""
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def verify_signature(secret: Optional[str], raw: bytes, signature: Optional[str]) -> bool:
    """Constant-time check of the whole signature (never a prefix of it)."""
    if not secret or not signature:
        return False
    try:
        # compare_digest raises TypeError on non-ASCII str: compare bytes instead.
        given = signature.strip().lower().encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        return False
    return bool(given) and hmac.compare_digest(sign(secret, raw).encode("ascii"), given)


class EventError(ValueError):
    """The body is not a usable gateway event (400)."""


@dataclass(frozen=True)
class GatewayEvent:
    type: str
    kind: str                       # paid | failed | closed | other
    refs: List[str] = field(default_factory=list)   # our reference, wherever the event has it
    link_id: Optional[str] = None
    qr_id: Optional[str] = None
    gateway_payment_id: Optional[str] = None
    amount_paise: Optional[int] = None
    currency: Optional[str] = None
    error: Optional[str] = None
    close_reason: Optional[str] = None
    refund_id: Optional[str] = None         # rfnd_... (refund events)
    refund_status: Optional[str] = None     # pending | processed | failed, as the entity says
    dispute_id: Optional[str] = None        # disp_... (dispute events)
    dispute_status: Optional[str] = None
    dispute_phase: Optional[str] = None
    reason_code: Optional[str] = None


@dataclass(frozen=True)
class Envelope:
    """The signed body's identity and times (unix seconds), which ``GatewayEvent`` leaves out."""

    body_key: str                           # same for a replay of the body under any event id
    created_at: Optional[int] = None        # when the gateway made the event
    respond_by: Optional[int] = None        # dispute: answer the bank by then
    opened_at: Optional[int] = None         # dispute / refund entity's own created_at
    amount_deducted: Optional[int] = None   # dispute: taken from the merchant's balance


def _entity(payload: Mapping[str, Any], name: str) -> Dict[str, Any]:
    part = payload.get(name) or {}
    entity = part.get("entity") if isinstance(part, Mapping) else None
    return dict(entity) if isinstance(entity, Mapping) else {}


def _amount(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PAISE:
        raise EventError(f"amount must be whole paise, got {value!r}")
    return value


def _text(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value else None


def _notes(entity: Mapping[str, Any]) -> Mapping[str, Any]:
    notes = entity.get("notes")
    return notes if isinstance(notes, Mapping) else {}


def load_body(raw: bytes) -> Mapping[str, Any]:
    """The JSON object of a gateway event; ``EventError`` if it is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise EventError(f"body is not JSON: {e.__class__.__name__}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("event"), str):
        raise EventError("no event type")
    return data


def parse_event(raw: bytes) -> GatewayEvent:
    """The parts of a gateway event we act on; ``EventError`` if it is not one."""
    return event_from(load_body(raw))


# What tells one gateway event from another besides its name and time: each entity's
# id, state and amounts. A captured body replayed under a new event id has them all.
IDENTITY_FIELDS = ("id", "status", "close_reason", "amount", "amount_paid", "amount_refunded",
                   "payments_amount_received")
MAX_UNIX = 253402300799         # 9999-12-31: a later "time" is not one


def _whole(value: Any, limit: int = MAX_UNIX) -> Optional[int]:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
    return value if ok else None


def envelope_from(data: Mapping[str, Any]) -> Envelope:
    """What the signed body identifies: a replay under a new event id gives the same key."""
    raw_payload = data.get("payload")
    payload: Mapping[str, Any] = raw_payload if isinstance(raw_payload, Mapping) else {}
    ents = {n: _entity(payload, n) for n in ("payment", "payment_link", "qr_code", "refund",
                                               "dispute")}
    identity = [data.get("event"), data.get("created_at"), data.get("account_id")]
    identity += [[ents[n].get(k) for k in IDENTITY_FIELDS] for n in sorted(ents)]
    text = json.dumps(identity, sort_keys=True, default=str)
    dispute, refund = ents["dispute"], ents["refund"]
    return Envelope(
        body_key="body:" + hashlib.sha256(text.encode("utf-8")).hexdigest(),
        created_at=_whole(data.get("created_at")),
        respond_by=_whole(dispute.get("respond_by")),
        opened_at=_whole((dispute or refund).get("created_at")),
        amount_deducted=_whole(dispute.get("amount_deducted"), MAX_PAISE),
    )


def event_from(data: Mapping[str, Any]) -> GatewayEvent:
    """The parts of a parsed gateway event we act on; ``EventError`` if it is not one."""
    etype = data["event"]
    payload = data.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise EventError("payload is not an object")
    link, payment, order, qr = (_entity(payload, "payment_link"), _entity(payload, "payment"),
                                _entity(payload, "order"), _entity(payload, "qr_code"))
    refs: List[str] = []
    for candidate in (link.get("reference_id"), _notes(payment).get("payment_ref"),
                      _notes(link).get("payment_ref"), _notes(qr).get("payment_ref"),
                      order.get("receipt")):
        if isinstance(candidate, str) and candidate and candidate not in refs:
            refs.append(candidate)
    kind = ("paid" if etype in PAID_EVENTS else "failed" if etype in FAILED_EVENTS
            else "closed" if etype in CLOSED_EVENTS else "refund" if etype in REFUND_EVENTS
            else "dispute" if etype in DISPUTE_EVENTS else "other")
    # A refund's or a dispute's own entity carries the amount and the payment it is about.
    own = _entity(payload, "refund") if kind == "refund" else \
        _entity(payload, "dispute") if kind == "dispute" else {}
    if kind in ("refund", "dispute"):
        amount = _amount(own.get("amount"))
    elif payment.get("amount") is not None:
        amount = _amount(payment.get("amount"))
    elif link.get("amount_paid") is not None:
        amount = _amount(link.get("amount_paid"))
    else:
        amount = _amount(qr.get("payments_amount_received")) if kind == "paid" else None
    currency = own.get("currency") or payment.get("currency") or link.get("currency")
    return GatewayEvent(
        type=etype, kind=kind, refs=refs,
        link_id=_text(link.get("id")) or _text(payment.get("payment_link_id")),
        qr_id=_text(qr.get("id")),
        gateway_payment_id=_text(own.get("payment_id")) or _text(payment.get("id")),
        amount_paise=amount,
        currency=currency if isinstance(currency, str) else None,
        error=_text(payment.get("error_description")),
        close_reason=_text(qr.get("close_reason")),
        refund_id=_text(own.get("id")) if kind == "refund" else None,
        refund_status=_text(own.get("status")) if kind == "refund" else None,
        dispute_id=_text(own.get("id")) if kind == "dispute" else None,
        dispute_status=_text(own.get("status")) if kind == "dispute" else None,
        dispute_phase=_text(own.get("phase")) if kind == "dispute" else None,
        reason_code=_text(own.get("reason_code")) if kind == "dispute" else None,
    )


# The builders live in their own module; re-exported here, where callers look for them.
from bijli.payments.builders import (  # noqa: E402
    dispute_event,
    failed_event,
    paid_event,
    qr_closed_event,
    qr_credited_event,
    refund_event,
    signed,
)

__all__ = ["parse_event", "event_from", "envelope_from", "load_body", "GatewayEvent", "Envelope",
           "EventError", "sign", "verify_signature", "paid_event", "failed_event",
           "qr_credited_event", "qr_closed_event", "refund_event", "dispute_event", "signed",
           "SIGNATURE_HEADER", "EVENT_ID_HEADER"]
