"""Payment requests: a pending payment record, its UPI link, a gateway link and a QR.

- this module: the helpers for making (or reusing) a sender's open request of
  a bill, closing requests, and the values every reply about a payment shows;
- ``gateway``: the payment providers (``demo``, ``razorpay``) behind one interface;
- ``webhook``: verified gateway events -> payment state, one transaction per event;
- ``events``: building and signing gateway-format events (``bijli simulate-payment``
  and the demo payment page send exactly what a gateway sends);
- ``queries``: read-only views of payments; ``refunds``: the operators' refund record.

One open request per bill and sender (issues 8 and 18): a Pay while the sender
has a pending, unexpired request of the bill for the amount now due gets that
same request back; another sender gets a request of their own, so the
confirmation and the receipt go to whoever paid. Expired requests become
``expired``; a request for an amount no longer due (after a part payment)
becomes ``cancelled``; both are also cancelled at the gateway, after the
commit. The bill's row is locked first, in every transaction that decides what
is open (here and in the webhook), so two Pays at once by one sender make one.
Once a request is paid, its other instrument (razorpay: the QR after the link,
the link after the QR) is closed at the gateway too (``unused_instruments``).

Money is integer paise. Times are stored as naive UTC and shown in IST.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, List, Optional, Tuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bijli.i18n import t
from bijli.models import Bill, Payment
from bijli.settings import Settings
from bijli.timefmt import format_ist, to_ist  # noqa: F401  (re-exported)
from bijli.upi import upi_link

logger = logging.getLogger(__name__)

QR_PATH = "/webhooks/payments/qr/{ref}.png"
PAY_PAGE_PATH = "/webhooks/payments/pay/{ref}"
# A failed attempt leaves the request payable at the gateway (the payer may try
# again on the same link), so "failed" counts as open as long as it has a link.
OPEN_STATUSES = ("pending", "failed")


class NothingDue(Exception):
    def __init__(self, ivrs: str, bill_month: str = ""):
        super().__init__(ivrs)
        self.ivrs = ivrs
        self.bill_month = bill_month


class NoBill(Exception):
    """The connection is unknown or has no bill yet."""


@dataclass(frozen=True)
class PaymentRequest:
    ref: str
    ivrs: str
    amount_paise: int
    upi_link: str                       # what the payer's UPI app opens (the QR's content)
    bill_month: str = ""
    payment_url: Optional[str] = None   # the gateway's (or demo) payment page
    qr_url: Optional[str] = None        # the QR image to send
    reused: bool = False                # an open request of the bill, shown again


@dataclass(frozen=True)
class CancelTarget:
    """A request to close at its gateway once the transaction that closed it commits."""

    ref: str
    provider: str
    link_id: Optional[str]
    qr_id: Optional[str]


def demo_enabled(settings: Settings) -> bool:
    """The demo page and the dev secret exist only for the demo provider outside production."""
    return settings.payment_provider == "demo" and not settings.is_production


def payment_note(ivrs: str, bill_month: str) -> str:
    """The UPI note (tn). The same in every language, so a link can be rebuilt."""
    return t("payment_note", "en", ivrs=ivrs, month=bill_month)


def upi_link_for(settings: Settings, ref: str, ivrs: str, bill_month: str, amount_paise: int) -> str:
    """The static-VPA link (demo provider only; razorpay's comes from its QR)."""
    return upi_link(settings.upi_vpa, settings.upi_payee_name, amount_paise, ref,
                    payment_note(ivrs, bill_month))


def shown_upi(settings: Settings, payment: Payment) -> Optional[str]:
    """The UPI string stored for the request; demo rows made before it was stored get it rebuilt."""
    if payment.upi_string:
        return payment.upi_string
    if payment.provider == "demo":
        return upi_link_for(settings, payment.ref, payment.ivrs, payment.bill.bill_month,
                            payment.amount_paise)
    return None     # never the static VPA for a gateway's request: that money would be unmatched


def qr_url(settings: Settings, ref: str) -> str:
    """The public address of the QR image for payment `ref`."""
    return settings.public_base_url + QR_PATH.format(ref=ref)


def qr_image_for(settings: Settings, ref: str, upi: Optional[str], gateway_image: Optional[str]) -> str:
    """Our PNG of the UPI string; the gateway's own image when the string is only its image URL."""
    if upi and not upi.startswith("upi:") and gateway_image:
        return gateway_image
    return qr_url(settings, ref)


def demo_page_url(settings: Settings, ref: str) -> str:
    """The public address of the demo gateway's page for payment `ref`."""
    return settings.public_base_url + PAY_PAGE_PATH.format(ref=ref)


def receipt_number(payment_id: int, paid_at: datetime) -> str:
    """Unique per payment (the row id), dated in IST: 'R261125000042'."""
    return f"R{to_ist(paid_at):%y%m%d}{payment_id:06d}"


def get_payment(session: Session, ref: str) -> Optional[Payment]:
    """The payment with reference `ref`, or None."""
    return session.execute(select(Payment).where(Payment.ref == ref)).scalar_one_or_none()


def lock_bill(session: Session, bill_id: int) -> Bill:
    """Lock the bill's row and return it freshly read.

    A no-op UPDATE is the portable lock: a row lock on PostgreSQL, the database
    write lock on SQLite (whose SELECT ... FOR UPDATE does nothing). Every
    transaction that changes which requests of a bill are open takes it first.
    """
    session.execute(update(Bill).where(Bill.id == bill_id).values(paid_paise=Bill.paid_paise)
                    .execution_options(synchronize_session=False))
    return session.execute(select(Bill).where(Bill.id == bill_id)
                           .execution_options(populate_existing=True)).scalar_one()


def has_link(payment: Payment) -> bool:
    """The gateway made something this request can be paid on."""
    return bool(payment.upi_string or payment.provider_link_id or payment.provider_qr_id)


def is_expired(payment: Payment, now: datetime) -> bool:
    """Whether the payment's link has expired at `now` (a payment without expiry never does)."""
    return payment.expires_at is not None and payment.expires_at <= now


def is_payable(payment: Payment, now: datetime) -> bool:
    """Open, unexpired and with a link: the QR and the demo page may be used."""
    return payment.status in OPEN_STATUSES and has_link(payment) and not is_expired(payment, now)


def cancel_target(payment: Payment) -> CancelTarget:
    return CancelTarget(payment.ref, payment.provider, payment.provider_link_id, payment.provider_qr_id)


def unused_instruments(payment: Payment, was: str, paid_link_id: Optional[str],
                       paid_qr_id: Optional[str]) -> Tuple[CancelTarget, ...]:
    """A request just paid on one instrument: the other (link or QR) is still payable, so close it.

    ``was`` is the request's status before the payment: a request that was no
    longer open had both closed already. The instrument the event names as paid
    is left alone; an event naming neither (WhatsApp Pay, ``payment.captured``)
    closes both (closing a paid one only fails, harmlessly).
    """
    if was not in OPEN_STATUSES:
        return ()
    link_id = payment.provider_link_id if payment.provider_link_id != paid_link_id else None
    qr_id = payment.provider_qr_id if payment.provider_qr_id != paid_qr_id else None
    if not link_id and not qr_id:
        return ()
    return (CancelTarget(payment.ref, payment.provider, link_id, qr_id),)


def close_open_requests(session: Session, bill_id: int, status: str, *, keep_id: Optional[int] = None
                        ) -> List[CancelTarget]:
    """Mark the bill's open requests (but ``keep_id``) ``status``; what to cancel at the gateway."""
    rows = session.execute(select(Payment).where(
        Payment.bill_id == bill_id, Payment.status.in_(OPEN_STATUSES))).scalars().all()
    targets = []
    for p in rows:
        if p.id == keep_id or (p.status == "failed" and not has_link(p)):
            continue        # a request whose creation failed was never open at the gateway
        p.status = status
        targets.append(cancel_target(p))
    return targets


def cancel_at_gateway(settings: Settings, targets: Iterable[CancelTarget], provider=None) -> int:
    """Best effort, outside any transaction: cancel links and close QRs. Returns how many closed."""
    from bijli.payments.gateway import GatewayError, call_with_deadline, provider_for

    targets = [x for x in targets if x.link_id or x.qr_id]
    if not targets:
        return 0
    provider = provider or provider_for(settings)
    closed = 0
    for x in targets:
        if x.provider != provider.name:
            logger.warning("payment %s: made by %s, cannot be cancelled via %s", x.ref, x.provider,
                           provider.name)
            continue
        try:
            ok = call_with_deadline(provider.cancel, x.link_id, x.qr_id,
                                    deadline_seconds=settings.payment_deadline_seconds)
        except GatewayError as e:
            ok = False
            logger.warning("payment %s: cancelling at %s failed: %s", x.ref, provider.name, e)
        closed += bool(ok)
    return closed


# Re-exported: the Pay step lives in its own module (it imports the helpers above).
from bijli.payments.pay import request_payment  # noqa: E402

__all__ = [
    "NothingDue", "NoBill", "PaymentRequest", "CancelTarget", "OPEN_STATUSES", "request_payment",
    "get_payment", "payment_note", "upi_link_for", "shown_upi", "qr_url", "qr_image_for",
    "demo_page_url", "demo_enabled", "lock_bill", "has_link", "is_expired", "is_payable",
    "close_open_requests", "unused_instruments", "cancel_at_gateway", "to_ist", "format_ist", "receipt_number",
]
