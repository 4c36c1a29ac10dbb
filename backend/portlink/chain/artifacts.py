"""Compiled contract artifacts, read from the package manifest that ``ape compile`` writes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak

from portlink.errors import ArtifactsError


@dataclass(frozen=True)
class ContractArtifact:
    """ABI and bytecode of one compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    runtime_bytecode: bytes
    #: The NatSpec for users solc writes (``errors``: ``{"Name(types)": [{"notice": ...}]}``, ``methods``, ...).
    userdoc: dict[str, Any] = field(default_factory=dict)

    @property
    def bytecode_hash(self) -> str:
        """keccak-256 of the creation bytecode (before constructor arguments), 0x-prefixed."""
        return "0x" + keccak(self.bytecode).hex()

    @property
    def abi_json(self) -> str:
        """The ABI as canonical JSON (sorted keys, no spaces): what the manifest's ABI hash covers."""
        return json.dumps(self.abi, sort_keys=True, separators=(",", ":"))

    @property
    def abi_sha256(self) -> str:
        """SHA-256 of :attr:`abi_json`."""
        return hashlib.sha256(self.abi_json.encode()).hexdigest()


def _hex(value: str | None) -> bytes:
    return bytes.fromhex((value or "").removeprefix("0x"))


def load_artifacts(path: Path) -> dict[str, ContractArtifact]:
    """Read every contract type from ape's ``.build/__local__.json``."""
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactsError(f"no compiled contracts at {path}: run `make build` (ape compile) first") from None
    except json.JSONDecodeError as exc:
        raise ArtifactsError(f"{path} is not valid JSON ({exc}); run `ape compile --force`") from None
    artifacts: dict[str, ContractArtifact] = {}
    for name, ct in (raw.get("contractTypes") or {}).items():
        artifacts[name] = ContractArtifact(
            name=name,
            abi=ct.get("abi") or [],
            bytecode=_hex((ct.get("deploymentBytecode") or {}).get("bytecode")),
            runtime_bytecode=_hex((ct.get("runtimeBytecode") or {}).get("bytecode")),
            userdoc=ct.get("userdoc") or {},
        )
    return artifacts


def require(artifacts: dict[str, ContractArtifact], name: str) -> ContractArtifact:
    """The artifact called ``name``; a deployable one (with bytecode) or an :class:`ArtifactsError`."""
    artifact = artifacts.get(name)
    if artifact is None or not artifact.bytecode:
        known = ", ".join(sorted(n for n, a in artifacts.items() if a.bytecode)) or "none"
        raise ArtifactsError(f"no deployable contract {name!r} in the build (deployable: {known})")
    return artifact
