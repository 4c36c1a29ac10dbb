"""The audit trail of a shipment, from the indexed event log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from portlink.api.deps import CallerDep, QueriesDep
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import ShipmentId, visible_shipment
from portlink.manifest import ESCROW
from portlink.services.queries import IndexQueries

audit = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditEntry(Public):
    """One on-chain event: contract, name, arguments, and where it is on the chain."""

    contract: str
    event: str
    args: dict[str, Any]
    transactionHash: str
    blockNumber: int
    logIndex: int
    blockTimestamp: int | None
    confirmed: bool


def shipment_trail(queries: IndexQueries, shipment_id: str) -> list[dict[str, Any]]:
    """Every event of a shipment: its own, its declaration's (same id) and its financings', in chain order."""
    sid = shipment_id.lower()
    entries = queries.events(arg=("shipmentId", sid)) + queries.events(arg=("declarationId", sid))
    financings = {e["args"]["financingId"] for e in entries if e["contract"] == ESCROW and "financingId" in e["args"]}
    for financing in financings:
        entries += queries.events(contract=ESCROW, arg=("financingId", financing))
    unique = {(e["blockHash"], e["logIndex"]): e for e in entries}
    return sorted(unique.values(), key=lambda e: (e["blockNumber"], e["logIndex"]))


@audit.get("/shipments/{shipment_id}", response_model=list[AuditEntry], responses=responses(401, 403, 404))
def shipment_audit(shipment_id: ShipmentId, queries: QueriesDep, caller: CallerDep) -> list[AuditEntry]:
    """The audit trail of a shipment: every on-chain event with transaction hash, block, log index and time."""
    visible_shipment(queries, caller, shipment_id)
    return [AuditEntry(**e) for e in shipment_trail(queries, shipment_id)]
