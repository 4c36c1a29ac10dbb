"""Checks against the chain itself rather than the index: does a shipment's audit trail in the index match the
logs the node serves (a document's anchor on chain: :meth:`DocumentService.verify_on_chain`).

The trail check asks the node for every log of the manifest contracts that names the shipment (its id as any
indexed topic) or one of its financings (the escrow's ``financingId`` topic), from the shipment's registration up
to the index's checkpoint, and compares them with the indexed trail log by log: the event, its transaction and
its decoded arguments. It reports what the index lacks, what the chain does not have, and what differs; the chain
is the authority and nothing is repaired here (``portlink audit verify`` checks the whole log the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portlink.chain.rpc import JsonRpc
from portlink.indexer.catalog import EventCatalog
from portlink.manifest import ESCROW
from portlink.services.access import Caller
from portlink.services.audit import AuditService
from portlink.services.eventlog import ChainEvent
from portlink.services.index import IndexStatus
from portlink.services.shipments import ShipmentService


@dataclass(frozen=True)
class TrailDifference:
    """One log on which the index's trail and the chain disagree (``kind``: ``missing-from-index``,
    ``not-on-chain`` or ``changed``)."""

    kind: str
    block_number: int
    log_index: int
    transaction_hash: str
    event: str
    detail: str


@dataclass(frozen=True)
class TrailVerification:
    """The result of checking a shipment's trail against the chain."""

    shipment_id: str
    checked: int
    from_block: int
    to_block: int
    differences: list[TrailDifference]


def _topic(value: int | str) -> str:
    return "0x" + (int(value).to_bytes(32, "big").hex() if isinstance(value, int) else value[2:].lower().rjust(64, "0"))


def _related(args: dict[str, Any], sid: str, financings: set[str]) -> bool:
    return sid in (args.get("shipmentId"), args.get("declarationId")) or str(args.get("financingId")) in financings


class TrailVerifier:
    """Compares a shipment's indexed trail with the node's logs (see the module's docstring)."""

    def __init__(
        self,
        shipments: ShipmentService,
        audit: AuditService,
        index: IndexStatus,
        catalog: EventCatalog,
        rpc: Callable[[], JsonRpc],
        *,
        step: int = 20_000,
    ) -> None:
        self.shipments, self.audit, self.index, self.catalog = shipments, audit, index, catalog
        self._rpc, self.step = rpc, step

    def verify(self, caller: Caller, shipment_id: str) -> TrailVerification:
        """The trail of a shipment the caller may read, compared with the chain."""
        shipment = self.shipments.visible(caller, shipment_id)
        rpc = self._rpc()
        try:
            return self._verify(rpc, shipment.shipment_id, shipment.registered_block)
        finally:
            rpc.close()

    def _verify(self, rpc: JsonRpc, sid: str, start: int) -> TrailVerification:
        catalog = self.catalog
        checkpoint = int(self.index.head().checkpoint_block or 0)
        trail = self.audit.events_of(sid)
        financings = {str(e.args["financingId"]) for e in trail if e.contract == ESCROW and "financingId" in e.args}
        addresses = sorted(address for address, _ in catalog.contracts.values())
        escrow = catalog.contracts[ESCROW][0] if ESCROW in catalog.contracts else None
        filters: list[tuple[list[str], list[Any]]] = [
            (addresses, [None] * position + [_topic(sid)]) for position in (1, 2, 3)
        ]
        if escrow is not None:
            filters += [([escrow], [None, _topic(int(f))]) for f in sorted(financings)]
        chain: dict[tuple[str, int], dict[str, Any]] = {}
        for low in range(start, checkpoint + 1, self.step):
            high = min(low + self.step - 1, checkpoint)
            for address, topics in filters:
                logs = rpc.call(
                    "eth_getLogs", {"address": address, "fromBlock": hex(low), "toBlock": hex(high), "topics": topics}
                )
                for log in logs:
                    chain[(log["blockHash"], int(log["logIndex"], 16))] = log
        differences: list[TrailDifference] = []
        for entry in trail:
            log = chain.pop((entry.block_hash, entry.log_index), None)
            if log is None:  # named the shipment only in its data: look for it in its block
                block_logs = rpc.call("eth_getLogs", {"address": addresses, "blockHash": entry.block_hash})
                log = next((x for x in block_logs if int(x["logIndex"], 16) == entry.log_index), None)
            problem = _compare(catalog, entry, log)
            if problem:
                kind, detail = problem
                differences.append(
                    TrailDifference(
                        kind, entry.block_number, entry.log_index, entry.transaction_hash, entry.event, detail
                    )
                )
        for (_, log_index), log in sorted(chain.items(), key=lambda kv: (int(kv[1]["blockNumber"], 16), kv[0][1])):
            event_type = catalog.event(log["address"], (log.get("topics") or [None])[0])
            if event_type is None:
                continue
            args = event_type.decode(log["topics"], log["data"])
            if _related(args, sid, financings):
                differences.append(
                    TrailDifference(
                        "missing-from-index",
                        int(log["blockNumber"], 16),
                        log_index,
                        log["transactionHash"],
                        event_type.name,
                        f"the chain has {event_type.contract}.{event_type.name} here; the index does not",
                    )
                )
        differences.sort(key=lambda d: (d.block_number, d.log_index))
        return TrailVerification(sid, len(trail), start, checkpoint, differences)


def _compare(catalog: EventCatalog, entry: ChainEvent, log: dict[str, Any] | None) -> tuple[str, str] | None:
    """How the indexed ``entry`` differs from the node's ``log``, if it does."""
    if log is None:
        return "not-on-chain", "the index has this event, the chain has no such log"
    event_type = catalog.event(log["address"], (log.get("topics") or [None])[0])
    name = f"{event_type.contract}.{event_type.name}" if event_type else "an unknown event"
    if event_type is None or (event_type.contract, event_type.name) != (entry.contract, entry.event):
        return "changed", f"the chain has {name} here, the index {entry.contract}.{entry.event}"
    if log["transactionHash"] != entry.transaction_hash:
        return "changed", "the transaction hash differs from the chain"
    args = event_type.decode(log["topics"], log["data"])
    differ = sorted(k for k in set(args) | set(entry.args) if args.get(k) != entry.args.get(k))
    if differ:
        shown = ", ".join(f"{k}: chain {args.get(k)!r}, index {entry.args.get(k)!r}" for k in differ[:3])
        return "changed", f"arguments differ from the chain ({shown})"
    return None
