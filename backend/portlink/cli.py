"""The ``portlink`` command line: bring up a local stack, deploy to a chain, index it, serve the API, manage keys.

Every error a person can cause is one line on stderr, ``portlink: error: …``: exit 2 for a usage error (an
unknown command, a missing or malformed option or argument), 1 for anything else. Long work shows its progress
(:mod:`portlink.console`). Libraries' INFO logs stay quiet unless ``-v``.
"""

from __future__ import annotations

import logging
import signal
import sys
import traceback
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from portlink.chain.client import connect
from portlink.chain.devnode import DevNode
from portlink.chain.devwallets import PUBLIC_TEST_KEYS, RELAYER_INDEX, dev_account, require_dev_chain
from portlink.console import Progress, configure_logging
from portlink.deployment.deploy import DeployResult
from portlink.deployment.manifest import Manifest, load_manifest
from portlink.deployment.service import deploy_configured
from portlink.errors import ConfigurationError, DevChainRequiredError, PortLinkError
from portlink.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="PortLink: ports, customs and trade finance.",
)
log = logging.getLogger("portlink.cli")
_verbose = False


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show libraries' INFO logs and the traceback of an error.")
    ] = False,
) -> None:
    global _verbose
    _verbose = verbose
    configure_logging(verbose=verbose)


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


def _deploy(settings: Settings) -> DeployResult:
    """Deploy (or confirm) with a progress line per contract."""
    w3 = connect(settings.rpc_url, poa=settings.poa)
    bar: Progress | None = None

    def deployed(name: str, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress("Deploying", total, unit="contracts", interval=0)
        bar.advance(1, note=name)

    try:
        return deploy_configured(w3, settings, progress=deployed)
    finally:
        if bar is not None:
            bar.close()


def _dev_wallets(settings: Settings, manifest: Manifest) -> Settings:
    """On a local development chain: custodial dev wallets, the index up to the head, and one ready API key per
    pilot member in ``dev_api_keys_path``; elsewhere nothing (and says why)."""
    from portlink.deployment.seed import load_seed
    from portlink.indexer.indexer import Indexer
    from portlink.services.devkeys import ensure_dev_api_keys
    from portlink.services.runtime import Runtime

    try:
        require_dev_chain(connect(settings.rpc_url), genesis_hash=manifest.genesis_hash)
    except DevChainRequiredError as exc:
        typer.echo(f"  dev wallets    none: {exc}")
        return settings.model_copy(update={"dev_wallets": False})
    settings = settings.model_copy(update={"dev_wallets": True})
    Indexer.from_settings(settings).run(until_head=True)  # the members, whom the API keys are bound to
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
    typer.echo(f"  dev wallets    {PUBLIC_TEST_KEYS}, on this chain only:")
    typer.echo(f"                 custodial keys of the {len(keys)} pilot members and of the relayer {relayer}")
    typer.echo(
        f"  API keys       {settings.dev_api_keys_file.resolve()} ({issued or 'none'} new): one per pilot member, "
        f"e.g. ${next((k.variable for k in keys if k.variable.endswith('SHIPPER')), keys[0].variable)}; `source` it"
    )
    return settings


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
    node = DevNode(
        settings.anvil_binary,
        host=settings.anvil_host,
        port=settings.anvil_port,
        chain_id=settings.anvil_chain_id,
        state_path=settings.anvil_state_path,
        log_path=settings.anvil_state_path.with_name("anvil.log"),
    )
    node.start()

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Both explicitly: a shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt, so `make run &` (or a supervisor) could not stop the chain cleanly.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        settings = settings.model_copy(update={"rpc_url": node.rpc_url})
        result = _deploy(settings)
        typer.echo(_summary(result, node.rpc_url))
        saved = f" (restored at block {node.saved.head})" if node.saved else " (a new chain)"
        typer.echo(f"  anvil state    {settings.anvil_state_path.resolve()}{saved}")
        settings = _dev_wallets(settings, result.manifest)
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


def _reset(settings: Settings) -> None:
    from portlink.deployment.local import set_aside

    folder = set_aside(settings)
    if folder is None:
        typer.echo("No local chain to set aside.")
    else:
        typer.echo(f"The local chain, its manifest and index are set aside in {folder}; the keystore stays.")


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
    settings = Settings()
    m = load_manifest(settings.manifest_path)
    typer.echo(m.model_dump_json(by_alias=True, indent=2))


@app.command("index")
def index_cmd(
    until_head: Annotated[bool, typer.Option(help="Stop once the head is reached instead of following it.")] = False,
) -> None:
    """Index every event of the manifest's contracts into PORTLINK_DATABASE_URL and follow the head."""
    from portlink.indexer.indexer import Indexer

    settings = Settings()
    indexer = Indexer.from_settings(settings)

    def _stop(signum: int, frame: FrameType | None) -> None:
        indexer.stop_event.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    typer.echo(f"Indexing chain {indexer.manifest.chain_id} from {settings.rpc_url} into {settings.database_url}")
    first = indexer.store.open(indexer.manifest).checkpoint_block
    with Progress("Indexing", indexer.rpc.block_number() - first, unit="blocks") as bar:

        def committed(to_block: int) -> None:
            bar.update(to_block - first, indexer.store.state().head_block - first)

        indexer.on_commit.append(committed)
        indexer.run(until_head=until_head)
    state = indexer.store.state()
    typer.echo(f"Stopped at block {state.checkpoint_block} (confirmed up to {state.final_block}).")


def _serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from portlink.api.app import create_app

    if settings.dev_wallets:  # refused before the server starts, as one line
        require_dev_chain(connect(settings.rpc_url), genesis_hash=load_manifest(settings.manifest_path).genesis_hash)
    host, port = host or settings.api_host, port or settings.api_port
    log.info("serving the API on http://%s:%d (OpenAPI at /docs)", host, port)
    # Open alert streams would hold a graceful shutdown forever: they get a few seconds, then are closed.
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        timeout_graceful_shutdown=5,
        log_level="info" if _verbose else "warning",
        log_config=None,  # our logging (console.configure_logging), not uvicorn's own
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default PORTLINK_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Listen port (default PORTLINK_API_PORT).")] = None,
) -> None:
    """Serve the port-system API (OpenAPI at /docs), with the indexer running inside (PORTLINK_API_RUN_INDEXER)."""
    _serve(Settings(), host, port)


