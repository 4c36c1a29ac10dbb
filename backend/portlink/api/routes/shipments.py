"""Shipments: register, list and filter, detail with containers, milestones and documents; record milestones;
anchor documents."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from eth_utils.address import to_checksum_address
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from portlink.api.deps import CallerDep, Offset, QueriesDep, RuntimeDep, WriteDep
from portlink.api.fields import Address, Bytes32, ContainerNumber, TransportDocument, UnLocode, hex_bytes
from portlink.api.models import OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_CODES, perform
from portlink.deployment.deploy import SHIPMENTS
from portlink.domain.shipments import (
    MAX_CONTAINERS,
    DocumentType,
    Milestone,
    ShipmentState,
    normalise_seals,
    parse_container_number,
    shipment_id,
)
from portlink.errors import InvalidInputError, NotFoundError
from portlink.services.access import Caller
from portlink.services.operations import Call
from portlink.services.queries import IndexQueries

ShipmentStateName = Literal["REGISTERED", "GATED_IN", "LOADED", "DEPARTED", "ARRIVED", "DISCHARGED", "GATED_OUT"]
assert set(get_args(ShipmentStateName)) == {s.name for s in ShipmentState if s.value}

router = APIRouter(prefix="/v1/shipments", tags=["shipments"])

ShipmentId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The shipment id (bytes32).")]


class ContainerCreate(BaseModel):
    """A container of a new shipment."""

    model_config = ConfigDict(extra="forbid")

    number: ContainerNumber
    declaredGrossKg: int = Field(gt=0, lt=2**32)
    seals: list[str] = Field(min_length=1, max_length=4)

    @model_validator(mode="after")
    def _seals(self) -> ContainerCreate:
        normalise_seals(self.number, self.seals)
        return self


class ShipmentCreate(BaseModel):
    """A shipment to register (sent by the shipper)."""

    model_config = ConfigDict(extra="forbid")

    consignee: Address
    carrier: Address
    originPort: UnLocode
    destinationPort: UnLocode
    transportDocumentReference: TransportDocument
    documentsDigest: Bytes32
    containers: list[ContainerCreate] = Field(min_length=1, max_length=MAX_CONTAINERS)

    def to_chain(self) -> tuple[object, ...]:
        """The ``Registration`` struct."""
        return (
            self.consignee,
            self.carrier,
            self.originPort.encode(),
            self.destinationPort.encode(),
            self.transportDocumentReference,
            hex_bytes(self.documentsDigest),
            [
                (parse_container_number(c.number), c.declaredGrossKg, normalise_seals(c.number, c.seals))
                for c in self.containers
            ],
        )


class ShipmentPublic(Public):
    """A shipment as indexed (``confirmed``: its last change is final)."""

    shipmentId: str
    shipper: str
    carrier: str
    consignee: str
    originPort: str
    destinationPort: str
    state: str
    held: bool
    confirmed: bool


class ShipmentsPublic(BaseModel):
    """A page of shipments."""

    total: int
    limit: int
    offset: int
    data: list[ShipmentPublic]


class MilestoneCreate(BaseModel):
    """A DCSA milestone to record: GTIN (with the observed weight and seals), LOAD, DISC, GTOT for a container;
    DEPA, ARRI for the vessel."""

    model_config = ConfigDict(extra="forbid")

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


class DiscrepancyClear(BaseModel):
    """Customs clears a gate-in discrepancy with a reason."""

    model_config = ConfigDict(extra="forbid")

    containerIndex: int = Field(ge=0, lt=MAX_CONTAINERS)
    reason: str = Field(min_length=1, max_length=500)


class DocumentCreate(BaseModel):
    """A document digest to anchor (keccak-256 of the file)."""

    model_config = ConfigDict(extra="forbid")

    docType: Literal[
        "BILL_OF_LADING", "COMMERCIAL_INVOICE", "PACKING_LIST", "CERTIFICATE_OF_ORIGIN", "CUSTOMS_DECLARATION"
    ]
    digest: Bytes32


def visible_shipment(queries: IndexQueries, caller: Caller, sid: str, *, handling: bool = False) -> dict[str, object]:
    """The shipment ``sid`` if the caller may read it (party, customs, auditor; with ``handling`` also a terminal of
    its ports); 404 / 403 otherwise."""
    shipment = queries.shipment(sid.lower())
    if shipment is None:
        raise NotFoundError(f"no shipment {sid} in the index (it may not be indexed yet)")
    caller.require_party(shipment, handling=handling)
    return shipment


@router.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def register_shipment(
    request: Request, body: ShipmentCreate, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
) -> JSONResponse:
    """Register a shipment (caller: a SHIPPER). The operation's ``result`` names the shipment id; it is also
    ``keccak256(abi.encode(carrier, transportDocumentReference))``, known before mining (``X-Shipment-Id``)."""
    known = [p["code"] for p in runtime.queries.ports()]
    for field in ("originPort", "destinationPort"):
        code = getattr(body, field)
        if known and code not in known:
            close = [k for k in known if k[:2] == code[:2]] or known
            raise InvalidInputError(
                f"{code} is not a consortium port; did you mean {' or '.join(close)}?", f"body.{field}"
            )
    response = perform(
        request, runtime, caller, options, "shipments.register", Call(SHIPMENTS, "register", [body.to_chain()]), body
    )
    response.headers["X-Shipment-Id"] = (
        "0x" + shipment_id(to_checksum_address(body.carrier), body.transportDocumentReference).hex()
    )
    return response


@router.get("", response_model=ShipmentsPublic, responses=responses(401, 403))
def list_shipments(
    queries: QueriesDep,
    caller: CallerDep,
    port: Annotated[UnLocode | None, Query(description="Origin or destination port.")] = None,
    state: Annotated[ShipmentStateName | None, Query()] = None,
    party: Annotated[Address | None, Query(description="Shipper, carrier or consignee.")] = None,
    reference: Annotated[TransportDocument | None, Query(description="The transport document (B/L) number.")] = None,
    container: Annotated[ContainerNumber | None, Query(description="A container's ISO 6346 number.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> ShipmentsPublic:
    """Shipments by port, state, party, transport document and container, newest first. Members see the shipments
    they are a party of (terminals also those from or to their ports); customs and auditors see all."""
    terminal_ports = None
    if not caller.oversight:
        if party is not None and party != caller.member:
            return ShipmentsPublic(total=0, limit=limit, offset=offset, data=[])
        party, terminal_ports = caller.member, caller.ports_of("TERMINAL") or None
    total, rows = queries.shipments(
        port=port,
        state=state,
        party=party,
        reference=reference,
        container=container,
        terminal_ports=terminal_ports,
        limit=limit,
        offset=offset,
    )
    return ShipmentsPublic(total=total, limit=limit, offset=offset, data=[ShipmentPublic(**r) for r in rows])


@router.get("/{shipment_id}", response_model=ShipmentPublic, responses=responses(401, 403, 404))
def get_shipment(shipment_id: ShipmentId, queries: QueriesDep, caller: CallerDep) -> ShipmentPublic:
    """A shipment with its containers, discrepancies, milestones and documents (for its parties, customs, auditors
    and the terminals of its ports)."""
    return ShipmentPublic(**visible_shipment(queries, caller, shipment_id, handling=True))


@router.get("/{shipment_id}/milestones", response_model=list[Public], responses=responses(401, 403, 404))
def list_milestones(shipment_id: ShipmentId, queries: QueriesDep, caller: CallerDep) -> list[Public]:
    """The shipment's milestones in chain order."""
    visible_shipment(queries, caller, shipment_id, handling=True)
    return [Public(**m) for m in queries.milestones(shipment_id.lower())]


