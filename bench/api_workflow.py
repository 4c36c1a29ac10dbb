"""API workflow benchmark: shipment journeys per second through the API, custodial, in the production layout
(`portlink index` and `portlink serve` processes), against the raw ceiling of the same node measured in the same
run.

A journey is seven writes, each waiting for the one before: register a shipment (one container), gate it in (GTIN),
file its declaration, both customs' approvals, load it (LOAD), the vessel departs (DEPA). Configurations: one
replica on SQLite, one and three replicas on PostgreSQL. For each, journeys run on `--concurrency` client threads,
once with every write `?confirm=true` (journeys/s and the latency of the 200) and once answered `202` and waited for
with `GET /v1/operations/{id}?wait=` (the latency of the 202). The raw ceiling: the same transactions (the calls the
services plan for the same journeys), signed beforehand and sent with `eth_sendRawTransaction`, one per HTTP call
and in JSON-RPC batches of 100. CPU seconds per process (node, PostgreSQL, replicas, indexer, this client) say where
the two cores went; py-spy samples one replica of an extra run for the profile.

    .venv/bin/python bench/api_workflow.py [--journeys 60] [--concurrency 12] [--report docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from common import dev_node, replace_section  # noqa: E402
from eth_abi import encode  # noqa: E402
from eth_account import Account  # noqa: E402
from eth_utils.crypto import keccak  # noqa: E402
from portlink.api.routes.declarations import DecisionCreate, DeclarationCreate  # noqa: E402
from portlink.api.routes.shipments import MilestoneCreate, ShipmentCreate  # noqa: E402
from portlink.chain.artifacts import load_artifacts  # noqa: E402
from portlink.chain.client import NodeAccountSigner  # noqa: E402
from portlink.deployment.deploy import deploy  # noqa: E402
from portlink.deployment.seed import load_seed  # noqa: E402
from portlink.services.operations import Write  # noqa: E402
from portlink.services.runtime import Runtime  # noqa: E402
from portlink.services.shipments import MilestoneInput, ShipmentService  # noqa: E402
from web3 import Web3  # noqa: E402

from tests.api.stack import ROLES, Stack, address_of, declaration_of, fund, private_key  # noqa: E402
from tests.indexer import postgres  # noqa: E402
from tests.indexer.activity import container_number  # noqa: E402

BEGIN, END = (
    "<!-- api workflow benchmark: written by bench/api_workflow.py -->",
    "<!-- end of api workflow benchmark -->",
)
WRITES_PER_JOURNEY = 7
#: The steps of a journey: who writes, where, what (``sid``: the shipment id, ``n``: the journey's number).
STEPS: list[tuple[str, str, Callable[[str, int], Any]]] = [
    ("shekou_terminal", "/v1/shipments/{sid}/milestones", lambda sid, n: {
        "milestone": "GTIN", "containerIndex": 0, "observedGrossKg": 20_000, "seals": [f"SL{n:08d}"]}),
    ("shipper", "/v1/declarations", lambda sid, n: declaration_of(sid)),
    ("shekou_customs", "/v1/declarations/{sid}/decisions", lambda sid, n: {
        "version": 1, "port": "CNSHK", "decision": "APPROVE"}),
    ("shunde_customs", "/v1/declarations/{sid}/decisions", lambda sid, n: {
        "version": 1, "port": "CNSUD", "decision": "APPROVE"}),
    ("shekou_terminal", "/v1/shipments/{sid}/milestones", lambda sid, n: {"milestone": "LOAD", "containerIndex": 0}),
    ("carrier", "/v1/shipments/{sid}/milestones", lambda sid, n: {"milestone": "DEPA"}),
]  # fmt: skip


def registration(prefix: str, n: int) -> dict[str, Any]:
    return {
        "consignee": address_of("consignee"),
        "carrier": address_of("carrier"),
        "originPort": "CNSHK",
        "destinationPort": "CNSUD",
        "transportDocumentReference": f"{prefix}{n:08d}",
        "documentsDigest": "0x" + keccak(text=f"{prefix}-{n}").hex(),
        "containers": [
            {
                "number": container_number((prefix + "XXX")[:3], n).decode(),
                "declaredGrossKg": 20_000,
                "seals": [f"SL{n:08d}"],
            }
        ],
    }


def shipment_id(carrier: str, reference: str) -> str:
    """``ShipmentRegistry.shipmentIdOf``: keccak256(abi.encode(carrier, reference))."""
    return "0x" + keccak(encode(["address", "string"], [carrier, reference])).hex()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


# ---------------------------------------------------------------------------------------------------- CPU accounting


Roots = dict[str, list[int]]


def _stat(pid: int) -> tuple[int, float] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime + stime, and cutime + cstime: the children it has reaped (PostgreSQL's backends that ended).
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def cpu_of(roots: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each group of process trees (live processes only)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := _stat(int(entry.name))) is not None:
            parents[int(entry.name)], used[int(entry.name)] = found
    out = {}
    for group, pids in roots.items():
        if pids == [os.getpid()]:  # this process alone: the replicas and the indexer are its children
            times = os.times()
            out[group] = times.user + times.system
            continue
        tree = set(pids)
        grew = True
        while grew:
            more = {p for p, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        out[group] = sum(used.get(p, 0.0) for p in tree)
    return out


# ---------------------------------------------------------------------------------------------------- journeys


@dataclass
class Run:
    """One configuration's journeys."""

    journeys: int
    seconds: float
    write_latencies: list[float] = field(default_factory=list)
    journey_latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "journeys": self.journeys,
            "seconds": self.seconds,
            "journeys_per_second": self.journeys / self.seconds,
            "writes_per_second": self.journeys * WRITES_PER_JOURNEY / self.seconds,
            "p50_ms": percentile(self.write_latencies, 0.5) * 1000,
            "p95_ms": percentile(self.write_latencies, 0.95) * 1000,
            "journey_p50_s": percentile(self.journey_latencies, 0.5),
            "cpu_seconds": {k: round(v, 2) for k, v in self.cpu.items()},
        }


