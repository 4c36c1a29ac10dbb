"""Alerts: IoT alerts as indexed (list, one alert, its resolution by customs), and the feed of alert and customs
hold events (a list from any block, and a server-sent event stream with telemetry warnings)."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import MAX_SQL_INTEGER, CallerDep, Offset, QueriesDep, RuntimeDep, WriteDep
from portlink.api.fields import Bytes32
from portlink.api.models import OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.routes.audit import AuditEntry
from portlink.api.routes.shipments import visible_shipment
from portlink.api.writes import WRITE_CODES, perform
from portlink.errors import NotFoundError
from portlink.manifest import CUSTOMS, IOT
from portlink.services.access import Caller
from portlink.services.operations import Call
from portlink.services.queries import IndexQueries
from portlink.services.telemetry import warning_json
from portlink.telemetry.ingest import TelemetryWarning

alerts = APIRouter(prefix="/v1/alerts", tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, lt=2**256, description="The IoT monitor's alert id (from `AlertRaised`).")]


class AlertPublic(Public):
    """An IoT alert as indexed: the breaching reading (``value`` by ``kind``: see the monitor's ``DeviceKind``;
    ``readingTimestamp`` by the device's clock), the rule it broke, and whether customs resolved it."""

    alertId: int
    shipmentId: str
    deviceId: str
    kind: str
    rule: str
    value: int
    sequence: int
    readingTimestamp: int
    state: Literal["OPEN", "RESOLVED"]
    raisedBlock: int
    raisedTransaction: str
    raisedAt: int | None
    resolvedBy: str | None
    reason: str | None
    resolvedAt: int | None
    blockNumber: int
    confirmed: bool


class AlertDetail(AlertPublic):
    """An IoT alert with its events in chain order."""

    events: list[dict[str, Any]]


class AlertsPublic(BaseModel):
    """A page of IoT alerts."""

    total: int
    limit: int
    offset: int
    data: list[AlertPublic]


ALERT_EVENTS = ["AlertRaised", "AlertResolved", "HoldPlaced", "HoldReleased"]


def _visible(queries: IndexQueries, caller: Caller, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = [e for e in entries if e["contract"] in (IOT, CUSTOMS)]
    if caller.oversight:
        return entries
    mine = {s["shipmentId"] for s in queries.shipments(party=caller.member, limit=10_000)[1]}
    return [e for e in entries if {e["args"].get("shipmentId"), e["args"].get("declarationId")} & mine]


def _warnings(queries: IndexQueries, caller: Caller, warnings: queue.Queue[TelemetryWarning]) -> Iterator[str]:
    """The telemetry warnings waiting in ``warnings`` that the caller may see, as server-sent events."""
    mine: set[str] | None = None
    while True:
        try:
            warning = warnings.get_nowait()
        except queue.Empty:
            return
        event = warning_json(warning)
        if not caller.oversight:
            if mine is None:
                mine = {s["shipmentId"] for s in queries.shipments(party=caller.member, limit=10_000)[1]}
            if event["shipmentId"] not in mine:
                continue
        yield f"event: TelemetryWarning\ndata: {json.dumps(event)}\n\n"


@alerts.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, **responses(401)},
)
def alert_stream(
    runtime: RuntimeDep,
    queries: QueriesDep,
    caller: CallerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", pattern=r"^[0-9]+-[0-9]+$")] = None,
    timeout: Annotated[float | None, Query(gt=0, le=86_400, description="Close after this many seconds.")] = None,
) -> StreamingResponse:
    """Server-sent events of IoT alerts and customs holds as they are indexed (``id``: block-logIndex; send it
    back as ``Last-Event-ID`` to resume), and of telemetry warnings (``event: TelemetryWarning``, no id) the moment
    a gateway's reading breaks a rule, before anything reaches the chain. Without ``Last-Event-ID`` the stream
    starts at the index's head."""
    if last_event_id:
        block, index = (int(x) for x in last_event_id.split("-"))
        cursor = (block, index)
    else:
        cursor = (int(queries.head()["checkpointBlock"] or 0), 1 << 30)

    warnings = runtime.telemetry_hub.subscribe()

    def stream() -> Iterator[str]:
        nonlocal cursor
        deadline = time.monotonic() + timeout if timeout else None
        yield ": PortLink alert stream\n\n"
        try:
            while (deadline is None or time.monotonic() < deadline) and not runtime.stopping.is_set():
                yield from _warnings(queries, caller, warnings)
                yield from poll()
                runtime.stopping.wait(0.2)
        finally:
            runtime.telemetry_hub.unsubscribe(warnings)

    def poll() -> Iterator[str]:
        nonlocal cursor
        fresh = [
            e
            for e in queries.events(names=ALERT_EVENTS, after_block=cursor[0] - 1)
            if (e["blockNumber"], e["logIndex"]) > cursor
        ]
        for e in _visible(queries, caller, fresh):
            yield f"id: {e['blockNumber']}-{e['logIndex']}\nevent: {e['event']}\ndata: {json.dumps(e)}\n\n"
        if fresh:
            cursor = (fresh[-1]["blockNumber"], fresh[-1]["logIndex"])

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@alerts.get("", response_model=AlertsPublic, responses=responses(401))
def list_alerts(
    queries: QueriesDep,
    caller: CallerDep,
    state: Annotated[Literal["OPEN", "RESOLVED"] | None, Query(description="OPEN: still holding the shipment.")] = None,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment id.")] = None,
    device: Annotated[Bytes32 | None, Query(description="The device id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> AlertsPublic:
    """IoT alerts by state, shipment and device, newest first, from the index. Members see the alerts of the
    shipments they are a party of and of the devices they relay for (gateways); customs and auditors see all."""
    viewer = None if caller.oversight else caller.member
    total, rows = queries.alerts(
        state=state, shipment=shipment, device=device, viewer=viewer, limit=limit, offset=offset
    )
    return AlertsPublic(total=total, limit=limit, offset=offset, data=[AlertPublic(**r) for r in rows])


@alerts.get("/events", response_model=list[AuditEntry], responses=responses(401))
def alert_events(
    queries: QueriesDep,
    caller: CallerDep,
    shipment: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{64}$")] = None,
    after_block: Annotated[int | None, Query(alias="afterBlock", ge=0, le=MAX_SQL_INTEGER)] = None,
) -> list[AuditEntry]:
    """The events of IoT alerts raised and resolved and of customs holds placed and released, in chain order: what
    the stream sends, to poll or to catch up from ``afterBlock``."""
    entries = queries.events(names=ALERT_EVENTS, after_block=after_block)
    if shipment:
        sid = shipment.lower()
        entries = [e for e in entries if sid in (e["args"].get("shipmentId"), e["args"].get("declarationId"))]
    return [AuditEntry(**e) for e in _visible(queries, caller, entries)]


class AlertResolution(BaseModel):
    """Why customs resolves an IoT alert (kept on chain in `AlertResolved`)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=500)]


@alerts.post(
    "/{alert_id}/resolution", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def resolve_alert(
    request: Request,
    alert_id: AlertId,
    body: AlertResolution,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Resolve an open IoT alert, releasing its hold on the shipment. Caller: `CUSTOMS` of the shipment's origin or
    destination port (the chain checks)."""
    return perform(
        request, runtime, caller, options, "alerts.resolve", Call(IOT, "resolveAlert", [alert_id, body.reason]), body
    )


@alerts.get("/{alert_id}", response_model=AlertDetail, responses=responses(401, 403, 404))
def get_alert(alert_id: AlertId, queries: QueriesDep, caller: CallerDep) -> AlertDetail:
    """One IoT alert with its events; for the parties of the shipment, the device's gateway, customs and
    auditors."""
    alert = queries.alert(alert_id)
    if alert is None:
        raise NotFoundError(f"no IoT alert {alert_id} in the index (it may not be indexed yet)")
    if not caller.oversight:
        device = queries.device(alert["deviceId"])
        if device is None or device["gateway"] != caller.member:
            visible_shipment(queries, caller, alert["shipmentId"])
    return AlertDetail(**alert, events=queries.events(contract=IOT, arg=("alertId", alert_id)))
