"""Projections of the trade-finance escrow and the IoT monitor

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:06:42.870565
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "escrow_credits",
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column(
            "withdrawable", sa.String(length=80), nullable=False, comment="What the escrow's `withdrawable` answers."
        ),
        sa.Column("credited", sa.String(length=80), nullable=False, comment="Every credit so far."),
        sa.Column("withdrawn", sa.String(length=80), nullable=False, comment="Every withdrawal so far."),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("token", "account"),
    )
    with op.batch_alter_table("escrow_credits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escrow_credits_block_number"), ["block_number"], unique=False)

    op.create_table(
        "financings",
        sa.Column(
            "financing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("exporter", sa.String(length=42), nullable=False, comment="The shipment's shipper, who requested."),
        sa.Column("product", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("financier", sa.String(length=42), nullable=True, comment="NULL until offered."),
        sa.Column("token", sa.String(length=42), nullable=True),
        sa.Column(
            "amount", sa.String(length=80), nullable=True, comment="The principal offered (uint128, decimal string)."
        ),
        sa.Column("fee_bps", sa.Integer(), nullable=True),
        sa.Column("condition", sa.String(length=20), nullable=True),
        sa.Column("fund_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True, comment="Unix time."),
        sa.Column(
            "release_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True, comment="Unix time."
        ),
        sa.Column(
            "maturity", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True, comment="Unix time."
        ),
        sa.Column("funded", sa.String(length=80), nullable=True, comment="What the escrow received when funded."),
        sa.Column(
            "due", sa.String(length=80), nullable=True, comment="Funded plus the fee: what repays the financing."
        ),
        sa.Column("released", sa.String(length=80), nullable=False),
        sa.Column("refunded", sa.String(length=80), nullable=False),
        sa.Column("repaid", sa.String(length=80), nullable=False),
        sa.Column("refund_reason", sa.String(length=30), nullable=True),
        sa.Column("rebate_payment_ref", sa.String(length=66), nullable=True),
        sa.Column("rebate_recorded_by", sa.String(length=42), nullable=True),
        sa.Column("requested_block", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("requested_transaction", sa.String(length=66), nullable=False),
        sa.Column(
            "requested_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Block time of the request.",
        ),
        sa.Column(
            "funded_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Block time of the funding.",
        ),
        sa.Column(
            "released_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Block time of the release.",
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("financing_id"),
    )
    with op.batch_alter_table("financings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_financings_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_financings_exporter"), ["exporter"], unique=False)
        batch_op.create_index(batch_op.f("ix_financings_financier"), ["financier"], unique=False)
        batch_op.create_index(batch_op.f("ix_financings_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_financings_state"), ["state"], unique=False)

    op.create_table(
        "iot_alerts",
        sa.Column(
            "alert_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("device_id", sa.String(length=66), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column(
            "value",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="The breaching reading's value (meaning by kind).",
        ),
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "reading_timestamp",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Device time of the reading.",
        ),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("raised_block", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("raised_transaction", sa.String(length=66), nullable=False),
        sa.Column(
            "raised_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Block time: the monitor's `raisedAt`.",
        ),
        sa.Column("resolved_by", sa.String(length=42), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    with op.batch_alter_table("iot_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_alerts_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alerts_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alerts_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_alerts_state"), ["state"], unique=False)

    op.create_table(
        "iot_batches",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gateway", sa.String(length=42), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("iot_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_batches_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_batches_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_batches_gateway"), ["gateway"], unique=False)

    op.create_table(
        "iot_devices",
        sa.Column("device_id", sa.String(length=66), nullable=False),
        sa.Column("gateway", sa.String(length=42), nullable=False),
        sa.Column("signer", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("shipment_id", sa.String(length=66), nullable=True, comment="NULL while unbound."),
        sa.Column("container_index", sa.Integer(), nullable=True),
        sa.Column("container", sa.String(length=11), nullable=True),
        sa.Column(
            "last_sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Of the last reading accepted on chain; 0: none.",
        ),
        sa.Column(
            "last_reading_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Device time of that reading.",
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    with op.batch_alter_table("iot_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_devices_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_devices_gateway"), ["gateway"], unique=False)
        batch_op.create_index(batch_op.f("ix_iot_devices_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "iot_gateway_authorisations",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("gateway", sa.String(length=42), nullable=False),
        sa.Column("authorised", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "gateway"),
    )
    with op.batch_alter_table("iot_gateway_authorisations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_gateway_authorisations_block_number"), ["block_number"], unique=False)

    op.create_table(
        "iot_rules",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column(
            "enabled",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="The rules checked, by name (TEMPERATURE, SEAL, ...).",
        ),
        sa.Column(
            "min_temperature",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Degrees Celsius x 100.",
        ),
        sa.Column("max_temperature", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "max_shock", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, comment="Milli-g."
        ),
        sa.Column(
            "corridor",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="UN/LOCODEs.",
        ),
        sa.Column("set_by", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    with op.batch_alter_table("iot_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_rules_block_number"), ["block_number"], unique=False)


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("iot_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_rules_block_number"))

    op.drop_table("iot_rules")
    with op.batch_alter_table("iot_gateway_authorisations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_gateway_authorisations_block_number"))

    op.drop_table("iot_gateway_authorisations")
    with op.batch_alter_table("iot_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_devices_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_iot_devices_gateway"))
        batch_op.drop_index(batch_op.f("ix_iot_devices_block_number"))

    op.drop_table("iot_devices")
    with op.batch_alter_table("iot_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_batches_gateway"))
        batch_op.drop_index(batch_op.f("ix_iot_batches_block_number"))
        batch_op.drop_index(batch_op.f("ix_iot_batches_batch_id"))

    op.drop_table("iot_batches")
    with op.batch_alter_table("iot_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_alerts_state"))
        batch_op.drop_index(batch_op.f("ix_iot_alerts_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_iot_alerts_device_id"))
        batch_op.drop_index(batch_op.f("ix_iot_alerts_block_number"))

    op.drop_table("iot_alerts")
    with op.batch_alter_table("financings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_financings_state"))
        batch_op.drop_index(batch_op.f("ix_financings_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_financings_financier"))
        batch_op.drop_index(batch_op.f("ix_financings_exporter"))
        batch_op.drop_index(batch_op.f("ix_financings_block_number"))

    op.drop_table("financings")
    with op.batch_alter_table("escrow_credits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escrow_credits_block_number"))

    op.drop_table("escrow_credits")
