"""The audit trail of a shipment, from the indexed event log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from portlink.api.deps import CallerDep, QueriesDep
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import ShipmentId, visible_shipment
from portlink.services.audit import shipment_trail

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


@audit.get("/shipments/{shipment_id}", response_model=list[AuditEntry], responses=responses(401, 403, 404))
def shipment_audit(shipment_id: ShipmentId, queries: QueriesDep, caller: CallerDep) -> list[AuditEntry]:
    """The audit trail of a shipment: every on-chain event with transaction hash, block, log index and time."""
    visible_shipment(queries, caller, shipment_id)
    return [AuditEntry(**e) for e in shipment_trail(queries, shipment_id)]
