"""The ``portlink`` command line: bring up a local stack, deploy to a chain, show a deployment."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from portlink.deployment.deploy import DeployResult
from portlink.errors import PortLinkError
from portlink.manifest import load_manifest
from portlink.services import platform
from portlink.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="PortLink: ports, customs and trade finance.")


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


@app.command()
def up(
    reset: Annotated[bool, typer.Option(help="Forget the local chain and its manifest first.")] = False,
    serve: Annotated[
        bool, typer.Option(help="Also serve the API (with its indexer) on PORTLINK_API_HOST:PORTLINK_API_PORT.")
    ] = False,
) -> None:
    """Start a local Anvil chain, deploy and seed the consortium, and stay up until Ctrl-C."""
    settings = Settings()
    if reset:
        platform.forget_local_chain(settings)
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
        result = platform.deploy(settings)
        typer.echo(_summary(result, node.rpc_url))
        typer.echo(f"  anvil state    {settings.anvil_state_path.resolve()}")
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


@app.command("deploy")
def deploy_cmd() -> None:
    """Deploy and seed the consortium on PORTLINK_RPC_URL, or confirm the existing deployment."""
    settings = Settings()
    typer.echo(_summary(platform.deploy(settings), settings.rpc_url))


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    run = platform.IndexRun(settings)

    def _stop(signum: int, frame: FrameType | None) -> None:
        run.stop()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    typer.echo(f"Indexing chain {run.chain_id} from {settings.rpc_url} into {settings.database_url}")
    checkpoint, final = run.run(until_head=until_head)
    typer.echo(f"Stopped at block {checkpoint} (confirmed up to {final}).")


def _serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from portlink.api.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Open alert streams would hold a graceful shutdown forever: they get a few seconds, then are closed.
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        timeout_graceful_shutdown=5,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default PORTLINK_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default PORTLINK_API_PORT).")] = None,
) -> None:
    """Serve the port-system API (OpenAPI at /docs), with the indexer running inside (PORTLINK_API_RUN_INDEXER)."""
    _serve(Settings(), host, port)


keys = typer.Typer(no_args_is_help=True, help="API keys of participant systems.")
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
        account = parse_address(member, "--member")
    except ValueError as exc:
        raise PortLinkError(str(exc)) from None
    key_id, token = Runtime(Settings()).keys.create(account, label)
    typer.echo(f"API key {key_id} for {account} (store it now; it is not shown again):")
    typer.echo(token)


@keys.command("list")
def keys_list(member: Annotated[str | None, typer.Option(help="Only this member's keys.")] = None) -> None:
    """List API keys (ids, members, labels, revocations; never secrets)."""
    from datetime import UTC, datetime

    from portlink.services.runtime import Runtime

    for key in Runtime(Settings()).keys.list(member):
        created = datetime.fromtimestamp(key.created_at, UTC).isoformat(timespec="seconds")
        revoked = " REVOKED" if key.revoked_at is not None else ""
        typer.echo(f"{key.key_id}  {key.member}  {created}  {key.label}{revoked}")


@keys.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after plk_).")]) -> None:
    """Revoke an API key at once."""
    from portlink.services.runtime import Runtime

    Runtime(Settings()).keys.revoke(key_id)
    typer.echo(f"API key {key_id} revoked")


audit = typer.Typer(no_args_is_help=True, help="Audit the index against the chain.")
app.add_typer(audit, name="audit")


@audit.command("verify")
def audit_verify() -> None:
    """Re-read every log of the manifest contracts from the chain and report each difference from the index."""
    from portlink.services.runtime import Runtime

    settings = Settings()
    runtime = Runtime(settings)
    contracts, checkpoint = runtime.audit.indexed_range()
    if checkpoint is None:
        raise PortLinkError("the index is empty: run `portlink index` first")
    start = min((first for _, first in contracts.values()), default=checkpoint)
    with typer.progressbar(length=checkpoint - start + 1, label="Comparing blocks", file=sys.stderr) as bar:
        compared, differences = runtime.audit.verify(
            settings.rpc_url, timeout=settings.indexer_rpc_timeout_seconds, progress=bar.update
        )
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

    from portlink.services.runtime import Runtime

    digest = keccak(file.read_bytes())
    anchor = Runtime(Settings()).documents.verify_on_chain(digest)
    typer.echo(f"{file}: keccak-256 0x{digest.hex()}")
    if anchor is None:
        typer.echo("not anchored on chain")
        raise typer.Exit(1)
    typer.echo(
        f"anchored: shipment {anchor.shipment_id}, {anchor.doc_type} version {anchor.version}, by {anchor.anchored_by} "
        f"at {anchor.anchored_at} ({'the latest version' if anchor.latest else 'SUPERSEDED by a newer version'})"
    )


@app.command()
def pilot(
    teu: Annotated[int, typer.Option(min=1, max=10_000, help="TEU to move (40-foot boxes: 2 TEU each).")] = 200,
    seed: Annotated[int, typer.Option(help="The seed of the journeys' mix and step times.")] = 2020,
    scenario: Annotated[Path, typer.Option(help="The scenario file.")] = Path("deployments/pilot-scenario.yaml"),
    report: Annotated[Path | None, typer.Option(help="Write the report (HTML, charts, CSV) into this folder.")] = None,
    workdir: Annotated[Path, typer.Option(help="Where the pilot's chain and index live.")] = Path(".portlink/pilot"),
) -> None:
    """Replay the Shekou-Shunde pilot through the API on a fresh local chain, days passing in seconds."""
    from portlink.pilot.report import write_report
    from portlink.pilot.run import replay_pilot
    from portlink.pilot.scenario import load_scenario

    plan = load_scenario(scenario)
    run = replay_pilot(plan, teu=teu, seed=seed, workdir=workdir, settings=Settings(), log=typer.echo)
    r = run.result
    typer.echo(
        f"Replayed {r.journeys} journeys ({r.containers} containers) with {r.writes} API writes in "
        f"{r.wall_seconds:.0f} s; blocks {r.first_block}-{r.last_block}, chain time {r.started_at}-{r.finished_at}"
    )
    typer.echo(_headline(run.kpis))
    if report is not None:
        page = write_report(report, run.kpis, run.journeys, plan, pilot=run)
        typer.echo(f"Report: {page}")


def _headline(kpis: object) -> str:
    from portlink.pilot.report import headline

    return headline(kpis)  # type: ignore[arg-type]


@app.command("report")
def report_cmd(
    directory: Annotated[Path, typer.Argument(help="The folder to write the report into.")],
    start: Annotated[
        str, typer.Option("--from", help="Start: ISO 8601 date or time (UTC if no zone), or unix seconds.")
    ],
    end: Annotated[str, typer.Option("--to", help="End (excluded), as --from.")],
    port: Annotated[str | None, typer.Option(help="Only shipments from or to this UN/LOCODE.")] = None,
    scenario: Annotated[Path, typer.Option(help="Baseline and costs for the comparisons.")] = Path(
        "deployments/pilot-scenario.yaml"
    ),
) -> None:
    """Write the KPI report of a period of the indexed chain (PORTLINK_DATABASE_URL, PORTLINK_RPC_URL)."""
    from portlink.pilot.report import parse_time, write_report
    from portlink.pilot.scenario import load_scenario
    from portlink.services.kpis import Period
    from portlink.services.runtime import Runtime

    settings = Settings()
    plan = load_scenario(scenario)
    try:
        period = Period.of(parse_time(start, "--from"), parse_time(end, "--to"))
    except ValueError as exc:
        raise PortLinkError(str(exc).replace("`to`", "--to")) from None
    service = Runtime(settings).kpis
    try:
        kpis = service.kpis(period, port=port.upper() if port else None)
    except ValueError as exc:
        raise PortLinkError(str(exc)) from None
    journeys = service.journeys(period, port=port.upper() if port else None)
    if not journeys:
        raise PortLinkError(f"no shipment has an event between {start} and {end}: nothing to report")
    page = write_report(directory, kpis, journeys, plan)
    typer.echo(_headline(kpis))
    typer.echo(f"Report: {page}")


def main() -> None:
    """Entry point: runs the app and turns PortLink errors into one line on stderr."""
    try:
        status = app(standalone_mode=False)  # typer.Exit(n) comes back as n in this mode
    except PortLinkError as exc:
        typer.echo(f"portlink: error: {exc}", err=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors carry their own exit codes
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(status, int) and status:
        sys.exit(status)


if __name__ == "__main__":
    main()
