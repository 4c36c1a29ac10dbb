"""Vessel-call vocabulary checked before anything is sent: IMO numbers, voyage numbers, service codes, vessel
names and booking references, as ``TransportCallRegistry`` checks them (``VesselCodes.sol``), and the call's
business key."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_utils.crypto import keccak

MAX_VOYAGE_LENGTH = 50
MAX_VESSEL_NAME_LENGTH = 35
MAX_BOOKING_LENGTH = 35
MAX_SERVICE_CODE_LENGTH = 5

_VOYAGE = re.compile(r"[A-Z0-9-]{1,50}")
_SERVICE = re.compile(r"[A-Z0-9]{1,5}")
_BOOKING = re.compile(r"[A-Z0-9]{1,35}")
_VESSEL_NAME = re.compile(r"[\x20-\x7e]{0,35}")


def _upper(text: str) -> str:
    # Only ASCII is upper-cased, so that a look-alike ("\u017f".upper() == "S") stays invalid.
    return text.strip().upper() if text.isascii() else text


def imo_check_digit(first_six: str) -> int:
    """The IMO number's check digit: the first six digits weighted 7, 6, 5, 4, 3, 2, summed, modulo 10
    (``932148`` → 3)."""
    return sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True)) % 10


def parse_imo_number(value: str | int) -> int:
    """An IMO number as the chain takes it (``"IMO 9321483"`` or ``9321483`` → ``9321483``), or ``ValueError``."""
    text = str(value).strip().upper().removeprefix("IMO").strip()
    if not re.fullmatch(r"[1-9][0-9]{6}", text):
        raise ValueError(f"{value!r} is not an IMO number: seven digits, the last a check digit, e.g. 9321483")
    expected = imo_check_digit(text[:6])
    if int(text[6]) != expected:
        raise ValueError(f"IMO number {text}: the check digit should be {expected}, not {text[6]}")
    return int(text)


def normalise_voyage(text: str) -> str:
    """A voyage number in its one spelling: 1-50 characters A-Z, 0-9 and hyphen, upper-cased."""
    normal = _upper(text)
    if not _VOYAGE.fullmatch(normal):
        raise ValueError(f"voyage number {text!r} must be 1-{MAX_VOYAGE_LENGTH} letters, digits or hyphens")
    return normal


def normalise_service_code(text: str) -> str:
    """A carrier service code: 1-5 letters and digits, upper-cased."""
    normal = _upper(text)
    if not _SERVICE.fullmatch(normal):
        raise ValueError(f"service code {text!r} must be 1-{MAX_SERVICE_CODE_LENGTH} letters or digits")
    return normal


def normalise_booking(text: str) -> str:
    """A carrier booking reference: 1-35 letters and digits once separators are dropped, upper-cased."""
    normal = _upper(re.sub(r"[\s\-/.]", "", text))
    if not _BOOKING.fullmatch(normal):
        raise ValueError(f"booking reference {text!r} must be 1-{MAX_BOOKING_LENGTH} letters and digits")
    return normal


def check_vessel_name(text: str) -> str:
    """A vessel name: up to 35 printable ASCII characters."""
    if not _VESSEL_NAME.fullmatch(text):
        raise ValueError(f"vessel name {text!r} must be at most {MAX_VESSEL_NAME_LENGTH} printable ASCII characters")
    return text


@dataclass(frozen=True)
class CallDraft:
    """A vessel call as a carrier records it, checked and normalised."""

    vessel_imo_number: int
    port: str
    export_voyage_number: str
    import_voyage_number: str = ""
    carrier_service_code: str = ""
    sequence_number: int = 1
    vessel_name: str = ""

    def __post_init__(self) -> None:
        parse_imo_number(self.vessel_imo_number)
        normalise_voyage(self.export_voyage_number)
        if self.import_voyage_number:
            normalise_voyage(self.import_voyage_number)
        if self.carrier_service_code:
            normalise_service_code(self.carrier_service_code)
        check_vessel_name(self.vessel_name)
        if not 1 <= self.sequence_number < 2**16:
            raise ValueError("the call's sequence number is 1 to 65535")

    def to_chain(self) -> tuple[int, bytes, int, str, str, str, str]:
        """The ``CallInput`` tuple of ``TransportCallRegistry.recordCall``."""
        return (
            self.vessel_imo_number,
            self.port.encode(),
            self.sequence_number,
            self.carrier_service_code,
            self.export_voyage_number,
            self.import_voyage_number,
            self.vessel_name,
        )


def call_id_of(carrier: str, draft: CallDraft) -> str:
    """The call's id as the chain computes it: ``keccak256(abi.encode(carrier, vesselIMONumber,
    exportVoyageNumber, port, sequenceNumber))``."""
    data = encode(
        ["address", "uint32", "string", "bytes5", "uint16"],
        [carrier, draft.vessel_imo_number, draft.export_voyage_number, draft.port.encode(), draft.sequence_number],
    )
    return "0x" + keccak(data).hex()
