"""The npm-solc bridge behaves like the native `solc` for py-solc-x and ape, with no network."""

from __future__ import annotations

import json
import subprocess

import pytest
import solcx
import solcx.wrapper
from solcx.exceptions import SolcError

from tests.conftest import ROOT

BRIDGE = ROOT / "toolchain" / "solc-bridge.cjs"
PINNED = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/solc"]["version"]

TOKEN = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
contract Owned is Ownable { constructor() Ownable(msg.sender) {} }
"""


def _input(source: str, *, outputs: list[str] | None = None) -> dict:
    return {
        "language": "Solidity",
        "sources": {"Owned.sol": {"content": source}},
        "settings": {
            "evmVersion": "shanghai",
            "optimizer": {"enabled": True, "runs": 200},
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "outputSelection": {"*": {"*": outputs or ["abi", "evm.bytecode.object"]}},
        },
    }


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BRIDGE), *args], input=stdin, capture_output=True, text=True, check=False)


def test_version_banner_names_the_pinned_solc():
    out = _run("--version")
    assert out.returncode == 0
    assert out.stdout.splitlines()[0] == "solc, the solidity compiler commandline interface"
    assert out.stdout.splitlines()[1].startswith(f"Version: {PINNED}+commit.")
    assert str(solcx.wrapper.get_solc_version(BRIDGE)) == PINNED


def test_ape_finds_the_bridge_as_an_installed_solc():
    assert PINNED in {str(v) for v in solcx.get_installed_solc_versions()}


def test_openzeppelin_import_compiles_to_the_same_bytecode_twice():
    runs = [
        solcx.compile_standard(_input(TOKEN), base_path=ROOT, allow_paths=[ROOT], solc_binary=BRIDGE) for _ in range(2)
    ]
    bytecodes = [r["contracts"]["Owned.sol"]["Owned"]["evm"]["bytecode"]["object"] for r in runs]
    assert len(bytecodes[0]) > 1000
    assert bytecodes[0] == bytecodes[1]
    assert "node_modules/@openzeppelin/contracts/access/Ownable.sol" in runs[0]["sources"]


def test_missing_import_is_reported_by_solc_not_by_the_bridge():
    source = TOKEN.replace("access/Ownable.sol", "access/Nope.sol")
    out = _run("--standard-json", "--base-path", str(ROOT), stdin=json.dumps(_input(source)))
    assert out.returncode == 0, out.stderr
    errors = json.loads(out.stdout)["errors"]
    assert any(e["severity"] == "error" and "Nope.sol" in e["formattedMessage"] for e in errors)


def test_syntax_error_gives_solcs_message_not_a_traceback():
    broken = TOKEN.replace("{}", "{")
    with pytest.raises(SolcError) as raised:
        solcx.compile_standard(_input(broken), base_path=ROOT, allow_paths=[ROOT], solc_binary=BRIDGE)
    assert "ParserError" in str(raised.value)
    out = _run("--standard-json", "--base-path", str(ROOT), stdin=json.dumps(_input(broken)))
    assert out.returncode == 0
    assert out.stderr == ""
    [error] = [e for e in json.loads(out.stdout)["errors"] if e["severity"] == "error"]
    assert error["type"] == "ParserError"


def test_output_larger_than_a_pipe_buffer_arrives_whole():
    source = (ROOT / "contracts" / "ConsortiumRegistry.sol").read_text()
    data = _input(TOKEN, outputs=["*"])
    data["sources"] = {"contracts/ConsortiumRegistry.sol": {"content": source}}
    data["settings"]["remappings"] = [
        "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
    ]
    out = _run("--standard-json", "--base-path", str(ROOT), stdin=json.dumps(data))
    assert out.returncode == 0, out.stderr
    assert len(out.stdout) > 256 * 1024
    compiled = json.loads(out.stdout)
    assert compiled["contracts"]["contracts/ConsortiumRegistry.sol"]["ConsortiumRegistry"]["evm"]["bytecode"]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--standard-json"], "{not json", "solc-bridge: standard JSON input is not valid JSON"),
        (["--optimize"], "", "solc-bridge: unsupported argument '--optimize'"),
        ([], "", "solc-bridge: nothing to do"),
        (["--base-path"], "", "solc-bridge: --base-path needs a value"),
    ],
    ids=["invalid-json", "unknown-flag", "no-mode", "flag-without-value"],
)
def test_bad_invocation_is_one_line_on_stderr(args, stdin, message):
    out = _run(*args, stdin=stdin)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(message)
    assert out.stderr.count("\n") == 1
