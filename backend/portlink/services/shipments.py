"""Shipments: registration, DCSA milestones, gate-in discrepancies and document anchors as writes of the shipment
registry; shipments with their containers, milestones, discrepancies and documents as indexed, and who may read
them (the parties of a shipment, customs and auditors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, or_, select

from portlink.domain.shipments import DocumentType, RegistrationDraft, normalise_seals
from portlink.errors import InvalidInputError, NotFoundError
from portlink.manifest import SHIPMENTS
from portlink.services.access import Caller
from portlink.services.consortium import ConsortiumService
from portlink.services.operations import Call, Write
from portlink.services.sql import Page, page, party_shipments, rows
from portlink.store import schema


@dataclass(frozen=True)
class Shipment:
    """A shipment as indexed (``confirmed``: its last change is final)."""

    shipment_id: str
    shipper: str
    carrier: str
    consignee: str
    origin_port: str
    destination_port: str
    transport_document_reference: str
    documents_digest: str
    container_count: int
    state: str
    held: bool
    registered_block: int
    registered_transaction: str
    block_number: int
    confirmed: bool

    @property
    def parties(self) -> tuple[str, str, str]:
        """Shipper, carrier and consignee."""
        return (self.shipper, self.carrier, self.consignee)


@dataclass(frozen=True)
class Container:
    """A container of a shipment, with its last milestone and the gross weight observed at gate-in."""

    index: int
    number: str
    declared_gross_kg: int
    seals: list[str]
    last_milestone: str | None
    observed_gross_kg: int | None
    confirmed: bool


@dataclass(frozen=True)
class Discrepancy:
    """A gate-in difference between declared and observed weight or seals, and its clearance by customs."""

    container_index: int
    kind: str
    declared: str
    observed: str
    cleared_by: str | None
    cleared_reason: str | None
    confirmed: bool


@dataclass(frozen=True)
class MilestoneRecord:
    """A DCSA milestone recorded on chain."""

    milestone: str
    container_index: int | None
    port: str
    recorded_by: str
    observed_gross_kg: int | None
    seals: list[str] | None
    transaction_hash: str
    block_number: int
    block_timestamp: int | None
    log_index: int
    confirmed: bool


@dataclass(frozen=True)
class DocumentAnchor:
    """A document digest anchored to a shipment (a version of its type)."""

    shipment_id: str
    doc_type: str
    digest: str
    version: int
    anchored_by: str
    transaction_hash: str
    block_number: int
    block_timestamp: int | None
    confirmed: bool


@dataclass(frozen=True)
class ShipmentDetail(Shipment):
    """A shipment with its containers, discrepancies, milestones and documents."""

    containers: Sequence[Container] = ()
    discrepancies: Sequence[Discrepancy] = ()
    milestones: Sequence[MilestoneRecord] = ()
    documents: Sequence[DocumentAnchor] = ()


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone to record: GTIN (with the observed weight and seals), LOAD, DISC, GTOT for a container; DEPA,
    ARRI for the vessel."""

    milestone: str
    container_index: int | None = None
    observed_gross_kg: int | None = None
    seals: list[str] | None = None


_CONTAINER_CALLS = {"LOAD": "load", "DISC": "discharge", "GTOT": "gateOut"}


def _shipment(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "shipment_id": r["shipment_id"],
        "shipper": to_checksum_address(r["shipper"]),
        "carrier": to_checksum_address(r["carrier"]),
        "consignee": to_checksum_address(r["consignee"]),
        "origin_port": r["origin_port"],
        "destination_port": r["destination_port"],
        "transport_document_reference": r["transport_document_reference"],
        "documents_digest": r["documents_digest"],
        "container_count": r["container_count"],
        "state": r["state"],
        "held": bool(r["held"]),
        "registered_block": r["registered_block"],
        "registered_transaction": r["registered_transaction"],
        "block_number": r["block_number"],
        "confirmed": bool(r["confirmed"]),
    }


def _document(r: dict[str, Any]) -> DocumentAnchor:
    return DocumentAnchor(
        shipment_id=r["shipment_id"],
        doc_type=r["doc_type"],
        digest=r["digest"],
        version=r["version"],
        anchored_by=to_checksum_address(r["anchored_by"]),
        transaction_hash=r["transaction_hash"],
        block_number=r["block_number"],
        block_timestamp=r["block_timestamp"],
        confirmed=bool(r["confirmed"]),
    )


