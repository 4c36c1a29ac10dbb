"""The local development chain as Anvil saves it (``--state FILE``), checked and put right before Anvil loads it.

Anvil makes a new block 0 (timestamped with the start) every time it starts, saves it beside the loaded chain's
own block 0, and on the next start takes the *last* block 0 of the file as the genesis. It writes its blocks in
hash-map order, so after a few restarts a stray block 0 comes last and the node starts on another genesis: the
deployment manifest is refused as belonging to another chain. :func:`restore` keeps only the blocks of the saved
chain itself, found by walking parent hashes down from the best block (each block's hash computed from its
header), and refuses a file it cannot read or a chain with a block missing (:class:`BrokenChainStateError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_utils.crypto import keccak

from portlink.errors import BrokenChainStateError
from portlink.files import write_atomically

#: The header fields in the order of their RLP encoding (the yellow paper's, plus the forks' additions up to
#: Prague), as Anvil writes them into its state file.
HEADER_FIELDS = (
    "parentHash",
    "sha3Uncles",
    "miner",
    "stateRoot",
    "transactionsRoot",
    "receiptsRoot",
    "logsBloom",
    "difficulty",
    "number",
    "gasLimit",
    "gasUsed",
    "timestamp",
    "extraData",
    "mixHash",
    "nonce",
    "baseFeePerGas",
    "withdrawalsRoot",
    "blobGasUsed",
    "excessBlobGas",
    "parentBeaconBlockRoot",
    "requestsHash",
)
_INTEGERS = frozenset(
    ("difficulty", "number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "blobGasUsed", "excessBlobGas")
)


def header_hash(header: dict[str, Any]) -> str:
    """The block hash of ``header`` (as Anvil's state file spells it): keccak-256 of its RLP encoding."""
    fields: list[Any] = []
    for name in HEADER_FIELDS:
        value = header.get(name)
        if value is None:
            continue  # a field of a later fork: absent before it
        fields.append(int(value, 16) if name in _INTEGERS else bytes.fromhex(value.removeprefix("0x")))
    return "0x" + keccak(rlp.encode(fields)).hex()


@dataclass(frozen=True)
class SavedChain:
    """What a state file holds once restored."""

    path: Path
    genesis_hash: str
    head: int
    #: Blocks that were not on the chain (stray blocks 0 of earlier starts) and were removed from the file.
    removed: int


def broken(path: Path, reason: str) -> BrokenChainStateError:
    """The refusal of a saved chain that cannot be restored, saying what a reset keeps."""
    return BrokenChainStateError(
        f"the saved local chain {path} {reason}; nothing was changed. `portlink up --reset` (`make reset`) sets it "
        "aside with the manifest and index that belong to it and starts a new chain; it keeps the keystore of "
        "custodial keys, which does not depend on the chain"
    )


def _number(block: dict[str, Any]) -> int:
    return int(block["header"]["number"], 16)


def restore(path: Path) -> SavedChain | None:
    """Check the state file at ``path`` and remove from it every block that is not on its chain; ``None`` if
    there is no file (a new chain). The file is rewritten (atomically) only if something was removed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        state = json.loads(raw)
        blocks: list[dict[str, Any]] = state["blocks"]
        best = (
            int(state["best_block_number"], 16)
            if isinstance(state["best_block_number"], str)
            else int(state["best_block_number"])
        )
        numbered = [(_number(b), b) for b in blocks]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = f"is not readable as an Anvil state ({type(exc).__name__}: {exc})"
        raise broken(path, reason.replace("\n", " ")) from None
    by_number: dict[int, list[dict[str, Any]]] = {}
    for number, block in numbered:
        by_number.setdefault(number, []).append(block)
    if all(len(candidates) == 1 for candidates in by_number.values()):
        missing = next((n for n in range(best + 1) if n not in by_number), None)
        if missing is not None:
            raise broken(path, f"lacks block {missing} of its {best + 1} blocks")
        return SavedChain(path, header_hash(by_number[0][0]["header"]), best, 0)
    chain = _chain(path, by_number, best)
    kept = {id(block) for block in chain}
    state["blocks"] = [b for b in blocks if id(b) in kept]
    write_atomically(path, json.dumps(state).encode())
    return SavedChain(path, header_hash(chain[0]["header"]), best, len(blocks) - len(chain))


def _chain(path: Path, by_number: dict[int, list[dict[str, Any]]], best: int) -> list[dict[str, Any]]:
    """The blocks from genesis to ``best``, found by parent hashes from the best block down."""
    if best not in by_number:
        raise broken(path, f"lacks its best block {best}")
    tops = by_number[best]
    # Two blocks at the best height: only a chain of nothing but a genesis can have that (no block on it yet);
    # the oldest genesis is the first chain that was started.
    chain = [min(tops, key=lambda b: int(b["header"]["timestamp"], 16))]
    for number in range(best - 1, -1, -1):
        wanted = chain[-1]["header"]["parentHash"].lower()
        parent = next((b for b in by_number.get(number, []) if header_hash(b["header"]) == wanted), None)
        if parent is None:
            raise broken(path, f"lacks block {number}, the parent of block {number + 1}")
        chain.append(parent)
    chain.reverse()
    return chain
