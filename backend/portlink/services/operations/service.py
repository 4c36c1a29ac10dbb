"""Writes that reach the chain, as operations (the Hyperledger FireFly model).

An operation is recorded (``Initialized``) before anything is sent, simulated against the pending state (a revert
there fails it at once with the decoded custom error, spending no nonce), then:

- custodial: under the signing account's lock, the next nonce is allocated and the signed transaction stored in
  the same database step, and only then broadcast (``Pending``) (:mod:`.signing`);
- self-custody (wallet): the operation carries the unsigned transaction; the signed one comes back through
  :meth:`OperationService.relay_signed`, is checked (sender, target, calldata, chain) and broadcast.

The :class:`~.tracker.Tracker` follows every ``Pending`` operation to its end.
"""

from __future__ import annotations

import time
import uuid

import rlp  # type: ignore[import-untyped]
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import Engine

from portlink.chain.gateway import BroadcastRefused, CallReverted, ChainGateway, Fees
from portlink.errors import ChainRevertError, ConflictError, InvalidInputError
from portlink.indexer.catalog import EventCatalog
from portlink.services.contracts import Contracts
from portlink.services.operations.idempotency import IdempotencyRecords
from portlink.services.operations.records import (
    CUSTODIAL,
    INITIALIZED,
    WALLET,
    Operation,
    Signing,
    Status,
    Write,
)
from portlink.services.operations.repository import OperationRepository, problem
from portlink.services.operations.reverts import revert_problem
from portlink.services.operations.signing import NonceAllocator, Signers
from portlink.services.operations.tracker import Tracker


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class OperationService:
    """Creates, signs, sends and (through its tracker) follows operations."""

    def __init__(
        self,
        engine: Engine,
        gateway: ChainGateway,
        contracts: Contracts,
        catalog: EventCatalog,
        signers: dict[str, LocalAccount] | Signers,
        *,
        relayer: str | None = None,
        poll_seconds: float = 0.2,
        rebroadcast_seconds: float = 15.0,
        stuck_seconds: float = 60.0,
        fee_bump_percent: int = 25,
    ) -> None:
        self.engine, self.gateway, self.contracts, self.catalog = engine, gateway, contracts, catalog
        self.signers = signers if isinstance(signers, Signers) else Signers(signers)
        self.relayer = to_checksum_address(relayer) if relayer else None
        self.repository = OperationRepository(engine, gateway, poll_seconds=poll_seconds)
        self.idempotency = IdempotencyRecords(engine)
        self.nonces = NonceAllocator(engine, gateway)
        self.tracker = Tracker(
            self.repository,
            gateway,
            contracts,
            catalog,
            self.signers,
            self.idempotency,
            poll_seconds=poll_seconds,
            rebroadcast_seconds=rebroadcast_seconds,
            stuck_seconds=stuck_seconds,
            fee_bump_percent=fee_bump_percent,
        )

    # ------------------------------------------------------------------ creating

    def submit(self, member: str, write: Write, *, signing: Signing) -> Operation:
        """Create the operation ``write`` for ``member`` and, custodially, send it. The write's sender defaults to
        the member (a relayer sends EIP-712 decisions)."""
        sender = to_checksum_address(write.sender or member)
        if signing == CUSTODIAL:
            self.signers.signer_for(sender)
        call = write.call
        to = self.contracts.addresses[call.contract]
        data = self.contracts.calldata(call.contract, call.function, call.args)
        op_id = str(uuid.uuid4())
        now = time.time()
        self.repository.insert(
            {
                "id": op_id,
                "member": to_checksum_address(member),
                "kind": write.kind,
                "status": INITIALIZED,
                "signing": signing,
                "contract": call.contract,
                "function": call.function,
                "to_address": to_checksum_address(to),
                "calldata": _hex(data),
                "sender": sender,
                "tx_hashes": [],
                "broadcasts": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        try:
            gas = self.gateway.estimate_gas(sender, to, data)
        except CallReverted as exc:
            self.repository.set_failed(op_id, revert_problem(self.contracts, exc.data, exc.message, op_id))
            raise self._revert_error(op_id) from None
        fees = self.gateway.fees()
        if signing == CUSTODIAL:
            self._sign_and_send(op_id, sender, to, data, gas, fees)
        else:
            self.repository.update(
                op_id,
                gas=gas,
                max_fee_per_gas=str(fees.max_fee_per_gas),
                max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
            )
        return self.repository.get(op_id)

    def _sign_and_send(self, op_id: str, sender: str, to: str, data: bytes, gas: int, fees: Fees) -> None:
        account = self.signers.signer_for(sender)
        with self.nonces.lock(sender):
            nonce = self.nonces.allocate(sender)
            tx = self.gateway.unsigned(sender, to, data, gas, nonce, fees)
            del tx["from"]
            raw, tx_hash = self.gateway.sign(account, tx)
            # Persisted before broadcast: recovery resends these exact bytes.
            self.repository.update(
                op_id,
                nonce=nonce,
                gas=gas,
                max_fee_per_gas=str(fees.max_fee_per_gas),
                max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                raw_transaction=_hex(raw),
                tx_hash=tx_hash,
                tx_hashes=[tx_hash],
            )
            try:
                self.gateway.send_raw(raw)
            except BroadcastRefused as exc:
                self.nonces.release(sender, nonce)
                self._refused(op_id, exc)
        self.repository.mark_broadcast(op_id)

    def _refused(self, op_id: str, exc: BroadcastRefused) -> None:
        self.repository.set_failed(
            op_id, problem("/problems/broadcast-refused", 502, "The node refused the transaction", str(exc))
        )
        raise self._revert_error(op_id, f"the node refused the transaction: {exc}")

    def _revert_error(self, op_id: str, message: str | None = None) -> ChainRevertError:
        body = self.repository.get(op_id).error
        detail = message or (body["detail"] if body else "reverted")
        return ChainRevertError(detail, dict(body) if body else None)

    def relay_signed(self, op_id: str, member: str, raw_hex: str) -> Operation:
        """Check the wallet-signed transaction of operation ``op_id`` and broadcast it."""
        op = self.repository.get(op_id, member=member)
        if op.signing != WALLET or op.status != INITIALIZED or op.tx_hash:
            raise ConflictError(f"operation {op_id} does not wait for a signed transaction (it is {op.status})")
        try:
            raw = bytes.fromhex(raw_hex.removeprefix("0x"))
            if not raw or raw[0] != 2:
                raise ValueError("not an EIP-1559 (type 2) transaction")
            fields = rlp.decode(raw[1:])
            chain_id, nonce = int.from_bytes(fields[0], "big"), int.from_bytes(fields[1], "big")
            to, data = "0x" + bytes(fields[5]).hex(), bytes(fields[7])
            sender = Account.recover_transaction(raw)
        except Exception as exc:  # anything malformed is the caller's input
            raise InvalidInputError(
                f"signedTransaction is not a signed transaction: {exc}", "body.signedTransaction"
            ) from None
        mismatch = [
            what
            for what, ok in (
                ("chain id", chain_id == self.gateway.chain_id),
                ("sender", to_checksum_address(sender) == op.sender),
                ("target contract", to_checksum_address(to) == op.to),
                ("calldata", _hex(data) == op.calldata),
            )
            if not ok
        ]
        if mismatch:
            raise InvalidInputError(
                f"the signed transaction differs from the operation in {', '.join(mismatch)}", "body.signedTransaction"
            )
        tx_hash = _hex(keccak(raw))
        self.repository.update(op_id, nonce=nonce, raw_transaction=_hex(raw), tx_hash=tx_hash, tx_hashes=[tx_hash])
        try:
            self.gateway.send_raw(raw)
        except BroadcastRefused as exc:
            self._refused(op_id, exc)
        self.repository.mark_broadcast(op_id)
        return self.repository.get(op_id)

    # ------------------------------------------------------------------ reading

    def get(self, op_id: str, *, member: str | None = None) -> Operation:
        """The operation; :class:`NotFoundError` if it does not exist (or belongs to another member)."""
        return self.repository.get(op_id, member=member)

    def list(self, member: str, *, status: Status | None = None, limit: int = 100) -> list[Operation]:
        """The member's operations, newest first."""
        return self.repository.list(member, status=status, limit=limit)

    def wait(self, op_id: str, timeout: float) -> Operation:
        """The operation once it has succeeded or failed, or as it is after ``timeout`` seconds."""
        return self.repository.wait(op_id, timeout)

    def run(self) -> None:
        """Follow open operations until the tracker's ``stop_event`` is set."""
        self.tracker.run()
