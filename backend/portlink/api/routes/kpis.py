"""KPIs of a period and port, computed from the indexed event log (``portlink.services.kpis``, docs/kpis.md)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from portlink.api.deps import CallerDep, RuntimeDep
from portlink.api.fields import UnLocode
from portlink.api.problems import responses
from portlink.errors import ForbiddenError
from portlink.services.kpis import Kpis, Period

router = APIRouter(prefix="/v1/kpis", tags=["kpis"])

#: Aggregates over every shipment: for those who oversee the ports.
KPI_ROLES = frozenset({"CUSTOMS", "AUDITOR", "PORT_AUTHORITY"})


class Closed(BaseModel):
    """A response part that declares every field (camelCase on the wire)."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)


class DistributionPublic(Closed):
    """A sample's size and order statistics (seconds for durations); null when the sample is empty. Percentiles
    interpolate linearly between order statistics (type 7, as NumPy, R and Excel's PERCENTILE.INC)."""

    count: int
    p50: float | None
    p90: float | None
    mean: float | None
    min: float | None
    max: float | None


class StageTimePublic(Closed):
    """Time between two shipment states, for journeys that reached the later one in the period."""

    stage: str = Field(examples=["GATED_IN->LOADED"])
    start: str
    end: str
    seconds: DistributionPublic


class VolumePublic(Closed):
    """Shipments registered and gated out at destination in the period. The chain records container numbers but
    no ISO 6346 size-type code, so TEU is containers times ``teuPerContainer`` (an assumption: 2, a 40-foot box)."""

    shipments_registered: int
    shipments_gated_out: int
    containers_gated_out: int
    teu_per_container: float
    teu_gated_out: float


class CustomsPublic(Closed):
    """Declarations filed (first version) and cleared in the period; amendments, customs holds, inspection
    requests, rejections and gate-in discrepancy holds in the period, also per 100 declarations filed in it; the
    clearance lead time (first filing to clearance) of declarations cleared in it."""

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
    clearance_lead_time: DistributionPublic


class AlertsPublic(Closed):
    """IoT alerts raised and resolved in the period, still open at its end, and the time to resolve."""

    raised: int
    resolved: int
    open_at_end: int
    time_to_resolve: DistributionPublic


class TokenAmountPublic(Closed):
    """An amount in a settlement token's units (decimal string)."""

    token: str
    amount: str


class FinancingPublic(Closed):
    """Financings of a product (``ALL``, ``ECOMMERCE``, ``TAX_REBATE``) requested, funded (and the volume funded)
    and repaid in the period, with their turnaround."""

    product: str
    requested: int
    funded: int
    repaid: int
    volume: list[TokenAmountPublic]
    requested_to_funded: DistributionPublic
    funded_to_repaid: DistributionPublic
    requested_to_repaid: DistributionPublic


class GasPublic(Closed):
    """Gas used by the transactions of each journey gated out in the period (from their receipts); journeys with
    a receipt the node could not give are left out and counted in ``receiptsMissing``."""

    journeys: int
    per_journey: DistributionPublic
    total: int
    fee_paid_wei: str
    receipts_missing: int


class KpisPublic(Closed):
    """Every KPI of ``[start, end)`` (unix seconds of block time) and ``port`` (null: every port)."""

    start: int
    end: int
    port: str | None
    volume: VolumePublic
    stages: list[StageTimePublic]
    end_to_end: DistributionPublic
    customs: CustomsPublic
    alerts: AlertsPublic
    financing: list[FinancingPublic]
    gas: GasPublic

    @classmethod
    def of(cls, kpis: Kpis) -> KpisPublic:
        return cls.model_validate(dataclasses.asdict(kpis))


@router.get("", response_model=KpisPublic, responses=responses(401, 403, 503))
def get_kpis(
    runtime: RuntimeDep,
    caller: CallerDep,
    start: Annotated[
        datetime | None,
        Query(alias="from", description="Start (ISO 8601 with zone, or unix seconds); default: the first block."),
    ] = None,
    end: Annotated[
        datetime | None,
        Query(alias="to", description="End, excluded; default: just after the newest indexed block."),
    ] = None,
    port: Annotated[UnLocode | None, Query(description="Only shipments from or to this port.")] = None,
) -> KpisPublic:
    """KPIs of a period from the chain's own record: time per milestone stage and end to end, clearance lead time,
    holds, inspections and rejections per 100 declarations, IoT alerts and their resolution, financing turnaround
    and volume, TEU moved and gas per journey. For customs, auditors and port authorities."""
    if not any(role in KPI_ROLES for role, _ in caller.roles):
        raise ForbiddenError("KPIs are for customs, auditors and port authorities")
    kpis = runtime.kpis
    period = Period.of(
        0 if start is None else int(start.timestamp()),
        kpis.default_end() if end is None else int(end.timestamp()),
    )
    return KpisPublic.of(kpis.kpis(period, port=port))
