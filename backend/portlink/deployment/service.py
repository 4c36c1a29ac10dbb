"""Deployment as the CLI and scripts use it: settings in, a deployed (or reused) consortium out."""

from __future__ import annotations

from collections.abc import Callable

from web3 import Web3

from portlink.chain.artifacts import load_artifacts
from portlink.chain.client import LocalKeySigner, NodeAccountSigner, Signer
from portlink.deployment.deploy import DeployResult, deploy
from portlink.deployment.seed import load_seed
from portlink.errors import ConfigurationError
from portlink.settings import Settings


def deployer_signer(w3: Web3, settings: Settings) -> Signer:
    """The configured deployer key, or the node's first unlocked account on a development chain."""
    if settings.deployer_private_key is not None:
        return LocalKeySigner(settings.deployer_private_key.get_secret_value())
    accounts = w3.eth.accounts
    if not accounts:
        raise ConfigurationError(
            "the node holds no unlocked accounts: set PORTLINK_DEPLOYER_PRIVATE_KEY to the deployer's key"
        )
    return NodeAccountSigner(accounts[0])


def deploy_configured(
    w3: Web3,
    settings: Settings,
    signer: Signer | None = None,
    *,
    progress: Callable[[str, int], None] | None = None,
) -> DeployResult:
    """Deploy (or reuse) with the artifacts, seed and manifest path the settings name (``progress`` as for
    :func:`~portlink.deployment.deploy.deploy`)."""
    seed, seed_sha256 = load_seed(settings.seed_path)
    return deploy(
        w3,
        signer or deployer_signer(w3, settings),
        load_artifacts(settings.artifacts_path),
        seed,
        seed_sha256,
        settings.manifest_path,
        timeout=settings.tx_timeout_seconds,
        progress=progress,
    )
