"""The shipment, transport and equipment milestones as DCSA Track & Trace 2.2 events.

- equipment events: gate-in, load, discharge, gate-out of a container (``EquipmentEventRecorded``), laden;
- transport events: departure and arrival of the vessel (``TransportEventRecorded``);
- shipment events: the transport document issued (bill of lading anchored: ``ISSU``/``TRD``), the customs
  declaration submitted (``SUBM``/``CUS``) and approved by both customs (``APPR``/``CUS``).

All are actual (``ACT``) events: the chain records what happened. ``eventID`` is a UUID derived from the log
(block hash, log index), so an event keeps its id; ``eventDateTime`` is the block time, and the transport call is
the port call at the UN/LOCODE where it happened, identified by the recording transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, or_, select

from portlink.services.sql import rows
from portlink.store import schema

_NAMESPACE = uuid.UUID("2f0d1c39-6f5e-4a7b-9e0e-5a1d8d0c7e11")
EQUIPMENT_CODES = frozenset({"GTIN", "LOAD", "DISC", "GTOT"})
TRANSPORT_CODES = frozenset({"DEPA", "ARRI"})
_DOCUMENT_EVENTS = {
    "BILL_OF_LADING": ("ISSU", "TRD"),
    "DeclarationFiled": ("SUBM", "CUS"),
    "DeclarationCleared": ("APPR", "CUS"),
}


def _time(timestamp: int | None) -> str:
    return datetime.fromtimestamp(timestamp or 0, UTC).isoformat().replace("+00:00", "Z")


def _base(row: dict[str, Any]) -> dict[str, Any]:
    when = _time(row["block_timestamp"])
    return {
        "eventID": str(uuid.uuid5(_NAMESPACE, f"{row['block_hash']}:{row['log_index']}")),
        "eventCreatedDateTime": when,
        "eventDateTime": when,
        "eventClassifierCode": "ACT",
    }


def _transport_call(row: dict[str, Any], port: str) -> dict[str, Any]:
    return {
        "transportCallID": row["transaction_hash"],
        "UNLocationCode": port,
        "modeOfTransport": "VESSEL",
        "facilityTypeCode": "POTE",
    }


def _references(row: dict[str, Any]) -> str:
    # Kept aside for filtering, not sent as documentReferences: the published tnt_v2.2.0.yaml enumerates
    # documentReferenceType as "TRD (Transport Document)" (description text in the enum), so the correct "TRD"
    # would not validate against it. The transport document is the shipment event's documentID instead.
    return str(row["transport_document_reference"])


def milestone_event(row: dict[str, Any]) -> dict[str, Any]:
    """An equipment or transport event from a milestone row."""
    event = _base(row)
    code = row["milestone"]
    if code in TRANSPORT_CODES:
        event.update(
            eventType="TRANSPORT",
            transportEventTypeCode=code,
            transportCall=_transport_call(row, row["port"]),
            _trd=_references(row),
        )
        return event
    event.update(
        eventType="EQUIPMENT",
        equipmentEventTypeCode=code,
        equipmentReference=row["container_number"],
        emptyIndicatorCode="LADEN",
        transportCall=_transport_call(row, row["port"]),
        _trd=_references(row),
    )
    if row.get("seals"):
        event["seals"] = [{"sealNumber": s, "sealSource": "SHI", "sealType": "BLT"} for s in row["seals"]]
    return event


def document_event(row: dict[str, Any]) -> dict[str, Any] | None:
    """A shipment event from a document anchor or declaration row (``None`` for document types DCSA does not
    track)."""
    codes = _DOCUMENT_EVENTS.get(row["kind"])
    if codes is None:
        return None
    event = _base(row)
    event.update(
        eventType="SHIPMENT",
        shipmentEventTypeCode=codes[0],
        documentTypeCode=codes[1],
        documentID=row["transport_document_reference"] if codes[1] == "TRD" else row["shipment_id"],
        _trd=_references(row),
    )
    return event


class DcsaService:
    """DCSA Track & Trace events built from the index."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def milestone_rows(self, *, after: tuple[int, int] = (-1, -1), limit: int = 100) -> list[dict[str, Any]]:
        """Milestones of every shipment after position ``after`` (block, log index), with the shipment's parties
        and transport document and the container number."""
        m, s, c = schema.milestones, schema.shipments, schema.containers
        query = (
            select(
                m,
                s.c.transport_document_reference,
                s.c.shipper,
                s.c.carrier,
                s.c.consignee,
                c.c.number.label("container_number"),
            )
            .join(s, s.c.shipment_id == m.c.shipment_id)
            .outerjoin(c, (c.c.shipment_id == m.c.shipment_id) & (c.c.container_index == m.c.container_index))
            .where(or_(m.c.block_number > after[0], (m.c.block_number == after[0]) & (m.c.log_index > after[1])))
            .order_by(m.c.block_number, m.c.log_index)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return rows(conn, query)

    def shipment_document_rows(self, *, after: tuple[int, int] = (-1, -1), limit: int = 100) -> list[dict[str, Any]]:
        """Document anchors and declaration filings and clearances after ``after``, with the shipment's transport
        document and parties (``kind``: the document type, ``DeclarationFiled`` or ``DeclarationCleared``)."""
        d, s, e = schema.documents, schema.shipments, schema.events
        parties = (s.c.transport_document_reference, s.c.shipper, s.c.carrier, s.c.consignee)

        def later(table: Any) -> Any:
            return or_(
                table.c.block_number > after[0], (table.c.block_number == after[0]) & (table.c.log_index > after[1])
            )

        documents = (
            select(d, *parties)
            .join(s, s.c.shipment_id == d.c.shipment_id)
            .where(later(d))
            .order_by(d.c.block_number, d.c.log_index)
            .limit(limit)
        )
        filings = (
            select(e, *parties)
            .join(s, s.c.shipment_id == e.c.args["declarationId"].as_string())
            .where(e.c.event.in_(["DeclarationFiled", "DeclarationCleared"]), later(e))
            .order_by(e.c.block_number, e.c.log_index)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            found = [{**r, "kind": r["doc_type"]} for r in rows(conn, documents)]
            found += [{**r, "kind": r["event"], "shipment_id": r["args"]["declarationId"]} for r in rows(conn, filings)]
        return sorted(found, key=lambda r: (r["block_number"], r["log_index"]))[:limit]

    def events(
        self,
        *,
        after: tuple[int, int],
        limit: int,
        party: str | None,
        filters: dict[str, set[str] | str],
    ) -> tuple[list[dict[str, Any]], tuple[int, int] | None]:
        """A page of events after ``after`` matching ``filters`` (DCSA query parameters), visible to ``party`` (all
        when ``None``); returns the events and the position of the last one examined (the next cursor), or ``None``
        at the end."""
        out: list[dict[str, Any]] = []
        position = after
        while len(out) < limit:
            batch: list[tuple[dict[str, Any], Callable[[dict[str, Any]], dict[str, Any] | None]]] = [
                (r, milestone_event) for r in self.milestone_rows(after=position, limit=limit)
            ]
            batch += [(r, document_event) for r in self.shipment_document_rows(after=position, limit=limit)]
            if not batch:
                return out, None
            batch.sort(key=lambda pair: (pair[0]["block_number"], pair[0]["log_index"]))
            for row, build in batch[:limit]:
                position = (int(row["block_number"]), int(row["log_index"]))
                if party is not None and to_checksum_address(party) not in {
                    to_checksum_address(row[k]) for k in ("shipper", "carrier", "consignee")
                }:
                    continue
                event = build(row)
                if event is not None and _matches(event, filters):
                    event.pop("_trd", None)
                    out.append(event)
                    if len(out) == limit:
                        return out, position
        return out, position


def _matches(event: dict[str, Any], filters: dict[str, set[str] | str]) -> bool:
    for name, wanted in filters.items():
        if name == "transportDocumentReference":
            if event.get("_trd") != wanted:
                return False
        elif name == "UNLocationCode":
            if event.get("transportCall", {}).get("UNLocationCode") != wanted:
                return False
        elif isinstance(wanted, set):
            if event.get(name) not in wanted:
                return False
        elif event.get(name) != wanted:
            return False
    return True
