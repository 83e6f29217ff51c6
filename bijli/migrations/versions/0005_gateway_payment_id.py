"""payments.gateway_payment_id: which gateway payment paid a request

``payment_link.paid`` and ``payment.captured`` report one payment with one
gateway id; a paid event with another id on a paid request is a second payment
(real money) and is flagged as an overpayment instead of being ignored.

Revision ID: 0005_gateway_payment_id
Revises: 0004_whatsapp
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_gateway_payment_id"
down_revision = "0004_whatsapp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as b:
        b.add_column(sa.Column("gateway_payment_id", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("payments") as b:
        b.drop_column("gateway_payment_id")
