"""The Pay step: the sender's one open request of a bill, reused or made at the provider.

A request belongs to the sender it was made for (issue 18): the webhook tells
that sender's conversation when it is paid, and the payment is in their
history. So another sender's Pay for the same bill never gets it back; it gets a
request of its own.

Under the bill's row lock (``lock_bill``), in one transaction, the bill's open
requests are sorted out: the sender's unexpired one for the amount now due is
shown again; expired ones (anyone's) become ``expired``; ones for another amount
(after a part payment) or another provider become ``cancelled``, as do the
sender's extra ones; a request another Pay of the same sender is still making is
waited for (it is committed before its gateway call). Another sender's current
request is left open. Only then, with no transaction open, is a new request made
at the gateway, and the closed ones are cancelled there. So two Pays at once by
one sender show one reference.
"""
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bijli.billing import BillView, current_bill_view
from bijli.db import Database
from bijli.models import Payment, utcnow
from bijli.payments import (
    OPEN_STATUSES,
    CancelTarget,
    NoBill,
    NothingDue,
    PaymentRequest,
    cancel_at_gateway,
    cancel_target,
    get_payment,
    has_link,
    is_expired,
    lock_bill,
    payment_note,
    qr_image_for,
    shown_upi,
    upi_link_for,
)
from bijli.privacy import mask_mobile
from bijli.settings import Settings
from bijli.upi import new_payment_ref

logger = logging.getLogger(__name__)

WAIT_STEP_SECONDS = 0.25        # polling for a request another Pay is still creating


def _shown(settings: Settings, p: Payment, reused: bool = False) -> PaymentRequest:
    upi = shown_upi(settings, p) or ""
    return PaymentRequest(ref=p.ref, ivrs=p.ivrs, amount_paise=p.amount_paise, upi_link=upi,
                          bill_month=p.bill.bill_month, payment_url=p.payment_url,
                          qr_url=qr_image_for(settings, p.ref, upi, p.qr_image_url), reused=reused)


@dataclass
class _Plan:
    cancel: List[CancelTarget]
    reuse: Optional[PaymentRequest] = None      # an open request to show again
    wait_for: Optional[str] = None              # a request another Pay is creating
    new: Optional[PaymentRequest] = None        # committed pending; needs its link


def _plan(s: Session, settings: Settings, view: BillView, sender: str, provider_name: str,
          now: datetime) -> _Plan:
    """Under the bill's lock: reuse, wait for, or create the sender's one open request."""
    sender = sender or ""
    bill = lock_bill(s, view.bill_id)
    if bill.due_paise <= 0:
        raise NothingDue(view.ivrs, view.bill_month)
    in_flight = timedelta(seconds=2 * settings.payment_deadline_seconds + 5)
    plan = _Plan(cancel=[])
    keep: Optional[Payment] = None
    rows = s.execute(select(Payment).where(Payment.bill_id == bill.id,
                                           Payment.status.in_(OPEN_STATUSES))
                     .order_by(Payment.id.desc())).scalars().all()
    for p in rows:
        current = p.amount_paise == bill.due_paise and p.provider == provider_name
        mine = p.sender == sender
        if not has_link(p):
            if p.status != "pending":
                continue                # its creation failed: never open at the gateway
            if now - p.created_at > in_flight:
                p.status = "failed"     # its Pay died before the gateway answered
            elif keep is None and mine and current:
                keep = p                # another Pay of this sender is making it right now
            elif mine or not current:
                p.status = "cancelled"  # its maker cancels it at the gateway when it sees this
            continue                    # else another sender's, being made: theirs
        # Rows from before requests had an expiry are never reused either.
        if p.expires_at is None or is_expired(p, now):
            p.status = "expired"
            plan.cancel.append(cancel_target(p))
        elif keep is None and mine and current:
            keep = p
        elif mine or not current:
            p.status = "cancelled"      # superseded: the amount due changed, or the provider
            plan.cancel.append(cancel_target(p))
        # else another sender's open request: it stays theirs, and payable
    if keep is not None and has_link(keep):
        keep.status = "pending"         # a failed attempt is tried again on the same link
        plan.reuse = _shown(settings, keep, reused=True)
    elif keep is not None:
        plan.wait_for = keep.ref
    else:
        ref = new_payment_ref(now)
        static = upi_link_for(settings, ref, view.ivrs, view.bill_month, bill.due_paise)
        s.add(Payment(ref=ref, ivrs=view.ivrs, bill_id=bill.id, sender=sender,
                      amount_paise=bill.due_paise, status="pending", provider=provider_name,
                      created_at=now,
                      expires_at=now + timedelta(minutes=settings.payment_link_expiry_minutes)))
        plan.new = PaymentRequest(ref=ref, ivrs=view.ivrs, amount_paise=bill.due_paise,
                                  upi_link=static, bill_month=view.bill_month)
    return plan


