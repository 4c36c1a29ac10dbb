"""Telemetry as a service of the backend: a gateway's batch of signed readings ingested, its warnings fanned out to
the alert stream at once, the accepted readings anchored as one Merkle batch and each breach posted on chain, all as
operations of the gateway (custodial: the gateway's service key in the keystore signs).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from portlink.errors import PortLinkError
from portlink.manifest import IOT
from portlink.services.operations import CUSTODIAL, Call, OperationService
from portlink.telemetry.ingest import Outcome, SignedReading, TelemetryIngestor, TelemetryWarning


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


@dataclass(frozen=True)
class TelemetryResult:
    """What became of a gateway's batch: each reading's outcome (with its Merkle proof if accepted), the batch
    anchoring operation, and an operation (or the problem that refused it) per breach."""

    outcomes: list[dict[str, Any]]
    batch: dict[str, Any] | None
    breaches: list[dict[str, Any]]


class WarningHub:
    """Fans telemetry warnings out to every open alert stream (a bounded queue each; a slow reader loses the
    oldest warnings, never blocks ingest)."""

    def __init__(self, capacity: int = 1_000) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._queues: list[queue.Queue[TelemetryWarning]] = []

    def subscribe(self) -> queue.Queue[TelemetryWarning]:
        q: queue.Queue[TelemetryWarning] = queue.Queue(self._capacity)
        with self._lock:
            self._queues.append(q)
        return q

    def unsubscribe(self, q: queue.Queue[TelemetryWarning]) -> None:
        with self._lock:
            if q in self._queues:
                self._queues.remove(q)

    def publish(self, warning: TelemetryWarning) -> None:
        with self._lock:
            queues = list(self._queues)
        for q in queues:
            while True:
                try:
                    q.put_nowait(warning)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        q.get_nowait()


def warning_json(warning: TelemetryWarning) -> dict[str, Any]:
    """A warning as the alert stream and the API send it."""
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
        self.operations.signer_for(member)  # no custodial key: refused before anything is accepted
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
                call = Call(IOT, "anchorBatch", [sealed.root, sealed.count])
                try:
                    op = self.operations.submit(member, "iot.anchorBatch", call, signing=CUSTODIAL)
                except BaseException:
                    # Not anchored: nothing of this request counts as accepted, so the gateway may send it again.
                    self.ingestor.restore(member, checkpoint)
                    raise
                batch = {"root": _hex(sealed.root), "count": sealed.count, "operation": op}
            # Breaches in sequence order, inside the lock: the chain takes each device's sequence numbers ascending.
            posted = [self._post_breach(member, item) for item in breaches]
        return TelemetryResult(
            [self._outcome(o, proofs.get(id(r))) for o, r in zip(outcomes, readings, strict=True)], batch, posted
        )

    def _post_breach(self, member: str, item: SignedReading) -> dict[str, Any]:
        call = Call(IOT, "reportBreach", [item.reading.to_chain(), item.signature])
        entry: dict[str, Any] = {"deviceId": _hex(item.reading.device_id), "sequence": item.reading.sequence}
        try:
            entry["operation"] = self.operations.submit(member, "iot.reportBreach", call, signing=CUSTODIAL)
        except PortLinkError as exc:  # refused by the chain (e.g. revoked since): reported, the rest goes on
            entry["problem"] = str(exc)
        return entry

    @staticmethod
    def _outcome(outcome: Outcome, proof: list[str] | None) -> dict[str, Any]:
        reading = outcome.reading
        answer: dict[str, Any] = {
            "deviceId": _hex(reading.device_id),
            "sequence": reading.sequence,
            "accepted": outcome.accepted,
        }
        if outcome.accepted:
            answer["breach"] = outcome.breach.name if outcome.breach else None
            answer["proof"] = proof
        else:
            answer["refusal"] = str(outcome.refusal)
            answer["detail"] = outcome.detail
        return answer