class ShipmentService:
    """Shipment reads (with their visibility rules) and writes."""

    def __init__(self, engine: Engine, consortium: ConsortiumService) -> None:
        self.engine, self.consortium = engine, consortium

    # ------------------------------------------------------------------ reading

    def find(self, shipment_id: str) -> Shipment | None:
        """The shipment ``shipment_id`` as indexed, whoever asks, or ``None``."""
        with self.engine.connect() as conn:
            found = rows(conn, select(schema.shipments).where(schema.shipments.c.shipment_id == shipment_id.lower()))
        return Shipment(**_shipment(found[0])) if found else None

    def visible(self, caller: Caller, shipment_id: str, *, handling: bool = False) -> Shipment:
        """The shipment if ``caller`` may read it (a party, customs, an auditor; ``handling``: reading the shipment
        itself, also a terminal of its origin or destination port); :class:`NotFoundError` /
        :class:`ForbiddenError` otherwise."""
        shipment = self.find(shipment_id)
        if shipment is None:
            raise NotFoundError(f"no shipment {shipment_id} in the index (it may not be indexed yet)")
        ports = (shipment.origin_port, shipment.destination_port) if handling else ()
        caller.require_party(shipment.shipment_id, shipment.parties, handled_at=ports)
        return shipment

    def mine(self, member: str) -> set[str]:
        """The ids of the shipments ``member`` is a party of."""
        with self.engine.connect() as conn:
            return {str(r[0]) for r in conn.execute(party_shipments(member))}

    def search(
        self,
        caller: Caller,
        *,
        port: str | None = None,
        state: str | None = None,
        party: str | None = None,
        reference: str | None = None,
        container: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[Shipment]:
        """Shipments by port (origin or destination), state, party, transport document (B/L) and container,
        newest first. Members see the shipments they are a party of (terminals also those from or to their
        ports); customs and auditors see all."""
        terminal_ports: list[str] = []
        if not caller.oversight:
            if party is not None and party != caller.member:
                return Page(0, limit, offset, [])
            party, terminal_ports = caller.member, caller.ports_of("TERMINAL")
        s, c = schema.shipments, schema.containers
        query = select(s)
        if reference:
            query = query.where(s.c.transport_document_reference == reference)
        if container:
            query = query.where(s.c.shipment_id.in_(select(c.c.shipment_id).where(c.c.number == container)))
        if port:
            query = query.where(or_(s.c.origin_port == port, s.c.destination_port == port))
        if state:
            query = query.where(s.c.state == state)
        if party and terminal_ports:
            query = query.where(
                or_(
                    s.c.shipment_id.in_(party_shipments(party)),
                    s.c.origin_port.in_(terminal_ports),
                    s.c.destination_port.in_(terminal_ports),
                )
            )
        elif party:
            query = query.where(s.c.shipment_id.in_(party_shipments(party)))
        with self.engine.connect() as conn:
            total, found = page(conn, query, [s.c.registered_block.desc(), s.c.shipment_id], limit, offset)
        return Page(total, limit, offset, [Shipment(**_shipment(r)) for r in found])

    def detail(self, caller: Caller, shipment_id: str) -> ShipmentDetail:
        """A shipment with its containers, milestones, documents and discrepancies (for its parties, customs,
        auditors and the terminals of its ports)."""
        shipment = self.visible(caller, shipment_id, handling=True)
        sid = shipment.shipment_id
        c, d = schema.containers, schema.discrepancies
        with self.engine.connect() as conn:
            containers = [
                Container(
                    index=r["container_index"],
                    number=r["number"],
                    declared_gross_kg=r["declared_gross_kg"],
                    seals=r["seals"],
                    last_milestone=r["last_milestone"],
                    observed_gross_kg=r["observed_gross_kg"],
                    confirmed=bool(r["confirmed"]),
                )
                for r in rows(conn, select(c).where(c.c.shipment_id == sid).order_by(c.c.container_index))
            ]
            discrepancies = [
                Discrepancy(
                    container_index=r["container_index"],
                    kind=r["kind"],
                    declared=r["declared"],
                    observed=r["observed"],
                    cleared_by=r["cleared_by"],
                    cleared_reason=r["cleared_reason"],
                    confirmed=bool(r["confirmed"]),
                )
                for r in rows(conn, select(d).where(d.c.shipment_id == sid))
            ]
        return ShipmentDetail(
            **_shipment_fields(shipment),
            containers=containers,
            discrepancies=discrepancies,
            milestones=self._milestones(sid),
            documents=self._documents(schema.documents.c.shipment_id == sid),
        )

    def milestones(self, caller: Caller, shipment_id: str) -> list[MilestoneRecord]:
        """The shipment's milestones in chain order (for those who may read the shipment)."""
        return self._milestones(self.visible(caller, shipment_id, handling=True).shipment_id)

    def _milestones(self, shipment_id: str) -> list[MilestoneRecord]:
        m = schema.milestones
        with self.engine.connect() as conn:
            found = rows(
                conn, select(m).where(m.c.shipment_id == shipment_id).order_by(m.c.block_number, m.c.log_index)
            )
        return [
            MilestoneRecord(
                milestone=r["milestone"],
                container_index=r["container_index"],
                port=r["port"],
                recorded_by=to_checksum_address(r["recorded_by"]),
                observed_gross_kg=r["observed_gross_kg"],
                seals=r["seals"],
                transaction_hash=r["transaction_hash"],
                block_number=r["block_number"],
                block_timestamp=r["block_timestamp"],
                log_index=r["log_index"],
                confirmed=bool(r["confirmed"]),
            )
            for r in found
        ]

    def _documents(self, where: Any) -> list[DocumentAnchor]:
        d = schema.documents
        with self.engine.connect() as conn:
            found = rows(conn, select(d).where(where).order_by(d.c.block_number, d.c.log_index))
        return [_document(r) for r in found]

    def anchors_of(self, digest: str) -> list[DocumentAnchor]:
        """Every anchor of ``digest`` (0x-hex keccak-256), oldest first."""
        return self._documents(schema.documents.c.digest == digest.lower())

    def latest_document(self, shipment_id: str, doc_type: str) -> DocumentAnchor | None:
        """The newest version of a document type of a shipment."""
        docs = [a for a in self._documents(schema.documents.c.shipment_id == shipment_id) if a.doc_type == doc_type]
        return max(docs, key=lambda a: a.version) if docs else None

    # ------------------------------------------------------------------ writing

    def register(self, draft: RegistrationDraft) -> Write:
        """Register a shipment (caller: a SHIPPER); both ports must be consortium ports."""
        known = self.consortium.port_codes()
        for field, code in (("originPort", draft.origin_port), ("destinationPort", draft.destination_port)):
            if known and code not in known:
                close = [k for k in known if k[:2] == code[:2]] or known
                raise InvalidInputError(
                    f"{code} is not a consortium port; did you mean {' or '.join(close)}?", f"body.{field}"
                )
        return Write("shipments.register", Call(SHIPMENTS, "register", [draft.to_chain()]))

    @staticmethod
    def record_milestone(shipment_id: bytes, milestone: MilestoneInput) -> Write:
        """Record a milestone (terminal: GTIN, LOAD, DISC, GTOT; carrier: DEPA, ARRI)."""
        code = milestone.milestone
        if code == "GTIN":
            if milestone.seals is None:
                raise InvalidInputError("GTIN needs the seals as the terminal observed them", "body.seals")
            seals = normalise_seals(str(milestone.container_index), milestone.seals)
            call = Call(
                SHIPMENTS, "gateIn", [shipment_id, milestone.container_index, milestone.observed_gross_kg, seals]
            )
        elif code in ("DEPA", "ARRI"):
            call = Call(SHIPMENTS, "depart" if code == "DEPA" else "arrive", [shipment_id])
        else:
            call = Call(SHIPMENTS, _CONTAINER_CALLS[code], [shipment_id, milestone.container_index])
        return Write(f"milestones.{code}", call)

    @staticmethod
    def clear_discrepancy(shipment_id: bytes, container_index: int, reason: str) -> Write:
        """Clear a gate-in weight or seal discrepancy (caller: CUSTOMS of the origin port)."""
        return Write(
            "shipments.clearDiscrepancy", Call(SHIPMENTS, "clearDiscrepancy", [shipment_id, container_index, reason])
        )

    @staticmethod
    def anchor_document(shipment_id: bytes, doc_type: DocumentType, digest: bytes) -> Write:
        """Anchor a document's keccak-256 digest to the shipment (a new version of its type)."""
        return Write("documents.anchor", Call(SHIPMENTS, "anchorDocument", [shipment_id, int(doc_type), digest]))


def _shipment_fields(shipment: Shipment) -> dict[str, Any]:
    return {name: getattr(shipment, name) for name in Shipment.__dataclass_fields__}
