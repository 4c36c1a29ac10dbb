"""Customs declarations: file, amend, read; decisions by transaction or by EIP-712 signature (the typed data to
sign comes from here); holds and clearance; brokers and signature nonces."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from portlink.api.deps import CallerDep, DeclarationsDep
from portlink.api.fields import Address, Bytes32, Currency, HsCode, Signature, UnLocode, hex_bytes
from portlink.api.models import Closed, OperationPublic, Public, TypedDataPublic
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.domain.customs import MAX_HS_CODES, Decision, normalise_hs_codes
from portlink.services.declarations import DecisionRequest, DeclarationData

router = APIRouter(prefix="/v1/declarations", tags=["declarations"])
brokers = APIRouter(prefix="/v1/brokers", tags=["declarations"])
nonces = APIRouter(prefix="/v1/decision-nonces", tags=["declarations"])

DeclarationId = Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="The declaration id (bytes32).")]
ReasonCode = Annotated[str, Field(max_length=32, description="e.g. DOCS_MISSING; empty for an approval.")]
DecisionName = Literal["APPROVE", "REJECT", "REQUEST_INSPECTION"]


class DeclarationCreateData(Closed):
    """The declaration's data (filed or amended)."""

    digest: Bytes32 = Field(description="keccak-256 of the full declaration document kept off chain.")
    hsCodes: list[HsCode] = Field(min_length=1, max_length=MAX_HS_CODES)
    customsValue: int = Field(gt=0, lt=2**128, description="In the currency's minor units.")
    currency: Currency

    def data(self) -> DeclarationData:
        """The declaration data as the service takes it."""
        return DeclarationData(
            hex_bytes(self.digest), normalise_hs_codes(self.hsCodes), self.customsValue, self.currency.encode()
        )


class DeclarationCreate(DeclarationCreateData):
    """A combined declaration to file for a shipment (caller: its shipper or an authorised broker)."""

    shipmentId: Bytes32


class DecisionPublic(Public):
    """One customs decision on a version of the declaration."""

    port: str
    officer: str
    version: int
    decision: str
    reason_code: str | None
    submitted_by: str
    transaction_hash: str
    block_number: int
    confirmed: bool


class HoldPublic(Public):
    """A customs hold at a port, active until released."""

    port: str
    officer: str
    reason_code: str | None
    active: bool
    released_by: str | None
    confirmed: bool


class DeclarationPublic(Public):
    """A declaration with its decisions and holds, as indexed (``customsValue`` in the currency's minor units, as a
    decimal string)."""

    declaration_id: str
    shipment_id: str
    filer: str
    version: int
    digest: str
    hs_codes: list[str]
    customs_value: str
    currency: str
    state: str
    cleared_version: int | None
    origin_officer: str | None
    destination_officer: str | None
    confirmed: bool
    decisions: list[DecisionPublic]
    holds: list[HoldPublic]


class DecisionCreate(Closed):
    """A customs decision. Without ``signature``, the caller (an officer) decides by transaction; with it, the
    signed EIP-712 decision of ``officer`` is relayed (``decideBySig``)."""

    version: int = Field(gt=0, lt=2**32)
    port: UnLocode
    decision: DecisionName
    reasonCode: ReasonCode = ""
    signature: Signature | None = None
    officer: str | None = Field(None, description="With signature: the officer who signed.")
    nonce: int | None = Field(None, ge=0, lt=2**256)
    deadline: int | None = Field(None, gt=0, lt=2**256)
    digest: Bytes32 | None = Field(None, description="With signature: the declaration digest signed.")

    def request(self) -> DecisionRequest:
        """The decision as the service takes it."""
        return DecisionRequest(
            version=self.version,
            port=self.port,
            decision=Decision[self.decision],
            reason_code=self.reasonCode,
            signature=hex_bytes(self.signature) if self.signature else None,
            officer=self.officer,
            nonce=self.nonce,
            deadline=self.deadline,
            digest=hex_bytes(self.digest) if self.digest else None,
        )


class HoldCreate(Closed):
    """Hold a declaration at a port (caller: CUSTOMS of that port)."""

    port: UnLocode
    reasonCode: ReasonCode


class BrokerAuthorisation(Closed):
    """Authorise (or withdraw) a customs broker to file and amend the caller's declarations (caller: a SHIPPER)."""

    broker: Address
    authorised: bool = True


class NonceInvalidation(Closed):
    """Void the caller's next decision-signature nonce (lane 0 unless given), so a decision signed with it but not
    yet relayed never can be."""

    lane: int = Field(0, ge=0, lt=2**192)


