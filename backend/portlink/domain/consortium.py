"""Consortium roles and UN/LOCODE port codes, mirroring ``contracts/libraries``."""

from __future__ import annotations

import re
from enum import IntEnum, StrEnum

from eth_typing import ChecksumAddress
from eth_utils.address import is_checksum_address, to_checksum_address
from eth_utils.crypto import keccak


class Role(StrEnum):
    """The consortium roles; the on-chain id of each is ``keccak256(name)`` (see ``ConsortiumRoles.sol``)."""

    PORT_AUTHORITY = "PORT_AUTHORITY"
    CUSTOMS = "CUSTOMS"
    TERMINAL = "TERMINAL"
    CARRIER = "CARRIER"
    SHIPPER = "SHIPPER"
    CONSIGNEE = "CONSIGNEE"
    FINANCIER = "FINANCIER"
    TAX_AUTHORITY = "TAX_AUTHORITY"
    IOT_GATEWAY = "IOT_GATEWAY"
    AUDITOR = "AUDITOR"
    SETTLEMENT_ISSUER = "SETTLEMENT_ISSUER"

    @property
    def id(self) -> bytes:
        """The 32-byte role id the contracts use."""
        return keccak(text=self.value)

    @property
    def port_scoped(self) -> bool:
        """Whether the role is held per port (port authority, customs, terminal)."""
        return self in _PORT_SCOPED


_PORT_SCOPED = frozenset({Role.PORT_AUTHORITY, Role.CUSTOMS, Role.TERMINAL})

#: The registry's governed parameters, by the name whose keccak-256 is their key (``ConsortiumRoles.sol``).
PARAMETERS = ("portlink.governance.proposalLifetime", "portlink.shipments.weightToleranceBps")


class MemberStatus(IntEnum):
    """``IConsortiumRegistry.MemberStatus``: a suspended member keeps its roles, but every role check fails."""

    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2


class PortStatus(IntEnum):
    """``IConsortiumRegistry.PortStatus``."""

    NONE = 0
    ACTIVE = 1


class ProposalKind(IntEnum):
    """``IConsortiumGovernance.ProposalKind``: what a proposal changes in the registry."""

    NONE = 0
    ADD_MEMBER = 1
    ADD_PORT = 2
    GRANT_ROLE = 3
    REVOKE_ROLE = 4
    SUSPEND_MEMBER = 5
    REINSTATE_MEMBER = 6
    SET_PARAMETER = 7


class ProposalState(IntEnum):
    """``IConsortiumGovernance.ProposalState``."""

    NONE = 0
    ACTIVE = 1
    EXECUTED = 2
    DEFEATED = 3
    CANCELLED = 4
    FAILED = 5
    EXPIRED = 6


_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

# Two letters (ISO 3166-1 alpha-2), then three letters or digits 2-9: the UNECE list never uses 0 and 1.
_UNLOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


def parse_unlocode(code: str) -> bytes:
    """The 5-byte on-chain form of a UN/LOCODE such as ``CNSHK``; ``ValueError`` with the reason otherwise.

    Spaces are dropped (``"CN SHK"`` is the printed form) and letters upper-cased.
    """
    normal = code.replace(" ", "")
    # Upper-case ASCII only: "\u017f".upper() is "S" and "\u0131".upper() is "I": look-alikes would get through.
    normal = normal.upper() if normal.isascii() else normal
    if not _UNLOCODE.fullmatch(normal):
        raise ValueError(
            f"{code!r} is not a UN/LOCODE: expected a 2-letter country code and 3 letters or digits 2-9, e.g. CNSHK"
        )
    return normal.encode("ascii")


def parse_address(value: str, what: str = "") -> ChecksumAddress:
    """An account address in its EIP-55 form, or ``ValueError`` naming ``what`` it was for.

    All-lower-case or all-upper-case hex is taken as typed; mixed case must carry a correct EIP-55 checksum, which
    is what catches a mistyped character (eth-utils 5's ``is_address`` no longer checks it).
    """
    label = f"{what} " if what else ""
    if not isinstance(value, str) or not _HEX_ADDRESS.fullmatch(value):
        raise ValueError(f"{label}{value!r} is not an Ethereum address")
    body = value[2:]
    if body not in (body.lower(), body.upper()) and not is_checksum_address(value):
        raise ValueError(f"{label}{value!r} has a wrong EIP-55 checksum: a character is mistyped")
    return to_checksum_address(value)


def role_named(name: str) -> Role:
    """The role called ``name`` (case-insensitive); ``ValueError`` naming the known roles otherwise."""
    try:
        return Role(name.strip().upper())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {name!r}; known roles: {known}") from None