def _await_link(db: Database, settings: Settings, ref: str, sleep: Callable[[float], None]
                ) -> PaymentRequest:
    """Another Pay of this sender is creating its request: show it once its link is stored."""
    from bijli.payments.gateway import GatewayError

    steps = int((settings.payment_deadline_seconds + 1) / WAIT_STEP_SECONDS) + 1
    for _ in range(steps):
        sleep(WAIT_STEP_SECONDS)
        with db.session() as s:
            p = get_payment(s, ref)
            if p is None or p.status != "pending":
                break
            if has_link(p):
                return _shown(settings, p, reused=True)
    raise GatewayError(f"request {ref}, made by another Pay, got no link", retryable=True)


def _store_link(db: Database, settings: Settings, req: PaymentRequest, provider, link
                ) -> PaymentRequest:
    from bijli.payments.gateway import GatewayError

    upi = link.upi_string or (req.upi_link if provider.name == "demo" else None)
    with db.session() as s:
        p = get_payment(s, req.ref)
        if p is None:   # _plan committed it; only an operator's hand removes it meanwhile
            raise GatewayError(f"payment {req.ref} left the database before its link was stored")
        p.provider_link_id, p.payment_url = link.link_id, link.url
        p.provider_qr_id, p.qr_image_url, p.upi_string = link.qr_id, link.qr_image_url, upi
        still_open = p.status == "pending" and upi is not None
        if not still_open and p.status == "pending":
            p.status = "failed"
        target = cancel_target(p)
        shown = _shown(settings, p) if still_open else None
    if shown is None:
        cancel_at_gateway(settings, [target], provider)
        raise GatewayError(f"request {req.ref}: no UPI string from the gateway, or superseded "
                           "while it was being made", retryable=True)
    return shown


def request_payment(db: Database, settings: Settings, ivrs: str, sender: str, provider=None,
                    now: Optional[datetime] = None, sleep: Callable[[float], None] = time.sleep
                    ) -> PaymentRequest:
    """The sender's open request for the current bill of ``ivrs``: reused, or made at the provider.

    A new request is committed as pending first (so a webhook can always find
    it), then the provider makes its link within ``PAYMENT_DEADLINE_SECONDS``,
    with no transaction open, and the link is stored. If the provider fails or
    is too slow, the request is marked failed and ``GatewayError`` is raised.
    Raises ``NoBill`` or ``NothingDue`` before anything is written.
    """
    from bijli.payments.gateway import GatewayError, LinkRequest, call_with_deadline, provider_for

    provider = provider or provider_for(settings)
    now = now or utcnow()
    with db.session() as s:
        view = current_bill_view(s, ivrs)
        if view is None:
            raise NoBill(ivrs)
        plan = _plan(s, settings, view, sender, provider.name, now)
    cancel_at_gateway(settings, plan.cancel, provider)
    if plan.reuse is not None:
        logger.info("payment %s shown again to %s", plan.reuse.ref, mask_mobile(sender))
        return plan.reuse
    if plan.wait_for is not None:
        return _await_link(db, settings, plan.wait_for, sleep)
    req = plan.new
    assert req is not None, "a plan reuses, waits for or makes a request"   # _plan sets one of the three
    link_request = LinkRequest(
        ref=req.ref, amount_paise=req.amount_paise, ivrs=ivrs,
        description=payment_note(ivrs, req.bill_month), upi_link=req.upi_link,
        expire_by=int(now.replace(tzinfo=timezone.utc).timestamp())
        + 60 * settings.payment_link_expiry_minutes)
    try:
        link = call_with_deadline(provider.create_link, link_request,
                                  deadline_seconds=settings.payment_deadline_seconds)
    except Exception as e:
        with db.session() as s:
            payment = get_payment(s, req.ref)
            if payment is not None and payment.status == "pending":
                payment.status = "failed"
        logger.warning("payment %s for %s: %s could not create a link: %s",
                       req.ref, mask_mobile(sender), provider.name, e)
        if isinstance(e, GatewayError):
            raise
        raise GatewayError(f"{provider.name} failed: {e.__class__.__name__}") from e
    shown = _store_link(db, settings, req, provider, link)
    logger.info("payment %s requested for %s via %s", req.ref, mask_mobile(sender), provider.name)
    return shown
