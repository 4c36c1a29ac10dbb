"""Indexer benchmark (`make bench`): generate events on a dev Anvil, then measure in the same run

(a) the raw eth_getLogs fetch rate (JSON parsed, nothing decoded or stored),
(b) a plain web3.py baseline: ``contract.events.X.get_logs`` for every event of every contract, and one ORM
    insert (``session.add`` + flush) per event into SQLite,
(c) PortLink's indexer end to end (fetch, decode, raw logs, events, projections, checkpoint) into SQLite and
    into PostgreSQL, with its default settings,
(d) head lag under a steady load of transactions: from a receipt being available to the event being queryable
    in the index (SQLite), p50 / p99 / max;

and write the results to docs/benchmarks.md. ``--events`` sets how many events to generate (default 100,000).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import dev_node  # noqa: E402
from portlink.chain.artifacts import load_artifacts  # noqa: E402
from portlink.chain.client import NodeAccountSigner  # noqa: E402
from portlink.chain.rpc import JsonRpc  # noqa: E402
from portlink.deployment.deploy import deploy  # noqa: E402
from portlink.deployment.seed import load_seed  # noqa: E402
from portlink.indexer.catalog import EventCatalog  # noqa: E402
from portlink.indexer.indexer import Indexer, IndexerConfig  # noqa: E402
from portlink.indexer.writer import IndexWriter  # noqa: E402
from portlink.manifest import Manifest, load_abi  # noqa: E402
from portlink.settings import Settings  # noqa: E402
from portlink.store import schema  # noqa: E402
from portlink.store.engine import (  # noqa: E402
    migrate,
    open_engine,
    sqlite_pragmas,
)
from sqlalchemy import JSON, Integer, String, create_engine, func, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402
from web3 import Web3  # noqa: E402

from tests.indexer import postgres  # noqa: E402
from tests.indexer.activity import Activity  # noqa: E402

CONTAINERS_PER_SHIPMENT = 100
RAW_RUNS = 3
INDEX_RUNS = 2  # the registry's maximum: 101 events in one transaction


def _times(runs: list[tuple[int, float]]) -> str:
    return "fastest of " + ", ".join(f"{r[1]:.2f}" for r in runs) + " s"


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------------- generating


def generate(activity: Activity, events: int) -> None:
    """Registrations of 100 containers (101 events each), plus a few complete journeys for variety."""
    for _ in range(5):
        activity.journey(3, discrepancy=True, hold=True)
    per_tx = CONTAINERS_PER_SHIPMENT + 1
    activity.register(CONTAINERS_PER_SHIPMENT)  # waits: a revert here would make the rest meaningless
    for i in range(max(0, events - 5 * 20 - per_tx) // per_tx):
        activity.register(CONTAINERS_PER_SHIPMENT, wait=False, gas=25_000_000)
        if i % 10 == 9:  # Anvil mines one such transaction per block: keep its queue short
            activity.w3.eth.wait_for_transaction_receipt(activity.last_tx, timeout=600)
        if i % 100 == 99:
            log(f"  {(i + 1) * per_tx:,} events sent")
    receipt = activity.w3.eth.wait_for_transaction_receipt(activity.last_tx, timeout=600)
    assert receipt["status"] == 1, "the last registration reverted"


# ---------------------------------------------------------------------------------------------------- (a) raw


def raw_fetch(rpc: JsonRpc, addresses: list[str], start: int, head: int, step: int) -> tuple[int, float]:
    t0 = time.perf_counter()
    count = 0
    block = start
    while block <= head:
        count += len(rpc.logs(addresses, block, min(block + step - 1, head)))
        block += step
    return count, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------- (b) web3


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(Integer)
    block_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    transaction_hash: Mapped[str] = mapped_column(String(66))
    contract: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(100))
    args: Mapped[Any] = mapped_column(JSON)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**48:
        return str(value)
    return value


def web3_baseline(
    w3: Web3, manifest: Manifest, manifest_path: Path, start: int, head: int, folder: Path
) -> tuple[int, float]:
    engine = create_engine(f"sqlite:///{folder}/baseline.sqlite")
    Base.metadata.create_all(engine)
    t0 = time.perf_counter()
    count = 0
    with Session(engine) as session:
        for name, entry in manifest.contracts.items():
            contract = w3.eth.contract(
                address=Web3.to_checksum_address(entry.address), abi=load_abi(manifest_path, entry)
            )
            for event in contract.events:
                for e in event().get_logs(from_block=start, to_block=head):
                    session.add(
                        EventRow(
                            block_number=e["blockNumber"],
                            block_hash=e["blockHash"].to_0x_hex(),
                            log_index=e["logIndex"],
                            transaction_hash=e["transactionHash"].to_0x_hex(),
                            contract=name,
                            event=e["event"],
                            args=_plain(dict(e["args"])),
                        )
                    )
                    session.flush()
                    count += 1
        session.commit()
    return count, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------- (c) indexer


def index_once(
    rpc_url: str, manifest: Manifest, manifest_path: Path, url: str, config: IndexerConfig
) -> tuple[int, float]:
    engine = open_engine(url)
    migrate(engine)
    catalog = EventCatalog.from_manifest(manifest, manifest_path)
    indexer = Indexer(JsonRpc(rpc_url), IndexWriter(engine), manifest, catalog, config)
    t0 = time.perf_counter()
    indexer.run(until_head=True)
    elapsed = time.perf_counter() - t0
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(schema.events)).scalar_one()
    engine.dispose()
    return count, elapsed


def sqlite_floor(index_path: Path, folder: Path, per_transaction: int) -> tuple[int, float]:
    """What SQLite alone needs for (c)'s rows: every row of the chain tables of the index (c) wrote, inserted
    into a fresh index by the driver's executemany, ``per_transaction`` logs' worth per transaction, with the
    index's own pragmas and indexes; no fetching, decoding or projecting."""
    source = sqlite3.connect(index_path)
    tables = {
        t.name: source.execute(f'SELECT * FROM "{t.name}" ORDER BY block_number').fetchall()  # noqa: S608
        for t in schema.CHAIN_TABLES
    }
    source.close()
    engine = open_engine(f"sqlite:///{folder}/floor.sqlite")
    migrate(engine)
    engine.dispose()
    target = sqlite3.connect(folder / "floor.sqlite", isolation_level=None)
    sqlite_pragmas(target, None)  # the index's own: WAL, synchronous=NORMAL
    logs = len(tables["raw_logs"])
    chunks = max(1, -(-logs // per_transaction))
    t0 = time.perf_counter()
    for i in range(chunks):
        target.execute("BEGIN")
        for name, rows in tables.items():
            part = rows[i * len(rows) // chunks : (i + 1) * len(rows) // chunks]
            if part:
                marks = ", ".join("?" for _ in part[0])
                target.executemany(f'INSERT INTO "{name}" VALUES ({marks})', part)  # noqa: S608
        target.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    target.close()
    return logs, elapsed


# ---------------------------------------------------------------------------------------------------- (d) head lag


def head_lag(
    activity: Activity,
    rpc_url: str,
    manifest: Manifest,
    manifest_path: Path,
    url: str,
    config: IndexerConfig,
    seconds: float,
    rate: float,
) -> list[float]:
    engine = open_engine(url)
    migrate(engine)
    catalog = EventCatalog.from_manifest(manifest, manifest_path)
    indexer = Indexer(JsonRpc(rpc_url), IndexWriter(engine), manifest, catalog, config)
    indexer.run(until_head=True)  # caught up first
    commits: list[tuple[float, int]] = []
    indexer.on_commit.append(lambda block: commits.append((time.perf_counter(), block)))
    thread = threading.Thread(target=indexer.run, daemon=True)
    thread.start()
    mined: list[tuple[float, int]] = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t_send = time.perf_counter()
        activity.register(1, wait=False, gas=1_500_000)
        receipt = activity.w3.eth.wait_for_transaction_receipt(activity.last_tx, poll_latency=0.005)
        mined.append((time.perf_counter(), receipt["blockNumber"]))  # mined: its receipt is there
        time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - t_send)))
    time.sleep(2 * config.poll_seconds + 1)
    indexer.stop_event.set()
    thread.join(30)
    lags = []
    for t_mined, block in mined:
        t_done = next((t for t, b in commits if b >= block and t >= t_mined - 1.0), None)
        if t_done is not None:
            lags.append(max(0.0, t_done - t_mined))
    engine.dispose()
    return lags


