"""Operations: the state of every write, and the relay of wallet-signed transactions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from portlink.api.deps import CallerDep, RuntimeDep
from portlink.api.models import OperationPublic, SignedTransaction
from portlink.api.problems import responses

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
    if confirm:
        op = runtime.operations.wait(operation_id, runtime.settings.api_confirm_timeout_seconds)
    if op["status"] == "Failed" and op["error"]:
        return JSONResponse(
            {**op["error"], "operation": op["id"]},
            int(op["error"].get("status", 422)),
            media_type="application/problem+json",
        )
    return JSONResponse(op, 200 if op["status"] == "Succeeded" else 202)
