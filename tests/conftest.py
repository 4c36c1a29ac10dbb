"""Shared fixtures: the pilot consortium deployed by the real deployment path on ape's Anvil."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from portlink.chain.artifacts import ContractArtifact, load_artifacts
from portlink.chain.client import NodeAccountSigner
from portlink.deployment.deploy import GOVERNANCE, REGISTRY, DeployResult, deploy
from portlink.deployment.seed import Seed, load_seed
from portlink.domain.consortium import Role

ROOT = Path(__file__).resolve().parents[1]
PILOT_SEED = ROOT / "deployments" / "pilot.yaml"
SHEKOU = b"CNSHK"
SHUNDE = b"CNSUD"
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


@pytest.fixture(scope="session")
def artifacts(project) -> dict[str, ContractArtifact]:
    project.load_contracts()  # compiles if sources changed
    return load_artifacts(ROOT / ".build" / "__local__.json")


@pytest.fixture(scope="session")
def pilot_seed() -> tuple[Seed, str]:
    return load_seed(PILOT_SEED)


@pytest.fixture(scope="session")
def members(accounts) -> Members:
    return Members(*(accounts[i] for i in range(14)), accounts[17], accounts[18], accounts[19])


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
