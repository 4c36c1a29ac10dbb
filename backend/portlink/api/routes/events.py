"""``GET /v2/events`` and ``GET /v2/events/{eventID}``: DCSA Track & Trace 2.2 shipment, transport and equipment
events, every query parameter of the standard honoured, with its paging headers (``Current-Page``,
``Next-Page``, ``Prev-Page``, ``First-Page``, ``Last-Page``).

The query is parsed here (the standard's ``eventCreatedDateTime:gte`` operators, comma-separated lists, its
length limits) and answered by :class:`portlink.services.dcsa.DcsaService` in SQL. A parameter the standard does
not define is refused, so a misspelt filter never answers everything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from portlink.api import dcsa
from portlink.api.deps import CallerDep, DcsaDep
from portlink.domain.dcsa import (
    DOCUMENT_TYPE_CODES,
    EQUIPMENT_EVENT_TYPE_CODES,
    EVENT_TYPES,
    SHIPMENT_EVENT_TYPE_CODES,
    TRANSPORT_EVENT_TYPE_CODES,
)
from portlink.errors import InvalidInputError
from portlink.services.dcsa import MAX_PAGE, EventFilter, Operator, TimeBound, TntEvent, parse_sort
from portlink.services.sql import Cursor, SortKey

router = APIRouter(prefix="/v2/events", tags=["DCSA Track & Trace"], dependencies=[Depends(dcsa.check_api_version)])

#: The most ``limit`` may be: the standard's ``int32``.
MAX_LIMIT = 2**31 - 1

# ---------------------------------------------------------------------------------------------------- response models

# fmt: off
ShipmentEventTypeCode = Literal[
    "RECE", "DRFT", "PENA", "PENU", "REJE", "APPR", "ISSU", "SURR", "SUBM", "VOID", "CONF", "REQS", "CMPL", "HOLD",
    "RELS",
]
DocumentTypeCode = Annotated[
    Literal["CBR", "BKG", "SHI", "SRM", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG"],
    Field(json_schema_extra={"maxLength": 3}),
]
TransportEventTypeCode = Literal["ARRI", "DEPA"]
EquipmentEventTypeCode = Literal[
    "LOAD", "DISC", "GTIN", "GTOT", "STUF", "STRP", "PICK", "DROP", "INSP", "RSEA", "RMVD"
]
# fmt: on
EventClassifierCode = Literal["ACT", "PLN", "EST"]


class Vessel(dcsa.Dcsa):
    """The vessel of a transport call."""

    vessel_imo_number: str = Field(alias="vesselIMONumber", max_length=7, description="IMO number, seven digits.")
    vessel_name: str | None = Field(None, alias="vesselName", max_length=35)


class TransportCall(dcsa.Dcsa):
    """A vessel's call at a port: every event of one call carries the same ``transportCallID``."""

    transport_call_id: str = Field(alias="transportCallID", max_length=100)
    carrier_service_code: str | None = Field(None, alias="carrierServiceCode", max_length=5)
    carrier_voyage_number: str | None = Field(
        None, alias="carrierVoyageNumber", max_length=50, description="Deprecated: the export voyage."
    )
    export_voyage_number: str | None = Field(None, alias="exportVoyageNumber", max_length=50)
    import_voyage_number: str | None = Field(None, alias="importVoyageNumber", max_length=50)
    transport_call_sequence_number: int | None = Field(None, alias="transportCallSequenceNumber")
    un_location_code: str = Field(alias="UNLocationCode", max_length=5)
    facility_type_code: Literal["BOCR", "CLOC", "COFS", "COYA", "OFFD", "DEPO", "INTE", "POTE", "RAMP"] = Field(
        alias="facilityTypeCode"
    )
    mode_of_transport: Literal["VESSEL", "RAIL", "TRUCK", "BARGE"] = Field(alias="modeOfTransport")
    vessel: Vessel | None = None


class Seal(dcsa.Dcsa):
    """A seal read on the container."""

    seal_number: str = Field(alias="sealNumber", max_length=15)
    seal_source: Literal["CAR", "SHI", "PHY", "VET", "CUS"] = Field(alias="sealSource")
    seal_type: Literal["KLP", "BLT", "WIR"] = Field(alias="sealType")


class _Event(dcsa.Dcsa):
    event_id: uuid.UUID = Field(alias="eventID")
    event_created_date_time: datetime = Field(alias="eventCreatedDateTime")
    event_date_time: datetime = Field(alias="eventDateTime")
    event_classifier_code: EventClassifierCode = Field(alias="eventClassifierCode")


