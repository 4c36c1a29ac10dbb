"""Console benchmark (`make bench`): server-side time of the overview and of a shipment page on an index of
``--events`` events, and the bytes of the console's first paint; written to a section of docs/benchmarks.md.

The index is made the way ``bench/indexer.py`` makes one (registrations of 100 containers on a dev Anvil), plus
complete journeys of every kind (declarations, holds, financings to every outcome, IoT alerts) and declarations
waiting for customs, so every query of the overview and the inbox has rows to count. It is indexed into SQLite
and PostgreSQL, and the API answers in-process (Starlette's test client, no network): each route is timed over
``--runs`` requests after warming up, as customs (everything) and as the shipper (a party: visibility filtered
in SQL). ``GET /v1/health`` in the same run is the floor: the framework, authentication and one small query.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_utils.crypto import keccak  # noqa: E402
from portlink.api.app import create_app  # noqa: E402
from portlink.chain.artifacts import load_artifacts  # noqa: E402
from portlink.chain.client import NodeAccountSigner  # noqa: E402
from portlink.chain.devnode import DevNode  # noqa: E402
from portlink.deployment.deploy import deploy  # noqa: E402
from portlink.deployment.seed import load_seed  # noqa: E402
from portlink.indexer.indexer import Indexer  # noqa: E402
from portlink.services.runtime import Runtime  # noqa: E402
from portlink.settings import Settings  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from web3 import Web3  # noqa: E402

from tests.indexer import postgres  # noqa: E402
from tests.indexer.activity import CNY, HS_CODES, Activity  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_indexer", ROOT / "bench" / "indexer.py")
bench_indexer = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules["bench_indexer"] = bench_indexer  # its ORM baseline resolves annotations through the module
_spec.loader.exec_module(bench_indexer)  # type: ignore[union-attr]

BUILD = ROOT / "backend" / "portlink" / "console"
TARGET_MS = 300
SECTION = ("<!-- console benchmark: bench/console.py -->", "<!-- /console benchmark -->")


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def generate(activity: Activity, events: int, journeys: int, waiting: int) -> dict[str, bytes]:
    """Journeys of every kind and declarations left waiting, then the indexer benchmark's registrations up to
    ``events`` (in this order: Anvil slows down as its state grows, and the registrations are cheap per event)."""
    sids = activity.mixed(journeys)
    last = b""
    for _ in range(waiting):
        last, _ = activity.register(2)
        activity.send(activity.customs.functions.file(last, keccak(last), HS_CODES, 99_000, CNY), activity.who.shipper)
    big, _ = activity.register(bench_indexer.CONTAINERS_PER_SHIPMENT)
    sent = len(activity.w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest"}))
    bench_indexer.generate(activity, max(events - sent, 1_000))
    return {"journey": sids[0], "big": big, "waiting": last}


def timed(client: TestClient, path: str, headers: dict[str, str], runs: int) -> dict[str, float]:
    for _ in range(3):
        assert client.get(path, headers=headers).status_code == 200, client.get(path, headers=headers).text
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    ordered = sorted(samples)
    return {
        "p50": statistics.median(samples),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def measure(runtime: Runtime, ids: dict[str, str], members: dict[str, str], runs: int) -> dict[str, Any]:
    """Every timed route, as customs and as the shipper; the shipment page is the four reads it makes."""
    keys = {who: {"Authorization": f"Bearer {runtime.keys.create(address)[1]}"} for who, address in members.items()}
    app = create_app(runtime=runtime, start=False)
    results: dict[str, Any] = {}
    with TestClient(app) as client:

        def page(sid: str) -> list[str]:
            return [
                f"/v1/shipments/{sid}",
                f"/v1/declarations/{sid}" if sid != ids["big"] else f"/v1/alerts?shipment={sid}&state=OPEN",
                f"/v1/alerts?shipment={sid}&limit=20",
                f"/v1/financings?shipment={sid}&limit=20",
            ]

        routes = {
            "health (floor)": ["/v1/health"],
            "overview": ["/v1/overview"],
            "shipment page, a journey (4 reads)": page(ids["journey"]),
            "shipment page, 100 containers (4 reads)": page(ids["big"]),
            "shipments list, first page": ["/v1/shipments?limit=25"],
            "shipments search by container": [f"/v1/shipments?container={ids['container']}"],
            "inbox of CNSHK customs": ["/v1/declarations?waitingAt=CNSHK&limit=25"],
            "audit trail of a journey": [f"/v1/audit/shipments/{ids['journey']}"],
            "console page (index.html)": ["/shipments"],
        }
        for who, headers in keys.items():
            for name, paths in routes.items():
                if who == "shipper" and name.startswith("inbox"):
                    continue
                parts = [timed(client, p, headers, runs) for p in paths]
                results[f"{name} | {who}"] = {k: sum(part[k] for part in parts) for k in ("p50", "p95", "max")}
    return results


def first_paint() -> dict[str, Any]:
    """What the browser loads before the first page shows: index.html, the entry script and its static imports,
    the stylesheet, and the Latin files of the two fonts (raw and gzip, as the API sends them)."""
    manifest = json.loads((BUILD / ".vite" / "manifest.json").read_text())
    entry = manifest["index.html"]
    files = {"index.html", entry["file"], *entry.get("css", [])}
    for name in entry.get("imports", []):
        files.add(manifest[name]["file"])
    css = "".join((BUILD / f).read_text() for f in entry.get("css", []))
    for font in ("inter-latin-wght-normal", "jetbrains-mono-latin-400-normal"):
        match = re.search(rf"/(assets/{font}-[^)\"']+\.woff2)", css)
        if match:
            files.add(match.group(1))
    sizes = {}
    for name in sorted(files):
        raw = (BUILD / name).read_bytes()
        sizes[name] = {"raw": len(raw), "gzip": min(len(raw), len(gzip.compress(raw, 9)))}
    lazy = [m["file"] for key, m in manifest.items() if m.get("isDynamicEntry")]
    return {
        "files": sizes,
        "raw": sum(s["raw"] for s in sizes.values()),
        "gzip": sum(s["gzip"] for s in sizes.values()),
        "lazy": {f: (BUILD / f).stat().st_size for f in lazy},
    }


def write_report(path: Path, r: dict[str, Any]) -> None:
    lines = [
        SECTION[0],
        "## Console",
        "",
        f"- Run: {r['when']} on {r['machine']}, code at commit {r['commit']}; {r['events']:,} events in the index "
        f"({r['shipments']:,} shipments, {r['declarations']:,} declarations, {r['financings']:,} financings, "
        f"{r['alerts']:,} IoT alerts; generated in {r['generate_seconds']:.0f} s).",
        f"- Server-side time: the API in-process (no network), {r['runs']} requests per route after 3 to warm up; "
        "a shipment page is the four reads the console makes for it, added up. Goal (issue 17): under "
        f"{TARGET_MS} ms for the overview and a shipment page.",
        "",
        "| route | caller | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for key, sqlite in r["sqlite"].items():
        name, who = key.split(" | ")
        pg = r.get("postgresql", {}).get(key)
        pg_cells = f"{pg['p50']:.1f} ms | {pg['p95']:.1f} ms" if pg else "— | —"
        lines.append(f"| {name} | {who} | {sqlite['p50']:.1f} ms | {sqlite['p95']:.1f} ms | {pg_cells} |")
    verdict = []
    for kind in ("sqlite", "postgresql"):
        if kind not in r:
            continue
        worst = max(v["p95"] for k, v in r[kind].items() if k.startswith(("overview", "shipment page")))
        verdict.append(
            f"- {kind}: slowest p95 of the overview and the shipment pages {worst:.1f} ms "
            f"({'met' if worst < TARGET_MS else 'not met'})."
        )
    fp = r["first_paint"]
    lines += [
        "",
        *verdict,
        "",
        f"First paint: {fp['raw'] / 1024:.0f} KiB as built, {fp['gzip'] / 1024:.0f} KiB sent (scripts and styles "
        "gzip-compressed by the API; fonts are already compressed). Files: "
        + ", ".join(f"`{Path(f).name}` {s['gzip'] / 1024:.1f} KiB" for f, s in fp["files"].items())
        + ". Loaded later, when a page needs them: "
        + ", ".join(f"`{Path(f).name}` {n / 1024:.0f} KiB" for f, n in fp["lazy"].items())
        + ".",
        "",
        "<details><summary>Raw results</summary>",
        "",
        "```json",
        json.dumps(r, indent=2),
        "```",
        "",
        "</details>",
        SECTION[1],
        "",
    ]
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    block = "\n".join(lines)
    if SECTION[0] in text:
        text = text[: text.index(SECTION[0])] + block + text[text.index(SECTION[1]) + len(SECTION[1]) + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--journeys", type=int, default=16, help="complete journeys of every kind")
    parser.add_argument("--waiting", type=int, default=120, help="declarations left waiting for customs")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if not (BUILD / ".vite" / "manifest.json").exists():
        sys.exit("bench: the console is not built: run `make build`")
    folder = Path(tempfile.mkdtemp(prefix="portlink-console-bench-"))
    node = DevNode(
        "anvil",
        host="127.0.0.1",
        port=postgres.free_port(),
        chain_id=31337,
        state_path=folder / "anvil-state.json",
        log_path=folder / "anvil.log",
    )
    results: dict[str, Any] = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "runs": args.runs,
        "first_paint": first_paint(),
    }
    with node:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 120}))
        seed, sha = load_seed(ROOT / "deployments" / "pilot.yaml")
        manifest_path = folder / "deployment" / "manifest.json"
        artifacts = load_artifacts(ROOT / ".build" / "__local__.json")
        manifest = deploy(w3, NodeAccountSigner(w3.eth.accounts[0]), artifacts, seed, sha, manifest_path).manifest
        activity = Activity(w3, manifest, manifest_path)
        log(f"generating {args.events:,} events, {args.journeys} journeys and {args.waiting} waiting declarations")
        t0 = time.perf_counter()
        made = generate(activity, args.events, args.journeys, args.waiting)
        results["generate_seconds"] = time.perf_counter() - t0
        members = {"customs": activity.who.shekou_customs, "shipper": activity.who.shipper}
        container = activity.shipments.functions.getContainer(made["big"], 0).call()
        ids = {k: "0x" + v.hex() for k, v in made.items()}
        ids["container"] = bytes(container[0]).decode()
        databases = {"sqlite": f"sqlite:///{folder}/index.sqlite"}
        with contextlib.ExitStack() as stack:
            if postgres.bindir() is not None:
                server = stack.enter_context(postgres.cluster())
                databases["postgresql"] = postgres.create_database(server, "console_bench")
            for kind, url in databases.items():
                settings = Settings(
                    _env_file=None,
                    rpc_url=node.rpc_url,
                    manifest_path=manifest_path,
                    database_url=url,
                    api_run_indexer=False,
                )
                log(f"indexing into {kind}")
                Indexer.from_settings(settings).run(until_head=True)
                runtime = Runtime(settings)
                if kind == "sqlite":
                    counts = (
                        runtime.engine.connect()
                        .exec_driver_sql(
                            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM shipments),"
                            " (SELECT count(*) FROM declarations), (SELECT count(*) FROM financings),"
                            " (SELECT count(*) FROM iot_alerts)"
                        )
                        .one()
                    )
                    results.update(
                        zip(("events", "shipments", "declarations", "financings", "alerts"), counts, strict=True)
                    )
                log(f"measuring on {kind}")
                results[kind] = measure(runtime, ids, members, args.runs)
                runtime.engine.dispose()
    write_report(args.report, results)
    log(f"wrote {args.report}")


if __name__ == "__main__":
    main()
