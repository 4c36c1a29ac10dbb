"""Checks against the chain itself: a document's digest read from the shipment registry, and a shipment's
audit trail compared with the node's logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from portlink.api.deps import CallerDep, QueriesDep, RuntimeDep
from portlink.api.problems import responses
from portlink.api.routes.shipments import ShipmentId, visible_shipment
from portlink.services.verification import document_on_chain, verify_shipment

documents = APIRouter(prefix="/v1/documents", tags=["documents"])
audit = APIRouter(prefix="/v1/audit", tags=["audit"])


class ChainAnchorPublic(BaseModel):
    """What the shipment registry on chain says about a digest (``verifyDocument``)."""

    model_config = ConfigDict(extra="forbid")

    digest: str
    anchored: bool
    latest: bool = Field(description="The newest version of its document type for its shipment.")
    shipmentId: str | None
    docType: str | None
    version: int
    anchoredBy: str | None
    anchoredAt: int | None = Field(description="Unix seconds (the chain's clock).")


@documents.get("/{digest}/on-chain", response_model=ChainAnchorPublic, responses=responses(401, 503))
def verify_on_chain(
    digest: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="keccak-256 of the document.")],
    runtime: RuntimeDep,
    caller: CallerDep,
) -> ChainAnchorPublic:
    """Verify a document's keccak-256 against the chain itself, not the index."""
    a = document_on_chain(runtime.view, digest)
    return ChainAnchorPublic(
        digest=a.digest,
        anchored=a.anchored,
        latest=a.latest,
        shipmentId=a.shipment_id,
        docType=a.doc_type,
        version=a.version,
        anchoredBy=a.anchored_by,
        anchoredAt=a.anchored_at,
    )


class TrailDifferencePublic(BaseModel):
    """A log on which the index and the chain disagree."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="missing-from-index, not-on-chain or changed")
    blockNumber: int
    logIndex: int
    transactionHash: str
    event: str
    detail: str


class TrailVerificationPublic(BaseModel):
    """A shipment's indexed trail compared with the chain, from its registration to the index's checkpoint."""

    model_config = ConfigDict(extra="forbid")

    shipmentId: str
    verified: bool = Field(description="No differences.")
    checked: int = Field(description="Indexed events compared.")
    fromBlock: int
    toBlock: int
    differences: list[TrailDifferencePublic]


@audit.get(
    "/shipments/{shipment_id}/verification",
    response_model=TrailVerificationPublic,
    responses=responses(401, 403, 404, 503),
)
def verify_shipment_trail(
    shipment_id: ShipmentId, runtime: RuntimeDep, queries: QueriesDep, caller: CallerDep
) -> TrailVerificationPublic:
    """Re-read the shipment's logs from the node and compare them, event by event, with its indexed trail."""
    visible_shipment(queries, caller, shipment_id)
    v = verify_shipment(runtime, shipment_id)
    return TrailVerificationPublic(
        shipmentId=v.shipment_id,
        verified=not v.differences,
        checked=v.checked,
        fromBlock=v.from_block,
        toBlock=v.to_block,
        differences=[
            TrailDifferencePublic(
                kind=d.kind,
                blockNumber=d.block_number,
                logIndex=d.log_index,
                transactionHash=d.transaction_hash,
                event=d.event,
                detail=d.detail,
            )
            for d in v.differences
        ],
    )
