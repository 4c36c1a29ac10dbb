"""The vocabulary values are read with: every enum of the contracts has its names, in the contracts' order, and
codes, roles, rules and numbers read as docs/api.md says."""

from __future__ import annotations

import json
import re

import pytest
from eth_utils.crypto import keccak
from portlink.deployment.deploy import CONTRACTS
from portlink.domain.readable import ENUMS, reader

from tests.conftest import ROOT


def _solidity_enums() -> dict[str, list[str]]:
    found = {}
    for path in (ROOT / "contracts" / "interfaces").glob("*.sol"):
        for name, body in re.findall(r"enum\s+(\w+)\s*\{([^}]*)\}", path.read_text()):
            found[name] = [member.strip() for member in body.split(",") if member.strip()]
    return found


def test_every_enum_of_the_contracts_is_read_by_name_in_its_order():
    solidity = _solidity_enums()
    build = json.loads((ROOT / ".build" / "__local__.json").read_text())
    used = {
        param["internalType"].rsplit(".", 1)[-1]
        for name in CONTRACTS
        for item in build["contractTypes"][name]["abi"]
        for param in item.get("inputs", []) + item.get("outputs", [])
        if str(param.get("internalType", "")).startswith("enum ")
    }
    assert used <= set(ENUMS), f"enums without names to read them by: {used - set(ENUMS)}"
    for name, enum in ENUMS.items():
        members = [m.name.replace("_", "") for m in enum]
        assert members == [m.upper() for m in solidity[name]], name


def _read(value, type_, name="x", event=None, internal=None):
    param = {"type": type_, "name": name, "internalType": internal or type_}
    read = reader(param, event)
    return value if read is None else read(value)


@pytest.mark.parametrize(
    ("value", "type_", "name", "event", "internal", "expected"),
    [
        ("0x434e53484b", "bytes5", "port", None, None, "CNSHK"),
        ("0x0000000000", "bytes5", "port", None, None, None),
        (["0x434e53484b", "0x484b484b47"], "bytes5[]", "corridor", None, None, ["CNSHK", "HKHKG"]),
        ("0x434e59", "bytes3", "currency", None, None, "CNY"),
        ("0x" + b"X-RAY".hex().ljust(64, "0"), "bytes32", "reasonCode", None, None, "X-RAY"),
        ("0x" + "00" * 32, "bytes32", "reasonCode", None, None, None),
        ("0x" + keccak(text="X-RAY").hex(), "bytes32", "reasonCode", None, None, "0x" + keccak(text="X-RAY").hex()),
        ("0x" + keccak(text="CUSTOMS").hex(), "bytes32", "role", None, None, "CUSTOMS"),
        (
            "0x" + keccak(text="portlink.governance.proposalLifetime").hex(),
            "bytes32",
            "key",
            None,
            None,
            "portlink.governance.proposalLifetime",
        ),
        (1, "uint8", "milestone", None, "enum IShipmentRegistry.Milestone", "GTIN"),
        (99, "uint8", "milestone", None, "enum IShipmentRegistry.Milestone", 99),
        (1, "uint8", "rule", "AlertRaised", None, "TEMPERATURE"),
        (13, "uint8", "enabled", "RulesSet", None, ["TEMPERATURE", "CORRIDOR", "SHOCK"]),
        ("1798000000", "uint64", "maturity", None, None, 1798000000),
        ("-2500", "int64", "value", None, None, -2500),
        ("7", "uint256", "financingId", None, None, 7),
        ("5000000", "uint128", "amount", None, None, "5000000"),
        ("5000000", "uint256", "value", None, None, "5000000"),
        ("0x" + "ab" * 32, "bytes32", "shipmentId", None, None, "0x" + "ab" * 32),
    ],
    ids=[
        "port",
        "no-port",
        "corridor",
        "currency",
        "reason-code",
        "no-reason",
        "reason-not-text-stays-hex",
        "role",
        "parameter-key",
        "enum",
        "unknown-enum-number-stays",
        "alert-rule",
        "rule-bits",
        "time",
        "reading",
        "id",
        "amount",
        "other-uint256",
        "id-hash",
    ],
)
def test_values_read_as_documented(value, type_, name, event, internal, expected):
    assert _read(value, type_, name, event, internal) == expected
