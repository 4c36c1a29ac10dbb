"""IoT readings: the EIP-712 ``Reading`` a device signs, the Merkle batches gateways anchor, and the rules.

Mirrors ``IoTMonitor`` exactly: :meth:`Reading.leaf` is its ``readingLeaf``, :class:`MerkleTree` builds the root
and proofs its ``verifyInclusion`` (OpenZeppelin ``MerkleProof``, sorted pairs) accepts, and :func:`broken_rule`
is its on-chain rule check, so the backend can warn the moment a reading arrives and post on chain only what the
chain will take as a breach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any

from eth_utils.crypto import keccak

from portlink.domain.consortium import parse_unlocode
from portlink.domain.eip712 import Eip712Domain
from portlink.domain.shipments import parse_container_number

#: Geofences a corridor may list (``IoTMonitor.MAX_CORRIDOR``).
MAX_CORRIDOR = 16
#: Seconds a device's clock may run ahead of the chain's (``IoTMonitor.MAX_CLOCK_SKEW``).
MAX_CLOCK_SKEW = 300
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: The ``Reading`` struct as ``IoTMonitor.READING_TYPEHASH`` spells it.
READING_TYPE = [
    {"name": "deviceId", "type": "bytes32"},
    {"name": "container", "type": "bytes11"},
    {"name": "kind", "type": "uint8"},
    {"name": "value", "type": "int64"},
    {"name": "timestamp", "type": "uint64"},
    {"name": "sequence", "type": "uint64"},
]
READING_TYPEHASH = keccak(
    text="Reading(bytes32 deviceId,bytes11 container,uint8 kind,int64 value,uint64 timestamp,uint64 sequence)"
)


class DeviceKind(IntEnum):
    """``IIoTMonitor.DeviceKind``: what a device measures, and so what a reading's value means."""

    NONE = 0
    SEAL = 1  #: 1 intact, anything else broken
    TEMPERATURE = 2  #: degrees Celsius x 100
    POSITION = 3  #: UN/LOCODE of the geofence it is in (:func:`position_value`), 0 in none
    SHOCK = 4  #: peak acceleration in milli-g


class DeviceState(IntEnum):
    """``IIoTMonitor.DeviceState``: a device is active from registration until its gateway revokes it (final)."""

    NONE = 0
    ACTIVE = 1
    REVOKED = 2


class AlertState(IntEnum):
    """``IIoTMonitor.AlertState``: an alert is open from the breach until customs resolves it (final)."""

    NONE = 0
    OPEN = 1
    RESOLVED = 2


class Rule(IntFlag):
    """The bits of ``IIoTMonitor.Rules.enabled`` (and an alert's ``rule``)."""

    NONE = 0
    TEMPERATURE = 1
    SEAL = 2
    CORRIDOR = 4
    SHOCK = 8


def position_value(locode: str) -> int:
    """The reading value of a position in the geofence of port ``locode``: its 5 ASCII bytes as an integer."""
    return int.from_bytes(parse_unlocode(locode), "big")


@dataclass(frozen=True)
class Reading:
    """``IIoTMonitor.Reading``: one measurement, as its device signs it."""

    device_id: bytes
    container: str
    kind: DeviceKind
    value: int
    timestamp: int
    sequence: int

    def __post_init__(self) -> None:
        if len(self.device_id) != 32:
            raise ValueError(f"device_id must be 32 bytes, not {len(self.device_id)}")
        parse_container_number(self.container)
        if self.kind == DeviceKind.NONE:
            raise ValueError("a reading needs a device kind")
        if not INT64_MIN <= self.value <= INT64_MAX:
            raise ValueError(f"reading value {self.value} does not fit int64")
        if not 0 <= self.timestamp < 2**64 or not 0 < self.sequence < 2**64:
            raise ValueError("timestamp or sequence out of range (sequence numbers start at 1)")

    def to_chain(self) -> tuple[bytes, bytes, int, int, int, int]:
        """The ``Reading`` struct as web3/ape take it."""
        return (
            self.device_id,
            parse_container_number(self.container),
            int(self.kind),
            self.value,
            self.timestamp,
            self.sequence,
        )

    def message(self) -> dict[str, Any]:
        """The ``Reading`` message as typed-data JSON carries it (hex strings for bytes)."""
        return {
            "deviceId": "0x" + self.device_id.hex(),
            "container": "0x" + parse_container_number(self.container).hex(),
            "kind": int(self.kind),
            "value": self.value,
            "timestamp": self.timestamp,
            "sequence": self.sequence,
        }

    def struct_hash(self) -> bytes:
        """The EIP-712 ``hashStruct`` of the reading (cached: a reading is hashed for its digest and its leaf).

        Encoded by hand, word by word as ``abi.encode`` lays out these static types, since a gateway's batch hashes
        thousands of readings; the tests check it against the contract's ``readingDigest`` and ``readingLeaf``.
        """
        cached: bytes | None = self.__dict__.get("_struct_hash")
        if cached is None:
            words = (
                READING_TYPEHASH
                + self.device_id
                + parse_container_number(self.container).ljust(32, b"\0")
                + int(self.kind).to_bytes(32, "big")
                + self.value.to_bytes(32, "big", signed=True)
                + self.timestamp.to_bytes(32, "big")
                + self.sequence.to_bytes(32, "big")
            )
            cached = keccak(words)
            object.__setattr__(self, "_struct_hash", cached)
        return cached

    def leaf(self) -> bytes:
        """The reading's leaf in a batch's Merkle tree (``IoTMonitor.readingLeaf``): its struct hash hashed again."""
        return keccak(self.struct_hash())


