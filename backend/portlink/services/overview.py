"""The overview a port operator opens first: shipments in flight by state and port, declarations waiting per
customs, open IoT alerts, financing volume and the last days' milestones, counted in SQL from the index.

Every figure follows the API's visibility rules: customs and auditors count everything, any other member only
the shipments it is a party of (and the financings and alerts the list routes would show it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Numeric, cast, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection, Engine

from portlink.services.sql import forms, party_shipments
from portlink.store import schema

#: Shipment states that are no longer in flight.
DONE_STATES = ("GATED_OUT",)
#: Customs decisions that end a port's part for a version (an inspection request does not).
FINAL_DECISIONS = ("APPROVE", "REJECT")
DAY = 86_400


@dataclass(frozen=True)
class StatePortCount:
    """Shipments in one state leaving one port."""

    state: str
    port: str
    count: int


@dataclass(frozen=True)
class PortWaiting:
    """Declarations waiting for one port's customs (``inspections``: of them, inspection requested)."""

    port: str
    waiting: int
    inspections: int


@dataclass(frozen=True)
class KindCount:
    """Open IoT alerts of one kind of device."""

    kind: str
    count: int


@dataclass(frozen=True)
class FinancingVolume:
    """Financings of one product in one state, with the sums of their terms and funding (token minor units)."""

    product: str
    state: str
    count: int
    amount: str
    funded: str


@dataclass(frozen=True)
class DayCount:
    """Milestones recorded on one UTC day (unix seconds of its midnight)."""

    day: int
    count: int


@dataclass(frozen=True)
class Overview:
    """Everything the overview page draws."""

    shipments: list[StatePortCount]
    in_flight: int
    declarations_waiting: list[PortWaiting]
    open_alerts: int
    alerts_by_kind: list[KindCount]
    financings: list[FinancingVolume]
    milestones_by_day: list[DayCount]
    checkpoint_block: int | None


def waiting_declarations(port: str | None = None) -> Any:
    """``SELECT declaration_id, port, inspection`` of every filed declaration still waiting for a decision of
    customs at ``port`` (every port if ``None``) on its current version: one row per declaration and port."""
    d, s, cd = schema.declarations, schema.shipments, schema.customs_decisions

    def side(port_column: Any) -> Any:
        decided = select(cd.c.declaration_id).where(
            cd.c.declaration_id == d.c.declaration_id,
            cd.c.version == d.c.version,
            cd.c.port == port_column,
            cd.c.decision.in_(FINAL_DECISIONS),
        )
        inspection = select(cd.c.declaration_id).where(
            cd.c.declaration_id == d.c.declaration_id,
            cd.c.version == d.c.version,
            cd.c.port == port_column,
            cd.c.decision == "REQUEST_INSPECTION",
        )
        query = (
            select(
                d.c.declaration_id,
                port_column.label("port"),
                inspection.exists().label("inspection"),
            )
            .join(s, s.c.shipment_id == d.c.shipment_id)
            .where(d.c.state == "FILED", ~decided.exists())
        )
        return query.where(port_column == port) if port else query

    return union_all(side(s.c.origin_port), side(s.c.destination_port)).subquery("waiting")


def _sum(column: Any) -> Any:
    return func.coalesce(func.sum(cast(column, Numeric(80, 0))), 0)


class OverviewQueries:
    """The overview's counts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def overview(self, *, viewer: str | None = None, now: int, days: int = 14) -> Overview:
        """The overview as ``viewer`` may see it (``None``: customs or auditor, everything)."""
        with self.engine.connect() as conn:
            shipments = self._shipments(conn, viewer)
            alerts = self._alerts(conn, viewer)
            return Overview(
                shipments=shipments,
                in_flight=sum(x.count for x in shipments),
                declarations_waiting=self._waiting(conn, viewer),
                open_alerts=sum(x.count for x in alerts),
                alerts_by_kind=alerts,
                financings=self._financings(conn, viewer),
                milestones_by_day=self._days(conn, viewer, now, days),
                checkpoint_block=conn.execute(select(schema.index_state.c.checkpoint_block)).scalar(),
            )

    @staticmethod
    def _shipments(conn: Connection, viewer: str | None) -> list[StatePortCount]:
        s = schema.shipments
        query = select(s.c.state, s.c.origin_port, func.count()).where(s.c.state.not_in(DONE_STATES))
        if viewer:
            query = query.where(s.c.shipment_id.in_(party_shipments(viewer)))
        rows = conn.execute(query.group_by(s.c.state, s.c.origin_port).order_by(s.c.state, s.c.origin_port))
        return [StatePortCount(state, port, int(n)) for state, port, n in rows]

    @staticmethod
    def _waiting(conn: Connection, viewer: str | None) -> list[PortWaiting]:
        w = waiting_declarations()
        query = select(w.c.port, func.count(), func.sum(cast(w.c.inspection, Integer)))
        if viewer:
            query = query.where(w.c.declaration_id.in_(party_shipments(viewer)))
        rows = conn.execute(query.group_by(w.c.port).order_by(w.c.port))
        return [PortWaiting(port, int(n), int(i or 0)) for port, n, i in rows]

    @staticmethod
    def _alerts(conn: Connection, viewer: str | None) -> list[KindCount]:
        a, d = schema.iot_alerts, schema.iot_devices
        query = select(a.c.kind, func.count()).where(a.c.state == "OPEN")
        if viewer:
            relayed = select(d.c.device_id).where(d.c.gateway.in_(forms(viewer)))
            query = query.where(or_(a.c.shipment_id.in_(party_shipments(viewer)), a.c.device_id.in_(relayed)))
        rows = conn.execute(query.group_by(a.c.kind).order_by(a.c.kind))
        return [KindCount(str(kind), int(n)) for kind, n in rows]

    @staticmethod
    def _financings(conn: Connection, viewer: str | None) -> list[FinancingVolume]:
        f = schema.financings
        query = select(f.c.product, f.c.state, func.count(), _sum(f.c.amount), _sum(f.c.funded))
        if viewer:
            mine = forms(viewer)
            query = query.where(
                or_(
                    f.c.exporter.in_(mine),
                    f.c.financier.in_(mine),
                    f.c.shipment_id.in_(party_shipments(viewer)),
                )
            )
        rows = conn.execute(query.group_by(f.c.product, f.c.state).order_by(f.c.product, f.c.state))
        return [
            FinancingVolume(product, state, int(n), str(int(amount)), str(int(funded)))
            for product, state, n, amount, funded in rows
        ]

    @staticmethod
    def _days(conn: Connection, viewer: str | None, now: int, days: int) -> list[DayCount]:
        m = schema.milestones
        since = (now // DAY - days + 1) * DAY
        day = (m.c.block_timestamp - m.c.block_timestamp % literal(DAY)).label("day")
        query = select(day, func.count()).where(m.c.block_timestamp >= since)
        if viewer:
            query = query.where(m.c.shipment_id.in_(party_shipments(viewer)))
        counts = {int(d): int(n) for d, n in conn.execute(query.group_by(day))}
        return [DayCount(since + i * DAY, counts.get(since + i * DAY, 0)) for i in range(days)]
