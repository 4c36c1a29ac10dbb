"""Bills of lading: the carrier's EIP-712 ``BillOfLading`` attestation that it issued a transport document to a
shipper, which the shipper registers the shipment with.

Whoever registers a B/L first holds its business key (the shipment id) forever, so the registry takes a
registration only with the carrier's signature over it, for that shipper, until a deadline. A carrier signs in its
own wallet (the typed data from :meth:`BillOfLadingService.typed_data`) or has its custodial key sign
(:meth:`BillOfLadingService.attest`); the shipper then registers with that signature
(:meth:`BillOfLadingService.register`), which is checked here first when the carrier is a key (a signature that
does not recover to the carrier is refused before any transaction); one from a contract wallet (ERC-1271) only the
chain can check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eth_account.messages import encode_typed_data

from portlink.domain.consortium import Role
from portlink.domain.eip712 import typed_data_signer
from portlink.domain.shipments import BillOfLading, RegistrationDraft, bill_of_lading_typed_data
from portlink.errors import ForbiddenError, InvalidInputError
from portlink.manifest import SHIPMENTS
from portlink.services.access import Caller
from portlink.services.contracts import ContractViews
from portlink.services.operations import Write
from portlink.services.operations.signing import Signers
from portlink.services.shipments import ShipmentService

#: How long an attestation is valid when the carrier names no deadline: a week to register the shipment in.
DEFAULT_VALIDITY_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Attestation:
    """A carrier's signed ``BillOfLading``: what the shipper sends with its registration."""

    bill: BillOfLading
    signature: str
    typed_data: dict[str, Any]

    @property
    def carrier(self) -> str:
        return self.bill.carrier

    @property
    def shipper(self) -> str:
        return self.bill.shipper

    @property
    def deadline(self) -> int:
        return self.bill.deadline


class BillOfLadingService:
    """Carrier attestations of bills of lading, and the registrations that carry them."""

    def __init__(self, shipments: ShipmentService, views: ContractViews, signers: Signers) -> None:
        self.shipments, self.views, self.signers = shipments, views, signers

    @staticmethod
    def deadline_or_default(deadline: int | None) -> int:
        """``deadline``, or a week from now."""
        return deadline if deadline is not None else int(time.time()) + DEFAULT_VALIDITY_SECONDS

    def typed_data(self, bill: BillOfLading) -> dict[str, Any]:
        """The ``eth_signTypedData_v4`` document of ``bill``, in the registry's domain (ERC-5267)."""
        return bill_of_lading_typed_data(self.views.eip712_domain(SHIPMENTS), bill)

    def attest(self, caller: Caller, bill: BillOfLading) -> Attestation:
        """``bill`` signed with the calling carrier's custodial key: only the carrier a B/L names may attest it
        (:class:`ForbiddenError`), and only with a key in the keystore (:class:`SigningUnavailableError`)."""
        if caller.member.lower() != bill.carrier.lower():
            raise ForbiddenError(
                f"{caller.member} cannot attest a bill of lading of carrier {bill.carrier}: only the carrier can"
            )
        typed = self.typed_data(bill)
        signed = self.signers.signer_for(caller.member).sign_message(encode_typed_data(full_message=typed))
        return Attestation(bill, "0x" + bytes(signed.signature).hex(), typed)

    def register(self, caller: Caller, draft: RegistrationDraft, deadline: int, signature: bytes) -> Write:
        """Register ``draft`` for the calling shipper with the carrier's attestation (``deadline``,
        ``signature``): a signature of a key carrier that is not its attestation of this registration by this
        shipper is refused here, naming what to ask the carrier for. The deadline is the chain's to judge (by its
        clock: ``ShipmentExpiredAttestation``), as is a caller who is no shipper (``ShipmentUnauthorized``)."""
        write = self.shipments.register(draft, deadline, signature)  # the ports checked first
        bill = BillOfLading.of(draft, caller.member, deadline)
        if caller.has_role(Role.SHIPPER) and not self.views.has_code(bill.carrier):
            signer = typed_data_signer(self.typed_data(bill), signature)
            if signer is None:
                raise InvalidInputError(
                    "the carrier's signature does not recover to any account", "body.carrierAttestation.signature"
                )
            if signer.lower() != bill.carrier.lower():
                raise InvalidInputError(
                    f"the carrier's signature recovers to {signer}, not the carrier {bill.carrier}: it attests "
                    "another bill of lading, shipper, consignee, port pair or container list, or another deadline",
                    "body.carrierAttestation.signature",
                )
        return write
