"""Projections of the IoT monitor's events: devices, gateway authorisations, rules, alerts, anchored batches."""

from __future__ import annotations

from portlink.domain.iot import AlertState, DeviceState
from portlink.indexer.projections.base import Event, Projector, handles
from portlink.manifest import IOT
from portlink.store import schema
from portlink.store.notifications import ALERTS_TOPIC


@handles(IOT, "DeviceRegistered")
def _device_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_devices,
        device_id=a["deviceId"],
        gateway=a["gateway"],
        signer=a["signer"],
        kind=str(a["kind"]),
        state=DeviceState.ACTIVE.name,
        shipment_id=None,
        container_index=None,
        container=None,
        last_sequence=0,
        last_reading_at=None,
    )


@handles(IOT, "DeviceRevoked")
def _device_revoked(p: Projector, e: Event) -> None:
    p.update(schema.iot_devices, (e.args["deviceId"],), state=DeviceState.REVOKED.name)


@handles(IOT, "DeviceBound")
def _device_bound(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.iot_devices,
        (a["deviceId"],),
        shipment_id=a["shipmentId"],
        container_index=a["containerIndex"],
        container=a["container"],
    )


@handles(IOT, "GatewayAuthorised")
def _gateway_authorised(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_gateway_authorisations,
        shipment_id=a["shipmentId"],
        gateway=a["gateway"],
        authorised=a["authorised"],
        set_by=a["setBy"],
    )


@handles(IOT, "RulesSet")
def _rules_set(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_rules,
        shipment_id=a["shipmentId"],
        enabled=a["enabled"],
        min_temperature=int(a["minTemperature"]),
        max_temperature=int(a["maxTemperature"]),
        max_shock=int(a["maxShock"]),
        corridor=a["corridor"],
        set_by=a["setBy"],
    )


@handles(IOT, "BatchAnchored")
def _batch_anchored(p: Projector, e: Event) -> None:
    a = e.args
    p.append(schema.iot_batches, e, batch_id=int(a["batchId"]), gateway=a["gateway"], root=a["root"], count=a["count"])


@handles(IOT, "ReadingReported")
def _reading_reported(p: Projector, e: Event) -> None:
    # `reportBreach` emits this right before the AlertRaised of the same reading, which carries neither the
    # sequence nor the device's time: the device row holds them for it (as the monitor's `lastSequence` does).
    a = e.args
    p.update(
        schema.iot_devices, (a["deviceId"],), last_sequence=int(a["sequence"]), last_reading_at=int(a["timestamp"])
    )


@handles(IOT, "AlertRaised")
def _alert_raised(p: Projector, e: Event) -> None:
    a = e.args
    p.announce(ALERTS_TOPIC, e)
    device = p.get(schema.iot_devices, a["deviceId"])
    if device is None:  # the monitor raises alerts only for registered devices
        return
    p.put(
        schema.iot_alerts,
        alert_id=int(a["alertId"]),
        shipment_id=a["shipmentId"],
        device_id=a["deviceId"],
        kind=device["kind"],
        rule=str(a["rule"]),
        value=int(a["value"]),
        sequence=device["last_sequence"],
        reading_timestamp=device["last_reading_at"],
        state=AlertState.OPEN.name,
        raised_block=e.block_number,
        raised_transaction=e.transaction_hash,
        raised_at=e.block_timestamp,
        resolved_by=None,
        reason=None,
        resolved_at=None,
    )


@handles(IOT, "AlertResolved")
def _alert_resolved(p: Projector, e: Event) -> None:
    a = e.args
    p.announce(ALERTS_TOPIC, e)
    p.update(
        schema.iot_alerts,
        (int(a["alertId"]),),
        state=AlertState.RESOLVED.name,
        resolved_by=a["officer"],
        reason=a["reason"],
        resolved_at=e.block_timestamp,
    )
