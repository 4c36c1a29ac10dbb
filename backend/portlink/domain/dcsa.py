"""DCSA Track & Trace 2.2 vocabulary: the code lists of the published specification, the event id of a log, and
which of PortLink's on-chain facts is which DCSA event.

- equipment events: gate-in, load, discharge, gate-out of a container (laden, with the seals read at gate-in);
- transport events: the vessel's departure and arrival;
- shipment events: the transport document (B/L) issued (``ISSU``/``TRD``); the customs declaration submitted
  (``SUBM``/``CUS``, each version), approved by both customs (``APPR``/``CUS``), rejected (``REJE``/``CUS``),
  held (``HOLD``/``CUS``) and released (``RELS``/``CUS``).

All are actual (``ACT``) events: the chain records what happened.
"""

from __future__ import annotations

import uuid

#: UUIDv5 namespace of PortLink's DCSA event ids.
NAMESPACE = uuid.UUID("2f0d1c39-6f5e-4a7b-9e0e-5a1d8d0c7e11")
API_VERSION = "2.2.0"

EVENT_TYPES = ("SHIPMENT", "TRANSPORT", "EQUIPMENT")
SHIPMENT_EVENT_TYPE_CODES = (
    "RECE",
    "DRFT",
    "PENA",
    "PENU",
    "REJE",
    "APPR",
    "ISSU",
    "SURR",
    "SUBM",
    "VOID",
    "CONF",
    "REQS",
    "CMPL",
    "HOLD",
    "RELS",
)
DOCUMENT_TYPE_CODES = ("CBR", "BKG", "SHI", "SRM", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG")
TRANSPORT_EVENT_TYPE_CODES = ("ARRI", "DEPA")
EQUIPMENT_EVENT_TYPE_CODES = ("LOAD", "DISC", "GTIN", "GTOT", "STUF", "STRP", "PICK", "DROP", "INSP", "RSEA", "RMVD")
TRANSPORT_DOCUMENT_TYPES = ("BOL", "SWB")

#: PortLink's milestones as DCSA events: (eventType, event type code).
MILESTONE_EVENTS = {
    "GTIN": ("EQUIPMENT", "GTIN"),
    "LOAD": ("EQUIPMENT", "LOAD"),
    "DISC": ("EQUIPMENT", "DISC"),
    "GTOT": ("EQUIPMENT", "GTOT"),
    "DEPA": ("TRANSPORT", "DEPA"),
    "ARRI": ("TRANSPORT", "ARRI"),
}
#: Customs clearance's events as DCSA shipment events: (shipmentEventTypeCode, documentTypeCode).
CUSTOMS_EVENTS = {
    "DeclarationFiled": ("SUBM", "CUS"),
    "DeclarationCleared": ("APPR", "CUS"),
    "HoldPlaced": ("HOLD", "CUS"),
    "HoldReleased": ("RELS", "CUS"),
}
#: A customs decision that is a DCSA shipment event of its own.
REJECTION = ("REJE", "CUS")
#: The transport document issued: a bill of lading anchored.
ISSUED = ("ISSU", "TRD")


def event_id(block_hash: str, log_index: int) -> str:
    """The DCSA ``eventID`` of the event a log records: a UUID derived from the log, so it never changes."""
    return str(uuid.uuid5(NAMESPACE, f"{block_hash}:{log_index}"))


def unassigned_call_id(shipment_id: str, port: str) -> str:
    """The ``transportCallID`` of a shipment's call at ``port`` when its carrier recorded none: every event of the
    shipment there shares it."""
    return f"{shipment_id}@{port}"
