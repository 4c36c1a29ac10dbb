"""The stack: ``up`` (a local chain, deployed and seeded, with dev wallets and API keys, optionally serving the
API), ``reset``, ``deploy``, ``manifest``, ``index`` and ``serve``."""

from __future__ import annotations

import logging
import signal
from types import FrameType
from typing import Annotated

import typer

from portlink.cli.app import app, options
from portlink.cli.progress import Progress
from portlink.deployment.deploy import DeployResult
from portlink.errors import PortLinkError
from portlink.manifest import load_manifest
from portlink.services import platform
from portlink.settings import Settings

log = logging.getLogger("portlink.cli")


def _summary(result: DeployResult, rpc_url: str) -> str:
    m = result.manifest
    lines = [
        f"PortLink {'already deployed' if result.reused else 'deployed'} on chain {m.chain_id}",
        f"  RPC URL        {rpc_url}",
        f"  chain id       {m.chain_id}",
        f"  genesis        {m.genesis_hash}",
        f"  manifest       {result.manifest_path.resolve()}",
    ]
    for name, c in m.contracts.items():
        lines.append(f"  {name:<22} {c.address}  (block {c.block_number})")
    return "\n".join(lines)


def _deploy(settings: Settings, rpc_url: str | None = None) -> DeployResult:
    """Deploy (or confirm) with a progress line per contract."""
    bar: Progress | None = None

    def deployed(name: str, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress("Deploying", total, unit="contracts", interval=0)
        bar.advance(1, note=name)

    try:
        return platform.deploy(settings, rpc_url, progress=deployed)
    finally:
        if bar is not None:
            bar.close()


def _dev_wallets(settings: Settings, result: DeployResult) -> Settings:
    """On a local development chain: custodial dev wallets and one ready API key per pilot member; elsewhere
    nothing (and says why)."""
    settings, provision = platform.provision_dev_wallets(settings, result.manifest)
    if provision.refusal is not None:
        typer.echo(f"  dev wallets    none: {provision.refusal}")
        return settings
    keys, file = provision.keys, provision.keys_file
    assert file is not None
    shipper = next((k.variable for k in keys if k.variable.endswith("SHIPPER")), keys[0].variable)
    typer.echo(f"  dev wallets    {platform.PUBLIC_TEST_KEYS}, on this chain only:")
    typer.echo(
        f"                 custodial keys of the {len(keys)} pilot members and of the relayer {provision.relayer}"
    )
    typer.echo(
        f"  API keys       {file.resolve()} ({provision.issued or 'none'} new): one per pilot member, "
        f"e.g. ${shipper}; `source` it"
    )
    return settings


def _reset(settings: Settings) -> None:
    folder = platform.set_local_chain_aside(settings)
    if folder is None:
        typer.echo("No local chain to set aside.")
    else:
        typer.echo(f"The local chain, its manifest and index are set aside in {folder}; the keystore stays.")


@app.command()
def up(
    reset: Annotated[
        bool, typer.Option(help="Set the local chain, its manifest and index aside first and start a new chain.")
    ] = False,
    serve: Annotated[
        bool, typer.Option(help="Also serve the API (with its indexer) on PORTLINK_API_HOST:PORTLINK_API_PORT.")
    ] = False,
) -> None:
    """Start a local Anvil chain, deploy and seed the consortium, provision dev wallets and API keys, and stay up
    until Ctrl-C."""
    settings = Settings()
    if reset:
        _reset(settings)
    node = platform.LocalChain(settings)
    node.start()

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Both explicitly: a shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt, so `make run &` (or a supervisor) could not stop the chain cleanly.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        settings = settings.model_copy(update={"rpc_url": node.rpc_url, "poa": False})
        result = _deploy(settings)
        typer.echo(_summary(result, node.rpc_url))
        head = node.restored_head
        saved = f" (restored at block {head})" if head is not None else " (a new chain)"
        typer.echo(f"  anvil state    {settings.anvil_state_path.resolve()}{saved}")
        settings = _dev_wallets(settings, result)
        if serve:
            typer.echo(f"  API            http://{settings.api_host}:{settings.api_port}/docs")
        typer.echo("Up. Press Ctrl-C to stop (the chain is saved and reused next time).", err=False)
        if serve:
            _serve(settings)  # until Ctrl-C; uvicorn passes the signal on once it has stopped
            raise KeyboardInterrupt
        status = node.wait()
        raise PortLinkError(f"anvil stopped unexpectedly (status {status})")
    except KeyboardInterrupt:
        typer.echo("\nStopping; chain state saved.")
    finally:
        node.stop()


@app.command("reset")
def reset_cmd() -> None:
    """Set the local chain (`portlink up`'s), its manifest, index and dev API keys aside in previous-<time>/; the
    next `portlink up` starts a new chain. Nothing is deleted; the keystore stays."""
    _reset(Settings())


@app.command("deploy")
def deploy_cmd() -> None:
    """Deploy and seed the consortium on PORTLINK_RPC_URL, or confirm the existing deployment."""
    settings = Settings()
    typer.echo(_summary(_deploy(settings), settings.rpc_url))


@app.command()
def manifest() -> None:
    """Show the deployment the manifest at PORTLINK_MANIFEST_PATH records."""
    m = load_manifest(Settings().manifest_path)
    typer.echo(m.model_dump_json(by_alias=True, indent=2))


@app.command("index")
def index_cmd(
    until_head: Annotated[bool, typer.Option(help="Stop once the head is reached instead of following it.")] = False,
) -> None:
    """Index every event of the manifest's contracts into PORTLINK_DATABASE_URL and follow the head."""
    settings = Settings()
    run = platform.IndexRun(settings)

    def _stop(signum: int, frame: FrameType | None) -> None:
        run.stop()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    typer.echo(f"Indexing chain {run.chain_id} from {settings.rpc_url} into {settings.database_url}")
    first, head = run.span()
    with Progress("Indexing", head - first, unit="blocks") as bar:
        checkpoint, final = run.run(
            until_head=until_head, committed=lambda block, head: bar.update(block - first, head - first)
        )
    typer.echo(f"Stopped at block {checkpoint} (confirmed up to {final}).")


def _serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from portlink.api.app import create_app

    platform.check_dev_wallets(settings)  # refused before the server starts, as one line
    host, port = host or settings.api_host, port or settings.api_port
    log.info("serving the API on http://%s:%d (OpenAPI at /docs)", host, port)
    # Open alert streams would hold a graceful shutdown forever: they get a few seconds, then are closed.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        timeout_graceful_shutdown=5,
        log_level="info" if options.verbose else "warning",
        log_config=None,  # our logging (progress.configure_logging), not uvicorn's own
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default PORTLINK_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Listen port (default PORTLINK_API_PORT).")] = None,
) -> None:
    """Serve the port-system API (OpenAPI at /docs), with the indexer running inside (PORTLINK_API_RUN_INDEXER)."""
    _serve(Settings(), host, port)
