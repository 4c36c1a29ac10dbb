"""Connecting to a node and sending transactions with a chosen signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.exceptions import TimeExhausted
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, TxParams, TxReceipt, Wei

from portlink.errors import ChainUnavailableError, DeploymentError


class NodeProvider(HTTPProvider):
    """web3's HTTP provider whose refused or timed-out connections are :class:`ChainUnavailableError` (one line,
    503 over HTTP), after web3's own retries."""

    def _make_request(self, method: RPCEndpoint, request_data: bytes) -> bytes:
        try:
            return bytes(super()._make_request(method, request_data))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ChainUnavailableError(f"the node at {self.endpoint_uri} does not answer ({method}): {exc}") from None


#: Bytes of ``extraData`` a block may carry on Ethereum proper; proof-of-authority chains (Clique, IBFT, QBFT) put
#: their validators and seals there and need web3's ``ExtraDataToPOAMiddleware``.
MAX_EXTRA_DATA = 32


def is_poa(w3: Web3) -> bool:
    """Whether the chain's blocks carry more ``extraData`` than Ethereum allows (the genesis and the newest block
    are read raw, before web3 would refuse them)."""
    for block in ("0x0", "latest"):
        response = w3.provider.make_request(RPCEndpoint("eth_getBlockByNumber"), [block, False])
        extra = (response.get("result") or {}).get("extraData") or "0x"
        if (len(extra) - 2) // 2 > MAX_EXTRA_DATA:
            return True
    return False


def connect(rpc_url: str, *, poa: bool | None = None, timeout: float = 30.0) -> Web3:
    """A web3 client for ``rpc_url``; raises :class:`ChainUnavailableError` if the node does not answer. ``poa``:
    inject web3's ``ExtraDataToPOAMiddleware`` (``None``: if the chain's blocks need it, see :func:`is_poa`)."""
    # requests would otherwise look for proxy variables and ~/.netrc on every call: once here is enough.
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(rpc_url))
    w3 = Web3(NodeProvider(rpc_url, request_kwargs={"timeout": timeout}, session=session))
    if not w3.is_connected():
        raise ChainUnavailableError(f"no JSON-RPC node answers at {rpc_url}")
    if poa is None:
        poa = is_poa(w3)
    if poa:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3


class Signer(Protocol):
    """Something that can send a transaction from :attr:`address`."""

    @property
    def address(self) -> ChecksumAddress:
        """The sending account."""
        ...

    def send(self, w3: Web3, tx: TxParams) -> HexBytes:
        """Sign (or have the node sign) and broadcast ``tx``; returns the transaction hash."""
        ...


@dataclass(frozen=True)
class NodeAccountSigner:
    """An account the node holds unlocked (Anvil's dev accounts): the node signs with eth_sendTransaction."""

    address: ChecksumAddress

    def send(self, w3: Web3, tx: TxParams) -> HexBytes:
        """Broadcast through ``eth_sendTransaction``."""
        return HexBytes(w3.eth.send_transaction({**tx, "from": self.address}))


class LocalKeySigner:
    """A private key held by this process (eth-account, coincurve-accelerated)."""

    def __init__(self, private_key: str) -> None:
        self._account: LocalAccount = Account.from_key(private_key)

    @property
    def address(self) -> ChecksumAddress:
        """The key's address."""
        return self._account.address

    def send(self, w3: Web3, tx: TxParams) -> HexBytes:
        """Fill nonce, gas and fees, sign locally and broadcast the raw transaction."""
        full: TxParams = {**tx, "from": self.address, "chainId": w3.eth.chain_id}
        full.setdefault("nonce", w3.eth.get_transaction_count(self.address, "pending"))
        full.setdefault("gas", w3.eth.estimate_gas(full))
        if "gasPrice" not in full and "maxFeePerGas" not in full:
            base = w3.eth.get_block("latest").get("baseFeePerGas")
            if base is None:
                full["gasPrice"] = w3.eth.gas_price
            else:
                tip = w3.eth.max_priority_fee
                full["maxPriorityFeePerGas"] = tip
                full["maxFeePerGas"] = Wei(2 * base + tip)
        signed = self._account.sign_transaction(full)  # type: ignore[arg-type]
        return HexBytes(w3.eth.send_raw_transaction(signed.raw_transaction))


def transact(w3: Web3, signer: Signer, tx: TxParams, *, what: str, timeout: float = 120.0) -> TxReceipt:
    """Send ``tx`` and wait for its receipt; a revert or timeout is a :class:`DeploymentError` naming ``what``."""
    tx_hash = signer.send(w3, tx)
    try:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
    except TimeExhausted:
        raise DeploymentError(f"{what}: no receipt for {tx_hash.to_0x_hex()} after {timeout:.0f}s") from None
    if receipt["status"] != 1:
        raise DeploymentError(f"{what}: transaction {tx_hash.to_0x_hex()} reverted")
    return receipt
