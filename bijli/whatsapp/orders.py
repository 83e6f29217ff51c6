"""Pay inside WhatsApp (issue 9 part 2): the order card, and trusting a payment status.

- ``order_for``: an ``order_details`` message (``review_and_pay``) for one of
  our payment requests. Its ``reference_id`` is our payment reference; Meta
  wants it unique per order message, so a re-sent order gets a suffix (``.2``,
  ``.3``, ...). Each order sent is recorded as a ``whatsapp_order`` row of
  ``payment_events`` (key ``wa-order:<reference_id>``), which numbers the
  suffixes durably and without a schema change.
- ``payment_ref_of``: the payment reference behind a (suffixed) ``reference_id``.
- ``parse_payment_status`` / ``lookup_payment`` / ``lookup_agrees``: a
  ``type: payment`` status is believed only when Meta's payments lookup
  endpoint says the same thing (Meta advises not to trust the webhook alone).
- ``order_status_content``: the ``order_status`` update (``completed`` or
  ``canceled``) that changes the order card in the chat.

No Rasa here; the Graph API lookup is blocking (run it in an executor).
"""
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional
from urllib.parse import quote

import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.i18n import t
from bijli.models import Payment, PaymentEvent, utcnow
from bijli.money import format_inr
from bijli.timefmt import format_ist, month_label
from bijli.whatsapp.client import GraphConfig

logger = logging.getLogger(__name__)

ORDER_EVENT = "whatsapp_order"
REFERENCE_LIMIT = 35
BODY_LIMIT = 1024
ITEM_NAME_LIMIT = 60
EXPIRY_TEXT_LIMIT = 120
MIN_EXPIRY_SECONDS = 300            # Meta refuses an order that expires sooner
OFFSET = 100                        # amounts are paise: value / 100 rupees
_REFERENCE = re.compile(r"^[A-Za-z0-9_.-]{1,35}$")
_SUFFIX = re.compile(r"^(.+)\.(\d{1,4})$")
PAID, FAILED = "paid", "failed"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _epoch(dt: datetime) -> int:
    return int(dt.replace(tzinfo=timezone.utc).timestamp())


# -- sending an order ---------------------------------------------------------------------------

def payment_ref_of(reference_id: str) -> str:
    """Our payment reference behind an order's ``reference_id`` (``BS...`` or ``BS....2``)."""
    match = _SUFFIX.match(reference_id or "")
    return match.group(1) if match else (reference_id or "")


def next_reference(db: Database, ref: str, now: Optional[datetime] = None) -> str:
    """The ``reference_id`` for the next order message of payment ``ref``, recorded as sent."""
    for _ in range(3):
        try:
            with db.session() as s:
                sent = s.execute(select(func.count()).select_from(PaymentEvent).where(
                    PaymentEvent.payment_ref == ref, PaymentEvent.event_type == ORDER_EVENT)).scalar_one()
                reference = ref if sent == 0 else f"{ref}.{sent + 1}"
                if not _REFERENCE.match(reference):
                    raise ValueError(f"reference {reference!r} is not a valid order reference_id")
                s.add(PaymentEvent(event_key="wa-order:" + reference, payment_ref=ref,
                                   event_type=ORDER_EVENT, received_at=now or utcnow()))
            return reference
        except IntegrityError:
            continue        # another order of the same request took this number: count again
    raise RuntimeError(f"no free order reference for {ref}")


@dataclass(frozen=True)
class Order:
    """What an order card shows (amounts in paise, times naive UTC)."""

    reference_id: str
    ivrs: str
    bill_month: str
    amount_paise: int
    expires_at: datetime


def order_details_content(order: Order, configuration: str, lang: str,
                          now: Optional[datetime] = None) -> Dict[str, Any]:
    """The ``interactive`` ``order_details`` message body for ``order`` (Meta's limits kept)."""
    now = now or utcnow()
    # Meta refuses an expiry under 5 minutes away; a late payment is still handled safely
    # by the payment code (an expired request's money is credited or refunded).
    expires = max(order.expires_at, now + timedelta(seconds=MIN_EXPIRY_SECONDS))
    month = month_label(order.bill_month)
    amount = {"value": int(order.amount_paise), "offset": OFFSET}
    body = t("wa_order_body", lang, month=month, ivrs=order.ivrs, amount=format_inr(order.amount_paise))
    return {"type": "interactive", "interactive": {
        "type": "order_details",
        "body": {"text": _cut(body, BODY_LIMIT)},
        "action": {"name": "review_and_pay", "parameters": {
            "reference_id": order.reference_id,
            "type": "digital-goods",
            "currency": "INR",
            "total_amount": amount,
            "payment_settings": [{"type": "payment_gateway", "payment_gateway": {
                "type": "razorpay", "configuration_name": configuration}}],
            "order": {
                "status": "pending",
                "items": [{"retailer_id": order.ivrs,
                           "name": _cut(t("wa_order_item", lang, month=month, ivrs=order.ivrs),
                                        ITEM_NAME_LIMIT),
                           "amount": dict(amount), "quantity": 1}],
                "subtotal": dict(amount),
                "tax": {"value": 0, "offset": OFFSET},
                "expiration": {"timestamp": str(_epoch(expires)),
                               "description": _cut(t("wa_order_expiry", lang, time=format_ist(expires, zone=False)),
                                                   EXPIRY_TEXT_LIMIT)},
            },
        }},
    }}


