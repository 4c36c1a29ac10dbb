"""The platform's own lifecycle as the CLI drives it: a local development chain (``portlink up``) with its dev
wallets and API keys, deploying the consortium to the configured chain, running the indexer in the foreground
(``portlink index``), and the custodial keystore (``portlink keys import``, ``portlink wallet new``)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from eth_account import Account

from portlink.chain.client import connect
from portlink.chain.devnode import DevNode
from portlink.chain.devwallets import PUBLIC_TEST_KEYS, RELAYER_INDEX, dev_account, require_dev_chain
from portlink.chain.keystore import import_key
from portlink.deployment.deploy import DeployResult
from portlink.deployment.local import set_aside
from portlink.deployment.seed import load_seed
from portlink.deployment.service import deploy_configured
from portlink.errors import ConfigurationError, DevChainRequiredError
from portlink.indexer.indexer import Indexer
from portlink.manifest import Manifest, load_manifest
from portlink.services.devkeys import DevApiKey, ensure_dev_api_keys
from portlink.settings import Settings

__all__ = ["PUBLIC_TEST_KEYS", "DevProvision", "IndexRun", "LocalChain"]


def deploy(
    settings: Settings, rpc_url: str | None = None, *, progress: Callable[[str, int], None] | None = None
) -> DeployResult:
    """Deploy and seed the consortium on ``rpc_url`` (default: the configured chain), or confirm the existing
    deployment; ``progress(contract, total)`` after each contract deployed."""
    w3 = connect(rpc_url or settings.rpc_url, poa=settings.poa)
    return deploy_configured(w3, settings, progress=progress)


def set_local_chain_aside(settings: Settings) -> Path | None:
    """Move the local chain, its manifest, index and dev API keys into ``previous-<time>/`` (nothing deleted; the
    keystore stays); the folder, or ``None`` if there was nothing to move."""
    return set_aside(settings)


class LocalChain:
    """The local development chain (Anvil) ``portlink up`` runs, its state saved across runs."""

    def __init__(self, settings: Settings) -> None:
        self.node = DevNode(
            settings.anvil_binary,
            host=settings.anvil_host,
            port=settings.anvil_port,
            chain_id=settings.anvil_chain_id,
            state_path=settings.anvil_state_path,
            log_path=settings.anvil_state_path.with_name("anvil.log"),
        )
        self.state_path: Path = settings.anvil_state_path

    @property
    def rpc_url(self) -> str:
        """Where the chain answers JSON-RPC."""
        return self.node.rpc_url

    @property
    def restored_head(self) -> int | None:
        """The block the saved chain was restored at (``None``: a new chain)."""
        return self.node.saved.head if self.node.saved else None

    def start(self) -> None:
        """Start the chain (with its saved state)."""
        self.node.start()

    def wait(self) -> int:
        """Block until the chain stops; its exit status."""
        return self.node.wait()

    def stop(self) -> None:
        """Stop the chain, saving its state."""
        self.node.stop()

    def __enter__(self) -> LocalChain:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


@dataclass(frozen=True)
class DevProvision:
    """What ``portlink up`` provisioned on a local development chain: nothing (``refusal`` says why), or the public
    test keys' custodial signing, the relayer, and one API key per seed member in ``keys_file``."""

    refusal: str | None
    keys: tuple[DevApiKey, ...] = ()
    issued: int = 0
    relayer: str | None = None
    keys_file: Path | None = None


