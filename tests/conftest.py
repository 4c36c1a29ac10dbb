"""Shared fixtures: the pilot consortium deployed by the real deployment path on ape's Anvil."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import ape
import pytest
from eth_abi import encode
from eth_utils.crypto import keccak
from portlink.chain.artifacts import ContractArtifact, load_artifacts
from portlink.chain.client import NodeAccountSigner
from portlink.deployment.deploy import DeployResult, deploy
from portlink.deployment.seed import Seed, load_seed
from portlink.domain.consortium import Role
from portlink.domain.customs import Eip712Domain
from portlink.manifest import CUSTOMS, GOVERNANCE, REGISTRY, SHIPMENTS

ROOT = Path(__file__).resolve().parents[1]
PILOT_SEED = ROOT / "deployments" / "pilot.yaml"
SHEKOU = b"CNSHK"
SHUNDE = b"CNSUD"
HONG_KONG = b"HKHKG"
MACAU = b"MOMFM"
NO_PORT = bytes(5)
NO_ROLE = bytes(32)
ROLE_IDS = {role: role.id for role in Role}


@dataclass(frozen=True)
class Members:
    """The pilot seed's accounts by what they are (indexes as in deployments/pilot.yaml)."""

    deployer: object
    shekou_authority: object
    shunde_authority: object
    shekou_customs: object
    shunde_customs: object
    shekou_terminal: object
    shunde_terminal: object
    carrier: object
    shipper: object
    consignee: object
    financier: object
    tax_authority: object
    iot_gateway: object
    auditor: object
    newcomer: object
    newcomer2: object
    outsider: object
    issuer: object


@pytest.fixture(scope="session")
def artifacts(project) -> dict[str, ContractArtifact]:
    project.load_contracts()  # compiles if sources changed
    return load_artifacts(ROOT / ".build" / "__local__.json")


@pytest.fixture(scope="session")
def pilot_seed() -> tuple[Seed, str]:
    return load_seed(PILOT_SEED)


@pytest.fixture(scope="session")
def members(accounts) -> Members:
    return Members(*(accounts[i] for i in range(14)), accounts[17], accounts[18], accounts[19], accounts[14])


@pytest.fixture(scope="session")
def deployment(chain, accounts, artifacts, pilot_seed, tmp_path_factory) -> DeployResult:
    seed, sha = pilot_seed
    manifest_path = tmp_path_factory.mktemp("pilot") / "manifest.json"
    return deploy(chain.provider.web3, NodeAccountSigner(accounts[0].address), artifacts, seed, sha, manifest_path)


@pytest.fixture(scope="session")
def registry(project, deployment):
    return project.ConsortiumRegistry.at(deployment.manifest.contract(REGISTRY).address)


@pytest.fixture(scope="session")
def governance(project, deployment):
    return project.ConsortiumGovernance.at(deployment.manifest.contract(GOVERNANCE).address)


@pytest.fixture(scope="session")
def shipments(project, deployment):
    """The ShipmentRegistry of the real pilot deployment."""
    return project.ShipmentRegistry.at(deployment.manifest.contract(SHIPMENTS).address)


@pytest.fixture(scope="session")
def customs(project, deployment):
    """The CustomsClearance of the real pilot deployment."""
    return project.CustomsClearance.at(deployment.manifest.contract(CUSTOMS).address)


@pytest.fixture(scope="session")
def domain(customs) -> Eip712Domain:
    """The EIP-712 domain customs decisions are signed in, as the contract reports it (ERC-5267)."""
    return Eip712Domain.from_erc5267(customs.eip712Domain())


def proposal_id(receipt) -> int:
    """The id of the proposal a `propose*` transaction created."""
    return receipt.return_value if receipt.return_value else receipt.events.filter("ProposalCreated")[0].proposalId


@pytest.fixture
def admit(governance, members):
    """Carry a proposal through the pilot's two port authorities: `admit("proposeMember", *args)`."""

    def _admit(method: str, *args):
        receipt = getattr(governance, method)(*args, sender=members.shekou_authority)
        pid = governance.proposalCount()
        governance.vote(pid, True, sender=members.shunde_authority)
        return pid, receipt

    return _admit


@contextmanager
def reverts(error, **inputs) -> Iterator[object]:
    """`ape.reverts` made strict: the revert must be exactly `error` and carry exactly `inputs` (every argument).

    Plain `ape.reverts(SomeError, ...)` passes on a revert ape could not decode, ignores misspelt or missing
    argument names and, for errors of a contract type rather than an instance, accepts any custom error.
    """
    with ape.reverts(error, **inputs) as info:
        yield info
    raised = info.value
    assert isinstance(raised, error), f"expected {error.__name__}({inputs}), got {raised!r}"
    assert raised.inputs == inputs, f"expected {error.__name__}({inputs}), got {raised!r} with {raised.inputs}"


def error_data(contract, name: str, *args) -> bytes:
    """The revert data of custom error `name(*args)` from `contract`'s ABI: the 4-byte selector, then the arguments."""
    abi = next(e for e in contract.contract_type.errors if e.name == name)
    types = [i.canonical_type for i in abi.inputs]
    return keccak(text=f"{name}({','.join(types)})")[:4] + encode(types, list(args))


@pytest.fixture
def three_ports(admit, members):
    """The pilot plus Hong Kong (HKHKG), admitted by vote with `members.newcomer` as its authority: 3 voters.

    Returns the authorities in the order Shekou, Shunde, Hong Kong.
    """
    admit("proposePort", HONG_KONG, "Hong Kong", members.newcomer, "Hong Kong Marine Department", "HK-MD")
    return members.shekou_authority, members.shunde_authority, members.newcomer


@pytest.fixture
def four_ports(three_ports, governance, members):
    """`three_ports` plus Macau (MOMFM) with `members.newcomer2` as its authority: 4 voters, so 2-2 is a tie.

    Returns the authorities in the order Shekou, Shunde, Hong Kong, Macau.
    """
    governance.proposePort(
        MACAU, "Macau", members.newcomer2, "Macau Marine and Water Bureau", "MO-DSAMA", sender=members.shekou_authority
    )
    governance.vote(governance.proposalCount(), True, sender=members.shunde_authority)  # 2 of 3
    return (*three_ports, members.newcomer2)


def check_gas_snapshot(path: Path, measured: dict[str, int]) -> None:
    """Compare `measured` gas with the committed snapshot `path`; `PORTLINK_UPDATE_GAS_SNAPSHOT=1` rewrites it."""
    if os.environ.get("PORTLINK_UPDATE_GAS_SNAPSHOT") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(measured, indent=2) + "\n")
    committed = json.loads(path.read_text())
    changed = {
        op: f"{committed.get(op)} -> {measured.get(op)}"
        for op in sorted(set(committed) | set(measured))
        if committed.get(op) != measured.get(op)
    }
    assert not changed, f"gas changed (run `make gas-snapshot` if intended): {changed}"


#: Debian's Chromium, which the browser tests drive with Playwright (`make chromium` installs it).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # as root (CI, containers) Chromium's sandbox cannot start; the pages are our own
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole session (Playwright's sync API allows one running instance per thread)."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: `make chromium` (apt-get install -y chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
