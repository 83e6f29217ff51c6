"""Who may see a connection's history (issue 8, part 5).

Anyone who knows an IVRS number may see its current bill and pay it: that is
the discom's own walk-through. The history (past bills, payments with their
references and receipts, complaints) belongs to the consumer, so it is shown
only to

- the connection's registered mobile (the sender id is that phone number), or
- the sender who made that payment or filed that complaint (they see their
  own, never anyone else's).

A complaint number is a docket: whoever holds it may look it up (not here).
"""
import re
from typing import Iterable, List, Optional

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bijli.billing import consumers_by_mobile, get_consumer
from bijli.complaints import ComplaintView, view_of
from bijli.models import Complaint, Payment
from bijli.payments.queries import PaymentView, payments_matching

# A sender id that is an Indian phone number: a WhatsApp wa_id (919812345678),
# Twilio's "whatsapp:+91...", or the bare 10 digits. Anything else (a web-chat
# UUID that happens to hold 10 digits, a foreign number ending in the same 10
# digits) proves no mobile, so it owns nothing.
_PHONE_SENDER = re.compile(r"^(?:whatsapp:)?\+?(?:91|0)?(\d{10})$", re.I)


def sender_mobile(sender: Optional[str]) -> str:
    """The 10-digit mobile a sender id stands for ('' if it is not a phone number)."""
    m = _PHONE_SENDER.match((sender or "").strip().replace(" ", ""))
    return m.group(1) if m else ""


def own_connections(session: Session, sender: str) -> List[str]:
    """IVRS numbers registered to the sender's mobile, in IVRS order."""
    return [c.ivrs for c in consumers_by_mobile(session, sender_mobile(sender))]


def owns(session: Session, sender: str, ivrs: str) -> bool:
    """True if ``sender`` writes from the registered mobile of connection ``ivrs``."""
    mobile = sender_mobile(sender)
    if not mobile or not ivrs:
        return False
    consumer = get_consumer(session, ivrs)
    return consumer is not None and bool(consumer.mobile) and consumer.mobile == mobile


def _scope(session: Session, sender: str, ivrs_list: Optional[Iterable[str]], ivrs_col, sender_col):
    """The WHERE clause for what ``sender`` may see of ``ivrs_list`` (None: all their own).

    Connections the sender owns: everything. Any other connection: only rows
    whose ``sender_col`` is this sender. ``None`` for "nothing visible".
    """
    mine = own_connections(session, sender)
    if ivrs_list is None:
        owned, asked = mine, None
    else:
        asked = [i for i in ivrs_list if i]
        owned = [i for i in asked if i in mine]
    conditions = []
    if owned:
        conditions.append(ivrs_col.in_(owned))
    if sender:  # payments made elsewhere carry sender "": they are never "one's own"
        by_me = sender_col == sender
        conditions.append(by_me if asked is None else and_(by_me, ivrs_col.in_(asked)))
    return or_(*conditions) if conditions else None


def visible_payments(session: Session, sender: str, ivrs_list: Optional[Iterable[str]] = None,
                     limit: int = 5) -> List[PaymentView]:
    """The newest payments ``sender`` may see: of ``ivrs_list``, or (None) of their own
    connections plus those they made themselves."""
    where = _scope(session, sender, ivrs_list, Payment.ivrs, Payment.sender)
    if where is None:
        return []
    return payments_matching(session, where, limit)


def visible_complaints(session: Session, sender: str, ivrs_list: Optional[Iterable[str]] = None,
                       limit: int = 3) -> List[ComplaintView]:
    """The newest complaints ``sender`` may see: of ``ivrs_list``, or (None) of their own
    connections plus those they filed themselves."""
    where = _scope(session, sender, ivrs_list, Complaint.ivrs, Complaint.sender)
    if where is None:
        return []
    rows = session.execute(
        select(Complaint).where(where).order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(limit)
    ).scalars()
    return [view_of(c) for c in rows]


def filed_by(session: Session, sender: str, number: str) -> bool:
    """True if ``sender`` filed complaint ``number``."""
    if not sender:
        return False
    found = session.execute(
        select(Complaint.id).where(Complaint.number == number, Complaint.sender == sender)
    ).first()
    return found is not None