@router.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def file_declaration(body: DeclarationCreate, declarations: DeclarationsDep, writer: WriterDep) -> JSONResponse:
    """File the combined declaration of a shipment; its id is the shipment id."""
    return writer.perform(declarations.file(hex_bytes(body.shipmentId), body.data()), body)


@router.get("/{declaration_id}", response_model=DeclarationPublic, responses=responses(401, 403, 404))
def get_declaration(
    declaration_id: DeclarationId, declarations: DeclarationsDep, caller: CallerDep
) -> DeclarationPublic:
    """A declaration with its decisions and holds (parties of the shipment, customs and auditors)."""
    return DeclarationPublic.model_validate(declarations.get(caller, declaration_id))


@router.post("/{declaration_id}/amendments", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def amend_declaration(
    declaration_id: DeclarationId, body: DeclarationCreateData, declarations: DeclarationsDep, writer: WriterDep
) -> JSONResponse:
    """Replace the declaration's data with a new version (before any decision, or after a rejection)."""
    return writer.perform(declarations.amend(hex_bytes(declaration_id), body.data()), body)


@router.get("/{declaration_id}/decision-typed-data", response_model=TypedDataPublic, responses=responses(401, 403, 404))
def decision_typed_data_to_sign(
    declaration_id: DeclarationId,
    declarations: DeclarationsDep,
    caller: CallerDep,
    port: Annotated[UnLocode, Query()],
    decision: Annotated[DecisionName, Query()] = "APPROVE",
    reasonCode: Annotated[str, Query(max_length=32)] = "",
    deadline: Annotated[int | None, Query(gt=0, description="Unix time; default: one hour from now.")] = None,
) -> TypedDataPublic:
    """The ``eth_signTypedData_v4`` document of the calling officer's decision on the current version: sign it in
    the wallet and POST the signature (with the message's officer, nonce, deadline and digest) to ``decisions``."""
    request = DecisionRequest(
        version=1, port=port, decision=Decision[decision], reason_code=reasonCode, deadline=deadline
    )
    return TypedDataPublic.model_validate(declarations.typed_data(caller, declaration_id, request))


@router.post("/{declaration_id}/decisions", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def decide(
    declaration_id: DeclarationId, body: DecisionCreate, declarations: DeclarationsDep, writer: WriterDep
) -> JSONResponse:
    """Approve, reject or ask for inspection: by transaction of the calling officer, or by relaying the officer's
    EIP-712 signature (checked here first: a signature that does not recover to ``officer`` is a 422)."""
    custodial = writer.options.signing == "custodial"
    return writer.perform(declarations.decide(hex_bytes(declaration_id), body.request(), custodial=custodial), body)


@router.post("/{declaration_id}/clearance", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def clear(declaration_id: DeclarationId, declarations: DeclarationsDep, writer: WriterDep) -> JSONResponse:
    """Clear the goods once both approvals are in and nothing holds them any more (a discrepancy cleared, an IoT
    alert resolved). Any member may ask; the chain says what is still missing otherwise."""
    return writer.perform(declarations.clear(hex_bytes(declaration_id)), None)


@router.post("/{declaration_id}/holds", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def place_hold(
    declaration_id: DeclarationId, body: HoldCreate, declarations: DeclarationsDep, writer: WriterDep
) -> JSONResponse:
    """Hold the goods at a port."""
    return writer.perform(declarations.place_hold(hex_bytes(declaration_id), body.port, body.reasonCode), body)


@router.delete(
    "/{declaration_id}/holds/{port}", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES
)
def release_hold(
    declaration_id: DeclarationId,
    port: Annotated[str, Path(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")],
    declarations: DeclarationsDep,
    writer: WriterDep,
) -> JSONResponse:
    """Release this port's hold."""
    return writer.perform(declarations.release_hold(hex_bytes(declaration_id), port), {"port": port})


@brokers.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def authorise_broker(body: BrokerAuthorisation, declarations: DeclarationsDep, writer: WriterDep) -> JSONResponse:
    """Authorise (``authorised: false``: withdraw) a customs broker, an active member, to file and amend the
    caller's declarations."""
    return writer.perform(declarations.set_broker(body.broker, body.authorised), body)


@nonces.post("/invalidations", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def invalidate_nonce(body: NonceInvalidation, declarations: DeclarationsDep, writer: WriterDep) -> JSONResponse:
    """Void the calling officer's next signature nonce: a decision signed with it can no longer be relayed."""
    return writer.perform(declarations.invalidate_nonce(body.lane), body)
