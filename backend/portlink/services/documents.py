"""Documents: whether a file's keccak-256 digest is anchored to a shipment, where, and whether it is still the
latest version of its type; from the index (fast, what the API answers) or from the chain itself (the authority,
what ``portlink doc verify`` asks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_utils.crypto import keccak

from portlink.domain.shipments import DocumentType
from portlink.manifest import SHIPMENTS
from portlink.services.contracts import ContractViews
from portlink.services.shipments import DocumentAnchor, ShipmentService


@dataclass(frozen=True)
class DocumentVerification:
    """Whether a digest is anchored, where, and whether it is the latest version of its document type."""

    digest: str
    anchored: bool
    latest: bool
    anchors: Sequence[DocumentAnchor]


@dataclass(frozen=True)
class ChainAnchor:
    """A digest's anchor as the shipment registry itself reports it."""

    digest: str
    shipment_id: str
    doc_type: str
    version: int
    anchored_by: str
    anchored_at: int
    latest: bool


def digest_of(content: bytes) -> str:
    """The keccak-256 of a file, as 0x-hex: what is anchored on chain."""
    return "0x" + keccak(content).hex()


class DocumentService:
    """Document verification."""

    def __init__(self, shipments: ShipmentService, views: ContractViews) -> None:
        self.shipments, self.views = shipments, views

    def verify(self, digest: str) -> DocumentVerification:
        """The anchors of ``digest`` in the index and whether the newest is still the latest version of its type."""
        anchors = self.shipments.anchors_of(digest)
        latest = False
        if anchors:
            newest = anchors[-1]
            current = self.shipments.latest_document(newest.shipment_id, newest.doc_type)
            latest = current is not None and current.digest == digest.lower()
        return DocumentVerification(digest=digest.lower(), anchored=bool(anchors), latest=latest, anchors=anchors)

    def verify_on_chain(self, digest: bytes) -> ChainAnchor | None:
        """``digest``'s anchor as the shipment registry reports it, or ``None`` if it is not anchored."""
        anchor, latest = self.views.call(SHIPMENTS, "verifyDocument", [digest])
        if int(anchor["version"]) == 0:
            return None
        return ChainAnchor(
            digest="0x" + digest.hex(),
            shipment_id=anchor["shipmentId"],
            doc_type=DocumentType(int(anchor["docType"])).name,
            version=int(anchor["version"]),
            anchored_by=anchor["anchoredBy"],
            anchored_at=int(anchor["anchoredAt"]),
            latest=bool(latest),
        )
