"""The WhatsApp channel's durable state: seen message ids and per-contact marks."""
import logging
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.models import utcnow
from bijli.privacy import mask_mobile
from bijli.whatsapp.models import WAMID_LENGTH, WhatsAppContact, WhatsAppMessage

logger = logging.getLogger(__name__)

# Meta retries a webhook for up to 7 days; ids older than this can go.
KEEP_SEEN = timedelta(days=14)


def record_incoming(db: Database, wamid: str, sender: str, kind: str,
                    now: Optional[datetime] = None) -> bool:
    """Record an incoming message id; False if it was already recorded (a redelivery)."""
    now = now or utcnow()
    wamid = wamid[:WAMID_LENGTH]
    with db.session() as s:
        if s.execute(select(WhatsAppMessage.id).where(WhatsAppMessage.wamid == wamid)).first():
            return False
    try:
        with db.session() as s:
            s.add(WhatsAppMessage(wamid=wamid, sender=sender, kind=kind[:24], received_at=now))
    except IntegrityError:
        # Two deliveries of one message raced; the other one won.
        return False
    _touch_inbound(db, sender, now)
    return True


def _touch_inbound(db: Database, wa_id: str, now: datetime) -> None:
    # Separate from the dedup insert: a race on a new contact must not drop a message.
    for _ in range(2):
        try:
            with db.session() as s:
                contact = _contact(s, wa_id)
                contact.last_inbound_at = now
                contact.window_closed_at = None   # writing to us reopens the window
            return
        except IntegrityError:
            continue


def prune_seen(db: Database, now: Optional[datetime] = None) -> int:
    """Forget message ids older than ``KEEP_SEEN``; returns how many went."""
    cutoff = (now or utcnow()) - KEEP_SEEN
    with db.session() as s:
        return s.execute(delete(WhatsAppMessage).where(WhatsAppMessage.received_at < cutoff)).rowcount or 0


def _contact(s, wa_id: str) -> WhatsAppContact:
    contact = s.get(WhatsAppContact, wa_id)
    if contact is None:
        contact = WhatsAppContact(wa_id=wa_id)
        s.add(contact)
    return contact


def mark_opted_out(db: Database, wa_id: str, code: Optional[int], now: Optional[datetime] = None) -> None:
    """Meta said the user opted out (131050): part 3 stops reminders for this sender."""
    with db.session() as s:
        contact = _contact(s, wa_id)
        contact.opted_out_at = now or utcnow()
        contact.last_error_code = code
    logger.warning("whatsapp: %s opted out (%s); marked", mask_mobile(wa_id), code)


def mark_window_closed(db: Database, wa_id: str, code: Optional[int], now: Optional[datetime] = None) -> None:
    """Meta refused a free-form message outside the 24-hour window (131047)."""
    with db.session() as s:
        contact = _contact(s, wa_id)
        contact.window_closed_at = now or utcnow()
        contact.last_error_code = code
    logger.warning("whatsapp: %s is outside the 24-hour window (%s); marked", mask_mobile(wa_id), code)


def get_contact(db: Database, wa_id: str) -> Optional[WhatsAppContact]:
    """The stored marks of ``wa_id`` (None if we never heard from or about it)."""
    with db.session() as s:
        return s.get(WhatsAppContact, wa_id)