class ShipmentEvent(_Event):
    """A document's status changed: a transport document issued, a customs declaration submitted, approved,
    rejected, held or released."""

    event_type: Literal["SHIPMENT"] = Field(alias="eventType")
    shipment_event_type_code: ShipmentEventTypeCode = Field(alias="shipmentEventTypeCode")
    document_type_code: DocumentTypeCode = Field(alias="documentTypeCode")
    document_id: str = Field(alias="documentID")


class TransportEvent(_Event):
    """The vessel departed or arrived."""

    event_type: Literal["TRANSPORT"] = Field(alias="eventType")
    transport_event_type_code: TransportEventTypeCode = Field(alias="transportEventTypeCode")
    transport_call: TransportCall = Field(alias="transportCall")


class EquipmentEvent(_Event):
    """A container was gated in or out, loaded or discharged."""

    event_type: Literal["EQUIPMENT"] = Field(alias="eventType")
    equipment_event_type_code: EquipmentEventTypeCode = Field(alias="equipmentEventTypeCode")
    equipment_reference: str | None = Field(None, alias="equipmentReference", max_length=15)
    empty_indicator_code: Literal["EMPTY", "LADEN"] = Field(alias="emptyIndicatorCode")
    transport_call: TransportCall | None = Field(None, alias="transportCall")
    seals: list[Seal] | None = None


Event = TransportEvent | ShipmentEvent | EquipmentEvent
_MODELS: dict[str, type[_Event]] = {
    "SHIPMENT": ShipmentEvent,
    "TRANSPORT": TransportEvent,
    "EQUIPMENT": EquipmentEvent,
}


def event_json(event: TntEvent) -> dict[str, Any]:
    """A DCSA event as the standard writes it (also the body of subscriptions' callbacks)."""
    return dcsa.dump(_MODELS[event.event_type].model_validate(event))


def events_json(events: Sequence[TntEvent]) -> list[dict[str, Any]]:
    """Events as a callback body or a page."""
    return [event_json(e) for e in events]


# ---------------------------------------------------------------------------------------------------- the query


def _string(
    name: str, max_length: int | None = None, *, fmt: str | None = None, deprecated: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if max_length is not None:
        schema["maxLength"] = max_length
    if fmt is not None:
        schema["format"] = fmt
    return {"name": name, "in": "query", "required": False, "deprecated": deprecated, "schema": schema}


def _codes(name: str, values: tuple[str, ...], max_length: int | None = None) -> dict[str, Any]:
    items: dict[str, Any] = {"type": "string", "enum": list(values)}
    if max_length is not None:
        items["maxLength"] = max_length
    return {
        "name": name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": items},
        "description": "Comma-separated; any of them.",
    }


#: The standard's query parameters of ``GET /v2/events`` (validated by :func:`parse_query`, not by FastAPI).
PARAMETERS: list[dict[str, Any]] = [
    _codes("eventType", EVENT_TYPES),
    _codes("shipmentEventTypeCode", SHIPMENT_EVENT_TYPE_CODES),
    _codes("documentTypeCode", DOCUMENT_TYPE_CODES, 3),
    _string("carrierBookingReference", 35),
    _string("bookingReference", deprecated=True),
    _string("transportDocumentID", fmt="uuid", deprecated=True),
    _string("transportDocumentReference", 20),
    _codes("transportEventTypeCode", TRANSPORT_EVENT_TYPE_CODES),
    _string("scheduleID", fmt="uuid", deprecated=True),
    _string("transportCallID", 100),
    _string("vesselIMONumber", 7),
    _string("carrierVoyageNumber", 50, deprecated=True),
    _string("exportVoyageNumber", 50),
    _string("carrierServiceCode", 5),
    _string("UNLocationCode", 5),
    _codes("equipmentEventTypeCode", EQUIPMENT_EVENT_TYPE_CODES),
    _string("equipmentReference", 15),
    {
        **_string("eventCreatedDateTime", fmt="date-time"),
        "description": "Also with an operator: eventCreatedDateTime:gte=, :gt=, :lte=, :lt=, :eq= (no operator: "
        "equal). Several bound a range.",
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "format": "int32", "minimum": 1, "default": 100},
        "description": f"Most events in the page (a page holds at most {MAX_PAGE}).",
    },
    {**_string("cursor"), "description": "A server generated value: the Next-Page (Prev-Page, Last-Page) link's."},
    {
        **_string("sort"),
        "description": "Comma-separated fields, each :ASC (default) or :DESC; then chain order. Fields: "
        "eventCreatedDateTime, eventDateTime, eventID, eventType, shipmentEventTypeCode, transportEventTypeCode, "
        "equipmentEventTypeCode, documentTypeCode, transportDocumentReference, carrierBookingReference, "
        "equipmentReference, UNLocationCode, vesselIMONumber, exportVoyageNumber, carrierServiceCode.",
    },
]
_KNOWN = {p["name"] for p in PARAMETERS}
_LISTS = {
    "eventType": EVENT_TYPES,
    "shipmentEventTypeCode": SHIPMENT_EVENT_TYPE_CODES,
    "documentTypeCode": DOCUMENT_TYPE_CODES,
    "transportEventTypeCode": TRANSPORT_EVENT_TYPE_CODES,
    "equipmentEventTypeCode": EQUIPMENT_EVENT_TYPE_CODES,
}
_LENGTHS = {p["name"]: p["schema"].get("maxLength") for p in PARAMETERS if p["schema"].get("type") == "string"}
_OPERATORS = ("gte", "gt", "lte", "lt", "eq")
_DATE_TIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))")


