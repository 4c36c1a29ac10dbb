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
    """What the shipment registry on chain says about a digest (``verifyDocument``): anchored or not, and if so
    where, by whom, when, and whether it is the newest version of its document type."""

    digest: str
    anchored: bool
    latest: bool
    shipment_id: str | None
    doc_type: str | None
    version: int
    anchored_by: str | None
    anchored_at: int | None


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

    def verify_on_chain(self, digest: str) -> ChainAnchor:
        """``digest``'s (0x-hex keccak-256) anchor as the shipment registry reports it, not the index."""
        anchor, latest = self.views.call(SHIPMENTS, "verifyDocument", [bytes.fromhex(digest[2:])])
        version = int(anchor["version"])
        if version == 0:
            return ChainAnchor(digest.lower(), False, False, None, None, 0, None, None)
        kind = anchor["docType"]
        return ChainAnchor(
            digest=digest.lower(),
            anchored=True,
            latest=bool(latest),
            shipment_id=str(anchor["shipmentId"]),
            doc_type=kind if isinstance(kind, str) else DocumentType(int(kind)).name,
            version=version,
            anchored_by=str(anchor["anchoredBy"]),
            anchored_at=int(anchor["anchoredAt"]),
        )
