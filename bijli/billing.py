"""Billing queries: consumers, their current bill, lookups by mobile."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bijli.models import Bill, Consumer


@dataclass(frozen=True)
class BillView:
    """A detached, read-only view of a bill for replies."""

    ivrs: str
    name: str
    area_type: str
    bill_id: int
    bill_month: str
    bill_date: date
    due_date: date
    units: int
    amount_paise: int
    paid_paise: int
    paid_at: Optional[datetime]

    @property
    def due_paise(self) -> int:
        return max(0, self.amount_paise - self.paid_paise)


def get_consumer(session: Session, ivrs: str) -> Optional[Consumer]:
    """The consumer of this connection, or None."""
    return session.get(Consumer, ivrs)


def consumers_by_mobile(session: Session, mobile10: str) -> List[Consumer]:
    """The connections registered to a 10-digit mobile, in IVRS order (the order the menu lists them)."""
    if not mobile10 or len(mobile10) != 10:
        return []
    return list(session.execute(
        select(Consumer).where(Consumer.mobile == mobile10).order_by(Consumer.ivrs)
    ).scalars())


def current_bill(session: Session, ivrs: str) -> Optional[Bill]:
    """The newest bill of a connection (by bill month), or None."""
    return session.execute(
        select(Bill).where(Bill.ivrs == ivrs).order_by(Bill.bill_month.desc()).limit(1)
    ).scalar_one_or_none()


def recent_bills(session: Session, ivrs: str, limit: int = 6) -> List[Bill]:
    """The last ``limit`` bills of a connection, newest first."""
    return list(session.execute(
        select(Bill).where(Bill.ivrs == ivrs).order_by(Bill.bill_month.desc()).limit(limit)
    ).scalars())


def bill_view(consumer: Consumer, bill: Bill) -> BillView:
    """A detached view of a bill for replies, safe after the session has closed."""
    return BillView(
        ivrs=consumer.ivrs, name=consumer.name, area_type=consumer.area_type,
        bill_id=bill.id, bill_month=bill.bill_month, bill_date=bill.bill_date,
        due_date=bill.due_date, units=bill.units, amount_paise=bill.amount_paise,
        paid_paise=bill.paid_paise or 0, paid_at=bill.paid_at,
    )


def current_bill_view(session: Session, ivrs: str) -> Optional[BillView]:
    """The current bill's view, or None if there is no such consumer or no bill."""
    consumer = get_consumer(session, ivrs)
    if consumer is None:
        return None
    bill = current_bill(session, ivrs)
    return bill_view(consumer, bill) if bill else None
