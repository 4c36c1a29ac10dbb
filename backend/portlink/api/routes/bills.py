"""Bills of lading: the carrier's EIP-712 attestation that it issued a transport document to a shipper, which the
shipper registers the shipment with (``carrierAttestation`` of ``POST /v1/shipments``)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from portlink.api.deps import BillsDep, CallerDep
from portlink.api.fields import Address, ContainerNumber, TransportDocument, UnLocode
from portlink.api.models import Closed, Public, TypedDataPublic
from portlink.api.problems import responses
from portlink.domain.shipments import MAX_CONTAINERS, BillOfLading
from portlink.errors import InvalidInputError
from portlink.services.access import Caller
from portlink.services.bills import BillOfLadingService

router = APIRouter(prefix="/v1/bills-of-lading", tags=["shipments"])


class BillOfLadingCreate(Closed):
    """What a carrier attests: it issued transport document ``transportDocumentReference`` to ``shipper`` for this
    consignee, port pair and these containers. The shipper registers exactly these values (in this container
    order) until ``deadline``."""

    carrier: Address | None = Field(None, description="The carrier; default: the caller.")
    transportDocumentReference: TransportDocument
    shipper: Address
    consignee: Address
    originPort: UnLocode
    destinationPort: UnLocode
    containers: list[ContainerNumber] = Field(min_length=1, max_length=MAX_CONTAINERS)
    deadline: int | None = Field(None, gt=0, lt=2**64, description="Unix time; default: a week from now.")

    def bill(self, caller: Caller, bills: BillOfLadingService) -> BillOfLading:
        """The attestation these values make (the caller as carrier unless one is named)."""
        try:
            return BillOfLading.issue(
                carrier=self.carrier or caller.member,
                transport_document=self.transportDocumentReference,
                shipper=self.shipper,
                consignee=self.consignee,
                origin_port=self.originPort,
                destination_port=self.destinationPort,
                containers=self.containers,
                deadline=bills.deadline_or_default(self.deadline),
            )
        except ValueError as exc:
            raise InvalidInputError(str(exc), "body") from None


class AttestationPublic(Public):
    """A carrier's signed attestation: send ``deadline`` and ``signature`` as the registration's
    ``carrierAttestation``."""

    carrier: str
    shipper: str
    deadline: int
    signature: str = Field(description="The carrier's EIP-712 signature of `typedData`.")
    typed_data: TypedDataPublic


@router.post("/typed-data", response_model=TypedDataPublic, responses=responses(401, 413, 422, 503))
def bill_of_lading_typed_data(body: BillOfLadingCreate, bills: BillsDep, caller: CallerDep) -> TypedDataPublic:
    """The ``eth_signTypedData_v4`` document of the attestation, for the carrier to sign in its wallet and hand to
    the shipper with the deadline."""
    return TypedDataPublic.model_validate(bills.typed_data(body.bill(caller, bills)))


@router.post("/attestations", response_model=AttestationPublic, responses=responses(401, 403, 409, 413, 422, 503))
def attest_bill_of_lading(body: BillOfLadingCreate, bills: BillsDep, caller: CallerDep) -> AttestationPublic:
    """The attestation signed with the calling carrier's custodial key (only the carrier it names may ask; a
    carrier without a key in the keystore signs the typed data in its wallet instead: 409)."""
    return AttestationPublic.model_validate(bills.attest(caller, body.bill(caller, bills)))
