"""Telemetry ingest: device-signed readings checked, evaluated against their shipment's rules, batched.

:class:`TelemetryIngestor` is what ``POST /v1/telemetry`` hands a gateway's batch to. For each reading it checks
what ``IoTMonitor.reportBreach`` would check — the device exists, is active, belongs to the gateway, is bound to
the container and kind the reading names, the gateway is authorised for the shipment, the sequence number moves
forward, the clock is not ahead, the reading was taken during the device's binding to that shipment (not before
it), the device signed it (EIP-712, low-s, in the monitor's domain) — then evaluates
the shipment's rules at once (:func:`portlink.domain.iot.broken_rule`) and tells every warning listener before
returning. Accepted readings wait in a :class:`BatchBuilder` to be anchored as one Merkle root; breaches also wait
to be posted on their own. Device records, authorisations and rules are cached and re-read from the chain when a
device is unknown, and every ``refresh_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak

from portlink.chain.iot import DeviceRecord
from portlink.domain.eip712 import Eip712Domain, domain_separator, recover_signer_bytes
from portlink.domain.iot import MAX_CLOCK_SKEW, MerkleTree, Reading, Rule, Rules, broken_rule


class DeviceDirectory(Protocol):
    """Where devices and rules come from (the chain: :class:`portlink.chain.iot.IoTMonitorClient`)."""

    def device(self, device_id: bytes) -> DeviceRecord | None:
        """The device, or None if unknown."""
        ...

    def rules(self, shipment_id: bytes) -> Rules:
        """The shipment's rules."""
        ...

    def authorised(self, shipment_id: bytes, gateway: ChecksumAddress) -> bool:
        """Whether ``gateway`` may watch the shipment."""
        ...


class Refusal(StrEnum):
    """Why a reading was not accepted; each matches the ``IoTMonitor`` error a breach post would revert with."""

    UNKNOWN_DEVICE = "unknown-device"
    REVOKED_DEVICE = "revoked-device"
    NOT_DEVICE_GATEWAY = "not-device-gateway"
    UNBOUND_DEVICE = "unbound-device"
    GATEWAY_NOT_AUTHORISED = "gateway-not-authorised"
    READING_MISMATCH = "reading-mismatch"
    STALE_SEQUENCE = "stale-sequence"
    FUTURE_READING = "future-reading"
    READING_OUTSIDE_BINDING = "reading-outside-binding"
    INVALID_SIGNATURE = "invalid-signature"


@dataclass(frozen=True)
class SignedReading:
    """A reading and its device's 65-byte signature, as a gateway relays it."""

    reading: Reading
    signature: bytes


@dataclass(frozen=True)
class Outcome:
    """What became of one reading: accepted (``refusal`` None; ``breach`` the rule it broke, if any) or refused."""

    reading: Reading
    refusal: Refusal | None = None
    detail: str = ""
    breach: Rule = Rule.NONE
    shipment_id: bytes | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True)
class TelemetryWarning:
    """A breach found at ingest, for the alert stream, before anything reaches the chain."""

    shipment_id: bytes
    device_id: bytes
    container: str
    rule: Rule
    value: int
    reading_timestamp: int
    received_at: float


@dataclass(frozen=True)
class SealedBatch:
    """A batch ready to anchor: its Merkle root, and each reading with its proof (for inclusion checks later)."""

    root: bytes
    readings: tuple[SignedReading, ...]
    proofs: tuple[tuple[bytes, ...], ...]

    @property
    def count(self) -> int:
        return len(self.readings)


@dataclass
class BatchBuilder:
    """Accepted readings of one gateway, in arrival order, until sealed into a batch."""

    pending: list[SignedReading] = field(default_factory=list)

    def add(self, signed: SignedReading) -> None:
        self.pending.append(signed)

    def seal(self) -> SealedBatch | None:
        """The batch of everything pending (None if nothing is), and start a new one."""
        if not self.pending:
            return None
        readings, self.pending = tuple(self.pending), []
        tree = MerkleTree([signed.reading.leaf() for signed in readings])
        proofs = tuple(tuple(tree.proof(i)) for i in range(len(readings)))
        return SealedBatch(tree.root, readings, proofs)


