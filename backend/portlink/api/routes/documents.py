"""Documents: verify a file (upload) or a digest against the anchors on chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, UploadFile

from portlink.api.deps import CallerDep, DocumentsDep
from portlink.api.models import Public
from portlink.api.problems import responses
from portlink.api.routes.shipments import DocumentPublic
from portlink.services.documents import digest_of

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class DocumentVerification(Public):
    """Whether a digest is anchored, where, and whether it is the latest version of its type."""

    digest: str
    anchored: bool
    latest: bool
    anchors: list[DocumentPublic]


@router.get("/{digest}", response_model=DocumentVerification, responses=responses(401))
def verify_by_hash(
    digest: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$", description="keccak-256 of the document.")],
    documents: DocumentsDep,
    caller: CallerDep,
) -> DocumentVerification:
    """Verify a document by its keccak-256 digest."""
    return DocumentVerification.model_validate(documents.verify(digest))


@router.post("/verifications", response_model=DocumentVerification, responses=responses(401, 413))
def verify_by_upload(file: UploadFile, documents: DocumentsDep, caller: CallerDep) -> DocumentVerification:
    """Verify a document by uploading it (multipart ``file``); the digest is computed here."""
    return DocumentVerification.model_validate(documents.verify(digest_of(file.file.read())))
