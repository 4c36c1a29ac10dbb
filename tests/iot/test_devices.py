"""Devices: registered, revoked and bound by their gateway; rules set by the shipper or customs of the shipment."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError
from hexbytes import HexBytes
from portlink.domain.consortium import Role
from portlink.domain.iot import DeviceKind, DeviceState, Rule, Rules

from tests.conftest import HONG_KONG, error_data, reverts
from tests.escrow.conftest import escrow  # noqa: F401 - a fixture
from tests.iot.conftest import REEFER_RULES, rules_set
from tests.shipments.conftest import State, container, ev, logs, pool_number

NO_PORT = bytes(5)


def test_gateway_registers_a_device_with_event_and_reads(iot, field, members):
    device = field.device(register=False)
    receipt = iot.registerDevice(device.id, device.address, int(DeviceKind.TEMPERATURE), sender=members.iot_gateway)
    assert logs(receipt) == [
        ev(
            iot,
            "DeviceRegistered",
            deviceId=device.id,
            gateway=members.iot_gateway.address,
            signer=device.address,
            kind=int(DeviceKind.TEMPERATURE),
        )
    ]
    d = iot.getDevice(device.id)
    assert (d.state, d.kind, d.gateway, d.signer, d.lastSequence) == (
        DeviceState.ACTIVE,
        DeviceKind.TEMPERATURE,
        members.iot_gateway.address,
        device.address,
        0,
    )
    assert bytes(d.shipmentId) == bytes(32)


@pytest.mark.parametrize("caller", ["shipper", "carrier", "shekou_customs", "outsider"])
def test_register_reverts_if_caller_is_not_an_iot_gateway(iot, field, members, caller):
    device = field.device(register=False)
    sender = getattr(members, caller)
    with reverts(iot.IoTUnauthorized, account=sender.address, role=Role.IOT_GATEWAY.id, port=NO_PORT):
        iot.registerDevice(device.id, device.address, int(DeviceKind.SEAL), sender=sender)


def test_register_reverts_if_gateway_is_suspended(iot, field, members, admit):
    admit("proposeSuspension", members.iot_gateway, b"AUDIT".ljust(32, b"\0"))
    device = field.device(register=False)
    with reverts(iot.IoTUnauthorized, account=members.iot_gateway.address, role=Role.IOT_GATEWAY.id, port=NO_PORT):
        iot.registerDevice(device.id, device.address, int(DeviceKind.SEAL), sender=members.iot_gateway)


@pytest.mark.parametrize("flaw", ["zero id", "zero signer", "no kind"])
def test_register_reverts_if_device_is_invalid(iot, field, members, flaw):
    device = field.device(register=False)
    device_id = bytes(32) if flaw == "zero id" else device.id
    signer = "0x" + "00" * 20 if flaw == "zero signer" else device.address
    kind = DeviceKind.NONE if flaw == "no kind" else DeviceKind.SEAL
    with reverts(iot.IoTInvalidDevice, deviceId=device_id):
        iot.registerDevice(device_id, signer, int(kind), sender=members.iot_gateway)


def test_register_reverts_if_id_exists_even_after_revocation(iot, field, members):
    device = field.device()
    with reverts(iot.IoTDeviceExists, deviceId=device.id):
        iot.registerDevice(device.id, device.address, int(DeviceKind.SEAL), sender=members.iot_gateway)
    iot.revokeDevice(device.id, sender=members.iot_gateway)
    with reverts(iot.IoTDeviceExists, deviceId=device.id):
        iot.registerDevice(device.id, device.address, int(DeviceKind.SEAL), sender=members.iot_gateway)


def test_gateway_revokes_its_device_for_good(iot, field, journey, members):
    device = field.device()
    receipt = iot.revokeDevice(device.id, sender=members.iot_gateway)
    assert logs(receipt) == [ev(iot, "DeviceRevoked", deviceId=device.id, gateway=members.iot_gateway.address)]
    assert iot.getDevice(device.id).state == DeviceState.REVOKED
    with reverts(iot.IoTDeviceRevoked, deviceId=device.id):
        iot.revokeDevice(device.id, sender=members.iot_gateway)
    with reverts(iot.IoTDeviceRevoked, deviceId=device.id):
        iot.bindDevice(device.id, journey.register(), 0, sender=members.iot_gateway)


def test_another_gateway_cannot_manage_a_device(iot, field, journey, members, admit):
    admit("proposeMember", members.newcomer, "Shunde Reefer Telemetry", "SRT", Role.IOT_GATEWAY.id, NO_PORT)
    device = field.device()
    with reverts(iot.IoTNotDeviceGateway, deviceId=device.id, account=members.newcomer.address):
        iot.revokeDevice(device.id, sender=members.newcomer)
    with reverts(iot.IoTNotDeviceGateway, deviceId=device.id, account=members.newcomer.address):
        iot.bindDevice(device.id, journey.register(), 0, sender=members.newcomer)


def test_unknown_device_cannot_be_managed(iot, field, journey, members):
    device = field.device(register=False)
    with reverts(iot.IoTUnknownDevice, deviceId=device.id):
        iot.revokeDevice(device.id, sender=members.iot_gateway)
    with reverts(iot.IoTUnknownDevice, deviceId=device.id):
        iot.bindDevice(device.id, journey.register(), 0, sender=members.iot_gateway)


def test_gateway_binds_a_device_to_a_container_and_rebinds_it(iot, field, journey, members):
    device = field.device()
    first = journey.register()
    second = journey.register(containers=[container(pool_number(7))], reference="SHK2026000043")
    for sid in (first, second):
        iot.authoriseGateway(sid, members.iot_gateway, True, sender=members.shipper)
    receipt = iot.bindDevice(device.id, first, 1, sender=members.iot_gateway)
    number = bytes(journey.shipments.getContainer(first, 1).number)
    assert logs(receipt) == [
        ev(iot, "DeviceBound", deviceId=device.id, shipmentId=first, containerIndex=1, container=number)
    ]
    d = iot.getDevice(device.id)
    assert (bytes(d.shipmentId), d.containerIndex, bytes(d.container)) == (first, 1, number)

    iot.bindDevice(device.id, second, 0, sender=members.iot_gateway)
    d = iot.getDevice(device.id)
    assert (bytes(d.shipmentId), d.containerIndex) == (second, 0)


def test_bind_reverts_for_an_unknown_shipment_or_container(iot, field, journey, members):
    device = field.device()
    with reverts(iot.IoTUnknownShipment, shipmentId=b"\x01" * 32):
        iot.bindDevice(device.id, b"\x01" * 32, 0, sender=members.iot_gateway)
    sid = journey.register()
    iot.authoriseGateway(sid, members.iot_gateway, True, sender=members.shipper)
    with reverts(iot.IoTUnknownContainer, shipmentId=sid, index=2):
        iot.bindDevice(device.id, sid, 2, sender=members.iot_gateway)


def test_bind_reverts_if_the_gateway_is_not_authorised_for_the_shipment(iot, field, journey, members):
    device = field.device()
    sid = journey.register()
    with reverts(iot.IoTGatewayNotAuthorised, shipmentId=sid, gateway=members.iot_gateway.address):
        iot.bindDevice(device.id, sid, 0, sender=members.iot_gateway)
    iot.authoriseGateway(sid, members.iot_gateway, True, sender=members.shekou_customs)
    iot.bindDevice(device.id, sid, 0, sender=members.iot_gateway)
    assert bytes(iot.getDevice(device.id).shipmentId) == sid


@pytest.mark.parametrize("setter", ["shipper", "shekou_customs", "shunde_customs"])
def test_shipper_or_customs_authorises_and_withdraws_a_gateway(iot, journey, members, setter):
    sid = journey.register()
    sender = getattr(members, setter)
    gateway = members.iot_gateway.address
    receipt = iot.authoriseGateway(sid, gateway, True, sender=sender)
    assert logs(receipt) == [
        ev(iot, "GatewayAuthorised", shipmentId=sid, gateway=gateway, authorised=True, setBy=sender.address)
    ]
    assert iot.isAuthorisedGateway(sid, gateway)
    iot.authoriseGateway(sid, gateway, False, sender=sender)
    assert not iot.isAuthorisedGateway(sid, gateway)


@pytest.mark.parametrize("caller", ["carrier", "consignee", "iot_gateway", "outsider"])
def test_authorise_gateway_reverts_if_caller_is_neither_shipper_nor_customs(iot, journey, members, caller):
    sid = journey.register()
    sender = getattr(members, caller)
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=sender.address):
        iot.authoriseGateway(sid, members.iot_gateway, True, sender=sender)


def test_authorise_gateway_reverts_for_an_account_without_the_gateway_role(iot, journey, members):
    sid = journey.register()
    with reverts(iot.IoTUnauthorized, account=members.carrier.address, role=Role.IOT_GATEWAY.id, port=NO_PORT):
        iot.authoriseGateway(sid, members.carrier, True, sender=members.shipper)
    iot.authoriseGateway(sid, members.carrier, False, sender=members.shipper)  # withdrawing needs no role


def test_bind_reverts_once_the_shipment_gated_out(iot, field, journey, members):
    device = field.device()
    sid = journey.register()
    journey.advance(sid, State.GATED_OUT)
    with reverts(iot.IoTShipmentCompleted, shipmentId=sid):
        iot.bindDevice(device.id, sid, 0, sender=members.iot_gateway)


def test_suspended_gateway_cannot_bind_its_device(iot, field, journey, members, admit):
    device = field.device()
    sid = journey.register()
    admit("proposeSuspension", members.iot_gateway, b"AUDIT".ljust(32, b"\0"))
    with reverts(iot.IoTUnauthorized, account=members.iot_gateway.address, role=Role.IOT_GATEWAY.id, port=NO_PORT):
        iot.bindDevice(device.id, sid, 0, sender=members.iot_gateway)


# ---------------------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize("setter", ["shipper", "shekou_customs", "shunde_customs"])
def test_shipper_or_customs_of_the_shipment_sets_its_rules(iot, journey, members, setter):
    sid = journey.register()
    sender = getattr(members, setter)
    receipt = iot.setRules(sid, REEFER_RULES.to_chain(), sender=sender)
    enabled, low, high, shock, corridor = REEFER_RULES.to_chain()
    assert logs(receipt) == [rules_set(iot, sid, sender, REEFER_RULES)]
    rules = iot.getRules(sid)
    assert (rules.enabled, rules.minTemperature, rules.maxTemperature, rules.maxShock) == (enabled, low, high, shock)
    assert [bytes(c) for c in rules.corridor] == corridor


def test_new_rules_replace_the_old_ones(iot, journey, members):
    sid = journey.register()
    iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)
    seal_only = Rules(enabled=Rule.SEAL, corridor=("HKHKG",))
    iot.setRules(sid, seal_only.to_chain(), sender=members.shekou_customs)
    rules = iot.getRules(sid)
    assert rules.enabled == Rule.SEAL
    assert [bytes(c) for c in rules.corridor] == [HONG_KONG]


@pytest.mark.parametrize("caller", ["carrier", "consignee", "shekou_terminal", "iot_gateway", "outsider"])
def test_set_rules_reverts_if_caller_is_neither_shipper_nor_customs_of_the_shipment(iot, journey, members, caller):
    sid = journey.register()
    sender = getattr(members, caller)
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=sender.address):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=sender)


def test_set_rules_reverts_for_customs_of_a_third_port(iot, journey, members, admit):
    admit("proposePort", HONG_KONG, "Hong Kong", members.newcomer, "Hong Kong Marine Department", "HK-MD")
    admit("proposeMember", members.newcomer2, "Hong Kong Customs", "HK-C", Role.CUSTOMS.id, HONG_KONG)
    sid = journey.register()
    with reverts(iot.IoTNotRuleSetter, shipmentId=sid, account=members.newcomer2.address):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.newcomer2)


def test_set_rules_reverts_for_an_unknown_or_completed_shipment(iot, journey, members):
    with reverts(iot.IoTUnknownShipment, shipmentId=b"\x02" * 32):
        iot.setRules(b"\x02" * 32, REEFER_RULES.to_chain(), sender=members.shipper)
    sid = journey.register()
    journey.advance(sid, State.GATED_OUT)
    with reverts(iot.IoTShipmentCompleted, shipmentId=sid):
        iot.setRules(sid, REEFER_RULES.to_chain(), sender=members.shipper)


INVALID_RULES = {
    "unknown bit": (16, 0, 0, 0, []),
    "reversed temperature range": (int(Rule.TEMPERATURE), 800, 200, 0, []),
    "zero shock limit": (int(Rule.SHOCK), 0, 0, 0, []),
    "corridor rule without geofences": (int(Rule.CORRIDOR), 0, 0, 0, []),
    "corridor of 17 geofences": (int(Rule.CORRIDOR), 0, 0, 0, [b"CNSHK"] * 17),
    "invalid UN/LOCODE in the corridor": (int(Rule.CORRIDOR), 0, 0, 0, [b"CNSHK", b"cn-sz"]),
}


@pytest.mark.parametrize("rules", INVALID_RULES.values(), ids=INVALID_RULES.keys())
def test_set_rules_reverts_if_rules_are_invalid(iot, journey, members, rules):
    sid = journey.register()
    with reverts(iot.IoTInvalidRules, shipmentId=sid):
        iot.setRules(sid, rules, sender=members.shipper)


@pytest.mark.parametrize("rules", INVALID_RULES.values(), ids=INVALID_RULES.keys())
def test_backend_refuses_the_rules_the_chain_refuses(rules):
    enabled, low, high, shock, corridor = rules
    with pytest.raises(ValueError):  # noqa: PT011 - each case has a message of its own
        Rules(
            enabled=Rule(enabled),
            min_temperature=low,
            max_temperature=high,
            max_shock=shock,
            corridor=tuple(code.decode() for code in corridor),
        )


# ---------------------------------------------------------------------------------------------------- deployment


def test_monitor_and_customs_refuse_a_zero_address(project, members, shipments, iot):
    zero = "0x" + "00" * 20
    other = members.deployer.address
    for deploy, expected in (
        (
            lambda: project.IoTMonitor.deploy(zero, other, other, sender=members.deployer),
            (project.IoTMonitor, "IoTZeroAddress"),
        ),
        (
            lambda: project.IoTMonitor.deploy(shipments.address, zero, other, sender=members.deployer),
            (project.IoTMonitor, "IoTZeroAddress"),
        ),
        (
            lambda: project.IoTMonitor.deploy(shipments.address, other, zero, sender=members.deployer),
            (project.IoTMonitor, "IoTZeroAddress"),
        ),
        (
            lambda: project.CustomsClearance.deploy(shipments.address, zero, sender=members.deployer),
            (project.CustomsClearance, "ClearanceZeroAddress"),
        ),
        (
            lambda: project.CustomsClearance.deploy(zero, iot.address, sender=members.deployer),
            (project.CustomsClearance, "ClearanceZeroAddress"),
        ),
        (
            lambda: project.ShipmentRegistry.deploy(zero, sender=members.deployer),
            (project.ShipmentRegistry, "ShipmentZeroAddress"),
        ),
    ):
        with pytest.raises(ContractLogicError) as info:  # ape does not decode constructor errors
            deploy()
        assert HexBytes(info.value.revert_message) == HexBytes(error_data(*expected))


def test_customs_and_escrow_refuse_a_monitor_that_names_others(
    project,
    members,
    shipments,
    iot,
    customs,
    escrow,  # noqa: F811 - the imported fixture
):
    """The monitor names the customs and escrow whose declarations and financings lock its shipments' monitoring;
    a customs or escrow it does not name would hold no lock, so their constructors refuse it."""
    with pytest.raises(ContractLogicError) as info:
        project.CustomsClearance.deploy(shipments.address, iot.address, sender=members.deployer)
    expected = error_data(project.CustomsClearance, "ClearanceMonitorMismatch", iot.address, customs.address)
    assert HexBytes(info.value.revert_message) == HexBytes(expected)
    with pytest.raises(ContractLogicError) as info:
        project.TradeFinanceEscrow.deploy(customs.address, members.deployer.address, sender=members.deployer)
    expected = error_data(project.TradeFinanceEscrow, "EscrowMonitorMismatch", iot.address, escrow.address)
    assert HexBytes(info.value.revert_message) == HexBytes(expected)


def test_monitor_asks_the_consortium_of_its_shipment_registry(iot, shipments, customs):
    assert iot.shipments() == shipments.address
    assert customs.iotMonitor() == iot.address
