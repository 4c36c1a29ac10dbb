"""The ``operations`` table: operations created, updated, read back as records, and waited for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, cast

from eth_utils.address import to_checksum_address
from sqlalchemy import Connection, Engine, insert, select, update

from portlink.chain.gateway import ChainGateway, Fees
from portlink.errors import NotFoundError
from portlink.services.operations.records import (
    DONE,
    FAILED,
    INITIALIZED,
    PENDING,
    WALLET,
    Operation,
    ProblemBody,
    Signing,
    Status,
    UnsignedTransaction,
)
from portlink.store.schema import idempotency_records, operations

Row = dict[str, Any]


def problem(type_: str, status: int, title: str, detail: str) -> ProblemBody:
    """A problem stored with a failed operation."""
    return {"type": type_, "status": status, "title": title, "detail": detail}


class OperationRepository:
    """Reads and writes operation rows; wakes whoever waits for an operation when one changes."""

    def __init__(self, engine: Engine, gateway: ChainGateway, *, poll_seconds: float = 0.2) -> None:
        self.engine, self.gateway, self.poll_seconds = engine, gateway, poll_seconds
        self._changed = threading.Condition()

    def insert(self, row: Row, claim: tuple[str, str] | None = None) -> None:
        """Record a new operation; with ``claim`` (member, ``Idempotency-Key``) link the request's record to it in
        the same transaction, so a retry that takes the request over finds the operation instead of writing
        again."""
        with self.engine.begin() as conn:
            conn.execute(insert(operations), row)
            if claim is not None:
                r = idempotency_records
                conn.execute(
                    update(r)
                    .where(r.c.member == claim[0], r.c.key == claim[1], r.c.status_code.is_(None))
                    .values(operation_id=row["id"])
                )

    def update(self, op_id: str, **values: Any) -> None:
        """Change columns of operation ``op_id`` (``updated_at`` set here)."""
        with self.engine.begin() as conn:
            conn.execute(update(operations).where(operations.c.id == op_id).values(updated_at=time.time(), **values))

    @staticmethod
    def update_if(conn: Connection, op_id: str, *where: Any, **values: Any) -> bool:
        """Change operation ``op_id`` in ``conn``'s transaction only if ``where`` holds; whether it did."""
        done = conn.execute(
            update(operations).where(operations.c.id == op_id, *where).values(updated_at=time.time(), **values)
        )
        return done.rowcount == 1

    def set_failed(self, op_id: str, body: ProblemBody, *where: Any, **values: Any) -> bool:
        """Fail open operation ``op_id`` with the problem ``body`` (if ``where`` holds too); whether it did."""
        with self.engine.begin() as conn:
            failed = self.update_if(
                conn,
                op_id,
                operations.c.status.in_((INITIALIZED, PENDING)),
                *where,
                status=FAILED,
                error=body,
                lease_owner=None,
                lease_until=None,
                **values,
            )
        self.notify()
        return failed

    def mark_broadcast(self, op_id: str, conn: Connection | None = None) -> None:
        """Operation ``op_id`` was (re)broadcast: it is ``Pending`` (unless it has finished meanwhile)."""
        now = time.time()
        query = (
            update(operations)
            .where(operations.c.id == op_id, operations.c.status.in_((INITIALIZED, PENDING)))
            .values(status=PENDING, broadcasts=operations.c.broadcasts + 1, broadcast_at=now, updated_at=now)
        )
        if conn is None:
            with self.engine.begin() as own:
                own.execute(query)
        else:
            with conn.begin():
                conn.execute(query)
        self.notify()

    def row(self, op_id: str) -> Row | None:
        """The stored row of ``op_id``."""
        with self.engine.connect() as conn:
            found = conn.execute(select(operations).where(operations.c.id == op_id)).mappings().first()
        return None if found is None else dict(found)

    def rows(self, *where: Any, order: Any = None) -> list[Row]:
        """Rows matching ``where``."""
        query = select(operations).where(*where)
        if order is not None:
            query = query.order_by(*order)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def get(self, op_id: str, *, member: str | None = None) -> Operation:
        """The operation; :class:`NotFoundError` if it does not exist (or belongs to another member)."""
        row = self.row(op_id)
        if row is None or (member is not None and row["member"] != to_checksum_address(member)):
            raise NotFoundError(f"no operation {op_id}")
        return self.record(row)

    def list(self, member: str, *, status: Status | None = None, limit: int = 100) -> list[Operation]:
        """The member's operations, newest first."""
        query = select(operations).where(operations.c.member == to_checksum_address(member))
        if status:
            query = query.where(operations.c.status == status)
        with self.engine.connect() as conn:
            found = conn.execute(query.order_by(operations.c.created_at.desc()).limit(limit)).mappings().all()
        return [self.record(dict(r)) for r in found]

    def record(self, row: Row) -> Operation:
        """The operation record of a stored row (a wallet operation waiting for its signature carries the
        transaction to sign, with the sender's next nonce)."""
        unsigned = None
        if row["signing"] == WALLET and row["status"] == INITIALIZED and row["gas"] is not None:
            tx = self.gateway.unsigned(
                row["sender"],
                row["to_address"],
                bytes.fromhex(row["calldata"][2:]),
                int(row["gas"]),
                self.gateway.pending_nonce(row["sender"]),
                Fees(int(row["max_fee_per_gas"]), int(row["max_priority_fee_per_gas"])),
            )
            unsigned = UnsignedTransaction(
                type=tx["type"],
                chain_id=tx["chainId"],
                from_=tx["from"],
                to=tx["to"],
                data=tx["data"],
                gas=tx["gas"],
                nonce=tx["nonce"],
                max_fee_per_gas=tx["maxFeePerGas"],
                max_priority_fee_per_gas=tx["maxPriorityFeePerGas"],
                value=tx["value"],
            )
        return Operation(
            id=row["id"],
            kind=row["kind"],
            status=Status(row["status"]),
            signing=Signing(row["signing"]),
            member=row["member"],
            sender=row["sender"],
            contract=row["contract"],
            function=row["function"],
            to=row["to_address"],
            calldata=row["calldata"],
            nonce=row["nonce"],
            gas=row["gas"],
            max_fee_per_gas=row["max_fee_per_gas"],
            max_priority_fee_per_gas=row["max_priority_fee_per_gas"],
            tx_hash=row["tx_hash"],
            tx_hashes=list(row["tx_hashes"] or []),
            broadcasts=row["broadcasts"],
            block_number=row["block_number"],
            block_hash=row["block_hash"],
            gas_used=row["gas_used"],
            result=row["result"],
            # A failure is a problem of the operation: that is its instance.
            error=self._error(row),
            unsigned_transaction=unsigned,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @staticmethod
    def _error(row: Row) -> ProblemBody | None:
        """The problem of a failed operation: its instance is the operation."""
        if not row["error"]:
            return None
        body = cast(ProblemBody, dict(row["error"]))
        body["instance"] = f"/v1/operations/{row['id']}"
        return body

    def wait(self, op_id: str, timeout: float, finish: Callable[[Row], bool] | None = None) -> Operation:
        """The operation once it has succeeded or failed, or as it is after ``timeout`` seconds. ``finish`` (the
        tracker's receipt check) is tried on a pending operation at once and twice within 30 ms, so a write waited
        for with ``?confirm=true`` on a chain that mines at once answers as soon as it is mined; after that the
        tracker's passes finish it (the waiter is woken by them in this process, or reads the row each poll)."""
        deadline = time.monotonic() + timeout
        pause = 0.01
        while True:
            row = self.row(op_id)
            if row is None:
                raise NotFoundError(f"no operation {op_id}")
            # Looked for by this request at once and twice more shortly after (a chain that mines at once), then
            # left to the tracker, whose one pass serves every waiting request (each re-reads its row only).
            if finish is not None and pause < 0.05 and row["status"] == PENDING and finish(row):
                row = self.row(op_id) or row
            op = self.record(row)
            remaining = deadline - time.monotonic()
            if op.status in DONE or remaining <= 0 or (op.status == INITIALIZED and op.tx_hash is None):
                return op
            with self._changed:
                self._changed.wait(min(remaining, pause))
            pause = min(pause * 2, self.poll_seconds)

    def notify(self) -> None:
        """Wake the waiters: an operation changed."""
        with self._changed:
            self._changed.notify_all()
