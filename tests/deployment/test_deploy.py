"""The one deployment path: deploys and seeds, records a manifest, is idempotent, refuses stale manifests."""

from __future__ import annotations

import dataclasses
import json
import socket
from pathlib import Path

import pytest
from portlink.chain.client import LocalKeySigner, NodeAccountSigner
from portlink.chain.devnode import DevNode
from portlink.deployment.deploy import (
    CONTRACTS,
    CORE,
    CUSTOMS,
    ESCROW,
    GOVERNANCE,
    IOT,
    REGISTRY,
    SETTLEMENT_TOKEN,
    SHIPMENTS,
    TRANSPORT_CALLS,
    chain_identity,
    create_address,
    deploy,
)
from portlink.errors import ContractsChangedError, DeploymentError, StaleManifestError
from portlink.manifest import load_abi, load_manifest
from web3 import Web3

# Anvil's account 15 ("test test ... junk"), a public test key.
KEY_15 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def other_chain(tmp_path):
    """A second, independent Anvil chain (another genesis block)."""
    node = DevNode(
        "anvil",
        host="127.0.0.1",
        port=_free_port(),
        chain_id=31337,
        state_path=tmp_path / "other-state.json",
        log_path=tmp_path / "other.log",
    )
    with node:
        yield Web3(Web3.HTTPProvider(node.rpc_url))


@pytest.fixture
def fresh(chain, accounts, artifacts, pilot_seed, tmp_path):
    """Deploy into a new manifest path on ape's chain: returns (deploy-again callable, first result)."""
    seed, sha = pilot_seed
    w3 = chain.provider.web3
    signer = NodeAccountSigner(accounts[0].address)
    path = tmp_path / "local" / "manifest.json"

    def again(**overrides):
        args = {"w3": w3, "signer": signer, "artifacts": artifacts, "seed": seed, "seed_sha256": sha}
        args.update(overrides)
        return deploy(manifest_path=path, **args)

    return again, again()


def test_manifest_records_chain_contracts_and_abis(chain, fresh):
    _, result = fresh
    w3 = chain.provider.web3
    manifest = load_manifest(result.manifest_path)
    assert manifest == result.manifest
    assert (manifest.chain_id, manifest.genesis_hash) == chain_identity(w3)
    assert set(manifest.contracts) == set(CONTRACTS)
    for name in CONTRACTS:
        entry = manifest.contract(name)
        receipt = w3.eth.get_transaction_receipt(entry.transaction_hash)
        assert receipt["contractAddress"] == entry.address
        assert receipt["blockNumber"] == entry.block_number
        assert receipt["blockHash"].to_0x_hex() == entry.block_hash
        abi = load_abi(result.manifest_path, entry)
        assert {"constructor", "function", "event", "error"} <= {item["type"] for item in abi}
    assert not result.reused


def test_registry_trusts_the_governance_it_was_deployed_with(project, fresh):
    _, result = fresh
    registry = project.ConsortiumRegistry.at(result.manifest.contract(REGISTRY).address)
    governance = project.ConsortiumGovernance.at(result.manifest.contract(GOVERNANCE).address)
    assert registry.governance() == governance.address
    assert governance.registry() == registry.address
    assert registry.activeAuthorityCount() == 2


def test_deploy_again_on_the_same_chain_sends_nothing_and_keeps_the_manifest(chain, accounts, fresh):
    again, first = fresh
    w3 = chain.provider.web3
    before = (w3.eth.block_number, w3.eth.get_transaction_count(accounts[0].address))
    written = first.manifest_path.read_bytes()

    second = again()

    assert second.reused
    assert second.manifest == first.manifest
    assert first.manifest_path.read_bytes() == written
    assert (w3.eth.block_number, w3.eth.get_transaction_count(accounts[0].address)) == before


def test_manifest_of_another_chain_is_refused(artifacts, pilot_seed, fresh, other_chain):
    _, first = fresh
    seed, sha = pilot_seed
    signer = NodeAccountSigner(other_chain.eth.accounts[0])
    written = first.manifest_path.read_bytes()

    with pytest.raises(StaleManifestError, match="belongs to another chain") as raised:
        deploy(other_chain, signer, artifacts, seed, sha, first.manifest_path)

    assert first.manifest.genesis_hash in str(raised.value)
    assert other_chain.eth.block_number == 0, "nothing may be sent to the other chain"
    assert first.manifest_path.read_bytes() == written


def test_manifest_with_another_chain_id_is_refused(fresh):
    again, first = fresh
    data = json.loads(first.manifest_path.read_text())
    data["chainId"] = 1
    first.manifest_path.write_text(json.dumps(data))
    with pytest.raises(StaleManifestError, match="written for chain 1 "):
        again()


def test_changed_contract_is_refused(artifacts, fresh):
    again, _ = fresh
    changed = dict(artifacts)
    changed[REGISTRY] = dataclasses.replace(artifacts[REGISTRY], bytecode=artifacts[REGISTRY].bytecode + b"\x00")
    with pytest.raises(ContractsChangedError, match="ConsortiumRegistry has changed since it was deployed"):
        again(artifacts=changed)


def test_changed_seed_is_refused(fresh):
    again, _ = fresh
    with pytest.raises(ContractsChangedError, match="seed file changed"):
        again(seed_sha256="0" * 64)