def provision_dev_wallets(settings: Settings, manifest: Manifest) -> tuple[Settings, DevProvision]:
    """On a local development chain only: index up to the head (the members the keys are bound to), then one
    ready API key per seed member; the settings with ``dev_wallets`` on. Elsewhere nothing, and why."""
    from portlink.services.runtime import Runtime  # the runtime opens every service: only when it is needed

    try:
        require_dev_chain(connect(settings.rpc_url), genesis_hash=manifest.genesis_hash)
    except DevChainRequiredError as exc:
        return settings.model_copy(update={"dev_wallets": False}), DevProvision(refusal=str(exc))
    settings = settings.model_copy(update={"dev_wallets": True})
    Indexer.from_settings(settings).run(until_head=True)
    runtime = Runtime(settings)
    try:
        seed, _ = load_seed(settings.seed_path)
        keys, issued = ensure_dev_api_keys(
            runtime.keys,
            settings.dev_api_keys_file,
            seed,
            chain_id=manifest.chain_id,
            genesis_hash=manifest.genesis_hash,
        )
    finally:
        runtime.engine.dispose()
    relayer = settings.api_relayer_address or dev_account(RELAYER_INDEX).address
    return settings, DevProvision(None, tuple(keys), issued, relayer, settings.dev_api_keys_file)


def check_dev_wallets(settings: Settings) -> None:
    """With ``dev_wallets`` on: :class:`DevChainRequiredError` unless the node is the manifest's local dev chain
    (refused before a server starts)."""
    if settings.dev_wallets:
        require_dev_chain(connect(settings.rpc_url), genesis_hash=load_manifest(settings.manifest_path).genesis_hash)


class IndexRun:
    """The indexer run in the foreground until stopped (or until it reaches the head)."""

    def __init__(self, settings: Settings) -> None:
        self.indexer = Indexer.from_settings(settings)

    @property
    def chain_id(self) -> int:
        """The chain being indexed."""
        return self.indexer.manifest.chain_id

    def span(self) -> tuple[int, int]:
        """Where indexing starts (the stored checkpoint) and the node's head now."""
        return self.indexer.store.open(self.indexer.manifest).checkpoint_block, self.indexer.rpc.block_number()

    def run(self, *, until_head: bool = False, committed: Callable[[int, int], None] | None = None) -> tuple[int, int]:
        """Index until :meth:`stop` (or the head, with ``until_head``); ``committed(block, head)`` after each range;
        returns (checkpoint, final block)."""
        if committed is not None:
            self.indexer.on_commit.append(lambda block: committed(block, self.indexer.store.state().head_block))
        self.indexer.run(until_head=until_head)
        state = self.indexer.store.state()
        return state.checkpoint_block, state.final_block

    def stop(self) -> None:
        """Ask the run to stop after the current range."""
        self.indexer.stop_event.set()


# ---------------------------------------------------------------------------------------------------- keystore


def _keystore(settings: Settings) -> tuple[Path, str]:
    if settings.api_keystore_passphrase is None:
        raise ConfigurationError(
            "set PORTLINK_API_KEYSTORE_PASSPHRASE: the keystore's key files are encrypted with it, and the API "
            "decrypts them with it"
        )
    return settings.api_keystore_path, settings.api_keystore_passphrase.get_secret_value()


def import_key_file(settings: Settings, file: Path, passphrase: str) -> tuple[str, Path]:
    """Add the key of a Web3 Secret Storage file (opened with its ``passphrase``) to the custodial keystore;
    (address, key file written)."""
    folder, keystore_passphrase = _keystore(settings)
    try:
        key = Account.decrypt(json.loads(file.read_text()), passphrase)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"{file} cannot be decrypted: {exc}") from None
    return Account.from_key(key).address, import_key(folder, key, keystore_passphrase)


def import_private_key(settings: Settings, private_key: str) -> tuple[str, Path]:
    """Add a private key (hex) to the custodial keystore; (address, key file written)."""
    folder, passphrase = _keystore(settings)
    try:
        address = Account.from_key(private_key).address
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"that is not a private key: {exc}") from None
    return address, import_key(folder, private_key, passphrase)


def new_key(settings: Settings) -> tuple[str, Path]:
    """A new signing key in the custodial keystore; (address, key file written)."""
    folder, passphrase = _keystore(settings)
    key = secrets.token_bytes(32)
    return Account.from_key(key).address, import_key(folder, key, passphrase)