def run_journeys(
    stack: Stack, prefix: str, count: int, concurrency: int, *, confirm: bool, cpu_roots: Roots, pinned: bool = False
) -> Run:
    """``count`` journeys on ``concurrency`` threads. A thread sends its writes to one replica; ``pinned``: each
    member's writes go to one replica (a load balancer routing by API key), whichever thread sends them."""
    clients = {
        (role, replica): stack.client(role, replica, timeout=120)
        for role in ROLES
        if role != "deployer"
        for replica in range(len(stack.servers))
    }
    counter = iter(range(count))
    lock = threading.Lock()
    run = Run(count, 0.0)
    errors: list[str] = []

    roles = sorted(r for r in ROLES if r != "deployer")

    def write(role: str, replica: int, path: str, body: Any) -> dict[str, Any]:
        if pinned:
            replica = roles.index(role) % len(stack.servers)
        client = clients[(role, replica)]
        key = f"{prefix}-{time.monotonic_ns()}-{threading.get_ident()}"
        started = time.perf_counter()
        response = client.post(
            path, json=body, headers={"Idempotency-Key": key}, params={"confirm": "true"} if confirm else None
        )
        elapsed = time.perf_counter() - started
        if response.status_code not in (200, 202):
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        op = response.json()
        while op["status"] not in ("Succeeded", "Failed"):
            op = client.get(f"/v1/operations/{op['id']}", params={"wait": 30}).json()
        if op["status"] != "Succeeded":
            raise RuntimeError(f"{path}: {op}")
        with lock:
            run.write_latencies.append(elapsed)
        return op

    def worker(index: int) -> None:
        replica = index % len(stack.servers)
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            started = time.perf_counter()
            try:
                body = registration(prefix, n)
                op = write("shipper", replica, "/v1/shipments", body)
                (event,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
                sid = event["args"]["shipmentId"]
                for role, path, make in STEPS:
                    write(role, replica, path.format(sid=sid), make(sid, n))
            except Exception as exc:
                errors.append(str(exc))
                return
            with lock:
                run.journey_latencies.append(time.perf_counter() - started)

    before = cpu_of(cpu_roots)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    after = cpu_of(cpu_roots)
    run.cpu = {k: after[k] - before.get(k, 0.0) for k in after}
    run.cpu["bench client"] = run.cpu.pop("bench client", 0.0)
    for client in clients.values():
        client.close()
    if errors:
        raise RuntimeError(f"{len(errors)} journeys failed; first: {errors[0]}\n{stack.logs()}")
    return run


# ---------------------------------------------------------------------------------------------------- raw ceiling


def planned_journey(runtime: Runtime, prefix: str, n: int) -> list[tuple[str, Write]]:
    """The writes the services plan for journey ``n`` (the same calls the API sends), with their senders."""
    body = registration(prefix, n)
    sid = shipment_id(address_of("carrier"), body["transportDocumentReference"])
    sid_bytes = bytes.fromhex(sid[2:])
    writes: list[tuple[str, Write]] = [("shipper", runtime.shipments.register(ShipmentCreate(**body).draft()))]
    for role, path, make in STEPS:
        payload = make(sid, n)
        if path.endswith("/milestones"):
            m = MilestoneCreate(**payload)
            write = ShipmentService.record_milestone(
                sid_bytes, MilestoneInput(m.milestone, m.containerIndex, m.observedGrossKg, m.seals)
            )
        elif path.endswith("/decisions"):
            write = runtime.declarations.decide(sid_bytes, DecisionCreate(**payload).request(), custodial=True)
        else:
            write = runtime.declarations.file(sid_bytes, DeclarationCreate(**payload).data())
        writes.append((role, write))
    return writes


def presigned(runtime: Runtime, w3: Web3, prefix: str, journeys: int) -> list[str]:
    """The journeys' transactions signed in an order the chain accepts (step by step across journeys, so each
    sender's nonces ascend and each step follows its journey's previous one)."""
    plans = [planned_journey(runtime, prefix, n) for n in range(journeys)]
    nonces = {role: int(w3.eth.get_transaction_count(address_of(role), "pending")) for role in ROLES}
    base = int(w3.eth.get_block("latest")["baseFeePerGas"] or 0)
    tip = int(w3.eth.max_priority_fee)
    contracts = runtime.contracts
    raws = []
    for step in range(WRITES_PER_JOURNEY):
        for plan in plans:
            role, write = plan[step]
            tx = {
                "type": 2,
                "chainId": w3.eth.chain_id,
                "to": Web3.to_checksum_address(contracts.addresses[write.call.contract]),
                "data": "0x" + contracts.calldata(write.call.contract, write.call.function, write.call.args).hex(),
                "value": 0,
                "gas": 1_500_000,
                "nonce": nonces[role],
                "maxFeePerGas": 4 * base + tip,
                "maxPriorityFeePerGas": tip,
            }
            nonces[role] += 1
            raws.append("0x" + bytes(Account.sign_transaction(tx, private_key(ROLES[role])).raw_transaction).hex())
    return raws


def send_raw_concurrently(rpc_url: str, raws: list[str], journeys: int, threads: int, w3: Web3) -> float:
    """Seconds to send ``raws`` one per HTTP call from ``threads`` threads at once, as the API's clients send
    (step by step: a journey's next step only once its previous one is mined), and have the last one mined."""
    rounds = [raws[i : i + journeys] for i in range(0, len(raws), journeys)]
    clients = [httpx.Client(timeout=120) for _ in range(threads)]
    errors: list[str] = []

    def send(client: httpx.Client, chunk: list[str]) -> None:
        for raw in chunk:
            reply = client.post(
                rpc_url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}
            ).json()
            if "error" in reply:
                errors.append(str(reply["error"]))

    started = time.perf_counter()
    for step in rounds:
        workers = [
            threading.Thread(target=send, args=(clients[t], step[t::threads])) for t in range(min(threads, len(step)))
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        _mined(w3, step[-1])
        for raw in step:  # every one of the round mined before the next round depends on it
            _mined(w3, raw)
    seconds = time.perf_counter() - started
    for client in clients:
        client.close()
    if errors:
        raise RuntimeError(f"raw transaction refused: {errors[0]}")
    return seconds


def _mined(w3: Web3, raw: str) -> Any:
    tx_hash = Web3.keccak(hexstr=raw)
    while True:
        try:
            receipt = w3.eth.get_transaction_receipt(tx_hash)
        except Exception:
            time.sleep(0.001)
            continue
        if receipt["status"] != 1:
            raise RuntimeError("a pre-signed journey transaction reverted")
        return receipt


def send_raw(rpc_url: str, raws: list[str], batch: int, w3: Web3) -> float:
    """Seconds to send ``raws`` (``batch`` per HTTP call) and have the last one mined; every one must succeed."""
    with httpx.Client(timeout=120) as client:
        started = time.perf_counter()
        for i in range(0, len(raws), batch):
            chunk = raws[i : i + batch]
            calls = [
                {"jsonrpc": "2.0", "id": j, "method": "eth_sendRawTransaction", "params": [raw]}
                for j, raw in enumerate(chunk)
            ]
            answer = client.post(rpc_url, json=calls if batch > 1 else calls[0]).json()
            for reply in answer if isinstance(answer, list) else [answer]:
                if "error" in reply:
                    raise RuntimeError(f"raw transaction refused: {reply['error']}")
        last = Web3.keccak(hexstr=raws[-1])
        while True:
            try:
                receipt = w3.eth.get_transaction_receipt(last)
                break
            except Exception:
                time.sleep(0.001)
        seconds = time.perf_counter() - started
    failed = [
        r for r in raws[-WRITES_PER_JOURNEY:] if w3.eth.get_transaction_receipt(Web3.keccak(hexstr=r))["status"] != 1
    ]
    if failed or receipt["status"] != 1:
        raise RuntimeError("a pre-signed journey transaction reverted")
    return seconds


# ---------------------------------------------------------------------------------------------------- profile


CATEGORIES = [
    ("signing (eth-account, coincurve)", ("eth_account", "coincurve", "eth_keys", "eth_rlp", "rlp/")),
    ("JSON-RPC to the node (web3, requests)", ("web3/", "requests/", "urllib3/", "http/client")),
    ("database (SQLAlchemy, psycopg)", ("sqlalchemy/", "psycopg/")),
    ("ABI encoding and decoding", ("eth_abi/", "eth_utils/")),
    ("HTTP server and validation (uvicorn, FastAPI, pydantic)", (
        "uvicorn/", "fastapi/", "starlette/", "pydantic", "anyio/", "h11/", "httptools")),
    ("PortLink's own code", ("portlink/",)),
]  # fmt: skip


def profile_summary(raw_path: Path) -> dict[str, Any]:
    """Where a replica's samples were: by category (the innermost frame that belongs to one) and the top
    functions by own time."""
    by_category: collections.Counter[str] = collections.Counter()
    by_function: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw_path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        by_function[frames[-1]] += count
        for frame in reversed(frames):
            category = next((name for name, marks in CATEGORIES if any(m in frame for m in marks)), None)
            if category is not None:
                by_category[category] += count
                break
        else:
            by_category["other (interpreter, threads, stdlib)"] += count
    return {
        "samples": total,
        "categories": {k: round(100 * v / total, 1) for k, v in by_category.most_common()} if total else {},
        "top_functions": [[k, round(100 * v / total, 1)] for k, v in by_function.most_common(12)] if total else [],
    }


# ---------------------------------------------------------------------------------------------------- the run


def run(journeys: int, concurrency: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="portlink-bench-api-"))
    artifacts = load_artifacts(ROOT / ".build" / "__local__.json")
    seed, sha = load_seed(ROOT / "deployments" / "pilot.yaml")
    node = dev_node(folder)
    node.start()
    cluster = postgres.Cluster()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH, as make does
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
        "anvil": subprocess.run(  # noqa: S603 - the anvil binary DevNode found on PATH
            [node.binary, "--version"], capture_output=True, text=True, check=False
        )
        .stdout.split("\n")[0]
        .removeprefix("anvil Version: "),
        "journeys": journeys,
        "concurrency": concurrency,
        "load_average_at_start": os.getloadavg()[0],
        "writes_per_journey": WRITES_PER_JOURNEY,
    }
    try:
        w3 = Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 60}))
        manifest_path = folder / "deployment" / "manifest.json"
        deploy(w3, NodeAccountSigner(w3.eth.accounts[0]), artifacts, seed, sha, manifest_path)
        fund(w3)
        node_pid = node._process.pid if node._process else 0
        pg_pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        configs = [("sqlite", 1), ("postgresql", 1), ("postgresql", 3)]
        for index, (database, replicas) in enumerate(configs):
            name = f"{database}-{replicas}"
            url = (
                f"sqlite:///{folder}/{name}.sqlite"
                if database == "sqlite"
                else postgres.create_database(cluster.url, f"bench_{index}")
            )
            stack = Stack(folder / name, node.rpc_url, manifest_path, url, replicas=replicas, settings=SETTINGS)
            stack.start()
            try:
                roots = {
                    "node (Anvil)": [node_pid],
                    "PostgreSQL": [pg_pid],
                    "API replicas": [s.pid for s in stack.servers],
                    "indexer": [stack.indexer.pid] if stack.indexer else [],
                    "bench client": [os.getpid()],
                }
                letter = "ABC"[index]
                run_journeys(stack, f"W{letter}", 2 * concurrency, concurrency, confirm=True, cpu_roots=roots)
                confirmed = run_journeys(stack, f"C{letter}", journeys, concurrency, confirm=True, cpu_roots=roots)
                accepted = run_journeys(stack, f"A{letter}", journeys, concurrency, confirm=False, cpu_roots=roots)
                results[name] = {"confirm": confirmed.summary(), "accepted": accepted.summary()}
                if replicas > 1:
                    pinned = run_journeys(
                        stack, f"M{letter}", journeys, concurrency, confirm=True, cpu_roots=roots, pinned=True
                    )
                    results[name]["pinned"] = pinned.summary()
                print(name, json.dumps(results[name]), flush=True)
                if name == "postgresql-1":
                    results["profile"] = profile(stack, folder, journeys, concurrency, roots)
                    runtime = stack.runtime()
                    raws_single = presigned(runtime, w3, "R", journeys)
                    single = send_raw(node.rpc_url, raws_single, 1, w3)
                    raws_batch = presigned(runtime, w3, "B", journeys)
                    batched = send_raw(node.rpc_url, raws_batch, 100, w3)
                    raws_threads = presigned(runtime, w3, "T", journeys)
                    threaded = send_raw_concurrently(node.rpc_url, raws_threads, journeys, concurrency, w3)
                    runtime.engine.dispose()
                    results["raw"] = {
                        "transactions": len(raws_single),
                        "one_per_call_seconds": single,
                        "batched_seconds": batched,
                        "concurrent_seconds": threaded,
                        "one_per_call_journeys_per_second": journeys / single,
                        "batched_journeys_per_second": journeys / batched,
                        "concurrent_journeys_per_second": journeys / threaded,
                    }
                    print("raw", json.dumps(results["raw"]), flush=True)
            finally:
                stack.stop()
        results["load_average_at_end"] = os.getloadavg()[0]
    finally:
        node.stop()
        cluster.remove()
    return results


