"""The index's tables (SQLAlchemy Core). Alembic migrations in ``migrations/versions`` create exactly these.

Three kinds of table:

- bookkeeping: ``index_state`` (one row: chain, checkpoint, final block), ``indexed_contracts`` (how far each
  manifest contract is indexed), ``blocks`` (hashes of recent blocks, to notice reorganisations) and
  ``projection_undo`` (what each recent block changed in the projections, to roll it back);
- the log itself: ``raw_logs`` exactly as the node returned them and ``events`` decoded from the manifest ABIs,
  both keyed by (block hash, log index);
- projections the API reads: ports, members, roles, shipments, containers, milestones, discrepancies, documents,
  declarations, customs decisions, holds, brokers, financings and escrow credits, IoT devices, gateway
  authorisations, rules, alerts and anchored batches. Each row carries the block that last changed it and whether
  that block is confirmed (``indexer_confirmations`` deep).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

#: JSON documents: JSONB on PostgreSQL (indexable), JSON (text) on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
#: A block number or other chain integer up to 2**63.
Block = BigInteger().with_variant(Integer(), "sqlite")

HASH = 66  # 0x + 64 hex digits
ADDRESS = 42
PORT = 5

# ---------------------------------------------------------------------------------------------------- bookkeeping

index_state = Table(
    "index_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chain_id", Block, nullable=False),
    Column("genesis_hash", String(HASH), nullable=False),
    Column("checkpoint_block", Block, nullable=False, comment="Last block indexed for every contract."),
    Column("head_block", Block, nullable=False, comment="The node's head when the checkpoint was written."),
    Column("final_block", Block, nullable=False, comment="Blocks up to this one are confirmed."),
    Column("rollback_floor", Block, nullable=False, comment="Reorganisations can roll back to this block, not below."),
)

indexed_contracts = Table(
    "indexed_contracts",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("address", String(ADDRESS), nullable=False, unique=True),
    Column("start_block", Block, nullable=False),
    Column("indexed_to", Block, nullable=False),
)

blocks = Table(
    "blocks",
    metadata,
    Column("number", Block, primary_key=True),
    Column("hash", String(HASH), nullable=False),
)

projection_undo = Table(
    "projection_undo",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("block_number", Block, nullable=False, index=True),
    Column("table_name", String(64), nullable=False),
    Column("key", Json, nullable=False),
    Column("before", Json, nullable=True, comment="The row before the block changed it; NULL: it did not exist."),
)

# ---------------------------------------------------------------------------------------------------- the log


def _position() -> list[Column[object]]:
    """Where a log is: its key (block hash, log index) and its place on the chain."""
    return [
        Column("block_hash", String(HASH), primary_key=True),
        Column("log_index", Integer, primary_key=True),
        Column("block_number", Block, nullable=False, index=True),
        Column("block_timestamp", Block, nullable=True),
        Column("transaction_hash", String(HASH), nullable=False),
        Column("confirmed", Boolean, nullable=False),
    ]


raw_logs = Table(
    "raw_logs",
    metadata,
    *_position(),
    Column("transaction_index", Integer, nullable=False),
    Column("address", String(ADDRESS), nullable=False),
    Column("topic0", String(HASH), nullable=True),
    Column("topic1", String(HASH), nullable=True),
    Column("topic2", String(HASH), nullable=True),
    Column("topic3", String(HASH), nullable=True),
    Column("data", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    *_position(),
    Column("contract", String(100), nullable=False),
    Column("address", String(ADDRESS), nullable=False),
    Column("event", String(100), nullable=False),
    Column("signature", String(500), nullable=False),
    Column("args", Json, nullable=False),
    Index("ix_events_contract_event", "contract", "event"),
)

# ---------------------------------------------------------------------------------------------------- projections


def _changed() -> list[Column[object]]:
    """The block that last changed a projection row, and whether it is confirmed."""
    return [
        Column("block_number", Block, nullable=False, index=True),
        Column("confirmed", Boolean, nullable=False),
    ]


def _appended() -> list[Column[object]]:
    """Rows that record one event each (milestones, documents, decisions): keyed by the log."""
    return [
        Column("block_hash", String(HASH), primary_key=True),
        Column("log_index", Integer, primary_key=True),
        Column("transaction_hash", String(HASH), nullable=False),
        Column("block_timestamp", Block, nullable=True),
        *_changed(),
    ]


ports = Table(
    "ports",
    metadata,
    Column("code", String(PORT), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("authority", String(ADDRESS), nullable=False),
    *_changed(),
)

members = Table(
    "members",
    metadata,
    Column("account", String(ADDRESS), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("org_id", String(200), nullable=False),
    Column("status", String(20), nullable=False),
    Column("suspension_reason", String(HASH), nullable=True),
    *_changed(),
)

member_roles = Table(
    "member_roles",
    metadata,
    Column("account", String(ADDRESS), primary_key=True),
    Column("role_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True, comment="Empty for a role held globally."),
    Column("role", String(40), nullable=False, comment="The role's name, or its id if PortLink does not know it."),
    *_changed(),
)

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
    *_changed(),
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
    *_changed(),
)

milestones = Table(
    "milestones",
    metadata,
    *_appended(),
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
    *_changed(),
)

documents = Table(
    "documents",
    metadata,
    *_appended(),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("doc_type", String(30), nullable=False),
    Column("digest", String(HASH), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("anchored_by", String(ADDRESS), nullable=False),
)

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
    *_changed(),
)

customs_decisions = Table(
    "customs_decisions",
    metadata,
    *_appended(),
    Column("declaration_id", String(HASH), nullable=False, index=True),
    Column("port", String(PORT), nullable=False),
    Column("officer", String(ADDRESS), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision", String(30), nullable=False),
    Column("reason_code", String(HASH), nullable=False),
    Column("submitted_by", String(ADDRESS), nullable=False),
)

customs_holds = Table(
    "customs_holds",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True),
    Column("officer", String(ADDRESS), nullable=False),
    Column("reason_code", String(HASH), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("released_by", String(ADDRESS), nullable=True),
    *_changed(),
)

brokers = Table(
    "brokers",
    metadata,
    Column("shipper", String(ADDRESS), primary_key=True),
    Column("broker", String(ADDRESS), primary_key=True),
    *_changed(),
)

# ------------------------------------------------------------------ trade-finance escrow

AMOUNT = 80  # a uint256 as a decimal string (78 digits)

financings = Table(
    "financings",
    metadata,
    Column("financing_id", Block, primary_key=True, autoincrement=False),
    Column("shipment_id", String(HASH), nullable=False, index=True),
    Column("exporter", String(ADDRESS), nullable=False, index=True, comment="The shipment's shipper, who requested."),
    Column("product", String(20), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("financier", String(ADDRESS), nullable=True, index=True, comment="NULL until offered."),
    Column("token", String(ADDRESS), nullable=True),
    Column("amount", String(AMOUNT), nullable=True, comment="The principal offered (uint128, decimal string)."),
    Column("fee_bps", Integer, nullable=True),
    Column("condition", String(20), nullable=True),
    Column("fund_by", Block, nullable=True, comment="Unix time."),
    Column("release_by", Block, nullable=True, comment="Unix time."),
    Column("maturity", Block, nullable=True, comment="Unix time."),
    Column("funded", String(AMOUNT), nullable=True, comment="What the escrow received when funded."),
    Column("due", String(AMOUNT), nullable=True, comment="Funded plus the fee: what repays the financing."),
    Column("released", String(AMOUNT), nullable=False),
    Column("refunded", String(AMOUNT), nullable=False),
    Column("repaid", String(AMOUNT), nullable=False),
    Column("refund_reason", String(30), nullable=True),
    Column("rebate_payment_ref", String(HASH), nullable=True),
    Column("rebate_recorded_by", String(ADDRESS), nullable=True),
    Column("requested_block", Block, nullable=False),
    Column("requested_transaction", String(HASH), nullable=False),
    Column("requested_at", Block, nullable=True, comment="Block time of the request."),
    Column("funded_at", Block, nullable=True, comment="Block time of the funding."),
    Column("released_at", Block, nullable=True, comment="Block time of the release."),
    *_changed(),
)

escrow_credits = Table(
    "escrow_credits",
    metadata,
    Column("token", String(ADDRESS), primary_key=True),
    Column("account", String(ADDRESS), primary_key=True),
    Column("withdrawable", String(AMOUNT), nullable=False, comment="What the escrow's `withdrawable` answers."),
    Column("credited", String(AMOUNT), nullable=False, comment="Every credit so far."),
    Column("withdrawn", String(AMOUNT), nullable=False, comment="Every withdrawal so far."),
    *_changed(),
)

# ------------------------------------------------------------------ IoT monitor

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
    *_changed(),
)

iot_gateway_authorisations = Table(
    "iot_gateway_authorisations",
    metadata,
    Column("shipment_id", String(HASH), primary_key=True),
    Column("gateway", String(ADDRESS), primary_key=True),
    Column("authorised", Boolean, nullable=False),
    Column("set_by", String(ADDRESS), nullable=False),
    *_changed(),
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
    *_changed(),
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
    *_changed(),
)

iot_batches = Table(
    "iot_batches",
    metadata,
    *_appended(),
    Column("batch_id", Block, nullable=False, index=True),
    Column("gateway", String(ADDRESS), nullable=False, index=True),
    Column("root", String(HASH), nullable=False),
    Column("count", Integer, nullable=False),
)

#: Projections whose rows change (rolled back through ``projection_undo``).
ENTITY_TABLES = (
    ports,
    members,
    member_roles,
    shipments,
    containers,
    discrepancies,
    declarations,
    customs_holds,
    brokers,
    financings,
    escrow_credits,
    iot_devices,
    iot_gateway_authorisations,
    iot_rules,
    iot_alerts,
)
#: Projections with one row per event (rolled back by block number).
APPEND_TABLES = (milestones, documents, customs_decisions, iot_batches)
#: Everything a reorganisation rolls back by block number.
LOG_TABLES = (raw_logs, events, *APPEND_TABLES)
#: The tables whose contents follow from the chain alone (what two indexers of one chain agree on).
CHAIN_TABLES = (raw_logs, events, *ENTITY_TABLES, *APPEND_TABLES)
TABLES = {t.name: t for t in metadata.sorted_tables}

# The services' tables (API keys, operations, ...) share this metadata and the Alembic history.
from portlink.services import schema as _services_schema  # noqa: E402,F401
