"""Leases: which API process works on an open operation or an unanswered request, and until when.

Any number of API processes (replicas) share one database. Each has an owner id (host, pid, a random part). A
request claims its ``Idempotency-Key`` record and creates its operation under this process's lease; the
operation tracker renews every lease of its process while the process lives. When a process dies (SIGKILL, a lost
machine) its leases run out after ``lease_seconds``, and the tracker of any other process takes its open
operations over (:meth:`Leases.take_over`); a client retrying one of its unanswered requests takes the request
over (:class:`~.idempotency.IdempotencyRecords`). Every change that must happen once (signing, failing an
unsigned operation, replacing a stuck transaction, finishing) is a conditional update on the row, so two
processes that both believe they own it cannot both make it.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

from sqlalchemy import Engine, and_, or_, update

from portlink.services.operations.records import INITIALIZED, PENDING, WALLET
from portlink.store.schema import idempotency_records, operations

#: Open operations: what a lease is about.
OPEN = (INITIALIZED, PENDING)


class Leases:
    """This process's leases on operations and idempotency records."""

    def __init__(self, engine: Engine, *, seconds: float = 10.0) -> None:
        self.engine, self.seconds = engine, seconds
        #: Who this process is, in ``lease_owner`` columns.
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._renewed = 0.0

    def until(self) -> float:
        """When a lease taken now runs out."""
        return time.time() + self.seconds

    def renew(self, *, force: bool = False) -> None:
        """Extend every lease this process holds (at most every quarter lease, unless ``force``)."""
        now = time.monotonic()
        if not force and now - self._renewed < self.seconds / 4:
            return
        until = self.until()
        with self.engine.begin() as conn:
            conn.execute(
                update(operations)
                .where(operations.c.lease_owner == self.owner, operations.c.status.in_(OPEN))
                .values(lease_until=until)
            )
            conn.execute(
                update(idempotency_records)
                .where(idempotency_records.c.lease_owner == self.owner, idempotency_records.c.status_code.is_(None))
                .values(lease_until=until)
            )
        self._renewed = now

    def take_over(self) -> int:
        """Make this process the owner of every open operation whose owner's lease ran out (a process that died);
        returns how many. Two trackers racing for one row: the second's condition no longer holds."""
        now = time.time()
        o = operations.c
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(operations)
                .where(
                    o.status.in_(OPEN),
                    o.lease_owner.is_not(None),
                    o.lease_owner != self.owner,
                    or_(o.lease_until.is_(None), o.lease_until < now),
                    # A wallet operation waiting for its signature needs nobody.
                    ~and_(o.signing == WALLET, o.raw_transaction.is_(None)),
                )
                .values(lease_owner=self.owner, lease_until=now + self.seconds)
            )
        return int(taken.rowcount or 0)
