"""Operations: the state of every write, and the relay of wallet-signed transactions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import CallerDep, RuntimeDep
from portlink.api.models import OperationPublic, SignedTransaction
from portlink.api.problems import responses
from portlink.services.runtime import Runtime

router = APIRouter(prefix="/v1/operations", tags=["operations"])

OperationId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


@router.get("", response_model=list[OperationPublic], responses=responses(401))
def list_operations(
    runtime: RuntimeDep,
    caller: CallerDep,
    status: Annotated[Literal["Initialized", "Pending", "Succeeded", "Failed"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OperationPublic]:
    """The caller's operations, newest first."""
    return [OperationPublic(**op) for op in runtime.operations.list(caller.member, status=status, limit=limit)]


@router.get("/{operation_id}", response_model=OperationPublic, responses=responses(401, 404))
def get_operation(
    operation_id: OperationId,
    runtime: RuntimeDep,
    caller: CallerDep,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for it to finish.")] = 0,
) -> OperationPublic:
    """One operation of the caller."""
    runtime.operations.get(operation_id, member=caller.member)
    op = runtime.operations.wait(operation_id, wait) if wait else runtime.operations.get(operation_id)
    return OperationPublic(**op)


@router.post(
    "/{operation_id}/signed-transaction",
    status_code=202,
    response_model=OperationPublic,
    responses=responses(401, 404, 409, 413, 502, 503),
)
def relay_signed_transaction(
    operation_id: OperationId,
    body: SignedTransaction,
    runtime: RuntimeDep,
    caller: CallerDep,
    confirm: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Relay the wallet-signed transaction of a ``?signing=wallet`` operation: it must come from the operation's
    sender and carry exactly its target and calldata. Relaying the same signed transaction again is harmless."""
    op = runtime.operations.get(operation_id, member=caller.member)
    if op["txHash"] is None:
        op = runtime.operations.relay_signed(operation_id, caller.member, body.signedTransaction)
    return _answer(runtime, op, confirm)


class SentTransaction(BaseModel):
    """The hash of the transaction the wallet sent itself (``eth_sendTransaction``)."""

    model_config = ConfigDict(extra="forbid")

    transactionHash: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")


@router.post(
    "/{operation_id}/transaction",
    status_code=202,
    response_model=OperationPublic,
    responses=responses(401, 404, 409, 413, 503),
)
def follow_sent_transaction(
    operation_id: OperationId,
    body: SentTransaction,
    runtime: RuntimeDep,
    caller: CallerDep,
    confirm: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Follow the transaction a wallet sent for a ``?signing=wallet`` operation (wallets like MetaMask sign only
    by sending): the node's copy must come from the operation's sender on this chain and carry exactly its
    target and calldata. Posting the same hash again is harmless."""
    op = runtime.operations.follow_sent(operation_id, caller.member, body.transactionHash)
    return _answer(runtime, op, confirm)


def _answer(runtime: Runtime, op: dict[str, Any], confirm: bool) -> JSONResponse:
    """The operation (waited for with ``confirm``), or the problem it failed with."""
    if confirm:
        op = runtime.operations.wait(op["id"], runtime.settings.api_confirm_timeout_seconds)
    if op["status"] == "Failed" and op["error"]:
        return JSONResponse(
            {**op["error"], "operation": op["id"]},
            int(op["error"].get("status", 422)),
            media_type="application/problem+json",
        )
    return JSONResponse(op, 200 if op["status"] == "Succeeded" else 202)
