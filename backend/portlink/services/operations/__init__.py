"""Writes that reach the chain, as operations: the service (:mod:`.service`), its records (:mod:`.records`),
idempotency (:mod:`.idempotency`), custodial keys and nonces (:mod:`.signing`), the rows (:mod:`.repository`)
and the tracker that follows each operation to its end (:mod:`.tracker`)."""

from __future__ import annotations

from portlink.services.operations.idempotency import request_fingerprint
from portlink.services.operations.records import (
    CUSTODIAL,
    DONE,
    FAILED,
    INITIALIZED,
    PENDING,
    SUCCEEDED,
    WALLET,
    Call,
    Operation,
    Signing,
    Status,
    StoredResponse,
    Write,
)
from portlink.services.operations.service import OperationService

__all__ = [
    "CUSTODIAL",
    "DONE",
    "FAILED",
    "INITIALIZED",
    "PENDING",
    "SUCCEEDED",
    "WALLET",
    "Call",
    "Operation",
    "OperationService",
    "Signing",
    "Status",
    "StoredResponse",
    "Write",
    "request_fingerprint",
]
