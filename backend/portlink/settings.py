"""All PortLink settings, read once from the environment (prefix ``PORTLINK_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of every PortLink process. Paths are relative to the working directory unless absolute."""

    model_config = SettingsConfigDict(env_prefix="PORTLINK_", env_file=".env", extra="ignore")

    rpc_url: str = Field("http://127.0.0.1:8545", description="JSON-RPC endpoint of the chain.")
    poa: bool = Field(False, description="Inject web3's ExtraDataToPOAMiddleware (Besu/Quorum QBFT, Clique chains).")
    deployer_private_key: SecretStr | None = Field(
        None,
        description="Key that deploys the contracts. Unset: the node's first unlocked account (dev chains).",
    )
    artifacts_path: Path = Field(Path(".build/__local__.json"), description="ape's compiled project.")
    seed_path: Path = Field(Path("deployments/pilot.yaml"), description="Bootstrap ports and members.")
    manifest_path: Path = Field(
        Path(".portlink/local/manifest.json"), description="Deployment manifest the backend reads."
    )
    tx_timeout_seconds: float = Field(120.0, gt=0, description="How long to wait for a receipt.")

    # The local development chain started by `portlink up` / `make run`.
    anvil_binary: str = Field("anvil", description="Anvil executable (looked up on PATH).")
    anvil_host: str = "127.0.0.1"
    anvil_port: int = Field(8545, ge=1, le=65535)
    anvil_chain_id: int = Field(31337, ge=1)
    anvil_state_path: Path = Field(
        Path(".portlink/local/anvil-state.json"), description="Chain state kept across `make run`s."
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return Settings()
