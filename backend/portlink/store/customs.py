"""Projections of customs clearance: declarations, decisions, holds, brokers."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table

from portlink.store.columns import ADDRESS, HASH, PORT, Json, appended, changed, metadata

declarations = Table(
    "declarations",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("filer", String(ADDRESS), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(HASH), nullable=False),
    Column("hs_codes", Json, nullable=False),
    Column("customs_value", String(40), nullable=False, comment="uint128, as a decimal string."),
    Column("currency", String(3), nullable=False),
    Column("state", String(20), nullable=False),
    Column("cleared_version", Integer, nullable=True),
    Column("origin_officer", String(ADDRESS), nullable=True),
    Column("destination_officer", String(ADDRESS), nullable=True),
    *changed(),
)

customs_decisions = Table(
    "customs_decisions",
    metadata,
    *appended(),
    Column("declaration_id", String(HASH), nullable=False, index=True),
    Column("port", String(PORT), nullable=False),
    Column("officer", String(ADDRESS), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision", String(30), nullable=False),
    Column("reason_code", String(HASH), nullable=True, comment="As text (DOCS_MISSING); none for an approval."),
    Column("submitted_by", String(ADDRESS), nullable=False),
)

customs_holds = Table(
    "customs_holds",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True),
    Column("officer", String(ADDRESS), nullable=False),
    Column("reason_code", String(HASH), nullable=True, comment="As text (X-RAY); none if the officer gave none."),
    Column("active", Boolean, nullable=False),
    Column("released_by", String(ADDRESS), nullable=True),
    *changed(),
)

brokers = Table(
    "brokers",
    metadata,
    Column("shipper", String(ADDRESS), primary_key=True),
    Column("broker", String(ADDRESS), primary_key=True),
    *changed(),
)
