"""``portlink pilot`` and ``portlink report``: what the CLI commands do, without the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portlink.chain.rpc import JsonRpc
from portlink.manifest import load_abi
from portlink.pilot.replay import Api, Chain, PilotResult, Replay, plan_journeys
from portlink.pilot.scenario import Scenario
from portlink.pilot.stack import Stack, pilot_stack, wait_indexed
from portlink.services.kpis import JourneyRecord, Kpis, KpiService, Period
from portlink.settings import Settings
from portlink.store.engine import open_engine


@dataclass(frozen=True)
class PilotRun:
    """A finished pilot: what the replay did, and the KPIs of its period from the API and the service."""

    result: PilotResult
    period: Period
    api_kpis: dict[str, Any]
    kpis: Kpis
    journeys: list[JourneyRecord]
    workdir: Path


def replay_pilot(
    scenario: Scenario,
    *,
    teu: int,
    seed: int,
    workdir: Path,
    settings: Settings,
    log: Callable[[str], None] = lambda message: None,
) -> PilotRun:
    """Start a fresh local stack, replay ``teu`` TEU of the scenario through its API, and read the KPIs back."""
    with pilot_stack(workdir, settings) as stack:
        return replay_on(stack, scenario, teu=teu, seed=seed, log=log)


def replay_on(
    stack: Stack, scenario: Scenario, *, teu: int, seed: int, log: Callable[[str], None] = lambda message: None
) -> PilotRun:
    """Replay ``teu`` TEU of the scenario through ``stack``'s API, and read the KPIs of the pilot's period."""
    log(f"chain {stack.settings.rpc_url}, API {stack.base_url}, work folder {stack.workdir}")
    api = Api(stack.base_url, stack.tokens)
    try:
        abis = {name: load_abi(stack.settings.manifest_path, c) for name, c in stack.manifest.contracts.items()}
        chain = Chain(stack.settings.rpc_url, stack.manifest, abis, stack.keys)
        plans = plan_journeys(scenario, teu, seed)
        log(f"{len(plans)} journeys, {sum(p.containers for p in plans)} containers of 40 feet")
        replay = Replay(scenario, api, chain, plans, seed)
        replay.log = log
        result = replay.run()
        wait_indexed(stack.base_url, stack.tokens["auditor"], result.last_block)
        period = Period.of(result.started_at, result.finished_at + 1)
        api_kpis = api.get("auditor", "/v1/kpis", **{"from": period.start, "to": period.end})
    finally:
        api.close()
    engine = open_engine(stack.settings.database_url)
    try:
        service = KpiService(engine, lambda: JsonRpc(stack.settings.rpc_url))
        kpis = service.kpis(period)
        journeys = service.journeys(period)
    finally:
        engine.dispose()
    return PilotRun(result, period, api_kpis, kpis, journeys, stack.workdir)
