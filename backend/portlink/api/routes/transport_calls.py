"""Transport calls: a carrier records a vessel call (IMO number, voyages, service, port), assigns its shipments to
it, and records its booking reference of a shipment; calls are read by every member (the shipments on a call only
as far as the caller may read them). DCSA events of a shipment at a port carry the call it is assigned to there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, Field

from portlink.api.deps import CallerDep, Limit, Offset, TransportCallsDep
from portlink.api.fields import Bytes32, UnLocode, hex_bytes
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_CODES, WriterDep
from portlink.domain.vessels import (
    CallDraft,
    check_vessel_name,
    normalise_booking,
    normalise_service_code,
    normalise_voyage,
    parse_imo_number,
)

router = APIRouter(prefix="/v1/transport-calls", tags=["transport calls"])
bookings = APIRouter(prefix="/v1/shipments", tags=["transport calls"])

CallId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The call's id (bytes32).")]
ShipmentId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The shipment id (bytes32).")]
ImoNumber = Annotated[
    str, AfterValidator(lambda v: f"{parse_imo_number(v):07d}"), Field(examples=["9321483"], max_length=12)
]
Voyage = Annotated[str, AfterValidator(normalise_voyage), Field(examples=["2103S"], max_length=60)]


class TransportCallCreate(Closed):
    """A vessel call as the carrier records it."""

    vesselIMONumber: ImoNumber
    vesselName: Annotated[str, AfterValidator(check_vessel_name), Field(max_length=35)] = ""
    port: UnLocode
    transportCallSequenceNumber: int = Field(1, ge=1, lt=2**16, description="The call's place in the voyage.")
    carrierServiceCode: Annotated[str, AfterValidator(normalise_service_code), Field(max_length=5)] | None = None
    exportVoyageNumber: Voyage
    importVoyageNumber: Voyage | None = None

    def draft(self) -> CallDraft:
        """The call as the domain checks it."""
        return CallDraft(
            vessel_imo_number=int(self.vesselIMONumber),
            port=self.port,
            export_voyage_number=self.exportVoyageNumber,
            import_voyage_number=self.importVoyageNumber or "",
            carrier_service_code=self.carrierServiceCode or "",
            sequence_number=self.transportCallSequenceNumber,
            vessel_name=self.vesselName,
        )


class ShipmentAssignment(Closed):
    """A shipment that sails on the call (at its origin or destination port)."""

    shipmentId: Bytes32


class BookingCreate(Closed):
    """The carrier's booking reference of a shipment."""

    carrierBookingReference: Annotated[str, AfterValidator(normalise_booking), Field(max_length=40)]


class TransportCallPublic(Public):
    """A vessel call as indexed (``shipments``: those on it the caller may read, in the detail only)."""

    call_id: str
    carrier: str
    vessel_imo_number: str
    vessel_name: str | None
    port: str
    sequence_number: int
    carrier_service_code: str | None
    export_voyage_number: str
    import_voyage_number: str | None
    recorded_transaction: str
    recorded_at: int | None
    block_number: int
    confirmed: bool
    shipments: list[str]


class TransportCallsPublic(Public):
    """A page of vessel calls."""

    total: int
    limit: int
    offset: int
    data: list[TransportCallPublic]


@router.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def record_call(body: TransportCallCreate, calls: TransportCallsDep, writer: WriterDep) -> JSONResponse:
    """Record a vessel call (caller: a `CARRIER`). Its id is `keccak256(abi.encode(carrier, vesselIMONumber,
    exportVoyageNumber, port, transportCallSequenceNumber))`, in the operation's `TransportCallRecorded` event."""
    return writer.perform(calls.record(body.draft()), body)


@router.get("", response_model=TransportCallsPublic, responses=responses(401))
def list_calls(
    calls: TransportCallsDep,
    _caller: CallerDep,
    vessel: Annotated[str | None, Query(description="IMO number.", max_length=7)] = None,
    port: Annotated[str | None, Query(description="UN/LOCODE.", max_length=5)] = None,
    voyage: Annotated[str | None, Query(description="Export or import voyage number.", max_length=50)] = None,
    carrier: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TransportCallsPublic:
    """Vessel calls, newest first, by vessel, port, voyage and carrier."""
    found = calls.search(vessel=vessel, port=port, voyage=voyage, carrier=carrier, limit=limit, offset=offset)
    return TransportCallsPublic(
        total=found.total,
        limit=limit,
        offset=offset,
        data=[TransportCallPublic.model_validate(c) for c in found.items],
    )


@router.get("/{call_id}", response_model=TransportCallPublic, responses=responses(401, 404))
def get_call(call_id: CallId, calls: TransportCallsDep, caller: CallerDep) -> TransportCallPublic:
    """A vessel call with the shipments on it that the caller may read."""
    return TransportCallPublic.model_validate(calls.detail(caller, call_id))


@router.post("/{call_id}/shipments", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def assign_shipment(
    call_id: CallId, body: ShipmentAssignment, calls: TransportCallsDep, writer: WriterDep
) -> JSONResponse:
    """Assign a shipment to the call at its origin or destination port, or move it there from another call (a
    rollover, until the vessel has left the origin or arrived at the destination with it). Caller: the carrier
    that recorded the call, the shipment's carrier (the chain checks)."""
    return writer.perform(calls.assign(hex_bytes(call_id), hex_bytes(body.shipmentId)), body)


@bookings.post(
    "/{shipment_id}/booking", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def record_booking(
    shipment_id: ShipmentId, body: BookingCreate, calls: TransportCallsDep, writer: WriterDep
) -> JSONResponse:
    """Record the carrier's booking reference of a shipment, once (DCSA `carrierBookingReference`). Caller: the
    shipment's carrier."""
    return writer.perform(calls.book(hex_bytes(shipment_id), body.carrierBookingReference), body)
