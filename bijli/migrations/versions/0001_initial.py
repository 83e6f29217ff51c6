"""consumers, bills, payments, payment events, sender preferences

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consumers",
        sa.Column("ivrs", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("area_type", sa.String(16), nullable=False),
        sa.Column("mobile", sa.String(10), index=True),
        sa.Column("tariff", sa.String(16), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ivrs", sa.String(16), sa.ForeignKey("consumers.ivrs"), nullable=False, index=True),
        sa.Column("bill_month", sa.String(7), nullable=False),
        sa.Column("bill_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("amount_paise", sa.BigInteger, nullable=False),
        sa.Column("paid_paise", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("paid_at", sa.DateTime),
        sa.UniqueConstraint("ivrs", "bill_month", name="uq_bill_ivrs_month"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ref", sa.String(35), nullable=False, unique=True),
        sa.Column("ivrs", sa.String(16), sa.ForeignKey("consumers.ivrs"), nullable=False, index=True),
        sa.Column("bill_id", sa.Integer, sa.ForeignKey("bills.id"), nullable=False, index=True),
        sa.Column("sender", sa.String(32), nullable=False, server_default=""),
        sa.Column("amount_paise", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("provider", sa.String(16), nullable=False, server_default="demo"),
        sa.Column("provider_link_id", sa.String(64)),
        sa.Column("paid_amount_paise", sa.BigInteger),
        sa.Column("amount_mismatch", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("receipt_no", sa.String(32), unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("paid_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(128), nullable=False, unique=True),
        sa.Column("payment_ref", sa.String(35), nullable=False, index=True),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("amount_paise", sa.BigInteger),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sender_preferences",
        sa.Column("sender", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    for table in ("sender_preferences", "payment_events", "payments", "bills", "consumers"):
        op.drop_table(table)
