"""Operators record that an overpayment went back to the payer (``bijli payments refunded``)."""
import logging
from datetime import datetime
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bijli.models import Payment, utcnow
from bijli.payments.queries import PaymentView, payment_view

logger = logging.getLogger(__name__)

NOTE_LENGTH = 255       # payments.refund_note


class RefundError(Exception):
    """Why a payment cannot be marked refunded; ``code`` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def mark_refunded(session: Session, ref: str, note: str, now: Optional[datetime] = None) -> PaymentView:
    """Record the refund of flagged payment ``ref``: only once, only with a note."""
    note = (note or "").strip()
    if not note:
        raise RefundError("no_note")
    if len(note) > NOTE_LENGTH:
        raise RefundError("note_too_long")
    payment = session.execute(select(Payment).where(Payment.ref == ref).with_for_update()
                              ).scalar_one_or_none()
    if payment is None:
        raise RefundError("not_found")
    if not payment.flagged:
        raise RefundError("not_flagged")
    if payment.refunded_at is not None:
        raise RefundError("already_refunded")
    # Conditional, so two operators at once record one refund (SQLite has no row locks).
    done = session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.refunded_at.is_(None))
        .values(refunded_at=now or utcnow(), refund_note=note)
        .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise RefundError("already_refunded")
    session.expire(payment)
    logger.info("payment %s: refund recorded", ref)
    view = payment_view(session, ref)
    if view is None:   # read in this transaction a moment ago
        raise RefundError("not_found")
    return view