def order_for(db: Database, ref: str, configuration: str, lang: str,
              now: Optional[datetime] = None) -> Optional[Dict[str, Any]]:
    """The order card for payment ``ref`` with a fresh ``reference_id``; None if it is not open."""
    now = now or utcnow()
    with db.session() as s:
        p = s.execute(select(Payment).where(Payment.ref == ref)).scalar_one_or_none()
        if p is None or p.status not in ("pending", "failed"):
            return None
        ivrs, month, amount = p.ivrs, p.bill.bill_month, p.amount_paise
        expires = p.expires_at or now + timedelta(seconds=MIN_EXPIRY_SECONDS)
    order = Order(next_reference(db, ref, now), ivrs, month, amount, expires)
    return order_details_content(order, configuration, lang, now)


def order_status_content(reference_id: str, paid: bool, lang: str) -> Dict[str, Any]:
    """The ``order_status`` update: ``completed`` after a payment, ``canceled`` after a failure."""
    key = "wa_order_completed" if paid else "wa_order_canceled"
    return {"type": "interactive", "interactive": {
        "type": "order_status",
        "body": {"text": _cut(t(key, lang), BODY_LIMIT)},
        "action": {"name": "review_order", "parameters": {
            "reference_id": reference_id,
            "order": {"status": "completed" if paid else "canceled",
                      "description": _cut(t(key, lang), EXPIRY_TEXT_LIMIT)}}},
    }}


# -- trusting a payment status ---------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentStatus:
    """The parts of a ``type: payment`` status we act on."""

    reference_id: str
    outcome: Optional[str]           # paid | failed | None (pending: nothing to do yet)
    status: str                      # the status' own: captured | pending | ...
    amount_paise: Optional[int]
    currency: str
    transaction_id: str
    gateway_payment_id: str          # the gateway's id (pg_transaction_id), else Meta's
    error: str = ""


def paise_of(amount: Any) -> Optional[int]:
    """``{value, offset}`` as whole paise; None if it is not a whole number of paise."""
    if not isinstance(amount, Mapping):
        return None
    value, offset = amount.get("value"), amount.get("offset")
    if isinstance(value, bool) or isinstance(offset, bool) or not isinstance(value, int) \
            or not isinstance(offset, int) or offset <= 0 or value < 0 or (value * OFFSET) % offset:
        return None
    return value * OFFSET // offset


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _s(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_payment_status(raw: Mapping[str, Any]) -> Optional[PaymentStatus]:
    """A ``statuses[]`` entry of ``type: payment``; None if it lacks a reference or a transaction."""
    payment = _mapping(raw.get("payment"))
    txn = _mapping(payment.get("transaction"))
    reference_id, txn_id = _s(payment.get("reference_id")), _s(txn.get("id"))
    if not reference_id or not txn_id or not _REFERENCE.match(reference_id):
        return None
    status, txn_status = _s(raw.get("status")).lower(), _s(txn.get("status")).lower()
    outcome = PAID if (status == "captured" and txn_status == "success") else \
        FAILED if txn_status == "failed" else None
    error = _mapping(txn.get("error"))
    return PaymentStatus(reference_id=reference_id, outcome=outcome, status=status,
                         amount_paise=paise_of(payment.get("amount")), currency=_s(payment.get("currency")),
                         transaction_id=txn_id[:64],
                         gateway_payment_id=(_s(txn.get("pg_transaction_id")) or txn_id)[:64],
                         error=_s(error.get("reason")) or _s(error.get("code")))


def lookup_payment(config: GraphConfig, configuration: str, reference_id: str,
                   http: Optional[requests.Session] = None) -> Optional[Dict[str, Any]]:
    """Meta's record of the order's payment (``GET /{phone}/payments/{configuration}/{reference}``)."""
    if not config.configured:
        logger.warning("whatsapp: payment lookup impossible: WHATSAPP_* is not configured")
        return None
    url = config.url(f"payments/{quote(configuration, safe='')}/{quote(reference_id, safe='')}")
    call = http.get if http is not None else requests.get
    try:
        answer = call(url, headers={"Authorization": f"Bearer {config.access_token}"},
                      timeout=config.timeout_seconds)
    except requests.RequestException as e:
        logger.warning("whatsapp: payment lookup for %s failed: %s", reference_id, type(e).__name__)
        return None
    if answer.status_code != 200:
        logger.warning("whatsapp: payment lookup for %s answered HTTP %s", reference_id, answer.status_code)
        return None
    try:
        body = answer.json()
    except ValueError:
        return None
    data = body.get("data") if isinstance(body, dict) else None
    # Meta answers {"data": [payment]}; a bare payment object is read the same way.
    found = data[0] if isinstance(data, list) and data else body
    return found if isinstance(found, dict) else None


def _transactions(found: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    txns = found.get("transactions")
    return [x for x in txns if isinstance(x, Mapping)] if isinstance(txns, list) else []


def lookup_agrees(status: PaymentStatus, found: Optional[Mapping[str, Any]]) -> bool:
    """Does Meta's lookup confirm the status: same reference, amount, INR, and outcome?"""
    if not found or status.outcome is None:
        return False
    if _s(found.get("reference_id")) != status.reference_id or _s(found.get("currency")) != "INR" \
            or status.currency != "INR":
        return False
    amount = paise_of(found.get("amount"))
    if amount is None or amount != status.amount_paise:
        return False
    txn = next((x for x in _transactions(found) if _s(x.get("id"))[:64] == status.transaction_id), None)
    if txn is None:
        return False
    txn_status, paid_status = _s(txn.get("status")).lower(), _s(found.get("status")).lower()
    if status.outcome == PAID:
        return paid_status == "captured" and txn_status == "success"
    return txn_status == "failed"
