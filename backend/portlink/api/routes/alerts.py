"""Alerts: IoT alerts as indexed (list, one alert, its resolution by customs), and the feed of alert and customs
hold events (a list from any block, and a server-sent event stream with telemetry warnings)."""

from __future__ import annotations

import json
import logging
import queue
import time
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import Field

from portlink.api.deps import MAX_SQL_INTEGER, CallerDep, IoTDep, Limit, Offset, RuntimeDep
from portlink.api.fields import Bytes32
from portlink.api.models import ChainEventPublic, Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.errors import StoreUnavailableError
from portlink.services.access import Caller
from portlink.services.eventlog import ChainEvent
from portlink.services.iot import ALERT_EVENTS, IoTService
from portlink.services.risk import RiskAlert
from portlink.telemetry.ingest import TelemetryWarning

alerts = APIRouter(prefix="/v1/alerts", tags=["alerts"])
log = logging.getLogger("portlink.api")

#: A comment line on a stream that sent nothing for this long.
KEEPALIVE_SECONDS = 15.0

AlertId = Annotated[int, Path(ge=1, lt=2**256, description="The IoT monitor's alert id (from `AlertRaised`).")]


class AlertPublic(Public):
    """An IoT alert as indexed: the breaching reading (``value`` by ``kind``: see the monitor's ``DeviceKind``;
    ``readingTimestamp`` by the device's clock), the rule it broke, and whether customs resolved it."""

    alert_id: int
    shipment_id: str
    device_id: str
    kind: str
    rule: str
    value: int
    sequence: int
    reading_timestamp: int
    state: Literal["OPEN", "RESOLVED"]
    raised_block: int
    raised_transaction: str
    raised_at: int | None
    resolved_by: str | None
    reason: str | None
    resolved_at: int | None
    block_number: int
    confirmed: bool


class AlertDetail(AlertPublic):
    """An IoT alert with its events in chain order."""

    events: list[ChainEventPublic]


class AlertsPublic(Public):
    """A page of IoT alerts."""

    total: int
    limit: int
    offset: int
    data: list[AlertPublic]


