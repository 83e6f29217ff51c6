"""Gateway-format events, signed as the gateway signs them.

Used by ``bijli simulate-payment`` and by the demo payment page, so both send
exactly what Razorpay sends: a ``payment_link.paid`` event (with the payment
link and payment entities) or a ``payment.failed`` event, the raw body signed
with ``X-Razorpay-Signature`` and named by ``X-Razorpay-Event-Id``.
"""
import json
import secrets
import time
from typing import Dict, Optional, Tuple

from bijli.payments.webhook import EVENT_ID_HEADER, SIGNATURE_HEADER, sign


def _id(prefix: str) -> str:
    return prefix + secrets.token_hex(7)


def paid_event(ref: str, amount_paise: int, *, link_id: Optional[str] = None,
               ivrs: Optional[str] = None, requested_paise: Optional[int] = None,
               now: Optional[int] = None) -> Dict:
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


def signed(event: Dict, secret: str, event_id: Optional[str] = None) -> Tuple[bytes, Dict[str, str]]:
    """The raw body and the headers a gateway would send with it."""
    raw = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return raw, {
        "Content-Type": "application/json",
        "X-Razorpay-Signature": sign(secret, raw),
        "X-Razorpay-Event-Id": event_id or _id("evt_"),
    }


__all__ = ["paid_event", "failed_event", "signed", "SIGNATURE_HEADER", "EVENT_ID_HEADER"]
