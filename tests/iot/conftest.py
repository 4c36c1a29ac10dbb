"""Fixtures for the IoTMonitor tests: the deployed monitor, devices with keys of their own, signed readings.

Everything runs against the real pilot deployment (tests/conftest.py `deployment`) on ape's Anvil. Devices are not
consortium members: each has a key of its own (made here) that signs its readings as EIP-712 typed data, and the
pilot's IoT gateway registers, binds and relays for it.
"""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules, reading_typed_data
from portlink.manifest import IOT

from tests.conftest import SHEKOU, SHUNDE
from tests.customs.conftest import desk  # noqa: F401 - a fixture the IoT tests use too
from tests.shipments.conftest import DEFAULT_CONTAINERS, ev, journey  # noqa: F401 - `journey` is a fixture

#: A reefer's rules: 2.0-8.0 °C (chilled pharmaceuticals), seals intact, at most 5 g, the pilot corridor.
REEFER_RULES = Rules(
    enabled=Rule.TEMPERATURE | Rule.SEAL | Rule.CORRIDOR | Rule.SHOCK,
    min_temperature=200,
    max_temperature=800,
    max_shock=5_000,
    corridor=("CNSHK", "CNSUD"),
)


def rules_set(iot, sid: bytes, by, rules: Rules) -> tuple:
    """The expected RulesSet log of `rules` set by `by`."""
    enabled, low, high, shock, corridor = rules.to_chain()
    return ev(
        iot,
        "RulesSet",
        shipmentId=sid,
        setBy=by.address,
        enabled=enabled,
        minTemperature=low,
        maxTemperature=high,
        maxShock=shock,
        corridor=corridor,
    )


NOW = 1_700_000_000  # a reading time safely in the chain's past (before any binding: refused on chain)


@pytest.fixture(scope="session")
def iot(project, deployment):
    """The IoTMonitor of the real pilot deployment."""
    return project.IoTMonitor.at(deployment.manifest.contract(IOT).address)


@pytest.fixture(scope="session")
def iot_domain(iot) -> Eip712Domain:
    return Eip712Domain.from_erc5267(iot.eip712Domain())


class Device:
    """A device: an id, its own key, what it measures; it numbers its readings 1, 2, 3, ..."""

    def __init__(self, name: str, kind: DeviceKind, eip712_domain: Eip712Domain) -> None:
        self.id = keccak(text=f"device {name}")
        self.key = keccak(text=f"device key {name}")
        self.address = Account.from_key(self.key).address
        self.kind = kind
        self.domain = eip712_domain
        self.container = DEFAULT_CONTAINERS[0][0].decode()
        self.sequence = 0
        #: When its readings are taken unless told: its binding's time once bound (earlier readings are refused).
        self.timestamp = NOW

    def reading(self, value: int, *, sequence: int | None = None, **fields) -> Reading:
        """The next reading (or one with the given fields) of this device's container and kind."""
        if sequence is None:
            self.sequence += 1
            sequence = self.sequence
        args = {"device_id": self.id, "container": self.container, "kind": self.kind, "timestamp": self.timestamp}
        args |= fields
        return Reading(value=value, sequence=sequence, **args)

    def sign(self, reading: Reading, key: bytes | None = None, other: Eip712Domain | None = None) -> bytes:
        """Sign as the device (or with `key`), for this monitor's domain (or `other`)."""
        return sign_typed_data(key or self.key, reading_typed_data(other or self.domain, reading))


class Field:
    """Registers and binds devices, sets rules, relays readings with the right actor unless told otherwise."""

    def __init__(self, iot, itinerary, members, eip712_domain: Eip712Domain) -> None:
        self.iot = iot
        self.journey = itinerary
        self.members = members
        self.domain = eip712_domain
        self.gateway = members.iot_gateway
        self.customs = {SHEKOU: members.shekou_customs, SHUNDE: members.shunde_customs}
        self._names = 0

    def device(self, kind: DeviceKind = DeviceKind.TEMPERATURE, *, register: bool = True) -> Device:
        self._names += 1
        device = Device(f"{kind.name} {self._names}", kind, self.domain)
        if register:
            self.iot.registerDevice(device.id, device.address, int(kind), sender=self.gateway)
        return device

    def watched(self, kind: DeviceKind = DeviceKind.TEMPERATURE, rules: Rules = REEFER_RULES, **shipment):
        """A registered shipment with `rules`, and a device of `kind` bound to its first container."""
        sid = self.journey.register(**shipment)
        self.iot.setRules(sid, rules.to_chain(), sender=self.members.shipper)
        device = self.device(kind)
        self.bind(device, sid)
        return sid, device

    def bind(self, device: Device, sid: bytes, index: int = 0) -> None:
        """Bind `device` to container `index` of `sid` (the shipper authorising the gateway first); its readings
        then name that container."""
        if not self.iot.isAuthorisedGateway(sid, self.gateway):
            self.iot.authoriseGateway(sid, self.gateway, True, sender=self.members.shipper)
        self.iot.bindDevice(device.id, sid, index, sender=self.gateway)
        bound = self.iot.getDevice(device.id)
        device.container = bytes(bound.container).decode()
        device.timestamp = bound.boundAt

    def report(self, device: Device, reading: Reading, signature: bytes | None = None, *, sender=None):
        signature = device.sign(reading) if signature is None else signature
        return self.iot.reportBreach(reading.to_chain(), signature, sender=sender or self.gateway)


@pytest.fixture
def field(iot, journey, members, iot_domain) -> Field:  # noqa: F811 - the imported fixture
    return Field(iot, journey, members, iot_domain)
