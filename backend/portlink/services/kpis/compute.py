"""Computing the KPIs of a period from logged events and receipts alone (what the tests recompute from the
node)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TypeVar

from portlink.domain.customs import Decision
from portlink.domain.finance import FinancingState, Product
from portlink.domain.shipments import ShipmentState
from portlink.manifest import ESCROW
from portlink.services.kpis.records import (
    DEFAULT_TEU_PER_CONTAINER,
    SHIPMENT_ARGS,
    STAGES,
    AlertKpis,
    CustomsKpis,
    Distribution,
    FinancingKpis,
    GasKpis,
    JourneyRecord,
    Kpis,
    LoggedEvent,
    Period,
    Receipt,
    StageTime,
    TokenAmount,
    VolumeKpis,
)

# ---------------------------------------------------------------------------------------------------- computing


def _port(value: str) -> str:
    """A UN/LOCODE as the event log holds it: text (readable decoding) or, in an index decoded before, hex."""
    if not value.startswith("0x"):
        return value
    return bytes.fromhex(value[2:]).rstrip(b"\0").decode("ascii", errors="replace")


E = TypeVar("E", bound=IntEnum)


def _enum(kind: type[E], value: int | str) -> E:
    """A contract enum's value as the event log holds it: its name (readable decoding) or its number."""
    return kind[value] if isinstance(value, str) and not value.isdigit() else kind(int(value))


@dataclass
class _Shipment:
    registered_at: int
    origin: str
    destination: str
    containers: int
    state_at: dict[int, int] = field(default_factory=dict)
    filed_at: int | None = None
    cleared_at: int | None = None
    amendments: int = 0
    inspections: int = 0
    rejections: int = 0
    holds: int = 0
    alerts: int = 0
    transactions: set[str] = field(default_factory=set)


@dataclass
class _Financing:
    shipment_id: str
    product: str
    requested_at: int
    token: str | None = None
    funded: int = 0
    funded_at: int | None = None
    repaid_at: int | None = None


class _Log:
    """One pass over the events: shipments, financings and alerts with their times."""

    def __init__(self, events: Iterable[LoggedEvent], end: int) -> None:
        self.shipments: dict[str, _Shipment] = {}
        self.financings: dict[str, _Financing] = {}
        self.alerts: dict[str, tuple[str, int, int | None]] = {}  # id -> shipment, raised, resolved
        self.in_period: list[LoggedEvent] = []
        self.tx_shipments: dict[str, set[str]] = defaultdict(set)
        for e in events:
            if e.timestamp >= end:
                continue
            self._apply(e)

    def _apply(self, e: LoggedEvent) -> None:
        a = e.args
        shipment_id = next((str(a[k]).lower() for k in SHIPMENT_ARGS if k in a), None)
        if e.event == "ShipmentRegistered":
            self.shipments[shipment_id or ""] = _Shipment(
                e.timestamp, _port(a["originPort"]), _port(a["destinationPort"]), int(a["containerCount"])
            )
        if e.contract == ESCROW and "financingId" in a:
            fid = str(a["financingId"])
            if e.event == "FinancingRequested":
                self.financings[fid] = _Financing(
                    str(a["shipmentId"]).lower(), _enum(Product, a["product"]).name, e.timestamp
                )
            financing = self.financings.get(fid)
            if financing is None:
                return
            shipment_id = financing.shipment_id
            if e.event == "FinancingOffered":
                financing.token = str(a["token"])
            elif e.event == "FinancingFunded":
                financing.funded, financing.funded_at = int(a["funded"]), e.timestamp
            elif e.event == "FinancingStateChanged" and _enum(FinancingState, a["state"]) == FinancingState.REPAID:
                financing.repaid_at = e.timestamp
        if e.event == "AlertRaised":
            self.alerts[str(a["alertId"])] = (str(a["shipmentId"]).lower(), e.timestamp, None)
        elif e.event == "AlertResolved" and str(a["alertId"]) in self.alerts:
            sid, raised, _ = self.alerts[str(a["alertId"])]
            self.alerts[str(a["alertId"])] = (sid, raised, e.timestamp)
        shipment = self.shipments.get(shipment_id or "")
        if shipment is None or shipment_id is None:
            return
        self.tx_shipments[e.transaction_hash].add(shipment_id)
        shipment.transactions.add(e.transaction_hash)
        if e.event == "ShipmentStateChanged":
            shipment.state_at.setdefault(_enum(ShipmentState, a["state"]), e.timestamp)
        elif e.event == "DeclarationFiled":
            if shipment.filed_at is None:
                shipment.filed_at = e.timestamp
            else:
                shipment.amendments += 1
        elif e.event == "DeclarationCleared":
            shipment.cleared_at = e.timestamp
        elif e.event == "DecisionRecorded":
            shipment.inspections += _enum(Decision, a["decision"]) == Decision.REQUEST_INSPECTION
            shipment.rejections += _enum(Decision, a["decision"]) == Decision.REJECT
        elif e.event == "HoldPlaced":
            shipment.holds += 1
        elif e.event == "AlertRaised":
            shipment.alerts += 1
        self.in_period.append(e)


