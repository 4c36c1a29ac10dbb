"""Writes that reach the chain, as operations (the Hyperledger FireFly model).

An operation is recorded (``Initialized``) before anything is sent, simulated against the pending state (a revert
there fails it at once with the decoded custom error, spending no nonce), then:

- custodial: under the signing account's lock, the next nonce is taken from ``signing_accounts`` and the signed
  transaction stored in the same database transaction, and only then broadcast (``Pending``). A crash after
  the commit leaves the exact signed bytes in the database: recovery broadcasts them again, which the node either
  takes or already knows, so nothing is ever sent twice with two nonces;
- self-custody (wallet): the operation carries the unsigned transaction; the signed one comes back through
  :meth:`OperationService.relay_signed`, is checked (sender, target, calldata, chain) and broadcast.

A tracker thread follows every ``Pending`` operation to its receipt (``Succeeded`` with block, gas and decoded
events, or ``Failed`` with the decoded revert), broadcasts again what the node forgot, and replaces a custodial
transaction stuck in the pool with the same nonce and higher fees.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from sqlalchemy import Engine, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portlink.chain.gateway import BroadcastRefused, CallReverted, ChainGateway, Fees
from portlink.errors import (
    ChainRevertError,
    ConflictError,
    IdempotencyMismatchError,
    InvalidInputError,
    NotFoundError,
    SigningUnavailableError,
)
from portlink.indexer.catalog import EventCatalog
from portlink.services.contracts import Contracts
from portlink.services.schema import idempotency_records, operations, signing_accounts

log = logging.getLogger("portlink.operations")

INITIALIZED, PENDING, SUCCEEDED, FAILED = "Initialized", "Pending", "Succeeded", "Failed"
DONE = frozenset({SUCCEEDED, FAILED})
CUSTODIAL, WALLET = "custodial", "wallet"


@dataclass(frozen=True)
class Call:
    """A contract function call an operation makes."""

    contract: str
    function: str
    args: list[Any]


@dataclass(frozen=True)
class StoredResponse:
    """What an earlier request with the same ``Idempotency-Key`` answered."""

    status_code: int
    body: dict[str, Any]


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, path (with query) and the body as parsed JSON (key order and spacing ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class OperationService:
    """Creates, signs, sends and follows operations."""

    def __init__(
        self,
        engine: Engine,
        gateway: ChainGateway,
        contracts: Contracts,
        catalog: EventCatalog,
        signers: dict[str, LocalAccount],
        *,
        relayer: str | None = None,
        poll_seconds: float = 0.2,
        rebroadcast_seconds: float = 15.0,
        stuck_seconds: float = 60.0,
        fee_bump_percent: int = 25,
    ) -> None:
        self.engine, self.gateway, self.contracts, self.catalog = engine, gateway, contracts, catalog
        self.signers = {to_checksum_address(a): s for a, s in signers.items()}
        self.relayer = to_checksum_address(relayer) if relayer else None
        self.poll_seconds = poll_seconds
        self.rebroadcast_seconds = rebroadcast_seconds
        self.stuck_seconds = stuck_seconds
        self.fee_bump_percent = fee_bump_percent
        self._locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._locks_guard = threading.Lock()
        self._changed = threading.Condition()
        self.stop_event = threading.Event()

    # ------------------------------------------------------------------ idempotency

    def begin_request(self, member: str, key: str, fingerprint: str) -> StoredResponse | None:
        """Claim ``key`` for this request; the stored response of an earlier identical request, if there is one.

        :class:`IdempotencyMismatchError` if the key was used with another request, :class:`ConflictError` if the
        first request with it is still running."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(idempotency_records),
                    {"member": member, "key": key, "request_sha256": fingerprint, "created_at": time.time()},
                )
            return None
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    select(idempotency_records).where(
                        idempotency_records.c.member == member, idempotency_records.c.key == key
                    )
                )
                .mappings()
                .one()
            )
        if row["request_sha256"] != fingerprint:
            raise IdempotencyMismatchError(
                f"Idempotency-Key {key!r} was used for a different request; use a new key for a new request"
            )
        if row["status_code"] is None:
            raise ConflictError(f"a request with Idempotency-Key {key!r} is still being processed; retry later")
        return StoredResponse(int(row["status_code"]), dict(row["body"] or {}))

    def finish_request(self, member: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Store the response of the request that claimed ``key`` (replayed to identical retries)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_records)
                .where(idempotency_records.c.member == member, idempotency_records.c.key == key)
                .values(status_code=status_code, body=body, operation_id=body.get("id"))
            )

    def abandon_request(self, member: str, key: str) -> None:
        """Release ``key`` after an unexpected failure, so that a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_records).where(
                    idempotency_records.c.member == member, idempotency_records.c.key == key
                )
            )

    # ------------------------------------------------------------------ creating

    def _lock(self, sender: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks[sender]

    def signer_for(self, member: str) -> LocalAccount:
        """The custodial key of ``member``; :class:`SigningUnavailableError` if the keystore has none."""
        signer = self.signers.get(to_checksum_address(member))
        if signer is None:
            raise SigningUnavailableError(
                f"the keystore holds no key of {member}: sign in your wallet (?signing=wallet) instead"
            )
        return signer

    def submit(self, member: str, kind: str, call: Call, *, signing: str, sender: str | None = None) -> dict[str, Any]:
        """Create the operation ``call`` for ``member`` and, custodially, send it. ``sender`` defaults to the
        member (a relayer sends EIP-712 decisions). Returns the operation resource."""
        sender = to_checksum_address(sender or member)
        if signing == CUSTODIAL:
            self.signer_for(sender)
        to = self.contracts.addresses[call.contract]
        data = self.contracts.calldata(call.contract, call.function, call.args)
        op_id = str(uuid.uuid4())
        now = time.time()
        row = {
            "id": op_id,
            "member": to_checksum_address(member),
            "kind": kind,
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
        with self.engine.begin() as conn:
            conn.execute(insert(operations), row)
        try:
            gas = self.gateway.estimate_gas(sender, to, data)
        except CallReverted as exc:
            self._fail(op_id, exc.data, exc.message)
            raise self._revert_error(op_id) from None
        fees = self.gateway.fees()
        if signing == CUSTODIAL:
            self._sign_and_send(op_id, sender, to, data, gas, fees)
        else:
            with self.engine.begin() as conn:
                conn.execute(
                    update(operations)
                    .where(operations.c.id == op_id)
                    .values(
                        gas=gas,
                        max_fee_per_gas=str(fees.max_fee_per_gas),
                        max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                        updated_at=time.time(),
                    )
                )
        return self.get(op_id)

    def _allocate(self, sender: str) -> int:
        """The next nonce of ``sender``, persisted (called under the sender's lock). One atomic ``UPDATE …
        RETURNING``, so two API processes on one database never hand out the same nonce either."""
        mined = self.gateway.mined_nonce(sender)
        sa = signing_accounts
        with self.engine.begin() as conn:
            if conn.execute(select(sa.c.next_nonce).where(sa.c.address == sender)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(sa), {"address": sender, "next_nonce": self.gateway.pending_nonce(sender)})
                except IntegrityError:
                    pass  # another process created it first
            # Another tool may have used the key: never hand out a nonce the chain has already mined.
            start = case((sa.c.next_nonce > mined, sa.c.next_nonce), else_=mined)
            allocated = conn.execute(
                update(sa).where(sa.c.address == sender).values(next_nonce=start + 1).returning(sa.c.next_nonce)
            ).scalar_one()
            return int(allocated) - 1

    def _release(self, sender: str, nonce: int) -> None:
        """Give back ``nonce`` when its transaction was refused (call under the lock, before any later nonce)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(signing_accounts)
                .where(signing_accounts.c.address == sender, signing_accounts.c.next_nonce == nonce + 1)
                .values(next_nonce=nonce)
            )

    def _sign_and_send(self, op_id: str, sender: str, to: str, data: bytes, gas: int, fees: Fees) -> None:
        account = self.signer_for(sender)
        with self._lock(sender):
            nonce = self._allocate(sender)
            tx = self.gateway.unsigned(sender, to, data, gas, nonce, fees)
            del tx["from"]
            raw, tx_hash = self.gateway.sign(account, tx)
            with self.engine.begin() as conn:  # persisted before broadcast: recovery resends these exact bytes
                conn.execute(
                    update(operations)
                    .where(operations.c.id == op_id)
                    .values(
                        nonce=nonce,
                        gas=gas,
                        max_fee_per_gas=str(fees.max_fee_per_gas),
                        max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                        raw_transaction=_hex(raw),
                        tx_hash=tx_hash,
                        tx_hashes=[tx_hash],
                        updated_at=time.time(),
                    )
                )
            try:
                self.gateway.send_raw(raw)
            except BroadcastRefused as exc:
                self._release(sender, nonce)
                self._set_failed(
                    op_id, self._problem("/problems/broadcast-refused", 502, "Broadcast refused", str(exc))
                )
                raise ChainRevertError(f"the node refused the transaction: {exc}", self.get(op_id)["error"]) from None
        self._mark_broadcast(op_id)

    def _mark_broadcast(self, op_id: str) -> None:
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(
                update(operations)
                .where(operations.c.id == op_id)
                .values(
                    status=PENDING,
                    broadcasts=operations.c.broadcasts + 1,
                    broadcast_at=now,
                    updated_at=now,
                )
            )
        self._notify()

    @staticmethod
    def _awaiting_signature(op: dict[str, Any]) -> None:
        if op["signing"] != WALLET or op["status"] != INITIALIZED or op["txHash"]:
            raise ConflictError(f"operation {op['id']} does not wait for a signed transaction (it is {op['status']})")

    def _check_signed(self, op: dict[str, Any], raw: bytes, field: str) -> int:
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
                ("sender", to_checksum_address(sender) == op["sender"]),
                ("target contract", to_checksum_address(to) == op["to"]),
                ("calldata", _hex(data) == op["calldata"]),
            )
            if not ok
        ]
        if mismatch:
            raise InvalidInputError(
                f"the signed transaction differs from the operation in {', '.join(mismatch)}", field
            )
        return nonce

    def _store_signed(self, op_id: str, nonce: int, raw: bytes) -> str:
        tx_hash = _hex(keccak(raw))
        with self.engine.begin() as conn:
            conn.execute(
                update(operations)
                .where(operations.c.id == op_id)
                .values(
                    nonce=nonce, raw_transaction=_hex(raw), tx_hash=tx_hash, tx_hashes=[tx_hash], updated_at=time.time()
                )
            )
        return tx_hash

    def relay_signed(self, op_id: str, member: str, raw_hex: str) -> dict[str, Any]:
        """Check the wallet-signed transaction of operation ``op_id`` and broadcast it."""
        op = self.get(op_id, member=member)
        self._awaiting_signature(op)
        try:
            raw = bytes.fromhex(raw_hex.removeprefix("0x"))
        except ValueError:
            raise InvalidInputError("signedTransaction is not hex", "body.signedTransaction") from None
        self._store_signed(op_id, self._check_signed(op, raw, "body.signedTransaction"), raw)
        try:
            self.gateway.send_raw(raw)
        except BroadcastRefused as exc:
            self._set_failed(op_id, self._problem("/problems/broadcast-refused", 502, "Broadcast refused", str(exc)))
            raise ChainRevertError(f"the node refused the transaction: {exc}", self.get(op_id)["error"]) from None
        self._mark_broadcast(op_id)
        return self.get(op_id)

    def follow_sent(self, op_id: str, member: str, tx_hash: str) -> dict[str, Any]:
        """Follow the transaction a wallet sent itself for wallet operation ``op_id`` (wallets such as MetaMask
        sign only by sending, ``eth_sendTransaction``). Its signed bytes are read back from the node and checked
        like a relayed one (chain id, sender, target, calldata; the nonce is the one it carries); it must belong
        to no other operation and must not have been mined before the operation existed. Then the tracker
        follows it to its receipt, and can broadcast it again if the node forgets it."""
        op = self.get(op_id, member=member)
        tx_hash = tx_hash.lower()
        if op["txHash"] == tx_hash:
            return op
        self._awaiting_signature(op)
        raw = self.gateway.raw_transaction(tx_hash)
        if raw is None or _hex(keccak(raw)) != tx_hash:
            raise InvalidInputError(
                f"the node does not know transaction {tx_hash}: did the wallet send it to another chain?",
                "body.transactionHash",
            )
        nonce = self._check_signed(op, raw, "body.transactionHash")
        with self.engine.connect() as conn:
            other = conn.execute(
                select(operations.c.id).where(operations.c.tx_hash == tx_hash, operations.c.id != op_id)
            ).first()
        if other is not None:
            raise ConflictError(f"transaction {tx_hash} already belongs to operation {other.id}")
        receipt = self.gateway.receipt(tx_hash)
        if receipt is not None and self.gateway.block_timestamp(receipt.block_number) < op["createdAt"] - 60:
            raise InvalidInputError(
                f"transaction {tx_hash} was mined before operation {op_id} was created: it is not its transaction",
                "body.transactionHash",
            )
        self._store_signed(op_id, nonce, raw)
        self._mark_broadcast(op_id)
        return self.get(op_id)

    # ------------------------------------------------------------------ failing

    @staticmethod
    def _problem(type_: str, status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
        return {"type": type_, "status": status, "title": title, "detail": detail, **extra}

    def _fail(self, op_id: str, revert_data: bytes, fallback: str) -> None:
        decoded = self.contracts.decode_error(revert_data, fallback)
        detail = f"{decoded.contract + '.' if decoded.contract else ''}{decoded.name}" + (
            f"({', '.join(f'{k}={v}' for k, v in decoded.args.items())})" if decoded.args else ""
        )
        problem = self._problem(
            decoded.problem_type,
            decoded.status,
            decoded.name,
            f"the chain refused the transaction: {detail}",
            error={"name": decoded.name, "contract": decoded.contract, "args": decoded.args},
            operation=op_id,
        )
        self._set_failed(op_id, problem)

    def _set_failed(self, op_id: str, problem: dict[str, Any], **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(operations)
                .where(operations.c.id == op_id)
                .values(status=FAILED, error=problem, updated_at=time.time(), **values)
            )
        self._notify()

    def _revert_error(self, op_id: str) -> ChainRevertError:
        problem = self.get(op_id)["error"] or {}
        return ChainRevertError(str(problem.get("detail", "reverted")), problem)

    # ------------------------------------------------------------------ reading

    def get(self, op_id: str, *, member: str | None = None) -> dict[str, Any]:
        """The operation resource; :class:`NotFoundError` if it does not exist (or belongs to another member)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(operations).where(operations.c.id == op_id)).mappings().first()
        if row is None or (member is not None and row["member"] != to_checksum_address(member)):
            raise NotFoundError(f"no operation {op_id}")
        return self._public(dict(row))

    def list(self, member: str, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The member's operations, newest first."""
        query = select(operations).where(operations.c.member == to_checksum_address(member))
        if status:
            query = query.where(operations.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(operations.c.created_at.desc()).limit(limit)).mappings().all()
        return [self._public(dict(r)) for r in rows]

    def _public(self, row: dict[str, Any]) -> dict[str, Any]:
        unsigned = None
        if row["signing"] == WALLET and row["status"] == INITIALIZED and row["gas"] is not None:
            unsigned = self.gateway.unsigned(
                row["sender"],
                row["to_address"],
                bytes.fromhex(row["calldata"][2:]),
                int(row["gas"]),
                self.gateway.pending_nonce(row["sender"]),
                Fees(int(row["max_fee_per_gas"]), int(row["max_priority_fee_per_gas"])),
            )
        return {
            "id": row["id"],
            "kind": row["kind"],
            "status": row["status"],
            "signing": row["signing"],
            "member": row["member"],
            "sender": row["sender"],
            "contract": row["contract"],
            "function": row["function"],
            "to": row["to_address"],
            "calldata": row["calldata"],
            "nonce": row["nonce"],
            "gas": row["gas"],
            "maxFeePerGas": row["max_fee_per_gas"],
            "maxPriorityFeePerGas": row["max_priority_fee_per_gas"],
            "txHash": row["tx_hash"],
            "txHashes": list(row["tx_hashes"] or []),
            "broadcasts": row["broadcasts"],
            "blockNumber": row["block_number"],
            "blockHash": row["block_hash"],
            "gasUsed": row["gas_used"],
            "result": row["result"],
            "error": row["error"],
            "unsignedTransaction": unsigned,
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
        }

    def wait(self, op_id: str, timeout: float) -> dict[str, Any]:
        """The operation once it has succeeded or failed, or as it is after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            op = self.get(op_id)
            remaining = deadline - time.monotonic()
            if op["status"] in DONE or remaining <= 0 or (op["status"] == INITIALIZED and op["txHash"] is None):
                return op
            with self._changed:
                self._changed.wait(min(remaining, self.poll_seconds))

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ tracking

    def recover(self) -> None:
        """After a restart: requests that died unanswered are released (or answered with their operation, if it
        has a signed transaction), and operations that never got one are failed. Nothing is signed again."""
        with self.engine.begin() as conn:
            open_requests = conn.execute(
                select(idempotency_records).where(idempotency_records.c.status_code.is_(None))
            ).mappings()
            for record in list(open_requests):
                conn.execute(
                    delete(idempotency_records).where(
                        idempotency_records.c.member == record["member"], idempotency_records.c.key == record["key"]
                    )
                )
            conn.execute(
                update(operations)
                .where(
                    operations.c.status == INITIALIZED,
                    operations.c.signing == CUSTODIAL,
                    operations.c.raw_transaction.is_(None),
                )
                .values(
                    status=FAILED,
                    updated_at=time.time(),
                    error=self._problem(
                        "/problems/interrupted",
                        503,
                        "Interrupted",
                        "the service stopped before the transaction was signed",
                    ),
                )
            )

    def track_once(self) -> int:
        """One pass over the open operations; returns how many are still open."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(operations)
                    .where(operations.c.status == PENDING)
                    .order_by(operations.c.sender, operations.c.nonce)
                )
                .mappings()
                .all()
            )
        still_open = 0
        for row in rows:
            try:
                if not self._track(dict(row)):
                    still_open += 1
            except Exception:  # the node may be briefly away: try again on the next pass
                log.exception("tracking operation %s", row["id"])
                still_open += 1
        return still_open

    def _track(self, row: dict[str, Any]) -> bool:
        for tx_hash in reversed(list(row["tx_hashes"] or [])):
            receipt = self.gateway.receipt(tx_hash)
            if receipt is not None:
                self._finish(row, tx_hash, receipt)
                return True
        now = time.time()
        raw = bytes.fromhex(row["raw_transaction"][2:])
        if row["status"] == INITIALIZED:  # signed and stored, the process stopped before broadcasting
            self._rebroadcast(row, raw)
            self._mark_broadcast(row["id"])
            return False
        age = now - float(row["broadcast_at"] or row["updated_at"])
        if not self.gateway.known(row["tx_hash"]):
            if age >= self.rebroadcast_seconds:
                log.info("operation %s: node lost %s, broadcasting it again", row["id"], row["tx_hash"])
                self._rebroadcast(row, raw)
                self._mark_broadcast(row["id"])
        elif age >= self.stuck_seconds and row["signing"] == CUSTODIAL:
            self._replace(row)
        return False

    def _rebroadcast(self, row: dict[str, Any], raw: bytes) -> None:
        try:
            self.gateway.send_raw(raw)
        except BroadcastRefused as exc:
            # "nonce too low": mined meanwhile (then the next pass finds the receipt), or, with no receipt for
            # any of our hashes, the nonce went to another transaction.
            mined = any(self.gateway.receipt(h) is not None for h in row["tx_hashes"] or [])
            if (
                not mined
                and "nonce" in str(exc).lower()
                and self.gateway.mined_nonce(row["sender"]) > int(row["nonce"])
            ):
                self._set_failed(
                    row["id"],
                    self._problem(
                        "/problems/nonce-used",
                        409,
                        "Nonce used",
                        f"nonce {row['nonce']} was used by another transaction",
                    ),
                )
            else:
                log.warning("operation %s: broadcast refused: %s", row["id"], exc)

    def _replace(self, row: dict[str, Any]) -> None:
        """Send the same call with the same nonce and higher fees (a stuck transaction's replacement)."""
        account = self.signer_for(row["sender"])
        bump = 100 + self.fee_bump_percent
        current = self.gateway.fees()
        fees = Fees(
            max(int(row["max_fee_per_gas"]) * bump // 100 + 1, current.max_fee_per_gas),
            max(int(row["max_priority_fee_per_gas"]) * bump // 100 + 1, current.max_priority_fee_per_gas),
        )
        data = bytes.fromhex(row["calldata"][2:])
        tx = self.gateway.unsigned(row["sender"], row["to_address"], data, int(row["gas"]), int(row["nonce"]), fees)
        del tx["from"]
        raw, tx_hash = self.gateway.sign(account, tx)
        with self.engine.begin() as conn:
            conn.execute(
                update(operations)
                .where(operations.c.id == row["id"])
                .values(
                    raw_transaction=_hex(raw),
                    tx_hash=tx_hash,
                    tx_hashes=[*(row["tx_hashes"] or []), tx_hash],
                    max_fee_per_gas=str(fees.max_fee_per_gas),
                    max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
                    updated_at=time.time(),
                )
            )
        log.info(
            "operation %s: replacing stuck %s with %s (fees +%d%%)", row["id"], row["tx_hash"], tx_hash, bump - 100
        )
        self._rebroadcast(row, raw)
        self._mark_broadcast(row["id"])

    def _finish(self, row: dict[str, Any], tx_hash: str, receipt: Any) -> None:
        values = {
            "tx_hash": tx_hash,
            "block_number": receipt.block_number,
            "block_hash": receipt.block_hash,
            "gas_used": receipt.gas_used,
        }
        if receipt.status == 1:
            events = []
            for entry in receipt.logs:
                event_type = self.catalog.event(entry["address"], entry["topics"][0] if entry["topics"] else None)
                if event_type is not None:
                    args = event_type.decode(entry["topics"], entry["data"])
                    events.append({"contract": event_type.contract, "event": event_type.name, "args": args})
            with self.engine.begin() as conn:
                conn.execute(
                    update(operations)
                    .where(operations.c.id == row["id"])
                    .values(status=SUCCEEDED, result={"events": events}, updated_at=time.time(), **values)
                )
            self._notify()
            return
        data = self.gateway.replay_revert(
            tx_hash, row["sender"], row["to_address"], bytes.fromhex(row["calldata"][2:]), receipt.block_number
        )
        with self.engine.begin() as conn:
            conn.execute(update(operations).where(operations.c.id == row["id"]).values(**values))
        self._fail(row["id"], data, "reverted on chain")

    def resume(self) -> None:
        """After a restart: operations whose signed transaction was stored but perhaps never broadcast are
        finished from their receipt or broadcast now, with the stored bytes (never signed again)."""
        with self.engine.connect() as conn:
            rows = (
                conn.execute(
                    select(operations).where(
                        operations.c.status == INITIALIZED, operations.c.raw_transaction.is_not(None)
                    )
                )
                .mappings()
                .all()
            )
        for row in rows:
            self._track(dict(row))

    def run(self) -> None:
        """Follow open operations until :attr:`stop_event` is set."""
        self.recover()
        self.resume()
        while not self.stop_event.is_set():
            try:
                self.track_once()
            except Exception:
                log.exception("operation tracker pass failed")
            self.stop_event.wait(self.poll_seconds)
