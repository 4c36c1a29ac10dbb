"""The one deployment path: ``make run``, the tests and ``ape run deploy`` all call :func:`deploy`.

Deploying is idempotent. With a manifest for this chain already written, :func:`deploy` checks that the chain
still holds the contracts it records and that the compiled contracts and seed are the ones deployed, and sends
nothing, unless a service contract added to PortLink since is missing: that one is deployed and added to the
manifest, with every service that names it (they would otherwise keep trusting the old address). A manifest
written for another chain is refused (:class:`StaleManifestError`), as are contracts or a seed changed since
deployment (:class:`ContractsChangedError`).

Some services name each other: the IoT monitor takes the addresses of the customs clearance contract and the
escrow, which are deployed after it and check in their constructors that the monitor names them. Services are
therefore deployed in one run of consecutive nonces, each constructor given the addresses its dependencies have or
will have (CREATE addresses predicted from the deployer's nonce), as the registry is given its governance's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rlp  # type: ignore[import-untyped]
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.types import Nonce, TxParams, TxReceipt

from portlink.chain.artifacts import ContractArtifact, require
from portlink.chain.client import Signer, transact
from portlink.deployment.seed import Seed
from portlink.errors import ContractsChangedError, DeploymentError, StaleManifestError
from portlink.manifest import (
    CUSTOMS,
    ESCROW,
    GOVERNANCE,
    IOT,
    REGISTRY,
    SETTLEMENT_TOKEN,
    SHIPMENTS,
    TRANSPORT_CALLS,
    DeployedContract,
    Manifest,
    load_manifest,
    save_manifest,
    write_abi,
)

#: Deployed together: the registry trusts the governance address predicted from the deployer's next nonce.
CORE = (REGISTRY, GOVERNANCE)
#: Service contracts in deployment order, each with the contracts whose addresses its constructor takes (those
#: deployed later at their predicted addresses). A deployment that lacks one (written before it was added to
#: PortLink) gets it added on the next run.
SERVICE_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    SHIPMENTS: (REGISTRY,),
    SETTLEMENT_TOKEN: (REGISTRY,),
    IOT: (SHIPMENTS, CUSTOMS, ESCROW),
    CUSTOMS: (SHIPMENTS, IOT),
    ESCROW: (CUSTOMS, SETTLEMENT_TOKEN),
    TRANSPORT_CALLS: (SHIPMENTS,),
}
SERVICES = tuple(SERVICE_DEPENDENCIES)
#: Contracts in deployment order.
CONTRACTS = CORE + SERVICES


@dataclass(frozen=True)
class DeployResult:
    """What :func:`deploy` did."""

    manifest: Manifest
    manifest_path: Path
    #: Contracts deployed by this run (empty when the recorded deployment was reused as it is).
    deployed: tuple[str, ...]

    @property
    def reused(self) -> bool:
        """Whether nothing was sent."""
        return not self.deployed


def create_address(sender: str, nonce: int) -> ChecksumAddress:
    """The address a contract created by ``sender`` with transaction ``nonce`` gets (CREATE)."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def chain_identity(w3: Web3) -> tuple[int, str]:
    """The chain id and genesis block hash: together they tell one chain from another."""
    genesis = w3.eth.get_block(0)
    return w3.eth.chain_id, genesis["hash"].to_0x_hex()


def deploy(
    w3: Web3,
    signer: Signer,
    artifacts: dict[str, ContractArtifact],
    seed: Seed,
    seed_sha256: str,
    manifest_path: Path,
    *,
    timeout: float = 120.0,
    progress: Callable[[str, int], None] | None = None,
) -> DeployResult:
    """Deploy and seed the consortium contracts, or reuse the deployment ``manifest_path`` records.

    ``progress(name, total)`` is called as each contract is deployed (``total``: how many this run deploys)."""
    compiled = {name: require(artifacts, name) for name in CONTRACTS}
    chain_id, genesis_hash = chain_identity(w3)
    done = progress or (lambda name, total: None)
    if manifest_path.exists():
        manifest = load_manifest(manifest_path)
        verify(w3, manifest, manifest_path, compiled, seed_sha256, chain_id=chain_id, genesis_hash=genesis_hash)
        entries = dict(manifest.contracts)
        total = len(_missing_services(entries))
    else:
        manifest = None
        total = len(CONTRACTS)
        entries = _deploy_core(w3, signer, compiled, seed, manifest_path, timeout=timeout)
        for name in CORE:
            done(name, total)

    missing = _missing_services(entries)
    nonce = w3.eth.get_transaction_count(signer.address, "pending")
    predicted = {name: create_address(signer.address, nonce + i) for i, name in enumerate(missing)}
    for i, name in enumerate(missing):
        args = tuple(
            predicted[dependency] if dependency in predicted else entries[dependency].address
            for dependency in SERVICE_DEPENDENCIES[name]
        )
        receipt = _deploy_one(w3, signer, compiled[name], args, nonce=nonce + i, timeout=timeout)
        if _contract_address(receipt) != predicted[name]:
            raise DeploymentError(
                f"{name} landed at {receipt['contractAddress']}, not at the address the services deployed with it "
                f"trust ({predicted[name]}): another transaction from {signer.address} got in between"
            )
        entries[name] = _entry(w3, manifest_path, compiled[name], receipt)
        done(name, total)
    deployed = missing if manifest is not None else CONTRACTS
    if manifest is None:
        manifest = Manifest(
            chain_id=chain_id,
            genesis_hash=genesis_hash,
            deployer=signer.address,
            deployed_at=datetime.now(UTC),
            seed_sha256=seed_sha256,
            contracts=entries,
        )
    elif missing:
        manifest = manifest.model_copy(update={"contracts": entries})
    if deployed:
        save_manifest(manifest_path, manifest)
    return DeployResult(manifest, manifest_path, deployed)


