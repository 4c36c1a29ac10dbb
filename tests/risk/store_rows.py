"""Generated declarations written into the index's tables as the indexer would have projected them (one container
per shipment, a REJECT decision for a finding, a clearance otherwise), for the risk service's store
tests and bench/risk.py. Not chain data: the HTTP tests (tests/api/test_risk.py) index a real chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portlink.domain.risk import DeclarationFacts
from portlink.indexer.bulk import insert_rows
from portlink.store import schema
from sqlalchemy import Engine

ZERO = "0x" + "0" * 64


def _log(block: int, index: int) -> dict[str, Any]:
    return {
        "block_hash": f"0x{block:064x}",
        "log_index": index,
        "transaction_hash": f"0x{block:064x}",
        "block_timestamp": block,
        "block_number": block,
        "confirmed": True,
    }


def write(engine: Engine, facts: Sequence[DeclarationFacts], *, chunk: int = 5_000) -> None:
    """Write ``facts`` (filed_at and decided_at are used as block numbers); undecided ones stay FILED."""
    for start in range(0, len(facts), chunk):
        tables: dict[str, list[dict[str, Any]]] = {}
        for n, f in enumerate(facts[start : start + chunk], start=start):
            _rows(tables, n, f)
        with engine.begin() as conn:
            for name, rows in tables.items():
                insert_rows(conn, schema.TABLES[name], rows)


def _rows(tables: dict[str, list[dict[str, Any]]], n: int, f: DeclarationFacts) -> None:
    add = lambda name, **row: tables.setdefault(name, []).append(row)  # noqa: E731
    sid = f.declaration_id
    filed = f.filed_at
    state = "FILED" if f.outcome is None else "REJECTED" if f.outcome else "CLEARED"
    last = f.decided_at if f.decided_at is not None else filed
    add(
        "shipments",
        shipment_id=sid,
        shipper=f.shipper,
        carrier="0x" + "ca" * 20,
        consignee=f.consignee,
        origin_port=f.origin,
        destination_port=f.destination,
        transport_document_reference=f"BL{n:010d}",
        documents_digest=ZERO,
        container_count=1,
        state="GATED_IN",
        held=bool(f.outcome),
        registered_block=filed,
        registered_transaction=ZERO,
        block_number=filed,
        confirmed=True,
    )
    observed = None if f.weight_deviation is None else round(f.declared_kg * (1 + f.weight_deviation))
    add(
        "containers",
        shipment_id=sid,
        container_index=0,
        number=f"CSQU{n % 10**7:07d}",
        declared_gross_kg=f.declared_kg,
        seals=["SEAL1"],
        last_milestone="GTIN",
        observed_gross_kg=observed,
        block_number=filed,
        confirmed=True,
    )
    for kind, present in (("SEALS", f.seal_discrepancy), ("WEIGHT", f.weight_discrepancy)):
        if present:
            add(
                "discrepancies",
                shipment_id=sid,
                container_index=0,
                kind=kind,
                declared="x",
                observed="y",
                cleared_by=None,
                cleared_reason=None,
                block_number=filed,
                confirmed=True,
            )
    for k in range(f.iot_alerts):
        add(
            "iot_alerts",
            alert_id=n * 10 + k + 1,
            shipment_id=sid,
            device_id=ZERO,
            kind="SEAL",
            rule="SEAL",
            value=1,
            sequence=k + 1,
            reading_timestamp=filed,
            state="RESOLVED",
            raised_block=filed,
            raised_transaction=ZERO,
            raised_at=filed,
            resolved_by=None,
            reason=None,
            resolved_at=None,
            block_number=filed,
            confirmed=True,
        )
    add(
        "declarations",
        declaration_id=sid,
        shipment_id=sid,
        filer=f.shipper,
        version=1,
        digest=ZERO,
        hs_codes=list(f.hs_codes),
        customs_value=str(f.customs_value),
        currency=f.currency,
        state=state,
        cleared_version=1 if state == "CLEARED" else None,
        origin_officer=None,
        destination_officer=None,
        block_number=last,
        confirmed=True,
    )
    if f.outcome == 1 and f.decided_at is not None:
        add(
            "customs_decisions",
            **_log(f.decided_at, n),
            declaration_id=sid,
            port=f.origin,
            officer="0x" + "0c" * 20,
            version=1,
            decision="REJECT",
            reason_code="FOUND",
            submitted_by="0x" + "0c" * 20,
        )
