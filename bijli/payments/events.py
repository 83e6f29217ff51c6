"""Gateway-format (Razorpay) events: parsing what arrives, building and signing what we send.

``parse_event`` reads the parts of an event we act on (``webhook.py`` applies
them); ``verify_signature`` checks ``X-Razorpay-Signature``. The builders are
used by ``bijli simulate-payment`` and by the demo payment page, so both send
exactly what Razorpay sends: a ``payment_link.paid`` event (with the payment
link and payment entities), a ``payment.failed`` event, or for a UPI QR code
``qr_code.credited`` (qr_code and payment entities) and ``qr_code.closed``; the
raw body signed with ``X-Razorpay-Signature`` and named by ``X-Razorpay-Event-Id``.
"""
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

SIGNATURE_HEADER = "x-razorpay-signature"
EVENT_ID_HEADER = "x-razorpay-event-id"
PAID_EVENTS = frozenset({"payment_link.paid", "payment.captured", "qr_code.credited"})
FAILED_EVENTS = frozenset({"payment.failed"})
CLOSED_EVENTS = frozenset({"qr_code.closed"})
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


def parse_event(raw: bytes) -> GatewayEvent:
    """The parts of a gateway event we act on; ``EventError`` if it is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise EventError(f"body is not JSON: {e.__class__.__name__}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("event"), str):
        raise EventError("no event type")
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
            else "closed" if etype in CLOSED_EVENTS else "other")
    if payment.get("amount") is not None:
        amount = _amount(payment.get("amount"))
    elif link.get("amount_paid") is not None:
        amount = _amount(link.get("amount_paid"))
    else:
        amount = _amount(qr.get("payments_amount_received")) if kind == "paid" else None
    currency = payment.get("currency") or link.get("currency")
    return GatewayEvent(
        type=etype, kind=kind, refs=refs,
        link_id=_text(link.get("id")) or _text(payment.get("payment_link_id")),
        qr_id=_text(qr.get("id")),
        gateway_payment_id=_text(payment.get("id")),
        amount_paise=amount,
        currency=currency if isinstance(currency, str) else None,
        error=_text(payment.get("error_description")),
        close_reason=_text(qr.get("close_reason")),
    )


# -- building events ------------------------------------------------------------


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(7)


def paid_event(ref: str, amount_paise: int, *, link_id: Optional[str] = None,
               ivrs: Optional[str] = None, requested_paise: Optional[int] = None,
               now: Optional[int] = None) -> Dict:
    """``payment_link.paid`` for our reference ``ref`` (and the link ``link_id``)."""
    now = int(now if now is not None else time.time())
    notes = {"payment_ref": ref, **({"ivrs": ivrs} if ivrs else {})}
    link_id = link_id or _id("plink_")
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": "payment_link.paid",
        "contains": ["payment_link", "order", "payment"],
        "payload": {
            "payment_link": {"entity": {
                "id": link_id, "entity": "payment_link", "reference_id": ref,
                "amount": requested_paise if requested_paise is not None else amount_paise,
                "amount_paid": amount_paise, "currency": "INR", "status": "paid",
                "upi_link": True, "notes": notes,
            }},
            "payment": {"entity": {
                "id": _id("pay_"), "entity": "payment", "amount": amount_paise,
                "currency": "INR", "status": "captured", "method": "upi",
                "captured": True, "notes": notes, "created_at": now,
            }},
        },
        "created_at": now,
    }


def failed_event(ref: str, amount_paise: int, *, ivrs: Optional[str] = None,
                 now: Optional[int] = None) -> Dict:
    """``payment.failed`` for our reference ``ref``."""
    now = int(now if now is not None else time.time())
    notes = {"payment_ref": ref, **({"ivrs": ivrs} if ivrs else {})}
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": "payment.failed",
        "contains": ["payment"],
        "payload": {
            "payment": {"entity": {
                "id": _id("pay_"), "entity": "payment", "amount": amount_paise,
                "currency": "INR", "status": "failed", "method": "upi", "captured": False,
                "error_code": "BAD_REQUEST_ERROR",
                "error_description": "Payment was unsuccessful as the UPI app declined it.",
                "notes": notes, "created_at": now,
            }},
        },
        "created_at": now,
    }


def qr_credited_event(ref: str, amount_paise: int, qr_id: str, *, ivrs: Optional[str] = None,
                      now: Optional[int] = None) -> Dict:
    """``qr_code.credited``: a payment was made on our single-use QR code ``qr_id``."""
    now = int(now if now is not None else time.time())
    notes = {"payment_ref": ref, **({"ivrs": ivrs} if ivrs else {})}
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": "qr_code.credited",
        "contains": ["payment", "qr_code"],
        "payload": {
            "payment": {"entity": {
                "id": _id("pay_"), "entity": "payment", "amount": amount_paise,
                "currency": "INR", "status": "captured", "method": "upi", "captured": True,
                "notes": [], "created_at": now,
            }},
            "qr_code": {"entity": {
                "id": qr_id, "entity": "qr_code", "type": "upi_qr", "usage": "single_use",
                "fixed_amount": True, "payment_amount": amount_paise, "status": "closed",
                "close_reason": "paid", "payments_amount_received": amount_paise,
                "payments_count_received": 1, "notes": notes, "created_at": now,
            }},
        },
        "created_at": now,
    }


def qr_closed_event(qr_id: str, *, ref: Optional[str] = None, close_reason: str = "on_demand",
                    now: Optional[int] = None) -> Dict:
    """``qr_code.closed``: the QR code was closed (by hand, unless ``close_reason`` says paid)."""
    now = int(now if now is not None else time.time())
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": "qr_code.closed",
        "contains": ["qr_code"],
        "payload": {"qr_code": {"entity": {
            "id": qr_id, "entity": "qr_code", "type": "upi_qr", "usage": "single_use",
            "status": "closed", "close_reason": close_reason,
            "notes": {"payment_ref": ref} if ref else {}, "closed_at": now, "created_at": now,
        }}},
        "created_at": now,
    }


def signed(event: Dict, secret: str, event_id: Optional[str] = None) -> Tuple[bytes, Dict[str, str]]:
    """The raw body and the headers a gateway would send with it."""
    raw = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return raw, {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": sign(secret, raw),
        "X-Razorpay-Event-Id": event_id or _id("evt_"),
    }


__all__ = ["parse_event", "GatewayEvent", "EventError", "sign", "verify_signature",
           "paid_event", "failed_event", "qr_credited_event", "qr_closed_event", "signed",
           "SIGNATURE_HEADER", "EVENT_ID_HEADER"]
