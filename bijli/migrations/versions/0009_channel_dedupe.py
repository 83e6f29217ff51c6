"""Inbound message ids of channels that retry (issue 18, item 6)

- channel_messages: every accepted (channel, message id), e.g. Twilio's MessageSid,
  so a retried delivery, even after a restart or on another instance, reaches
  Rasa once. WhatsApp keeps its own ids in whatsapp_messages (0004).

Revision ID: 0009_channel_dedupe
Revises: 0008_gateway_events
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_channel_dedupe"
down_revision = "0008_gateway_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("sender", sa.String(128), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("channel", "message_id", name="uq_channel_messages_id"),
    )
    op.create_index("ix_channel_messages_received_at", "channel_messages", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_channel_messages_received_at", table_name="channel_messages")
    op.drop_table("channel_messages")
