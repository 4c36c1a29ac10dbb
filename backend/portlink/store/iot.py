"""Projections of the IoT monitor: devices, gateway authorisations, rules, alerts and anchored batches."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, String, Table, Text

from portlink.store.columns import ADDRESS, HASH, Block, Json, appended, changed, metadata

iot_devices = Table(
    "iot_devices",
    metadata,
    Column("device_id", String(HASH), primary_key=True),
    Column("gateway", String(ADDRESS), nullable=False, index=True),
    Column("signer", String(ADDRESS), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("shipment_id", String(HASH), nullable=True, index=True, comment="NULL while unbound."),
    Column("container_index", Integer, nullable=True),
    Column("container", String(11), nullable=True),
    Column("last_sequence", Block, nullable=False, comment="Of the last reading accepted on chain; 0: none."),
    Column("last_reading_at", Block, nullable=True, comment="Device time of that reading."),
    *changed(),
)

iot_gateway_authorisations = Table(
    "iot_gateway_authorisations",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("gateway", String(ADDRESS), primary_key=True),
    Column("authorised", Boolean, nullable=False),
    Column("set_by", String(ADDRESS), nullable=False),
    *changed(),
)

iot_rules = Table(
    "iot_rules",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("enabled", Json, nullable=False, comment="The rules checked, by name (TEMPERATURE, SEAL, ...)."),
    Column("min_temperature", Block, nullable=False, comment="Degrees Celsius x 100."),
    Column("max_temperature", Block, nullable=False),
    Column("max_shock", Block, nullable=False, comment="Milli-g."),
    Column("corridor", Json, nullable=False, comment="UN/LOCODEs."),
    Column("set_by", String(ADDRESS), nullable=False),
    *changed(),
)

iot_alerts = Table(
    "iot_alerts",
    metadata,
    Column("alert_id", Block, primary_key=True, autoincrement=False),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("device_id", String(HASH), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("value", Block, nullable=False, comment="The breaching reading's value (meaning by kind)."),
    Column("sequence", Block, nullable=False),
    Column("reading_timestamp", Block, nullable=False, comment="Device time of the reading."),
    Column("state", String(20), nullable=False, index=True),
    Column("raised_block", Block, nullable=False),
    Column("raised_transaction", String(HASH), nullable=False),
    Column("raised_at", Block, nullable=True, comment="Block time: the monitor's `raisedAt`."),
    Column("resolved_by", String(ADDRESS), nullable=True),
    Column("reason", Text, nullable=True),
    Column("resolved_at", Block, nullable=True),
    *changed(),
)

iot_batches = Table(
    "iot_batches",
    metadata,
    *appended(),
    Column("batch_id", Block, nullable=False, index=True),
    Column("gateway", String(ADDRESS), nullable=False, index=True),
    Column("root", String(HASH), nullable=False),
    Column("count", Integer, nullable=False),
)
