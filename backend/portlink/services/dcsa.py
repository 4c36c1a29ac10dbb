"""DCSA Track & Trace 2.2 events from the index: ``GET /v2/events`` filtered, sorted and paged in SQL, one event by
its id, and the events a subscription is sent (see :mod:`portlink.domain.dcsa` for which on-chain facts are which
events).

Every event reads one ``dcsa_events`` row joined with its shipment (transport document, parties), its container
(equipment reference), the carrier's booking, and the vessel call the shipment is assigned to at the event's port
(``transport_calls``): so all events of one call share its ``transportCallID`` and carry its vessel and voyages.
A shipment the carrier assigned to no call there still has one call per port, without vessel
(:func:`~portlink.domain.dcsa.unassigned_call_id`). ``eventCreatedDateTime`` and ``eventDateTime`` are the block
time. Paging is by keyset: a cursor holds the sort keys of the row it continues from, never an offset, so pages
stay right while events are added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Engine, Select, and_, case, false, func, or_, select

from portlink.domain.dcsa import unassigned_call_id
from portlink.errors import NotFoundError
from portlink.services.access import Caller
from portlink.services.sql import Cursor, OrderKey, SortKey, fingerprint, forms, keyset_page, rows, sort_keys
from portlink.store import schema
from portlink.store.notifications import DCSA_TOPIC

#: The most events one page holds, whatever ``limit`` asks for (a page may hold fewer than ``limit``).
MAX_PAGE = 1000

Operator = Literal["gte", "gt", "lte", "lt", "eq"]


# ---------------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Vessel:
    """The vessel of a call (IMO number, seven digits)."""

    vessel_imo_number: str
    vessel_name: str | None


@dataclass(frozen=True)
class TransportCall:
    """A vessel call at a port (``vessel`` and voyages unknown when the carrier recorded none)."""

    transport_call_id: str
    un_location_code: str
    carrier_service_code: str | None
    export_voyage_number: str | None
    import_voyage_number: str | None
    transport_call_sequence_number: int | None
    vessel: Vessel | None
    mode_of_transport: str = "VESSEL"
    facility_type_code: str = "POTE"

    @property
    def carrier_voyage_number(self) -> str | None:
        """DCSA's deprecated ``carrierVoyageNumber``: the export voyage."""
        return self.export_voyage_number


@dataclass(frozen=True)
class Seal:
    """A seal read at gate-in: the shipper's bolt seal."""

    seal_number: str
    seal_source: str = "SHI"
    seal_type: str = "BLT"


@dataclass(frozen=True)
class TntEvent:
    """A DCSA Track & Trace event (``event_type`` SHIPMENT, TRANSPORT or EQUIPMENT; the fields of the other types
    are ``None``)."""

    event_id: str
    event_type: str
    event_created_date_time: datetime
    event_date_time: datetime
    shipment_id: str
    block_number: int
    log_index: int
    event_classifier_code: str = "ACT"
    shipment_event_type_code: str | None = None
    document_type_code: str | None = None
    document_id: str | None = None
    transport_event_type_code: str | None = None
    equipment_event_type_code: str | None = None
    equipment_reference: str | None = None
    empty_indicator_code: str | None = None
    transport_call: TransportCall | None = None
    seals: tuple[Seal, ...] | None = None


# ---------------------------------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class TimeBound:
    """``eventCreatedDateTime:<operator>=<value>`` (``value`` in unix seconds)."""

    operator: Operator
    value: float


@dataclass(frozen=True)
class EventFilter:
    """What an event must match (DCSA query parameters or subscription filters); ``None``: no condition. Lists
    match any of their values; every given filter must match. A filter on something PortLink does not record
    (``transportDocumentID``, ``scheduleID``, a sea waybill) matches nothing."""

    event_types: frozenset[str] | None = None
    shipment_event_type_codes: frozenset[str] | None = None
    document_type_codes: frozenset[str] | None = None
    transport_event_type_codes: frozenset[str] | None = None
    equipment_event_type_codes: frozenset[str] | None = None
    carrier_booking_references: tuple[str, ...] = ()
    transport_document_reference: str | None = None
    transport_document_id: str | None = None
    transport_document_types: frozenset[str] | None = None
    schedule_id: str | None = None
    transport_call_id: str | None = None
    vessel_imo_number: str | None = None
    voyage_numbers: tuple[str, ...] = ()
    carrier_service_code: str | None = None
    un_location_code: str | None = None
    equipment_reference: str | None = None
    created: tuple[TimeBound, ...] = ()

    def fingerprint(self, sort: tuple[SortKey, ...]) -> str:
        """What a cursor remembers of the query it belongs to."""
        return fingerprint(_jsonable(asdict(self)), [[k.field, k.descending] for k in sort])


