"""Shipment vocabulary checked before anything is sent: ISO 6346 containers, seals, transport documents, and the
carrier's EIP-712 ``BillOfLading`` attestation a registration needs.

These mirror the on-chain checks of ``ShipmentRegistry`` (``Iso6346.sol``, seal and B/L rules) so that a user
gets a precise message naming the bad value instead of a revert, and normalise what a person types into the
one spelling the chain accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field, model_validator

from portlink.domain.consortium import parse_address, parse_unlocode
from portlink.domain.eip712 import Eip712Domain

MAX_CONTAINERS = 100
MAX_SEALS = 4
MAX_SEAL_LENGTH = 16
MAX_TRANSPORT_DOCUMENT_LENGTH = 20

_CONTAINER = re.compile(r"[A-Z]{3}[UJZ][0-9]{6}[0-9]")
_TRANSPORT_DOCUMENT = re.compile(r"[A-Z0-9]{1,20}")
_SEAL = re.compile(r"[A-Z0-9]{1,16}")


def _ascii_upper(text: str) -> str:
    # Only ASCII is upper-cased: "\u017f".upper() is "S", which would let a look-alike through as valid.
    return text.upper() if text.isascii() else text


def _letter_value(ch: str) -> int:
    # A=10, then consecutive values skipping the multiples of 11 (B=12 ... Z=38).
    n = ord(ch) - ord("A") + 10
    return n if n < 11 else n + (n - 11) // 10 + 1


def iso6346_check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of an owner code, category and serial number, e.g. ``CSQU305438`` → 3."""
    total = sum((int(ch) if ch.isdigit() else _letter_value(ch)) << i for i, ch in enumerate(first_ten))
    return total % 11 % 10


def parse_container_number(text: str) -> bytes:
    """The 11-byte on-chain form of an ISO 6346 container number, or ``ValueError`` naming the container.

    Spaces, hyphens and slashes as printed on boxes (``CSQU 305438 3``, ``CSQU-305438-3``) are dropped and
    letters upper-cased.
    """
    normal = _ascii_upper(re.sub(r"[\s\-/]", "", text))
    if not _CONTAINER.fullmatch(normal):
        raise ValueError(
            f"container {text!r} is not an ISO 6346 number: expected 3 letters (owner), U, J or Z (category), "
            "6 digits (serial) and a check digit, e.g. CSQU3054383"
        )
    expected = iso6346_check_digit(normal[:10])
    if int(normal[10]) != expected:
        raise ValueError(f"container {normal}: check digit should be {expected}, not {normal[10]}")
    return normal.encode("ascii")


def normalise_transport_document(text: str) -> str:
    """The one spelling of a transport document (B/L) number the chain accepts: A-Z and 0-9, at most 20.

    Separators people type (spaces, hyphens, slashes, dots) are dropped and letters upper-cased, so
    ``"shk-2026/0042"`` and ``"SHK20260042"`` are the same business key.
    """
    normal = _ascii_upper(re.sub(r"[\s\-/.]", "", text))
    if not _TRANSPORT_DOCUMENT.fullmatch(normal):
        raise ValueError(
            f"transport document number {text!r} must be 1-{MAX_TRANSPORT_DOCUMENT_LENGTH} letters and digits "
            "once separators are removed"
        )
    return normal


def normalise_seals(container: str, seals: list[str]) -> list[bytes]:
    """Seal numbers as the chain compares them: upper-case, 16 bytes left-aligned, strictly ascending."""
    if not 1 <= len(seals) <= MAX_SEALS:
        raise ValueError(f"container {container}: give 1 to {MAX_SEALS} seal numbers, not {len(seals)}")
    normal = sorted({_ascii_upper(re.sub(r"[\s\-]", "", s)) for s in seals})
    if len(normal) != len(seals):
        raise ValueError(f"container {container}: a seal number is listed twice")
    for seal in normal:
        if not _SEAL.fullmatch(seal):
            raise ValueError(f"container {container}: seal {seal!r} must be 1-{MAX_SEAL_LENGTH} letters and digits")
    return [seal.encode("ascii").ljust(MAX_SEAL_LENGTH, b"\0") for seal in normal]


def shipment_id(carrier: str, transport_document: str) -> bytes:
    """The shipment id (business key) the registry gives a carrier's transport document."""
    return keccak(encode(["address", "string"], [carrier, normalise_transport_document(transport_document)]))


class ContainerDraft(BaseModel):
    """A container as a shipper types it; validated and normalised on construction."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: str
    declared_gross_kg: int = Field(strict=True, gt=0, lt=2**32)
    seals: list[str]

    @model_validator(mode="after")
    def _check(self) -> ContainerDraft:
        number = parse_container_number(self.number).decode()
        normalise_seals(number, self.seals)
        return self


class RegistrationDraft(BaseModel):
    """A shipment registration checked in the backend before anything is sent to the chain.

    ``to_chain()`` gives the ``IShipmentRegistry.Registration`` tuple with every value in the one spelling the
    contract accepts, so the chain's own checks (which remain the authority) never see a typo first.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    consignee: str
    carrier: str
    origin_port: str
    destination_port: str
    transport_document: str
    documents_digest: bytes = Field(min_length=32, max_length=32)
    containers: list[ContainerDraft] = Field(min_length=1, max_length=MAX_CONTAINERS)

    @model_validator(mode="after")
    def _check(self) -> RegistrationDraft:
        for field in ("consignee", "carrier"):
            parse_address(getattr(self, field), field)
        origin, destination = parse_unlocode(self.origin_port), parse_unlocode(self.destination_port)
        if origin == destination:
            raise ValueError(f"origin and destination are the same port ({origin.decode()})")
        normalise_transport_document(self.transport_document)
        numbers = [parse_container_number(c.number) for c in self.containers]
        seen: set[bytes] = set()
        for n in numbers:
            if n in seen:
                raise ValueError(f"container {n.decode()} is listed twice")
            seen.add(n)
        return self

    @property
    def shipment_id(self) -> bytes:
        """The id the registry will give this shipment."""
        return shipment_id(to_checksum_address(self.carrier), self.transport_document)

    def to_chain(self) -> tuple[Any, ...]:
        """The ``Registration`` struct as web3/ape take it."""
        containers = []
        for c in self.containers:
            number = parse_container_number(c.number)
            containers.append((number, c.declared_gross_kg, normalise_seals(number.decode(), c.seals)))
        return (
            to_checksum_address(self.consignee),
            to_checksum_address(self.carrier),
            parse_unlocode(self.origin_port),
            parse_unlocode(self.destination_port),
            normalise_transport_document(self.transport_document),
            self.documents_digest,
            containers,
        )


