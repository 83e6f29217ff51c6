"""Read-only views of payments for replies (detached from the session)."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, List, Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bijli.models import Bill, Payment

PENDING_EXPLAIN_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class PaymentView:
    ref: str
    ivrs: str
    sender: str
    bill_month: str
    amount_paise: int
    status: str
    provider: str
    provider_link_id: Optional[str]
    paid_amount_paise: Optional[int]
    amount_mismatch: bool
    receipt_no: Optional[str]
    created_at: datetime
    paid_at: Optional[datetime]
    bill_due_paise: int

    def pending_too_long(self, now: datetime) -> bool:
        return self.status == "pending" and now - self.created_at > PENDING_EXPLAIN_AFTER


def _view(payment: Payment, bill: Bill) -> PaymentView:
    return PaymentView(
        ref=payment.ref, ivrs=payment.ivrs, sender=payment.sender, bill_month=bill.bill_month,
        amount_paise=payment.amount_paise, status=payment.status, provider=payment.provider,
        provider_link_id=payment.provider_link_id, paid_amount_paise=payment.paid_amount_paise,
        amount_mismatch=bool(payment.amount_mismatch), receipt_no=payment.receipt_no,
        created_at=payment.created_at, paid_at=payment.paid_at,
        bill_due_paise=max(0, bill.amount_paise - (bill.paid_paise or 0)),
    )


def payment_view(session: Session, ref: str) -> Optional[PaymentView]:
    row = session.execute(
        select(Payment, Bill).join(Bill, Bill.id == Payment.bill_id).where(Payment.ref == ref)
    ).first()
    return _view(*row) if row else None


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
    rows = session.execute(
        select(Payment, Bill).join(Bill, Bill.id == Payment.bill_id).where(or_(*conditions))
        .order_by(Payment.created_at.desc(), Payment.id.desc()).limit(limit)
    ).all()
    return [_view(p, b) for p, b in rows]
