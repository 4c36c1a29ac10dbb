"""Checks against the chain itself: a document's digest read from the shipment registry, and a shipment's
audit trail compared with the node's logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from portlink.api.deps import CallerDep, DocumentsDep, RuntimeDep
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import ShipmentId

documents = APIRouter(prefix="/v1/documents", tags=["documents"])
audit = APIRouter(prefix="/v1/audit", tags=["audit"])


class ChainAnchorPublic(Public):
    """What the shipment registry on chain says about a digest (``verifyDocument``)."""

    digest: str
    anchored: bool
    latest: bool = Field(description="The newest version of its document type for its shipment.")
    shipment_id: str | None
    doc_type: str | None
    version: int
    anchored_by: str | None
    anchored_at: int | None = Field(description="Unix seconds (the chain's clock).")


class TrailDifferencePublic(Public):
    """A log on which the index and the chain disagree."""

    kind: str = Field(description="missing-from-index, not-on-chain or changed")
    block_number: int
    log_index: int
    transaction_hash: str
    event: str
    detail: str


class TrailVerificationPublic(Public):
    """A shipment's indexed trail compared with the chain, from its registration to the index's checkpoint."""

    shipment_id: str
    verified: bool = Field(description="No differences.")
    checked: int = Field(description="Indexed events compared.")
    from_block: int
    to_block: int
    differences: list[TrailDifferencePublic]


@documents.get("/{digest}/on-chain", response_model=ChainAnchorPublic, responses=responses(401, 503))
def verify_on_chain(
    digest: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="keccak-256 of the document.")],
    documents: DocumentsDep,
    caller: CallerDep,
) -> ChainAnchorPublic:
    """Verify a document's keccak-256 against the chain itself, not the index."""
    return ChainAnchorPublic.model_validate(documents.verify_on_chain(digest))


@audit.get(
    "/shipments/{shipment_id}/verification",
    response_model=TrailVerificationPublic,
    responses=responses(401, 403, 404, 503),
)
def verify_shipment_trail(shipment_id: ShipmentId, runtime: RuntimeDep, caller: CallerDep) -> TrailVerificationPublic:
    """Re-read the shipment's logs from the node and compare them, event by event, with its indexed trail."""
    v = runtime.trails.verify(caller, shipment_id)
    return TrailVerificationPublic(
        shipment_id=v.shipment_id,
        verified=not v.differences,
        checked=v.checked,
        from_block=v.from_block,
        to_block=v.to_block,
        differences=[TrailDifferencePublic.model_validate(d) for d in v.differences],
    )
