"""Breaching readings: signed by the device, relayed by its gateway, checked on chain, raising alerts that hold the
shipment for customs until customs resolves them."""

from __future__ import annotations

import pytest
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from portlink.domain.customs import Decision
from portlink.domain.eip712 import Eip712Domain
from portlink.domain.iot import AlertState, DeviceKind, Rule, Rules, broken_rule, position_value, reading_typed_data

from tests.conftest import SHEKOU, SHUNDE, reverts
from tests.iot.conftest import REEFER_RULES
from tests.shipments.conftest import MSCU, State, ev, logs

RESOLUTION = "reefer restarted at Shekou CY; cargo inspected and released by CIQ"


def alert_logs(iot, field, sid, device, reading, alert_id, rule) -> list[tuple]:
    return [
        ev(
            iot,
            "ReadingReported",
            deviceId=device.id,
            shipmentId=sid,
            sequence=reading.sequence,
            kind=int(reading.kind),
            value=reading.value,
            timestamp=reading.timestamp,
            gateway=field.gateway.address,
        ),
        ev(
            iot,
            "AlertRaised",
            alertId=alert_id,
            shipmentId=sid,
            deviceId=device.id,
            rule=int(rule),
            value=reading.value,
        ),
    ]


def test_reefer_drifting_out_of_range_raises_an_alert_that_holds_clearance_until_customs_resolves_it(
    iot, customs, field, desk, members
):
    sid, reefer = field.watched(DeviceKind.TEMPERATURE)
    did = desk.file(sid)
    desk.decide(did, SHEKOU, Decision.APPROVE)

    # 5.0 °C, 7.9 °C: in range, nothing to post (the backend anchors such readings in batches).
    for value in (500, 790):
        reading = reefer.reading(value)
        with reverts(iot.IoTNoBreach, deviceId=reefer.id, sequence=reading.sequence):
            field.report(reefer, reading)
    drift = reefer.reading(930)  # 9.3 °C
    receipt = field.report(reefer, drift)

    assert logs(receipt) == alert_logs(iot, field, sid, reefer, drift, 1, Rule.TEMPERATURE)
    assert iot.openAlerts(sid) == 1
    alert = iot.getAlert(1)
    assert (alert.state, alert.kind, alert.rule, alert.value, alert.readingTimestamp) == (
        AlertState.OPEN,
        DeviceKind.TEMPERATURE,
        Rule.TEMPERATURE,
        930,
        reefer.timestamp,
    )
    assert (bytes(alert.shipmentId), bytes(alert.deviceId), alert.raisedAt) == (sid, reefer.id, receipt.timestamp)
    assert iot.getDevice(reefer.id).lastSequence == drift.sequence

    # Both customs approve: the alert still holds the goods.
    receipt = desk.decide(did, SHUNDE, Decision.APPROVE)
    assert [log.event_name for log in receipt.events] == ["DecisionRecorded"]
    with reverts(
        customs.ClearanceOnHold,
        declarationId=did,
        originHold=False,
        destinationHold=False,
        discrepancies=False,
        alerts=True,
    ):
        customs.clear(did, sender=members.outsider)

    receipt = iot.resolveAlert(1, RESOLUTION, sender=members.shekou_customs)
    assert logs(receipt) == [
        ev(iot, "AlertResolved", alertId=1, shipmentId=sid, officer=members.shekou_customs.address, reason=RESOLUTION)
    ]
    assert iot.openAlerts(sid) == 0
    assert (iot.getAlert(1).state, iot.getAlert(1).resolvedBy) == (AlertState.RESOLVED, members.shekou_customs.address)
    customs.clear(did, sender=members.outsider)
    assert customs.isCleared(did)


def test_approval_after_the_alert_is_resolved_clears_at_once(iot, customs, field, desk, members):
    sid, seal = field.watched(DeviceKind.SEAL)
    did = desk.file(sid)
    field.report(seal, seal.reading(0))
    desk.decide(did, SHEKOU, Decision.APPROVE)
    iot.resolveAlert(1, "seal replaced under customs supervision, new seal SL100009", sender=members.shunde_customs)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert customs.isCleared(did)


def test_every_open_alert_holds_the_shipment_until_the_last_is_resolved(iot, customs, field, desk, members):
    sid, reefer = field.watched(DeviceKind.TEMPERATURE)
    did = desk.file(sid)
    field.report(reefer, reefer.reading(-100))
    field.report(reefer, reefer.reading(1_200))
    assert iot.openAlerts(sid) == 2
    iot.resolveAlert(2, RESOLUTION, sender=members.shekou_customs)
    desk.approve_both(did)
    assert not customs.isCleared(did)
    iot.resolveAlert(1, RESOLUTION, sender=members.shunde_customs)
    customs.clear(did, sender=members.outsider)
    assert customs.isCleared(did)


