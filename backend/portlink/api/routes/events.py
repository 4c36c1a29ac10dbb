"""``GET /v2/events``: DCSA Track & Trace 2.2 shipment, transport and equipment events, with its filters and
cursor paging (``Next-Page`` header)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from portlink.api.deps import CallerDep, RuntimeDep
from portlink.api.problems import responses
from portlink.errors import InvalidInputError
from portlink.services import dcsa

router = APIRouter(prefix="/v2/events", tags=["DCSA Track & Trace"])

_EVENT_TYPES = {"SHIPMENT", "TRANSPORT", "EQUIPMENT"}


def _codes(value: str | None, field: str, allowed: set[str] | frozenset[str] | None = None) -> set[str] | None:
    if value is None:
        return None
    codes = {v.strip() for v in value.split(",") if v.strip()}
    if allowed is not None and not codes <= allowed:
        raise InvalidInputError(
            f"{', '.join(sorted(codes - allowed))} not among {', '.join(sorted(allowed))}", f"query.{field}"
        )
    return codes


def _cursor(value: str | None) -> tuple[int, int]:
    if value is None:
        return (-1, -1)
    try:
        padded = value + "=" * (-len(value) % 4)
        block, index = base64.urlsafe_b64decode(padded.encode()).decode().split("-")
        return int(block), int(index)
    except ValueError:
        raise InvalidInputError("the cursor is not one this server made", "query.cursor") from None


@router.get(
    "",
    response_model=list[dict[str, Any]],
    responses={
        **responses(400, 401),
        200: {"description": "DCSA events", "headers": {"Next-Page": {"schema": {"type": "string"}}}},
    },
)
def find_events(
    request: Request,
    runtime: RuntimeDep,
    caller: CallerDep,
    eventType: Annotated[str | None, Query(description="SHIPMENT, TRANSPORT, EQUIPMENT; comma-separated.")] = None,
    shipmentEventTypeCode: Annotated[str | None, Query()] = None,
    documentTypeCode: Annotated[str | None, Query()] = None,
    transportEventTypeCode: Annotated[str | None, Query()] = None,
    equipmentEventTypeCode: Annotated[str | None, Query()] = None,
    transportDocumentReference: Annotated[str | None, Query(max_length=20)] = None,
    equipmentReference: Annotated[str | None, Query(max_length=15)] = None,
    UNLocationCode: Annotated[str | None, Query(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> JSONResponse:
    """Events in chain order. Parties see their shipments' events, customs and auditors all."""
    filters: dict[str, set[str] | str] = {}
    for name, value, allowed in (
        ("eventType", eventType, _EVENT_TYPES),
        ("shipmentEventTypeCode", shipmentEventTypeCode, None),
        ("documentTypeCode", documentTypeCode, None),
        ("transportEventTypeCode", transportEventTypeCode, dcsa.TRANSPORT_CODES),
        ("equipmentEventTypeCode", equipmentEventTypeCode, None),
    ):
        codes = _codes(value, name, allowed)
        if codes is not None:
            filters[name] = codes
    for name, single in (
        ("transportDocumentReference", transportDocumentReference),
        ("equipmentReference", equipmentReference),
        ("UNLocationCode", UNLocationCode),
    ):
        if single is not None:
            filters[name] = single
    party = None if caller.oversight else caller.member
    page, last = runtime.dcsa.events(after=_cursor(cursor), limit=limit, party=party, filters=filters)
    headers = {"API-Version": "2.2.0"}
    if last is not None and len(page) == limit:
        token = base64.urlsafe_b64encode(f"{last[0]}-{last[1]}".encode()).decode().rstrip("=")
        headers["Next-Page"] = str(request.url.include_query_params(cursor=token))
    return JSONResponse(page, headers=headers)
