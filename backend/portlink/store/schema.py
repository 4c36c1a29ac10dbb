"""Every table of the database, by name, and the groups the indexer treats alike.

The tables live by area (:mod:`~portlink.store.index` for the bookkeeping and the log, one module per contract's
projections, :mod:`~portlink.store.services` for the services' own tables, :mod:`~portlink.store.risk` for the risk
engine's); this module gathers them so that a
reader writes ``schema.shipments`` and the indexer finds every projection. Alembic migrations in
``store/migrations/versions`` create exactly these (a test compares them).
"""

from __future__ import annotations

from portlink.store.columns import metadata
from portlink.store.consortium import member_roles, members, ports
from portlink.store.customs import brokers, customs_decisions, customs_holds, declarations
from portlink.store.dcsa import dcsa_events, shipment_bookings, shipment_calls, transport_calls
from portlink.store.escrow import escrow_credits, financings
from portlink.store.index import blocks, events, index_state, indexed_contracts, projection_undo, raw_logs
from portlink.store.iot import iot_alerts, iot_batches, iot_devices, iot_gateway_authorisations, iot_rules
from portlink.store.notifications import outbox, subscriptions
from portlink.store.risk import risk_alerts, risk_decisions, risk_models, risk_scores
from portlink.store.services import (
    api_keys,
    idempotency_records,
    operations,
    sessions,
    sign_in_nonces,
    signing_accounts,
    transaction_receipts,
)
from portlink.store.shipments import containers, discrepancies, documents, milestones, shipments

__all__ = [
    "APPEND_TABLES",
    "CHAIN_TABLES",
    "ENTITY_TABLES",
    "LOG_TABLES",
    "OUTBOX_TABLES",
    "RISK_TABLES",
    "SERVICE_TABLES",
    "TABLES",
    "api_keys",
    "blocks",
    "brokers",
    "containers",
    "customs_decisions",
    "customs_holds",
    "dcsa_events",
    "declarations",
    "discrepancies",
    "documents",
    "escrow_credits",
    "events",
    "financings",
    "idempotency_records",
    "index_state",
    "indexed_contracts",
    "iot_alerts",
    "iot_batches",
    "iot_devices",
    "iot_gateway_authorisations",
    "iot_rules",
    "member_roles",
    "members",
    "metadata",
    "milestones",
    "operations",
    "outbox",
    "ports",
    "projection_undo",
    "raw_logs",
    "risk_alerts",
    "risk_decisions",
    "risk_models",
    "risk_scores",
    "sessions",
    "shipment_bookings",
    "shipment_calls",
    "shipments",
    "sign_in_nonces",
    "signing_accounts",
    "subscriptions",
    "transaction_receipts",
    "transport_calls",
]

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
    transport_calls,
    shipment_calls,
    shipment_bookings,
)
#: Projections with one row per event (rolled back by block number).
APPEND_TABLES = (milestones, documents, customs_decisions, iot_batches, dcsa_events)
#: Everything a reorganisation rolls back by block number.
LOG_TABLES = (raw_logs, events, *APPEND_TABLES)
#: The tables whose contents follow from the chain alone (what two indexers of one chain agree on).
CHAIN_TABLES = (raw_logs, events, *ENTITY_TABLES, *APPEND_TABLES)
#: The services' own tables (API keys, operations, idempotency, nonces, sign-in, subscriptions).
SERVICE_TABLES = (
    api_keys,
    signing_accounts,
    operations,
    idempotency_records,
    transaction_receipts,
    sign_in_nonces,
    sessions,
    subscriptions,
)
#: What the indexer announces to subscribers, written with each range and rolled back with its blocks; not chain
#: data (its numbering depends on when rows were indexed).
OUTBOX_TABLES = (outbox,)
#: The risk engine's own tables (models, scores, decisions against the advice, alerts): derived from the
#: projections and recomputed, not rolled back with blocks.
RISK_TABLES = (risk_models, risk_scores, risk_decisions, risk_alerts)
TABLES = {t.name: t for t in metadata.sorted_tables}
