"""Idempotency records: one row per (member, ``Idempotency-Key``), claimed before a write runs and answered after,
so that a retry with the same key and request replays the first answer instead of writing twice."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from portlink.errors import ConflictError, IdempotencyMismatchError
from portlink.services.operations.records import StoredResponse
from portlink.store.schema import idempotency_records


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, path (with query) and the body as parsed JSON (key order and spacing ignored)."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


class IdempotencyRecords:
    """Claims, answers and releases ``Idempotency-Key`` records."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def begin(self, member: str, key: str, fingerprint: str) -> StoredResponse | None:
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

    def finish(self, member: str, key: str, status_code: int, body: dict[str, Any]) -> None:
        """Store the response of the request that claimed ``key`` (replayed to identical retries)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_records)
                .where(idempotency_records.c.member == member, idempotency_records.c.key == key)
                .values(status_code=status_code, body=body, operation_id=body.get("id"))
            )

    def abandon(self, member: str, key: str) -> None:
        """Release ``key`` after an unexpected failure, so that a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_records).where(
                    idempotency_records.c.member == member, idempotency_records.c.key == key
                )
            )

    def release_unanswered(self) -> int:
        """After a restart: release every record whose request died unanswered, so its retry runs again (what it
        sent, if anything, is followed by its operation). Returns how many were released."""
        with self.engine.begin() as conn:
            done = conn.execute(delete(idempotency_records).where(idempotency_records.c.status_code.is_(None)))
        return int(done.rowcount or 0)
