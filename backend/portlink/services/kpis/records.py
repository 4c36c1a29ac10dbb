"""The KPI records: a period, distributions and percentiles, the figures by area, a journey's record, and the
events and receipts they are computed from."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portlink.domain.shipments import ShipmentState
from portlink.errors import InvalidInputError
from portlink.manifest import CUSTOMS, ESCROW, IOT, SHIPMENTS

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
SHIPMENT_ARGS = ("shipmentId", "declarationId")
RECEIPT_BATCH = 200


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
