"""The risk engine: model versions, declarations' scores, decisions against the advice, alerts over a port's
threshold; indexes of the shipments by route, shipper and consignee in registration order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:52:41.739447
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shipments_route", ["origin_port", "destination_port", "registered_block"], unique=False
        )
        batch_op.create_index("ix_shipments_shipper_registered", ["shipper", "registered_block"], unique=False)
        batch_op.create_index("ix_shipments_consignee_registered", ["consignee", "registered_block"], unique=False)
    op.create_table(
        "risk_alerts",
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("declaration_version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False, comment="The reasons' sentences, joined."),
        sa.Column("raised_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "port", "declaration_version"),
    )
    op.create_table(
        "risk_decisions",
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("officer", sa.String(length=42), nullable=False),
        sa.Column(
            "score", sa.Float(), nullable=True, comment="The score when customs decided; NULL: none was computed."
        ),
        sa.Column("band", sa.String(length=10), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column(
            "against_advice", sa.Boolean(), nullable=False, comment="A high band released, or a low band inspected."
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recorded_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "port", "version", "decision"),
    )
    op.create_table(
        "risk_models",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("trained_at", sa.Float(), nullable=False),
        sa.Column("declarations", sa.Integer(), nullable=False, comment="Decided declarations it was trained on."),
        sa.Column(
            "model",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="RiskModel.to_json(): weights, references, window, metrics.",
        ),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "risk_scores",
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("declaration_version", sa.Integer(), nullable=False, comment="The declaration's version scored."),
        sa.Column("score", sa.Float(), nullable=False, comment="Probability that an inspection finds something."),
        sa.Column("band", sa.String(length=10), nullable=False, comment="low, medium or high."),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="[{feature, contribution, text}], strongest first.",
        ),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column(
            "evidence_block",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="The index checkpoint the evidence was read at.",
        ),
        sa.Column("computed_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id"),
    )
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_scores_score"), ["score"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_consignee_registered")
        batch_op.drop_index("ix_shipments_shipper_registered")
        batch_op.drop_index("ix_shipments_route")
    with op.batch_alter_table("risk_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_scores_score"))

    op.drop_table("risk_scores")
    op.drop_table("risk_models")
    op.drop_table("risk_decisions")
    op.drop_table("risk_alerts")
