"""KPIs of a period, computed from the event log alone (the index's ``events`` table) and transaction receipts.

Every figure follows from the contracts' events and their block times, so anyone holding the chain can recompute it
(docs/kpis.md defines each one; ``tests/api/test_kpis.py`` recomputes them from the node's logs):

- a **period** is ``[start, end)`` in block time (unix seconds); only events before ``end`` are read, so the figures
  of a past period never change;
- a **duration** counts in the period in which it ends (a clearance lead time in the period of the clearance);
- a **count** is of the events in the period;
- **percentiles** are linear interpolation between order statistics (Hyndman and Fan type 7, the default of NumPy,
  R, Excel's PERCENTILE.INC and Python's ``statistics.quantiles(method="inclusive")``);
- with a **port**, only shipments from or to that port (and their declarations, alerts and financings) count.

Gas used is not in the event log: it comes from the receipts of the transactions that emitted a journey's events,
read from the node the first time and kept in ``transaction_receipts`` keyed by transaction and block hash (a
receipt from a block the index no longer holds is read again).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from portlink.chain.rpc import Call, JsonRpc
from portlink.domain.customs import Decision
from portlink.domain.finance import FinancingState, Product
from portlink.domain.shipments import ShipmentState
from portlink.errors import ChainUnavailableError, InvalidInputError
from portlink.manifest import CUSTOMS, ESCROW, IOT, SHIPMENTS
from portlink.store import schema
from portlink.store.schema import transaction_receipts

#: An ISO 6346 container's size in TEU when the chain does not say (it records numbers, which carry no size).
DEFAULT_TEU_PER_CONTAINER = 2.0
#: The milestone stages of a journey, in order: the shipment state each starts and ends in.
STAGES: tuple[tuple[ShipmentState, ShipmentState], ...] = (
    (ShipmentState.REGISTERED, ShipmentState.GATED_IN),
    (ShipmentState.GATED_IN, ShipmentState.LOADED),
    (ShipmentState.LOADED, ShipmentState.DEPARTED),
    (ShipmentState.DEPARTED, ShipmentState.ARRIVED),
    (ShipmentState.ARRIVED, ShipmentState.DISCHARGED),
    (ShipmentState.DISCHARGED, ShipmentState.GATED_OUT),
)
#: The contracts whose events KPIs read: every event of theirs that names a shipment (or a financing of one) also
#: attributes its transaction's gas to that shipment's journey.
CONTRACTS = (SHIPMENTS, CUSTOMS, IOT, ESCROW)
#: Arguments that name the shipment an event belongs to.
_SHIPMENT_ARGS = ("shipmentId", "declarationId")
_RECEIPT_BATCH = 200


# ---------------------------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in unix seconds of block time."""

    start: int
    end: int

    @classmethod
    def of(cls, start: int, end: int) -> Period:
        """The period, or :class:`InvalidInputError` naming ``from`` if it is empty or reversed."""
        if start > end:
            raise InvalidInputError(f"the period starts ({start}) after it ends ({end})", "query.from")
        if start == end:
            raise InvalidInputError(f"the period from {start} to {end} is empty: give a later `to`", "query.to")
        return cls(start, end)

    def __contains__(self, timestamp: object) -> bool:
        return isinstance(timestamp, int) and self.start <= timestamp < self.end


@dataclass(frozen=True)
class Distribution:
    """A sample of durations (seconds) or amounts: its size and order statistics (``None`` when empty)."""

    count: int
    p50: float | None
    p90: float | None
    mean: float | None
    min: float | None
    max: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        ordered = sorted(float(v) for v in values)
        if not ordered:
            return cls(0, None, None, None, None, None)
        return cls(
            len(ordered),
            percentile(ordered, 0.5),
            percentile(ordered, 0.9),
            math.fsum(ordered) / len(ordered),
            ordered[0],
            ordered[-1],
        )


