"""Stale gateway events: too old to accept, or a failure of an attempt that is over.

How old an event may be is ``PAYMENT_EVENT_MAX_AGE_SECONDS``, by its signed ``created_at``.

Razorpay retries a delivery that did not get a 2xx for 24 hours after the event was
made, so no genuine delivery is older than that: an older one is a replay of a
captured body. Such events are answered 200 (a 4xx would only make the gateway retry
a permanent refusal, and a webhook failing for 24 hours is disabled), change nothing
and are logged as a warning. Read here, not in ``bijli.settings``, so that the webhook
module is self-contained; a value that is not a positive whole number is refused at
start-up of the check (``max_event_age_seconds`` raises).
"""
import os
from datetime import datetime, timedelta, timezone
from typing import Mapping, Optional

from sqlalchemy import select

from bijli.models import Payment, PaymentEvent
from bijli.payments.events import FAILED_EVENTS, Envelope, GatewayEvent

MAX_AGE_VARIABLE = "PAYMENT_EVENT_MAX_AGE_SECONDS"
DEFAULT_MAX_AGE_SECONDS = 24 * 3600     # Razorpay's retry window
# The gateway's clock and ours, and whole seconds in created_at.
CLOCK_SLACK = timedelta(seconds=5)


def max_event_age_seconds(environ: Optional[Mapping[str, str]] = None) -> int:
    """The configured maximum age; ``ValueError`` naming the variable if it is not usable."""
    raw = (os.environ if environ is None else environ).get(MAX_AGE_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_AGE_SECONDS
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"{MAX_AGE_VARIABLE} must be a positive number of seconds, got {raw!r}")
    return int(raw)


def from_unix(seconds: Optional[int]) -> Optional[datetime]:
    """Unix seconds (as the gateway sends times) as the naive UTC the database keeps."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).replace(tzinfo=None)


def event_age(envelope: Envelope, now: datetime) -> Optional[timedelta]:
    """How long ago the gateway made the event (naive UTC ``now``); None if it does not say."""
    made = from_unix(envelope.created_at)
    return None if made is None else now - made


def old_attempt(s, payment: Payment, event: GatewayEvent, key: str,
                 envelope: Optional[Envelope]) -> str:
    """Why a failure is not about the request's current attempt, or ""."""
    if event.link_id and payment.provider_link_id and event.link_id != payment.provider_link_id:
        return "another payment link"
    if event.qr_id and payment.provider_qr_id and event.qr_id != payment.provider_qr_id:
        return "another QR code"
    failed_before = s.execute(select(PaymentEvent.gateway_id).where(
        PaymentEvent.payment_ref == payment.ref, PaymentEvent.event_type.in_(FAILED_EVENTS),
        PaymentEvent.event_key != key)).scalars().all()
    if not failed_before:
        return ""
    if event.gateway_payment_id and event.gateway_payment_id[:64] in failed_before:
        return "a gateway payment that had already failed"
    made = from_unix(envelope.created_at) if envelope else None
    # A failed request is pending again only because its payer pressed Pay again then.
    # (Seconds apart at least: the gateway's clock and ours, whole seconds in created_at.)
    if made is not None and payment.updated_at is not None \
            and made < payment.updated_at - CLOCK_SLACK:
        return "an attempt made before the request was opened again"
    return ""
