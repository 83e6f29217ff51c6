"""Payment requests: a pending payment record, its UPI link, a gateway link and a QR.

- this module: creating requests and the values every reply about a payment shows;
- ``gateway``: the payment providers (``demo``, ``razorpay``) behind one interface;
- ``webhook``: verified gateway events -> payment state, one transaction per event;
- ``events``: building and signing gateway-format events (``bijli simulate-payment``
  and the demo payment page send exactly what a gateway sends);
- ``queries``: the latest payments of a consumer, for ``payment_status``.

Money is integer paise. Times are stored as naive UTC and shown in IST.
"""
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bijli.billing import BillView, current_bill_view
from bijli.db import Database
from bijli.i18n import t
from bijli.models import Payment, utcnow
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.timefmt import format_ist, to_ist  # noqa: F401  (re-exported)
from bijli.upi import new_payment_ref, upi_link

logger = logging.getLogger(__name__)

QR_PATH = "/webhooks/payments/qr/{ref}.png"
PAY_PAGE_PATH = "/webhooks/payments/pay/{ref}"


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
    upi_link: str
    bill_month: str = ""
    payment_url: Optional[str] = None   # the gateway's (or demo) payment page
    qr_url: Optional[str] = None        # PNG of upi_link, served by channels/payments.py


def payment_note(ivrs: str, bill_month: str) -> str:
    """The UPI note (tn). The same in every language, so a link can be rebuilt."""
    return t("payment_note", "en", ivrs=ivrs, month=bill_month)


def upi_link_for(settings: Settings, ref: str, ivrs: str, bill_month: str, amount_paise: int) -> str:
    return upi_link(settings.upi_vpa, settings.upi_payee_name, amount_paise, ref,
                    payment_note(ivrs, bill_month))


def qr_url(settings: Settings, ref: str) -> str:
    return settings.public_base_url + QR_PATH.format(ref=ref)


def demo_page_url(settings: Settings, ref: str) -> str:
    return settings.public_base_url + PAY_PAGE_PATH.format(ref=ref)


def receipt_number(payment_id: int, paid_at: datetime) -> str:
    """Unique per payment (the row id), dated in IST: 'R261125000042'."""
    return f"R{to_ist(paid_at):%y%m%d}{payment_id:06d}"


def create_payment_request(session: Session, bill: BillView, sender: str, *, vpa: str,
                           payee: str, note: str, provider: str = "demo") -> PaymentRequest:
    """Store a pending payment for the amount due and return its UPI link.

    Each call gets a new unique reference. The caller's session commits.
    """
    amount = bill.due_paise
    if amount <= 0:
        raise NothingDue(bill.ivrs, bill.bill_month)
    ref = new_payment_ref()
    link = upi_link(vpa, payee, amount, ref, note)
    session.add(Payment(ref=ref, ivrs=bill.ivrs, bill_id=bill.bill_id, sender=sender or "",
                        amount_paise=amount, status="pending", provider=provider))
    session.flush()
    return PaymentRequest(ref=ref, ivrs=bill.ivrs, amount_paise=amount, upi_link=link,
                          bill_month=bill.bill_month)


def get_payment(session: Session, ref: str) -> Optional[Payment]:
    return session.execute(select(Payment).where(Payment.ref == ref)).scalar_one_or_none()


def request_payment(db: Database, settings: Settings, ivrs: str, sender: str,
                    provider=None, now: Optional[datetime] = None) -> PaymentRequest:
    """Create a payment request for the current bill of ``ivrs`` at the provider.

    1. a pending payment is committed (so a webhook can always find it);
    2. the provider makes its link, with no database transaction held open;
    3. the link id is stored. If the provider fails, the payment is marked
       failed (never left pending without a link) and ``GatewayError`` is raised.
    Raises ``NoBill`` or ``NothingDue`` before anything is written.
    """
    from bijli.payments.gateway import GatewayError, LinkRequest, provider_for

    provider = provider or provider_for(settings)
    now = now or utcnow()
    with db.session() as s:
        view = current_bill_view(s, ivrs)
        if view is None:
            raise NoBill(ivrs)
        req = create_payment_request(
            s, view, sender, vpa=settings.upi_vpa, payee=settings.upi_payee_name,
            note=payment_note(ivrs, view.bill_month), provider=provider.name)
    link_request = LinkRequest(
        ref=req.ref, amount_paise=req.amount_paise, ivrs=ivrs,
        description=payment_note(ivrs, req.bill_month), upi_link=req.upi_link,
        expire_by=int(now.replace(tzinfo=timezone.utc).timestamp())
        + 60 * settings.payment_link_expiry_minutes)
    try:
        link = provider.create_link(link_request)
    except GatewayError as e:
        with db.session() as s:
            payment = get_payment(s, req.ref)
            if payment is not None and payment.status == "pending":
                payment.status = "failed"
        logger.warning("payment %s for %s: %s could not create a link: %s",
                       req.ref, mask_mobile(sender), provider.name, e)
        raise
    with db.session() as s:
        payment = get_payment(s, req.ref)
        payment.provider_link_id = link.link_id
    logger.info("payment %s requested for %s via %s", req.ref, mask_mobile(sender), provider.name)
    return replace(req, payment_url=link.url, qr_url=qr_url(settings, req.ref))


__all__ = [
    "NothingDue", "NoBill", "PaymentRequest", "create_payment_request", "request_payment",
    "get_payment", "payment_note", "upi_link_for", "qr_url", "demo_page_url", "to_ist",
    "format_ist", "receipt_number", "IST",
]
