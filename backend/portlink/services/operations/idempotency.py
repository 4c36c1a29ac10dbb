"""Idempotency records: one row per (member, ``Idempotency-Key``), claimed before a write runs and answered after,
so that a retry with the same key and request replays the first answer instead of writing twice."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portlink.errors import ConflictError, IdempotencyMismatchError
from portlink.services.operations.leases import Leases
from portlink.services.operations.records import StoredResponse
from portlink.store.schema import idempotency_records


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, path (with query) and the body as parsed JSON (key order and spacing ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


@dataclass(frozen=True)
class Claim:
    """A request's hold on its ``Idempotency-Key``: new (nothing stored), the answer of an earlier identical request
    to replay, or taken over from a request that died unanswered (``operation_id``: what it had created, if
    anything)."""

    stored: StoredResponse | None = None
    taken_over: bool = False
    operation_id: str | None = None


class IdempotencyRecords:
    """Claims, answers and releases ``Idempotency-Key`` records, under this process's leases."""

    def __init__(self, engine: Engine, leases: Leases) -> None:
        self.engine, self.leases = engine, leases

    def begin(self, member: str, key: str, fingerprint: str) -> Claim:
        """Claim ``key`` for this request.

        :class:`IdempotencyMismatchError` if the key was used with another request, :class:`ConflictError` if the
        first request with it is still running (its process's lease holds). A first request that died unanswered
        (its lease ran out) is taken over: the claim names the operation it had created, if any."""
        r = idempotency_records
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(r),
                    {
                        "member": member,
                        "key": key,
                        "request_sha256": fingerprint,
                        "created_at": time.time(),
                        "lease_owner": self.leases.owner,
                        "lease_until": self.leases.until(),
                    },
                )
            return Claim()
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(select(r).where(r.c.member == member, r.c.key == key)).mappings().one()
        if row["request_sha256"] != fingerprint:
            raise IdempotencyMismatchError(
                f"Idempotency-Key {key!r} was used for a different request; use a new key for a new request"
            )
        if row["status_code"] is not None:
            return Claim(stored=StoredResponse(int(row["status_code"]), dict(row["body"] or {})))
        lease = row["lease_until"]
        if lease is not None and lease >= time.time():
            raise ConflictError(f"a request with Idempotency-Key {key!r} is still being processed; retry later")
        # Its process died (or gave up) before answering: this request takes it over, if no other retry did first.
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(r)
                .where(
                    r.c.member == member,
                    r.c.key == key,
                    r.c.status_code.is_(None),
                    r.c.lease_until.is_(None) if lease is None else r.c.lease_until == lease,
                )
                .values(lease_owner=self.leases.owner, lease_until=self.leases.until())
            )
        if taken.rowcount != 1:
            raise ConflictError(f"a request with Idempotency-Key {key!r} is still being processed; retry later")
        return Claim(taken_over=True, operation_id=row["operation_id"])

    def finish(self, member: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Store the response of the request that claimed ``key`` (replayed to identical retries)."""
        r = idempotency_records
        with self.engine.begin() as conn:
            conn.execute(
                update(r)
                .where(r.c.member == member, r.c.key == key)
                .values(
                    status_code=status_code,
                    body=body,
                    operation_id=body.get("id") or body.get("operation"),
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def abandon(self, member: str, key: str) -> None:
        """Release ``key`` after an unexpected failure, so that a retry runs again. A request that had created its
        operation keeps the link (the retry answers with that operation instead of writing again)."""
        r = idempotency_records
        mine = (r.c.member == member, r.c.key == key, r.c.status_code.is_(None))
        with self.engine.begin() as conn:
            conn.execute(delete(r).where(*mine, r.c.operation_id.is_(None)))
            conn.execute(update(r).where(*mine).values(lease_owner=None, lease_until=0.0))