#: The replicas' settings: production defaults but for the dev chain (no confirmations needed) and the lease.
SETTINGS = {
    "PORTLINK_API_TRACKER_POLL_SECONDS": "0.2",
    "PORTLINK_INDEXER_POLL_SECONDS": "0.5",
    "PORTLINK_API_LEASE_SECONDS": "10",
    "PORTLINK_API_REBROADCAST_SECONDS": "15",
}


def profile(stack: Stack, folder: Path, journeys: int, concurrency: int, roots: Roots) -> dict[str, Any]:
    """py-spy samples replica 0 during an extra run of journeys: the thread holding the GIL (``--gil``), so the
    profile says where the process's Python CPU time goes (not where its threads wait)."""
    raw_path = folder / "profile.txt"
    spy = subprocess.Popen(  # noqa: S603 - py-spy beside this Python (a dev dependency)
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(stack.servers[0].pid),
         "--rate", "200", "--gil", "--format", "raw", "--nonblocking",
         "--output", str(raw_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    run_journeys(stack, "P", journeys // 2, concurrency, confirm=True, cpu_roots=roots)
    spy.send_signal(2)
    spy.wait(30)
    return profile_summary(raw_path) if raw_path.exists() else {"samples": 0}


def api_ms_per_write(r: dict[str, Any], name: str) -> float:
    """CPU milliseconds the API replicas spent per write in ``name``'s ``?confirm=true`` measurement."""
    return 1000 * r[name]["confirm"]["cpu_seconds"].get("API replicas", 0) / (r["journeys"] * WRITES_PER_JOURNEY)


def write(path: Path, r: dict[str, Any]) -> None:
    raw = r["raw"]
    ceiling = raw["one_per_call_journeys_per_second"]

    def row(name: str, label: str) -> str:
        c, a = r[name]["confirm"], r[name]["accepted"]
        return (
            f"| {label} | {c['journeys_per_second']:.2f} | {100 * c['journeys_per_second'] / ceiling:.0f}% | "
            f"{a['journeys_per_second']:.2f} | {a['p50_ms']:.0f} / {a['p95_ms']:.0f} | "
            f"{c['p50_ms']:.0f} / {c['p95_ms']:.0f} |"
        )

    one = r["postgresql-1"]["confirm"]["journeys_per_second"]
    three = max(r["postgresql-3"][m]["journeys_per_second"] for m in ("confirm", "pinned"))
    cpu_lines = [
        f"| {name} | " + " | ".join(f"{r[name]['confirm']['cpu_seconds'].get(k, 0):.1f}" for k in CPU_GROUPS) + f" | "
        f"{r[name]['confirm']['seconds']:.1f} | "
        f"{api_ms_per_write(r, name):.0f} |"
        for name in ("sqlite-1", "postgresql-1", "postgresql-3")
    ]
    prof = r.get("profile", {})
    section = "\n".join(
        [
            BEGIN,
            "## API workflow",
            "",
            f"- Run: {r['when']} on {r['machine']}, code at commit {r['commit']}, Anvil {r['anvil']} (automine) "
            "(`bench/api_workflow.py`, part of `make bench`); load average (other work on the machine) "
            f"{r['load_average_at_start']:.1f} at the start, {r['load_average_at_end']:.1f} at the end.",
            f"- {r['journeys']} journeys per measurement on {r['concurrency']} client threads, each journey "
            f"{WRITES_PER_JOURNEY} custodial writes in sequence (register, GTIN, declaration, both approvals, LOAD, "
            "DEPA); production layout: `portlink index` and `portlink serve` processes, tracker poll 0.2 s.",
            "",
            "| configuration | journeys/s (`?confirm=true`) | of raw one-per-call | journeys/s (202, then wait) | "
            "202 latency p50 / p95 ms | `?confirm=true` latency p50 / p95 ms |",
            "|---|---:|---:|---:|---:|---:|",
            f"| raw ceiling: pre-signed, one `eth_sendRawTransaction` per HTTP call | {ceiling:.2f} | 100% | | | |",
            f"| raw ceiling: pre-signed, JSON-RPC batches of 100 | {raw['batched_journeys_per_second']:.2f} | "
            f"{100 * raw['batched_journeys_per_second'] / ceiling:.0f}% | | | |",
            f"| raw: pre-signed, one per HTTP call from {r['concurrency']} threads, step by step like the API's "
            f"clients | {raw['concurrent_journeys_per_second']:.2f} | "
            f"{100 * raw['concurrent_journeys_per_second'] / ceiling:.0f}% | | | |",
            row("sqlite-1", "1 replica, SQLite"),
            row("postgresql-1", "1 replica, PostgreSQL"),
            row("postgresql-3", "3 replicas, PostgreSQL (a client thread to one replica)"),
            f"| 3 replicas, PostgreSQL, each member pinned to one replica (load balancer by API key) | "
            f"{r['postgresql-3']['pinned']['journeys_per_second']:.2f} | "
            f"{100 * r['postgresql-3']['pinned']['journeys_per_second'] / ceiling:.0f}% | | | "
            f"{r['postgresql-3']['pinned']['p50_ms']:.0f} / {r['postgresql-3']['pinned']['p95_ms']:.0f} |",
            "",
            f"Goal (issue 20): one replica at >= 50 % of the one-per-call ceiling "
            f"({'met' if one >= ceiling / 2 else 'not met'}: "
            f"{100 * one / ceiling:.0f}%), three replicas above one ({'met' if three > one else 'not met'}: "
            f"{three:.2f} against {one:.2f} journeys/s).",
            "",
            "CPU seconds per process group during the `?confirm=true` measurement (2 cores: at most twice the wall "
            "time):",
            "",
            "| configuration | " + " | ".join(CPU_GROUPS) + " | wall s | API CPU ms per write |",
            "|---|" + "---:|" * (len(CPU_GROUPS) + 2),
            *cpu_lines,
            "",
            f"Profile of replica 0 (PostgreSQL, one replica; py-spy `--gil`, {prof.get('samples', 0)} samples of the "
            "thread holding the GIL, i.e. the process's Python CPU time): share by the area of the innermost frame "
            "that has one, and the functions with most own time.",
            "",
            "| area | share |",
            "|---|---:|",
            *[f"| {k} | {v}% |" for k, v in prof.get("categories", {}).items()],
            "",
            "| function (own time) | share |",
            "|---|---:|",
            *[f"| `{f}` | {v}% |" for f, v in prof.get("top_functions", [])],
            "",
            "```json",
            json.dumps(r, indent=2),
            "```",
            END,
        ]
    )
    replace_section(path, BEGIN, END, section)


CPU_GROUPS = ["node (Anvil)", "PostgreSQL", "API replicas", "indexer", "bench client"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    result = run(args.journeys, args.concurrency)
    write(args.report, result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
