"""Operations: the state of every write, and the relay of wallet-signed transactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from portlink.api.deps import CallerDep, OperationsDep, RuntimeDep
from portlink.api.models import Closed, OperationPublic, SignedTransaction
from portlink.api.problems import responses
from portlink.api.writes import operation_answer, respond
from portlink.services.operations import Status

router = APIRouter(prefix="/v1/operations", tags=["operations"])

OperationId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


@router.get("", response_model=list[OperationPublic], responses=responses(401))
def list_operations(
    operations: OperationsDep,
    caller: CallerDep,
    status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OperationPublic]:
    """The caller's operations, newest first."""
    return [OperationPublic.model_validate(op) for op in operations.list(caller.member, status=status, limit=limit)]


@router.get("/{operation_id}", response_model=OperationPublic, responses=responses(401, 404))
def get_operation(
    operation_id: OperationId,
    operations: OperationsDep,
    caller: CallerDep,
    wait: Annotated[float, Query(ge=0, le=60, description="Seconds to wait for it to finish.")] = 0,
) -> OperationPublic:
    """One operation of the caller."""
    op = operations.get(operation_id, member=caller.member)
    return OperationPublic.model_validate(operations.wait(operation_id, wait) if wait else op)


@router.post(
    "/{operation_id}/signed-transaction",
    status_code=202,
    response_model=OperationPublic,
    responses={
        200: {"model": OperationPublic, "description": "The operation, succeeded (`?confirm=true` waited for it)."},
        **responses(401, 404, 409, 413, 502, 503),
    },
)
def relay_signed_transaction(
    operation_id: OperationId,
    body: SignedTransaction,
    runtime: RuntimeDep,
    operations: OperationsDep,
    caller: CallerDep,
    confirm: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Relay the wallet-signed transaction of a ``?signing=wallet`` operation: it must come from the operation's
    sender and carry exactly its target and calldata. Relaying the same signed transaction again is harmless."""
    op = operations.get(operation_id, member=caller.member)
    if op.tx_hash is None:
        op = operations.relay_signed(operation_id, caller.member, body.signedTransaction)
    if confirm:
        op = operations.wait(operation_id, runtime.settings.api_confirm_timeout_seconds)
    return respond(*operation_answer(op))


class SentTransaction(Closed):
    """The hash of the transaction the wallet sent itself (``eth_sendTransaction``)."""

    transactionHash: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$")


@router.post(
    "/{operation_id}/transaction",
    status_code=202,
    response_model=OperationPublic,
    responses={
        200: {"model": OperationPublic, "description": "The operation, succeeded (`?confirm=true` waited for it)."},
        **responses(401, 404, 409, 413, 503),
    },
)
def follow_sent_transaction(
    operation_id: OperationId,
    body: SentTransaction,
    runtime: RuntimeDep,
    operations: OperationsDep,
    caller: CallerDep,
    confirm: Annotated[bool, Query()] = False,
) -> JSONResponse:
    """Follow the transaction a wallet sent for a ``?signing=wallet`` operation (wallets like MetaMask sign only
    by sending): the node's copy must come from the operation's sender on this chain and carry exactly its
    target and calldata. Posting the same hash again is harmless."""
    op = operations.follow_sent(operation_id, caller.member, body.transactionHash)
    if confirm:
        op = operations.wait(operation_id, runtime.settings.api_confirm_timeout_seconds)
    return respond(*operation_answer(op))