# ---------------------------------------------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _finality(confirmations: int | None) -> str:
    return "finality chosen for the chain" if confirmations is None else f"{confirmations} confirmations"


def write_report(path: Path, results: dict[str, Any]) -> None:
    r = results
    a_rate = r["raw"]["events"] / r["raw"]["seconds"]
    b_rate = r["web3"]["events"] / r["web3"]["seconds"]
    rows = [
        ("(a) raw eth_getLogs, no decoding", r["raw"]),
        ("(b) web3.py get_logs + one ORM insert per event (SQLite)", r["web3"]),
        ("(c) PortLink indexer end to end, SQLite", r["sqlite"]),
        ("(c) PortLink indexer end to end, PostgreSQL", r["postgresql"]),
    ]
    if "sqlite_floor" in r:
        rows.append(("floor: SQLite inserting (c)'s rows alone (executemany, nothing else)", r["sqlite_floor"]))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/indexer.py`); numbers from one run on the machine named below. Rerun it",
        "after changing the indexer and commit the new numbers.",
        "",
        "## Indexer",
        "",
        f"- Run: {r['when']} on {r['machine']}, code at commit {r.get('commit', '?')}; Anvil {r['anvil']}; "
        f"{r['events']:,} events in {r['blocks']:,} blocks "
        f"(generated in {r['generate_seconds']:.0f} s: {r['events_per_tx']} events per registration of "
        f"{CONTAINERS_PER_SHIPMENT} containers, plus complete journeys).",
        f"- Indexer settings: defaults (`PORTLINK_INDEXER_*`): initial range {r['config']['initial_block_range']}, "
        f"max range {r['config']['max_block_range']}, target {r['config']['target_logs']} logs per request, "
        f"{_finality(r['config'].get('confirmations'))}, reorg window {r['config']['reorg_window']}.",
        "",
        "| measurement | events | seconds | events/s | vs (a) | vs (b) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, m in rows:
        rate = m["events"] / m["seconds"]
        lines.append(
            f"| {label} | {m['events']:,} | {m['seconds']:.2f} | {rate:,.0f} "
            f"| {rate / a_rate:.0%} | {rate / b_rate:.1f}x |"
        )
    lag = r["lag"]
    verdicts = []
    for kind in ("sqlite", "postgresql"):
        rate = r[kind]["events"] / r[kind]["seconds"]
        verdicts.append(
            f"- {kind}: {rate / a_rate:.0%} of (a) ({'met' if rate >= 0.5 * a_rate else 'not met'}), "
            f"{rate / b_rate:.1f}x (b) ({'met' if rate >= 5 * b_rate else 'not met'})"
        )
    lines += [
        "",
        "Goals (issue 6): (c) at least 50 % of (a) and at least 5x (b).",
        "",
        *verdicts,
        "",
        f"(a) is the fastest of {RAW_RUNS} runs and each (c) the fastest of {INDEX_RUNS} (into fresh databases), so",
        "that one slow request does not flatter (c) against (a).",
        "",
        "(a) only moves JSON from Anvil into Python lists; (c) also decodes every log, builds the projections and",
        "writes raw log, event and projection rows plus the checkpoint in one transaction per range, while a second",
        "process reads and decodes the next range. The floor row is the lower bound of (c) on SQLite: the same rows",
        "inserted by `executemany` with nothing else to do.",
        *(
            [
                "",
                f"- The floor takes {r['sqlite_floor']['seconds'] / r['raw']['seconds']:.1f}x the time of (a): "
                f"(c) into SQLite cannot reach 50 % of (a) on this machine whatever it does before the inserts; "
                f"(c) takes {r['sqlite']['seconds'] / r['sqlite_floor']['seconds']:.1f}x the floor.",
            ]
            if "sqlite_floor" in r
            else []
        ),
        "",
        f"Head lag (SQLite, poll interval {r['config']['poll_seconds']} s, one registration at a time for "
        f"{lag['seconds']:.0f} s, aiming at {lag['rate']}/s, {lag['samples']} mined: "
        f"{lag['samples'] / lag['seconds']:.1f}/s on this chain of {r['blocks']:,} blocks), "
        "from the receipt being available to the event being "
        f"queryable: p50 {lag['p50'] * 1000:.0f} ms, p99 {lag['p99'] * 1000:.0f} ms, max {lag['max'] * 1000:.0f} ms.",
        "",
        "Raw results:",
        "",
        "```json",
        json.dumps(results, indent=2),
        "```",
        "",
    ]
    # Other benchmarks' sections (bench/pilot.py's, between its markers) are kept as they are.
    kept = ""
    if path.exists() and "<!-- pilot benchmark" in (old := path.read_text()):
        kept = "\n" + old[old.index("<!-- pilot benchmark") :].rstrip("\n") + "\n"
    path.write_text("\n".join(lines) + kept)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="how many events to generate (>= 1,000)")
    parser.add_argument("--lag-seconds", type=float, default=30.0)
    parser.add_argument("--lag-rate", type=float, default=5.0, help="transactions per second during the lag test")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--rewrite", action="store_true", help="only rewrite the report from its own JSON")
    args = parser.parse_args()
    if args.rewrite:
        text = args.report.read_text()
        write_report(args.report, json.loads(text[text.index("```json") + 7 : text.rindex("```")]))
        return
    settings = Settings(_env_file=None)
    config = IndexerConfig.from_settings(settings)
    folder = Path(tempfile.mkdtemp(prefix="portlink-bench-"))
    node = dev_node(folder)
    results: dict[str, Any] = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "config": config.__dict__,
        "events_per_tx": CONTAINERS_PER_SHIPMENT + 1,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }
    with node:
        results["anvil"] = (
            subprocess.run(  # noqa: S603 - the anvil binary DevNode found on PATH
                [node.binary, "--version"],
                capture_output=True,
                text=True,
                check=False,
            )
            .stdout.split("\n")[0]
            .removeprefix("anvil Version: ")
        )
        w3 = Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 120}))
        seed, sha = load_seed(ROOT / "deployments" / "pilot.yaml")
        manifest_path = folder / "deployment" / "manifest.json"
        result = deploy(
            w3,
            NodeAccountSigner(w3.eth.accounts[0]),
            load_artifacts(ROOT / ".build" / "__local__.json"),
            seed,
            sha,
            manifest_path,
        )
        manifest = result.manifest
        activity = Activity(w3, manifest, manifest_path)
        log(f"generating {args.events:,} events on {node.rpc_url}")
        t0 = time.perf_counter()
        generate(activity, args.events)
        results["generate_seconds"] = time.perf_counter() - t0
        head = w3.eth.block_number
        start = min(c.block_number for c in manifest.contracts.values())
        rpc = JsonRpc(node.rpc_url, timeout=120)
        addresses = [c.address.lower() for c in manifest.contracts.values()]
        results["blocks"] = head - start + 1

        # (a) is the fastest of RAW_RUNS (the hardest baseline: the first request after generating is often slow);
        # (c) the fastest of INDEX_RUNS, each into a fresh database.
        runs = [
            raw_fetch(rpc, addresses, start, head, step=max(1, config.max_block_range // 4)) for _ in range(RAW_RUNS)
        ]
        count, seconds = min(runs, key=lambda r: r[1])
        results["events"] = count
        results["raw"] = {"events": count, "seconds": seconds, "runs": [r[1] for r in runs]}
        log(f"(a) raw eth_getLogs: {count:,} logs in {seconds:.2f} s ({_times(runs)})")

        runs = [
            index_once(node.rpc_url, manifest, manifest_path, f"sqlite:///{folder}/index-{i}.sqlite", config)
            for i in range(INDEX_RUNS)
        ]
        count, seconds = min(runs, key=lambda r: r[1])
        results["sqlite"] = {"events": count, "seconds": seconds, "runs": [r[1] for r in runs]}
        log(f"(c) indexer into SQLite: {count:,} events in {seconds:.2f} s ({_times(runs)})")

        count, seconds = sqlite_floor(folder / "index-0.sqlite", folder, config.target_logs)
        results["sqlite_floor"] = {"events": count, "seconds": seconds}
        log(f"(c) floor, SQLite inserts alone: {count:,} events' rows in {seconds:.2f} s")

        with postgres.cluster() as server:
            runs = [
                index_once(node.rpc_url, manifest, manifest_path, postgres.create_database(server, f"bench{i}"), config)
                for i in range(INDEX_RUNS)
            ]
        count, seconds = min(runs, key=lambda r: r[1])
        results["postgresql"] = {"events": count, "seconds": seconds, "runs": [r[1] for r in runs]}
        log(f"(c) indexer into PostgreSQL: {count:,} events in {seconds:.2f} s ({_times(runs)})")

        count, seconds = web3_baseline(w3, manifest, manifest_path, start, head, folder)
        results["web3"] = {"events": count, "seconds": seconds}
        log(f"(b) web3.py baseline: {count:,} events in {seconds:.2f} s")

        log(f"(d) head lag: {args.lag_rate} tx/s for {args.lag_seconds:.0f} s")
        lags = head_lag(
            activity,
            node.rpc_url,
            manifest,
            manifest_path,
            f"sqlite:///{folder}/lag.sqlite",
            config,
            args.lag_seconds,
            args.lag_rate,
        )
        results["lag"] = {
            "rate": args.lag_rate,
            "seconds": args.lag_seconds,
            "samples": len(lags),
            "p50": statistics.median(lags),
            "p99": percentile(lags, 99),
            "max": max(lags),
        }
        log(f"(d) head lag p50 {results['lag']['p50'] * 1000:.0f} ms, p99 {results['lag']['p99'] * 1000:.0f} ms")
    write_report(args.report, results)
    log(f"written to {args.report}")


if __name__ == "__main__":
    main()
