"""When a block is final, chosen for the chain the node serves (``PORTLINK_INDEXER_CONFIRMATIONS`` unset).

- **automine** (Anvil or Hardhat mining each transaction at once, ``anvil_getAutomine``): no block ever competes
  with another, so a block is final as soon as it is mined (depth 0). A chain rewritten on purpose
  (``anvil_reorg``, ``evm_revert``, a restart without its state) is still caught by the indexer's hash checks: the
  checkpoint block's hash is compared on every range and a changed one is rolled back.
- **finalized tag** (a node that answers ``eth_getBlockByNumber("finalized")``: proof-of-stake Ethereum and its
  clients, Anvil mining on a timer): the node's own finalized block, read at every range.
- otherwise (a node without either, e.g. an old proof-of-work client): a fixed depth of
  :data:`FALLBACK_DEPTH` blocks.

A configured depth always wins (``PORTLINK_INDEXER_CONFIRMATIONS=0`` for a QBFT/IBFT chain, whose blocks are
final at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from portlink.chain.rpc import JsonRpc, RpcError

#: Blocks on top before a block counts as final when the node offers nothing better.
FALLBACK_DEPTH = 12

Mode = Literal["configured", "automine", "finalized", "fallback"]


@dataclass(frozen=True)
class Finality:
    """How the final block is found: ``head - depth``, or the node's ``finalized`` block."""

    mode: Mode
    depth: int = 0

    def final_block(self, rpc: JsonRpc, head: int) -> int:
        """The newest final block when the head is ``head`` (``-1``: none yet)."""
        if self.mode != "finalized":
            return head - self.depth
        block = rpc.call("eth_getBlockByNumber", "finalized", False)
        return min(head, int(block["number"], 16)) if isinstance(block, dict) else -1

    def __str__(self) -> str:
        return {
            "configured": f"{self.depth} blocks deep (PORTLINK_INDEXER_CONFIRMATIONS)",
            "automine": "at once: an automine dev chain (hash checks catch a rewritten chain)",
            "finalized": "at the node's finalized block",
            "fallback": f"{self.depth} blocks deep (the node has no finalized block)",
        }[self.mode]


def _automine(rpc: JsonRpc) -> bool:
    for method in ("anvil_getAutomine", "hardhat_getAutomine"):
        try:
            return rpc.call(method) is True
        except RpcError:  # not Anvil / Hardhat
            continue
    return False


def choose(rpc: JsonRpc, configured: int | None) -> Finality:
    """The finality of the node behind ``rpc``; ``configured`` (a depth) if given."""
    if configured is not None:
        return Finality("configured", configured)
    if _automine(rpc):
        return Finality("automine", 0)
    try:
        finalized = rpc.call("eth_getBlockByNumber", "finalized", False)
    except RpcError:  # "finalized" is an unknown block tag to this node
        finalized = None
    if isinstance(finalized, dict):
        return Finality("finalized")
    return Finality("fallback", FALLBACK_DEPTH)
