"""Fixtures for the ShipmentRegistry tests: the deployed registry, registrations, ISO 6346 numbers, journeys.

Everything runs against the real pilot deployment (tests/conftest.py `deployment`) on ape's Anvil; nothing is mocked.
The ISO 6346 check digit, seal digests and shipment ids are computed here independently of backend/portlink, so
the contract is checked against the standard rather than against another copy of the same code.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from enum import IntEnum

import pytest
from eth_abi import encode
from eth_utils.crypto import keccak
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.shipments import BILL_OF_LADING_TYPE

from tests.conftest import SHEKOU, SHUNDE

# ---------------------------------------------------------------------------------------------------- enums


class State(IntEnum):
    """IShipmentRegistry.ShipmentState."""

    NONE = 0
    REGISTERED = 1
    GATED_IN = 2
    LOADED = 3
    DEPARTED = 4
    ARRIVED = 5
    DISCHARGED = 6
    GATED_OUT = 7


class Milestone(IntEnum):
    """IShipmentRegistry.Milestone (DCSA Track & Trace event codes)."""

    NONE = 0
    GTIN = 1
    LOAD = 2
    DEPA = 3
    ARRI = 4
    DISC = 5
    GTOT = 6


class Doc(IntEnum):
    """IShipmentRegistry.DocumentType."""

    NONE = 0
    BILL_OF_LADING = 1
    COMMERCIAL_INVOICE = 2
    PACKING_LIST = 3
    CERTIFICATE_OF_ORIGIN = 4
    CUSTOMS_DECLARATION = 5


class Discrepancy(IntEnum):
    """IShipmentRegistry.DiscrepancyKind."""

    NONE = 0
    WEIGHT = 1
    SEALS = 2


#: The state each milestone may be recorded in, and the state it leads to.
REQUIRED_STATE = {
    Milestone.GTIN: State.REGISTERED,
    Milestone.LOAD: State.GATED_IN,
    Milestone.DEPA: State.LOADED,
    Milestone.ARRI: State.DEPARTED,
    Milestone.DISC: State.ARRIVED,
    Milestone.GTOT: State.DISCHARGED,
}
NEXT_STATE = {m: State(s + 1) for m, s in REQUIRED_STATE.items()}
#: The milestone leading out of each state.
MILESTONE_FROM = {s: m for m, s in REQUIRED_STATE.items()}
EQUIPMENT = (Milestone.GTIN, Milestone.LOAD, Milestone.DISC, Milestone.GTOT)
TRANSPORT = (Milestone.DEPA, Milestone.ARRI)
AT_ORIGIN = (Milestone.GTIN, Milestone.LOAD, Milestone.DEPA)
#: The contract function recording each milestone.
FUNCTION = {
    Milestone.GTIN: "gateIn",
    Milestone.LOAD: "load",
    Milestone.DEPA: "depart",
    Milestone.ARRI: "arrive",
    Milestone.DISC: "discharge",
    Milestone.GTOT: "gateOut",
}

ZERO32 = bytes(32)
ZERO_ADDRESS = "0x" + "00" * 20
FAR = 2**48  # an attestation deadline far in the future
MAX_CONTAINERS = 100
MAX_SEALS = 4
DEFAULT_TOLERANCE_BPS = 500

# ---------------------------------------------------------------------------------------------------- ISO 6346


def _letter_values() -> dict[str, int]:
    # ISO 6346: A=10, then consecutive numbers skipping every multiple of 11 (B=12 ... K=21, L=23 ... Z=38).
    values, value = {}, 10
    for letter in string.ascii_uppercase:
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


LETTER_VALUES = _letter_values()


def check_digit(first_ten: str) -> int:
    """The ISO 6346 check digit of `first_ten` (owner code, category, serial): sum of value * 2^i, mod 11, mod 10.

    Digits count as themselves and letters by LETTER_VALUES whatever their case or position, so that a malformed
    number can be given a check digit that is right for it: then only its format is wrong.
    """
    assert len(first_ten) == 10
    total = sum((int(ch) if ch.isdigit() else LETTER_VALUES[ch.upper()]) * 2**i for i, ch in enumerate(first_ten))
    return total % 11 % 10


def iso6346(first_ten: str) -> bytes:
    """A container number with its correct check digit, as the 11 ASCII bytes the registry takes."""
    return f"{first_ten}{check_digit(first_ten)}".encode("ascii")


def is_valid_iso6346(number: bytes) -> bool:
    """The Python reference for `Iso6346.isValid`."""
    text = number.decode("latin-1")
    return (
        len(text) == 11
        and all(ch in string.ascii_uppercase for ch in text[:4])
        and text[3] in "UJZ"
        and all(ch in string.digits for ch in text[4:])
        and check_digit(text[:10]) == int(text[10])
    )


def pool_number(n: int, owner: str = "PLK", category: str = "U") -> bytes:
    """The `n`th of a pool of distinct valid container numbers (serial `n`)."""
    return iso6346(f"{owner}{category}{n:06d}")


#: The standard's own example, and a second box.
CSQU = b"CSQU3054383"
MSCU = iso6346("MSCU612345")

# ---------------------------------------------------------------------------------------------------- seals, ids


def seal(text: str) -> bytes:
    """A seal number as the registry compares it: ASCII, left-aligned in 16 bytes."""
    return text.encode("ascii").ljust(16, b"\0")


def seals(*texts: str) -> list[bytes]:
    """Seal numbers in the strictly ascending order the registry requires."""
    return sorted(seal(t) for t in texts)


def seals_digest(seal_list: Sequence[bytes]) -> bytes:
    """`keccak256(abi.encodePacked(bytes16[]))`: packed array elements are padded to 32 bytes each."""
    return keccak(b"".join(bytes(s).ljust(32, b"\0") for s in seal_list))


def shipment_id_of(carrier, reference: str) -> bytes:
    """The business key `keccak256(abi.encode(carrier, transportDocumentReference))`, computed off-chain."""
    return keccak(encode(["address", "string"], [_address(carrier), reference]))


def kg(value: int) -> bytes:
    """A weight as DiscrepancyRaised carries it: the number as bytes32."""
    return value.to_bytes(32, "big")


def _address(account) -> str:
    return account if isinstance(account, str) else account.address


# ---------------------------------------------------------------------------------------------------- registrations

REF = "SHK2026000042"
DOCUMENTS = keccak(b"commercial invoice + packing list, SHK2026000042")
DEFAULT_CONTAINERS = (
    (CSQU, 24_000, seals("SL100001")),
    (MSCU, 18_500, seals("SL100002", "SL100003")),
)


def container(number: bytes, declared_kg: int = 20_000, seal_list: Sequence[bytes] | None = None) -> tuple:
    """A ContainerInput tuple: (number, declaredGrossKg, seals)."""
    return (number, declared_kg, list(seal_list) if seal_list is not None else seals("SL" + number[4:10].decode()))


def registration(
    members,
    containers: Sequence[tuple] = DEFAULT_CONTAINERS,
    *,
    reference: str = REF,
    consignee=None,
    carrier=None,
    origin: bytes = SHEKOU,
    destination: bytes = SHUNDE,
    documents: bytes = DOCUMENTS,
) -> tuple:
    """A Registration tuple; the pilot consignee and carrier, Shekou to Shunde, unless told otherwise."""
    return (
        _address(consignee or members.consignee),
        _address(carrier or members.carrier),
        origin,
        destination,
        reference,
        documents,
        [(n, w, list(s)) for n, w, s in containers],
    )


def bill_of_lading(domain: Eip712Domain, reg: tuple, shipper, deadline: int = FAR) -> dict:
    """The carrier's `BillOfLading` typed data for registration tuple `reg` by `shipper`, built from the raw values
    (malformed ones included, so that a test can attest what the registry must then refuse on its own grounds)."""
    consignee, carrier, origin, destination, reference, _, containers = reg
    return {
        "types": {"EIP712Domain": domain.types(), "BillOfLading": BILL_OF_LADING_TYPE},
        "primaryType": "BillOfLading",
        "domain": domain.values(),
        "message": {
            "carrier": _address(carrier),
            "transportDocumentReference": reference,
            "shipper": _address(shipper),
            "consignee": _address(consignee),
            "originPort": "0x" + bytes(origin).hex(),
            "destinationPort": "0x" + bytes(destination).hex(),
            "containers": ["0x" + bytes(c[0]).hex() for c in containers],
            "deadline": deadline,
        },
    }


def attest(domain: Eip712Domain, reg: tuple, shipper, key, deadline: int = FAR) -> bytes:
    """The carrier's signature (with `key`) of its `BillOfLading` attestation of `reg` by `shipper`."""
    return sign_typed_data(key, bill_of_lading(domain, reg, shipper, deadline))