def reading_typed_data(domain: Eip712Domain, reading: Reading) -> dict[str, Any]:
    """The complete typed-data document (``eth_signTypedData_v4``'s second parameter) for ``reading``."""
    return {
        "types": {"EIP712Domain": domain.types(), "Reading": READING_TYPE},
        "primaryType": "Reading",
        "domain": domain.values(),
        "message": reading.message(),
    }


def _hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b if a < b else b + a)


class MerkleTree:
    """A Merkle tree over 32-byte leaves with sorted-pair hashing, as OpenZeppelin's ``MerkleProof`` verifies.

    Each level pairs neighbours left to right; an odd last node moves up unchanged (it has no sibling on that level,
    so its proof has no entry for it).
    """

    def __init__(self, leaves: list[bytes]) -> None:
        if not leaves:
            raise ValueError("a batch needs at least one reading")
        if any(len(leaf) != 32 for leaf in leaves):
            raise ValueError("Merkle leaves are 32 bytes")
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            level = self.levels[-1]
            self.levels.append(
                [
                    _hash_pair(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                    for i in range(0, len(level), 2)
                ]
            )

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def proof(self, index: int) -> list[bytes]:
        """The sibling hashes from leaf ``index`` up to the root."""
        if not 0 <= index < len(self.levels[0]):
            raise IndexError(f"no leaf {index} in a tree of {len(self.levels[0])}")
        proof = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof


def verify_proof(proof: list[bytes], root: bytes, leaf: bytes) -> bool:
    """What ``MerkleProof.verify`` answers."""
    node = leaf
    for sibling in proof:
        node = _hash_pair(node, sibling)
    return node == root


@dataclass(frozen=True)
class Rules:
    """``IIoTMonitor.Rules`` of a shipment; a rule is checked only when its bit is in ``enabled``."""

    enabled: Rule = Rule.NONE
    min_temperature: int = 0
    max_temperature: int = 0
    max_shock: int = 0
    corridor: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        enabled = int(self.enabled)
        if enabled & ~int(Rule.TEMPERATURE | Rule.SEAL | Rule.CORRIDOR | Rule.SHOCK):
            raise ValueError(f"unknown rule bits in {enabled:#x}")
        object.__setattr__(self, "enabled", Rule(enabled))
        for name in ("min_temperature", "max_temperature", "max_shock"):
            if not INT64_MIN <= getattr(self, name) <= INT64_MAX:
                raise ValueError(f"{name} does not fit int64")
        if Rule.TEMPERATURE in self.enabled and self.min_temperature > self.max_temperature:
            raise ValueError(f"temperature range {self.min_temperature}..{self.max_temperature} is reversed")
        if Rule.SHOCK in self.enabled and self.max_shock <= 0:
            raise ValueError("the shock limit must be above 0 milli-g")
        if len(self.corridor) > MAX_CORRIDOR:
            raise ValueError(f"a corridor lists at most {MAX_CORRIDOR} geofences, not {len(self.corridor)}")
        if Rule.CORRIDOR in self.enabled and not self.corridor:
            raise ValueError("a corridor rule needs at least one geofence")
        for code in self.corridor:
            parse_unlocode(code)

    def to_chain(self) -> tuple[int, int, int, int, list[bytes]]:
        """The ``Rules`` struct as web3/ape take it."""
        corridor = [parse_unlocode(code) for code in self.corridor]
        return int(self.enabled), self.min_temperature, self.max_temperature, self.max_shock, corridor


def broken_rule(rules: Rules, kind: DeviceKind, value: int) -> Rule:
    """The rule a reading of ``kind`` with ``value`` breaks (``Rule.NONE`` if none): ``IoTMonitor._brokenRule``."""
    if kind == DeviceKind.TEMPERATURE:
        outside = not rules.min_temperature <= value <= rules.max_temperature
        return Rule.TEMPERATURE if Rule.TEMPERATURE in rules.enabled and outside else Rule.NONE
    if kind == DeviceKind.SEAL:
        return Rule.SEAL if Rule.SEAL in rules.enabled and value != 1 else Rule.NONE
    if kind == DeviceKind.SHOCK:
        return Rule.SHOCK if Rule.SHOCK in rules.enabled and value > rules.max_shock else Rule.NONE
    if Rule.CORRIDOR not in rules.enabled or value == 0:
        return Rule.NONE
    if not 0 < value < 2**40:
        return Rule.CORRIDOR
    zone = value.to_bytes(5, "big")
    return Rule.NONE if any(parse_unlocode(code) == zone for code in rules.corridor) else Rule.CORRIDOR


def loosens(current: Rules, new: Rules) -> bool:
    """Whether replacing ``current`` by ``new`` loosens a shipment's monitoring (``MonitoringRules.loosens``): a rule
    dropped, the temperature range widened at either end, the shock limit raised, or a geofence added to the corridor.

    A rule enabled anew tightens whatever its limits; the limits of a rule that stays disabled do not count. While a
    shipment's declaration is open or a financing of it is active, only customs (or, with no declaration open, the
    financing's financier) may make such a change (``IoTMonitoringLocked``).
    """
    kept = current.enabled & new.enabled
    if kept != current.enabled:
        return True
    if Rule.TEMPERATURE in kept and (
        new.min_temperature < current.min_temperature or new.max_temperature > current.max_temperature
    ):
        return True
    if Rule.SHOCK in kept and new.max_shock > current.max_shock:
        return True
    if Rule.CORRIDOR in kept:
        allowed = {parse_unlocode(code) for code in current.corridor}
        return any(parse_unlocode(code) not in allowed for code in new.corridor)
    return False
