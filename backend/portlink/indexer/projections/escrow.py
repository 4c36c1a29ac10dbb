"""Projections of the trade-finance escrow's events: financings and the credits the escrow owes."""

from __future__ import annotations

from portlink.domain.finance import FinancingState
from portlink.indexer.projections.base import Event, Key, Projector, handles
from portlink.manifest import ESCROW
from portlink.store import schema

#
# Amounts are uint128/uint256: decoded as decimal strings, and kept as such (exact in any SQL database).


def _financing(e: Event) -> Key:
    return (int(e.args["financingId"]),)


@handles(ESCROW, "FinancingRequested")
def _financing_requested(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.financings,
        financing_id=int(a["financingId"]),
        shipment_id=a["shipmentId"],
        exporter=a["exporter"],
        product=str(a["product"]),
        state=FinancingState.REQUESTED.name,  # its FinancingStateChanged came first, before the row existed
        financier=None,
        token=None,
        amount=None,
        fee_bps=None,
        condition=None,
        fund_by=None,
        release_by=None,
        maturity=None,
        funded=None,
        due=None,
        released="0",
        refunded="0",
        repaid="0",
        refund_reason=None,
        rebate_payment_ref=None,
        rebate_recorded_by=None,
        requested_block=e.block_number,
        requested_transaction=e.transaction_hash,
        requested_at=e.block_timestamp,
        funded_at=None,
        released_at=None,
    )


@handles(ESCROW, "FinancingOffered")
def _financing_offered(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.financings,
        _financing(e),
        financier=a["financier"],
        token=a["token"],
        amount=str(a["amount"]),
        fee_bps=a["feeBps"],
        condition=str(a["condition"]),
        fund_by=int(a["fundBy"]),
        release_by=int(a["releaseBy"]),
        maturity=int(a["maturity"]),
    )


@handles(ESCROW, "FinancingStateChanged")
def _financing_state(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), state=str(e.args["state"]))


@handles(ESCROW, "FinancingFunded")
def _financing_funded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), funded=str(a["funded"]), due=str(a["due"]), funded_at=e.block_timestamp)


@handles(ESCROW, "FinancingReleased")
def _financing_released(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), released=str(e.args["amount"]), released_at=e.block_timestamp)


@handles(ESCROW, "RepaymentReceived")
def _repayment_received(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), repaid=str(e.args["repaid"]))


@handles(ESCROW, "RebateRecorded")
def _rebate_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), rebate_payment_ref=a["paymentRef"], rebate_recorded_by=a["taxAuthority"])


@handles(ESCROW, "FinancingRefunded")
def _financing_refunded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), refunded=str(a["amount"]), refund_reason=str(a["reason"]))


def _credit(p: Projector, token: str, account: str, *, credited: int = 0, withdrawn: int = 0) -> None:
    row = p.get(schema.escrow_credits, token, account)
    before = {"withdrawable": 0, "credited": 0, "withdrawn": 0} if row is None else row
    p.put(
        schema.escrow_credits,
        token=token,
        account=account,
        withdrawable=str(int(before["withdrawable"]) + credited - withdrawn),
        credited=str(int(before["credited"]) + credited),
        withdrawn=str(int(before["withdrawn"]) + withdrawn),
    )


@handles(ESCROW, "Credited")
def _credited(p: Projector, e: Event) -> None:
    a = e.args
    _credit(p, a["token"], a["account"], credited=int(a["amount"]))


@handles(ESCROW, "Withdrawn")
def _withdrawn(p: Projector, e: Event) -> None:
    a = e.args
    _credit(p, a["token"], a["account"], withdrawn=int(a["amount"]))
