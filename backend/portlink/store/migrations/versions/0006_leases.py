"""Leases on operations and idempotency records (API replicas on one database)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply. Open operations and unanswered requests of the process that ran before get an expired lease, so any
    API process takes them over."""
    with op.batch_alter_table("operations") as batch:
        batch.add_column(
            sa.Column(
                "lease_owner",
                sa.String(length=120),
                nullable=True,
                comment="The API process working on it; NULL: nobody needs to (it waits for a wallet).",
            )
        )
        batch.add_column(
            sa.Column(
                "lease_until",
                sa.Float(),
                nullable=True,
                comment="Until when the owner's claim holds; renewed while it lives.",
            )
        )
        batch.create_index("ix_operations_lease_owner", ["lease_owner"], unique=False)
    with op.batch_alter_table("idempotency_records") as batch:
        batch.alter_column(
            "operation_id",
            existing_type=sa.String(length=36),
            existing_nullable=True,
            comment="The operation the request created, once it did.",
        )
        batch.add_column(
            sa.Column(
                "lease_owner", sa.String(length=120), nullable=True, comment="The API process answering the request."
            )
        )
        batch.add_column(
            sa.Column(
                "lease_until",
                sa.Float(),
                nullable=True,
                comment="After this an unanswered request may be taken over.",
            )
        )
    op.execute(
        "UPDATE operations SET lease_owner = 'before-0005', lease_until = 0 "
        "WHERE status IN ('Initialized', 'Pending') AND NOT (signing = 'wallet' AND raw_transaction IS NULL)"
    )
    op.execute("UPDATE idempotency_records SET lease_owner = 'before-0005', lease_until = 0 WHERE status_code IS NULL")


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("idempotency_records") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
    with op.batch_alter_table("operations") as batch:
        batch.drop_index("ix_operations_lease_owner")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
