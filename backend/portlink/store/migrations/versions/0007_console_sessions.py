"""The console's sign-in nonces and sessions; shipments searchable by transport document

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "sign_in_nonces",
        sa.Column(
            "nonce", sa.String(length=64), nullable=False, comment="The EIP-4361 nonce handed out for one sign-in."
        ),
        sa.Column("issued_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column(
            "used_at", sa.Float(), nullable=True, comment="Set once, when a sign-in with it succeeds or is refused."
        ),
        sa.PrimaryKeyConstraint("nonce"),
    )
    with op.batch_alter_table("sign_in_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_nonces_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "sessions",
        sa.Column(
            "session_id",
            sa.String(length=32),
            nullable=False,
            comment="The public part of the cookie (<id>.<secret>).",
        ),
        sa.Column(
            "secret_sha256",
            sa.String(length=64),
            nullable=False,
            comment="SHA-256 of the secret; the secret is not stored.",
        ),
        sa.Column("member", sa.String(length=42), nullable=False),
        sa.Column("chain_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False, comment="The sign-in's nonce: one session per nonce."),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("session_id"),
        sa.UniqueConstraint("nonce"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sessions_member"), ["member"], unique=False)

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_shipments_transport_document_reference"), ["transport_document_reference"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_transport_document_reference"))
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sessions_member"))
    op.drop_table("sessions")
    with op.batch_alter_table("sign_in_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_nonces_expires_at"))
    op.drop_table("sign_in_nonces")
