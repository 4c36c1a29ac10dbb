"""The pilot: ``pilot`` replays the Shekou-Shunde pilot through the API on a fresh local chain, ``report`` writes the
KPI report of a period of an indexed chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portlink.cli.app import app
from portlink.errors import PortLinkError
from portlink.settings import Settings


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
