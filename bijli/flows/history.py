"""Past bills and payment history (main menu "View bill / past bills", or
the ``past_bills`` intent).

The connection is found by the bill lookup (IVRS number, or the sender's
registered mobile) with purpose ``history``; then the last 6 bills, the last
payments and the current bill (with its Pay option) are shown. Names are
masked. The history is the consumer's own (bijli/access.py): any other sender
is told to write from the registered mobile and gets only the current bill,
which anyone with the IVRS number may see and pay.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bijli.access import owns
from bijli.billing import current_bill_view, get_consumer, recent_bills
from bijli.timefmt import format_ist
from bijli.timefmt import month_label
from bijli.flows import billing
from bijli.flows.core import Reply, Services, Turn
from bijli.i18n import t
from bijli.models import Payment
from bijli.money import format_inr
from bijli.privacy import mask_name

PURPOSE = "history"
BILLS = 6
PAYMENTS = 5


@dataclass(frozen=True)
class BillLine:
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
        return max(0, self.amount_paise - self.paid_paise)


@dataclass(frozen=True)
class PaymentLine:
    paid_at: datetime
    amount_paise: int
    receipt: str


@dataclass(frozen=True)
class History:
    ivrs: str
    name: str
    bills: List[BillLine]
    payments: List[PaymentLine]


def history(session: Session, ivrs: str, bills: int = BILLS, payments: int = PAYMENTS) -> Optional[History]:
    """The last ``bills`` bills (newest first) and the last confirmed payments."""
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


def render(h: History, lang: str) -> str:
    out = [t("history_header", lang, count=len(h.bills), ivrs=h.ivrs, name=mask_name(h.name))]
    for b in h.bills:
        state = t("history_state_" + b.state, lang, due=format_inr(b.due_paise))
        out.append(t("history_bill_line", lang, month=month_label(b.bill_month), units=b.units,
                     amount=format_inr(b.amount_paise), state=state))
    out.append("")
    if h.payments:
        out.append(t("history_payments_header", lang))
        for p in h.payments:
            out.append(t("history_payment_line", lang, paid_at=format_ist(p.paid_at),
                         amount=format_inr(p.amount_paise), receipt=p.receipt))
    else:
        out.append(t("history_no_payments", lang))
    return "\n".join(out)


# -- flow -------------------------------------------------------------------------

def start(turn: Turn, services: Services, r: Reply) -> Reply:
    """Find the connection (IVRS in the message, else mobile/IVRS menu)."""
    return billing.start_lookup(turn, services, r, PURPOSE)


def after_lookup(turn: Turn, services: Services, r: Reply, ivrs: str) -> Reply:
    """billing.lookup found the connection: history (to its owner only), then the current bill."""
    with services.db.session() as s:
        mine = owns(s, turn.sender, ivrs)
        h = history(s, ivrs) if mine else None
        view = current_bill_view(s, ivrs)
    if view is None or (mine and (h is None or not h.bills)):
        r.say("no_bill", ivrs=ivrs)
        return r.show_menu("main")
    if mine:
        r.text(render(h, r.lang))
    else:
        r.say("privacy_owner_only", ivrs=ivrs)
        r.say("privacy_current_bill_follows")
    return billing.present_bill(turn, services, r, view)