@dataclass(frozen=True)
class EventQuery:
    """A parsed ``GET /v2/events`` query."""

    filter: EventFilter
    sort: tuple[SortKey, ...]
    limit: int
    cursor: Cursor | None


def parse_date_time(value: str, field: str) -> float:
    """An RFC 3339 date-time (``format: date-time``) as unix seconds; :class:`InvalidInputError` otherwise."""
    match = _DATE_TIME.fullmatch(value.strip())
    if match is None:
        raise InvalidInputError(f"{value!r} is not an RFC 3339 date-time (2021-04-01T14:12:56+01:00)", field)
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    fraction = float(match[7]) if match[7] else 0.0
    if second == 60:  # a leap second: the last instant of the minute before it
        second, fraction = 59, 0.999999
    try:
        if match[8]:
            zone = UTC
        else:
            hours, minutes = int(match[10]), int(match[11])
            if hours > 23 or minutes > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=hours, minutes=minutes)
            zone = timezone(-offset if match[9] == "-" else offset)
        when = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        raise InvalidInputError(f"{value!r} is not a valid date and time", field) from None
    return when.timestamp() + fraction


def parse_query(items: list[tuple[str, str]]) -> EventQuery:
    """The query of ``GET /v2/events`` as the standard defines it; :class:`InvalidInputError` names what is wrong
    (an unknown parameter, a value not in a code list or too long, a malformed date-time, cursor or sort)."""
    values: dict[str, str] = {}
    created: list[TimeBound] = []
    for name, value in items:
        base, _, operator = name.partition(":")
        if base == "eventCreatedDateTime":
            if operator and operator not in _OPERATORS:
                raise InvalidInputError(
                    f"{name}: the operators are {', '.join(':' + o for o in _OPERATORS)}", f"query.{name}"
                )
            created.append(TimeBound(cast(Operator, operator or "eq"), parse_date_time(value, f"query.{name}")))
            continue
        if name not in _KNOWN:
            raise InvalidInputError(f"{name} is not a query parameter of GET /v2/events", f"query.{name}")
        if name in values:
            raise InvalidInputError(f"{name} is given twice (give a list once, comma-separated)", f"query.{name}")
        values[name] = value
    codes: dict[str, frozenset[str] | None] = {}
    for name, allowed in _LISTS.items():
        if name not in values:
            codes[name] = None
            continue
        listed = [v.strip() for v in values[name].split(",")]
        if "" in listed:
            raise InvalidInputError(
                f"{name} lists an empty code: give codes, comma-separated, or leave it out", f"query.{name}"
            )
        given = set(listed)
        if given - set(allowed):
            raise InvalidInputError(
                f"{', '.join(sorted(given - set(allowed)))} is not one of {', '.join(allowed)}", f"query.{name}"
            )
        codes[name] = frozenset(given)
    for name, max_length in _LENGTHS.items():
        if name in values and max_length is not None and len(values[name]) > max_length:
            raise InvalidInputError(f"{name} is longer than {max_length} characters", f"query.{name}")
    for name in ("transportDocumentID", "scheduleID"):
        if name in values:
            try:
                uuid.UUID(values[name])
            except ValueError:
                raise InvalidInputError(f"{name} {values[name]!r} is not a UUID", f"query.{name}") from None
    limit = 100
    if "limit" in values:
        if not re.fullmatch(r"\+?[0-9]{1,10}", values["limit"].strip()) or not 1 <= int(values["limit"]) <= MAX_LIMIT:
            raise InvalidInputError(f"limit must be an integer from 1 to {MAX_LIMIT}", "query.limit")
        limit = int(values["limit"])
    get = values.get
    return EventQuery(
        filter=EventFilter(
            event_types=codes["eventType"],
            shipment_event_type_codes=codes["shipmentEventTypeCode"],
            document_type_codes=codes["documentTypeCode"],
            transport_event_type_codes=codes["transportEventTypeCode"],
            equipment_event_type_codes=codes["equipmentEventTypeCode"],
            carrier_booking_references=tuple(
                v for v in (get("carrierBookingReference"), get("bookingReference")) if v is not None
            ),
            transport_document_reference=get("transportDocumentReference"),
            transport_document_id=get("transportDocumentID"),
            schedule_id=get("scheduleID"),
            transport_call_id=get("transportCallID"),
            vessel_imo_number=get("vesselIMONumber"),
            voyage_numbers=tuple(v for v in (get("exportVoyageNumber"), get("carrierVoyageNumber")) if v is not None),
            carrier_service_code=get("carrierServiceCode"),
            un_location_code=get("UNLocationCode"),
            equipment_reference=get("equipmentReference"),
            created=tuple(created),
        ),
        sort=parse_sort(get("sort")),
        limit=limit,
        cursor=Cursor.decode(values["cursor"]) if "cursor" in values else None,
    )


