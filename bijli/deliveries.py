"""Inbound message ids per channel, recorded once, for channels that retry (Twilio).

Twilio retries a webhook it got no answer to, and a restart or a second instance
forgets anything kept in memory, so the record lives in the database. A message id
is claimed by inserting it: the unique (channel, message_id) decides a race.
"""
import logging
from datetime import datetime
from typing import Optional

from sqlalchemy import Column, DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError

from bijli.db import Database
from bijli.models import SENDER_LENGTH, Base, utcnow

logger = logging.getLogger(__name__)

MESSAGE_ID_LENGTH = 128


class ChannelMessage(Base):
    """One accepted inbound message of a channel (the schema is migration 0009_channel_dedupe)."""

    __tablename__ = "channel_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id", name="uq_channel_messages_id"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    channel = Column(String(16), nullable=False)
    message_id = Column(String(MESSAGE_ID_LENGTH), nullable=False)
    sender = Column(String(SENDER_LENGTH), nullable=False)
    received_at = Column(DateTime, nullable=False, default=utcnow, index=True)


def record_delivery(db: Database, channel: str, message_id: str, sender: str,
                    now: Optional[datetime] = None) -> bool:
    """Claim ``message_id`` for ``channel``; False if it was already claimed (a retry)."""
    key = (channel[:16], message_id[:MESSAGE_ID_LENGTH])
    with db.session() as s:
        found = s.execute(select(ChannelMessage.id).where(
            ChannelMessage.channel == key[0], ChannelMessage.message_id == key[1])).first()
        if found:
            return False
    try:
        with db.session() as s:
            s.add(ChannelMessage(channel=key[0], message_id=key[1], sender=sender[:SENDER_LENGTH],
                                 received_at=now or utcnow()))
    except IntegrityError:
        return False          # two deliveries of one message raced; the other one won
    return True

