"""Checks against the chain itself rather than the index: is a document's keccak-256 anchored (the shipment
registry's ``verifyDocument``), and does a shipment's audit trail in the index match the logs the node serves.

The trail check asks the node for every log of the manifest contracts that names the shipment (its id as any
indexed topic) or one of its financings (the escrow's ``financingId`` topic), from the shipment's registration up
to the index's checkpoint, and compares them with the indexed trail log by log: the event, its transaction and
its decoded arguments. It reports what the index lacks, what the chain does not have, and what differs; the chain
is the authority and nothing is repaired here (``portlink audit verify`` checks the whole log the same way).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from portlink.chain.rpc import JsonRpc
from portlink.deployment.deploy import ESCROW, SHIPMENTS
from portlink.domain.shipments import DocumentType
from portlink.errors import NotFoundError
from portlink.indexer.catalog import EventCatalog
from portlink.services.audit import shipment_trail
from portlink.services.queries import IndexQueries

if TYPE_CHECKING:
    from portlink.services.runtime import Runtime

View = Callable[[str, str, list[Any]], list[Any]]


@dataclass(frozen=True)
class ChainAnchor:
    """What the shipment registry on chain says about a digest."""

    digest: str
    anchored: bool
    latest: bool
    shipment_id: str | None
    doc_type: str | None
    version: int
    anchored_by: str | None
    anchored_at: int | None


def document_on_chain(view: View, digest: str) -> ChainAnchor:
    """The anchor of ``digest`` (0x-hex keccak-256) read from the shipment registry (``verifyDocument``)."""
    anchor, latest = view(SHIPMENTS, "verifyDocument", [bytes.fromhex(digest[2:])])
    version = int(anchor["version"])
    if version == 0:
        return ChainAnchor(digest.lower(), False, False, None, None, 0, None, None)
    return ChainAnchor(
        digest=digest.lower(),
        anchored=True,
        latest=bool(latest),
        shipment_id=str(anchor["shipmentId"]),
        doc_type=DocumentType(int(anchor["docType"])).name,
        version=version,
        anchored_by=str(anchor["anchoredBy"]),
        anchored_at=int(anchor["anchoredAt"]),
    )


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


def verify_trail(
    queries: IndexQueries, rpc: JsonRpc, catalog: EventCatalog, shipment_id: str, *, step: int = 20_000
) -> TrailVerification:
    """Compare the indexed trail of ``shipment_id`` with the node's logs (see the module's docstring)."""
    sid = shipment_id.lower()
    shipment = queries.shipment(sid)
    if shipment is None:
        raise NotFoundError(f"no shipment {shipment_id} in the index")
    checkpoint = int(queries.head()["checkpointBlock"] or 0)
    start = int(shipment["registeredBlock"])
    trail = shipment_trail(queries, sid)
    financings = {
        str(e["args"]["financingId"]) for e in trail if e["contract"] == ESCROW and "financingId" in e["args"]
    }
    addresses = sorted(address for address, _ in catalog.contracts.values())
    escrow = catalog.contracts[ESCROW][0] if ESCROW in catalog.contracts else None
    filters: list[tuple[list[str], list[Any]]] = [
        (addresses, [None] * position + [_topic(sid)]) for position in (1, 2, 3)
    ]
    if escrow is not None:
        filters += [([escrow], [None, _topic(int(f))]) for f in sorted(financings)]
    chain: dict[tuple[str, int], dict[str, Any]] = {}
    for low in range(start, checkpoint + 1, step):
        high = min(low + step - 1, checkpoint)
        for address, topics in filters:
            logs = rpc.call(
                "eth_getLogs", {"address": address, "fromBlock": hex(low), "toBlock": hex(high), "topics": topics}
            )
            for log in logs:
                chain[(log["blockHash"], int(log["logIndex"], 16))] = log
    differences: list[TrailDifference] = []
    for entry in trail:
        key = (entry["blockHash"], entry["logIndex"])
        log = chain.pop(key, None)
        if log is None:  # named the shipment only in its data: look for it in its block
            block_logs = rpc.call("eth_getLogs", {"address": addresses, "blockHash": entry["blockHash"]})
            log = next((x for x in block_logs if int(x["logIndex"], 16) == entry["logIndex"]), None)
        problem = _compare(catalog, entry, log)
        if problem:
            kind, detail = problem
            differences.append(
                TrailDifference(
                    kind, entry["blockNumber"], entry["logIndex"], entry["transactionHash"], entry["event"], detail
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


def _compare(catalog: EventCatalog, entry: dict[str, Any], log: dict[str, Any] | None) -> tuple[str, str] | None:
    """How the indexed ``entry`` differs from the node's ``log``, if it does."""
    if log is None:
        return "not-on-chain", "the index has this event, the chain has no such log"
    event_type = catalog.event(log["address"], (log.get("topics") or [None])[0])
    name = f"{event_type.contract}.{event_type.name}" if event_type else "an unknown event"
    if event_type is None or (event_type.contract, event_type.name) != (entry["contract"], entry["event"]):
        return "changed", f"the chain has {name} here, the index {entry['contract']}.{entry['event']}"
    if log["transactionHash"] != entry["transactionHash"]:
        return "changed", "the transaction hash differs from the chain"
    args = event_type.decode(log["topics"], log["data"])
    differ = sorted(k for k in set(args) | set(entry["args"]) if args.get(k) != entry["args"].get(k))
    if differ:
        shown = ", ".join(f"{k}: chain {args.get(k)!r}, index {entry['args'].get(k)!r}" for k in differ[:3])
        return "changed", f"arguments differ from the chain ({shown})"
    return None


def verify_shipment(runtime: Runtime, shipment_id: str) -> TrailVerification:
    """:func:`verify_trail` against the node and manifest of ``runtime``."""
    s = runtime.settings
    rpc = JsonRpc(s.rpc_url, timeout=s.indexer_rpc_timeout_seconds)
    try:
        catalog = EventCatalog.from_manifest(runtime.manifest, s.manifest_path)
        return verify_trail(runtime.queries, rpc, catalog, shipment_id, step=s.indexer_max_block_range)
    finally:
        rpc.close()
