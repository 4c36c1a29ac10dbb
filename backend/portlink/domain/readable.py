"""How the values of PortLink's contracts read for people.

The event decoder (:mod:`portlink.indexer.catalog`) decodes any ABI generically: addresses, ``0x`` hex for bytes,
numbers. This vocabulary is applied on top for PortLink's contracts, so that the index, the API's event lists, the
alert stream and an operation's decoded events all say ``"port": "CNSHK"``, ``"milestone": "GTIN"``,
``"rule": "TEMPERATURE"`` (as the telemetry warning does) and ``"reasonCode": "DOCS_MISSING"``; the contracts'
custom errors carry the same values in a problem's ``error.args``.

A reader is chosen by ABI parameter: its Solidity ``internalType`` (``enum IShipmentRegistry.Milestone``), its
type (the fixed-size ASCII codes), its name (reason codes, roles, parameter keys, ids) and, for the two IoT rule
fields whose ABI type is a plain ``uint8``, the event. A value a reader cannot turn into a name or text (bytes
that are not printable ASCII, an enum number the vocabulary does not know) stays as decoded: nothing is lost.

Numbers (``docs/api.md``): every integer of up to 64 bits (times and deadlines in unix seconds, sequence numbers,
readings, weights, versions, counts) and the uint256 ids and indexes that count (``financingId``, ``alertId``,
``batchId``, ``proposalId``, ``index``, ``containerCount``, ...) are JSON numbers; amounts and every other integer
wider than 64 bits are decimal strings, exact in any JSON reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from eth_utils.crypto import keccak

from portlink.domain.consortium import PARAMETERS, MemberStatus, PortStatus, ProposalKind, ProposalState, Role
from portlink.domain.customs import Decision, DeclarationState
from portlink.domain.finance import Condition, FinancingState, Product, RefundReason
from portlink.domain.iot import AlertState, DeviceKind, DeviceState, Rule
from portlink.domain.shipments import DiscrepancyKind, DocumentType, Milestone, ShipmentState

#: A JSON value as the generic decoder gives it → as a person reads it.
Reader = Callable[[Any], Any]

#: The contracts' enums by their Solidity name (the last part of the ABI's ``internalType``).
ENUMS: dict[str, type[IntEnum]] = {
    enum.__name__: enum
    for enum in (
        ShipmentState,
        Milestone,
        DocumentType,
        DiscrepancyKind,
        DeclarationState,
        Decision,
        Product,
        Condition,
        FinancingState,
        RefundReason,
        DeviceKind,
        DeviceState,
        AlertState,
        ProposalKind,
        ProposalState,
        MemberStatus,
        PortStatus,
    )
}
#: Fixed-size ASCII codes: currency (ISO 4217), UN/LOCODE, HS subheading, container (ISO 6346), seal number.
ASCII_TYPES = frozenset({"bytes3", "bytes5", "bytes6", "bytes11", "bytes16"})
#: bytes32 arguments that carry a short ASCII text (left-aligned, zero-padded).
TEXT_NAMES = frozenset({"reasonCode", "reason"})
ROLE_NAMES = frozenset({"role", "previousAdminRole", "newAdminRole"})
#: uint256 arguments that count rather than measure: JSON numbers.
COUNT_NAMES = frozenset({"index", "containerCount", "containersHeld", "electorate", "count"})

_ROLES = {"0x" + role.id.hex(): role.value for role in Role} | {"0x" + "00" * 32: "DEFAULT_ADMIN_ROLE"}
_PARAMETERS = {"0x" + keccak(text=name).hex(): name for name in PARAMETERS}
_INT = re.compile(r"u?int(\d*)")
_RULES = (Rule.TEMPERATURE, Rule.SEAL, Rule.CORRIDOR, Rule.SHOCK)


def ascii_text(value: Any) -> Any:
    """``0x``-hex of a zero-padded ASCII code as text (``0x434e53484b`` → ``CNSHK``), ``None`` for all zeros (no
    port: a role held globally; no reason given); anything else unchanged."""
    if not isinstance(value, str) or not value.startswith("0x"):
        return value
    raw = bytes.fromhex(value[2:]).rstrip(b"\0")
    if not raw:
        return None
    if raw.isascii() and raw.decode("ascii").isprintable():
        return raw.decode("ascii")
    return value


def _enum_reader(enum: type[IntEnum]) -> Reader:
    def read(value: Any) -> Any:
        try:
            return enum(int(value)).name
        except ValueError:
            return value

    return read


def _rule(value: Any) -> Any:
    try:
        return Rule(int(value)).name or value
    except ValueError:
        return value


def _rules(value: Any) -> Any:
    return [rule.name for rule in _RULES if int(value) & rule]


def _number(value: Any) -> Any:
    return int(value)


def _each(read: Reader) -> Reader:
    return lambda values: [read(v) for v in values]


def reader(param: dict[str, Any], event: str | None = None) -> Reader | None:
    """How to read ``param`` (an ABI input, of ``event`` if it is an event's), or ``None`` to keep the value."""
    kind, name = str(param.get("type", "")), str(param.get("name") or "")
    internal = str(param.get("internalType") or "")
    if internal.startswith("enum "):
        enum = ENUMS.get(internal.rsplit(".", 1)[-1])
        if enum is not None:
            read = _enum_reader(enum)
            return _each(read) if kind.endswith("[]") else read
        return None
    if (event, name) == ("AlertRaised", "rule"):
        return _rule
    if (event, name) == ("RulesSet", "enabled"):
        return _rules
    if kind in ASCII_TYPES:
        return ascii_text
    if kind.endswith("[]") and kind[:-2] in ASCII_TYPES:
        return _each(ascii_text)
    if kind == "bytes32" and name in TEXT_NAMES:
        return ascii_text
    if kind == "bytes32" and name in ROLE_NAMES:
        return lambda value: _ROLES.get(value, value)
    if kind == "bytes32" and name == "key":
        return lambda value: _PARAMETERS.get(value, value)
    match = _INT.fullmatch(kind)
    if match:
        bits = int(match.group(1) or 256)
        if 48 < bits <= 64 or (name.endswith("Id") or name in COUNT_NAMES):
            return _number
    return None