class TelemetryIngestor:
    """Checks, evaluates and batches readings; thread-safe (one lock around the per-device state)."""

    def __init__(
        self,
        directory: DeviceDirectory,
        domain: Eip712Domain,
        *,
        refresh_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = directory
        self._separator = domain_separator(domain)
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._devices: dict[bytes, tuple[float, DeviceRecord | None]] = {}
        self._rules: dict[bytes, tuple[float, Rules]] = {}
        self._authorised: dict[tuple[bytes, ChecksumAddress], tuple[float, bool]] = {}
        #: The last sequence number accepted per device (at least the chain's).
        self._sequences: dict[bytes, int] = {}
        self._batches: dict[ChecksumAddress, BatchBuilder] = {}
        self._breaches: dict[ChecksumAddress, list[SignedReading]] = {}
        self._listeners: list[Callable[[TelemetryWarning], None]] = []

    def on_warning(self, listener: Callable[[TelemetryWarning], None]) -> None:
        """Call ``listener`` with every warning, as soon as the reading that raised it is accepted."""
        self._listeners.append(listener)

    def ingest(self, gateway: ChecksumAddress, readings: Iterable[SignedReading]) -> list[Outcome]:
        """Check and evaluate each reading relayed by ``gateway``, in order; one outcome each, in the same order."""
        outcomes = []
        warnings = []
        with self._lock:
            for signed in readings:
                outcome = self._ingest_one(gateway, signed)
                outcomes.append(outcome)
                if outcome.accepted:
                    self._batches.setdefault(gateway, BatchBuilder()).add(signed)
                    if outcome.breach:
                        self._breaches.setdefault(gateway, []).append(signed)
                        assert outcome.shipment_id is not None
                        warnings.append(self._warning(outcome))
        for warning in warnings:
            for listener in self._listeners:
                listener(warning)
        return outcomes

    def seal(self, gateway: ChecksumAddress) -> SealedBatch | None:
        """The gateway's accepted readings since the last seal, as a batch to anchor (None if there are none)."""
        with self._lock:
            builder = self._batches.get(gateway)
            return builder.seal() if builder else None

    def take_breaches(self, gateway: ChecksumAddress) -> list[SignedReading]:
        """The breaching readings of ``gateway`` not yet taken, to post on chain with ``reportBreach``."""
        with self._lock:
            return self._breaches.pop(gateway, [])

    def checkpoint(self) -> dict[bytes, int]:
        """The per-device sequence state, to :meth:`restore` if what was accepted since cannot be anchored."""
        with self._lock:
            return dict(self._sequences)

    def restore(self, gateway: ChecksumAddress, checkpoint: dict[bytes, int]) -> None:
        """Undo everything ``gateway`` had accepted since ``checkpoint``: its sequence numbers are free again and its
        pending batch and breaches are dropped, so the gateway can send the same readings again."""
        with self._lock:
            self._sequences = dict(checkpoint)
            self._batches.pop(gateway, None)
            self._breaches.pop(gateway, None)

    def digest(self, reading: Reading) -> bytes:
        """The EIP-712 digest the device signs for ``reading`` (``IoTMonitor.readingDigest``)."""
        return keccak(b"\x19\x01" + self._separator + reading.struct_hash())

    # ------------------------------------------------------------------------------------------------ private

    def _ingest_one(self, gateway: ChecksumAddress, signed: SignedReading) -> Outcome:
        reading = signed.reading
        device = self._device(reading.device_id)
        if device is None:
            return Outcome(reading, Refusal.UNKNOWN_DEVICE, "no device with this id is registered")
        if not device.active:
            return Outcome(reading, Refusal.REVOKED_DEVICE, "the device was revoked")
        if device.gateway != gateway:
            return Outcome(reading, Refusal.NOT_DEVICE_GATEWAY, f"the device belongs to gateway {device.gateway}")
        if device.shipment_id is None or device.container is None:
            return Outcome(reading, Refusal.UNBOUND_DEVICE, "the device is bound to no container")
        if not self._authorised_for(device.shipment_id, gateway):
            detail = "the shipment's shipper or customs has not authorised this gateway"
            return Outcome(reading, Refusal.GATEWAY_NOT_AUTHORISED, detail)
        if reading.container != device.container or reading.kind != device.kind:
            detail = f"the device watches {device.container} for {device.kind.name.lower()} readings"
            return Outcome(reading, Refusal.READING_MISMATCH, detail)
        last = max(self._sequences.get(reading.device_id, 0), device.last_sequence)
        if reading.sequence <= last:
            return Outcome(reading, Refusal.STALE_SEQUENCE, f"sequence {reading.sequence} is not above {last}")
        if reading.timestamp > self._clock() + MAX_CLOCK_SKEW:
            return Outcome(reading, Refusal.FUTURE_READING, f"timestamp {reading.timestamp} is in the future")
        if reading.timestamp < device.bound_at:
            detail = f"taken at {reading.timestamp}, before the device was bound to the shipment at {device.bound_at}"
            return Outcome(reading, Refusal.READING_OUTSIDE_BINDING, detail)
        if recover_signer_bytes(self.digest(reading), signed.signature) != bytes.fromhex(device.signer[2:]):
            return Outcome(reading, Refusal.INVALID_SIGNATURE, f"not signed by the device's key {device.signer}")
        self._sequences[reading.device_id] = reading.sequence
        breach = broken_rule(self._rules_of(device.shipment_id), reading.kind, reading.value)
        return Outcome(reading, breach=breach, shipment_id=device.shipment_id)

    def _device(self, device_id: bytes) -> DeviceRecord | None:
        now = self._clock()
        cached = self._devices.get(device_id)
        # An unknown id is asked again after a short while (it may just have been registered), a known one after
        # `refresh_seconds` (so a revocation or rebinding is seen within that time; the chain refuses a breach post
        # of a revoked device in any case).
        if cached is not None and now - cached[0] < (self._refresh if cached[1] else min(self._refresh, 2.0)):
            return cached[1]
        device = self._directory.device(device_id)
        self._devices[device_id] = (now, device)
        return device

    def _rules_of(self, shipment_id: bytes) -> Rules:
        now = self._clock()
        cached = self._rules.get(shipment_id)
        if cached is not None and now - cached[0] < self._refresh:
            return cached[1]
        rules = self._directory.rules(shipment_id)
        self._rules[shipment_id] = (now, rules)
        return rules

    def _authorised_for(self, shipment_id: bytes, gateway: ChecksumAddress) -> bool:
        now = self._clock()
        cached = self._authorised.get((shipment_id, gateway))
        if cached is not None and now - cached[0] < self._refresh:
            return cached[1]
        authorised = self._directory.authorised(shipment_id, gateway)
        self._authorised[(shipment_id, gateway)] = (now, authorised)
        return authorised

    def _warning(self, outcome: Outcome) -> TelemetryWarning:
        reading = outcome.reading
        assert outcome.shipment_id is not None
        return TelemetryWarning(
            shipment_id=outcome.shipment_id,
            device_id=reading.device_id,
            container=reading.container,
            rule=outcome.breach,
            value=reading.value,
            reading_timestamp=reading.timestamp,
            received_at=self._clock(),
        )