class AlertResolution(Closed):
    """Why customs resolves an IoT alert (kept on chain in `AlertResolved`)."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def warning_json(warning: TelemetryWarning) -> dict[str, Any]:
    """A telemetry warning as the alert stream sends it."""
    return {
        "event": "TelemetryWarning",
        "shipmentId": _hex(warning.shipment_id),
        "deviceId": _hex(warning.device_id),
        "container": warning.container,
        "rule": warning.rule.name,
        "value": warning.value,
        "readingTimestamp": warning.reading_timestamp,
        "receivedAt": warning.received_at,
    }


def risk_alert_json(alert: RiskAlert) -> dict[str, Any]:
    """A risk alert as the alert stream sends it."""
    return {
        "event": "RiskAlert",
        "declarationId": alert.declaration_id,
        "port": alert.port,
        "declarationVersion": alert.declaration_version,
        "score": alert.score,
        "threshold": alert.threshold,
        "modelVersion": alert.model_version,
        "reasons": alert.reasons,
        "raisedAt": alert.raised_at,
    }


def _event_json(event: ChainEvent) -> dict[str, Any]:
    return ChainEventPublic.model_validate(event).model_dump(mode="json", by_alias=True)


def _warnings(iot: IoTService, caller: Caller, warnings: queue.Queue[TelemetryWarning]) -> Iterator[str]:
    """The telemetry warnings waiting in ``warnings`` that the caller may see, as server-sent events."""
    mine: set[str] | None = None
    while True:
        if mine is None and not caller.oversight and not warnings.empty():  # read before a warning leaves the queue
            mine = iot.shipments.mine(caller.member)
        try:
            warning = warnings.get_nowait()
        except queue.Empty:
            return
        event = warning_json(warning)
        if mine is not None and event["shipmentId"] not in mine:
            continue
        yield f"event: TelemetryWarning\ndata: {json.dumps(event)}\n\n"


@alerts.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}, **responses(401)},
)
def alert_stream(
    runtime: RuntimeDep,
    iot: IoTDep,
    caller: CallerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", pattern=r"^[0-9]+-[0-9]+$")] = None,
    timeout: Annotated[float | None, Query(gt=0, le=86_400, description="Close after this many seconds.")] = None,
) -> StreamingResponse:
    """Server-sent events of IoT alerts and customs holds as they are indexed (``id``: block-logIndex; send it
    back as ``Last-Event-ID`` to resume), of telemetry warnings (``event: TelemetryWarning``, no id) the moment
    a gateway's reading breaks a rule, before anything reaches the chain, and (customs and auditors) of risk alerts
    (``event: RiskAlert``, no id) raised after the stream opened. Without ``Last-Event-ID`` the stream
    starts at the index's head. On PostgreSQL the indexer's commit pushes them (LISTEN/NOTIFY), to the streams of
    every API process; a comment line every 15 s keeps a quiet stream open."""
    if last_event_id:
        block, index = (int(x) for x in last_event_id.split("-"))
        cursor = (block, index)
    else:
        cursor = (int(runtime.index.head().checkpoint_block or 0), 1 << 30)

    changes = runtime.changes
    wakeup = changes.subscribe(ALERT_EVENTS)
    warnings = runtime.telemetry_hub.subscribe(wakeup)

    def stream() -> Iterator[str]:
        deadline = time.monotonic() + timeout if timeout else None
        yield ": PortLink alert stream\n\n"
        try:
            behind = True  # what was indexed between the cursor and subscribing is read first
            last_sent = time.monotonic()
            while not runtime.stopping.is_set():
                sent: list[str] = []
                try:
                    if behind:
                        sent.extend(_warnings(iot, caller, warnings))
                        sent.extend(poll())
                        behind = False
                    sent.extend(risk_alerts())  # written by the risk worker, not the indexer: looked for every second
                except StoreUnavailableError as exc:  # the database restarts: keep the stream, catch up once it answers
                    log.warning("alert stream waits for the database: %s", str(exc).splitlines()[0])
                yield from sent
                if sent:
                    last_sent = time.monotonic()
                if time.monotonic() - last_sent >= KEEPALIVE_SECONDS:  # proxies close silent connections
                    yield ": keep-alive\n\n"
                    last_sent = time.monotonic()
                now = time.monotonic()
                if deadline is not None and now >= deadline:
                    return
                behind = wakeup.wait(min(1.0, deadline - now) if deadline is not None else 1.0) or behind
        finally:
            runtime.telemetry_hub.unsubscribe(warnings)
            changes.unsubscribe(wakeup)

    risk_cursor = runtime.risk.last_alert_seq() if caller.oversight else 0

    def risk_alerts() -> Iterator[str]:
        nonlocal risk_cursor
        if not caller.oversight:
            return
        for alert in runtime.risk.alerts(after_seq=risk_cursor, limit=1000):
            risk_cursor = alert.seq
            yield f"event: RiskAlert\ndata: {json.dumps(risk_alert_json(alert))}\n\n"

    def poll() -> Iterator[str]:
        nonlocal cursor
        fresh = [e for e in iot.feed(caller, after_block=cursor[0] - 1) if e.position > cursor]
        for e in fresh:
            yield f"id: {e.block_number}-{e.log_index}\nevent: {e.event}\ndata: {json.dumps(_event_json(e))}\n\n"
        if fresh:
            cursor = fresh[-1].position

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


@alerts.get("", response_model=AlertsPublic, responses=responses(401))
def list_alerts(
    iot: IoTDep,
    caller: CallerDep,
    state: Annotated[Literal["OPEN", "RESOLVED"] | None, Query(description="OPEN: still holding the shipment.")] = None,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment id.")] = None,
    device: Annotated[Bytes32 | None, Query(description="The device id.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlertsPublic:
    """IoT alerts by state, shipment and device, newest first, from the index. Members see the alerts of the
    shipments they are a party of and of the devices they relay for (gateways); customs and auditors see all."""
    found = iot.alerts(caller, state=state, shipment=shipment, device=device, limit=limit, offset=offset)
    data = [AlertPublic.model_validate(a) for a in found.items]
    return AlertsPublic(total=found.total, limit=limit, offset=offset, data=data)


@alerts.get("/events", response_model=list[ChainEventPublic], responses=responses(401))
def alert_events(
    iot: IoTDep,
    caller: CallerDep,
    shipment: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{64}$")] = None,
    after_block: Annotated[int | None, Query(alias="afterBlock", ge=0, le=MAX_SQL_INTEGER)] = None,
) -> list[ChainEventPublic]:
    """The events of IoT alerts raised and resolved and of customs holds placed and released, in chain order: what
    the stream sends, to poll or to catch up from ``afterBlock``."""
    return [ChainEventPublic.model_validate(e) for e in iot.feed(caller, shipment=shipment, after_block=after_block)]


@alerts.post("/{alert_id}/resolution", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def resolve_alert(alert_id: AlertId, body: AlertResolution, iot: IoTDep, writer: WriterDep) -> JSONResponse:
    """Resolve an open IoT alert, releasing its hold on the shipment. Caller: `CUSTOMS` of the shipment's origin or
    destination port (the chain checks)."""
    return writer.perform(iot.resolve_alert(alert_id, body.reason), body)


@alerts.get("/{alert_id}", response_model=AlertDetail, responses=responses(401, 403, 404))
def get_alert(alert_id: AlertId, iot: IoTDep, caller: CallerDep) -> AlertDetail:
    """One IoT alert with its events; for the parties of the shipment, the device's gateway, customs and
    auditors."""
    return AlertDetail.model_validate(iot.alert(caller, alert_id))
