"""Shipments: register, list and filter, detail with containers, milestones and documents; record milestones;
clear gate-in discrepancies; anchor documents."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, ValidationError, model_validator

from portlink.api.deps import CallerDep, Limit, Offset, ShipmentsDep
from portlink.api.fields import Address, Bytes32, ContainerNumber, TransportDocument, UnLocode, hex_bytes
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.domain.shipments import (
    MAX_CONTAINERS,
    ContainerDraft,
    DocumentType,
    RegistrationDraft,
    ShipmentState,
    normalise_seals,
)
from portlink.errors import InvalidInputError
from portlink.services.shipments import MilestoneInput

ShipmentStateName = Literal["REGISTERED", "GATED_IN", "LOADED", "DEPARTED", "ARRIVED", "DISCHARGED", "GATED_OUT"]
assert set(get_args(ShipmentStateName)) == {s.name for s in ShipmentState if s.value}

router = APIRouter(prefix="/v1/shipments", tags=["shipments"])

ShipmentId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The shipment id (bytes32).")]


class ContainerCreate(Closed):
    """A container of a new shipment."""

    number: ContainerNumber
    declaredGrossKg: int = Field(gt=0, lt=2**32)
    seals: list[str] = Field(min_length=1, max_length=4)

    @model_validator(mode="after")
    def _seals(self) -> ContainerCreate:
        normalise_seals(self.number, self.seals)
        return self


class ShipmentCreate(Closed):
    """A shipment to register (sent by the shipper)."""

    consignee: Address
    carrier: Address
    originPort: UnLocode
    destinationPort: UnLocode
    transportDocumentReference: TransportDocument
    documentsDigest: Bytes32
    containers: list[ContainerCreate] = Field(min_length=1, max_length=MAX_CONTAINERS)

    def draft(self) -> RegistrationDraft:
        """The registration as the domain checks it (two distinct ports, no container listed twice)."""
        try:
            return RegistrationDraft(
                consignee=self.consignee,
                carrier=self.carrier,
                origin_port=self.originPort,
                destination_port=self.destinationPort,
                transport_document=self.transportDocumentReference,
                documents_digest=hex_bytes(self.documentsDigest),
                containers=[
                    ContainerDraft(number=c.number, declared_gross_kg=c.declaredGrossKg, seals=c.seals)
                    for c in self.containers
                ],
            )
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise InvalidInputError(message, "body") from None


class ContainerPublic(Public):
    """A container with its last milestone and the gross weight observed at gate-in."""

    index: int
    number: str
    declared_gross_kg: int
    seals: list[str]
    last_milestone: str | None
    observed_gross_kg: int | None
    confirmed: bool


class DiscrepancyPublic(Public):
    """A gate-in difference between declared and observed weight or seals, and its clearance."""

    container_index: int
    kind: str
    declared: str
    observed: str
    cleared_by: str | None
    cleared_reason: str | None
    confirmed: bool


class MilestonePublic(Public):
    """A DCSA milestone recorded on chain (``containerIndex`` null for the vessel's DEPA and ARRI)."""

    milestone: str
    container_index: int | None
    port: str
    recorded_by: str
    observed_gross_kg: int | None
    seals: list[str] | None
    transaction_hash: str
    block_number: int
    block_timestamp: int | None
    log_index: int
    confirmed: bool


class DocumentPublic(Public):
    """A document digest anchored to a shipment (a version of its type)."""

    shipment_id: str
    doc_type: str
    digest: str
    version: int
    anchored_by: str
    transaction_hash: str
    block_number: int
    block_timestamp: int | None
    confirmed: bool


class ShipmentPublic(Public):
    """A shipment as indexed (``confirmed``: its last change is final)."""

    shipment_id: str
    shipper: str
    carrier: str
    consignee: str
    origin_port: str
    destination_port: str
    transport_document_reference: str
    documents_digest: str
    container_count: int
    state: str
    held: bool
    registered_block: int
    registered_transaction: str
    block_number: int
    confirmed: bool


class ShipmentDetail(ShipmentPublic):
    """A shipment with its containers, discrepancies, milestones (chain order) and documents (oldest first)."""

    containers: list[ContainerPublic]
    discrepancies: list[DiscrepancyPublic]
    milestones: list[MilestonePublic]
    documents: list[DocumentPublic]


class ShipmentsPublic(Public):
    """A page of shipments."""

    total: int
    limit: int
    offset: int
    data: list[ShipmentPublic]


class MilestoneCreate(Closed):
    """A DCSA milestone to record: GTIN (with the observed weight and seals), LOAD, DISC, GTOT for a container;
    DEPA, ARRI for the vessel."""

    milestone: Literal["GTIN", "LOAD", "DEPA", "ARRI", "DISC", "GTOT"]
    containerIndex: int | None = Field(None, ge=0, lt=MAX_CONTAINERS)
    observedGrossKg: int | None = Field(None, gt=0, lt=2**32)
    seals: list[str] | None = Field(None, min_length=1, max_length=4)

    @model_validator(mode="after")
    def _shape(self) -> MilestoneCreate:
        transport = self.milestone in ("DEPA", "ARRI")
        if transport and self.containerIndex is not None:
            raise ValueError(f"{self.milestone} is a vessel milestone: give no containerIndex")
        if not transport and self.containerIndex is None:
            raise ValueError(f"{self.milestone} needs the containerIndex")
        if self.milestone == "GTIN" and (self.observedGrossKg is None or self.seals is None):
            raise ValueError("GTIN needs observedGrossKg and seals as the terminal observed them")
        if self.seals is not None:
            normalise_seals(f"container {self.containerIndex}", self.seals)
        return self


class DiscrepancyClear(Closed):
    """Customs clears a gate-in discrepancy with a reason."""

    containerIndex: int = Field(ge=0, lt=MAX_CONTAINERS)
    reason: str = Field(min_length=1, max_length=500)


class DocumentCreate(Closed):
    """A document digest to anchor (keccak-256 of the file)."""

    docType: Literal[
        "BILL_OF_LADING", "COMMERCIAL_INVOICE", "PACKING_LIST", "CERTIFICATE_OF_ORIGIN", "CUSTOMS_DECLARATION"
    ]
    digest: Bytes32


@router.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def register_shipment(body: ShipmentCreate, shipments: ShipmentsDep, writer: WriterDep) -> JSONResponse:
    """Register a shipment (caller: a SHIPPER). The operation's ``result`` names the shipment id; it is also
    ``keccak256(abi.encode(carrier, transportDocumentReference))``, known before mining (``X-Shipment-Id``)."""
    draft = body.draft()
    response = writer.perform(shipments.register(draft), body)
    response.headers["X-Shipment-Id"] = "0x" + draft.shipment_id.hex()
    return response


@router.get("", response_model=ShipmentsPublic, responses=responses(401, 403))
def list_shipments(
    shipments: ShipmentsDep,
    caller: CallerDep,
    port: Annotated[UnLocode | None, Query(description="Origin or destination port.")] = None,
    state: Annotated[ShipmentStateName | None, Query()] = None,
    party: Annotated[Address | None, Query(description="Shipper, carrier or consignee.")] = None,
    reference: Annotated[TransportDocument | None, Query(description="The transport document (B/L) number.")] = None,
    container: Annotated[ContainerNumber | None, Query(description="A container's ISO 6346 number.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ShipmentsPublic:
    """Shipments by port, state, party, transport document and container, newest first. Members see the shipments
    they are a party of (terminals also those from or to their ports); customs and auditors see all."""
    found = shipments.search(
        caller,
        port=port,
        state=state,
        party=party,
        reference=reference,
        container=container,
        limit=limit,
        offset=offset,
    )
    return ShipmentsPublic(
        total=found.total, limit=limit, offset=offset, data=[ShipmentPublic.model_validate(s) for s in found.items]
    )


@router.get("/{shipment_id}", response_model=ShipmentDetail, responses=responses(401, 403, 404))
def get_shipment(shipment_id: ShipmentId, shipments: ShipmentsDep, caller: CallerDep) -> ShipmentDetail:
    """A shipment with its containers, discrepancies, milestones and documents (for its parties, customs, auditors
    and the terminals of its ports)."""
    return ShipmentDetail.model_validate(shipments.detail(caller, shipment_id))


@router.get("/{shipment_id}/milestones", response_model=list[MilestonePublic], responses=responses(401, 403, 404))
def list_milestones(shipment_id: ShipmentId, shipments: ShipmentsDep, caller: CallerDep) -> list[MilestonePublic]:
    """The shipment's milestones in chain order."""
    return [MilestonePublic.model_validate(m) for m in shipments.milestones(caller, shipment_id)]


@router.post("/{shipment_id}/milestones", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def record_milestone(
    shipment_id: ShipmentId, body: MilestoneCreate, shipments: ShipmentsDep, writer: WriterDep
) -> JSONResponse:
    """Record a milestone (terminal: GTIN, LOAD, DISC, GTOT; carrier: DEPA, ARRI)."""
    milestone = MilestoneInput(body.milestone, body.containerIndex, body.observedGrossKg, body.seals)
    return writer.perform(shipments.record_milestone(hex_bytes(shipment_id), milestone), body)


@router.post(
    "/{shipment_id}/discrepancy-clearances",
    status_code=202,
    response_model=OperationPublic,
    responses=WRITE_RESPONSES,
)
def clear_discrepancy(
    shipment_id: ShipmentId, body: DiscrepancyClear, shipments: ShipmentsDep, writer: WriterDep
) -> JSONResponse:
    """Clear a gate-in weight or seal discrepancy (caller: CUSTOMS of the origin port)."""
    return writer.perform(shipments.clear_discrepancy(hex_bytes(shipment_id), body.containerIndex, body.reason), body)


@router.post("/{shipment_id}/documents", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def anchor_document(
    shipment_id: ShipmentId, body: DocumentCreate, shipments: ShipmentsDep, writer: WriterDep
) -> JSONResponse:
    """Anchor a document's keccak-256 digest to the shipment (a new version of its type)."""
    write = shipments.anchor_document(hex_bytes(shipment_id), DocumentType[body.docType], hex_bytes(body.digest))
    return writer.perform(write, body)