_CONTAINER_CALLS = {"LOAD": "load", "DISC": "discharge", "GTOT": "gateOut"}


@router.post(
    "/{shipment_id}/milestones", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def record_milestone(
    request: Request,
    shipment_id: ShipmentId,
    body: MilestoneCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Record a milestone (terminal: GTIN, LOAD, DISC, GTOT; carrier: DEPA, ARRI)."""
    sid = hex_bytes(shipment_id)
    if body.milestone == "GTIN":
        assert body.seals is not None
        call = Call(
            SHIPMENTS,
            "gateIn",
            [sid, body.containerIndex, body.observedGrossKg, normalise_seals(str(body.containerIndex), body.seals)],
        )
    elif body.milestone in ("DEPA", "ARRI"):
        call = Call(SHIPMENTS, "depart" if body.milestone == "DEPA" else "arrive", [sid])
    else:
        call = Call(SHIPMENTS, _CONTAINER_CALLS[body.milestone], [sid, body.containerIndex])
    assert Milestone[body.milestone]
    return perform(request, runtime, caller, options, f"milestones.{body.milestone}", call, body)


@router.post(
    "/{shipment_id}/discrepancy-clearances",
    status_code=202,
    response_model=OperationPublic,
    responses=responses(*WRITE_CODES),
)
def clear_discrepancy(
    request: Request,
    shipment_id: ShipmentId,
    body: DiscrepancyClear,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Clear a gate-in weight or seal discrepancy (caller: CUSTOMS of the origin port)."""
    call = Call(SHIPMENTS, "clearDiscrepancy", [hex_bytes(shipment_id), body.containerIndex, body.reason])
    return perform(request, runtime, caller, options, "shipments.clearDiscrepancy", call, body)


@router.post(
    "/{shipment_id}/documents", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def anchor_document(
    request: Request,
    shipment_id: ShipmentId,
    body: DocumentCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Anchor a document's keccak-256 digest to the shipment (a new version of its type)."""
    call = Call(
        SHIPMENTS, "anchorDocument", [hex_bytes(shipment_id), int(DocumentType[body.docType]), hex_bytes(body.digest)]
    )
    return perform(request, runtime, caller, options, "documents.anchor", call, body)
