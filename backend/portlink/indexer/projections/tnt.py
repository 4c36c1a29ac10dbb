"""The DCSA Track & Trace row of an event (``dcsa_events``), announced in the ``dcsa`` outbox: the shipment,
customs and transport call projections call :func:`record` for each event DCSA knows (see
:mod:`portlink.domain.dcsa` for which)."""

from __future__ import annotations

from typing import Any

from portlink.domain.dcsa import event_id
from portlink.indexer.projections.base import Event, Projector
from portlink.store import schema
from portlink.store.notifications import DCSA_TOPIC


def record(
    p: Projector,
    e: Event,
    *,
    event_type: str,
    code: str,
    shipment_id: str,
    document_type_code: str | None = None,
    document_id: str | None = None,
    container_index: int | None = None,
    port: str | None = None,
    seals: list[str] | None = None,
) -> None:
    """Append the DCSA event of ``e`` and announce it to the DCSA subscribers."""
    row: dict[str, Any] = {
        "event_id": event_id(e.block_hash, e.log_index),
        "event_type": event_type,
        "event_code": code,
        "document_type_code": document_type_code,
        "document_id": document_id,
        "shipment_id": shipment_id,
        "container_index": container_index,
        "port": port,
        "seals": seals,
    }
    p.append(schema.dcsa_events, e, **row)
    p.announce(DCSA_TOPIC, e)
