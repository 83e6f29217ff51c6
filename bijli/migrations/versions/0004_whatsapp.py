"""WhatsApp Cloud API channel (issue 9, part 1)

- whatsapp_messages: every accepted incoming message id (wamid), so a
  redelivery, even after a restart, is not answered twice;
- whatsapp_contacts: per wa_id, the last incoming message (24-hour window),
  an opt-out (error 131050) and a refused free-form send (error 131047).

Revision ID: 0004_whatsapp
Revises: 0003_security
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_whatsapp"
down_revision = "0003_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("wamid", sa.String(128), nullable=False),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("wamid", name="uq_whatsapp_messages_wamid"),
    )
    # Pruning old ids (Meta stops redelivering after about a week) goes by time.
    op.create_index("ix_whatsapp_messages_received_at", "whatsapp_messages", ["received_at"])
    op.create_table(
        "whatsapp_contacts",
        sa.Column("wa_id", sa.String(128), primary_key=True),
        sa.Column("last_inbound_at", sa.DateTime),
        sa.Column("opted_out_at", sa.DateTime),
        sa.Column("window_closed_at", sa.DateTime),
        sa.Column("last_error_code", sa.Integer),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("whatsapp_contacts")
    op.drop_index("ix_whatsapp_messages_received_at", table_name="whatsapp_messages")
    op.drop_table("whatsapp_messages")