def test_rolled_back_chain_is_detected(chain, artifacts, pilot_seed, accounts, tmp_path):
    seed, sha = pilot_seed
    snapshot = chain.snapshot()
    path = tmp_path / "manifest.json"
    signer = NodeAccountSigner(accounts[0].address)
    deploy(chain.provider.web3, signer, artifacts, seed, sha, path)
    chain.restore(snapshot)
    with pytest.raises(DeploymentError, match="is not at 0x"):
        deploy(chain.provider.web3, signer, artifacts, seed, sha, path)


def test_deploys_with_a_local_key_on_another_chain(artifacts, pilot_seed, other_chain, tmp_path):
    seed, sha = pilot_seed
    signer = LocalKeySigner(KEY_15)
    result = deploy(other_chain, signer, artifacts, seed, sha, tmp_path / "m.json")
    assert result.manifest.deployer == signer.address
    assert result.manifest.contract(REGISTRY).address == create_address(signer.address, 0)
    assert result.manifest.contract(GOVERNANCE).address == create_address(signer.address, 1)
    assert other_chain.eth.get_code(result.manifest.contract(GOVERNANCE).address)


def test_missing_artifacts_are_named(artifacts, fresh, tmp_path: Path):
    from portlink.chain.artifacts import load_artifacts
    from portlink.errors import ArtifactsError

    with pytest.raises(ArtifactsError, match="run `make build`"):
        load_artifacts(tmp_path / "nothing.json")
    again, _ = fresh
    with pytest.raises(ArtifactsError, match="no deployable contract 'ConsortiumGovernance'"):
        again(artifacts={k: v for k, v in artifacts.items() if k != GOVERNANCE})


def test_service_contract_missing_from_an_older_deployment_is_added(project, chain, fresh):
    """A deployment from before the escrow existed gets it, with an IoT monitor that names it (its financings lock
    the monitoring) and a customs contract that names that monitor; the shipment registry and token stay."""
    again, first = fresh
    data = json.loads(first.manifest_path.read_text())
    del data["contracts"][ESCROW]
    first.manifest_path.write_text(json.dumps(data))

    upgraded = again()

    assert upgraded.deployed == (IOT, CUSTOMS, ESCROW)
    for name in (*CORE, SHIPMENTS, SETTLEMENT_TOKEN):
        assert upgraded.manifest.contract(name) == first.manifest.contract(name)
    added = upgraded.manifest.contract(ESCROW)
    assert added.address != first.manifest.contract(ESCROW).address
    assert chain.provider.web3.eth.get_code(added.address)
    escrow = project.TradeFinanceEscrow.at(added.address)
    customs = upgraded.manifest.contract(CUSTOMS).address
    assert escrow.customs() == customs
    assert escrow.settlementToken() == first.manifest.contract(SETTLEMENT_TOKEN).address
    iot = project.IoTMonitor.at(upgraded.manifest.contract(IOT).address)
    assert (iot.customs(), iot.escrow(), iot.shipments()) == (
        customs,
        added.address,
        data["contracts"][SHIPMENTS]["address"],
    )
    assert load_manifest(first.manifest_path) == upgraded.manifest
    assert again().reused


def test_a_service_deployed_again_takes_its_dependents_along(project, chain, fresh):
    """Customs (and the escrow through it) must not keep trusting the shipment registry the manifest no longer
    names; the settlement token, which only needs the consortium registry, stays."""
    again, first = fresh
    data = json.loads(first.manifest_path.read_text())
    del data["contracts"][SHIPMENTS]
    first.manifest_path.write_text(json.dumps(data))

    upgraded = again()

    assert upgraded.deployed == (SHIPMENTS, IOT, CUSTOMS, ESCROW, TRANSPORT_CALLS)
    for name in (*CORE, SETTLEMENT_TOKEN):
        assert upgraded.manifest.contract(name) == first.manifest.contract(name)
    shipments = upgraded.manifest.contract(SHIPMENTS).address
    assert shipments != first.manifest.contract(SHIPMENTS).address
    customs = upgraded.manifest.contract(CUSTOMS).address
    assert project.CustomsClearance.at(customs).shipments() == shipments
    assert project.TradeFinanceEscrow.at(upgraded.manifest.contract(ESCROW).address).customs() == customs
    assert (
        project.TransportCallRegistry.at(upgraded.manifest.contract(TRANSPORT_CALLS).address).shipments() == shipments
    )
    assert again().reused


def test_service_contracts_ask_the_deployed_consortium(project, fresh):
    _, result = fresh
    shipments = project.ShipmentRegistry.at(result.manifest.contract(SHIPMENTS).address)
    assert shipments.consortium() == result.manifest.contract(REGISTRY).address
    iot = project.IoTMonitor.at(result.manifest.contract(IOT).address)
    assert iot.shipments() == shipments.address
    customs = project.CustomsClearance.at(result.manifest.contract(CUSTOMS).address)
    assert customs.shipments() == shipments.address
    assert customs.iotMonitor() == iot.address
    assert (iot.customs(), iot.escrow()) == (customs.address, result.manifest.contract(ESCROW).address)
    token = project.SettlementToken.at(result.manifest.contract(SETTLEMENT_TOKEN).address)
    assert token.consortium() == result.manifest.contract(REGISTRY).address
    escrow = project.TradeFinanceEscrow.at(result.manifest.contract(ESCROW).address)
    assert (escrow.customs(), escrow.settlementToken()) == (customs.address, token.address)
    assert escrow.isAllowlisted(token)
    calls = project.TransportCallRegistry.at(result.manifest.contract(TRANSPORT_CALLS).address)
    assert calls.shipments() == shipments.address
