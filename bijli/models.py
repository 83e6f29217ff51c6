"""SQLAlchemy models. Money is integer paise; never float.

The schema is owned by Alembic migrations (``bijli/migrations``); these
models describe it for queries.
"""
from datetime import date, datetime, timezone

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


AREA_TYPES = ("urban", "rural", "agriculture")


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
    sender = Column(String(32), nullable=False, default="")
    amount_paise = Column(BigInteger, nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending|paid|failed
    provider = Column(String(16), nullable=False, default="demo")
    provider_link_id = Column(String(64))
    paid_amount_paise = Column(BigInteger)
    amount_mismatch = Column(Boolean, nullable=False, default=False)
    receipt_no = Column(String(32), unique=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    paid_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    bill = relationship("Bill")


class SenderPreference(Base):
    """Per-sender settings that outlive a conversation (the reply language)."""

    __tablename__ = "sender_preferences"

    sender = Column(String(32), primary_key=True)
    language = Column(String(2), nullable=False)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


__all__ = ["Base", "Consumer", "Bill", "Payment", "PaymentEvent", "SenderPreference", "AREA_TYPES", "utcnow", "date"]


class PaymentEvent(Base):
    """Every accepted gateway event, once; makes webhook handling idempotent."""

    __tablename__ = "payment_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    event_key = Column(String(128), nullable=False, unique=True)
    payment_ref = Column(String(35), nullable=False, index=True)
    event_type = Column(String(40), nullable=False)
    amount_paise = Column(BigInteger)
    received_at = Column(DateTime, nullable=False, default=utcnow)


class Complaint(Base):
    """A consumer complaint (docket). Status: registered -> assigned -> resolved.

    ``number`` is the public 10-digit docket number. ``request_key`` identifies
    the confirmation that filed it, so a retried action call files once.
    Times are naive UTC; ``due_at`` = ``created_at`` + the norm for the
    category and area (bijli/norms.yml).
    """

    __tablename__ = "complaints"

    id = Column(Integer, primary_key=True, autoincrement=True)
    number = Column(String(10), nullable=False, unique=True)
    ivrs = Column(String(16), ForeignKey("consumers.ivrs"), nullable=False, index=True)
    category = Column(String(16), nullable=False)
    area_type = Column(String(16), nullable=False)
    priority = Column(Integer, nullable=False, default=3)
    status = Column(String(16), nullable=False, default="registered")
    details = Column(String(500), nullable=False, default="")
    sender = Column(String(32), nullable=False, default="")
    request_key = Column(String(160), unique=True)
    assigned_to = Column(String(64))
    resolution = Column(String(255))
    created_at = Column(DateTime, nullable=False, default=utcnow)
    due_at = Column(DateTime, nullable=False)
    assigned_at = Column(DateTime)
    resolved_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