def percentile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of ascending ``ordered`` by linear interpolation (type 7): at rank ``h = (n - 1) q``,
    ``x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])``."""
    if not ordered:
        raise ValueError("no values")
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (h - low) * (ordered[high] - ordered[low])


@dataclass(frozen=True)
class StageTime:
    """How long journeys spent between two shipment states (ending in the period)."""

    stage: str
    start: str
    end: str
    seconds: Distribution


@dataclass(frozen=True)
class VolumeKpis:
    """Shipments and containers: registered, and gated out at destination (moved) in the period."""

    shipments_registered: int
    shipments_gated_out: int
    containers_gated_out: int
    teu_per_container: float
    teu_gated_out: float


@dataclass(frozen=True)
class CustomsKpis:
    """Declarations, their outcomes per 100 declarations filed in the period, and the clearance lead time."""

    declarations_filed: int
    declarations_cleared: int
    amendments: int
    holds: int
    inspections: int
    rejections: int
    discrepancy_holds: int
    holds_per_100: float | None
    inspections_per_100: float | None
    rejections_per_100: float | None
    clearance_lead_time: Distribution


@dataclass(frozen=True)
class AlertKpis:
    """IoT alerts raised and resolved in the period, open at its end, and the time to resolve."""

    raised: int
    resolved: int
    open_at_end: int
    time_to_resolve: Distribution


@dataclass(frozen=True)
class TokenAmount:
    """An amount of a settlement token (its units, a decimal string)."""

    token: str
    amount: str


@dataclass(frozen=True)
class FinancingKpis:
    """Financings of a product (or ``ALL``): requested, funded (with volume) and repaid in the period, and the
    turnaround from request to funding and from funding to repayment."""

    product: str
    requested: int
    funded: int
    repaid: int
    volume: list[TokenAmount]
    requested_to_funded: Distribution
    funded_to_repaid: Distribution
    requested_to_repaid: Distribution


@dataclass(frozen=True)
class GasKpis:
    """Gas used by the transactions of each journey gated out in the period."""

    journeys: int
    per_journey: Distribution
    total: int
    fee_paid_wei: str
    receipts_missing: int


@dataclass(frozen=True)
class Kpis:
    """Every KPI of a period (and port)."""

    start: int
    end: int
    port: str | None
    volume: VolumeKpis
    stages: list[StageTime]
    end_to_end: Distribution
    customs: CustomsKpis
    alerts: AlertKpis
    financing: list[FinancingKpis]
    gas: GasKpis


@dataclass(frozen=True)
class JourneyRecord:
    """One shipment's journey as the log has it: the report's rows."""

    shipment_id: str
    origin: str
    destination: str
    containers: int
    registered_at: int
    state_at: dict[str, int]
    filed_at: int | None
    cleared_at: int | None
    amendments: int
    inspections: int
    rejections: int
    holds: int
    alerts: int
    gas_used: int | None

    @property
    def clearance_lead_time(self) -> int | None:
        """Seconds from the first filing to clearance."""
        return None if self.filed_at is None or self.cleared_at is None else self.cleared_at - self.filed_at

    @property
    def end_to_end(self) -> int | None:
        """Seconds from registration to gate-out."""
        out = self.state_at.get(ShipmentState.GATED_OUT.name)
        return None if out is None else out - self.registered_at


@dataclass(frozen=True)
class LoggedEvent:
    """A decoded event with its place and time on the chain."""

    contract: str
    event: str
    args: Mapping[str, Any]
    block_number: int
    block_hash: str
    log_index: int
    timestamp: int
    transaction_hash: str


@dataclass(frozen=True)
class Receipt:
    """What a transaction cost."""

    gas_used: int
    effective_gas_price: int


# ---------------------------------------------------------------------------------------------------- computing


def _port(value: str) -> str:
    return bytes.fromhex(value[2:]).rstrip(b"\0").decode("ascii", errors="replace")


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
        shipment_id = next((str(a[k]).lower() for k in _SHIPMENT_ARGS if k in a), None)
        if e.event == "ShipmentRegistered":
            self.shipments[shipment_id or ""] = _Shipment(
                e.timestamp, _port(a["originPort"]), _port(a["destinationPort"]), int(a["containerCount"])
            )
        if e.contract == ESCROW and "financingId" in a:
            fid = str(a["financingId"])
            if e.event == "FinancingRequested":
                self.financings[fid] = _Financing(
                    str(a["shipmentId"]).lower(), Product(int(a["product"])).name, e.timestamp
                )
            financing = self.financings.get(fid)
            if financing is None:
                return
            shipment_id = financing.shipment_id
            if e.event == "FinancingOffered":
                financing.token = str(a["token"])
            elif e.event == "FinancingFunded":
                financing.funded, financing.funded_at = int(a["funded"]), e.timestamp
            elif e.event == "FinancingStateChanged" and int(a["state"]) == FinancingState.REPAID:
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
            shipment.state_at.setdefault(int(a["state"]), e.timestamp)
        elif e.event == "DeclarationFiled":
            if shipment.filed_at is None:
                shipment.filed_at = e.timestamp
            else:
                shipment.amendments += 1
        elif e.event == "DeclarationCleared":
            shipment.cleared_at = e.timestamp
        elif e.event == "DecisionRecorded":
            shipment.inspections += int(a["decision"]) == Decision.REQUEST_INSPECTION
            shipment.rejections += int(a["decision"]) == Decision.REJECT
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
        return sum(1 for e in counted if e.event == event and (decision is None or int(e.args["decision"]) == decision))

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
    return next((str(e.args[k]).lower() for k in _SHIPMENT_ARGS if k in e.args), None)


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


# ---------------------------------------------------------------------------------------------------- the service


class KpiService:
    """KPIs over the index, with receipts read from the node (``rpc``) the first time they are needed."""

    def __init__(self, engine: Engine, rpc: Callable[[], JsonRpc] | None) -> None:
        self.engine = engine
        self._rpc = rpc

    def ports(self) -> list[str]:
        """The consortium's ports, as the index knows them."""
        with self.engine.connect() as conn:
            return [str(c) for c in conn.execute(select(schema.ports.c.code).order_by(schema.ports.c.code)).scalars()]

    def check_port(self, port: str | None) -> None:
        """:class:`InvalidInputError` naming ``port`` unless it is a consortium port."""
        if port is None:
            return
        known = self.ports()
        if port not in known:
            close = [k for k in known if k[:2] == port[:2]] or known
            hint = f"; did you mean {' or '.join(close)}?" if close else " (the index holds no ports yet)"
            raise InvalidInputError(f"{port} is not a consortium port{hint}", "query.port")

    def default_end(self) -> int:
        """Just after the newest indexed event, or now if that is later (a period that ends now)."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(schema.events.c.block_timestamp))).scalar()
        return max(int(time.time()), int(newest or 0)) + 1

    def events(self, end: int) -> list[LoggedEvent]:
        """The events KPIs read, before ``end``, in chain order."""
        e = schema.events
        query = (
            select(e)
            .where(e.c.contract.in_(CONTRACTS), e.c.block_timestamp < end)
            .order_by(e.c.block_number, e.c.log_index)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            LoggedEvent(
                r["contract"],
                r["event"],
                r["args"],
                r["block_number"],
                r["block_hash"],
                r["log_index"],
                r["block_timestamp"],
                r["transaction_hash"],
            )
            for r in rows
        ]

    def receipts(self, events: Sequence[LoggedEvent]) -> dict[str, Receipt]:
        """The receipts of the events' transactions: stored ones whose block is the event's, the rest read from
        the node in batches and stored. Without a node, the ones missing are left out."""
        wanted = {e.transaction_hash: e.block_hash for e in events}
        r = transaction_receipts
        with self.engine.connect() as conn:
            stored = {
                row.transaction_hash: row
                for row in conn.execute(select(r))
                if wanted.get(row.transaction_hash) == row.block_hash
            }
        found = {tx: Receipt(int(row.gas_used), int(row.effective_gas_price)) for tx, row in stored.items()}
        missing = [tx for tx in wanted if tx not in stored]
        if not missing or self._rpc is None:
            return found
        try:
            rpc = self._rpc()
        except ChainUnavailableError:
            return found
        rows = []
        try:
            for start in range(0, len(missing), _RECEIPT_BATCH):
                chunk = missing[start : start + _RECEIPT_BATCH]
                for tx, receipt in zip(
                    chunk, rpc.batch([Call("eth_getTransactionReceipt", [tx]) for tx in chunk]), strict=True
                ):
                    if receipt is None or receipt.get("blockHash") != wanted[tx]:
                        continue  # not mined where the index has it (a reorganisation the index has not seen yet)
                    rows.append(
                        {
                            "transaction_hash": tx,
                            "block_hash": receipt["blockHash"],
                            "block_number": int(receipt["blockNumber"], 16),
                            "sender": receipt["from"],
                            "gas_used": int(receipt["gasUsed"], 16),
                            "effective_gas_price": str(int(receipt.get("effectiveGasPrice") or "0x0", 16)),
                            "status": int(receipt.get("status") or "0x1", 16),
                        }
                    )
        except ChainUnavailableError:
            pass
        if rows:
            with self.engine.begin() as conn:
                conn.execute(r.delete().where(r.c.transaction_hash.in_([row["transaction_hash"] for row in rows])))
                conn.execute(r.insert(), rows)
        for row in rows:
            found[row["transaction_hash"]] = Receipt(row["gas_used"], int(row["effective_gas_price"]))
        return found

    def kpis(self, period: Period, *, port: str | None = None) -> Kpis:
        """Every KPI of ``period`` (and ``port``, which must be a consortium port)."""
        self.check_port(port)
        events = self.events(period.end)
        return compute_kpis(events, self.receipts(events), period, port=port)

    def journeys(self, period: Period, *, port: str | None = None) -> list[JourneyRecord]:
        """The journeys with events in ``period`` (and ``port``)."""
        self.check_port(port)
        events = self.events(period.end)
        return journeys(events, self.receipts(events), period, port=port)
