"""Read-only views of payments for replies and operators (detached from the session),
and a connection's account history (its last bills and confirmed payments)."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bijli.billing import get_consumer, recent_bills
from bijli.models import Bill, Payment, PaymentEvent, utcnow

PENDING_EXPLAIN_AFTER = timedelta(minutes=15)
# How much of an account's history the "past bills" reply shows.
HISTORY_BILLS = 6
HISTORY_PAYMENTS = 5
# An overpayment's amount to refund is kept as a payment_events row (webhook.py).
REFUND_EVENT = "refund_due"


def refund_key(ref: str) -> str:
    """The ``payment_events.event_key`` of the refund due on payment ``ref``."""
    return "refund:" + ref


@dataclass(frozen=True)
class PaymentView:
    ref: str
    ivrs: str
    sender: str
    bill_month: str
    amount_paise: int
    status: str         # as stored, except that an open request past its expiry reads "expired"
    provider: str
    provider_link_id: Optional[str]
    paid_amount_paise: Optional[int]
    amount_mismatch: bool
    receipt_no: Optional[str]
    created_at: datetime
    paid_at: Optional[datetime]
    bill_due_paise: int
    upi_string: Optional[str] = None
    payment_url: Optional[str] = None
    qr_image_url: Optional[str] = None
    expires_at: Optional[datetime] = None
    flagged: bool = False
    flag_reason: Optional[str] = None
    refund_paise: int = 0               # what must go back to the payer (overpayment)
    refunded_at: Optional[datetime] = None
    refund_note: Optional[str] = None
    refunded_paise: int = 0             # gone back to the payer so far (gateway refunds, operators' records)

    def pending_too_long(self, now: datetime) -> bool:
        return self.status == "pending" and now - self.created_at > PENDING_EXPLAIN_AFTER

    @property
    def credited_paise(self) -> int:
        """What this payment added to its bill."""
        return max(0, (self.paid_amount_paise or 0) - self.refund_paise) if self.status == "paid" else 0


def _status(payment: Payment, now: datetime) -> str:
    if payment.status in ("pending", "failed") and payment.expires_at is not None \
            and payment.expires_at <= now:
        return "expired"
    return payment.status


def _view(payment: Payment, bill: Bill, refund: int = 0, now: Optional[datetime] = None) -> PaymentView:
    return PaymentView(
        ref=payment.ref, ivrs=payment.ivrs, sender=payment.sender, bill_month=bill.bill_month,
        amount_paise=payment.amount_paise, status=_status(payment, now or utcnow()),
        provider=payment.provider, provider_link_id=payment.provider_link_id,
        paid_amount_paise=payment.paid_amount_paise, amount_mismatch=bool(payment.amount_mismatch),
        receipt_no=payment.receipt_no, created_at=payment.created_at, paid_at=payment.paid_at,
        bill_due_paise=max(0, bill.amount_paise - (bill.paid_paise or 0)),
        upi_string=payment.upi_string, payment_url=payment.payment_url,
        qr_image_url=payment.qr_image_url, expires_at=payment.expires_at,
        flagged=bool(payment.flagged), flag_reason=payment.flag_reason, refund_paise=refund,
        refunded_at=payment.refunded_at, refund_note=payment.refund_note,
        refunded_paise=payment.refunded_paise or 0,
    )


def _refunds(session: Session, payments: Iterable[Payment]) -> Dict[str, int]:
    keys = {refund_key(p.ref): p.ref for p in payments if p.flagged}
    if not keys:
        return {}
    rows = session.execute(select(PaymentEvent.event_key, PaymentEvent.amount_paise)
                           .where(PaymentEvent.event_key.in_(list(keys)))).all()
    return {keys[k]: int(a or 0) for k, a in rows}


def _views(session: Session, rows, now: Optional[datetime] = None) -> List[PaymentView]:
    refunds = _refunds(session, [p for p, _ in rows])
    return [_view(p, b, refunds.get(p.ref, 0), now) for p, b in rows]


def payment_view(session: Session, ref: str, now: Optional[datetime] = None) -> Optional[PaymentView]:
    """The payment with this reference, with its bill and refund, or None."""
    row = session.execute(
        select(Payment, Bill).join(Bill, Bill.id == Payment.bill_id).where(Payment.ref == ref)
    ).first()
    return _views(session, [row], now)[0] if row else None


def latest_payments(session: Session, ivrs: Iterable[str] = (), sender: Optional[str] = None,
                    limit: int = 5) -> List[PaymentView]:
    """The newest payments of these connections and/or made from this sender."""
    ivrs = [i for i in ivrs if i]
    conditions = []
    if ivrs:
        conditions.append(Payment.ivrs.in_(ivrs))
    if sender:
        conditions.append(Payment.sender == sender)
    if not conditions:
        return []
    return payments_matching(session, or_(*conditions), limit)


def payments_matching(session: Session, where, limit: int = 5) -> List[PaymentView]:
    """The newest payments matching the SQL condition ``where``: one query for the rows,
    one for their refunds."""
    rows = session.execute(
        select(Payment, Bill).join(Bill, Bill.id == Payment.bill_id).where(where)
        .order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
    ).all()
    return _views(session, rows)


def list_payments(session: Session, *, flagged: bool = False, ivrs: Optional[str] = None,
                  limit: int = 200, now: Optional[datetime] = None) -> List[PaymentView]:
    """Payments for operators, newest first: all, only flagged ones, or one connection's."""
    query = select(Payment, Bill).join(Bill, Bill.id == Payment.bill_id)
    if flagged:
        query = query.where(Payment.flagged.is_(True))
    if ivrs:
        query = query.where(Payment.ivrs == ivrs)
    rows = session.execute(query.order_by(Payment.created_at.desc(), Payment.id.desc())
                           .limit(limit)).all()
    return _views(session, rows, now)


