"""The overview (numbers and charts a port operator opens first) and the declaration lists (a customs officer's
inbox), both counted and paged in SQL."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import CallerDep, Offset, RuntimeDep
from portlink.api.fields import UnLocode
from portlink.api.problems import responses
from portlink.errors import ForbiddenError

overview = APIRouter(prefix="/v1/overview", tags=["overview"])
declarations = APIRouter(prefix="/v1/declarations", tags=["declarations"])


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatePortCountPublic(_Closed):
    """Shipments in one state leaving one port."""

    state: str
    port: str
    count: int


class PortWaitingPublic(_Closed):
    """Declarations waiting for one port's customs (of them, with an inspection requested)."""

    port: str
    waiting: int
    inspections: int


class KindCountPublic(_Closed):
    """Open IoT alerts of one kind of device."""

    kind: str
    count: int


class FinancingVolumePublic(_Closed):
    """Financings of one product in one state; sums in the settlement token's minor units (decimal strings)."""

    product: str
    state: str
    count: int
    amount: str
    funded: str


class DayCountPublic(_Closed):
    """Milestones recorded on one UTC day (``day``: unix seconds of its midnight)."""

    day: int
    count: int


class OverviewPublic(_Closed):
    """What the overview draws, as the caller may see it (customs and auditors: everything; other members: their
    shipments)."""

    scope: Literal["all", "party"] = Field(description="all: every shipment; party: the caller's shipments.")
    inFlight: int
    shipments: list[StatePortCountPublic] = Field(description="Shipments not yet gated out, by state and origin.")
    declarationsWaiting: list[PortWaitingPublic]
    openAlerts: int
    alertsByKind: list[KindCountPublic]
    financings: list[FinancingVolumePublic]
    milestonesByDay: list[DayCountPublic]
    checkpointBlock: int | None


@overview.get("", response_model=OverviewPublic, responses=responses(401))
def get_overview(
    runtime: RuntimeDep,
    caller: CallerDep,
    days: Annotated[int, Query(ge=1, le=90, description="Days of milestone activity.")] = 14,
) -> OverviewPublic:
    """Shipments in flight by state and port, declarations waiting per customs, open IoT alerts, financing volume
    and milestones per day."""
    o = runtime.overview.overview(viewer=None if caller.oversight else caller.member, now=int(time.time()), days=days)
    return OverviewPublic(
        scope="all" if caller.oversight else "party",
        inFlight=o.in_flight,
        shipments=[StatePortCountPublic(state=x.state, port=x.port, count=x.count) for x in o.shipments],
        declarationsWaiting=[
            PortWaitingPublic(port=x.port, waiting=x.waiting, inspections=x.inspections) for x in o.declarations_waiting
        ],
        openAlerts=o.open_alerts,
        alertsByKind=[KindCountPublic(kind=x.kind, count=x.count) for x in o.alerts_by_kind],
        financings=[
            FinancingVolumePublic(product=x.product, state=x.state, count=x.count, amount=x.amount, funded=x.funded)
            for x in o.financings
        ],
        milestonesByDay=[DayCountPublic(day=x.day, count=x.count) for x in o.milestones_by_day],
        checkpointBlock=o.checkpoint_block,
    )


class DeclarationSummaryPublic(_Closed):
    """A declaration in a list: its data, its shipment's ports and B/L, and what holds it."""

    declarationId: str
    shipmentId: str
    transportDocumentReference: str
    originPort: str
    destinationPort: str
    filer: str
    version: int
    state: str
    digest: str
    hsCodes: list[str]
    customsValue: str = Field(description="Minor units of the currency, as a decimal string.")
    currency: str
    waitingAt: str | None = Field(description="With ?waitingAt: the port whose customs has not decided yet.")
    inspectionRequested: bool
    activeHolds: int
    openAlerts: int
    openDiscrepancies: int
    blockNumber: int
    confirmed: bool
    riskScore: float | None = Field(description="Customs and auditors: the risk score (null: not scored yet).")
    riskBand: Literal["low", "medium", "high"] | None
    riskReasons: list[str] = Field(description="Customs and auditors: why, strongest first (advice only).")


class DeclarationsPublic(_Closed):
    """A page of declarations."""

    total: int
    limit: int
    offset: int
    data: list[DeclarationSummaryPublic]


@declarations.get("", response_model=DeclarationsPublic, responses=responses(401, 403))
def list_declarations(
    runtime: RuntimeDep,
    caller: CallerDep,
    waitingAt: Annotated[
        UnLocode | None,
        Query(description="Only declarations filed and waiting for this port's customs (an inbox), oldest first."),
    ] = None,
    state: Annotated[Literal["FILED", "REJECTED", "CLEARED"] | None, Query()] = None,
    sort: Annotated[
        Literal["age", "risk"],
        Query(description="age: the default order; risk: highest risk score first (customs and auditors)."),
    ] = "age",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> DeclarationsPublic:
    """Declarations, newest first, or a port's inbox (``waitingAt``), or by risk (``sort=risk``). Members see their
    shipments' declarations without risk scores; customs and auditors see all, with scores and reasons."""
    if sort == "risk" and not caller.oversight:
        raise ForbiddenError("sorting by risk is for customs and auditors")
    total, rows = runtime.inbox.declarations(
        waiting_at=waitingAt,
        state=state,
        viewer=None if caller.oversight else caller.member,
        with_risk=caller.oversight,
        by_risk=sort == "risk",
        limit=limit,
        offset=offset,
    )
    return DeclarationsPublic(
        total=total,
        limit=limit,
        offset=offset,
        data=[
            DeclarationSummaryPublic(
                declarationId=r.declaration_id,
                shipmentId=r.shipment_id,
                transportDocumentReference=r.transport_document_reference,
                originPort=r.origin_port,
                destinationPort=r.destination_port,
                filer=r.filer,
                version=r.version,
                state=r.state,
                digest=r.digest,
                hsCodes=r.hs_codes,
                customsValue=r.customs_value,
                currency=r.currency,
                waitingAt=r.waiting_at,
                inspectionRequested=r.inspection_requested,
                activeHolds=r.active_holds,
                openAlerts=r.open_alerts,
                openDiscrepancies=r.open_discrepancies,
                blockNumber=r.block_number,
                confirmed=r.confirmed,
                riskScore=r.risk_score,
                riskBand=r.risk_band,
                riskReasons=r.risk_reasons,
            )
            for r in rows
        ],
    )
