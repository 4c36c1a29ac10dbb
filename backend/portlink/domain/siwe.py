"""Sign-In with Ethereum (EIP-4361): the message a wallet signs to prove who is signing in, parsed strictly.

The console builds the message with viem's ``createSiweMessage`` from the nonce, domain and chain the API hands
out; :func:`parse_message` reads it back field by field (in the order and spelling the EIP's ABNF gives) so that
the session service can check each one. Nothing here talks to the chain or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from eth_utils.address import is_checksum_address

PREAMBLE = " wants you to sign in with your Ethereum account:"
NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
DOMAIN = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")
#: Optional fields after ``Issued At``, in the EIP's order.
_OPTIONAL = ("Expiration Time", "Not Before", "Request ID")


@dataclass(frozen=True)
class SiweMessage:
    """The fields of an EIP-4361 message."""

    domain: str
    address: str
    statement: str | None
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = ()
    scheme: str | None = None


def _time(text: str, field: str) -> datetime:
    """An RFC 3339 date-time with its offset (``Z`` or ``+hh:mm``)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} is not an RFC 3339 date-time: {text!r}") from None
    if value.tzinfo is None:
        raise ValueError(f"{field} has no time zone offset: {text!r}")
    return value


def _field(lines: list[str], at: int, name: str) -> str:
    prefix = f"{name}: "
    if at >= len(lines) or not lines[at].startswith(prefix):
        found = lines[at] if at < len(lines) else "the end of the message"
        raise ValueError(f"expected the line '{name}: …', found {found!r}")
    return lines[at][len(prefix) :]


def parse_message(text: str) -> SiweMessage:
    """The fields of the EIP-4361 message ``text``; ``ValueError`` naming the first line that does not fit."""
    lines = text.split("\n")
    if len(lines) < 8 or not lines[0].endswith(PREAMBLE):
        raise ValueError(f"not a Sign-In with Ethereum message (the first line must end with {PREAMBLE!r})")
    origin = lines[0][: -len(PREAMBLE)]
    scheme = None
    if "://" in origin:
        scheme, origin = origin.split("://", 1)
        if not SCHEME.match(scheme):
            raise ValueError(f"the scheme {scheme!r} is not an RFC 3986 scheme")
    if not origin or not DOMAIN.match(origin):
        raise ValueError(f"the domain {origin!r} is not an RFC 3986 authority")
    address = lines[1]
    if not is_checksum_address(address):
        raise ValueError(f"the address {address!r} is not an EIP-55 checksummed address")
    if lines[2] != "":
        raise ValueError("a blank line must follow the address")
    at = 3
    statement = None
    if lines[at] != "":  # a statement, then a blank line
        statement = lines[at]
        at += 1
        if at >= len(lines) or lines[at] != "":
            raise ValueError("a blank line must follow the statement")
    at += 1
    uri = _field(lines, at, "URI")
    if not URI.match(uri):
        raise ValueError(f"the URI {uri!r} is not an RFC 3986 URI")
    version = _field(lines, at + 1, "Version")
    if version != "1":
        raise ValueError(f"the version must be 1, not {version!r}")
    chain = _field(lines, at + 2, "Chain ID")
    if not chain.isdigit():
        raise ValueError(f"the chain id {chain!r} is not a number")
    nonce = _field(lines, at + 3, "Nonce")
    if not NONCE.match(nonce):
        raise ValueError("the nonce must be at least 8 letters and digits")
    issued_at = _time(_field(lines, at + 4, "Issued At"), "Issued At")
    at += 5
    optional: dict[str, str] = {}
    for name in _OPTIONAL:
        if at < len(lines) and lines[at].startswith(f"{name}: "):
            optional[name] = _field(lines, at, name)
            at += 1
    times = {name: _time(optional[name], name) for name in ("Expiration Time", "Not Before") if name in optional}
    resources: list[str] = []
    if at < len(lines) and lines[at] == "Resources:":
        at += 1
        while at < len(lines) and lines[at].startswith("- "):
            resources.append(lines[at][2:])
            at += 1
    if at != len(lines):
        raise ValueError(f"unexpected line {lines[at]!r}")
    return SiweMessage(
        domain=origin,
        address=address,
        statement=statement,
        uri=uri,
        version=version,
        chain_id=int(chain),
        nonce=nonce,
        issued_at=issued_at,
        expiration_time=times.get("Expiration Time"),
        not_before=times.get("Not Before"),
        request_id=optional.get("Request ID"),
        resources=tuple(resources),
        scheme=scheme,
    )