keys = typer.Typer(no_args_is_help=True, help="API keys of participant systems, and the custodial signing keys.")
app.add_typer(keys, name="keys")


@keys.command("create")
def keys_create(
    member: Annotated[str, typer.Option(help="The on-chain member the key acts for.")],
    label: Annotated[str, typer.Option(help="What the key is for (default: the member's name).")] = "",
) -> None:
    """Issue an API key bound to MEMBER (which must be an active member in the index). Shown once."""
    from portlink.domain.consortium import parse_address
    from portlink.services.runtime import Runtime

    try:
        account = parse_address(member)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--member'") from None
    key_id, token = Runtime(Settings()).keys.create(account, label)
    typer.echo(f"API key {key_id} for {account} (store it now; it is not shown again):")
    typer.echo(token)


@keys.command("list")
def keys_list(member: Annotated[str | None, typer.Option(help="Only this member's keys.")] = None) -> None:
    """List API keys (ids, members, labels, revocations; never secrets)."""
    from datetime import UTC, datetime

    from portlink.services.runtime import Runtime

    for key in Runtime(Settings()).keys.list(member):
        created = datetime.fromtimestamp(key["created_at"], UTC).isoformat(timespec="seconds")
        revoked = " REVOKED" if key["revoked_at"] is not None else ""
        typer.echo(f"{key['key_id']}  {key['member']}  {created}  {key['label']}{revoked}")


@keys.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after plk_).")]) -> None:
    """Revoke an API key at once."""
    from portlink.services.runtime import Runtime

    Runtime(Settings()).keys.revoke(key_id)
    typer.echo(f"API key {key_id} revoked")


def _keystore(settings: Settings) -> tuple[Path, str]:
    if settings.api_keystore_passphrase is None:
        raise ConfigurationError(
            "set PORTLINK_API_KEYSTORE_PASSPHRASE: the keystore's key files are encrypted with it, and the API "
            "decrypts them with it"
        )
    return settings.api_keystore_path, settings.api_keystore_passphrase.get_secret_value()


@keys.command("import")
def keys_import(
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="A Web3 Secret Storage key file (geth, Foundry's `cast wallet`, ape, eth-account write them).",
        ),
    ] = None,
    prompt: Annotated[bool, typer.Option("--prompt", help="Type the private key at a hidden prompt instead.")] = False,
) -> None:
    """Add a member's signing key to the custodial keystore (PORTLINK_API_KEYSTORE_PATH), encrypted with
    PORTLINK_API_KEYSTORE_PASSPHRASE; the API signs for that member once restarted."""
    import json

    from eth_account import Account

    from portlink.chain.keystore import import_key

    if (file is None) == (not prompt):
        raise typer.BadParameter("give a key FILE or --prompt (one of them)", param_hint="FILE")
    folder, passphrase = _keystore(Settings())
    if file is not None:
        try:
            encrypted = json.loads(file.read_text())
            key = Account.decrypt(encrypted, typer.prompt(f"Passphrase of {file}", hide_input=True, err=True))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{file} cannot be decrypted: {exc}") from None
    else:
        key = typer.prompt("Private key (hex, hidden)", hide_input=True, err=True).strip()
    path = import_key(folder, key, passphrase)
    typer.echo(f"Imported {Account.from_key(key).address} into {path}")