def _gas_of(
    shipment: _Shipment, tx_shipments: Mapping[str, set[str]], receipts: Mapping[str, Receipt]
) -> tuple[float, int, int]:
    """Gas and fee of a journey's transactions (a transaction naming several shipments split evenly), and how
    many receipts are missing."""
    gas, fee, missing = 0.0, 0, 0
    for tx in shipment.transactions:
        receipt = receipts.get(tx)
        if receipt is None:
            missing += 1
            continue
        share = len(tx_shipments[tx]) or 1
        gas += receipt.gas_used / share
        fee += receipt.gas_used * receipt.effective_gas_price // share
    return gas, fee, missing


def compute_kpis(
    events: Iterable[LoggedEvent],
    receipts: Mapping[str, Receipt],
    period: Period,
    *,
    port: str | None = None,
    teu_per_container: float = DEFAULT_TEU_PER_CONTAINER,
) -> Kpis:
    """Every KPI of ``period`` (and ``port``) from ``events`` in chain order, and ``receipts`` by transaction."""
    log = _Log(events, period.end)
    ships = {sid: s for sid, s in log.shipments.items() if port is None or port in (s.origin, s.destination)}
    ended = {sid: s for sid, s in ships.items() if s.state_at.get(ShipmentState.GATED_OUT) in period}

    stages = []
    for begin, finish in STAGES:
        samples = []
        for s in ships.values():
            at_end = s.state_at.get(finish)
            at_start = s.registered_at if begin is ShipmentState.REGISTERED else s.state_at.get(begin)
            if at_end in period and at_start is not None and at_end is not None:
                samples.append(at_end - at_start)
        stages.append(StageTime(f"{begin.name}->{finish.name}", begin.name, finish.name, Distribution.of(samples)))

    counted = [e for e in log.in_period if e.timestamp in period and _shipment_of(e, log) in ships]

    def count(event: str, decision: Decision | None = None) -> int:
        return sum(
            1
            for e in counted
            if e.event == event and (decision is None or _enum(Decision, e.args["decision"]) == decision)
        )

    filed = sum(1 for s in ships.values() if s.filed_at in period)
    holds, inspections, rejections = (
        count("HoldPlaced"),
        count("DecisionRecorded", Decision.REQUEST_INSPECTION),
        count("DecisionRecorded", Decision.REJECT),
    )

    def per_100(n: int) -> float | None:
        return None if filed == 0 else 100.0 * n / filed

    customs = CustomsKpis(
        declarations_filed=filed,
        declarations_cleared=sum(1 for s in ships.values() if s.cleared_at in period),
        amendments=sum(1 for e in counted if e.event == "DeclarationFiled" and int(e.args["version"]) > 1),
        holds=holds,
        inspections=inspections,
        rejections=rejections,
        discrepancy_holds=count("ShipmentHeld"),
        holds_per_100=per_100(holds),
        inspections_per_100=per_100(inspections),
        rejections_per_100=per_100(rejections),
        clearance_lead_time=Distribution.of(
            s.cleared_at - s.filed_at
            for s in ships.values()
            if s.cleared_at in period and s.filed_at is not None and s.cleared_at is not None
        ),
    )

    alerts = [(sid, raised, resolved) for sid, raised, resolved in log.alerts.values() if sid in ships]
    alert_kpis = AlertKpis(
        raised=sum(1 for _, raised, _ in alerts if raised in period),
        resolved=sum(1 for _, _, resolved in alerts if resolved in period),
        open_at_end=sum(1 for _, _, resolved in alerts if resolved is None),
        time_to_resolve=Distribution.of(
            resolved - raised for _, raised, resolved in alerts if resolved is not None and resolved in period
        ),
    )

    financings = [f for f in log.financings.values() if f.shipment_id in ships]
    financing = [
        _financing_kpis(product, [f for f in financings if product == "ALL" or f.product == product], period)
        for product in ("ALL", Product.ECOMMERCE.name, Product.TAX_REBATE.name)
    ]

    gas_samples, total_gas, total_fee, missing = [], 0.0, 0, 0
    for s in ended.values():
        gas, fee, lacking = _gas_of(s, log.tx_shipments, receipts)
        missing += lacking
        total_fee += fee
        if not lacking:
            gas_samples.append(gas)
            total_gas += gas
    containers = sum(s.containers for s in ended.values())
    return Kpis(
        start=period.start,
        end=period.end,
        port=port,
        volume=VolumeKpis(
            shipments_registered=sum(1 for s in ships.values() if s.registered_at in period),
            shipments_gated_out=len(ended),
            containers_gated_out=containers,
            teu_per_container=teu_per_container,
            teu_gated_out=containers * teu_per_container,
        ),
        stages=stages,
        end_to_end=Distribution.of(s.state_at[ShipmentState.GATED_OUT] - s.registered_at for s in ended.values()),
        customs=customs,
        alerts=alert_kpis,
        financing=financing,
        gas=GasKpis(
            journeys=len(gas_samples),
            per_journey=Distribution.of(gas_samples),
            total=round(total_gas),
            fee_paid_wei=str(total_fee),
            receipts_missing=missing,
        ),
    )


