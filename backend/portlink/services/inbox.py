"""Declarations as lists: every declaration a member may see, by state, and a customs officer's inbox, the
declarations filed and still waiting for the decision of customs at one port on their current version, oldest
first, with what the officer weighs (holds, open IoT alerts, uncleared gate-in discrepancies) and, for customs and
auditors, the risk score and its reasons (sorted by risk on request). Paged and filtered in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from portlink.services.overview import waiting_declarations
from portlink.services.sql import party_shipments
from portlink.store import schema


@dataclass(frozen=True)
class DeclarationSummary:
    """A declaration in a list, with its shipment's ports and transport document and what holds it."""

    declaration_id: str
    shipment_id: str
    transport_document_reference: str
    origin_port: str
    destination_port: str
    filer: str
    version: int
    state: str
    digest: str
    hs_codes: list[str]
    customs_value: str
    currency: str
    waiting_at: str | None
    inspection_requested: bool
    active_holds: int
    open_alerts: int
    open_discrepancies: int
    block_number: int
    confirmed: bool
    risk_score: float | None = None
    risk_band: str | None = None
    risk_reasons: list[str] = field(default_factory=list)


def _count(table: Any, *where: Any) -> Any:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


class DeclarationLists:
    """Lists of declarations from the index."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def declarations(
        self,
        *,
        waiting_at: str | None = None,
        state: str | None = None,
        viewer: str | None = None,
        with_risk: bool = False,
        by_risk: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[DeclarationSummary]]:
        """Declarations (``waiting_at``: only those waiting for that port's customs, oldest first; otherwise
        newest first; ``by_risk``: highest risk score first, unscored last), with the total count; ``viewer`` sees
        only its shipments' declarations; ``with_risk`` adds the risk score, band and reasons (customs and
        auditors only: the caller decides)."""
        d, s, r = schema.declarations, schema.shipments, schema.risk_scores
        h, a, x = schema.customs_holds, schema.iot_alerts, schema.discrepancies
        columns = [
            d,
            s.c.transport_document_reference,
            s.c.origin_port,
            s.c.destination_port,
            _count(h, h.c.declaration_id == d.c.declaration_id, h.c.active.is_(True)).label("active_holds"),
            _count(a, a.c.shipment_id == d.c.shipment_id, a.c.state == "OPEN").label("open_alerts"),
            _count(x, x.c.shipment_id == d.c.shipment_id, x.c.cleared_by.is_(None)).label("open_discrepancies"),
        ]
        if waiting_at:
            w = waiting_declarations(waiting_at)
            query = (
                select(*columns, w.c.port.label("waiting_at"), w.c.inspection)
                .join(w, w.c.declaration_id == d.c.declaration_id)
                .join(s, s.c.shipment_id == d.c.shipment_id)
            )
            order: list[Any] = [d.c.block_number, d.c.declaration_id]
        else:
            query = select(*columns).join(s, s.c.shipment_id == d.c.shipment_id)
            order = [d.c.block_number.desc(), d.c.declaration_id]
        if with_risk or by_risk:
            query = query.add_columns(
                r.c.score.label("risk_score"), r.c.band.label("risk_band"), r.c.reasons.label("risk_reasons")
            ).outerjoin(r, r.c.declaration_id == d.c.declaration_id)
        if by_risk:
            order = [r.c.score.desc().nulls_last(), *order]
        if state:
            query = query.where(d.c.state == state)
        if viewer:
            query = query.where(d.c.shipment_id.in_(party_shipments(viewer)))
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
            rows = conn.execute(query.order_by(*order).limit(limit).offset(offset)).mappings().all()
        return total, [self._summary(dict(r)) for r in rows]

    @staticmethod
    def _summary(r: dict[str, Any]) -> DeclarationSummary:
        return DeclarationSummary(
            declaration_id=r["declaration_id"],
            shipment_id=r["shipment_id"],
            transport_document_reference=r["transport_document_reference"],
            origin_port=r["origin_port"],
            destination_port=r["destination_port"],
            filer=to_checksum_address(r["filer"]),
            version=r["version"],
            state=r["state"],
            digest=r["digest"],
            hs_codes=list(r["hs_codes"]),
            customs_value=r["customs_value"],
            currency=r["currency"],
            waiting_at=r.get("waiting_at"),
            inspection_requested=bool(r.get("inspection")),
            active_holds=int(r["active_holds"]),
            open_alerts=int(r["open_alerts"]),
            open_discrepancies=int(r["open_discrepancies"]),
            block_number=r["block_number"],
            confirmed=bool(r["confirmed"]),
            risk_score=r.get("risk_score"),
            risk_band=r.get("risk_band"),
            risk_reasons=[x["text"] for x in r.get("risk_reasons") or ()],
        )
