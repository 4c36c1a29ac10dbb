"""Trade-finance escrow: a financing's steps (request, offer, accept, fund, release, refund, cancel, expire, repay,
the tax authority's rebate payment, default), pausing, and withdrawing credited tokens, as writes of the escrow;
financings as indexed, with who may read them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import ColumnElement, Engine, or_, select

from portlink.domain.finance import FinancingState, FinancingTerms, Product
from portlink.errors import NotFoundError
from portlink.manifest import ESCROW, SETTLEMENT_TOKEN
from portlink.services.access import Caller
from portlink.services.eventlog import ChainEvent, EventLog
from portlink.services.operations import Call, Write
from portlink.services.shipments import ShipmentService
from portlink.services.sql import MAX_ID, Page, checksum, forms, page, party_shipments, rows
from portlink.store import schema


@dataclass(frozen=True)
class Financing:
    """A financing as indexed from the escrow's events (``confirmed``: its last change is final). Amounts are in
    the token's units as decimal strings (uint128); deadlines and times are unix seconds. Terms are ``None`` until
    offered, ``funded`` and ``due`` until funded; ``outstanding`` is what is still to be repaid (released or
    defaulted financings)."""

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
    due: str | None
    released: str
    refunded: str
    repaid: str
    outstanding: str | None
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


@dataclass(frozen=True)
class FinancingDetail(Financing):
    """A financing with its events in chain order."""

    events: tuple[ChainEvent, ...] = ()


class Step(StrEnum):
    """A step of a financing that takes nothing but its id (the escrow's function of the same name)."""

    ACCEPT = "accept"
    FUND = "fund"
    RELEASE = "release"
    REFUND = "refund"
    CANCEL = "cancel"
    EXPIRE = "expire"
    DEFAULT = "markDefaulted"


def _financing(r: dict[str, Any]) -> Financing:
    owing = r["state"] in ("RELEASED", "DEFAULTED") and r["due"] is not None
    return Financing(
        financing_id=r["financing_id"],
        shipment_id=r["shipment_id"],
        exporter=to_checksum_address(r["exporter"]),
        product=r["product"],
        state=r["state"],
        financier=checksum(r["financier"]),
        token=checksum(r["token"]),
        amount=r["amount"],
        fee_bps=r["fee_bps"],
        condition=r["condition"],
        fund_by=r["fund_by"],
        release_by=r["release_by"],
        maturity=r["maturity"],
        funded=r["funded"],
        due=r["due"],
        released=r["released"],
        refunded=r["refunded"],
        repaid=r["repaid"],
        outstanding=str(max(int(r["due"]) - int(r["repaid"]), 0)) if owing else None,
        refund_reason=r["refund_reason"],
        rebate_payment_ref=r["rebate_payment_ref"],
        rebate_recorded_by=checksum(r["rebate_recorded_by"]),
        requested_block=r["requested_block"],
        requested_transaction=r["requested_transaction"],
        requested_at=r["requested_at"],
        funded_at=r["funded_at"],
        released_at=r["released_at"],
        block_number=r["block_number"],
        confirmed=bool(r["confirmed"]),
    )


class FinancingService:
    """Financing reads and escrow writes."""

    def __init__(
        self, engine: Engine, shipments: ShipmentService, eventlog: EventLog, addresses: dict[str, str]
    ) -> None:
        self.engine, self.shipments, self.eventlog, self.addresses = engine, shipments, eventlog, addresses

    # ------------------------------------------------------------------ reading

    def _visible(self, caller: Caller, financing: Financing) -> None:
        """:class:`ForbiddenError` unless the caller may read ``financing``: its exporter or financier, a party of
        its shipment, customs or an auditor, the tax authority (a tax-rebate financing, which it pays), or (a
        request awaiting an offer) any FINANCIER."""
        if caller.member in (financing.exporter, financing.financier) or caller.oversight:
            return
        if financing.product == Product.TAX_REBATE.name and caller.has_role("TAX_AUTHORITY"):
            return
        if financing.state == FinancingState.REQUESTED.name and caller.has_role("FINANCIER"):
            return
        self.shipments.visible(caller, financing.shipment_id)

    def get(self, caller: Caller, financing_id: int) -> FinancingDetail:
        """A financing with its events, for those who may read it."""
        found = None
        if 0 < financing_id <= MAX_ID:
            f = schema.financings
            with self.engine.connect() as conn:
                found = rows(conn, select(f).where(f.c.financing_id == financing_id))
        if not found:
            raise NotFoundError(f"no financing {financing_id} in the index (it may not be indexed yet)")
        financing = _financing(found[0])
        self._visible(caller, financing)
        events = self.eventlog.events(contract=ESCROW, arg=("financingId", financing_id))
        return FinancingDetail(
            **{k: getattr(financing, k) for k in Financing.__dataclass_fields__}, events=tuple(events)
        )

    def search(
        self,
        caller: Caller,
        *,
        state: str | None = None,
        exporter: str | None = None,
        financier: str | None = None,
        shipment: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Financing]:
        """Financings by state, exporter, financier and shipment, newest first. Members see those they are the
        exporter or financier of or a party of the shipment of, financiers every request awaiting an offer, the
        tax authority every tax-rebate financing; customs and auditors see all."""
        f = schema.financings
        query = select(f)
        if state:
            query = query.where(f.c.state == state)
        if exporter:
            query = query.where(f.c.exporter.in_(forms(exporter)))
        if financier:
            query = query.where(f.c.financier.in_(forms(financier)))
        if shipment:
            query = query.where(f.c.shipment_id == shipment.lower())
        if caller.viewer is not None:
            mine = forms(caller.viewer)
            visible: list[ColumnElement[bool]] = [
                f.c.exporter.in_(mine),
                f.c.financier.in_(mine),
                f.c.shipment_id.in_(party_shipments(caller.viewer)),
            ]
            if caller.has_role("FINANCIER"):
                visible.append(f.c.state == FinancingState.REQUESTED.name)
            if caller.has_role("TAX_AUTHORITY"):
                visible.append(f.c.product == Product.TAX_REBATE.name)
            query = query.where(or_(*visible))
        with self.engine.connect() as conn:
            total, found = page(conn, query, [f.c.financing_id.desc()], limit, offset)
        return Page(total, limit, offset, [_financing(r) for r in found])

    # ------------------------------------------------------------------ writing

    @property
    def settlement_token(self) -> str:
        """PortLink's settlement token (the default token of an offer)."""
        return self.addresses[SETTLEMENT_TOKEN]

    @staticmethod
    def request(shipment_id: bytes, product: Product) -> Write:
        """Ask for financing of a shipment (caller: its shipper)."""
        return Write("financings.request", Call(ESCROW, "request", [shipment_id, int(product)]))

    @staticmethod
    def offer(financing_id: int, terms: FinancingTerms) -> Write:
        """Offer terms (caller: a FINANCIER)."""
        return Write("financings.offer", Call(ESCROW, "offer", [financing_id, terms.to_chain()]))

    @staticmethod
    def step(financing_id: int, step: Step) -> Write:
        """A step that takes only the financing id (who may take it: see the escrow)."""
        return Write(f"financings.{step.value}", Call(ESCROW, step.value, [financing_id]))

    @staticmethod
    def repay(financing_id: int, amount: int) -> Write:
        """Repay (part of) principal and fee; allowance for the amount first."""
        return Write("financings.repay", Call(ESCROW, "repay", [financing_id, amount]))

    @staticmethod
    def record_rebate_paid(financing_id: int, payment_ref: bytes) -> Write:
        """The tax authority records that it paid the export-tax rebate that repays a tax-rebate financing."""
        return Write("financings.recordRebatePaid", Call(ESCROW, "recordRebatePaid", [financing_id, payment_ref]))

    @staticmethod
    def pause(paused: bool) -> Write:
        """A port authority pauses the escrow's money movements (or lifts the pause)."""
        function = "pause" if paused else "unpause"
        return Write(f"escrow.{function}", Call(ESCROW, function, []))

    def approve(self, amount: int) -> Write:
        """Let the escrow draw up to ``amount`` of the caller's settlement tokens (ERC-20 approve)."""
        return Write("settlement.approve", Call(SETTLEMENT_TOKEN, "approve", [self.addresses[ESCROW], amount]))

    def withdraw(self, to: str) -> Write:
        """Withdraw everything the escrow credits the caller in the settlement token to ``to``."""
        return Write("settlement.withdraw", Call(ESCROW, "withdraw", [self.settlement_token, to]))
