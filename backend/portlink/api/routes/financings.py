"""Trade-finance escrow: request, offer, accept, fund, release, refund, cancel, expire, repay, record a paid tax
rebate, mark a default; list and read financings (from the index); pause the escrow; let the escrow draw settlement
tokens (ERC-20 allowance) and withdraw what it credits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from portlink.api.deps import CallerDep, FinancingsDep, Limit, Offset
from portlink.api.fields import Address, Bytes32, PaymentReference, hex_bytes
from portlink.api.models import ChainEventPublic, Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.domain.finance import MAX_AMOUNT, MAX_FEE_BPS, Condition, FinancingState, FinancingTerms, Product
from portlink.services.financings import Step
from portlink.services.tokens import payment_reference

FinancingStateName = Literal[
    "REQUESTED", "OFFERED", "ACCEPTED", "FUNDED", "RELEASED", "REPAID", "REFUNDED", "DEFAULTED", "EXPIRED", "CANCELLED"
]
assert set(get_args(FinancingStateName)) == {s.name for s in FinancingState if s.value}

router = APIRouter(prefix="/v1/financings", tags=["financings"])
approvals = APIRouter(prefix="/v1/settlement-allowances", tags=["financings"])
withdrawals = APIRouter(prefix="/v1/settlement-withdrawals", tags=["financings"])
escrow = APIRouter(prefix="/v1/escrow", tags=["financings"])

FinancingId = Annotated[int, Path(gt=0, lt=2**256, description="The financing id.")]


class FinancingCreate(Closed):
    """Ask for financing of a shipment (caller: its shipper)."""

    shipmentId: Bytes32
    product: Literal["ECOMMERCE", "TAX_REBATE"]


class OfferCreate(Closed):
    """The terms a financier offers. ``amount`` in token units (HK cents)."""

    token: Address | None = Field(None, description="Settlement token; default: PortLink's HKD token.")
    amount: int = Field(gt=0, le=MAX_AMOUNT)
    feeBps: int = Field(ge=0, le=MAX_FEE_BPS)
    condition: Literal["EXPORT_APPROVED", "CLEARED"]
    fundBy: datetime
    releaseBy: datetime
    maturity: datetime

    @model_validator(mode="after")
    def _terms(self) -> OfferCreate:
        self.terms("0x" + "11" * 20)
        return self

    def terms(self, default_token: str) -> FinancingTerms:
        """The terms, checked as the escrow checks them."""
        return FinancingTerms(
            token=self.token or default_token,
            amount=self.amount,
            fee_bps=self.feeBps,
            condition=Condition[self.condition],
            fund_by=self.fundBy,
            release_by=self.releaseBy,
            maturity=self.maturity,
        )


class RepaymentCreate(Closed):
    """A repayment (caller: the exporter or anyone repaying for it), in token units."""

    amount: int = Field(gt=0, lt=2**256)


class RebatePaymentCreate(Closed):
    """The tax authority records that it paid the export-tax rebate repaying a tax-rebate financing."""

    paymentRef: PaymentReference = Field(
        description="The payment's reference: 32 bytes as 0x-hex (e.g. the keccak-256 of the payment record), or "
        "text (up to 32 ASCII characters kept as they are, longer text hashed)."
    )


class AllowanceCreate(Closed):
    """Let the escrow draw up to ``amount`` of the caller's settlement tokens."""

    amount: int = Field(ge=0, lt=2**256)


class WithdrawalCreate(Closed):
    """Withdraw everything the escrow credits the caller (released funds, refunds, repayments) to ``to``."""

    to: Address | None = Field(None, description="Default: the caller.")


class PauseCreate(Closed):
    """Pause the escrow's money movements, or lift the pause (caller: an active port authority)."""

    paused: bool


class FinancingPublic(Public):
    """A financing as indexed from the escrow's events (``confirmed``: its last change is final). Amounts are in
    the token's units as decimal strings (uint128); deadlines and times are unix seconds. Terms are null until
    offered, ``funded`` and ``due`` until funded."""

    financing_id: int
    shipment_id: str
    exporter: str
    product: str
    state: str
    financier: str | None
    token: str | None
    amount: str | None
    fee_bps: int | None
    condition: str | None
    fund_by: int | None
    release_by: int | None
    maturity: int | None
    funded: str | None
    due: str | None = Field(description="Funded plus the fee: what repays the financing.")
    released: str
    refunded: str
    repaid: str
    outstanding: str | None = Field(description="What is still to be repaid (released or defaulted financings).")
    refund_reason: str | None
    rebate_payment_ref: str | None
    rebate_recorded_by: str | None
    requested_block: int
    requested_transaction: str
    requested_at: int | None
    funded_at: int | None
    released_at: int | None
    block_number: int
    confirmed: bool


class FinancingDetail(FinancingPublic):
    """A financing with its events in chain order."""

    events: list[ChainEventPublic]


class FinancingsPublic(Public):
    """A page of financings."""

    total: int
    limit: int
    offset: int
    data: list[FinancingPublic]


