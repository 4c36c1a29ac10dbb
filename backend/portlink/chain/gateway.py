"""The services' one way to the node: simulate, estimate, fee, broadcast and follow raw transactions.

Everything above this module deals in addresses, calldata bytes and signed raw transactions; web3.py stays here.
A refused call comes back as :class:`CallReverted` with the node's revert data, which the services decode against
the manifest ABIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint, TxParams

from portlink.chain.client import connect


class CallReverted(Exception):  # noqa: N818 (a signal between layers, not a user-facing error)
    """The node refused a call; ``data`` is the revert data (custom error selector and arguments), if any."""

    def __init__(self, data: bytes, message: str) -> None:
        super().__init__(message)
        self.data = data
        self.message = message


class BroadcastRefused(Exception):  # noqa: N818
    """The node did not take a raw transaction (nonce too low, underpriced, insufficient funds...)."""


@dataclass(frozen=True)
class Fees:
    """EIP-1559 fees for a new transaction."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(frozen=True)
class Receipt:
    """The parts of a receipt the services keep."""

    status: int
    block_number: int
    block_hash: str
    gas_used: int
    logs: list[dict[str, Any]]


def _revert_data(exc: Exception) -> bytes:
    data: Any = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return b""
    return bytes(data) if isinstance(data, bytes | bytearray) else b""


class ChainGateway:
    """A web3 client reduced to what the operation service needs."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.chain_id = int(w3.eth.chain_id)

    @classmethod
    def connect(cls, rpc_url: str, *, poa: bool = False, timeout: float = 30.0) -> ChainGateway:
        """A gateway to the node at ``rpc_url``."""
        return cls(connect(rpc_url, poa=poa, timeout=timeout))

    def call(self, to: str, data: bytes, *, sender: str | None = None, block: BlockIdentifier = "latest") -> bytes:
        """``eth_call``; :class:`CallReverted` with the revert data if the call reverts."""
        tx: TxParams = {"to": to_checksum_address(to), "data": HexStr("0x" + data.hex())}
        if sender:
            tx["from"] = to_checksum_address(sender)
        try:
            return bytes(self.w3.eth.call(tx, block))
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            raise CallReverted(_revert_data(exc), str(exc)) from None

    def estimate_gas(self, sender: str, to: str, data: bytes) -> int:
        """Gas for the call from ``sender`` with a 20% margin; :class:`CallReverted` if it would revert."""
        tx: TxParams = {
            "from": to_checksum_address(sender),
            "to": to_checksum_address(to),
            "data": HexStr("0x" + data.hex()),
        }
        try:
            gas = int(self.w3.eth.estimate_gas(tx, "pending"))
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            raise CallReverted(_revert_data(exc), str(exc)) from None
        return gas * 6 // 5

    def fees(self) -> Fees:
        """Fees a new transaction offers: twice the base fee plus the node's suggested tip."""
        base = self.w3.eth.get_block("latest").get("baseFeePerGas") or 0
        tip = int(self.w3.eth.max_priority_fee)
        return Fees(2 * int(base) + tip, tip)

    def has_code(self, address: str) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet signs that way, not with ECDSA)."""
        return len(self.w3.eth.get_code(to_checksum_address(address))) > 0

    def pending_nonce(self, address: str) -> int:
        """The next nonce of ``address`` counting its pending transactions."""
        return int(self.w3.eth.get_transaction_count(to_checksum_address(address), "pending"))

    def mined_nonce(self, address: str) -> int:
        """How many transactions of ``address`` are mined."""
        return int(self.w3.eth.get_transaction_count(to_checksum_address(address), "latest"))

    @staticmethod
    def sign(account: LocalAccount, tx: dict[str, Any]) -> tuple[bytes, str]:
        """Sign ``tx`` (an EIP-1559 transaction dict) with ``account``: ``(raw, hash)``."""
        signed = account.sign_transaction(tx)
        return bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()

    def unsigned(self, sender: str, to: str, data: bytes, gas: int, nonce: int, fees: Fees) -> dict[str, Any]:
        """The EIP-1559 transaction a wallet signs (``eth_signTransaction`` fields, JSON-safe)."""
        return {
            "type": 2,
            "chainId": self.chain_id,
            "from": to_checksum_address(sender),
            "to": to_checksum_address(to),
            "data": "0x" + data.hex(),
            "value": 0,
            "gas": gas,
            "nonce": nonce,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }

    def send_raw(self, raw: bytes) -> str:
        """Broadcast ``raw``; a node that already knows it is not an error. :class:`BroadcastRefused` otherwise."""
        try:
            return "0x" + bytes(self.w3.eth.send_raw_transaction(HexBytes(raw))).hex()
        except (Web3RPCError, ValueError) as exc:
            message = str(exc).lower()
            if "already known" in message or "already imported" in message:
                return "0x" + bytes(Web3.keccak(raw)).hex()
            raise BroadcastRefused(str(exc)) from None

    def raw_transaction(self, tx_hash: str) -> bytes | None:
        """The signed bytes of a transaction the node knows, pending or mined (``eth_getRawTransactionByHash``,
        which geth, Anvil, Erigon and Nethermind answer), or ``None``."""
        reply = self.w3.provider.make_request(RPCEndpoint("eth_getRawTransactionByHash"), [tx_hash])
        result = reply.get("result")
        return bytes.fromhex(result[2:]) if isinstance(result, str) and len(result) > 2 else None

    def block_timestamp(self, number: int) -> int:
        """The timestamp of block ``number`` (unix seconds, the chain's clock)."""
        return int(self.w3.eth.get_block(number)["timestamp"])

    def known(self, tx_hash: str) -> bool:
        """Whether the node has the transaction (pending or mined)."""
        try:
            self.w3.eth.get_transaction(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return False
        return True

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of ``tx_hash``, or ``None`` while it is not mined."""
        try:
            r = self.w3.eth.get_transaction_receipt(cast(HexStr, tx_hash))
        except TransactionNotFound:
            return None
        logs = [
            {
                "address": str(log["address"]),
                "topics": ["0x" + bytes(t).hex() for t in log["topics"]],
                "data": "0x" + bytes(log["data"]).hex(),
            }
            for log in r["logs"]
        ]
        return Receipt(
            int(r["status"]), int(r["blockNumber"]), "0x" + bytes(r["blockHash"]).hex(), int(r["gasUsed"]), logs
        )

    def replay_revert(self, tx_hash: str, sender: str, to: str, data: bytes, block_number: int) -> bytes:
        """The revert data of a mined, reverted transaction: from the node's call tracer (exact, where the node
        offers ``debug_traceTransaction``), else by replaying the call on the state after and before its block."""
        try:
            trace = self.w3.provider.make_request(
                RPCEndpoint("debug_traceTransaction"), [tx_hash, {"tracer": "callTracer"}]
            )
            result = trace.get("result") or {}
            output = result.get("output")
            if result.get("error") and isinstance(output, str) and len(output) >= 10:
                return bytes.fromhex(output[2:])
        except (Web3RPCError, ValueError, AttributeError):
            pass
        for block in (block_number, max(block_number - 1, 0)):
            try:
                self.call(to, data, sender=sender, block=block)
            except CallReverted as exc:
                if exc.data:
                    return exc.data
        return b""