wallet = typer.Typer(no_args_is_help=True, help="Signing keys of members, kept in the custodial keystore.")
app.add_typer(wallet, name="wallet")


@wallet.command("new")
def wallet_new() -> None:
    """Create a new signing key in the custodial keystore (PORTLINK_API_KEYSTORE_PATH, encrypted with
    PORTLINK_API_KEYSTORE_PASSPHRASE) and print its address, for the consortium to admit by vote."""
    import secrets

    from eth_account import Account

    from portlink.chain.keystore import import_key

    folder, passphrase = _keystore(Settings())
    key = secrets.token_bytes(32)
    path = import_key(folder, key, passphrase)
    typer.echo(f"New key {Account.from_key(key).address} in {path}")
    typer.echo("A port authority proposes it as a member (governance); once admitted, `portlink keys create` it.")


audit = typer.Typer(no_args_is_help=True, help="Audit the index against the chain.")
app.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify() -> None:
    """Re-read every log of the manifest contracts from the chain and report each difference from the index."""
    from portlink.chain.rpc import JsonRpc
    from portlink.services import audit as auditing
    from portlink.services.runtime import Runtime

    settings = Settings()
    runtime = Runtime(settings)
    contracts, checkpoint = runtime.queries.indexed_range()
    if checkpoint is None:
        raise PortLinkError("the index is empty: run `portlink index` first")
    start = min((first for _, first in contracts.values()), default=checkpoint)
    rpc = JsonRpc(settings.rpc_url, timeout=settings.indexer_rpc_timeout_seconds)
    with Progress("Comparing", checkpoint - start + 1, unit="blocks") as bar:
        compared, differences = auditing.verify(runtime.queries, rpc, progress=bar.advance)
    for difference in differences:
        typer.echo(str(difference))
    typer.echo(f"{compared} logs in blocks {start}-{checkpoint} compared: {len(differences) or 'no'} differences")
    if differences:
        raise typer.Exit(2)


doc = typer.Typer(no_args_is_help=True, help="Documents anchored on chain.")
app.add_typer(doc, name="doc")


@doc.command("verify")
def doc_verify(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]) -> None:
    """Check FILE's keccak-256 against the shipment registry on chain: anchored, by whom, latest version or not."""
    from eth_utils.crypto import keccak

    from portlink.deployment.deploy import SHIPMENTS
    from portlink.domain.shipments import DocumentType
    from portlink.services.runtime import Runtime

    digest = keccak(file.read_bytes())
    runtime = Runtime(Settings())
    anchor, latest = runtime.view(SHIPMENTS, "verifyDocument", [digest])
    typer.echo(f"{file}: keccak-256 0x{digest.hex()}")
    if int(anchor["version"]) == 0:
        typer.echo("not anchored on chain")
        raise typer.Exit(1)
    kind = DocumentType(int(anchor["docType"])).name
    typer.echo(
        f"anchored: shipment {anchor['shipmentId']}, {kind} version {anchor['version']}, by {anchor['anchoredBy']} "
        f"at {anchor['anchoredAt']} ({'the latest version' if latest else 'SUPERSEDED by a newer version'})"
    )


def _fail(message: str, status: int) -> None:
    typer.echo(f"portlink: error: {message}".replace("\n", " "), err=True)
    sys.exit(status)


def main() -> None:
    """Entry point: runs the app and turns every error into one line on stderr (usage errors exit 2)."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    try:
        status = app(standalone_mode=False)  # typer.Exit(n) comes back as n in this mode
    except NoArgsIsHelpError as exc:  # `portlink` or `portlink keys` alone: the help, not an error
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        _fail(f"{exc.format_message()}{where}", 2)
    except ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except PortLinkError as exc:
        _fail(str(exc), 1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except OSError as exc:  # the node or a file went away mid-command: the system's own words
        _fail(f"{type(exc).__name__}: {exc}", 1)
    except Exception as exc:
        if _verbose:
            traceback.print_exc()
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)", 1)
    if isinstance(status, int) and status:
        sys.exit(status)


if __name__ == "__main__":
    main()
