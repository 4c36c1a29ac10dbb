"""Receipts of indexed transactions (gas used, for KPIs)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 09:48:55.108341
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "transaction_receipts",
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column(
            "block_hash",
            sa.String(length=66),
            nullable=False,
            comment="The block the receipt is from: a row whose block is no longer the log's is fetched again.",
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("gas_used", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("effective_gas_price", sa.String(length=40), nullable=False, comment="Wei, as a decimal string."),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_hash"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("transaction_receipts")
