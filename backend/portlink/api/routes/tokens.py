"""The settlement token: balances, and minting, redeeming, transferring and allowances."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import Field

from portlink.api.deps import CallerDep, TokensDep
from portlink.api.fields import Address, PaymentReference
from portlink.api.models import Closed, OperationPublic, Public
from portlink.api.problems import responses
from portlink.api.writes import WRITE_RESPONSES, WriterDep
from portlink.errors import ForbiddenError

router = APIRouter(prefix="/v1/settlement", tags=["settlement token"])

Amount = Annotated[int, Field(gt=0, lt=2**256, description="Token units (HK cents).")]
PaymentRef = Annotated[
    PaymentReference, Field(description="The bank's booking reference (0x-hex of 32 bytes, or text).")
]


class BalancePublic(Public):
    """A holder's settlement tokens and what the escrow may draw of them, in token units (decimal strings)."""

    account: str
    balance: str
    escrow_allowance: str
    decimals: int
    symbol: str


class MintCreate(Closed):
    """Mint against a deposit (caller: a SETTLEMENT_ISSUER)."""

    to: Address
    amount: Amount
    paymentRef: PaymentRef


class RedeemCreate(Closed):
    """Burn the issuer's own tokens paid out in fiat (caller: a SETTLEMENT_ISSUER)."""

    amount: Amount
    paymentRef: PaymentRef


class TransferCreate(Closed):
    """Transfer the caller's tokens (holders redeem by transferring to the issuer)."""

    to: Address
    amount: Amount


class ApprovalCreate(Closed):
    """Let ``spender`` draw up to ``amount`` of the caller's tokens (0 withdraws the allowance)."""

    spender: Address
    amount: int = Field(ge=0, lt=2**256)


class TransferFromCreate(Closed):
    """Move ``owner``'s tokens within the allowance ``owner`` gave the caller."""

    owner: Address
    to: Address
    amount: Amount


@router.get("/balances/{account}", response_model=BalancePublic, responses=responses(401, 403))
def balance(account: Annotated[Address, Path()], tokens: TokensDep, caller: CallerDep) -> BalancePublic:
    """A holder's balance and the escrow's allowance on it, read from the chain (the holder itself, the token's
    issuers, customs and auditors)."""
    if account != caller.member and not caller.oversight and not caller.has_role("SETTLEMENT_ISSUER"):
        raise ForbiddenError(f"{caller.member} may read its own balance only")
    return BalancePublic.model_validate(tokens.balance(account))


@router.post("/mints", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def mint(body: MintCreate, tokens: TokensDep, writer: WriterDep) -> JSONResponse:
    """Mint tokens to a member against a deposit."""
    return writer.perform(tokens.mint(body.to, body.amount, body.paymentRef), body)


@router.post("/redemptions", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def redeem(body: RedeemCreate, tokens: TokensDep, writer: WriterDep) -> JSONResponse:
    """Burn the issuer's tokens paid out in fiat."""
    return writer.perform(tokens.redeem(body.amount, body.paymentRef), body)


@router.post("/transfers", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def transfer(body: TransferCreate, tokens: TokensDep, writer: WriterDep) -> JSONResponse:
    """Transfer the caller's tokens."""
    return writer.perform(tokens.transfer(body.to, body.amount), body)


@router.post("/approvals", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def approve(body: ApprovalCreate, tokens: TokensDep, writer: WriterDep) -> JSONResponse:
    """Set ``spender``'s allowance on the caller's tokens (``/v1/settlement-allowances`` sets the escrow's)."""
    return writer.perform(tokens.approve(body.spender, body.amount), body)


@router.post("/delegated-transfers", status_code=202, response_model=OperationPublic, responses=WRITE_RESPONSES)
def transfer_from(body: TransferFromCreate, tokens: TokensDep, writer: WriterDep) -> JSONResponse:
    """Move tokens of ``owner`` that ``owner`` allowed the caller to move."""
    return writer.perform(tokens.transfer_from(body.owner, body.to, body.amount), body)
