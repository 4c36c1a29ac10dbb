"""Vessel calls: a carrier records a call (vessel by IMO number, voyages, service, port, sequence), assigns its
shipments to it and records its booking reference of a shipment (writes of the transport call registry); calls as
indexed, with the shipments on each that the caller may read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from portlink.domain.vessels import CallDraft
from portlink.errors import InvalidInputError, NotFoundError
from portlink.manifest import TRANSPORT_CALLS
from portlink.services.access import Caller
from portlink.services.consortium import ConsortiumService
from portlink.services.operations import Call, Write
from portlink.services.sql import Page, forms, page, party_shipments, rows
from portlink.store import schema


@dataclass(frozen=True)
class TransportCallRecord:
    """A vessel call as indexed, with the shipments on it the caller may read (at the call's port: loaded there
    at origin, discharged there at destination)."""

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
    shipments: tuple[str, ...] = ()


def _call(r: dict[str, Any], shipments: tuple[str, ...] = ()) -> TransportCallRecord:
    fields = {k: r[k] for k in TransportCallRecord.__dataclass_fields__ if k != "shipments"}
    return TransportCallRecord(**{**fields, "confirmed": bool(r["confirmed"])}, shipments=shipments)


class TransportCallService:
    """Transport call reads and writes."""

    def __init__(self, engine: Engine, consortium: ConsortiumService) -> None:
        self.engine, self.consortium = engine, consortium

    # ------------------------------------------------------------------ reading

    def search(
        self,
        *,
        vessel: str | None = None,
        port: str | None = None,
        voyage: str | None = None,
        carrier: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[TransportCallRecord]:
        """Calls by vessel (IMO number), port, voyage (export or import) and carrier, newest first. Calls are no
        commercial detail: every member reads them (the shipments on them only in :meth:`detail`)."""
        t = schema.transport_calls
        query = select(t)
        if vessel:
            query = query.where(t.c.vessel_imo_number == vessel)
        if port:
            query = query.where(t.c.port == port)
        if voyage:
            query = query.where((t.c.export_voyage_number == voyage) | (t.c.import_voyage_number == voyage))
        if carrier:
            query = query.where(t.c.carrier.in_(forms(carrier)))
        with self.engine.connect() as conn:
            total, found = page(conn, query, [t.c.block_number.desc(), t.c.call_id], limit, offset)
        return Page(total, limit, offset, [_call(r) for r in found])

    def detail(self, caller: Caller, call_id: str) -> TransportCallRecord:
        """A call with the ids of the shipments assigned to it that ``caller`` may read."""
        t, sc = schema.transport_calls, schema.shipment_calls
        with self.engine.connect() as conn:
            found = rows(conn, select(t).where(t.c.call_id == call_id.lower()))
            if not found:
                raise NotFoundError(f"no transport call {call_id} in the index (it may not be indexed yet)")
            query = select(sc.c.shipment_id).where(sc.c.call_id == call_id.lower())
            if caller.viewer is not None:
                query = query.where(sc.c.shipment_id.in_(party_shipments(caller.viewer)))
            shipments = tuple(sorted(str(s) for s in conn.execute(query).scalars()))
        return _call(found[0], shipments)

    # ------------------------------------------------------------------ writing

    def record(self, draft: CallDraft) -> Write:
        """A carrier records a vessel call at a consortium port."""
        known = self.consortium.port_codes()
        if known and draft.port not in known:
            raise InvalidInputError(f"{draft.port} is not a consortium port ({', '.join(known)})", "body.port")
        return Write("transportCalls.record", Call(TRANSPORT_CALLS, "recordCall", [draft.to_chain()]))

    @staticmethod
    def assign(call_id: bytes, shipment_id: bytes) -> Write:
        """The carrier assigns its shipment to its call at the shipment's origin or destination (a rollover while
        the vessel has not left or arrived with it)."""
        return Write("transportCalls.assign", Call(TRANSPORT_CALLS, "assignShipment", [call_id, shipment_id]))

    @staticmethod
    def book(shipment_id: bytes, carrier_booking_reference: str) -> Write:
        """The shipment's carrier records its booking reference (once)."""
        return Write(
            "transportCalls.recordBooking",
            Call(TRANSPORT_CALLS, "recordBooking", [shipment_id, carrier_booking_reference]),
        )
