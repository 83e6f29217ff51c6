"""complaints

Revision ID: 0002_complaints
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_complaints"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # Public complaint number: 10 digits, unique.
        sa.Column("number", sa.String(10), nullable=False, unique=True),
        sa.Column("ivrs", sa.String(16), sa.ForeignKey("consumers.ivrs"), nullable=False, index=True),
        sa.Column("category", sa.String(16), nullable=False),
        # Area type of the connection when filed (drives the restoration norm).
        sa.Column("area_type", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="3"),
        sa.Column("status", sa.String(16), nullable=False, server_default="registered"),
        sa.Column("details", sa.String(500), nullable=False, server_default=""),
        sa.Column("sender", sa.String(32), nullable=False, server_default=""),
        # Idempotency key of the message that filed it (sender + message id);
        # a retried action call finds the complaint it already filed.
        sa.Column("request_key", sa.String(160), unique=True),
        sa.Column("assigned_to", sa.String(64)),
        sa.Column("resolution", sa.String(255)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=False),
        sa.Column("assigned_at", sa.DateTime),
        sa.Column("resolved_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_complaints_ivrs_category_status", "complaints", ["ivrs", "category", "status"])


def downgrade() -> None:
    op.drop_index("ix_complaints_ivrs_category_status", table_name="complaints")
    op.drop_table("complaints")
