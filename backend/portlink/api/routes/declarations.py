"""Customs declarations: file, amend, read; decisions by transaction or by EIP-712 signature (the typed data to
sign comes from here); holds."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from eth_account import Account
from eth_account.messages import encode_typed_data
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import CallerDep, QueriesDep, RuntimeDep, WriteDep
from portlink.api.fields import Bytes32, Currency, HsCode, Signature, UnLocode, hex_bytes
from portlink.api.models import OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import visible_shipment
from portlink.api.writes import WRITE_CODES, perform
from portlink.domain.customs import (
    MAX_HS_CODES,
    Decision,
    DecisionInput,
    decision_typed_data,
    normalise_hs_codes,
    reason_code,
)
from portlink.errors import InvalidInputError, NotFoundError
from portlink.manifest import CUSTOMS
from portlink.services.access import Caller
from portlink.services.operations import CUSTODIAL, Call
from portlink.services.queries import IndexQueries
from portlink.services.runtime import Runtime

router = APIRouter(prefix="/v1/declarations", tags=["declarations"])

DeclarationId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The declaration id (bytes32).")]
ReasonCode = Annotated[str, Field(max_length=32, description="e.g. DOCS_MISSING; empty for an approval.")]


class DeclarationData(BaseModel):
    """The declaration's data (filed or amended)."""

    model_config = ConfigDict(extra="forbid")

    digest: Bytes32 = Field(description="keccak-256 of the full declaration document kept off chain.")
    hsCodes: list[HsCode] = Field(min_length=1, max_length=MAX_HS_CODES)
    customsValue: int = Field(gt=0, lt=2**128, description="In the currency's minor units.")
    currency: Currency

    def to_chain(self) -> list[object]:
        """``digest, hsCodes, customsValue, currency`` as ``file``/``amend`` take them."""
        return [hex_bytes(self.digest), normalise_hs_codes(self.hsCodes), self.customsValue, self.currency.encode()]


class DeclarationCreate(DeclarationData):
    """A combined declaration to file for a shipment (caller: its shipper or an authorised broker)."""

    shipmentId: Bytes32


class DeclarationPublic(Public):
    """A declaration with its decisions and holds, as indexed."""

    declarationId: str
    shipmentId: str
    version: int
    state: str
    confirmed: bool


class DecisionCreate(BaseModel):
    """A customs decision. Without ``signature``, the caller (an officer) decides by transaction; with it, the
    signed EIP-712 decision of ``officer`` is relayed (``decideBySig``)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(gt=0, lt=2**32)
    port: UnLocode
    decision: Literal["APPROVE", "REJECT", "REQUEST_INSPECTION"]
    reasonCode: ReasonCode = ""
    signature: Signature | None = None
    officer: str | None = Field(None, description="With signature: the officer who signed.")
    nonce: int | None = Field(None, ge=0, lt=2**256)
    deadline: int | None = Field(None, gt=0, lt=2**256)
    digest: Bytes32 | None = Field(None, description="With signature: the declaration digest signed.")


class HoldCreate(BaseModel):
    """Hold a declaration at a port (caller: CUSTOMS of that port)."""

    model_config = ConfigDict(extra="forbid")

    port: UnLocode
    reasonCode: ReasonCode


def _reason(text: str, field: str) -> bytes:
    if not text:
        return bytes(32)
    try:
        return reason_code(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field) from None


def _declaration(queries: IndexQueries, caller: Caller, declaration_id: str) -> dict[str, object]:
    declaration = queries.declaration(declaration_id.lower())
    if declaration is None:
        raise NotFoundError(f"no declaration {declaration_id} in the index (it may not be indexed yet)")
    visible_shipment(queries, caller, str(declaration["shipmentId"]))
    return declaration


@router.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def file_declaration(
    request: Request, body: DeclarationCreate, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
) -> JSONResponse:
    """File the combined declaration of a shipment; its id is the shipment id."""
    call = Call(CUSTOMS, "file", [hex_bytes(body.shipmentId), *body.to_chain()])
    return perform(request, runtime, caller, options, "declarations.file", call, body)


@router.get("/{declaration_id}", response_model=DeclarationPublic, responses=responses(401, 403, 404))
def get_declaration(declaration_id: DeclarationId, queries: QueriesDep, caller: CallerDep) -> DeclarationPublic:
    """A declaration with its decisions and holds (parties of the shipment, customs and auditors)."""
    return DeclarationPublic(**_declaration(queries, caller, declaration_id))


@router.post(
    "/{declaration_id}/amendments", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def amend_declaration(
    request: Request,
    declaration_id: DeclarationId,
    body: DeclarationData,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Replace the declaration's data with a new version (before any decision, or after a rejection)."""
    call = Call(CUSTOMS, "amend", [hex_bytes(declaration_id), *body.to_chain()])
    return perform(request, runtime, caller, options, "declarations.amend", call, body)


def _decision_input(
    runtime: Runtime,
    declaration: dict[str, object],
    officer: str,
    port: str,
    decision: str,
    reason: bytes,
    version: int,
    nonce: int | None,
    deadline: int | None,
) -> DecisionInput:
    if nonce is None:
        (nonce,) = runtime.view(CUSTOMS, "nonces", [officer, 0])
    return DecisionInput(
        declaration_id=hex_bytes(str(declaration["declarationId"])),
        version=version,
        declaration_digest=hex_bytes(str(declaration["digest"])),
        port=port,
        decision=Decision[decision],
        reason_code=reason,
        officer=officer,
        nonce=int(nonce),
        deadline=deadline or int(time.time()) + 3600,
    )