# ---------------------------------------------------------------------------------------------------- logs


def ev(contract, event: str, /, **args) -> tuple:
    """An expected log: emitted by `contract`, called `event`, with exactly `args`."""
    return (contract.address, event, args)


def logs(receipt) -> list[tuple]:
    """Every log of `receipt`, in order, as (emitter, event name, arguments)."""
    return [(log.contract_address, log.event_name, dict(log.event_arguments)) for log in receipt.events]


# ---------------------------------------------------------------------------------------------------- fixtures


class Journey:
    """Registers shipments (with the carrier's attestation) and records their milestones with the right actor unless
    told otherwise."""

    def __init__(self, shipments, members) -> None:
        self.shipments = shipments
        self.members = members
        self.domain = Eip712Domain.from_erc5267(shipments.eip712Domain())
        self.terminal = {SHEKOU: members.shekou_terminal, SHUNDE: members.shunde_terminal}
        self.customs = {SHEKOU: members.shekou_customs, SHUNDE: members.shunde_customs}
        #: The containers each shipment was registered with, to gate them in as declared.
        self.declared: dict[bytes, list[tuple]] = {}
        self.receipt = None

    def register(
        self, containers: Sequence[tuple] = DEFAULT_CONTAINERS, *, sender=None, deadline: int = FAR, **fields
    ) -> bytes:
        """Register (by the pilot shipper unless `sender`), attested by the carrier, and return the shipment id; the
        receipt is `.receipt`."""
        r = registration(self.members, containers, **fields)
        shipper = sender or self.members.shipper
        signature = self.attest(r, shipper, deadline)
        self.receipt = self.shipments.register(r, deadline, signature, sender=shipper)
        sid = bytes(self.receipt.return_value)
        self.declared[sid] = list(containers)
        return sid

    def submit(self, reg: tuple, *, sender=None, deadline: int = FAR, signature: bytes | None = None):
        """Send registration tuple `reg` (by the pilot shipper unless `sender`) with its carrier's attestation (or
        `signature`); returns the receipt."""
        shipper = sender or self.members.shipper
        signature = self.attest(reg, shipper, deadline) if signature is None else signature
        return self.shipments.register(reg, deadline, signature, sender=shipper)

    def attest(self, reg: tuple, shipper, deadline: int = FAR) -> bytes:
        """The attestation of `reg` by `shipper`, signed by its carrier if that is a test account (else empty: the
        registry refuses such a carrier before it looks at a signature)."""
        carrier = _address(reg[1])
        for account in vars(self.members).values():
            if account.address == carrier:
                return attest(self.domain, reg, shipper, account.private_key, deadline)
        return b""

    def ports(self, sid: bytes) -> tuple[bytes, bytes]:
        s = self.shipments.getShipment(sid)
        return bytes(s.originPort), bytes(s.destinationPort)

    def actor(self, sid: bytes, milestone: Milestone):
        """Who may record `milestone` for shipment `sid`."""
        if milestone in TRANSPORT:
            return self.shipments.getShipment(sid).carrier
        origin, destination = self.ports(sid)
        return self.terminal[origin if milestone in AT_ORIGIN else destination]

    def gate_in(self, sid: bytes, index: int, observed_kg: int | None = None, seal_list=None, *, sender=None):
        _, declared_kg, declared_seals = self.declared[sid][index]
        return self.shipments.gateIn(
            sid,
            index,
            declared_kg if observed_kg is None else observed_kg,
            list(declared_seals if seal_list is None else seal_list),
            sender=sender or self.actor(sid, Milestone.GTIN),
        )

    def record(self, sid: bytes, milestone: Milestone, index: int = 0, *, sender=None):
        """Record `milestone` (for container `index` if it is an equipment milestone), as declared for GTIN."""
        if milestone == Milestone.GTIN:
            return self.gate_in(sid, index, sender=sender)
        who = sender or self.actor(sid, milestone)
        function = getattr(self.shipments, FUNCTION[milestone])
        return function(sid, sender=who) if milestone in TRANSPORT else function(sid, index, sender=who)

    def advance(self, sid: bytes, to: State) -> None:
        """Record every milestone (every container) until the shipment is in state `to`."""
        state = State(self.shipments.getShipment(sid).state)
        while state < to:
            milestone = MILESTONE_FROM[state]
            if milestone in TRANSPORT:
                self.record(sid, milestone)
            else:
                for index in range(len(self.declared[sid])):
                    if State(self.shipments.getContainer(sid, index).state) <= state:
                        self.record(sid, milestone, index)
            state = State(self.shipments.getShipment(sid).state)
            assert state == NEXT_STATE[milestone]


@pytest.fixture
def journey(shipments, members) -> Journey:
    return Journey(shipments, members)