# -- account history (past bills and payments) ----------------------------------

@dataclass(frozen=True)
class BillLine:
    """One past bill with what was paid against it."""

    bill_month: str
    units: int
    amount_paise: int
    paid_paise: int

    @property
    def state(self) -> str:
        """paid | partly | unpaid | nothing (a zero bill)."""
        if self.amount_paise <= 0:
            return "nothing"
        if self.paid_paise >= self.amount_paise:
            return "paid"
        return "partly" if self.paid_paise > 0 else "unpaid"

    @property
    def due_paise(self) -> int:
        """What is still owed on this bill (never negative)."""
        return max(0, self.amount_paise - self.paid_paise)


@dataclass(frozen=True)
class PaymentLine:
    """One confirmed payment: when (naive UTC), how much, and its receipt."""

    paid_at: datetime
    amount_paise: int
    receipt: str


@dataclass(frozen=True)
class History:
    """A connection's recent bills (newest first) and confirmed payments (latest first)."""

    ivrs: str
    name: str
    bills: List[BillLine]
    payments: List[PaymentLine]


def account_history(session: Session, ivrs: str, bills: int = HISTORY_BILLS,
                    payments: int = HISTORY_PAYMENTS) -> Optional[History]:
    """The last ``bills`` bills (newest first) and the last ``payments`` confirmed
    payments of a connection, or None if there is no such consumer.

    Who may see it is the caller's decision (bijli.access.owns)."""
    consumer = get_consumer(session, ivrs)
    if consumer is None:
        return None
    lines = [BillLine(b.bill_month, b.units, b.amount_paise, b.paid_paise or 0)
             for b in recent_bills(session, ivrs, bills)]
    paid = session.execute(
        select(Payment).where(Payment.ivrs == ivrs, Payment.status == "paid")
        .order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(payments)
    ).scalars()
    pays = [PaymentLine(p.paid_at or p.created_at, p.paid_amount_paise or p.amount_paise,
                        p.receipt_no or p.ref) for p in paid]
    return History(ivrs=ivrs, name=consumer.name, bills=lines, payments=pays)
