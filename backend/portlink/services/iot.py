"""IoT: devices, gateway authorisations, shipment rules and alert resolution as writes of the IoT monitor; devices
and alerts as indexed, with who may read them; and the alert feed (alert and customs hold events) a member may
follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, or_, select

from portlink.domain.iot import DeviceKind, Rules
from portlink.errors import ForbiddenError, NotFoundError
from portlink.manifest import CUSTOMS, IOT
from portlink.services.access import Caller
from portlink.services.eventlog import ChainEvent, EventLog
from portlink.services.operations import Call, Write
from portlink.services.shipments import ShipmentService
from portlink.services.sql import MAX_ID, Page, checksum, forms, page, party_shipments, rows
from portlink.store import schema

#: The events of the alert feed: IoT alerts raised and resolved, customs holds placed and released.
ALERT_EVENTS = ["AlertRaised", "AlertResolved", "HoldPlaced", "HoldReleased"]


@dataclass(frozen=True)
class Device:
    """A device as indexed: ``ACTIVE`` until its gateway revokes it (``REVOKED``, final); bound to container
    ``container_index`` (number ``container``) of ``shipment_id``, or unbound; ``last_sequence`` and
    ``last_reading_at`` (device clock) of its last reading posted on chain, a breach."""

    device_id: str
    gateway: str
    signer: str
    kind: str
    state: str
    shipment_id: str | None
    container_index: int | None
    container: str | None
    last_sequence: int
    last_reading_at: int | None
    block_number: int
    confirmed: bool


@dataclass(frozen=True)
class Alert:
    """An IoT alert as indexed: the breaching reading (``value`` by ``kind``; ``reading_timestamp`` by the device's
    clock), the rule it broke, and whether customs resolved it."""

    alert_id: int
    shipment_id: str
    device_id: str
    kind: str
    rule: str
    value: int
    sequence: int
    reading_timestamp: int
    state: str
    raised_block: int
    raised_transaction: str
    raised_at: int | None
    resolved_by: str | None
    reason: str | None
    resolved_at: int | None
    block_number: int
    confirmed: bool


@dataclass(frozen=True)
class AlertDetail(Alert):
    """An IoT alert with its events in chain order."""

    events: tuple[ChainEvent, ...] = ()


def _device(r: dict[str, Any]) -> Device:
    return Device(
        device_id=r["device_id"],
        gateway=to_checksum_address(r["gateway"]),
        signer=to_checksum_address(r["signer"]),
        kind=r["kind"],
        state=r["state"],
        shipment_id=r["shipment_id"],
        container_index=r["container_index"],
        container=r["container"],
        last_sequence=r["last_sequence"],
        last_reading_at=r["last_reading_at"],
        block_number=r["block_number"],
        confirmed=bool(r["confirmed"]),
    )


def _alert(r: dict[str, Any]) -> Alert:
    return Alert(
        alert_id=r["alert_id"],
        shipment_id=r["shipment_id"],
        device_id=r["device_id"],
        kind=r["kind"],
        rule=r["rule"],
        value=r["value"],
        sequence=r["sequence"],
        reading_timestamp=r["reading_timestamp"],
        state=r["state"],
        raised_block=r["raised_block"],
        raised_transaction=r["raised_transaction"],
        raised_at=r["raised_at"],
        resolved_by=checksum(r["resolved_by"]),
        reason=r["reason"],
        resolved_at=r["resolved_at"],
        block_number=r["block_number"],
        confirmed=bool(r["confirmed"]),
    )


class IoTService:
    """Device and alert reads, the alert feed, and IoT monitor writes."""

    def __init__(self, engine: Engine, shipments: ShipmentService, eventlog: EventLog) -> None:
        self.engine, self.shipments, self.eventlog = engine, shipments, eventlog

    # ------------------------------------------------------------------ devices

    def find_device(self, device_id: str) -> Device | None:
        """One device, whoever asks, or ``None``."""
        d = schema.iot_devices
        with self.engine.connect() as conn:
            found = rows(conn, select(d).where(d.c.device_id == device_id.lower()))
        return _device(found[0]) if found else None

    def device(self, caller: Caller, device_id: str) -> Device:
        """One device, for its gateway, customs and auditors, and the parties of the shipment it watches."""
        device = self.find_device(device_id)
        if device is None:
            raise NotFoundError(f"no IoT device {device_id} in the index (it may not be indexed yet)")
        if caller.oversight or caller.member == device.gateway:
            return device
        if device.shipment_id is None:
            raise ForbiddenError(
                f"{caller.member} is not the gateway of device {device.device_id}, nor customs or an auditor"
            )
        self.shipments.visible(caller, device.shipment_id)
        return device

    def devices(
        self,
        caller: Caller,
        *,
        shipment: str | None = None,
        gateway: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Device]:
        """Devices by shipment and gateway, in id order. Members see the devices of the shipments they are a party
        of and (gateways) their own; customs and auditors see all."""
        d = schema.iot_devices
        query = select(d)
        if shipment:
            query = query.where(d.c.shipment_id == shipment.lower())
        if gateway:
            query = query.where(d.c.gateway.in_(forms(gateway)))
        if caller.viewer is not None:
            query = query.where(
                or_(d.c.gateway.in_(forms(caller.viewer)), d.c.shipment_id.in_(party_shipments(caller.viewer)))
            )
        with self.engine.connect() as conn:
            total, found = page(conn, query, [d.c.device_id], limit, offset)
        return Page(total, limit, offset, [_device(r) for r in found])

    # ------------------------------------------------------------------ alerts

    def alert(self, caller: Caller, alert_id: int) -> AlertDetail:
        """One IoT alert with its events; for the parties of the shipment, the device's gateway, customs and
        auditors."""
        found = None
        if 0 < alert_id <= MAX_ID:
            a = schema.iot_alerts
            with self.engine.connect() as conn:
                found = rows(conn, select(a).where(a.c.alert_id == alert_id))
        if not found:
            raise NotFoundError(f"no IoT alert {alert_id} in the index (it may not be indexed yet)")
        alert = _alert(found[0])
        if not caller.oversight:
            device = self.find_device(alert.device_id)
            if device is None or device.gateway != caller.member:
                self.shipments.visible(caller, alert.shipment_id)
        events = self.eventlog.events(contract=IOT, arg=("alertId", alert_id))
        return AlertDetail(**{k: getattr(alert, k) for k in Alert.__dataclass_fields__}, events=tuple(events))

    def alerts(
        self,
        caller: Caller,
        *,
        state: str | None = None,
        shipment: str | None = None,
        device: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Alert]:
        """IoT alerts by state, shipment and device, newest first. Members see the alerts of the shipments they
        are a party of and of the devices they relay for (gateways); customs and auditors see all."""
        a, d = schema.iot_alerts, schema.iot_devices
        query = select(a)
        if state:
            query = query.where(a.c.state == state)
        if shipment:
            query = query.where(a.c.shipment_id == shipment.lower())
        if device:
            query = query.where(a.c.device_id == device.lower())
        if caller.viewer is not None:
            relayed = select(d.c.device_id).where(d.c.gateway.in_(forms(caller.viewer)))
            query = query.where(or_(a.c.shipment_id.in_(party_shipments(caller.viewer)), a.c.device_id.in_(relayed)))
        with self.engine.connect() as conn:
            total, found = page(conn, query, [a.c.alert_id.desc()], limit, offset)
        return Page(total, limit, offset, [_alert(r) for r in found])

    # ------------------------------------------------------------------ the alert feed

    def feed(self, caller: Caller, *, shipment: str | None = None, after_block: int | None = None) -> list[ChainEvent]:
        """The events of IoT alerts raised and resolved and of customs holds placed and released, in chain order,
        that the caller may see (the parties of the shipment; customs and auditors all)."""
        entries = self.eventlog.events(names=ALERT_EVENTS, after_block=after_block)
        if shipment:
            sid = shipment.lower()
            entries = [e for e in entries if sid in (e.args.get("shipmentId"), e.args.get("declarationId"))]
        return self.visible_feed(caller, entries)

    def visible_feed(self, caller: Caller, entries: list[ChainEvent]) -> list[ChainEvent]:
        """The feed events of ``entries`` the caller may see."""
        entries = [e for e in entries if e.contract in (IOT, CUSTOMS)]
        if caller.oversight:
            return entries
        mine = self.shipments.mine(caller.member)
        return [e for e in entries if {e.args.get("shipmentId"), e.args.get("declarationId")} & mine]

    # ------------------------------------------------------------------ writing

    @staticmethod
    def register_device(device_id: bytes, signer: str, kind: DeviceKind) -> Write:
        """A gateway registers a device and the key it signs readings with (caller: an IOT_GATEWAY)."""
        return Write("iot.registerDevice", Call(IOT, "registerDevice", [device_id, signer, int(kind)]))

    @staticmethod
    def revoke_device(device_id: bytes) -> Write:
        """The device's gateway revokes it for good."""
        return Write("iot.revokeDevice", Call(IOT, "revokeDevice", [device_id]))

    @staticmethod
    def bind_device(device_id: bytes, shipment_id: bytes, container_index: int) -> Write:
        """The device's gateway binds it to a container of a shipment it is authorised for."""
        return Write("iot.bindDevice", Call(IOT, "bindDevice", [device_id, shipment_id, container_index]))

    @staticmethod
    def authorise_gateway(shipment_id: bytes, gateway: str, authorised: bool) -> Write:
        """The shipper (or customs) authorises a gateway to watch a shipment, or withdraws it."""
        return Write("iot.authoriseGateway", Call(IOT, "authoriseGateway", [shipment_id, gateway, authorised]))

    @staticmethod
    def set_rules(shipment_id: bytes, rules: Rules) -> Write:
        """The shipper (or customs) sets the rules a shipment's readings are checked against."""
        return Write("iot.setRules", Call(IOT, "setRules", [shipment_id, rules.to_chain()]))

    @staticmethod
    def resolve_alert(alert_id: int, reason: str) -> Write:
        """Customs resolves an open alert, releasing its hold (caller: CUSTOMS of the shipment's ports)."""
        return Write("alerts.resolve", Call(IOT, "resolveAlert", [alert_id, reason]))
