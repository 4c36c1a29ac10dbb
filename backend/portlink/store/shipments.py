"""Projections of the shipment registry: shipments, containers, milestones, discrepancies, documents."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from portlink.store.columns import ADDRESS, HASH, PORT, Block, Json, appended, changed, metadata

shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("shipper", String(ADDRESS), nullable=False, index=True),
    Column("carrier", String(ADDRESS), nullable=False, index=True),
    Column("consignee", String(ADDRESS), nullable=False, index=True),
    Column("origin_port", String(PORT), nullable=False),
    Column("destination_port", String(PORT), nullable=False),
    Column("transport_document_reference", String(40), nullable=False, index=True),
    Column("documents_digest", String(HASH), nullable=False),
    Column("container_count", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("held", Boolean, nullable=False),
    Column("registered_block", Block, nullable=False),
    Column("registered_transaction", String(HASH), nullable=False),
    *changed(),
    # The latest shipments of a route, a shipper, a consignee (the risk engine's history of a declaration).
    Index("ix_shipments_route", "origin_port", "destination_port", "registered_block"),
    Index("ix_shipments_shipper_registered", "shipper", "registered_block"),
    Index("ix_shipments_consignee_registered", "consignee", "registered_block"),
)

containers = Table(
    "containers",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("container_index", Integer, primary_key=True),
    Column("number", String(11), nullable=False, index=True),
    Column("declared_gross_kg", Integer, nullable=False),
    Column("seals", Json, nullable=False),
    Column("last_milestone", String(10), nullable=True),
    Column("observed_gross_kg", Integer, nullable=True),
    *changed(),
)

milestones = Table(
    "milestones",
    metadata,
    *appended(),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("container_index", Integer, nullable=True, comment="NULL for a transport milestone (DEPA, ARRI)."),
    Column("milestone", String(10), nullable=False),
    Column("port", String(PORT), nullable=False),
    Column("recorded_by", String(ADDRESS), nullable=False),
    Column("observed_gross_kg", Integer, nullable=True),
    Column("seals", Json, nullable=True),
)

discrepancies = Table(
    "discrepancies",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("container_index", Integer, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("declared", String(HASH), nullable=False),
    Column("observed", String(HASH), nullable=False),
    Column("cleared_by", String(ADDRESS), nullable=True),
    Column("cleared_reason", Text, nullable=True),
    *changed(),
)

documents = Table(
    "documents",
    metadata,
    *appended(),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("doc_type", String(30), nullable=False),
    Column("digest", String(HASH), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("anchored_by", String(ADDRESS), nullable=False),
)
