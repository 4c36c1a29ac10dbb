"""Shipment vocabulary checked before anything is sent: ISO 6346 containers, seals, transport documents.

These mirror the on-chain checks of ``ShipmentRegistry`` (``Iso6346.sol``, seal and B/L rules) so that a user
gets a precise message naming the bad value instead of a revert, and normalise what a person types into the
one spelling the chain accepts.
"""

from __future__ import annotations

import re

from eth_abi.abi import encode
from eth_utils.crypto import keccak

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
