"""Projections of customs clearance's events: declarations, decisions, holds, brokers."""

from __future__ import annotations

from portlink.domain.customs import Decision, DeclarationState
from portlink.domain.dcsa import CUSTOMS_EVENTS, REJECTION
from portlink.indexer.projections import tnt
from portlink.indexer.projections.base import Event, Projector, handles
from portlink.manifest import CUSTOMS
from portlink.store import schema
from portlink.store.notifications import ALERTS_TOPIC


def _shipment_event(p: Projector, e: Event, codes: tuple[str, str]) -> None:
    """The DCSA shipment event of a customs event: the declaration (keyed by its shipment) is the document."""
    declaration = e.args["declarationId"]
    tnt.record(
        p,
        e,
        event_type="SHIPMENT",
        code=codes[0],
        document_type_code=codes[1],
        document_id=declaration,
        shipment_id=declaration,
    )


@handles(CUSTOMS, "BrokerSet")
def _broker_set(p: Projector, e: Event) -> None:
    a = e.args
    if a["authorised"]:
        p.put(schema.brokers, shipper=a["shipper"], broker=a["broker"])
    else:
        p.remove(schema.brokers, a["shipper"], a["broker"])


@handles(CUSTOMS, "DeclarationFiled")
def _declaration_filed(p: Projector, e: Event) -> None:
    a = e.args
    previous = p.get(schema.declarations, a["declarationId"])
    p.put(
        schema.declarations,
        declaration_id=a["declarationId"],
        shipment_id=a["declarationId"],  # CustomsClearance keys a declaration by its shipment
        filer=a["filer"],
        version=a["version"],
        digest=a["digest"],
        hs_codes=a["hsCodes"],
        customs_value=a["customsValue"],
        currency=a["currency"],
        state=previous["state"] if previous else DeclarationState.FILED.name,
        cleared_version=None,
        origin_officer=None,
        destination_officer=None,
    )
    _shipment_event(p, e, CUSTOMS_EVENTS[e.name])


@handles(CUSTOMS, "DeclarationStateChanged")
def _declaration_state(p: Projector, e: Event) -> None:
    p.update(schema.declarations, (e.args["declarationId"],), state=str(e.args["state"]))


@handles(CUSTOMS, "DecisionRecorded")
def _decision_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.append(
        schema.customs_decisions,
        e,
        declaration_id=a["declarationId"],
        port=a["port"],
        officer=a["officer"],
        version=a["version"],
        decision=str(a["decision"]),
        reason_code=a["reasonCode"],
        submitted_by=a["submittedBy"],
    )
    if a["decision"] == Decision.REJECT.name:
        _shipment_event(p, e, REJECTION)


@handles(CUSTOMS, "HoldPlaced")
def _hold_placed(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.customs_holds,
        declaration_id=a["declarationId"],
        port=a["port"],
        officer=a["officer"],
        reason_code=a["reasonCode"],
        active=True,
        released_by=None,
    )
    _shipment_event(p, e, CUSTOMS_EVENTS[e.name])
    p.announce(ALERTS_TOPIC, e)


@handles(CUSTOMS, "HoldReleased")
def _hold_released(p: Projector, e: Event) -> None:
    a = e.args
    key = (a["declarationId"], a["port"])
    p.update(schema.customs_holds, key, active=False, released_by=a["officer"])
    _shipment_event(p, e, CUSTOMS_EVENTS[e.name])
    p.announce(ALERTS_TOPIC, e)


@handles(CUSTOMS, "DeclarationCleared")
def _declaration_cleared(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.declarations,
        (a["declarationId"],),
        cleared_version=a["version"],
        origin_officer=a["originOfficer"],
        destination_officer=a["destinationOfficer"],
    )
    _shipment_event(p, e, CUSTOMS_EVENTS[e.name])
