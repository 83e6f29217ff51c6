"""Bill reminders on WhatsApp (issue 9, part 3)

- reminder_consents: per sender, opted in or out of reminders, when, and why
  (the menu, or Meta's 131050);
- reminders_sent: at most one reminder per bill (unique bill_id), claimed
  before the send so that two runs of `bijli remind` cannot both send.

Revision ID: 0006_reminders
Revises: 0005_gateway_payment_id
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_reminders"
down_revision = "0005_gateway_payment_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_consents",
        sa.Column("sender", sa.String(128), primary_key=True),
        sa.Column("opted_in", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bill_id", sa.Integer, sa.ForeignKey("bills.id"), nullable=False),
        sa.Column("wa_id", sa.String(128), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("wamid", sa.String(128)),
        sa.Column("error_code", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("bill_id", name="uq_reminders_sent_bill"),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_table("reminder_consents")
