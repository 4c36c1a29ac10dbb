"""DCSA Track & Trace: projections of the transport call registry (vessel calls, the shipments on each, booking
references) and ``dcsa_events``, one row per milestone, document or customs event that DCSA Track & Trace knows
(what ``GET /v2/events`` filters and pages in SQL)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table

from portlink.store.columns import ADDRESS, HASH, PORT, Block, Json, appended, changed, metadata

transport_calls = Table(
    "transport_calls",
    metadata,
    Column("call_id", String(HASH), primary_key=True),
    Column("carrier", String(ADDRESS), nullable=False, index=True),
    Column("vessel_imo_number", String(7), nullable=False, index=True, comment="Seven digits, as DCSA spells it."),
    Column("vessel_name", String(35), nullable=True),
    Column("port", String(PORT), nullable=False, index=True),
    Column("sequence_number", Integer, nullable=False, comment="DCSA transportCallSequenceNumber."),
    Column("carrier_service_code", String(5), nullable=True),
    Column("export_voyage_number", String(50), nullable=False),
    Column("import_voyage_number", String(50), nullable=True),
    Column("recorded_transaction", String(HASH), nullable=False),
    Column("recorded_at", Block, nullable=True, comment="Block time of the recording."),
    *changed(),
)

shipment_calls = Table(
    "shipment_calls",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True, comment="The shipment's origin or destination."),
    Column("call_id", String(HASH), nullable=False, index=True),
    *changed(),
)

shipment_bookings = Table(
    "shipment_bookings",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("carrier_booking_reference", String(35), nullable=False, index=True),
    *changed(),
)

dcsa_events = Table(
    "dcsa_events",
    metadata,
    *appended(),
    Column("event_id", String(36), nullable=False, unique=True, comment="UUID of the log (block hash, log index)."),
    Column("event_type", String(10), nullable=False, comment="SHIPMENT, TRANSPORT or EQUIPMENT."),
    Column("event_code", String(4), nullable=False, comment="The shipment, transport or equipment event type code."),
    Column("document_type_code", String(3), nullable=True, comment="Shipment events: TRD or CUS."),
    Column("document_id", String(100), nullable=True, comment="Shipment events: the document's id."),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("container_index", Integer, nullable=True, comment="Equipment events: the container."),
    Column("port", String(PORT), nullable=True, comment="Transport and equipment events: where."),
    Column("seals", Json, nullable=True, comment="Gate-in: the seals read."),
    Index("ix_dcsa_events_position", "block_number", "log_index"),
    Index("ix_dcsa_events_type_code", "event_type", "event_code"),
)
