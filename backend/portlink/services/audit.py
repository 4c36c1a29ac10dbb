"""Auditing: the trail of a shipment (every event of it, its declaration and its financings, in chain order), and
``portlink audit verify``, which re-reads every log of the manifest contracts from the node and compares it with
the index, field by field. The chain is the authority; any difference (a log missing from the index, one the chain
does not have, or one whose contents differ) is reported, none is repaired here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from portlink.chain.rpc import JsonRpc
from portlink.manifest import ESCROW
from portlink.services.access import Caller
from portlink.services.eventlog import ChainEvent, EventLog
from portlink.services.shipments import ShipmentService
from portlink.services.sql import rows
from portlink.store import schema


@dataclass(frozen=True)
class Difference:
    """One log on which the chain and the index disagree."""

    block_number: int
    block_hash: str
    log_index: int
    kind: str  # missing (on chain, not indexed), extra (indexed, not on chain), changed
    detail: str

    def __str__(self) -> str:
        return f"block {self.block_number} log {self.log_index} ({self.block_hash}): {self.kind}: {self.detail}"


class AuditService:
    """Shipment trails and the comparison of the index with the chain."""

    def __init__(self, engine: Engine, shipments: ShipmentService, eventlog: EventLog) -> None:
        self.engine, self.shipments, self.eventlog = engine, shipments, eventlog

    def trail(self, caller: Caller, shipment_id: str) -> list[ChainEvent]:
        """Every event of a shipment the caller may read: its own, its declaration's (same id) and its
        financings', in chain order."""
        return self.events_of(self.shipments.visible(caller, shipment_id).shipment_id)

    def events_of(self, shipment_id: str) -> list[ChainEvent]:
        """Every event of a shipment, whoever asks: its own, its declaration's and its financings', in chain
        order."""
        sid = shipment_id.lower()
        entries = self.eventlog.events(arg=("shipmentId", sid)) + self.eventlog.events(arg=("declarationId", sid))
        financings = {e.args["financingId"] for e in entries if e.contract == ESCROW and "financingId" in e.args}
        for financing in financings:
            entries += self.eventlog.events(contract=ESCROW, arg=("financingId", financing))
        unique = {(e.block_hash, e.log_index): e for e in entries}
        return sorted(unique.values(), key=lambda e: e.position)

    def indexed_range(self) -> tuple[dict[str, tuple[str, int]], int | None]:
        """The indexed contracts (name → (address, first block)) and the checkpoint block."""
        ic = schema.indexed_contracts
        with self.engine.connect() as conn:
            contracts = {r.name: (str(r.address), int(r.start_block)) for r in conn.execute(select(ic))}
            state = conn.execute(select(schema.index_state.c.checkpoint_block)).first()
        return contracts, None if state is None else int(state[0])

    def raw_logs(self, from_block: int, to_block: int) -> dict[tuple[str, int], dict[str, Any]]:
        """The stored logs in ``[from_block, to_block]`` by (block hash, log index), as the node spells them."""
        r = schema.raw_logs
        with self.engine.connect() as conn:
            found = rows(conn, select(r).where(r.c.block_number >= from_block, r.c.block_number <= to_block))
        return {
            (row["block_hash"], row["log_index"]): {
                "address": row["address"],
                "blockNumber": row["block_number"],
                "transactionHash": row["transaction_hash"],
                "topics": [t for t in (row["topic0"], row["topic1"], row["topic2"], row["topic3"]) if t is not None],
                "data": row["data"],
            }
            for row in found
        }

    def verify(
        self,
        rpc_url: str,
        *,
        timeout: float = 30.0,
        step: int = 2_000,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[int, list[Difference]]:
        """Compare every indexed block range with the chain at ``rpc_url``; returns (logs compared,
        differences)."""
        return verify(self, JsonRpc(rpc_url, timeout=timeout), step=step, progress=progress)


def verify(
    audit: AuditService, rpc: JsonRpc, *, step: int = 2_000, progress: Callable[[int], None] | None = None
) -> tuple[int, list[Difference]]:
    """Compare every indexed block range of ``audit``'s index with the chain; returns (logs compared,
    differences)."""
    contracts, checkpoint = audit.indexed_range()
    if checkpoint is None or not contracts:
        return 0, []
    addresses = sorted(address for address, _ in contracts.values())
    start = min(first for _, first in contracts.values())
    compared = 0
    differences: list[Difference] = []
    for low in range(start, checkpoint + 1, step):
        high = min(low + step - 1, checkpoint)
        stored = audit.raw_logs(low, high)
        for log in rpc.logs(addresses, low, high):
            key = (log["blockHash"], int(log["logIndex"], 16))
            number = int(log["blockNumber"], 16)
            mine = stored.pop(key, None)
            compared += 1
            if mine is None:
                differences.append(Difference(number, key[0], key[1], "missing", f"{log['address']} not indexed"))
                continue
            theirs = {
                "address": log["address"].lower(),
                "blockNumber": number,
                "transactionHash": log["transactionHash"],
                "topics": list(log.get("topics") or []),
                "data": log.get("data") or "0x",
            }
            changed = [field for field in theirs if theirs[field] != mine[field]]
            if changed:
                differences.append(
                    Difference(number, key[0], key[1], "changed", f"{', '.join(changed)} differ from the chain")
                )
        for (block_hash, log_index), mine in sorted(stored.items(), key=lambda kv: (kv[1]["blockNumber"], kv[0][1])):
            differences.append(
                Difference(
                    mine["blockNumber"], block_hash, log_index, "extra", "indexed, but the chain has no such log"
                )
            )
        if progress is not None:
            progress(high - low + 1)
    return compared, differences
