"""The services' one way to the node: simulate, estimate, fee, broadcast and follow raw transactions.

Everything above this module deals in addresses, calldata bytes and signed raw transactions; web3.py stays here.
A refused call comes back as :class:`CallReverted` with the node's revert data, which the services decode against
the manifest ABIs.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint, TxParams

from portlink.chain.client import connect
from portlink.errors import ChainUnavailableError


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


def _revert_bytes(data: Any) -> bytes:
    """Revert data as a node sends it in a JSON-RPC error's ``data``: hex (geth, Anvil, Besu) or an object with
    ``data`` or ``result`` (Ganache 7)."""
    if isinstance(data, dict):
        data = data.get("data") or data.get("result")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return b""
    return bytes(data) if isinstance(data, bytes | bytearray) else b""


def _revert_data(exc: Exception) -> bytes:
    """The revert data of a call web3 refused (Ganache's error object comes as the exception's second argument)."""
    data: Any = getattr(exc, "data", None)
    if not data:
        data = next((a for a in exc.args[1:] if isinstance(a, dict)), None)
    return _revert_bytes(data)


class _NodeError(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, message: str, data: Any) -> None:
        super().__init__(message)
        self.data = data


class ChainGateway:
    """A web3 client reduced to what the operation service needs."""

    #: How long fees read from the node are reused.
    fee_cache_seconds = 1.0

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.chain_id = int(w3.eth.chain_id)
        # The calls every write makes (simulate, broadcast, receipts, nonces) go as plain JSON-RPC on a keep-alive
        # session of this gateway: web3's request pipeline costs more CPU than the call itself.
        provider = w3.provider
        self._url = str(getattr(provider, "endpoint_uri", "") or "")
        self._session: requests.Session = requests.Session()
        self._session.trust_env = False
        self._session.proxies.update(requests.utils.get_environ_proxies(self._url) if self._url else {})
        self._timeout = float((getattr(provider, "_request_kwargs", None) or {}).get("timeout", 30))
        self._ids = itertools.count(1)
        self._fee_lock = threading.Lock()
        self._fees: Fees | None = None
        self._fees_at = 0.0

    @classmethod
    def connect(cls, rpc_url: str, *, poa: bool | None = None, timeout: float = 30.0) -> ChainGateway:
        """A gateway to the node at ``rpc_url``."""
        return cls(connect(rpc_url, poa=poa, timeout=timeout))

    def _rpc(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call on the gateway's session; :class:`_NodeError` for an error answer,
        :class:`ChainUnavailableError` if the node does not answer."""
        if not self._url:  # not an HTTP provider (tests may hand one in): web3's way
            response: Any = self.w3.provider.make_request(RPCEndpoint(method), params)
        else:
            body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
            try:
                response = self._session.post(self._url, json=body, timeout=self._timeout).json()
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise ChainUnavailableError(f"the node at {self._url} does not answer ({method}): {exc}") from None
        error = response.get("error")
        if error:
            raise _NodeError(str(error.get("message", error)), error.get("data"))
        return response.get("result")

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
        tx = {"from": to_checksum_address(sender), "to": to_checksum_address(to), "data": "0x" + data.hex()}
        try:
            gas = int(self._rpc("eth_estimateGas", [tx, "pending"]), 16)
        except _NodeError as exc:
            raise CallReverted(_revert_bytes(exc.data), str(exc)) from None
        return gas * 6 // 5

    def fees(self) -> Fees:
        """Fees a new transaction offers: twice the base fee plus the node's suggested tip (read from the node at
        most every :attr:`fee_cache_seconds`: twice the base fee still covers six blocks of its steepest rise)."""
        now = time.monotonic()
        with self._fee_lock:
            if self._fees is not None and now - self._fees_at < self.fee_cache_seconds:
                return self._fees
        block = self._rpc("eth_getBlockByNumber", ["latest", False]) or {}
        base = int(block.get("baseFeePerGas") or "0x0", 16)
        tip = int(self._rpc("eth_maxPriorityFeePerGas", []), 16)
        fees = Fees(2 * base + tip, tip)
        with self._fee_lock:
            self._fees, self._fees_at = fees, now
        return fees

    def has_code(self, address: str) -> bool:
        """Whether ``address`` is a contract (an ERC-1271 wallet signs that way, not with ECDSA)."""
        return len(self.w3.eth.get_code(to_checksum_address(address))) > 0

    def pending_nonce(self, address: str) -> int:
        """The next nonce of ``address`` counting its pending transactions."""
        return int(self._rpc("eth_getTransactionCount", [to_checksum_address(address), "pending"]), 16)

    def mined_nonce(self, address: str) -> int:
        """How many transactions of ``address`` are mined."""
        return int(self._rpc("eth_getTransactionCount", [to_checksum_address(address), "latest"]), 16)

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
            return str(self._rpc("eth_sendRawTransaction", ["0x" + raw.hex()]))
        except _NodeError as exc:
            message = str(exc).lower()
            if "already known" in message or "already imported" in message or "already in" in message:
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
        return self._rpc("eth_getTransactionByHash", [tx_hash]) is not None

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of ``tx_hash``, or ``None`` while it is not mined."""
        r = self._rpc("eth_getTransactionReceipt", [tx_hash])
        if not r or r.get("blockNumber") is None:  # some nodes answer a pending transaction's receipt unmined
            return None
        logs = [
            {"address": to_checksum_address(log["address"]), "topics": list(log["topics"]), "data": log["data"]}
            for log in r["logs"]
        ]
        return Receipt(
            int(r["status"], 16), int(r["blockNumber"], 16), str(r["blockHash"]), int(r["gasUsed"], 16), logs
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


#: How old the chain time a :class:`ChainClock` answers with may be, in seconds.
CHAIN_CLOCK_REFRESH = 0.2


class ChainClock:
    """Time as the chain sees it, for checks that mirror a contract's ``block.timestamp`` (the IoT monitor's "not
    in the future"): the newest block's time, advanced by the wall clock since it was read (re-read at most every
    ``refresh_seconds``), and never behind the wall clock. A chain whose clock runs ahead of this server's (a dev
    chain driven by ``anvil_setNextBlockTimestamp``, a node with a skewed clock) is judged by its own time."""

    def __init__(self, gateway: ChainGateway, *, refresh_seconds: float = CHAIN_CLOCK_REFRESH) -> None:
        self._gateway = gateway
        self._refresh = refresh_seconds
        self._lock = threading.Lock()
        self._block_time = 0.0
        self._read_at = -refresh_seconds

    def __call__(self) -> float:
        now = time.time()
        with self._lock:
            if now - self._read_at >= self._refresh:
                try:
                    self._block_time = float(self._gateway.w3.eth.get_block("latest")["timestamp"])
                    self._read_at = now
                except Exception:  # the node is down: the wall clock alone, as before
                    self._read_at = now
            return max(now, self._block_time + (now - self._read_at))
