"""Readings count only within the device's binding to the shipment (issue #16, 3): a reading taken before the device
was bound - before the shipment was even registered, or while the device watched another shipment - raises no alert
and is refused with `IoTReadingOutsideBinding`, on chain and in the telemetry ingest alike."""

from __future__ import annotations

from portlink.domain.customs import Decision
from portlink.domain.iot import DeviceKind, Rule, Rules

from tests.conftest import SHEKOU, SHUNDE, reverts
from tests.escrow.conftest import Condition, State, bank, escrow, hkd  # noqa: F401 - fixtures
from tests.iot.conftest import REEFER_RULES
from tests.shipments.conftest import State as ShipmentState
from tests.shipments.conftest import container, pool_number

DAY = 86_400
#: Frozen cargo: -20 to -15 °C.
FROZEN = Rules(enabled=Rule.TEMPERATURE, min_temperature=-2_000, max_temperature=-1_500)


def test_reading_from_a_day_before_the_shipment_was_registered_raises_no_alert(iot, customs, field, desk, members):
    """The issue's attack: a device-signed 25 °C reading timestamped a day before registration would have held
    clearance (and the escrow) on a frozen shipment. It is refused, and the goods clear."""
    sid, reefer = field.watched(DeviceKind.TEMPERATURE, rules=FROZEN)
    registered_at = field.journey.shipments.getShipment(sid).registeredAt
    bound_at = iot.getDevice(reefer.id).boundAt
    assert bound_at >= registered_at
    stale = reefer.reading(2_500, timestamp=registered_at - DAY)

    with reverts(iot.IoTReadingOutsideBinding, deviceId=reefer.id, timestamp=registered_at - DAY, boundAt=bound_at):
        field.report(reefer, stale)
    assert (iot.openAlerts(sid), iot.alertCount(), iot.getDevice(reefer.id).lastSequence) == (0, 0, 0)

    did = desk.file(sid)
    desk.decide(did, SHEKOU, Decision.APPROVE)
    desk.decide(did, SHUNDE, Decision.APPROVE)
    assert customs.isCleared(did)


def test_reading_taken_after_registration_but_before_the_binding_is_refused(chain, iot, field, members):
    sid = field.journey.register()
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    between = chain.pending_timestamp
    chain.mine(1, timestamp=between + 3_600)  # the device is bound an hour later
    reefer = field.device(DeviceKind.TEMPERATURE)
    field.bind(reefer, sid)
    bound_at = iot.getDevice(reefer.id).boundAt
    assert bound_at > between

    early = reefer.reading(1_500, timestamp=between)
    with reverts(iot.IoTReadingOutsideBinding, deviceId=reefer.id, timestamp=between, boundAt=bound_at):
        field.report(reefer, early)
    assert iot.openAlerts(sid) == 0


def test_reading_taken_at_the_second_of_the_binding_counts(iot, field):
    sid, reefer = field.watched(DeviceKind.TEMPERATURE)
    reading = reefer.reading(1_500, timestamp=iot.getDevice(reefer.id).boundAt)
    field.report(reefer, reading)
    assert iot.openAlerts(sid) == 1
    assert iot.getAlert(1).readingTimestamp == reading.timestamp


def test_reading_a_device_took_on_its_former_shipment_does_not_count_against_the_next(chain, iot, field, members):
    """A container moves on to a new shipment (gated out, registered again): its seal's readings from the first
    voyage are refused for the second, since they precede the new binding."""
    box = container(pool_number(901))
    first = field.journey.register(containers=[box], reference="VOYAGE1")
    iot.setRules(first, REEFER_RULES.to_chain(), sender=members.shipper)
    seal = field.device(DeviceKind.SEAL)
    field.bind(seal, first)
    on_first_voyage = seal.reading(0, timestamp=seal.timestamp)  # broken on the first voyage, never posted
    field.journey.advance(first, ShipmentState.GATED_OUT)  # the box is free for its next shipment
    chain.mine(1, timestamp=chain.pending_timestamp + DAY)

    second = field.journey.register(containers=[box], reference="VOYAGE2")
    iot.setRules(second, REEFER_RULES.to_chain(), sender=members.shipper)
    field.bind(seal, second)
    bound_at = iot.getDevice(seal.id).boundAt
    with reverts(iot.IoTReadingOutsideBinding, deviceId=seal.id, timestamp=on_first_voyage.timestamp, boundAt=bound_at):
        field.report(seal, on_first_voyage)
    assert iot.openAlerts(second) == 0
    field.report(seal, seal.reading(0))  # broken now: that counts
    assert iot.openAlerts(second) == 1


def test_stale_reading_cannot_hold_a_financing(bank, escrow, iot, field, members):  # noqa: F811 - fixtures
    fid, sid = bank.financing(State.FUNDED, condition=Condition.EXPORT_APPROVED)
    iot.setRules(sid, FROZEN.to_chain(), sender=members.shipper)
    reefer = field.device(DeviceKind.TEMPERATURE)
    field.bind(reefer, sid)
    stale = reefer.reading(2_500, timestamp=reefer.timestamp - DAY)
    with reverts(iot.IoTReadingOutsideBinding, deviceId=reefer.id, timestamp=stale.timestamp, boundAt=reefer.timestamp):
        field.report(reefer, stale)
    bank.approve_export(sid)
    escrow.release(fid, sender=members.outsider)
    assert escrow.getFinancing(fid).state == State.RELEASED
