"""Customs vocabulary and the EIP-712 decision an officer signs.

The checks mirror ``CustomsClearance`` (``CustomsCodes.sol``) so that a filer gets a message naming the bad HS code
or currency instead of a revert. :func:`decision_typed_data` builds the complete typed-data document a wallet's
``eth_signTypedData_v4`` signs, with the domain read from the contract's ERC-5267 ``eip712Domain()``
(:meth:`Eip712Domain.from_erc5267`), never written down here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, model_validator

from portlink.domain.consortium import parse_address, parse_unlocode

# Re-exported: callers sign decisions with these.
from portlink.domain.eip712 import Eip712Domain as Eip712Domain
from portlink.domain.eip712 import sign_typed_data as sign_typed_data

MAX_HS_CODES = 50
#: Chapter 77 is reserved by the WCO; 98 and 99 are for national use, outside the international code.
_HS_CHAPTERS = frozenset(range(1, 98)) - {77}
_HS_CODE = re.compile(r"[0-9]{6}")

#: ISO 4217 alphabetic codes in use (2025 list, with ANG and ZWL kept through their transition), without XTS
#: (testing) and XXX (no currency), which a customs value never has.
_ISO_4217_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD
CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK
LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR
PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB
XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
#: Names people use for a currency that are not its ISO 4217 code.
_CURRENCY_ALIASES = {"RMB": "CNY", "NTD": "TWD", "MOP$": "MOP", "HK$": "HKD", "US$": "USD"}


class DeclarationState(IntEnum):
    """``ICustomsClearance.DeclarationState``."""

    NONE = 0
    FILED = 1
    REJECTED = 2
    CLEARED = 3


class Decision(IntEnum):
    """``ICustomsClearance.Decision``."""

    NONE = 0
    APPROVE = 1
    REJECT = 2
    REQUEST_INSPECTION = 3


def parse_hs_code(text: str) -> bytes:
    """The 6-byte ASCII form of an HS subheading, or ``ValueError`` naming it.

    The dots and spaces of printed tariffs are dropped (``8504.40`` → ``850440``). National extensions beyond six
    digits (China's 10-digit codes) are refused rather than cut: the combined declaration carries the international
    subheading both customs share.
    """
    normal = re.sub(r"[\s.]", "", text)
    if not _HS_CODE.fullmatch(normal):
        national = normal.isascii() and normal.isdigit() and len(normal) > 6
        hint = " (give the 6-digit international subheading, not a national code)" if national else ""
        raise ValueError(f"HS code {text!r} is not 6 digits{hint}")
    if int(normal[:2]) not in _HS_CHAPTERS:
        raise ValueError(f"HS code {normal}: chapter {normal[:2]} does not exist (chapters are 01-97, 77 reserved)")
    return normal.encode("ascii")


def normalise_hs_codes(codes: list[str]) -> list[bytes]:
    """HS codes as the chain takes them: 1-50 distinct codes, ascending. A code listed for two lines counts once."""
    normal = sorted({parse_hs_code(code) for code in codes})
    if not 1 <= len(normal) <= MAX_HS_CODES:
        raise ValueError(f"give 1 to {MAX_HS_CODES} distinct HS codes, not {len(normal)}")
    return normal


def parse_currency(text: str) -> bytes:
    """The ISO 4217 alphabetic code of a currency as 3 ASCII bytes, or ``ValueError`` (suggesting the code for a
    common alias such as RMB)."""
    normal = text.strip().upper() if text.isascii() else text
    if normal in ISO_4217:
        return normal.encode("ascii")
    alias = _CURRENCY_ALIASES.get(normal)
    hint = f"; did you mean {alias}?" if alias else ""
    raise ValueError(f"currency {text!r} is not an ISO 4217 code{hint}")


def reason_code(text: str) -> bytes:
    """A reason code (``DOCS_MISSING``, ``WCO-12``) as the 32 bytes the contract takes: ASCII, left-aligned."""
    if not text or not text.isascii() or len(text) > 32 or not text.isprintable():
        raise ValueError(f"reason code {text!r} must be 1-32 printable ASCII characters")
    return text.encode("ascii").ljust(32, b"\0")


class DeclarationDraft(BaseModel):
    """A declaration's data checked in the backend before it is filed or amended.

    ``customs_value`` is in the currency's minor units (fen, cents); ``digest`` is the keccak-256 of the full
    declaration document the filer keeps off chain.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: bytes = Field(min_length=32, max_length=32)
    hs_codes: list[str] = Field(min_length=1)
    customs_value: int = Field(strict=True, gt=0, lt=2**128)
    currency: str

    @model_validator(mode="after")
    def _check(self) -> DeclarationDraft:
        if self.digest == bytes(32):
            raise ValueError("the declaration digest is zero")
        normalise_hs_codes(self.hs_codes)
        parse_currency(self.currency)
        return self

    def to_chain(self) -> tuple[bytes, list[bytes], int, bytes]:
        """``(digest, hsCodes, customsValue, currency)`` as ``file``/``amend`` take them after the id."""
        return self.digest, normalise_hs_codes(self.hs_codes), self.customs_value, parse_currency(self.currency)


# ---------------------------------------------------------------------------------------------------- EIP-712

#: The ``Decision`` struct as ``CustomsClearance.DECISION_TYPEHASH`` spells it.
DECISION_TYPE = [
    {"name": "declarationId", "type": "bytes32"},
    {"name": "version", "type": "uint32"},
    {"name": "declarationDigest", "type": "bytes32"},
    {"name": "port", "type": "bytes5"},
    {"name": "decision", "type": "uint8"},
    {"name": "reasonCode", "type": "bytes32"},
    {"name": "officer", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


@dataclass(frozen=True)
class DecisionInput:
    """``ICustomsClearance.DecisionInput``: what an officer signs."""

    declaration_id: bytes
    version: int
    declaration_digest: bytes
    port: str
    decision: Decision
    reason_code: bytes
    officer: str
    nonce: int
    deadline: int

    def __post_init__(self) -> None:
        for field, value in (("declaration_id", self.declaration_id), ("declaration_digest", self.declaration_digest)):
            if len(value) != 32:
                raise ValueError(f"{field} must be 32 bytes, not {len(value)}")
        if len(self.reason_code) > 32:
            raise ValueError("reason_code is at most 32 bytes")
        parse_address(self.officer, "officer")
        parse_unlocode(self.port)
        if not 0 < self.version < 2**32 or not 0 <= self.nonce < 2**256 or not 0 <= self.deadline < 2**256:
            raise ValueError("version, nonce or deadline out of range")

    def message(self) -> dict[str, Any]:
        """The ``Decision`` message as typed-data JSON carries it (hex strings for bytes)."""
        return {
            "declarationId": "0x" + self.declaration_id.hex(),
            "version": self.version,
            "declarationDigest": "0x" + self.declaration_digest.hex(),
            "port": "0x" + parse_unlocode(self.port).hex(),
            "decision": int(self.decision),
            "reasonCode": "0x" + self.reason_code.ljust(32, b"\0").hex(),
            "officer": to_checksum_address(self.officer),
            "nonce": self.nonce,
            "deadline": self.deadline,
        }

    def to_chain(self) -> tuple[Any, ...]:
        """The ``DecisionInput`` struct as web3/ape take it."""
        return (
            self.declaration_id,
            self.version,
            self.declaration_digest,
            parse_unlocode(self.port),
            int(self.decision),
            self.reason_code.ljust(32, b"\0"),
            to_checksum_address(self.officer),
            self.nonce,
            self.deadline,
        )


def decision_typed_data(domain: Eip712Domain, decision: DecisionInput) -> dict[str, Any]:
    """The complete typed-data document (``eth_signTypedData_v4``'s second parameter) for ``decision``."""
    return {
        "types": {"EIP712Domain": domain.types(), "Decision": DECISION_TYPE},
        "primaryType": "Decision",
        "domain": domain.values(),
        "message": decision.message(),
    }
