"""Projections of the shipment registry's events: shipments, containers, milestones, discrepancies, documents."""

from __future__ import annotations

from typing import Any

from portlink.domain.dcsa import ISSUED, MILESTONE_EVENTS
from portlink.domain.shipments import DiscrepancyKind, DocumentType, Milestone, ShipmentState
from portlink.indexer.projections import tnt
from portlink.indexer.projections.base import Event, Projector, handles
from portlink.manifest import SHIPMENTS
from portlink.store import schema


@handles(SHIPMENTS, "ShipmentRegistered")
def _shipment_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.shipments,
        shipment_id=a["shipmentId"],
        shipper=a["shipper"],
        carrier=a["carrier"],
        consignee=a["consignee"],
        origin_port=a["originPort"],
        destination_port=a["destinationPort"],
        transport_document_reference=a["transportDocumentReference"],
        documents_digest=a["documentsDigest"],
        container_count=int(a["containerCount"]),
        state=ShipmentState.REGISTERED.name,
        held=False,
        registered_block=e.block_number,
        registered_transaction=e.transaction_hash,
    )


@handles(SHIPMENTS, "ContainerRegistered")
def _container_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.containers,
        shipment_id=a["shipmentId"],
        container_index=int(a["index"]),
        number=a["number"],
        declared_gross_kg=a["declaredGrossKg"],
        seals=a["seals"],
        last_milestone=None,
        observed_gross_kg=None,
    )


@handles(SHIPMENTS, "EquipmentEventRecorded")
def _equipment_event(p: Projector, e: Event) -> None:
    a = e.args
    milestone = str(a["milestone"])
    index = int(a["index"])
    seals = a["seals"]
    gate_in = a["milestone"] == Milestone.GTIN.name
    p.append(
        schema.milestones,
        e,
        shipment_id=a["shipmentId"],
        container_index=index,
        milestone=milestone,
        port=a["port"],
        recorded_by=a["recordedBy"],
        observed_gross_kg=a["observedGrossKg"] if gate_in else None,
        seals=seals if gate_in else None,
    )
    changes: dict[str, Any] = {"last_milestone": milestone}
    if gate_in:
        changes["observed_gross_kg"] = a["observedGrossKg"]
    p.update(schema.containers, (a["shipmentId"], index), **changes)
    event_type, code = MILESTONE_EVENTS[milestone]
    tnt.record(
        p,
        e,
        event_type=event_type,
        code=code,
        shipment_id=a["shipmentId"],
        container_index=index,
        port=a["port"],
        seals=seals if gate_in else None,
    )


@handles(SHIPMENTS, "TransportEventRecorded")
def _transport_event(p: Projector, e: Event) -> None:
    a = e.args
    milestone = str(a["milestone"])
    p.append(
        schema.milestones,
        e,
        shipment_id=a["shipmentId"],
        container_index=None,
        milestone=milestone,
        port=a["port"],
        recorded_by=a["recordedBy"],
        observed_gross_kg=None,
        seals=None,
    )
    event_type, code = MILESTONE_EVENTS[milestone]
    tnt.record(p, e, event_type=event_type, code=code, shipment_id=a["shipmentId"], port=a["port"])


@handles(SHIPMENTS, "ShipmentStateChanged")
def _shipment_state(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), state=str(e.args["state"]))


@handles(SHIPMENTS, "ShipmentHeld")
def _shipment_held(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), held=True)


@handles(SHIPMENTS, "ShipmentReleased")
def _shipment_released(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), held=False)


@handles(SHIPMENTS, "DiscrepancyRaised")
def _discrepancy_raised(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.discrepancies,
        shipment_id=a["shipmentId"],
        container_index=int(a["index"]),
        kind=str(a["kind"]),
        declared=a["declared"],
        observed=a["observed"],
        cleared_by=None,
        cleared_reason=None,
    )


@handles(SHIPMENTS, "DiscrepancyCleared")
def _discrepancy_cleared(p: Projector, e: Event) -> None:
    a = e.args
    for kind in (DiscrepancyKind.WEIGHT, DiscrepancyKind.SEALS):
        key = (a["shipmentId"], int(a["index"]), kind.name)
        p.update(schema.discrepancies, key, cleared_by=a["clearedBy"], cleared_reason=a["reason"])


@handles(SHIPMENTS, "DocumentAnchored")
def _document_anchored(p: Projector, e: Event) -> None:
    a = e.args
    p.append(
        schema.documents,
        e,
        shipment_id=a["shipmentId"],
        doc_type=str(a["docType"]),
        digest=a["digest"],
        version=a["version"],
        anchored_by=a["by"],
    )
    shipment = p.get(schema.shipments, a["shipmentId"])
    if a["docType"] == DocumentType.BILL_OF_LADING.name and shipment is not None:
        code, document_type = ISSUED
        tnt.record(
            p,
            e,
            event_type="SHIPMENT",
            code=code,
            document_type_code=document_type,
            document_id=shipment["transport_document_reference"],
            shipment_id=a["shipmentId"],
        )
