"""The platform's own lifecycle as the CLI drives it: a local development chain (``portlink up``), deploying the
consortium to the configured chain, and running the indexer in the foreground (``portlink index``)."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from portlink.chain.client import connect
from portlink.chain.devnode import DevNode
from portlink.deployment.deploy import DeployResult
from portlink.deployment.service import deploy_configured
from portlink.indexer.indexer import Indexer
from portlink.settings import Settings


def deploy(settings: Settings, rpc_url: str | None = None) -> DeployResult:
    """Deploy and seed the consortium on ``rpc_url`` (default: the configured chain), or confirm the existing
    deployment."""
    w3 = connect(rpc_url or settings.rpc_url, poa=settings.poa)
    return deploy_configured(w3, settings)


def forget_local_chain(settings: Settings) -> None:
    """Forget the saved local chain and its manifest (``portlink up --reset``)."""
    settings.anvil_state_path.unlink(missing_ok=True)
    settings.manifest_path.unlink(missing_ok=True)


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


class IndexRun:
    """The indexer run in the foreground until stopped (or until it reaches the head)."""

    def __init__(self, settings: Settings) -> None:
        self.indexer = Indexer.from_settings(settings)

    @property
    def chain_id(self) -> int:
        """The chain being indexed."""
        return self.indexer.manifest.chain_id

    def run(self, *, until_head: bool = False) -> tuple[int, int]:
        """Index until :meth:`stop` (or the head, with ``until_head``); returns (checkpoint, final block)."""
        self.indexer.run(until_head=until_head)
        state = self.indexer.store.state()
        return state.checkpoint_block, state.final_block

    def stop(self) -> None:
        """Ask the run to stop after the current range."""
        self.indexer.stop_event.set()
