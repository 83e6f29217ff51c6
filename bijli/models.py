"""SQLAlchemy models. Money is integer paise; never float.

The schema is owned by Alembic migrations (``bijli/migrations``); these
models describe it for queries.
"""
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from bijli.vocab import AREA_TYPES

# Typed Any: SQLAlchemy 1.4 has no type information, and mypy needs a declared base to subclass.
Base: Any = declarative_base()


def utcnow() -> datetime:
    """Now as naive UTC: the database stores naive UTC everywhere (bijli.timefmt shows IST)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Sender ids (wa_id, web-chat session UUID, ...) fit in this many characters everywhere.
SENDER_LENGTH = 128
OPEN_COMPLAINT = "status IN ('registered', 'assigned')"


class Consumer(Base):
    __tablename__ = "consumers"

    ivrs = Column(String(16), primary_key=True)
    name = Column(String(120), nullable=False)
    area_type = Column(String(16), nullable=False)
    mobile = Column(String(10), index=True)  # last 10 digits, may be empty
    tariff = Column(String(16), nullable=False, default="")
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    bills = relationship("Bill", back_populates="consumer", order_by="Bill.bill_month")


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("ivrs", "bill_month", name="uq_bill_ivrs_month"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    ivrs = Column(String(16), ForeignKey("consumers.ivrs"), nullable=False, index=True)
    bill_month = Column(String(7), nullable=False)  # YYYY-MM
    bill_date = Column(Date, nullable=False)
    due_date = Column(Date, nullable=False)
    units = Column(Integer, nullable=False)
    amount_paise = Column(BigInteger, nullable=False)
    # Sum of confirmed payments against this bill, kept by the payment code.
    paid_paise = Column(BigInteger, nullable=False, default=0)
    paid_at = Column(DateTime)

    consumer = relationship("Consumer", back_populates="bills")

    @property
    def due_paise(self) -> int:
        return max(0, self.amount_paise - (self.paid_paise or 0))


class Payment(Base):
    __tablename__ = "payments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ref = Column(String(35), nullable=False, unique=True)
    ivrs = Column(String(16), ForeignKey("consumers.ivrs"), nullable=False, index=True)
    bill_id = Column(Integer, ForeignKey("bills.id"), nullable=False, index=True)
    sender = Column(String(SENDER_LENGTH), nullable=False, default="")
    amount_paise = Column(BigInteger, nullable=False)
    # pending | paid | failed | cancelled (the bill was paid another way, or closed) | expired
    status = Column(String(16), nullable=False, default="pending")
    provider = Column(String(16), nullable=False, default="demo")
    provider_link_id = Column(String(64))
    paid_amount_paise = Column(BigInteger)
    amount_mismatch = Column(Boolean, nullable=False, default=False)
    receipt_no = Column(String(32), unique=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    paid_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # A pending request past this time is never shown or reused again.
    expires_at = Column(DateTime)
    payment_url = Column(String(512))       # the gateway's (or demo) payment page
    provider_qr_id = Column(String(64))     # the gateway's QR code id (qr_...)
    upi_string = Column(String(1024))       # the upi://pay string shown (the QR's own)
    qr_image_url = Column(String(512))      # the gateway's QR image, if it gave one
    # Money that must go back: e.g. paid on a cancelled/superseded request.
    flagged = Column(Boolean, nullable=False, default=False)
    flag_reason = Column(String(32))        # overpayment | ...
    refunded_at = Column(DateTime)
    refund_note = Column(String(255))
    # The gateway's id of the payment that paid this request (pay_...), migration 0005.
    gateway_payment_id = Column(String(64))
    # What went back to the payer in all (gateway refunds and operators' records), 0008.
    refunded_paise = Column(BigInteger, nullable=False, default=0, server_default="0")

    bill = relationship("Bill")


class SenderPreference(Base):
    """Per-sender settings that outlive a conversation (the reply language)."""

    __tablename__ = "sender_preferences"

    sender = Column(String(SENDER_LENGTH), primary_key=True)
    language = Column(String(2), nullable=False)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


__all__ = ["Base", "Consumer", "Bill", "Payment", "PaymentEvent", "PaymentRefund", "PaymentDispute",
           "SenderPreference", "Lookup", "AREA_TYPES",
           "SENDER_LENGTH", "utcnow", "date"]


class PaymentEvent(Base):
    """Every accepted gateway event, once; makes webhook handling idempotent."""

    __tablename__ = "payment_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    event_key = Column(String(128), nullable=False, unique=True)
    payment_ref = Column(String(35), nullable=False, index=True)
    event_type = Column(String(40), nullable=False)
    amount_paise = Column(BigInteger)
    received_at = Column(DateTime, nullable=False, default=utcnow)
    # What the signed body identifies (a replay under a new event id has the same), 0008.
    body_key = Column(String(128), unique=True)
    gateway_id = Column(String(64))         # the gateway payment / refund / dispute id


class PaymentRefund(Base):
    """One refund of a payment, from the gateway's events or an operator's record (0008)."""

    __tablename__ = "payment_refunds"

    id = Column(Integer, primary_key=True, autoincrement=True)
    payment_ref = Column(String(35), nullable=False, index=True)
    gateway_refund_id = Column(String(64), unique=True)     # rfnd_..., if known
    amount_paise = Column(BigInteger, nullable=False)
    status = Column(String(16), nullable=False)             # pending | processed | failed
    source = Column(String(16), nullable=False)             # gateway | operator
    debited_paise = Column(BigInteger, nullable=False, default=0)   # taken off the bill
    note = Column(String(255))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    processed_at = Column(DateTime)


class PaymentDispute(Base):
    """A gateway dispute (chargeback) on a payment, its latest status (0008)."""

    __tablename__ = "payment_disputes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    dispute_id = Column(String(64), nullable=False, unique=True)
    payment_ref = Column(String(35), nullable=False, index=True)
    gateway_payment_id = Column(String(64))
    amount_paise = Column(BigInteger)
    amount_deducted_paise = Column(BigInteger)
    reason_code = Column(String(64))
    phase = Column(String(32))
    status = Column(String(24), nullable=False)     # open | under_review | action_required | won | ...
    last_event = Column(String(40), nullable=False)
    respond_by = Column(DateTime)
    opened_at = Column(DateTime)                    # the dispute's created_at at the gateway
    event_at = Column(DateTime)                     # created_at of the event that set the status
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class Complaint(Base):
    """A consumer complaint (docket). Status: registered -> assigned -> resolved.

    ``number`` is the public 10-digit docket number. ``request_key`` identifies
    the confirmation that filed it, so a retried action call files once.
    Times are naive UTC; ``due_at`` = ``created_at`` + the norm for the
    category and area (bijli/norms.yml).
    """

    __tablename__ = "complaints"
    # One open complaint per connection and category (migration 0003).
    __table_args__ = (Index("uq_complaints_open_ivrs_category", "ivrs", "category", unique=True,
                            sqlite_where=text(OPEN_COMPLAINT), postgresql_where=text(OPEN_COMPLAINT)),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(10), nullable=False, unique=True)
    ivrs = Column(String(16), ForeignKey("consumers.ivrs"), nullable=False, index=True)
    category = Column(String(16), nullable=False)
    area_type = Column(String(16), nullable=False)
    priority = Column(Integer, nullable=False, default=3)
    status = Column(String(16), nullable=False, default="registered")
    details = Column(String(500), nullable=False, default="")
    sender = Column(String(SENDER_LENGTH), nullable=False, default="")
    request_key = Column(String(160), unique=True)
    assigned_to = Column(String(64))
    resolution = Column(String(255))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    due_at = Column(DateTime, nullable=False)
    assigned_at = Column(DateTime)
    resolved_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Lookup(Base):
    """An IVRS number a sender asked about (the daily lookup limit, issue 8).

    One row per (sender, typed IVRS); ``looked_up_at`` is the latest time.
    Failed tries (unknown or malformed numbers) are recorded too.
    """

    __tablename__ = "lookups"
    __table_args__ = (UniqueConstraint("sender", "ivrs", name="uq_lookups_sender_ivrs"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender = Column(String(SENDER_LENGTH), nullable=False)
    ivrs = Column(String(32), nullable=False)
    looked_up_at = Column(DateTime, nullable=False, default=utcnow)