def _missing_services(entries: dict[str, DeployedContract]) -> tuple[str, ...]:
    """Services to deploy, in deployment order: those the manifest lacks, and those that name one being deployed
    now (they would otherwise keep trusting the old address), until nothing more is added."""
    missing = {name for name in SERVICES if name not in entries}
    while True:
        dependents = {n for n in SERVICES if any(d in missing for d in SERVICE_DEPENDENCIES[n])} - missing
        if not dependents:
            return tuple(name for name in SERVICES if name in missing)
        missing |= dependents


def _deploy_core(
    w3: Web3,
    signer: Signer,
    compiled: dict[str, ContractArtifact],
    seed: Seed,
    manifest_path: Path,
    *,
    timeout: float,
) -> dict[str, DeployedContract]:
    nonce = w3.eth.get_transaction_count(signer.address, "pending")
    predicted_governance = create_address(signer.address, nonce + 1)
    registry_receipt = _deploy_one(
        w3,
        signer,
        compiled[REGISTRY],
        (predicted_governance, seed.port_seeds(), seed.member_seeds()),
        nonce=nonce,
        timeout=timeout,
    )
    registry_address = _contract_address(registry_receipt)
    governance_receipt = _deploy_one(
        w3, signer, compiled[GOVERNANCE], (registry_address,), nonce=nonce + 1, timeout=timeout
    )
    if _contract_address(governance_receipt) != predicted_governance:
        raise DeploymentError(
            f"governance landed at {governance_receipt['contractAddress']}, not at the address the registry "
            f"trusts ({predicted_governance}): another transaction from {signer.address} got in between"
        )
    return {
        REGISTRY: _entry(w3, manifest_path, compiled[REGISTRY], registry_receipt),
        GOVERNANCE: _entry(w3, manifest_path, compiled[GOVERNANCE], governance_receipt),
    }


def verify(
    w3: Web3,
    manifest: Manifest,
    manifest_path: Path,
    compiled: dict[str, ContractArtifact],
    seed_sha256: str,
    *,
    chain_id: int,
    genesis_hash: str,
) -> None:
    """Check that ``manifest`` describes this chain, these compiled contracts and this seed."""
    if (manifest.chain_id, manifest.genesis_hash) != (chain_id, genesis_hash):
        raise StaleManifestError(
            f"{manifest_path} was written for chain {manifest.chain_id} with genesis {manifest.genesis_hash}, "
            f"but the node is chain {chain_id} with genesis {genesis_hash}: it belongs to another chain. "
            "Remove it (for the local chain: `make reset`) or set PORTLINK_MANIFEST_PATH to this chain's manifest"
        )
    for name in CORE:
        manifest.contract(name)  # a manifest without the core contracts is not ours
    for name, artifact in compiled.items():
        if name not in manifest.contracts:
            continue  # a service contract added since: deployed by the caller
        entry = manifest.contract(name)
        if entry.bytecode_hash != artifact.bytecode_hash:
            raise ContractsChangedError(
                f"{name} has changed since it was deployed at {entry.address} (per {manifest_path}); "
                "deploy the new version to a fresh chain (for the local chain: `make reset`)"
            )
        code = w3.eth.get_code(to_checksum_address(entry.address))
        if "0x" + keccak(bytes(code)).hex() != entry.runtime_code_hash:
            raise DeploymentError(
                f"{name} is not at {entry.address} on chain {chain_id} as {manifest_path} records "
                "(the chain was reset or rolled back); remove the manifest and deploy again"
            )
    if manifest.seed_sha256 != seed_sha256:
        raise ContractsChangedError(
            f"the seed file changed since the deployment recorded in {manifest_path}; a deployed consortium "
            "changes only by governance vote. Restore the seed, or deploy to a fresh chain (`make reset`)"
        )


def _deploy_one(
    w3: Web3,
    signer: Signer,
    artifact: ContractArtifact,
    args: tuple[Any, ...],
    *,
    timeout: float,
    nonce: int | None = None,
) -> TxReceipt:
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    params: TxParams = {"from": signer.address}
    if nonce is not None:
        params["nonce"] = Nonce(nonce)
    tx = factory.constructor(*args).build_transaction(params)
    receipt = transact(w3, signer, tx, what=f"deploying {artifact.name}", timeout=timeout)
    if not receipt.get("contractAddress"):
        raise DeploymentError(f"deploying {artifact.name}: the receipt names no contract address")
    return receipt


def _contract_address(receipt: TxReceipt) -> ChecksumAddress:
    address = receipt["contractAddress"]
    if address is None:
        raise DeploymentError(f"transaction {receipt['transactionHash'].to_0x_hex()} created no contract")
    return to_checksum_address(address)


def _entry(w3: Web3, manifest_path: Path, artifact: ContractArtifact, receipt: TxReceipt) -> DeployedContract:
    address = _contract_address(receipt)
    code = w3.eth.get_code(address, block_identifier=receipt["blockNumber"])
    return DeployedContract(
        address=address,
        block_number=receipt["blockNumber"],
        block_hash=receipt["blockHash"].to_0x_hex(),
        transaction_hash=receipt["transactionHash"].to_0x_hex(),
        abi=write_abi(manifest_path, artifact.name, artifact.abi_json),
        abi_sha256=artifact.abi_sha256,
        bytecode_hash=artifact.bytecode_hash,
        runtime_code_hash="0x" + keccak(bytes(code)).hex(),
    )