@router.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def request_financing(body: FinancingCreate, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
    """Ask for financing; the operation's result carries the FinancingRequested event with the financing id."""
    return writer.perform(financings.request(hex_bytes(body.shipmentId), Product[body.product]), body)


@router.get("", response_model=FinancingsPublic, responses=responses(401))
def list_financings(
    financings: FinancingsDep,
    caller: CallerDep,
    state: Annotated[FinancingStateName | None, Query()] = None,
    exporter: Annotated[Address | None, Query(description="The shipper that requested.")] = None,
    financier: Annotated[Address | None, Query()] = None,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment id.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> FinancingsPublic:
    """Financings by state, exporter, financier and shipment, newest first, from the index. Members see those
    they are the exporter or financier of or a party of the shipment of, financiers every request awaiting an
    offer, the tax authority every tax-rebate financing; customs and auditors see all."""
    found = financings.search(
        caller, state=state, exporter=exporter, financier=financier, shipment=shipment, limit=limit, offset=offset
    )
    data = [FinancingPublic.model_validate(f) for f in found.items]
    return FinancingsPublic(total=found.total, limit=limit, offset=offset, data=data)


@router.get("/{financing_id}", response_model=FinancingDetail, responses=responses(401, 403, 404))
def get_financing(financing_id: FinancingId, financings: FinancingsDep, caller: CallerDep) -> FinancingDetail:
    """A financing with its events, from the index (a financing just requested appears a poll after its block);
    for its exporter and financier, the parties of the shipment, customs, auditors, the tax authority (tax-rebate
    financings) and (while it awaits an offer) financiers."""
    return FinancingDetail.model_validate(financings.get(caller, financing_id))


@router.post("/{financing_id}/offers", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def offer(financing_id: FinancingId, body: OfferCreate, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
    """Offer terms (caller: a FINANCIER)."""
    return writer.perform(financings.offer(financing_id, body.terms(financings.settlement_token)), body)


def _step(step: Step, doc: str) -> Callable[..., JSONResponse]:
    def handler(financing_id: FinancingId, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
        return writer.perform(financings.step(financing_id, step), {})

    handler.__doc__ = doc
    handler.__name__ = f"{step.value}_financing"
    return handler


for _step_of, _path, _doc in (
    (Step.ACCEPT, "acceptance", "Accept the offered terms (caller: the exporter)."),
    (Step.FUND, "funding", "Fund the accepted financing (caller: the financier; allowance for the amount first)."),
    (Step.RELEASE, "release", "Release the funds to the exporter once the condition holds (anyone)."),
    (Step.REFUND, "refund", "Return unreleased funds to the financier after the release deadline (anyone)."),
    (Step.CANCEL, "cancellation", "Cancel a requested or offered financing (exporter, or the offering financier)."),
    (Step.EXPIRE, "expiry", "Mark an offer not funded by its funding deadline expired (anyone)."),
    (Step.DEFAULT, "default", "Mark a released financing not repaid by its maturity defaulted (anyone)."),
):
    router.add_api_route(
        f"/{{financing_id}}/{_path}",
        _step(_step_of, _doc),
        methods=["POST"],
        status_code=202,
        response_model=OperationPublic,
        responses=WRITE_RESPONSES,
        summary=_doc.split(" (")[0],
    )


@router.post("/{financing_id}/repayments", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def repay(
    financing_id: FinancingId, body: RepaymentCreate, financings: FinancingsDep, writer: WriterDep
) -> JSONResponse:
    """Repay (part of) principal and fee; allowance for the amount first."""
    return writer.perform(financings.repay(financing_id, body.amount), body)


@router.post(
    "/{financing_id}/rebate-payments",
    status_code=202,
    response_model=OperationPublic,
    responses=WRITE_RESPONSES,
)
def record_rebate_paid(
    financing_id: FinancingId, body: RebatePaymentCreate, financings: FinancingsDep, writer: WriterDep
) -> JSONResponse:
    """Record the export-tax rebate paid, which repays a tax-rebate financing (caller: a TAX_AUTHORITY)."""
    return writer.perform(financings.record_rebate_paid(financing_id, payment_reference(body.paymentRef)), body)


@approvals.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def approve_escrow(body: AllowanceCreate, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
    """Set the escrow's allowance on the caller's settlement tokens (ERC-20 approve)."""
    return writer.perform(financings.approve(body.amount), body)


@withdrawals.post("", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def withdraw(body: WithdrawalCreate, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
    """Withdraw the caller's credited settlement tokens from the escrow (pull payments)."""
    return writer.perform(financings.withdraw(body.to or writer.caller.member), body)


@escrow.post("/pause", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def pause(body: PauseCreate, financings: FinancingsDep, writer: WriterDep) -> JSONResponse:
    """Pause the escrow's money movements (``paused: false`` lifts the pause); caller: an active port authority."""
    return writer.perform(financings.pause(body.paused), body)
