"""Payment requests: a pending payment record plus its UPI link."""
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bijli.billing import BillView
from bijli.models import Payment
from bijli.upi import new_payment_ref, upi_link


class NothingDue(Exception):
    pass


@dataclass(frozen=True)
class PaymentRequest:
    ref: str
    ivrs: str
    amount_paise: int
    upi_link: str


def create_payment_request(session: Session, bill: BillView, sender: str, *, vpa: str,
                           payee: str, note: str, provider: str = "demo") -> PaymentRequest:
    """Store a pending payment for the amount due and return its UPI link.

    Each call gets a new unique reference. The caller's session commits.
    """
    amount = bill.due_paise
    if amount <= 0:
        raise NothingDue(bill.ivrs)
    ref = new_payment_ref()
    link = upi_link(vpa, payee, amount, ref, note)
    session.add(Payment(ref=ref, ivrs=bill.ivrs, bill_id=bill.bill_id, sender=sender or "",
                        amount_paise=amount, status="pending", provider=provider))
    session.flush()
    return PaymentRequest(ref=ref, ivrs=bill.ivrs, amount_paise=amount, upi_link=link)
