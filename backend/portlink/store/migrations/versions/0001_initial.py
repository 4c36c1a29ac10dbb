"""Initial schema: log, events, bookkeeping, projections

Revision ID: 0001
Revises:
Create Date: 2026-12-01 06:14:19.844357
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""

    op.create_table(
        "blocks",
        sa.Column("number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "brokers",
        sa.Column("shipper", sa.String(length=42), nullable=False),
        sa.Column("broker", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipper", "broker"),
    )
    with op.batch_alter_table("brokers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brokers_block_number"), ["block_number"], unique=False)

    op.create_table(
        "containers",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("container_index", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=11), nullable=False),
        sa.Column("declared_gross_kg", sa.Integer(), nullable=False),
        sa.Column(
            "seals", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("last_milestone", sa.String(length=10), nullable=True),
        sa.Column("observed_gross_kg", sa.Integer(), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "container_index"),
    )
    with op.batch_alter_table("containers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_containers_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_containers_number"), ["number"], unique=False)

    op.create_table(
        "customs_decisions",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("officer", sa.String(length=42), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("reason_code", sa.String(length=66), nullable=False),
        sa.Column("submitted_by", sa.String(length=42), nullable=False),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("customs_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customs_decisions_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_customs_decisions_declaration_id"), ["declaration_id"], unique=False)

    op.create_table(
        "customs_holds",
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("officer", sa.String(length=42), nullable=False),
        sa.Column("reason_code", sa.String(length=66), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("released_by", sa.String(length=42), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "port"),
    )
    with op.batch_alter_table("customs_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customs_holds_block_number"), ["block_number"], unique=False)

    op.create_table(
        "declarations",
        sa.Column("declaration_id", sa.String(length=66), nullable=False),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("filer", sa.String(length=42), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=66), nullable=False),
        sa.Column(
            "hs_codes", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("customs_value", sa.String(length=40), nullable=False, comment="uint128, as a decimal string."),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cleared_version", sa.Integer(), nullable=True),
        sa.Column("origin_officer", sa.String(length=42), nullable=True),
        sa.Column("destination_officer", sa.String(length=42), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id"),
    )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declarations_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_declarations_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "discrepancies",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("container_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("declared", sa.String(length=66), nullable=False),
        sa.Column("observed", sa.String(length=66), nullable=False),
        sa.Column("cleared_by", sa.String(length=42), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "container_index", "kind"),
    )
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discrepancies_block_number"), ["block_number"], unique=False)

    op.create_table(
        "documents",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("doc_type", sa.String(length=30), nullable=False),
        sa.Column("digest", sa.String(length=66), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("anchored_by", sa.String(length=42), nullable=False),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_digest"), ["digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_documents_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("contract", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("signature", sa.String(length=500), nullable=False),
        sa.Column(
            "args", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_block_number"), ["block_number"], unique=False)
        batch_op.create_index("ix_events_contract_event", ["contract", "event"], unique=False)

    op.create_table(
        "index_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chain_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("genesis_hash", sa.String(length=66), nullable=False),
        sa.Column(
            "checkpoint_block",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Last block indexed for every contract.",
        ),
        sa.Column(
            "head_block",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="The node's head when the checkpoint was written.",
        ),
        sa.Column(
            "final_block",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Blocks up to this one are confirmed.",
        ),
        sa.Column(
            "rollback_floor",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Reorganisations can roll back to this block, not below.",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "indexed_contracts",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("start_block", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("indexed_to", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        sa.UniqueConstraint("address"),
    )
    op.create_table(
        "member_roles",
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("role_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False, comment="Empty for a role held globally."),
        sa.Column(
            "role",
            sa.String(length=40),
            nullable=False,
            comment="The role's name, or its id if PortLink does not know it.",
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account", "role_id", "port"),
    )
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_roles_block_number"), ["block_number"], unique=False)

    op.create_table(
        "members",
        sa.Column("account", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("suspension_reason", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_block_number"), ["block_number"], unique=False)

    op.create_table(
        "milestones",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column(
            "container_index", sa.Integer(), nullable=True, comment="NULL for a transport milestone (DEPA, ARRI)."
        ),
        sa.Column("milestone", sa.String(length=10), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("recorded_by", sa.String(length=42), nullable=False),
        sa.Column("observed_gross_kg", sa.Integer(), nullable=True),
        sa.Column(
            "seals", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_milestones_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_milestones_shipment_id"), ["shipment_id"], unique=False)

    op.create_table(
        "ports",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("authority", sa.String(length=42), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ports_block_number"), ["block_number"], unique=False)

    op.create_table(
        "projection_undo",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
            comment="The row before the block changed it; NULL: it did not exist.",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("projection_undo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projection_undo_block_number"), ["block_number"], unique=False)

    op.create_table(
        "raw_logs",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("transaction_index", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("topic0", sa.String(length=66), nullable=True),
        sa.Column("topic1", sa.String(length=66), nullable=True),
        sa.Column("topic2", sa.String(length=66), nullable=True),
        sa.Column("topic3", sa.String(length=66), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
    )
    with op.batch_alter_table("raw_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_raw_logs_block_number"), ["block_number"], unique=False)

    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("shipper", sa.String(length=42), nullable=False),
        sa.Column("carrier", sa.String(length=42), nullable=False),
        sa.Column("consignee", sa.String(length=42), nullable=False),
        sa.Column("origin_port", sa.String(length=5), nullable=False),
        sa.Column("destination_port", sa.String(length=5), nullable=False),
        sa.Column("transport_document_reference", sa.String(length=40), nullable=False),
        sa.Column("documents_digest", sa.String(length=66), nullable=False),
        sa.Column("container_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("registered_block", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("registered_transaction", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipments_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_carrier"), ["carrier"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_consignee"), ["consignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipments_shipper"), ["shipper"], unique=False)


def downgrade() -> None:
    """Revert."""

    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipments_shipper"))
        batch_op.drop_index(batch_op.f("ix_shipments_consignee"))
        batch_op.drop_index(batch_op.f("ix_shipments_carrier"))
        batch_op.drop_index(batch_op.f("ix_shipments_block_number"))

    op.drop_table("shipments")
    with op.batch_alter_table("raw_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_raw_logs_block_number"))

    op.drop_table("raw_logs")
    with op.batch_alter_table("projection_undo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projection_undo_block_number"))

    op.drop_table("projection_undo")
    with op.batch_alter_table("ports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ports_block_number"))

    op.drop_table("ports")
    with op.batch_alter_table("milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_milestones_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_milestones_block_number"))

    op.drop_table("milestones")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_block_number"))

    op.drop_table("members")
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_roles_block_number"))

    op.drop_table("member_roles")
    op.drop_table("indexed_contracts")
    op.drop_table("index_state")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_contract_event")
        batch_op.drop_index(batch_op.f("ix_events_block_number"))

    op.drop_table("events")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_documents_digest"))
        batch_op.drop_index(batch_op.f("ix_documents_block_number"))

    op.drop_table("documents")
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discrepancies_block_number"))

    op.drop_table("discrepancies")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarations_shipment_id"))
        batch_op.drop_index(batch_op.f("ix_declarations_block_number"))

    op.drop_table("declarations")
    with op.batch_alter_table("customs_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customs_holds_block_number"))

    op.drop_table("customs_holds")
    with op.batch_alter_table("customs_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customs_decisions_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_customs_decisions_block_number"))

    op.drop_table("customs_decisions")
    with op.batch_alter_table("containers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_containers_number"))
        batch_op.drop_index(batch_op.f("ix_containers_block_number"))

    op.drop_table("containers")
    with op.batch_alter_table("brokers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brokers_block_number"))

    op.drop_table("brokers")
    op.drop_table("blocks")
