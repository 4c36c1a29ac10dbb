"""DCSA Track & Trace: transport calls, shipments on calls, bookings, the events table (filled from what is indexed
already), the notification outbox and subscriptions

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:51:53.470176
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from portlink.domain.dcsa import CUSTOMS_EVENTS, ISSUED, MILESTONE_EVENTS, REJECTION, event_id

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "dcsa_events",
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("transaction_hash", sa.String(length=66), nullable=False),
        sa.Column("block_timestamp", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False, comment="UUID of the log (block hash, log index)."),
        sa.Column("event_type", sa.String(length=10), nullable=False, comment="SHIPMENT, TRANSPORT or EQUIPMENT."),
        sa.Column(
            "event_code",
            sa.String(length=4),
            nullable=False,
            comment="The shipment, transport or equipment event type code.",
        ),
        sa.Column("document_type_code", sa.String(length=3), nullable=True, comment="Shipment events: TRD or CUS."),
        sa.Column("document_id", sa.String(length=100), nullable=True, comment="Shipment events: the document's id."),
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("container_index", sa.Integer(), nullable=True, comment="Equipment events: the container."),
        sa.Column("port", sa.String(length=5), nullable=True, comment="Transport and equipment events: where."),
        sa.Column(
            "seals",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
            comment="Gate-in: the seals read.",
        ),
        sa.PrimaryKeyConstraint("block_hash", "log_index"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("dcsa_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dcsa_events_block_number"), ["block_number"], unique=False)
        batch_op.create_index("ix_dcsa_events_position", ["block_number", "log_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_dcsa_events_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index("ix_dcsa_events_type_code", ["event_type", "event_code"], unique=False)

    op.create_table(
        "notification_outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column(
            "topic",
            sa.String(length=20),
            nullable=False,
            comment="dcsa (T&T events) or alerts (alert and hold events).",
        ),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("topic", "block_hash", "log_index", name="uq_notification_outbox_log"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_outbox_block_number"), ["block_number"], unique=False)
        batch_op.create_index("ix_notification_outbox_topic_seq", ["topic", "seq"], unique=False)

    op.create_table(
        "shipment_bookings",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("carrier_booking_reference", sa.String(length=35), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id"),
    )
    with op.batch_alter_table("shipment_bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_bookings_block_number"), ["block_number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_shipment_bookings_carrier_booking_reference"), ["carrier_booking_reference"], unique=False
        )

    op.create_table(
        "shipment_calls",
        sa.Column("shipment_id", sa.String(length=66), nullable=False),
        sa.Column("port", sa.String(length=5), nullable=False, comment="The shipment's origin or destination."),
        sa.Column("call_id", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("shipment_id", "port"),
    )
    with op.batch_alter_table("shipment_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shipment_calls_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_shipment_calls_call_id"), ["call_id"], unique=False)

    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.String(length=36), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("member", sa.String(length=42), nullable=False, comment="Whose view the events are filtered by."),
        sa.Column("callback_url", sa.Text(), nullable=False),
        sa.Column(
            "secret", sa.Text(), nullable=False, comment="Base64 HMAC key of Notification-Signature (needed to sign)."
        ),
        sa.Column(
            "filters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
            comment="The subscription body's filters, as given (normalised).",
        ),
        sa.Column(
            "cursor",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="The last outbox seq delivered (or skipped as not matching).",
        ),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, comment="Failed attempts since the last delivery."),
        sa.Column("lease_owner", sa.String(length=36), nullable=True, comment="The worker delivering it now."),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column(
            "last_status", sa.Integer(), nullable=True, comment="HTTP status of the last attempt (NULL: no answer)."
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.Float(), nullable=True, comment="When a batch was last accepted."),
        sa.Column(
            "delivered_events",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="Events accepted so far.",
        ),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_member"), ["member"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_topic"), ["topic"], unique=False)

    op.create_table(
        "transport_calls",
        sa.Column("call_id", sa.String(length=66), nullable=False),
        sa.Column("carrier", sa.String(length=42), nullable=False),
        sa.Column("vessel_imo_number", sa.String(length=7), nullable=False, comment="Seven digits, as DCSA spells it."),
        sa.Column("vessel_name", sa.String(length=35), nullable=True),
        sa.Column("port", sa.String(length=5), nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=False, comment="DCSA transportCallSequenceNumber."),
        sa.Column("carrier_service_code", sa.String(length=5), nullable=True),
        sa.Column("export_voyage_number", sa.String(length=50), nullable=False),
        sa.Column("import_voyage_number", sa.String(length=50), nullable=True),
        sa.Column("recorded_transaction", sa.String(length=66), nullable=False),
        sa.Column(
            "recorded_at",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="Block time of the recording.",
        ),
        sa.Column("block_number", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("transport_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transport_calls_block_number"), ["block_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_calls_carrier"), ["carrier"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_calls_port"), ["port"], unique=False)
        batch_op.create_index(batch_op.f("ix_transport_calls_vessel_imo_number"), ["vessel_imo_number"], unique=False)

    _backfill_dcsa_events()


_POSITION = ("block_hash", "log_index", "transaction_hash", "block_timestamp", "block_number", "confirmed")


def _backfill_dcsa_events() -> None:
    """The DCSA events of what the index holds already (milestones, bills of lading, customs events), so that an
    existing index needs no re-indexing. Nothing is announced: subscriptions receive events indexed after them."""
    conn = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(conn, only=["milestones", "documents", "shipments", "events", "customs_decisions", "dcsa_events"])
    t = meta.tables
    found: list[dict[str, object]] = []

    def add(row: sa.RowMapping, **values: object) -> None:
        found.append(
            {
                **{k: row[k] for k in _POSITION},
                "event_id": event_id(row["block_hash"], row["log_index"]),
                "document_type_code": None,
                "document_id": None,
                "container_index": None,
                "port": None,
                "seals": None,
                **values,
            }
        )

    for r in conn.execute(sa.select(t["milestones"])).mappings():
        event_type, code = MILESTONE_EVENTS[r["milestone"]]
        add(
            r,
            event_type=event_type,
            event_code=code,
            shipment_id=r["shipment_id"],
            container_index=r["container_index"],
            port=r["port"],
            seals=r["seals"] if code == "GTIN" else None,
        )
    d, s = t["documents"], t["shipments"]
    bills = sa.select(d, s.c.transport_document_reference).join(s, s.c.shipment_id == d.c.shipment_id)
    for r in conn.execute(bills.where(d.c.doc_type == "BILL_OF_LADING")).mappings():
        add(
            r,
            event_type="SHIPMENT",
            event_code=ISSUED[0],
            document_type_code=ISSUED[1],
            document_id=r["transport_document_reference"],
            shipment_id=r["shipment_id"],
        )
    e = t["events"]
    customs = sa.select(e).where(e.c.contract == "CustomsClearance", e.c.event.in_(list(CUSTOMS_EVENTS)))
    for r in conn.execute(customs).mappings():
        code, document_type = CUSTOMS_EVENTS[r["event"]]
        declaration = r["args"]["declarationId"]
        add(
            r,
            event_type="SHIPMENT",
            event_code=code,
            document_type_code=document_type,
            document_id=declaration,
            shipment_id=declaration,
        )
    c = t["customs_decisions"]
    for r in conn.execute(sa.select(c).where(c.c.decision == "REJECT")).mappings():
        add(
            r,
            event_type="SHIPMENT",
            event_code=REJECTION[0],
            document_type_code=REJECTION[1],
            document_id=r["declaration_id"],
            shipment_id=r["declaration_id"],
        )
    for start in range(0, len(found), 1000):
        conn.execute(sa.insert(t["dcsa_events"]), found[start : start + 1000])


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("transport_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transport_calls_vessel_imo_number"))
        batch_op.drop_index(batch_op.f("ix_transport_calls_port"))
        batch_op.drop_index(batch_op.f("ix_transport_calls_carrier"))
        batch_op.drop_index(batch_op.f("ix_transport_calls_block_number"))

    op.drop_table("transport_calls")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_topic"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_member"))

    op.drop_table("subscriptions")
    with op.batch_alter_table("shipment_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_calls_call_id"))
        batch_op.drop_index(batch_op.f("ix_shipment_calls_block_number"))

    op.drop_table("shipment_calls")
    with op.batch_alter_table("shipment_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shipment_bookings_carrier_booking_reference"))
        batch_op.drop_index(batch_op.f("ix_shipment_bookings_block_number"))

    op.drop_table("shipment_bookings")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_topic_seq")
        batch_op.drop_index(batch_op.f("ix_notification_outbox_block_number"))

    op.drop_table("notification_outbox")
    with op.batch_alter_table("dcsa_events", schema=None) as batch_op:
        batch_op.drop_index("ix_dcsa_events_type_code")
        batch_op.drop_index(batch_op.f("ix_dcsa_events_shipment_id"))
        batch_op.drop_index("ix_dcsa_events_position")
        batch_op.drop_index(batch_op.f("ix_dcsa_events_block_number"))

    op.drop_table("dcsa_events")
