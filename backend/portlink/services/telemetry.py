"""Telemetry as a service of the backend: a gateway's batch of signed readings ingested, its warnings fanned out to
the alert stream at once, the accepted readings anchored as one Merkle batch and each breach posted on chain, all as
operations of the gateway (custodial: the gateway's service key in the keystore signs).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine

from portlink.domain.iot import Rule
from portlink.errors import PortLinkError
from portlink.manifest import IOT
from portlink.services.changes import Wakeup
from portlink.services.operations import CUSTODIAL, Call, Operation, OperationService, Write
from portlink.store.notify import TELEMETRY_CHANNEL, Listener, notify
from portlink.telemetry.ingest import Outcome, SignedReading, TelemetryIngestor, TelemetryWarning


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass(frozen=True)
class ReadingOutcome:
    """What became of one reading: accepted (with the rule it broke, if any, and its Merkle proof in this batch)
    or refused (with the reason the IoT monitor would give)."""

    device_id: str
    sequence: int
    accepted: bool
    breach: str | None = None
    proof: list[str] | None = None
    refusal: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class AnchoredBatch:
    """The Merkle root of a batch's accepted readings and the operation that anchors it."""

    root: str
    count: int
    operation: Operation


@dataclass(frozen=True)
class BreachPost:
    """A breaching reading posted on chain on its own: its operation, or the problem that refused it."""

    device_id: str
    sequence: int
    operation: Operation | None = None
    problem: str | None = None


@dataclass(frozen=True)
class TelemetryResult:
    """What became of a gateway's batch: each reading's outcome (with its Merkle proof if accepted), the batch
    anchoring operation, and an operation (or the problem that refused it) per breach."""

    outcomes: Sequence[ReadingOutcome]
    batch: AnchoredBatch | None
    breaches: Sequence[BreachPost]


class WarningHub:
    """Fans telemetry warnings out to every open alert stream (a bounded queue each; a slow reader loses the
    oldest warnings, never blocks ingest). On PostgreSQL a warning goes out by NOTIFY and comes back through
    every API process's listener, so the streams of all replicas get it, whichever replica ingested it."""

    def __init__(
        self, capacity: int = 1_000, *, engine: Engine | None = None, listener: Listener | None = None
    ) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._queues: dict[queue.Queue[TelemetryWarning], Wakeup | None] = {}
        self._engine = engine if listener is not None else None
        if listener is not None:
            listener.on(TELEMETRY_CHANNEL, self._notified)

    def subscribe(self, wakeup: Wakeup | None = None) -> queue.Queue[TelemetryWarning]:
        """A queue of the warnings from now on (``wakeup`` set on each)."""
        q: queue.Queue[TelemetryWarning] = queue.Queue(self._capacity)
        with self._lock:
            self._queues[q] = wakeup
        return q

    def unsubscribe(self, q: queue.Queue[TelemetryWarning]) -> None:
        """Stop filling ``q``."""
        with self._lock:
            self._queues.pop(q, None)

    def publish(self, warning: TelemetryWarning) -> None:
        """Send ``warning`` to every stream (of every API process, on PostgreSQL)."""
        if self._engine is None:
            self.deliver(warning)
            return
        with self._engine.begin() as conn:
            notify(conn, TELEMETRY_CHANNEL, _warning_payload(warning))

    def deliver(self, warning: TelemetryWarning) -> None:
        """Put ``warning`` in this process's streams' queues."""
        with self._lock:
            queues = list(self._queues.items())
        for q, wakeup in queues:
            while True:
                try:
                    q.put_nowait(warning)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        q.get_nowait()
            if wakeup is not None:
                wakeup.set()

    def _notified(self, payload: dict[str, Any] | None) -> None:
        if payload:  # None: reconnected (warnings are of the moment: none to catch up)
            self.deliver(_warning_of(payload))


def _warning_payload(w: TelemetryWarning) -> dict[str, Any]:
    return {
        "shipment": _hex(w.shipment_id),
        "device": _hex(w.device_id),
        "container": w.container,
        "rule": int(w.rule),
        "value": w.value,
        "readingTimestamp": w.reading_timestamp,
        "receivedAt": w.received_at,
    }


def _warning_of(p: dict[str, Any]) -> TelemetryWarning:
    return TelemetryWarning(
        shipment_id=bytes.fromhex(p["shipment"][2:]),
        device_id=bytes.fromhex(p["device"][2:]),
        container=p["container"],
        rule=Rule(p["rule"]),
        value=int(p["value"]),
        reading_timestamp=int(p["readingTimestamp"]),
        received_at=float(p["receivedAt"]),
    )


class TelemetryService:
    """Ingests gateways' readings and anchors what they accepted."""

    def __init__(self, ingestor: TelemetryIngestor, operations: OperationService, hub: WarningHub) -> None:
        self.ingestor = ingestor
        self.operations = operations
        ingestor.on_warning(hub.publish)
        self._anchor_lock = threading.Lock()

    def ingest(self, gateway: str, readings: list[SignedReading]) -> TelemetryResult:
        """Check and evaluate ``readings`` relayed by ``gateway``, then anchor this batch and post its breaches."""
        member = to_checksum_address(gateway)
        self.operations.signers.signer_for(member)  # no custodial key: refused before anything is accepted
        # Batches are sealed and anchored one request at a time (every gateway): the checkpoint below stays exact.
        with self._anchor_lock:
            checkpoint = self.ingestor.checkpoint()
            outcomes = self.ingestor.ingest(member, readings)
            sealed = self.ingestor.seal(member)
            breaches = self.ingestor.take_breaches(member)
            proofs = {}
            batch = None
            if sealed is not None:
                for item, proof in zip(sealed.readings, sealed.proofs, strict=True):
                    proofs[id(item)] = [_hex(p) for p in proof]
                write = Write("iot.anchorBatch", Call(IOT, "anchorBatch", [sealed.root, sealed.count]))
                try:
                    op = self.operations.submit(member, write, signing=CUSTODIAL)
                except BaseException:
                    # Not anchored: nothing of this request counts as accepted, so the gateway may send it again.
                    self.ingestor.restore(member, checkpoint)
                    raise
                batch = AnchoredBatch(_hex(sealed.root), sealed.count, op)
            # Breaches in sequence order, inside the lock: the chain takes each device's sequence numbers ascending.
            posted = [self._post_breach(member, item) for item in breaches]
        return TelemetryResult(
            [self._outcome(o, proofs.get(id(r))) for o, r in zip(outcomes, readings, strict=True)], batch, posted
        )

    def _post_breach(self, member: str, item: SignedReading) -> BreachPost:
        write = Write("iot.reportBreach", Call(IOT, "reportBreach", [item.reading.to_chain(), item.signature]))
        device, sequence = _hex(item.reading.device_id), item.reading.sequence
        try:
            return BreachPost(device, sequence, operation=self.operations.submit(member, write, signing=CUSTODIAL))
        except PortLinkError as exc:  # refused by the chain (e.g. revoked since): reported, the rest goes on
            return BreachPost(device, sequence, problem=str(exc))

    @staticmethod
    def _outcome(outcome: Outcome, proof: list[str] | None) -> ReadingOutcome:
        reading = outcome.reading
        device, sequence = _hex(reading.device_id), reading.sequence
        if outcome.accepted:
            return ReadingOutcome(device, sequence, True, outcome.breach.name if outcome.breach else None, proof)
        return ReadingOutcome(device, sequence, False, refusal=str(outcome.refusal), detail=outcome.detail)
