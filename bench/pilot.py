"""Pilot replay benchmark: the 200-TEU Shekou-Shunde pilot through the API on a fresh Anvil (`portlink pilot`), with
its report, against a baseline measured on the same chain in the same run: as many plain transactions as the pilot
made API writes, each signed locally and sent to Anvil with web3.py and waited for (no API, no operation record,
no index). The difference is what the API's operation path (idempotency, simulation, nonce, tracker) and the
pilot's own work (clock, HTTP, telemetry signing) cost.

    .venv/bin/python bench/pilot.py [--teu 200] [--seed 2020] [--report docs/benchmarks.md]

Writes the section "Pilot replay" of the report (keeping the rest of the file) and prints the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import replace_section
from eth_account import Account
from portlink.pilot.report import write_report
from portlink.pilot.run import replay_on
from portlink.pilot.scenario import load_scenario
from portlink.pilot.stack import pilot_stack
from portlink.settings import Settings
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- pilot benchmark: written by bench/pilot.py -->", "<!-- end of pilot benchmark -->"


def baseline(rpc_url: str, key: bytes, count: int) -> float:
    """Seconds for ``count`` value transfers signed locally, each sent and waited for before the next."""
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
    sender = Account.from_key(key)
    nonce = w3.eth.get_transaction_count(sender.address)
    fees = {"maxFeePerGas": 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9, "maxPriorityFeePerGas": 10**9}
    start = time.perf_counter()
    for i in range(count):
        tx = {"to": sender.address, "value": 1, "gas": 21_000, "nonce": nonce + i, "chainId": 31337, **fees}
        signed = Account.sign_transaction(tx, key)
        w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction), poll_latency=0.01)
    return time.perf_counter() - start


def run(teu: int, seed: int) -> dict[str, Any]:
    scenario = load_scenario(ROOT / "deployments" / "pilot-scenario.yaml")
    with tempfile.TemporaryDirectory(prefix="pilot-bench-") as folder:
        started = time.perf_counter()
        with pilot_stack(Path(folder) / "work", Settings()) as stack:
            up = time.perf_counter() - started
            pilot = replay_on(stack, scenario, teu=teu, seed=seed)
            report_start = time.perf_counter()
            write_report(Path(folder) / "report", pilot.kpis, pilot.journeys, scenario, pilot=pilot)
            report_seconds = time.perf_counter() - report_start
            base = baseline(stack.settings.rpc_url, stack.keys["auditor"], pilot.result.writes)
        total = time.perf_counter() - started
    r, k = pilot.result, pilot.kpis
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "teu": teu,
        "seed": seed,
        "journeys": r.journeys,
        "containers": r.containers,
        "api_writes": r.writes,
        "blocks": r.last_block - r.first_block + 1,
        "simulated_days": (r.finished_at - r.started_at) / 86400,
        "stack_up_seconds": up,
        "replay_seconds": r.wall_seconds,
        "report_seconds": report_seconds,
        "total_seconds": total,
        "baseline_seconds": base,
        "ms_per_write": 1000 * r.wall_seconds / r.writes,
        "ms_per_baseline_tx": 1000 * base / r.writes,
        "teu_moved": k.volume.teu_gated_out,
        "end_to_end_p50_days": (k.end_to_end.p50 or 0) / 86400,
    }


def write(path: Path, result: dict[str, Any]) -> None:
    r = result
    section = "\n".join(
        [
            BEGIN,
            "## Pilot replay",
            "",
            f"- Run: {r['when']} on {r['machine']}, code at commit {r['commit']} (`bench/pilot.py`, part of "
            "`make bench`).",
            f"- `portlink pilot --teu {r['teu']} --seed {r['seed']}`: {r['journeys']} journeys, {r['containers']} "
            f"containers, {r['api_writes']:,} API writes (each waited for with `?confirm=true`), {r['blocks']:,} "
            f"blocks, {r['simulated_days']:.1f} simulated days; it moved {r['teu_moved']:g} TEU, end to end p50 "
            f"{r['end_to_end_p50_days']:.2f} days.",
            "",
            "| measurement | seconds |",
            "|---|---:|",
            f"| stack up (Anvil, deployment, keystore, `portlink serve`, API keys) | {r['stack_up_seconds']:.1f} |",
            f"| replay through the API | {r['replay_seconds']:.1f} |",
            f"| report (KPIs, 4 charts, CSV, HTML) | {r['report_seconds']:.1f} |",
            f"| whole run | {r['total_seconds']:.1f} |",
            f"| baseline: {r['api_writes']:,} plain transactions to Anvil, each waited for "
            f"| {r['baseline_seconds']:.1f} |",
            "",
            f"Per write: {r['ms_per_write']:.0f} ms through the API (the pilot's work included) against "
            f"{r['ms_per_baseline_tx']:.0f} ms for a plain transaction sent and waited for: the operation path "
            f"(record, simulation, nonce, tracker poll) and the pilot's HTTP and clock cost "
            f"{r['ms_per_write'] / max(r['ms_per_baseline_tx'], 1e-9):.1f}x a bare transaction.",
            "",
            "```json",
            json.dumps(r, indent=2),
            "```",
            END,
        ]
    )
    replace_section(path, BEGIN, END, section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teu", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    result = run(args.teu, args.seed)
    write(args.report, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