#: The ``BillOfLading`` struct as ``ShipmentRegistry.BILL_OF_LADING_TYPEHASH`` spells it.
BILL_OF_LADING_TYPE = [
    {"name": "carrier", "type": "address"},
    {"name": "transportDocumentReference", "type": "string"},
    {"name": "shipper", "type": "address"},
    {"name": "consignee", "type": "address"},
    {"name": "originPort", "type": "bytes5"},
    {"name": "destinationPort", "type": "bytes5"},
    {"name": "containers", "type": "bytes11[]"},
    {"name": "deadline", "type": "uint256"},
]


@dataclass(frozen=True)
class BillOfLading:
    """``BillOfLading``: the carrier's attestation that it issued transport document ``transport_document`` to
    ``shipper`` for this consignment (consignee, ports, container numbers), which the shipper submits with its
    registration (``ShipmentRegistry.register(registration, deadline, carrierSignature)``) until ``deadline``."""

    carrier: str
    transport_document: str
    shipper: str
    consignee: str
    origin_port: str
    destination_port: str
    containers: tuple[str, ...]
    deadline: int

    @classmethod
    def issue(
        cls,
        *,
        carrier: str,
        transport_document: str,
        shipper: str,
        consignee: str,
        origin_port: str,
        destination_port: str,
        containers: Sequence[str],
        deadline: int,
    ) -> BillOfLading:
        """The attestation with every value checked and spelled as the contract hashes it (checksummed
        addresses, the B/L reference without separators, UN/LOCODEs and container numbers upper case)."""
        return cls(
            carrier=parse_address(carrier, "carrier"),
            transport_document=normalise_transport_document(transport_document),
            shipper=parse_address(shipper, "shipper"),
            consignee=parse_address(consignee, "consignee"),
            origin_port=parse_unlocode(origin_port).decode(),
            destination_port=parse_unlocode(destination_port).decode(),
            containers=tuple(parse_container_number(c).decode() for c in containers),
            deadline=deadline,
        )

    @classmethod
    def of(cls, registration: RegistrationDraft, shipper: str, deadline: int) -> BillOfLading:
        """The attestation of ``registration`` by ``shipper``, valid until unix time ``deadline``."""
        return cls.issue(
            carrier=registration.carrier,
            transport_document=registration.transport_document,
            shipper=shipper,
            consignee=registration.consignee,
            origin_port=registration.origin_port,
            destination_port=registration.destination_port,
            containers=[c.number for c in registration.containers],
            deadline=deadline,
        )

    def message(self) -> dict[str, Any]:
        """The ``BillOfLading`` message as typed-data JSON carries it (hex strings for bytes)."""
        return {
            "carrier": self.carrier,
            "transportDocumentReference": self.transport_document,
            "shipper": self.shipper,
            "consignee": self.consignee,
            "originPort": "0x" + parse_unlocode(self.origin_port).hex(),
            "destinationPort": "0x" + parse_unlocode(self.destination_port).hex(),
            "containers": ["0x" + parse_container_number(c).hex() for c in self.containers],
            "deadline": self.deadline,
        }


def bill_of_lading_typed_data(domain: Eip712Domain, bill: BillOfLading) -> dict[str, Any]:
    """The complete typed-data document (``eth_signTypedData_v4``'s second parameter) the carrier signs."""
    return {
        "types": {"EIP712Domain": domain.types(), "BillOfLading": BILL_OF_LADING_TYPE},
        "primaryType": "BillOfLading",
        "domain": domain.values(),
        "message": bill.message(),
    }


class ShipmentState(IntEnum):
    """``IShipmentRegistry.ShipmentState``."""

    NONE = 0
    REGISTERED = 1
    GATED_IN = 2
    LOADED = 3
    DEPARTED = 4
    ARRIVED = 5
    DISCHARGED = 6
    GATED_OUT = 7


class Milestone(IntEnum):
    """``IShipmentRegistry.Milestone``: DCSA Track & Trace event codes."""

    NONE = 0
    GTIN = 1
    LOAD = 2
    DEPA = 3
    ARRI = 4
    DISC = 5
    GTOT = 6


class DocumentType(IntEnum):
    """``IShipmentRegistry.DocumentType``."""

    NONE = 0
    BILL_OF_LADING = 1
    COMMERCIAL_INVOICE = 2
    PACKING_LIST = 3
    CERTIFICATE_OF_ORIGIN = 4
    CUSTOMS_DECLARATION = 5


class DiscrepancyKind(IntEnum):
    """``IShipmentRegistry.DiscrepancyKind``."""

    NONE = 0
    WEIGHT = 1
    SEALS = 2
