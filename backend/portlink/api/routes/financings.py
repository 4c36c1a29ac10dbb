"""Trade-finance escrow: request, offer, accept, fund, release, repay, refund; list and read financings (from the
index); let the escrow draw settlement tokens (ERC-20 allowance) for funding and repaying."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from portlink.api.deps import CallerDep, Offset, QueriesDep, RuntimeDep, WriteDep
from portlink.api.fields import Address, Bytes32, hex_bytes
from portlink.api.models import OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import visible_shipment
from portlink.api.writes import WRITE_CODES, perform
from portlink.deployment.deploy import ESCROW, SETTLEMENT_TOKEN
from portlink.domain.finance import MAX_AMOUNT, MAX_FEE_BPS, Condition, FinancingState, FinancingTerms, Product
from portlink.errors import NotFoundError
from portlink.services.access import Caller
from portlink.services.operations import Call
from portlink.services.queries import IndexQueries

FinancingStateName = Literal[
    "REQUESTED", "OFFERED", "ACCEPTED", "FUNDED", "RELEASED", "REPAID", "REFUNDED", "DEFAULTED", "EXPIRED", "CANCELLED"
]
assert set(get_args(FinancingStateName)) == {s.name for s in FinancingState if s.value}

router = APIRouter(prefix="/v1/financings", tags=["financings"])
approvals = APIRouter(prefix="/v1/settlement-allowances", tags=["financings"])

FinancingId = Annotated[int, Path(gt=0, lt=2**256, description="The financing id.")]


class FinancingCreate(BaseModel):
    """Ask for financing of a shipment (caller: its shipper)."""

    model_config = ConfigDict(extra="forbid")

    shipmentId: Bytes32
    product: Literal["ECOMMERCE", "TAX_REBATE"]


class OfferCreate(BaseModel):
    """The terms a financier offers. ``amount`` in token units (HK cents)."""

    model_config = ConfigDict(extra="forbid")

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


class RepaymentCreate(BaseModel):
    """A repayment (caller: the exporter or anyone repaying for it), in token units."""

    model_config = ConfigDict(extra="forbid")

    amount: int = Field(gt=0, lt=2**256)


class RebatePaymentCreate(BaseModel):
    """The tax authority's reference of a rebate it paid to the financier outside the escrow."""

    model_config = ConfigDict(extra="forbid")

    paymentRef: Bytes32 = Field(description="The payment's reference, e.g. the keccak-256 of the payment record.")


class AllowanceCreate(BaseModel):
    """Let the escrow draw up to ``amount`` of the caller's settlement tokens."""

    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=0, lt=2**256)


class FinancingPublic(Public):
    """A financing as indexed from the escrow's events (``confirmed``: its last change is final). Amounts are in
    the token's units as decimal strings (uint128); deadlines and times are unix seconds. Terms are null until
    offered, ``funded`` and ``due`` until funded."""

    financingId: int
    shipmentId: str
    exporter: str
    product: str
    state: str
    financier: str | None
    token: str | None
    amount: str | None
    feeBps: int | None
    condition: str | None
    fundBy: int | None
    releaseBy: int | None
    maturity: int | None
    funded: str | None
    due: str | None = Field(description="Funded plus the fee: what repays the financing.")
    released: str
    refunded: str
    repaid: str
    outstanding: str | None = Field(description="What is still to be repaid (released or defaulted financings).")
    refundReason: str | None
    rebatePaymentRef: str | None
    rebateRecordedBy: str | None
    requestedBlock: int
    requestedTransaction: str
    requestedAt: int | None
    fundedAt: int | None
    releasedAt: int | None
    blockNumber: int
    confirmed: bool


class FinancingDetail(FinancingPublic):
    """A financing with its events in chain order."""

    events: list[dict[str, Any]]


class FinancingsPublic(BaseModel):
    """A page of financings."""

    total: int
    limit: int
    offset: int
    data: list[FinancingPublic]


def visible_financing(queries: IndexQueries, caller: Caller, financing: dict[str, Any]) -> None:
    """:class:`ForbiddenError` unless the caller may read ``financing``: its exporter or financier, a party of its
    shipment, customs or an auditor, (a request awaiting an offer) any FINANCIER, or (a tax-rebate advance) a
    TAX_AUTHORITY."""
    if caller.member in (financing["exporter"], financing["financier"]) or caller.oversight:
        return
    if financing["state"] == FinancingState.REQUESTED.name and caller.has_role("FINANCIER"):
        return
    if financing["product"] == Product.TAX_REBATE.name and caller.has_role("TAX_AUTHORITY"):
        return  # the tax authority repays rebate advances, so it reads them
    visible_shipment(queries, caller, financing["shipmentId"])


@router.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def request_financing(
    request: Request, body: FinancingCreate, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
) -> JSONResponse:
    """Ask for financing; the operation's result carries the FinancingRequested event with the financing id."""
    call = Call(ESCROW, "request", [hex_bytes(body.shipmentId), int(Product[body.product])])
    return perform(request, runtime, caller, options, "financings.request", call, body)


