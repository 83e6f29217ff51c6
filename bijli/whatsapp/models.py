"""WhatsApp tables, declared on ``bijli.models.Base`` so the metadata stays one.

The schema is owned by migrations ``0004_whatsapp`` and ``0006_reminders``.
"""
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, UniqueConstraint

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


class ReminderConsent(Base):
    """A sender's own choice about bill reminders on WhatsApp (menu option 9).

    Reminders go outside the 24-hour window, so Meta (and the law) want an
    explicit opt-in; no row means "never asked", which is not a yes.
    """

    __tablename__ = "reminder_consents"

    sender = Column(String(SENDER_LENGTH), primary_key=True)
    opted_in = Column(Boolean, nullable=False, default=False)
    changed_at = Column(DateTime, nullable=False, default=utcnow)
    # "menu" (the consumer chose) or "131050" (Meta said they block us).
    source = Column(String(16), nullable=False, default="menu")


class ReminderSent(Base):
    """One reminder per bill: the unique bill_id is claimed before the send, so two runs never both send."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("bill_id", name="uq_reminders_sent_bill"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    bill_id = Column(Integer, ForeignKey("bills.id"), nullable=False)
    wa_id = Column(String(SENDER_LENGTH), nullable=False)
    status = Column(String(16), nullable=False, default="sending")   # sending | sent | failed
    wamid = Column(String(WAMID_LENGTH))
    error_code = Column(Integer)
    created_at = Column(DateTime, nullable=False, default=utcnow)
