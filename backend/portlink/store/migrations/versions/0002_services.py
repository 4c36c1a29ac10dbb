"""API keys, operations, idempotency records, nonce allocator

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:09:30.934388
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "api_keys",
        sa.Column(
            "key_id",
            sa.String(length=32),
            nullable=False,
            comment="The public part of the key (plk_<key_id>_<secret>).",
        ),
        sa.Column(
            "secret_sha256",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the secret; the secret is not stored.",
        ),
        sa.Column("member", sa.String(length=42), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("key_id"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_member"), ["member"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("member", sa.String(length=42), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True, comment="NULL while the first request is still running."),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("member", "key"),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("member", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("signing", sa.String(length=20), nullable=False, comment="custodial or wallet"),
        sa.Column("contract", sa.String(length=100), nullable=False),
        sa.Column("function", sa.String(length=100), nullable=False),
        sa.Column("to_address", sa.String(length=42), nullable=False),
        sa.Column("calldata", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("gas", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("max_fee_per_gas", sa.String(length=40), nullable=True),
        sa.Column("max_priority_fee_per_gas", sa.String(length=40), nullable=True),
        sa.Column(
            "raw_transaction", sa.Text(), nullable=True, comment="The signed transaction, stored before it is sent."
        ),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column(
            "tx_hashes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="Every hash broadcast for this nonce (replacements).",
        ),
        sa.Column("broadcasts", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_hash", sa.String(length=66), nullable=True),
        sa.Column("gas_used", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
            comment="What the operation creates (shipment id, financing id).",
        ),
        sa.Column(
            "error",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
            comment="The problem (RFC 9457) of a failed operation.",
        ),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("broadcast_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operations_member"), ["member"], unique=False)
        batch_op.create_index("ix_operations_sender_nonce", ["sender", "nonce"], unique=False)
        batch_op.create_index(batch_op.f("ix_operations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_operations_tx_hash"), ["tx_hash"], unique=False)

    op.create_table(
        "signing_accounts",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column(
            "next_nonce",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="The nonce the next transaction of this account gets.",
        ),
        sa.PrimaryKeyConstraint("address"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("signing_accounts")
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operations_tx_hash"))
        batch_op.drop_index(batch_op.f("ix_operations_status"))
        batch_op.drop_index("ix_operations_sender_nonce")
        batch_op.drop_index(batch_op.f("ix_operations_member"))

    op.drop_table("operations")
    op.drop_table("idempotency_records")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_member"))

    op.drop_table("api_keys")