# ---------------------------------------------------------------------------------------------------- routes

_PAGE_HEADERS = {
    "API-Version": {"schema": {"type": "string"}, "description": "2.2.0"},
    "Current-Page": {"schema": {"type": "string"}, "required": True, "description": "A link to this page."},
    "Next-Page": {"schema": {"type": "string"}, "description": "A link to the next page (none on the last)."},
    "Prev-Page": {"schema": {"type": "string"}, "description": "A link to the previous page (none on the first)."},
    "Last-Page": {"schema": {"type": "string"}, "description": "A link to the last page (none on the last)."},
    "First-Page": {"schema": {"type": "string"}, "description": "A link to the first page (none on the first)."},
}


def page_headers(
    request: Request, next_: Cursor | None, prev: Cursor | None, last: Cursor | None, first: bool
) -> dict[str, str]:
    """The standard's paging headers: links (absolute URLs) with the page's query and another cursor."""
    url = request.url
    headers = {"Current-Page": str(url)}
    for name, cursor in (("Next-Page", next_), ("Prev-Page", prev), ("Last-Page", last)):
        if cursor is not None:
            headers[name] = str(url.include_query_params(cursor=cursor.encode()))
    if first:
        headers["First-Page"] = str(url.remove_query_params("cursor"))
    return headers


@router.get(
    "",
    response_model=list[Event],
    responses={200: {"description": "Successful operation", "headers": _PAGE_HEADERS}, **dcsa.responses()},
    openapi_extra={"parameters": PARAMETERS},
    summary="Find events.",
)
def find_events(request: Request, events: DcsaDep, caller: CallerDep) -> JSONResponse:
    """Events in chain order (or ``sort``), filtered by the standard's query parameters (lists: any value; every
    parameter given must match). Parties see their shipments' events, customs and auditors all."""
    query = parse_query(list(request.query_params.multi_items()))
    found = events.events(caller, query.filter, sort=query.sort, limit=query.limit, cursor=query.cursor)
    headers = page_headers(request, found.next, found.prev, found.last, found.has_first)
    return JSONResponse(events_json(found.events), headers=headers)


@router.get(
    "/{eventID}",
    response_model=Event,
    responses={200: {"description": "Successful operation"}, **dcsa.responses()},
    summary="Find events by eventID.",
)
def get_event(
    eventID: Annotated[uuid.UUID, Path(description="The ID of the event to receive.")],
    events: DcsaDep,
    caller: CallerDep,
) -> JSONResponse:
    """One event by its id (for the parties of the shipment, customs and auditors; others get 404)."""
    return JSONResponse(event_json(events.event(caller, str(eventID))))
