"""security and money safety (issue 8)

- sender ids up to 128 characters everywhere (web-chat UUIDs, wa_ids, ...);
- payments: expiry, the gateway's QR (id and UPI string), the page URL kept so
  a pending request can be shown again, the overpayment flag and the refund;
- complaints: at most one open complaint per (IVRS, category), enforced by a
  partial unique index, so two consumers confirming at once get one docket;
- lookups: which IVRS numbers a sender looked up, for the daily limit.

Revision ID: 0003_security
Revises: 0002_complaints
"""
from alembic import op
import sqlalchemy as sa

revision = "0003_security"
down_revision = "0002_complaints"
branch_labels = None
depends_on = None

SENDER_COLUMNS = (("payments", "sender"), ("complaints", "sender"), ("sender_preferences", "sender"))
OPEN = "status IN ('registered', 'assigned')"


def _widen(length_from: int, length_to: int) -> None:
    # SQLite does not enforce VARCHAR lengths; PostgreSQL does.
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column in SENDER_COLUMNS:
        op.alter_column(table, column, type_=sa.String(length_to),
                        existing_type=sa.String(length_from), existing_nullable=False)


def upgrade() -> None:
    _widen(32, 128)
    with op.batch_alter_table("payments") as b:
        b.add_column(sa.Column("expires_at", sa.DateTime))
        b.add_column(sa.Column("payment_url", sa.String(512)))
        b.add_column(sa.Column("provider_qr_id", sa.String(64)))
        b.add_column(sa.Column("upi_string", sa.String(1024)))
        b.add_column(sa.Column("qr_image_url", sa.String(512)))
        b.add_column(sa.Column("flagged", sa.Boolean, nullable=False, server_default=sa.false()))
        b.add_column(sa.Column("flag_reason", sa.String(32)))
        b.add_column(sa.Column("refunded_at", sa.DateTime))
        b.add_column(sa.Column("refund_note", sa.String(255)))
    op.create_index("ix_payments_bill_status", "payments", ["bill_id", "status"])
    op.create_index(
        "uq_complaints_open_ivrs_category", "complaints", ["ivrs", "category"], unique=True,
        sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_table(
        "lookups",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender", sa.String(128), nullable=False),
        # What the sender typed as an IVRS (normalised, cut to 32): failed tries count too.
        sa.Column("ivrs", sa.String(32), nullable=False),
        sa.Column("looked_up_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("sender", "ivrs", name="uq_lookups_sender_ivrs"),
    )
    op.create_index("ix_lookups_sender_time", "lookups", ["sender", "looked_up_at"])


def downgrade() -> None:
    op.drop_index("ix_lookups_sender_time", table_name="lookups")
    op.drop_table("lookups")
    op.drop_index("uq_complaints_open_ivrs_category", table_name="complaints")
    op.drop_index("ix_payments_bill_status", table_name="payments")
    with op.batch_alter_table("payments") as b:
        for name in ("refund_note", "refunded_at", "flag_reason", "flagged", "qr_image_url",
                     "upi_string", "provider_qr_id", "payment_url", "expires_at"):
            b.drop_column(name)
    _widen(128, 32)
