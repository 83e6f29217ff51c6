"""Refunds: the gateway's refund events and the operators' ``bijli payments refunded``.

One refund is one ``payment_refunds`` row, whichever side reports it first: a gateway
event finds the row by its refund id, else an operator's record of the same payment and
amount that has no gateway id yet; an operator's record finds a gateway refund of the
payment the same way. A refund changes the bill once, when it is processed:

- money the bill never got (a flagged overpayment's surplus, ``refund_due``) goes back
  first and leaves the bill as it is;
- the rest was credited to the bill, so the bill's paid amount drops by it (never
  below zero, never by more than this payment credited) and the amount due comes back.

The payment's ``refunded_paise`` is the total gone back; ``refunded_at`` is set once
everything owed back (the surplus of an overpayment, else the whole payment) is back.
"""
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bijli.models import Payment, PaymentEvent, PaymentRefund, utcnow
from bijli.payments import lock_bill
from bijli.payments.queries import PaymentView, payment_view, refund_key

logger = logging.getLogger(__name__)

NOTE_LENGTH = 255       # payments.refund_note
PROCESSED = "processed"


class RefundError(Exception):
    """Why a payment cannot be marked refunded; ``code`` names the reason."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Recorded:
    """What ``mark_refunded`` did: the payment now, and the gateway refund it matched."""

    view: PaymentView
    matched: Optional[str] = None       # the gateway refund id the record was matched to


def surplus_paise(session: Session, payment: Payment) -> int:
    """What the bill never got from this payment (an overpayment's amount to refund)."""
    amount = session.execute(select(PaymentEvent.amount_paise)
                             .where(PaymentEvent.event_key == refund_key(payment.ref))
                             ).scalar_one_or_none()
    return int(amount or 0)


def _debited(session: Session, ref: str) -> int:
    return int(session.execute(select(func.coalesce(func.sum(PaymentRefund.debited_paise), 0))
                               .where(PaymentRefund.payment_ref == ref)).scalar_one())


def settle(session: Session, payment: Payment, row: PaymentRefund, now: datetime) -> int:
    """Mark ``row`` processed and take what the bill had been credited off the bill; returns that."""
    bill = lock_bill(session, payment.bill_id)
    surplus = surplus_paise(session, payment)
    before = int(payment.refunded_paise or 0)
    from_surplus = min(row.amount_paise, max(0, surplus - before))
    credited = max(0, int(payment.paid_amount_paise or 0) - surplus)
    debit = max(0, min(row.amount_paise - from_surplus, credited - _debited(session, payment.ref),
                       int(bill.paid_paise or 0)))
    row.status, row.processed_at, row.debited_paise = PROCESSED, now, debit
    payment.refunded_paise = before + row.amount_paise
    if debit:
        bill.paid_paise = int(bill.paid_paise or 0) - debit
        if not bill.paid_paise:
            bill.paid_at = None
    owed_back = surplus if payment.flagged and surplus else int(payment.paid_amount_paise or 0)
    if payment.refunded_at is None and payment.refunded_paise >= owed_back:
        payment.refunded_at = now
    logger.info("payment %s: refund %s of %d paise processed; the bill lost %d paise of credit",
                payment.ref, row.gateway_refund_id or "(operator)", row.amount_paise, debit)
    return debit


def _target_status(event_type: str, entity_status: Optional[str]) -> str:
    if event_type == "refund.processed":
        return PROCESSED
    if event_type == "refund.failed":
        return "failed"
    return PROCESSED if entity_status == PROCESSED else "pending"


def apply_gateway_refund(session: Session, payment: Payment, event_type: str, refund_id: str,
                         amount_paise: int, entity_status: Optional[str], now: datetime) -> str:
    """A refund event of ``payment`` (bill and payment locked by the caller); the result name."""
    status = _target_status(event_type, entity_status)
    row = session.execute(select(PaymentRefund).where(PaymentRefund.gateway_refund_id == refund_id)
                          ).scalar_one_or_none()
    if row is None:
        # The operator may have recorded this refund first (no gateway id then).
        row = session.execute(select(PaymentRefund).where(
            PaymentRefund.payment_ref == payment.ref, PaymentRefund.gateway_refund_id.is_(None),
            PaymentRefund.amount_paise == amount_paise, PaymentRefund.status != "failed")
            .order_by(PaymentRefund.id).limit(1)).scalar_one_or_none()
        if row is not None:
            row.gateway_refund_id = refund_id
            logger.info("payment %s: gateway refund %s matched the operator's record",
                        payment.ref, refund_id)
    if row is None:
        row = PaymentRefund(payment_ref=payment.ref, gateway_refund_id=refund_id,
                            amount_paise=amount_paise, status="pending", source="gateway",
                            created_at=now)
        session.add(row)
        session.flush()
    if row.status == PROCESSED:
        if status == "failed":
            logger.warning("payment %s: refund %s reported failed after it was processed; "
                           "nothing changed, check at the gateway", payment.ref, refund_id)
        return "unchanged"
    if status == PROCESSED:
        settle(session, payment, row, now)
        return "refunded"
    if status == "failed":
        row.status = "failed"
        logger.warning("payment %s: refund %s failed at the gateway", payment.ref, refund_id)
        return "refund_failed"
    return "refund_pending"


def mark_refunded(session: Session, ref: str, note: str, now: Optional[datetime] = None,
                  refund_id: Optional[str] = None) -> Recorded:
    """Record the refund of flagged payment ``ref``: once, with a note, matched to the gateway's."""
    note = (note or "").strip()
    if not note:
        raise RefundError("no_note")
    if len(note) > NOTE_LENGTH:
        raise RefundError("note_too_long")
    now = now or utcnow()
    found = session.execute(select(Payment.bill_id).where(Payment.ref == ref)).scalar_one_or_none()
    if found is None:
        raise RefundError("not_found")
    lock_bill(session, found)       # one writer at a time: an operator, or the gateway's event
    payment = session.execute(select(Payment).where(Payment.ref == ref)
                              .execution_options(populate_existing=True)).scalar_one()
    if not payment.flagged:
        raise RefundError("not_flagged")
    gateway = session.execute(select(PaymentRefund).where(
        PaymentRefund.payment_ref == ref, PaymentRefund.source == "gateway",
        PaymentRefund.note.is_(None), PaymentRefund.status != "failed",
        *([PaymentRefund.gateway_refund_id == refund_id] if refund_id else []))
        .order_by(PaymentRefund.id).limit(1)).scalar_one_or_none()
    if gateway is not None:
        # The gateway reported it first: the operator's record is the same refund.
        gateway.note = note
        if gateway.status != PROCESSED:
            settle(session, payment, gateway, now)
        if not payment.refund_note:
            payment.refund_note = note
        logger.info("payment %s: operator's refund record matched gateway refund %s", ref,
                    gateway.gateway_refund_id)
        return Recorded(_view(session, ref), matched=gateway.gateway_refund_id)
    if payment.refunded_at is not None:
        raise RefundError("already_refunded")
    amount = max(0, surplus_paise(session, payment) - int(payment.refunded_paise or 0))
    row = PaymentRefund(payment_ref=ref, gateway_refund_id=refund_id, amount_paise=amount,
                        status="pending", source="operator", note=note, created_at=now)
    session.add(row)
    session.flush()
    settle(session, payment, row, now)
    payment.refunded_at = payment.refunded_at or now
    payment.refund_note = note
    logger.info("payment %s: refund recorded by an operator", ref)
    return Recorded(_view(session, ref))


def refunded_amounts(session: Session, refs: Iterable[str]) -> Dict[str, int]:
    """``{payment ref: paise gone back}`` for the payments with a processed refund."""
    refs = list(refs)
    if not refs:
        return {}
    rows = session.execute(select(Payment.ref, Payment.refunded_paise).where(
        Payment.ref.in_(refs), Payment.refunded_paise > 0)).all()
    return {ref: int(amount) for ref, amount in rows}


def _view(session: Session, ref: str) -> PaymentView:
    session.flush()
    view = payment_view(session, ref)
    if view is None:   # read in this transaction a moment ago
        raise RefundError("not_found")
    return view