BREACHES = {
    "seal broken": (DeviceKind.SEAL, 0, Rule.SEAL),
    "seal status unknown": (DeviceKind.SEAL, 7, Rule.SEAL),
    "too cold": (DeviceKind.TEMPERATURE, 199, Rule.TEMPERATURE),
    "too warm": (DeviceKind.TEMPERATURE, 801, Rule.TEMPERATURE),
    "shock over the limit": (DeviceKind.SHOCK, 5_001, Rule.SHOCK),
    "geofence off the corridor": (DeviceKind.POSITION, position_value("HKHKG"), Rule.CORRIDOR),
    "position that is no UN/LOCODE": (DeviceKind.POSITION, -5, Rule.CORRIDOR),
    "position beyond 5 bytes": (DeviceKind.POSITION, 2**40, Rule.CORRIDOR),
}
WITHIN = {
    "seal intact": (DeviceKind.SEAL, 1),
    "lowest temperature allowed": (DeviceKind.TEMPERATURE, 200),
    "highest temperature allowed": (DeviceKind.TEMPERATURE, 800),
    "shock at the limit": (DeviceKind.SHOCK, 5_000),
    "at Shekou": (DeviceKind.POSITION, position_value("CNSHK")),
    "at Shunde": (DeviceKind.POSITION, position_value("CNSUD")),
    "at sea, in no geofence": (DeviceKind.POSITION, 0),
}


@pytest.mark.parametrize(("kind", "value", "rule"), BREACHES.values(), ids=BREACHES.keys())
def test_breach_of_each_rule_raises_an_alert(iot, field, kind, value, rule):
    sid, device = field.watched(kind)
    reading = device.reading(value)
    assert broken_rule(REEFER_RULES, kind, value) == rule  # the backend warns on exactly what the chain holds
    receipt = field.report(device, reading)
    assert logs(receipt) == alert_logs(iot, field, sid, device, reading, 1, rule)


@pytest.mark.parametrize(("kind", "value"), WITHIN.values(), ids=WITHIN.keys())
def test_reading_within_the_rules_is_refused_as_no_breach(iot, field, kind, value):
    _, device = field.watched(kind)
    reading = device.reading(value)
    assert broken_rule(REEFER_RULES, kind, value) == Rule.NONE
    with reverts(iot.IoTNoBreach, deviceId=device.id, sequence=reading.sequence):
        field.report(device, reading)


@pytest.mark.parametrize(("kind", "value", "rule"), BREACHES.values(), ids=BREACHES.keys())
def test_rule_that_is_not_enabled_is_not_breached(iot, field, kind, value, rule):
    others = Rules(enabled=(Rule.TEMPERATURE | Rule.SEAL | Rule.CORRIDOR | Rule.SHOCK) & ~rule, **_limits())
    _, device = field.watched(kind, others)
    assert broken_rule(others, kind, value) == Rule.NONE
    reading = device.reading(value)
    with reverts(iot.IoTNoBreach, deviceId=device.id, sequence=reading.sequence):
        field.report(device, reading)


def _limits() -> dict:
    return {"min_temperature": 200, "max_temperature": 800, "max_shock": 5_000, "corridor": ("CNSHK", "CNSUD")}


def test_replayed_or_out_of_order_reading_is_refused(iot, field):
    _, reefer = field.watched()
    first, second = reefer.reading(1_000), reefer.reading(1_100)
    field.report(reefer, second)
    with reverts(iot.IoTStaleSequence, deviceId=reefer.id, sequence=second.sequence, lastSequence=second.sequence):
        field.report(reefer, second)
    with reverts(iot.IoTStaleSequence, deviceId=reefer.id, sequence=first.sequence, lastSequence=second.sequence):
        field.report(reefer, first)


def test_refused_breach_does_not_use_up_its_sequence_number(iot, field):
    _, reefer = field.watched()
    reading = reefer.reading(500)
    with reverts(iot.IoTNoBreach, deviceId=reefer.id, sequence=reading.sequence):
        field.report(reefer, reading)
    assert iot.getDevice(reefer.id).lastSequence == 0
    field.report(reefer, reefer.reading(1_000, sequence=reading.sequence))


def test_reading_of_an_unbound_revoked_or_unknown_device_is_refused(iot, field, members):
    unbound = field.device()
    with reverts(iot.IoTDeviceUnbound, deviceId=unbound.id):
        field.report(unbound, unbound.reading(1_000))
    _, reefer = field.watched()
    iot.revokeDevice(reefer.id, sender=members.iot_gateway)
    with reverts(iot.IoTDeviceRevoked, deviceId=reefer.id):
        field.report(reefer, reefer.reading(1_000))
    stranger = field.device(register=False)
    with reverts(iot.IoTUnknownDevice, deviceId=stranger.id):
        field.report(stranger, stranger.reading(1_000))


