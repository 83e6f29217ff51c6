"""WhatsApp tables, declared on ``bijli.models.Base`` so the metadata stays one.

The schema is owned by migration ``0004_whatsapp``.
"""
from sqlalchemy import Column, DateTime, Integer, String

from bijli.models import SENDER_LENGTH, Base, utcnow

WAMID_LENGTH = 128


class WhatsAppMessage(Base):
    """Every incoming message id (``wamid``) we accepted, once.

    Meta redelivers a webhook for days until it gets a 200, and a restart
    forgets anything in memory, so the dedup record lives in the database.
    """

    __tablename__ = "whatsapp_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    wamid = Column(String(WAMID_LENGTH), nullable=False, unique=True)
    sender = Column(String(SENDER_LENGTH), nullable=False)
    kind = Column(String(24), nullable=False)        # text | interactive | location | image | ...
    received_at = Column(DateTime, nullable=False, default=utcnow, index=True)


class WhatsAppContact(Base):
    """What Meta told us about one wa_id: opted out (131050), outside the 24 h window (131047)."""

    __tablename__ = "whatsapp_contacts"

    wa_id = Column(String(SENDER_LENGTH), primary_key=True)
    last_inbound_at = Column(DateTime)       # the 24-hour window opens at the user's last message
    opted_out_at = Column(DateTime)          # 131050: never send again until they opt in (part 3)
    window_closed_at = Column(DateTime)      # 131047: free-form refused; only templates until they write
    last_error_code = Column(Integer)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