@router.get(
    "/{declaration_id}/decision-typed-data", response_model=dict[str, object], responses=responses(401, 403, 404)
)
def decision_typed_data_to_sign(
    declaration_id: DeclarationId,
    runtime: RuntimeDep,
    queries: QueriesDep,
    caller: CallerDep,
    port: Annotated[UnLocode, Query()],
    decision: Annotated[Literal["APPROVE", "REJECT", "REQUEST_INSPECTION"], Query()] = "APPROVE",
    reasonCode: Annotated[str, Query(max_length=32)] = "",
    deadline: Annotated[int | None, Query(gt=0, description="Unix time; default: one hour from now.")] = None,
) -> dict[str, object]:
    """The ``eth_signTypedData_v4`` document of the calling officer's decision on the current version: sign it in
    the wallet and POST the signature (with the message's officer, nonce, deadline and digest) to ``decisions``."""
    declaration = _declaration(queries, caller, declaration_id)
    decision_input = _decision_input(
        runtime,
        declaration,
        caller.member,
        port,
        decision,
        _reason(reasonCode, "query.reasonCode"),
        int(str(declaration["version"])),
        None,
        deadline,
    )
    return decision_typed_data(runtime.customs_domain, decision_input)


@router.post(
    "/{declaration_id}/decisions", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def decide(
    request: Request,
    declaration_id: DeclarationId,
    body: DecisionCreate,
    runtime: RuntimeDep,
    queries: QueriesDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Approve, reject or ask for inspection: by transaction of the calling officer, or by relaying the officer's
    EIP-712 signature (checked here first: a signature that does not recover to ``officer`` is a 422)."""
    reason = _reason(body.reasonCode, "body.reasonCode")
    if body.signature is None:
        call = Call(
            CUSTOMS,
            "decide",
            [hex_bytes(declaration_id), body.version, body.port.encode(), int(Decision[body.decision]), reason],
        )
        return perform(request, runtime, caller, options, "declarations.decide", call, body)
    missing = [f for f in ("officer", "nonce", "deadline", "digest") if getattr(body, f) is None]
    if missing:
        raise InvalidInputError(f"a signed decision needs {', '.join(missing)}", f"body.{missing[0]}")
    assert body.officer is not None
    assert body.digest is not None
    decision_input = _decision_input(
        runtime,
        {"declarationId": declaration_id, "digest": body.digest},
        body.officer,
        body.port,
        body.decision,
        reason,
        body.version,
        body.nonce,
        body.deadline,
    )
    typed = decision_typed_data(runtime.customs_domain, decision_input)
    if runtime.gateway.has_code(body.officer):  # an ERC-1271 wallet: only the chain can check its signature
        call = Call(CUSTOMS, "decideBySig", [decision_input.to_chain(), hex_bytes(body.signature)])
        sender = runtime.operations.relayer if options.signing == CUSTODIAL and runtime.operations.relayer else None
        return perform(request, runtime, caller, options, "declarations.decideBySig", call, body, sender=sender)
    try:
        signer = Account.recover_message(encode_typed_data(full_message=typed), signature=hex_bytes(body.signature))
    except Exception:  # a malformed signature (bad v, s out of range)
        raise InvalidInputError("the signature does not recover to any account", "body.signature") from None
    if signer.lower() != body.officer.lower():
        raise InvalidInputError(
            f"the signature recovers to {signer}, not the officer {body.officer}: it was made over other data",
            "body.signature",
        )
    call = Call(CUSTOMS, "decideBySig", [decision_input.to_chain(), hex_bytes(body.signature)])
    # Anyone may relay a signed decision: the configured relayer does, else the caller itself.
    sender = runtime.operations.relayer if options.signing == CUSTODIAL and runtime.operations.relayer else None
    return perform(request, runtime, caller, options, "declarations.decideBySig", call, body, sender=sender)


@router.post(
    "/{declaration_id}/clearance", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def clear(
    request: Request,
    declaration_id: DeclarationId,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Clear the goods once both approvals are in and nothing holds them any more (a discrepancy cleared, an IoT
    alert resolved). Any member may ask; the chain says what is still missing otherwise."""
    call = Call(CUSTOMS, "clear", [hex_bytes(declaration_id)])
    return perform(request, runtime, caller, options, "declarations.clear", call, None)


@router.post(
    "/{declaration_id}/holds", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def place_hold(
    request: Request,
    declaration_id: DeclarationId,
    body: HoldCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Hold the goods at a port."""
    call = Call(
        CUSTOMS,
        "placeHold",
        [hex_bytes(declaration_id), body.port.encode(), _reason(body.reasonCode, "body.reasonCode")],
    )
    return perform(request, runtime, caller, options, "holds.place", call, body)


@router.delete(
    "/{declaration_id}/holds/{port}", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def release_hold(
    request: Request,
    declaration_id: DeclarationId,
    port: Annotated[str, Path(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")],
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Release this port's hold."""
    call = Call(CUSTOMS, "releaseHold", [hex_bytes(declaration_id), port.encode()])
    return perform(request, runtime, caller, options, "holds.release", call, {"port": port})