@router.get("", response_model=FinancingsPublic, responses=responses(401))
def list_financings(
    queries: QueriesDep,
    caller: CallerDep,
    state: Annotated[FinancingStateName | None, Query()] = None,
    exporter: Annotated[Address | None, Query(description="The shipper that requested.")] = None,
    financier: Annotated[Address | None, Query()] = None,
    shipment: Annotated[Bytes32 | None, Query(description="The shipment id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> FinancingsPublic:
    """Financings by state, exporter, financier and shipment, newest first, from the index. Members see those
    they are the exporter or financier of or a party of the shipment of, financiers every request awaiting an
    offer, tax authorities every tax-rebate advance; customs and auditors see all."""
    viewer = None if caller.oversight else caller.member
    total, rows = queries.financings(
        state=state,
        exporter=exporter,
        financier=financier,
        shipment=shipment,
        viewer=viewer,
        open_requests=caller.has_role("FINANCIER"),
        rebates=caller.has_role("TAX_AUTHORITY"),
        limit=limit,
        offset=offset,
    )
    return FinancingsPublic(total=total, limit=limit, offset=offset, data=[FinancingPublic(**r) for r in rows])


@router.get("/{financing_id}", response_model=FinancingDetail, responses=responses(401, 403, 404))
def get_financing(financing_id: FinancingId, queries: QueriesDep, caller: CallerDep) -> FinancingDetail:
    """A financing with its events, from the index (a financing just requested appears a poll after its block);
    for its exporter and financier, the parties of the shipment, customs, auditors, and (while it awaits an
    offer) financiers."""
    financing = queries.financing(financing_id)
    if financing is None:
        raise NotFoundError(f"no financing {financing_id} in the index (it may not be indexed yet)")
    visible_financing(queries, caller, financing)
    events = queries.events(contract=ESCROW, arg=("financingId", financing_id))
    return FinancingDetail(**financing, events=events)


@router.post(
    "/{financing_id}/offers", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def offer(
    request: Request,
    financing_id: FinancingId,
    body: OfferCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Offer terms (caller: a FINANCIER)."""
    terms = body.terms(runtime.contracts.addresses[SETTLEMENT_TOKEN])
    return perform(
        request,
        runtime,
        caller,
        options,
        "financings.offer",
        Call(ESCROW, "offer", [financing_id, terms.to_chain()]),
        body,
    )


def _step(function: str, doc: str) -> Any:
    def handler(
        request: Request, financing_id: FinancingId, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
    ) -> JSONResponse:
        return perform(
            request, runtime, caller, options, f"financings.{function}", Call(ESCROW, function, [financing_id]), {}
        )

    handler.__doc__ = doc
    handler.__name__ = f"{function}_financing"
    return handler


for _function, _path, _doc in (
    ("accept", "acceptance", "Accept the offered terms (caller: the exporter)."),
    ("fund", "funding", "Fund the accepted financing (caller: the financier; allowance for the amount first)."),
    ("release", "release", "Release the funds to the exporter once the condition holds (anyone)."),
    ("refund", "refund", "Return unreleased funds to the financier after the release deadline (anyone)."),
    ("cancel", "cancellation", "Cancel a requested or offered financing (exporter, or the offering financier)."),
):
    router.add_api_route(
        f"/{{financing_id}}/{_path}",
        _step(_function, _doc),
        methods=["POST"],
        status_code=202,
        response_model=OperationPublic,
        responses=responses(*WRITE_CODES),
        summary=_doc.split(" (")[0],
    )


@router.post(
    "/{financing_id}/repayments", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES)
)
def repay(
    request: Request,
    financing_id: FinancingId,
    body: RepaymentCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Repay (part of) principal and fee; allowance for the amount first."""
    return perform(
        request, runtime, caller, options, "financings.repay", Call(ESCROW, "repay", [financing_id, body.amount]), body
    )


@router.post(
    "/{financing_id}/rebate-payments",
    status_code=202,
    response_model=OperationPublic,
    responses=responses(*WRITE_CODES),
)
def record_rebate_paid(
    request: Request,
    financing_id: FinancingId,
    body: RebatePaymentCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    options: WriteDep,
) -> JSONResponse:
    """Record that the export tax rebate was paid to the financier outside the escrow, which settles the released
    tax-rebate advance (caller: a TAX_AUTHORITY)."""
    call = Call(ESCROW, "recordRebatePaid", [financing_id, hex_bytes(body.paymentRef)])
    return perform(request, runtime, caller, options, "financings.recordRebatePaid", call, body)


@approvals.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def approve_escrow(
    request: Request, body: AllowanceCreate, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
) -> JSONResponse:
    """Set the escrow's allowance on the caller's settlement tokens (ERC-20 approve)."""
    call = Call(SETTLEMENT_TOKEN, "approve", [runtime.contracts.addresses[ESCROW], body.amount])
    return perform(request, runtime, caller, options, "settlement.approve", call, body)


withdrawals = APIRouter(prefix="/v1/settlement-withdrawals", tags=["financings"])


class WithdrawalCreate(BaseModel):
    """Withdraw everything the escrow credits the caller (released funds, refunds, repayments) to ``to``."""

    model_config = ConfigDict(extra="forbid")

    to: Address | None = Field(None, description="Default: the caller.")


@withdrawals.post("", status_code=202, response_model=OperationPublic, responses=responses(*WRITE_CODES))
def withdraw(
    request: Request, body: WithdrawalCreate, runtime: RuntimeDep, caller: CallerDep, options: WriteDep
) -> JSONResponse:
    """Withdraw the caller's credited settlement tokens from the escrow (pull payments)."""
    call = Call(ESCROW, "withdraw", [runtime.contracts.addresses[SETTLEMENT_TOKEN], body.to or caller.member])
    return perform(request, runtime, caller, options, "settlement.withdraw", call, body)
