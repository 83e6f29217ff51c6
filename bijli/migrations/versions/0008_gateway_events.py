"""Gateway refunds and disputes, and replay-proof event keys (issue 18, item 5)

- payment_events.body_key: what the signed body identifies (event, created_at and
  the gateway ids), so a captured body replayed under a new, unsigned
  X-Razorpay-Event-Id is a duplicate; gateway_id: the gateway payment, refund or
  dispute the event was about (a failure of an old attempt is recognised by it);
- payments.refunded_paise: what went back to the payer, in all;
- payment_refunds: one row per refund, from the gateway's events or an
  operator's record, matched so that one refund is recorded once;
- payment_disputes: one row per gateway dispute, its latest status.

Revision ID: 0008_gateway_events
Revises: 0006_reminders
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_gateway_events"
down_revision = "0006_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payment_events") as b:
        b.add_column(sa.Column("body_key", sa.String(128)))
        b.add_column(sa.Column("gateway_id", sa.String(64)))
        b.create_index("uq_payment_events_body_key", ["body_key"], unique=True)
    with op.batch_alter_table("payments") as b:
        b.add_column(sa.Column("refunded_paise", sa.BigInteger, nullable=False,
                               server_default="0"))
    op.create_table(
        "payment_refunds",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payment_ref", sa.String(35), nullable=False, index=True),
        sa.Column("gateway_refund_id", sa.String(64), unique=True),
        sa.Column("amount_paise", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("debited_paise", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("note", sa.String(255)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime),
    )
    op.create_table(
        "payment_disputes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dispute_id", sa.String(64), nullable=False, unique=True),
        sa.Column("payment_ref", sa.String(35), nullable=False, index=True),
        sa.Column("gateway_payment_id", sa.String(64)),
        sa.Column("amount_paise", sa.BigInteger),
        sa.Column("amount_deducted_paise", sa.BigInteger),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("phase", sa.String(32)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("last_event", sa.String(40), nullable=False),
        sa.Column("respond_by", sa.DateTime),
        sa.Column("opened_at", sa.DateTime),
        sa.Column("event_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payment_disputes")
    op.drop_table("payment_refunds")
    with op.batch_alter_table("payments") as b:
        b.drop_column("refunded_paise")
    with op.batch_alter_table("payment_events") as b:
        b.drop_index("uq_payment_events_body_key")
        b.drop_column("gateway_id")
        b.drop_column("body_key")