def test_reading_for_another_container_or_kind_is_refused(iot, field):
    _, reefer = field.watched()
    other_box = reefer.reading(1_000, container=MSCU.decode())  # the shipment's other box
    with reverts(iot.IoTReadingMismatch, deviceId=reefer.id, container=MSCU, kind=DeviceKind.TEMPERATURE):
        field.report(reefer, other_box)
    as_shock = reefer.reading(9_000, kind=DeviceKind.SHOCK)
    with reverts(
        iot.IoTReadingMismatch, deviceId=reefer.id, container=reefer.container.encode(), kind=DeviceKind.SHOCK
    ):
        field.report(reefer, as_shock)


def test_reading_from_the_future_is_refused_past_the_clock_skew(iot, field, chain):
    _, reefer = field.watched()
    now = chain.pending_timestamp
    ahead = reefer.reading(1_000, timestamp=now + 3_600)
    with reverts(iot.IoTFutureReading, deviceId=reefer.id, timestamp=now + 3_600):
        field.report(reefer, ahead)


@pytest.mark.parametrize("forgery", ["another key", "another contract", "another chain", "edited value", "garbage"])
def test_reading_not_signed_by_the_device_for_this_monitor_is_refused(iot, field, iot_domain, forgery):
    _, reefer = field.watched()
    reading = reefer.reading(1_000)
    if forgery == "another key":
        signature = reefer.sign(reading, key=keccak(text="a cloned device"))
    elif forgery in ("another contract", "another chain"):
        changed = {"verifying_contract": iot.shipments()} if forgery == "another contract" else {"chain_id": 1}
        signature = reefer.sign(reading, other=Eip712Domain(**{**vars(iot_domain), **changed}))
    elif forgery == "edited value":
        signature = reefer.sign(reefer.reading(1_500, sequence=reading.sequence))
    else:
        signature = b"\x01" * 64
    with reverts(iot.IoTInvalidSignature, deviceId=reefer.id, signer=reefer.address):
        field.report(reefer, reading, signature)


def test_reading_relayed_by_another_than_the_device_gateway_is_refused(iot, field, members):
    _, reefer = field.watched()
    with reverts(iot.IoTNotDeviceGateway, deviceId=reefer.id, account=members.outsider.address):
        field.report(reefer, reefer.reading(1_000), sender=members.outsider)


def test_breach_is_refused_once_the_gateway_authorisation_is_withdrawn(iot, field, members):
    sid, reefer = field.watched()
    iot.authoriseGateway(sid, members.iot_gateway, False, sender=members.shipper)
    with reverts(iot.IoTGatewayNotAuthorised, shipmentId=sid, gateway=members.iot_gateway.address):
        field.report(reefer, reefer.reading(1_000))


def test_breach_after_the_shipment_gated_out_is_refused(iot, field, journey):
    sid, reefer = field.watched()
    journey.advance(sid, State.GATED_OUT)
    with reverts(iot.IoTShipmentCompleted, shipmentId=sid):
        field.report(reefer, reefer.reading(1_000))


def test_reading_digest_is_the_eip712_hash_a_wallet_signs(iot, field, iot_domain):
    reading = field.device().reading(-1_850)
    signable = encode_typed_data(full_message=reading_typed_data(iot_domain, reading))
    assert bytes(iot.readingDigest(reading.to_chain())) == keccak(b"\x19\x01" + signable.header + signable.body)
    assert iot_domain.verifying_contract == iot.address
    assert (iot_domain.name, iot_domain.version) == ("PortLink IoT Monitor", "1")


# ---------------------------------------------------------------------------------------------------- resolving


@pytest.fixture
def alert(field):
    sid, reefer = field.watched()
    field.report(reefer, reefer.reading(1_000))
    return sid


@pytest.mark.parametrize("caller", ["shipper", "iot_gateway", "shekou_terminal", "outsider"])
def test_resolve_reverts_if_caller_is_not_customs_of_the_shipment(iot, members, alert, caller):
    sender = getattr(members, caller)
    with reverts(iot.IoTNotShipmentCustoms, shipmentId=alert, account=sender.address):
        iot.resolveAlert(1, RESOLUTION, sender=sender)


def test_resolve_reverts_without_a_reason(iot, members, alert):
    with reverts(iot.IoTReasonRequired):
        iot.resolveAlert(1, "", sender=members.shekou_customs)


def test_resolve_reverts_once_resolved_or_for_an_unknown_alert(iot, members, alert):
    iot.resolveAlert(1, RESOLUTION, sender=members.shekou_customs)
    with reverts(iot.IoTUnexpectedAlertState, alertId=1, current=AlertState.RESOLVED):
        iot.resolveAlert(1, RESOLUTION, sender=members.shunde_customs)
    with reverts(iot.IoTUnknownAlert, alertId=2):
        iot.resolveAlert(2, RESOLUTION, sender=members.shekou_customs)
    assert iot.openAlerts(alert) == 0