def _shipment_of(e: LoggedEvent, log: _Log) -> str | None:
    return next((str(e.args[k]).lower() for k in SHIPMENT_ARGS if k in e.args), None)


def _financing_kpis(product: str, financings: list[_Financing], period: Period) -> FinancingKpis:
    volume: dict[str, int] = defaultdict(int)
    for f in financings:
        if f.funded_at in period:
            volume[f.token or ""] += f.funded
    return FinancingKpis(
        product=product,
        requested=sum(1 for f in financings if f.requested_at in period),
        funded=sum(1 for f in financings if f.funded_at in period),
        repaid=sum(1 for f in financings if f.repaid_at in period),
        volume=[TokenAmount(token, str(amount)) for token, amount in sorted(volume.items())],
        requested_to_funded=Distribution.of(
            f.funded_at - f.requested_at for f in financings if f.funded_at is not None and f.funded_at in period
        ),
        funded_to_repaid=Distribution.of(
            f.repaid_at - f.funded_at
            for f in financings
            if f.repaid_at is not None and f.funded_at is not None and f.repaid_at in period
        ),
        requested_to_repaid=Distribution.of(
            f.repaid_at - f.requested_at for f in financings if f.repaid_at is not None and f.repaid_at in period
        ),
    )


def journeys(
    events: Iterable[LoggedEvent], receipts: Mapping[str, Receipt], period: Period, *, port: str | None = None
) -> list[JourneyRecord]:
    """The journeys registered before ``period.end`` that had any event in the period, oldest first."""
    log = _Log(events, period.end)
    touched = {_shipment_of(e, log) for e in log.in_period if e.timestamp in period}
    records = []
    for sid, s in log.shipments.items():
        if sid not in touched or (port is not None and port not in (s.origin, s.destination)):
            continue
        gas, _, missing = _gas_of(s, log.tx_shipments, receipts)
        records.append(
            JourneyRecord(
                shipment_id=sid,
                origin=s.origin,
                destination=s.destination,
                containers=s.containers,
                registered_at=s.registered_at,
                state_at={ShipmentState(k).name: v for k, v in sorted(s.state_at.items())},
                filed_at=s.filed_at,
                cleared_at=s.cleared_at,
                amendments=s.amendments,
                inspections=s.inspections,
                rejections=s.rejections,
                holds=s.holds,
                alerts=s.alerts,
                gas_used=None if missing else round(gas),
            )
        )
    return sorted(records, key=lambda r: (r.registered_at, r.shipment_id))
