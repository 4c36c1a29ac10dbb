"""Documents: verify a file (upload) or a digest against the anchors on chain."""

from __future__ import annotations

from typing import Annotated

from eth_utils.crypto import keccak
from fastapi import APIRouter, Path, UploadFile

from portlink.api.deps import CallerDep, QueriesDep
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.services.queries import IndexQueries

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class DocumentVerification(Public):
    """Whether a digest is anchored, where, and whether it is the latest version of its type."""

    digest: str
    anchored: bool
    latest: bool
    anchors: list[dict[str, object]]


def verify_digest(queries: IndexQueries, digest: str) -> DocumentVerification:
    """The anchors of ``digest`` and whether the newest is still the latest version of its document type."""
    anchors = queries.documents_by_digest(digest)
    latest = False
    if anchors:
        newest = anchors[-1]
        current = queries.latest_document(str(newest["shipmentId"]), str(newest["docType"]))
        latest = current is not None and current["digest"] == digest.lower()
    return DocumentVerification(digest=digest.lower(), anchored=bool(anchors), latest=latest, anchors=anchors)


@router.get("/{digest}", response_model=DocumentVerification, responses=responses(401))
def verify_by_hash(
    digest: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="keccak-256 of the document.")],
    queries: QueriesDep,
    caller: CallerDep,
) -> DocumentVerification:
    """Verify a document by its keccak-256 digest."""
    return verify_digest(queries, digest)


@router.post("/verifications", response_model=DocumentVerification, responses=responses(401, 413))
def verify_by_upload(file: UploadFile, queries: QueriesDep, caller: CallerDep) -> DocumentVerification:
    """Verify a document by uploading it (multipart ``file``); the digest is computed here."""
    return verify_digest(queries, "0x" + keccak(file.file.read()).hex())
