"""The audit trail of a shipment, from the indexed event log."""

from __future__ import annotations

from fastapi import APIRouter

from portlink.api.deps import AuditDep, CallerDep
from portlink.api.models import ChainEventPublic
from portlink.api.problems import responses
from portlink.api.routes.shipments import ShipmentId

audit = APIRouter(prefix="/v1/audit", tags=["audit"])


@audit.get("/shipments/{shipment_id}", response_model=list[ChainEventPublic], responses=responses(401, 403, 404))
def shipment_audit(shipment_id: ShipmentId, audits: AuditDep, caller: CallerDep) -> list[ChainEventPublic]:
    """The audit trail of a shipment: every on-chain event with transaction hash, block, log index and time."""
    return [ChainEventPublic.model_validate(e) for e in audits.trail(caller, shipment_id)]
