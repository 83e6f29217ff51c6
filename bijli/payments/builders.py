"""Gateway-format (Razorpay) events as the gateway sends them, for ``bijli simulate-payment``,
the demo payment page and the tests: the same shapes, signed the same way."""
import json
import secrets
import time
from typing import Dict, Optional, Tuple

from bijli.payments.events import sign


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




def _captured_payment(payment_id: str, amount_paise: int, refunded_paise: int, now: int,
                      notes: object) -> Dict:
    """The payment entity Razorpay sends along with a refund or a dispute."""
    return {
        "id": payment_id, "entity": "payment", "amount": amount_paise, "currency": "INR",
        "base_amount": amount_paise, "status": "refunded" if refunded_paise >= amount_paise
        else "captured", "order_id": None, "invoice_id": None, "international": False,
        "method": "upi", "amount_refunded": refunded_paise, "amount_transferred": 0,
        "refund_status": None if not refunded_paise else "full"
        if refunded_paise >= amount_paise else "partial",
        "captured": True, "description": None, "vpa": "payer@okbank", "notes": notes,
        "fee": 0, "tax": 0, "error_code": None, "error_description": None, "created_at": now,
    }


def refund_event(payment_id: str, refund_paise: int, *, paid_paise: int,
                 event: str = "refund.processed", refund_id: Optional[str] = None,
                 ref: Optional[str] = None, refunded_before: int = 0,
                 now: Optional[int] = None) -> Dict:
    """``refund.created`` / ``refund.processed`` / ``refund.failed`` of gateway payment ``payment_id``."""
    now = int(now if now is not None else time.time())
    status = {"refund.processed": "processed", "refund.failed": "failed"}.get(event, "pending")
    refunded = refunded_before + (refund_paise if status == "processed" else 0)
    notes: object = {"payment_ref": ref} if ref else []     # Razorpay sends [] for none
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": event,
        "contains": ["refund", "payment"],
        "payload": {
            "refund": {"entity": {
                "id": refund_id or _id("rfnd_"), "entity": "refund", "amount": refund_paise,
                "currency": "INR", "payment_id": payment_id,
                "notes": {"comment": "Refund by the discom"}, "receipt": None,
                "acquirer_data": {"rrn": None}, "created_at": now, "batch_id": None,
                "status": status, "speed_processed": "normal", "speed_requested": "normal",
            }},
            "payment": {"entity": _captured_payment(payment_id, paid_paise, refunded, now, notes)},
        },
        "created_at": now,
    }


def dispute_event(payment_id: str, amount_paise: int, *, event: str = "payment.dispute.created",
                  dispute_id: Optional[str] = None, status: Optional[str] = None,
                  ref: Optional[str] = None, now: Optional[int] = None) -> Dict:
    """``payment.dispute.*`` (a chargeback raised by the payer's bank) on ``payment_id``."""
    now = int(now if now is not None else time.time())
    suffix = event.rsplit(".", 1)[-1]
    status = status or {"created": "open", "action_required": "open"}.get(suffix, suffix)
    notes: object = {"payment_ref": ref} if ref else []     # Razorpay sends [] for none
    return {
        "entity": "event",
        "account_id": "acc_demo",
        "event": event,
        "contains": ["payment", "dispute"],
        "payload": {
            "payment": {"entity": _captured_payment(payment_id, amount_paise, 0, now, notes)},
            "dispute": {"entity": {
                "id": dispute_id or _id("disp_"), "entity": "dispute", "payment_id": payment_id,
                "amount": amount_paise, "currency": "INR",
                "amount_deducted": amount_paise if status == "lost" else 0,
                "reason_code": "goods_services_not_received",
                "reason_description": "The payer says the service was not received.",
                "respond_by": now + 7 * 86400, "status": status, "phase": "chargeback",
                "created_at": now, "evidence": None,
            }},
        },
        "created_at": now,
    }
