"""Request field types that check their value with the domain vocabulary, so a bad value is a 422 problem
naming exactly that field (``body.containers.0.number``)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from portlink.domain.consortium import parse_address, parse_unlocode
from portlink.domain.customs import parse_currency, parse_hs_code
from portlink.domain.shipments import normalise_transport_document, parse_container_number

_BYTES32 = re.compile(r"0x[0-9a-fA-F]{64}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_WALLET_SIGNATURE = re.compile(r"0x(?:[0-9a-fA-F]{2}){1,4096}")


def _address(value: str) -> str:
    return parse_address(value)


def _port(value: str) -> str:
    return parse_unlocode(value).decode()


def _bytes32(value: str) -> str:
    if not _BYTES32.fullmatch(value):
        raise ValueError(f"{value!r} is not 32 bytes as 0x-prefixed hex (66 characters)")
    return value.lower()


def _payment_reference(value: str) -> str:
    if value.startswith("0x") and not _BYTES32.fullmatch(value):
        raise ValueError("a payment reference given as 0x-hex is 32 bytes (66 characters); otherwise give it as text")
    if not value.isprintable():
        raise ValueError("a payment reference is printable text")
    return value


def _signature(value: str) -> str:
    if not _SIGNATURE.fullmatch(value):
        raise ValueError("a signature is 65 bytes (r, s, v) as 0x-prefixed hex: 132 characters")
    return value.lower()


def _wallet_signature(value: str) -> str:
    if not _WALLET_SIGNATURE.fullmatch(value):
        raise ValueError(
            "a signature is 0x-prefixed hex of whole bytes: 65 bytes (r, s, v) from a key, or what an ERC-1271 "
            "contract wallet takes (at most 4096 bytes)"
        )
    return value.lower()


Address = Annotated[str, AfterValidator(_address), Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])]
UnLocode = Annotated[str, AfterValidator(_port), Field(examples=["CNSHK"])]
Bytes32 = Annotated[str, AfterValidator(_bytes32), Field(examples=["0x" + "ab" * 32])]
Signature = Annotated[str, AfterValidator(_signature)]
#: A key's 65-byte signature or a contract wallet's (ERC-1271), which the chain checks.
WalletSignature = Annotated[str, AfterValidator(_wallet_signature)]
PaymentReference = Annotated[
    str,
    Field(min_length=1, max_length=200, examples=["HSBC-2026-000123"]),
    AfterValidator(_payment_reference),
]
ContainerNumber = Annotated[
    str, AfterValidator(lambda v: parse_container_number(v).decode()), Field(examples=["CSQU3054383"])
]
TransportDocument = Annotated[str, AfterValidator(normalise_transport_document), Field(examples=["SHK20260042"])]
HsCode = Annotated[str, AfterValidator(lambda v: parse_hs_code(v).decode()), Field(examples=["850440"])]
Currency = Annotated[str, AfterValidator(lambda v: parse_currency(v).decode()), Field(examples=["CNY"])]


def hex_bytes(value: str) -> bytes:
    """``0x…`` hex as bytes."""
    return bytes.fromhex(value[2:])
