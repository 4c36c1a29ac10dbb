"""The deployment manifest: the one place the backend learns contract names, addresses and ABIs from.

It sits below every layer that reads it (chain access, store, indexer, services, API) and imports nothing of
PortLink's but its errors.

The manifest is JSON beside an ``abi/`` folder::

    .portlink/local/manifest.json
    .portlink/local/abi/ConsortiumRegistry.json

It names the chain it belongs to (chain id and genesis block hash), so it is never used against another chain,
and for each contract its address, deployment transaction and block, the ABI file with its SHA-256, and the
hashes of the creation bytecode and of the code found on chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from portlink.errors import ConfigurationError, DeploymentError
from portlink.files import write_atomically

SCHEMA = "portlink.deployment/1"

# The contracts' names in the manifest: everything that names a contract imports them from here.
REGISTRY = "ConsortiumRegistry"
GOVERNANCE = "ConsortiumGovernance"
SHIPMENTS = "ShipmentRegistry"
CUSTOMS = "CustomsClearance"
IOT = "IoTMonitor"
SETTLEMENT_TOKEN = "SettlementToken"  # noqa: S105 (a contract name, not a secret)
ESCROW = "TradeFinanceEscrow"
TRANSPORT_CALLS = "TransportCallRegistry"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")


class DeployedContract(_Model):
    """One deployed contract."""

    address: str
    block_number: int
    block_hash: str
    transaction_hash: str
    abi: str = Field(description="ABI file, relative to the manifest's folder.")
    abi_sha256: str
    bytecode_hash: str = Field(description="keccak-256 of the creation bytecode, constructor arguments excluded.")
    runtime_code_hash: str = Field(description="keccak-256 of the code on chain right after deployment.")


class Manifest(_Model):
    """A deployment of the PortLink contracts on one chain."""

    schema_: str = Field(SCHEMA, alias="schema")
    chain_id: int
    genesis_hash: str
    deployer: str
    deployed_at: datetime
    seed_sha256: str
    contracts: dict[str, DeployedContract]

    def contract(self, name: str) -> DeployedContract:
        """The deployed contract called ``name``."""
        try:
            return self.contracts[name]
        except KeyError:
            raise DeploymentError(
                f"the manifest has no contract {name!r} (it has: {', '.join(sorted(self.contracts))})"
            ) from None


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest at ``path``."""
    try:
        raw = path.read_text()
    except FileNotFoundError:
        raise ConfigurationError(
            f"no deployment manifest at {path}: deploy first (`make run` or `portlink deploy`)"
        ) from None
    try:
        manifest = Manifest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigurationError(
            f"{path} is not a PortLink deployment manifest: {'.'.join(map(str, first['loc']))}: {first['msg']}"
        ) from None
    if manifest.schema_ != SCHEMA:
        raise ConfigurationError(f"{path} has schema {manifest.schema_!r}; this backend reads {SCHEMA!r}")
    return manifest


def load_abi(manifest_path: Path, contract: DeployedContract) -> list[dict[str, Any]]:
    """The ABI a manifest entry references, checked against its recorded SHA-256."""
    path = manifest_path.parent / contract.abi
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"the manifest references {path}, which does not exist") from None
    if hashlib.sha256(raw).hexdigest() != contract.abi_sha256:
        raise ConfigurationError(f"{path} does not match the SHA-256 the manifest records for it")
    abi: list[dict[str, Any]] = json.loads(raw)
    return abi


def write_abi(manifest_path: Path, name: str, abi_json: str) -> str:
    """Write ``abi_json`` to ``abi/<name>.json`` beside the manifest; returns its path relative to the manifest."""
    relative = f"abi/{name}.json"
    write_atomically(manifest_path.parent / relative, abi_json.encode())
    return relative


def save_manifest(path: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (a crash never leaves half a manifest)."""
    body = manifest.model_dump_json(by_alias=True, indent=2) + "\n"
    write_atomically(path, body.encode())