def _jsonable(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class EventPage:
    """A page of events and where the pages around it start (``None``: there is none)."""

    events: list[TntEvent]
    next: Cursor | None
    prev: Cursor | None
    last: Cursor | None
    #: Whether the page is not the first one (so a link to the first page says something).
    has_first: bool


@dataclass(frozen=True)
class SubscriptionFilters:
    """The filters of a DCSA event subscription, as its body names them (every field but ``callbackUrl``,
    ``secret`` and ``subscriptionID``); deprecated ones kept as given and applied as their replacements are
    (``bookingReference`` as ``carrierBookingReference``, ``carrierVoyageNumber`` as ``exportVoyageNumber``)."""

    event_type: tuple[str, ...] | None = None
    shipment_event_type_code: tuple[str, ...] | None = None
    document_type_code: tuple[str, ...] | None = None
    carrier_booking_reference: str | None = None
    booking_reference: str | None = None
    transport_document_id: str | None = None
    transport_document_reference: str | None = None
    transport_document_type_code: tuple[str, ...] | None = None
    transport_event_type_code: tuple[str, ...] | None = None
    schedule_id: str | None = None
    transport_call_id: str | None = None
    vessel_imo_number: str | None = None
    carrier_voyage_number: str | None = None
    export_voyage_number: str | None = None
    carrier_service_code: str | None = None
    un_location_code: str | None = None
    equipment_event_type_code: tuple[str, ...] | None = None
    equipment_reference: str | None = None

    def event_filter(self) -> EventFilter:
        """The events the subscription is sent (lists match any value; an empty list, like none, everything)."""

        def codes(value: tuple[str, ...] | None) -> frozenset[str] | None:
            return frozenset(value) if value else None

        return EventFilter(
            event_types=codes(self.event_type),
            shipment_event_type_codes=codes(self.shipment_event_type_code),
            document_type_codes=codes(self.document_type_code),
            transport_event_type_codes=codes(self.transport_event_type_code),
            equipment_event_type_codes=codes(self.equipment_event_type_code),
            carrier_booking_references=tuple(
                r for r in (self.carrier_booking_reference, self.booking_reference) if r is not None
            ),
            transport_document_reference=self.transport_document_reference,
            transport_document_id=self.transport_document_id,
            transport_document_types=codes(self.transport_document_type_code),
            schedule_id=self.schedule_id,
            transport_call_id=self.transport_call_id,
            vessel_imo_number=self.vessel_imo_number,
            voyage_numbers=tuple(v for v in (self.export_voyage_number, self.carrier_voyage_number) if v is not None),
            carrier_service_code=self.carrier_service_code,
            un_location_code=self.un_location_code,
            equipment_reference=self.equipment_reference,
        )

    def to_json(self) -> dict[str, Any]:
        """The filters given, for storing (lists as lists)."""
        return {
            f.name: list(v) if isinstance(v, tuple) else v
            for f in fields(self)
            if (v := getattr(self, f.name)) is not None
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> SubscriptionFilters:
        """The filters :meth:`to_json` stored."""
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
        return cls(**values)


# ---------------------------------------------------------------------------------------------------- the SQL

_e, _s, _c = schema.dcsa_events, schema.shipments, schema.containers
_sc, _tc, _b = schema.shipment_calls, schema.transport_calls, schema.shipment_bookings


def _code_of(event_type: str) -> ColumnElement[Any]:
    return case((_e.c.event_type == event_type, _e.c.event_code), else_="")


#: The fields ``sort`` takes, as SQL (never NULL, so that keyset comparisons hold) and whether their keys are
#: numbers.
SORT_FIELDS: dict[str, tuple[ColumnElement[Any], bool]] = {
    "eventCreatedDateTime": (func.coalesce(_e.c.block_timestamp, 0), True),
    "eventDateTime": (func.coalesce(_e.c.block_timestamp, 0), True),
    "eventID": (_e.c.event_id, False),
    "eventType": (_e.c.event_type, False),
    "shipmentEventTypeCode": (_code_of("SHIPMENT"), False),
    "transportEventTypeCode": (_code_of("TRANSPORT"), False),
    "equipmentEventTypeCode": (_code_of("EQUIPMENT"), False),
    "documentTypeCode": (func.coalesce(_e.c.document_type_code, ""), False),
    "transportDocumentReference": (_s.c.transport_document_reference, False),
    "carrierBookingReference": (func.coalesce(_b.c.carrier_booking_reference, ""), False),
    "equipmentReference": (func.coalesce(_c.c.number, ""), False),
    "UNLocationCode": (func.coalesce(_e.c.port, ""), False),
    "vesselIMONumber": (func.coalesce(_tc.c.vessel_imo_number, ""), False),
    "exportVoyageNumber": (func.coalesce(_tc.c.export_voyage_number, ""), False),
    "carrierServiceCode": (func.coalesce(_tc.c.carrier_service_code, ""), False),
}
_POSITION = (_e.c.block_number, _e.c.log_index)


def parse_sort(value: str | None) -> tuple[SortKey, ...]:
    """``sort`` of ``GET /v2/events`` as keys; :class:`InvalidInputError` names an unknown field."""
    return sort_keys(value, SORT_FIELDS)


def _base() -> Select[Any]:
    return select(
        _e,
        _s.c.transport_document_reference,
        _c.c.number.label("equipment_reference"),
        _sc.c.call_id,
        _tc.c.vessel_imo_number,
        _tc.c.vessel_name,
        _tc.c.carrier_service_code,
        _tc.c.export_voyage_number,
        _tc.c.import_voyage_number,
        _tc.c.sequence_number,
    ).select_from(
        _e.join(_s, _s.c.shipment_id == _e.c.shipment_id)
        .outerjoin(_c, and_(_c.c.shipment_id == _e.c.shipment_id, _c.c.container_index == _e.c.container_index))
        .outerjoin(_sc, and_(_sc.c.shipment_id == _e.c.shipment_id, _sc.c.port == _e.c.port))
        .outerjoin(_tc, _tc.c.call_id == _sc.c.call_id)
        .outerjoin(_b, _b.c.shipment_id == _e.c.shipment_id)
    )


def _typed_codes(event_type: str, codes: frozenset[str]) -> ColumnElement[bool]:
    return and_(_e.c.event_type == event_type, _e.c.event_code.in_(sorted(codes)))


_COMPARE = {
    "gte": lambda c, v: c >= v,
    "gt": lambda c, v: c > v,
    "lte": lambda c, v: c <= v,
    "lt": lambda c, v: c < v,
    "eq": lambda c, v: c == v,
}


def _conditions(f: EventFilter, viewer: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.event_types is not None:
        where.append(_e.c.event_type.in_(sorted(f.event_types)))
    if f.shipment_event_type_codes is not None:
        where.append(_typed_codes("SHIPMENT", f.shipment_event_type_codes))
    if f.document_type_codes is not None:
        where.append(and_(_e.c.event_type == "SHIPMENT", _e.c.document_type_code.in_(sorted(f.document_type_codes))))
    if f.transport_event_type_codes is not None:
        where.append(_typed_codes("TRANSPORT", f.transport_event_type_codes))
    if f.equipment_event_type_codes is not None:
        where.append(_typed_codes("EQUIPMENT", f.equipment_event_type_codes))
    where += [_b.c.carrier_booking_reference == ref for ref in f.carrier_booking_references]
    if f.transport_document_reference is not None:
        where.append(_s.c.transport_document_reference == f.transport_document_reference)
    if f.transport_document_id is not None or f.schedule_id is not None:
        where.append(false())  # PortLink's transport documents and calls have no UUID, and there are no schedules
    if f.transport_document_types is not None and "BOL" not in f.transport_document_types:
        where.append(false())  # every transport document on PortLink is a bill of lading
    if f.transport_call_id is not None:
        where.append(_call_is(f.transport_call_id))
    if f.vessel_imo_number is not None:
        where.append(_tc.c.vessel_imo_number == f.vessel_imo_number)
    where += [_tc.c.export_voyage_number == voyage for voyage in f.voyage_numbers]
    if f.carrier_service_code is not None:
        where.append(_tc.c.carrier_service_code == f.carrier_service_code)
    if f.un_location_code is not None:
        where.append(_e.c.port == f.un_location_code)
    if f.equipment_reference is not None:
        where.append(_c.c.number == f.equipment_reference)
    where += [_COMPARE[b.operator](_e.c.block_timestamp, b.value) for b in f.created]
    if viewer is not None:
        spelled = forms(viewer)
        where.append(or_(_s.c.shipper.in_(spelled), _s.c.carrier.in_(spelled), _s.c.consignee.in_(spelled)))
    return where


def _call_is(call_id: str) -> ColumnElement[bool]:
    shipment, at, port = call_id.partition("@")
    if at:
        return and_(_sc.c.call_id.is_(None), _e.c.shipment_id == shipment.lower(), _e.c.port == port)
    return _sc.c.call_id == (call_id.lower() if call_id.startswith("0x") else call_id)


def _time(timestamp: int | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, UTC)


def event_of(r: dict[str, Any]) -> TntEvent:
    """The DCSA event of a row of the events query."""
    when = _time(r["block_timestamp"])
    base: dict[str, Any] = {
        "event_id": r["event_id"],
        "event_type": r["event_type"],
        "event_created_date_time": when,
        "event_date_time": when,
        "shipment_id": r["shipment_id"],
        "block_number": int(r["block_number"]),
        "log_index": int(r["log_index"]),
    }
    if r["event_type"] == "SHIPMENT":
        return TntEvent(
            **base,
            shipment_event_type_code=r["event_code"],
            document_type_code=r["document_type_code"],
            document_id=r["document_id"],
        )
    call = _call_of(r)
    if r["event_type"] == "TRANSPORT":
        return TntEvent(**base, transport_event_type_code=r["event_code"], transport_call=call)
    seals = tuple(Seal(s) for s in r["seals"]) if r["seals"] else None
    return TntEvent(
        **base,
        equipment_event_type_code=r["event_code"],
        equipment_reference=r["equipment_reference"],
        empty_indicator_code="LADEN",
        transport_call=call,
        seals=seals,
    )


def _call_of(r: dict[str, Any]) -> TransportCall:
    if r["call_id"] is None:
        return TransportCall(
            transport_call_id=unassigned_call_id(r["shipment_id"], r["port"]),
            un_location_code=r["port"],
            carrier_service_code=None,
            export_voyage_number=None,
            import_voyage_number=None,
            transport_call_sequence_number=None,
            vessel=None,
        )
    return TransportCall(
        transport_call_id=r["call_id"],
        un_location_code=r["port"],
        carrier_service_code=r["carrier_service_code"],
        export_voyage_number=r["export_voyage_number"],
        import_voyage_number=r["import_voyage_number"],
        transport_call_sequence_number=r["sequence_number"],
        vessel=Vessel(r["vessel_imo_number"], r["vessel_name"]),
    )


# ---------------------------------------------------------------------------------------------------- the service


class DcsaService:
    """DCSA Track & Trace events built from the index."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def events(
        self,
        caller: Caller,
        f: EventFilter,
        *,
        sort: tuple[SortKey, ...] = (),
        limit: int = 100,
        cursor: Cursor | None = None,
    ) -> EventPage:
        """A page of the events matching ``f`` that ``caller`` may read (the parties of the shipment; customs and
        auditors all), in ``sort`` order and then chain order, from ``cursor`` on (at most :data:`MAX_PAGE`)."""
        order = [OrderKey(SORT_FIELDS[k.field][0], k.descending, SORT_FIELDS[k.field][1]) for k in sort]
        order += [OrderKey(column, integer=True) for column in _POSITION]
        query = _base().where(*_conditions(f, caller.viewer))
        with self.engine.connect() as conn:
            found = keyset_page(
                conn, query, order, limit=min(limit, MAX_PAGE), cursor=cursor, query_id=f.fingerprint(sort)
            )
        return EventPage([event_of(r) for r in found.rows], found.next, found.prev, found.last, found.has_first)

    def event(self, caller: Caller, event_id: str) -> TntEvent:
        """One event by its ``eventID``; :class:`NotFoundError` if there is none the caller may read."""
        query = _base().where(_e.c.event_id == event_id.lower(), *_conditions(EventFilter(), caller.viewer))
        with self.engine.connect() as conn:
            found = rows(conn, query)
        if not found:
            raise NotFoundError(f"no event {event_id}")
        return event_of(found[0])

    def announced(
        self, viewer: str | None, f: EventFilter, *, after_seq: int, upto_seq: int
    ) -> list[tuple[int, TntEvent]]:
        """The events of the DCSA outbox rows ``after_seq < seq <= upto_seq`` that match ``f`` and that ``viewer``
        may read (``None``: all), with their outbox numbers, in outbox order."""
        o = schema.outbox
        query = (
            _base()
            .add_columns(o.c.seq)
            .join(o, and_(o.c.block_hash == _e.c.block_hash, o.c.log_index == _e.c.log_index))
            .where(o.c.topic == DCSA_TOPIC, o.c.seq > after_seq, o.c.seq <= upto_seq, *_conditions(f, viewer))
            .order_by(o.c.seq)
        )
        with self.engine.connect() as conn:
            return [(int(r["seq"]), event_of(r)) for r in rows(conn, query)]


__all__ = [
    "MAX_PAGE",
    "SORT_FIELDS",
    "Cursor",
    "DcsaService",
    "EventFilter",
    "EventPage",
    "Seal",
    "SortKey",
    "SubscriptionFilters",
    "TimeBound",
    "TntEvent",
    "TransportCall",
    "Vessel",
    "event_of",
    "parse_sort",
]
