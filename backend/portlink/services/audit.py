"""The audit trail of a shipment from the index (:func:`shipment_trail`), and ``portlink audit verify``: re-read
every log of the manifest contracts from the node and compare it with the index, field by field. The chain is the
authority; any difference (a log missing from the index, one the chain does not have, or one whose contents
differ) is reported, none is repaired here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portlink.chain.rpc import JsonRpc
from portlink.deployment.deploy import ESCROW
from portlink.services.queries import IndexQueries


def shipment_trail(queries: IndexQueries, shipment_id: str) -> list[dict[str, Any]]:
    """Every event of a shipment: its own, its declaration's (same id) and its financings', in chain order."""
    sid = shipment_id.lower()
    entries = queries.events(arg=("shipmentId", sid)) + queries.events(arg=("declarationId", sid))
    financings = {e["args"]["financingId"] for e in entries if e["contract"] == ESCROW and "financingId" in e["args"]}
    for financing in financings:
        entries += queries.events(contract=ESCROW, arg=("financingId", financing))
    unique = {(e["blockHash"], e["logIndex"]): e for e in entries}
    return sorted(unique.values(), key=lambda e: (e["blockNumber"], e["logIndex"]))


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


def verify(
    queries: IndexQueries, rpc: JsonRpc, *, step: int = 2_000, progress: Callable[[int], None] | None = None
) -> tuple[int, list[Difference]]:
    """Compare every indexed block range with the chain; returns (logs compared, differences)."""
    contracts, checkpoint = queries.indexed_range()
    if checkpoint is None or not contracts:
        return 0, []
    addresses = sorted(address for address, _ in contracts.values())
    start = min(first for _, first in contracts.values())
    compared = 0
    differences: list[Difference] = []
    for low in range(start, checkpoint + 1, step):
        high = min(low + step - 1, checkpoint)
        stored = queries.raw_logs(low, high)
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
