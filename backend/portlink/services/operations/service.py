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

import logging
import time
import uuid
from typing import NoReturn

import rlp  # type: ignore[import-untyped]
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import Connection, Engine, or_, select

from portlink.chain.gateway import BroadcastRefused, CallReverted, ChainGateway, Fees
from portlink.errors import ChainRevertError, ConflictError, InvalidInputError
from portlink.indexer.catalog import EventCatalog
from portlink.services.contracts import Contracts
from portlink.services.operations.idempotency import IdempotencyRecords
from portlink.services.operations.leases import Leases
from portlink.services.operations.records import (
    CUSTODIAL,
    FAILED,
    INITIALIZED,
    WALLET,
    Operation,
    ProblemBody,
    Signing,
    Status,
    Write,
)
from portlink.services.operations.repository import OperationRepository, problem
from portlink.services.operations.reverts import revert_problem
from portlink.services.operations.signing import NonceAllocator, Signers
from portlink.services.operations.tracker import Tracker
from portlink.store.schema import operations

log = logging.getLogger("portlink.operations")


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


INTERRUPTED = "/problems/interrupted"


class _TakenOver(Exception):  # noqa: N818
    """The operation stopped being this process's before it was signed."""


def interrupted(detail: str) -> ProblemBody:
    """The problem of an operation whose process stopped before it was signed (nothing was sent)."""
    return problem(INTERRUPTED, 503, "The service stopped before the transaction was signed", detail)


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
        lease_seconds: float = 10.0,
    ) -> None:
        self.engine, self.gateway, self.contracts, self.catalog = engine, gateway, contracts, catalog
        self.signers = signers if isinstance(signers, Signers) else Signers(signers)
        self.relayer = to_checksum_address(relayer) if relayer else None
        self.leases = Leases(engine, seconds=lease_seconds)
        self.repository = OperationRepository(engine, gateway, poll_seconds=poll_seconds)
        self.idempotency = IdempotencyRecords(engine, self.leases)
        self.nonces = NonceAllocator(engine, gateway)
        #: Operations a request of this process is working on (its tracker leaves them alone).
        self.in_flight: set[str] = set()
        self.tracker = Tracker(
            self,
            poll_seconds=poll_seconds,
            rebroadcast_seconds=rebroadcast_seconds,
            stuck_seconds=stuck_seconds,
            fee_bump_percent=fee_bump_percent,
        )

    # ------------------------------------------------------------------ creating

    def submit(self, member: str, write: Write, *, signing: Signing, claim: tuple[str, str] | None = None) -> Operation:
        """Create the operation ``write`` for ``member`` and, custodially, send it. The write's sender defaults to
        the member (a relayer sends EIP-712 decisions). ``claim``: the request's (member, ``Idempotency-Key``),
        linked to the operation as it is recorded."""
        sender = to_checksum_address(write.sender or member)
        if signing == CUSTODIAL:
            self.signers.signer_for(sender)
        call = write.call
        to = self.contracts.addresses[call.contract]
        data = self.contracts.calldata(call.contract, call.function, call.args)
        op_id = str(uuid.uuid4())
        now = time.time()
        self.in_flight.add(op_id)
        try:
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
                    "lease_owner": self.leases.owner,
                    "lease_until": self.leases.until(),
                },
                claim,
            )
            try:
                gas = self.gateway.estimate_gas(sender, to, data)
            except CallReverted as exc:
                self.repository.set_failed(op_id, revert_problem(self.contracts, exc.data, exc.message, op_id))
                raise self._revert_error(op_id) from None
            fees = self.gateway.fees()
            if signing == CUSTODIAL:
                self._sign_and_send(op_id, sender, to, data, gas, fees)
            else:  # waits for the wallet's signature: no process needs to hold it
                self.repository.update(
                    op_id,
                    gas=gas,
                    max_fee_per_gas=str(fees.max_fee_per_gas),
                    max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                    lease_owner=None,
                    lease_until=None,
                )
        finally:
            self.in_flight.discard(op_id)
        return self.repository.get(op_id)

    def _sign_and_send(self, op_id: str, sender: str, to: str, data: bytes, gas: int, fees: Fees) -> None:
        account = self.signers.signer_for(sender)
        with self.nonces.locked(sender) as conn:
            self.broadcast_orphans(conn, sender)
            refused: bytes | None = None
            while True:
                try:
                    raw, nonce = self._sign_and_store(conn, account, op_id, sender, to, data, gas, fees, refused)
                except _TakenOver:
                    log.warning("operation %s was failed as interrupted by another process before it was signed", op_id)
                    return
                try:
                    self.gateway.send_raw(raw)
                    break
                except BroadcastRefused as exc:
                    with conn.begin():
                        self.nonces.release(conn, sender, nonce)
                    if refused is None and "nonce too low" in str(exc).lower():
                        # Another tool used the key since this process last asked the chain: ask again and sign
                        # once more in place of the refused bytes (which can never be mined: their nonce is used).
                        self.nonces.resync(sender)
                        refused = raw
                        continue
                    if "nonce" in str(exc).lower():
                        self.nonces.resync(sender)
                    self._refused(op_id, exc)
            self.repository.mark_broadcast(op_id, conn)

    def _sign_and_store(
        self,
        conn: Connection,
        account: LocalAccount,
        op_id: str,
        sender: str,
        to: str,
        data: bytes,
        gas: int,
        fees: Fees,
        replacing: bytes | None = None,
    ) -> tuple[bytes, int]:
        """Allocate the nonce, sign, and store the signed transaction with it in one transaction of ``conn``
        (``replacing``: the stored bytes the node refused for a used nonce)."""
        o = operations.c
        with conn.begin():
            nonce = self.nonces.allocate(conn, sender)
            tx = self.gateway.unsigned(sender, to, data, gas, nonce, fees)
            del tx["from"]
            raw, tx_hash = self.gateway.sign(account, tx)
            # Persisted with the nonce, before broadcast: recovery resends these exact bytes. Only while the
            # operation is still this process's and unsigned: otherwise it was failed as interrupted, and the
            # nonce goes back with the rollback.
            stored = self.repository.update_if(
                conn,
                op_id,
                o.status == INITIALIZED,
                o.raw_transaction.is_(None) if replacing is None else o.raw_transaction == _hex(replacing),
                o.lease_owner == self.leases.owner,
                nonce=nonce,
                gas=gas,
                max_fee_per_gas=str(fees.max_fee_per_gas),
                max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                raw_transaction=_hex(raw),
                tx_hash=tx_hash,
                tx_hashes=[tx_hash],
            )
            if not stored:
                raise _TakenOver  # rolls the nonce back
        return raw, nonce

    def broadcast_orphans(self, conn: Connection, sender: str) -> None:
        """Under ``sender``'s lock: broadcast, in nonce order, its custodial transactions that were signed and
        stored but whose process stopped before broadcasting them (whoever holds the lock broadcasts before
        releasing it, so any such row now is an orphan), so that a later nonce never reaches the node first."""
        o = operations.c
        orphans = conn.execute(
            select(o.id, o.raw_transaction, o.tx_hashes, o.nonce, o.sender)
            .where(o.sender == sender, o.status == INITIALIZED, o.signing == CUSTODIAL, o.raw_transaction.is_not(None))
            .order_by(o.nonce)
        ).all()
        conn.commit()
        for orphan in orphans:
            if orphan.id in self.in_flight:
                continue
            log.info(
                "operation %s: broadcasting nonce %s of %s, stored by a stopped process",
                orphan.id,
                orphan.nonce,
                sender,
            )
            self.tracker.rebroadcast(dict(orphan._mapping), bytes.fromhex(orphan.raw_transaction[2:]))
            with conn.begin():
                self.repository.update_if(
                    conn,
                    orphan.id,
                    o.status == INITIALIZED,
                    lease_owner=self.leases.owner,
                    lease_until=self.leases.until(),
                )
            self.repository.mark_broadcast(orphan.id, conn)

    def _refused(self, op_id: str, exc: BroadcastRefused) -> NoReturn:
        self.repository.set_failed(
            op_id, problem("/problems/broadcast-refused", 502, "The node refused the transaction", str(exc))
        )
        raise self._revert_error(op_id, f"the node refused the transaction: {exc}")

    def _revert_error(self, op_id: str, message: str | None = None) -> ChainRevertError:
        body = self.repository.get(op_id).error
        detail = message or (body["detail"] if body else "reverted")
        return ChainRevertError(detail, dict(body) if body else None)

    def fail_unsigned(self, op_id: str, detail: str, *, expired_only: bool = True) -> bool:
        """Fail custodial operation ``op_id`` as interrupted if it was never signed (and, with ``expired_only``,
        its owner's lease ran out or it is this process's); whether it did. Nothing was sent for it."""
        o = operations.c
        where = [o.status == INITIALIZED, o.signing == CUSTODIAL, o.raw_transaction.is_(None)]
        if expired_only:
            where.append(or_(o.lease_owner == self.leases.owner, o.lease_until.is_(None), o.lease_until < time.time()))
        return self.repository.set_failed(op_id, interrupted(detail), *where)

    def resume_request(self, operation_id: str | None) -> Operation | None:
        """A retry took over a request whose process died unanswered: the operation to answer it with, or ``None``
        to run the write afresh (the dead request recorded no operation, or recorded one that was never signed, now
        failed as interrupted, so nothing of it reached the chain)."""
        if operation_id is None:
            return None
        self.fail_unsigned(operation_id, "the request's process stopped before the transaction was signed")
        op = self.repository.get(operation_id)
        if op.status == FAILED and op.error and op.error.get("type") == INTERRUPTED:
            return None
        if op.status == INITIALIZED and op.signing == CUSTODIAL and op.tx_hash is None:
            raise ConflictError(f"operation {operation_id} is still being signed; retry later")
        return op

    @staticmethod
    def _awaiting_signature(op: Operation) -> None:
        if op.signing != WALLET or op.status != INITIALIZED or op.tx_hash:
            raise ConflictError(f"operation {op.id} does not wait for a signed transaction (it is {op.status})")

    def _check_signed(self, op: Operation, raw: bytes, field: str) -> int:
        """The nonce of the signed transaction ``raw`` once it is checked against ``op``: an EIP-1559 transaction
        for this chain, from the operation's sender, to its target, with exactly its calldata."""
        try:
            if not raw or raw[0] != 2:
                raise ValueError("not an EIP-1559 (type 2) transaction")
            fields = rlp.decode(raw[1:])
            chain_id, nonce = int.from_bytes(fields[0], "big"), int.from_bytes(fields[1], "big")
            to, data = "0x" + bytes(fields[5]).hex(), bytes(fields[7])
            sender = Account.recover_transaction(raw)
        except Exception as exc:  # anything malformed is the caller's input
            raise InvalidInputError(f"not a signed transaction: {exc}", field) from None
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
                f"the signed transaction differs from the operation in {', '.join(mismatch)}", field
            )
        return nonce

    def _store_signed(self, op_id: str, nonce: int, raw: bytes, *, broadcast: bool) -> Operation:
        """Store the checked signed transaction of ``op_id`` (once: a second relay of it changes nothing) and, with
        ``broadcast``, send it; the tracker follows it from there."""
        tx_hash = _hex(keccak(raw))
        o = operations.c
        self.in_flight.add(op_id)
        try:
            with self.engine.begin() as conn:
                stored = self.repository.update_if(
                    conn,
                    op_id,
                    o.status == INITIALIZED,
                    o.raw_transaction.is_(None),
                    nonce=nonce,
                    raw_transaction=_hex(raw),
                    tx_hash=tx_hash,
                    tx_hashes=[tx_hash],
                    lease_owner=self.leases.owner,
                    lease_until=self.leases.until(),
                )
            if not stored:  # relayed meanwhile, through this process or another
                return self.repository.get(op_id)
            if broadcast:
                try:
                    self.gateway.send_raw(raw)
                except BroadcastRefused as exc:
                    self._refused(op_id, exc)
            self.repository.mark_broadcast(op_id)
        finally:
            self.in_flight.discard(op_id)
        return self.repository.get(op_id)

    def relay_signed(self, op_id: str, member: str, raw_hex: str) -> Operation:
        """Check the wallet-signed transaction of operation ``op_id`` and broadcast it."""
        op = self.repository.get(op_id, member=member)
        self._awaiting_signature(op)
        try:
            raw = bytes.fromhex(raw_hex.removeprefix("0x"))
        except ValueError:
            raise InvalidInputError("signedTransaction is not hex", "body.signedTransaction") from None
        nonce = self._check_signed(op, raw, "body.signedTransaction")
        return self._store_signed(op_id, nonce, raw, broadcast=True)

    def follow_sent(self, op_id: str, member: str, tx_hash: str) -> Operation:
        """Follow the transaction a wallet sent itself for wallet operation ``op_id`` (wallets such as MetaMask
        sign only by sending, ``eth_sendTransaction``). Its signed bytes are read back from the node and checked
        like a relayed one (chain id, sender, target, calldata; the nonce is the one it carries); it must belong
        to no other operation and must not have been mined before the operation existed. Then the tracker
        follows it to its receipt, and can broadcast it again if the node forgets it."""
        op = self.repository.get(op_id, member=member)
        tx_hash = tx_hash.lower()
        if op.tx_hash == tx_hash:
            return op
        self._awaiting_signature(op)
        raw = self.gateway.raw_transaction(tx_hash)
        if raw is None or _hex(keccak(raw)) != tx_hash:
            raise InvalidInputError(
                f"the node does not know transaction {tx_hash}: did the wallet send it to another chain?",
                "body.transactionHash",
            )
        nonce = self._check_signed(op, raw, "body.transactionHash")
        other = self.repository.rows(operations.c.tx_hash == tx_hash, operations.c.id != op_id)
        if other:
            raise ConflictError(f"transaction {tx_hash} already belongs to operation {other[0]['id']}")
        receipt = self.gateway.receipt(tx_hash)
        if receipt is not None and self.gateway.block_timestamp(receipt.block_number) < op.created_at - 60:
            raise InvalidInputError(
                f"transaction {tx_hash} was mined before operation {op_id} was created: it is not its transaction",
                "body.transactionHash",
            )
        return self._store_signed(op_id, nonce, raw, broadcast=False)

    # ------------------------------------------------------------------ reading

    def get(self, op_id: str, *, member: str | None = None) -> Operation:
        """The operation; :class:`NotFoundError` if it does not exist (or belongs to another member)."""
        return self.repository.get(op_id, member=member)

    def list(self, member: str, *, status: Status | None = None, limit: int = 100) -> list[Operation]:
        """The member's operations, newest first."""
        return self.repository.list(member, status=status, limit=limit)

    def wait(self, op_id: str, timeout: float) -> Operation:
        """The operation once it has succeeded or failed, or as it is after ``timeout`` seconds (its receipt looked
        for by the waiting request itself, not only by the tracker's next pass)."""
        return self.repository.wait(op_id, timeout, self.tracker.try_finish)

    def run(self) -> None:
        """Follow open operations until the tracker's ``stop_event`` is set."""
        self.tracker.run()
