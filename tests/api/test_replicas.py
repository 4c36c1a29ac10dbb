"""Faults of the production layout, with real processes: `portlink index` and two `portlink serve` replicas on one
PostgreSQL. A replica SIGKILLed in the middle of writes, PostgreSQL restarted, the node restarted: every request,
retried with its Idempotency-Key through whichever replica answers, completes exactly once (one transaction per
request on the chain, nothing broadcast for it twice, nothing lost), and the alert stream is pushed by the
indexer's NOTIFY to every replica, across a database restart."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from eth_utils.crypto import keccak
from portlink.store.engine import open_engine
from portlink.store.schema import idempotency_records, operations
from sqlalchemy import Engine, func, select

from tests.api.stack import Stack, address_of, attested, declaration_of, fund, sse_events
from tests.indexer import postgres
from tests.indexer.activity import container_number


@pytest.fixture(scope="module")
def cluster():
    if postgres.bindir() is None:
        message = "PostgreSQL is not installed: `make postgres` (apt-get install -y postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = postgres.Cluster()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def stack(api_chain, cluster, tmp_path_factory):
    fund(api_chain.w3)
    url = postgres.create_database(cluster.url, f"replicas_{os.getpid()}")
    running = Stack(tmp_path_factory.mktemp("replicas"), api_chain.rpc_url, api_chain.manifest_path, url)
    try:
        yield running.start()
    except BaseException:
        print(running.logs())
        raise
    finally:
        running.stop()


_serial = iter(range(1, 1_000_000))


def registration(stack: Stack, owner: str = "RPL") -> dict[str, Any]:
    """A new shipment, attested by the carrier for the pilot shipper."""
    n = next(_serial) + 7_000
    body = {
        "consignee": address_of("consignee"),
        "carrier": address_of("carrier"),
        "originPort": "CNSHK",
        "destinationPort": "CNSUD",
        "transportDocumentReference": f"{owner}{os.getpid() % 1000:03d}{n:06d}",
        "documentsDigest": "0x" + keccak(text=f"{owner}-{n}").hex(),
        "containers": [
            {"number": container_number(owner[:3], n).decode(), "declaredGrossKg": 20_000, "seals": [f"SL{n:08d}"]}
        ],
    }
    return attested(body, stack.registry_domain(), shipper=address_of("shipper"))


def post(client: httpx.Client, path: str, body: Any, key: str) -> httpx.Response | None:
    """One attempt; None when the replica could not be reached (killed, restarting)."""
    try:
        return client.post(path, json=body, headers={"Idempotency-Key": key}, params={"confirm": "true"})
    except httpx.HTTPError:
        return None


def settle(stack: Stack, requests: dict[str, dict[str, Any]], replica: int, timeout: float = 90) -> dict[str, dict]:
    """Retry every request (same key, same body) through `replica` until each has its final answer: the operation,
    succeeded. 409 request-in-progress and 503 mean "not yet" (a lease still running, a service coming back)."""
    done: dict[str, dict] = {}
    last: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    with stack.client("shipper", replica) as client:
        while len(done) < len(requests):
            if time.monotonic() >= deadline:
                unsettled = {key: last.get(key, "no answer") for key in set(requests) - set(done)}
                raise AssertionError(f"unsettled: {unsettled}\n{open_operations(stack)}\n{stack.logs()}")
            for key, body in requests.items():
                if key in done:
                    continue
                response = post(client, "/v1/shipments", body, key)
                last[key] = "unreachable" if response is None else f"{response.status_code} {response.text[:300]}"
                if (
                    response is None
                    or response.status_code in (409, 503)
                    or (response.status_code == 202 and response.json()["status"] != "Succeeded")
                ):
                    continue
                assert response.status_code == 200, response.text
                done[key] = response.json()
            time.sleep(0.2)
    return done


def assert_exactly_once(stack: Stack, api_chain, answers: dict[str, dict], nonce_before: int) -> None:
    ops = list(answers.values())
    assert {op["status"] for op in ops} == {"Succeeded"}
    assert len({op["id"] for op in ops}) == len(ops)  # one operation per request
    nonces = sorted(op["nonce"] for op in ops)
    assert nonces == list(range(nonce_before, nonce_before + len(ops)))  # no gap, none reused
    # One transaction per request reached the chain: the shipper's mined count moved by exactly that many, and
    # every shipment was registered once (a second registration would have failed ShipmentAlreadyRegistered).
    assert api_chain.w3.eth.get_transaction_count(address_of("shipper")) == nonce_before + len(ops)
    for op in ops:
        receipt = api_chain.w3.eth.get_transaction_receipt(op["txHash"])
        assert receipt["status"] == 1
        assert [e["event"] for e in op["result"]["events"]].count("ShipmentRegistered") == 1
    runtime = stack.runtime()
    try:
        with runtime.engine.connect() as conn:
            statuses = Counter(
                (row.status, (row.error or {}).get("type"), row.raw_transaction is None)
                for row in conn.execute(select(operations).where(operations.c.sender == address_of("shipper")))
            )
    finally:
        runtime.engine.dispose()
    # Nothing failed except operations that were never signed (interrupted), whose requests ran again.
    failed = {k: v for k, v in statuses.items() if k[0] == "Failed"}
    assert set(failed) <= {("Failed", "/problems/interrupted", True)}, statuses
    assert not [k for k in statuses if k[0] in ("Initialized", "Pending")], statuses


def in_flight(stack: Stack) -> dict[str, int]:
    """What a killed replica left behind, by kind (before anyone takes it over)."""
    runtime = stack.runtime()
    try:
        with runtime.engine.connect() as conn:
            unanswered = conn.execute(
                select(func.count()).where(idempotency_records.c.status_code.is_(None))
            ).scalar_one()
            open_ops = Counter(
                f"{row.status}{'+signed' if row.raw_transaction else ''}"
                for row in conn.execute(select(operations).where(operations.c.status.in_(("Initialized", "Pending"))))
            )
    finally:
        runtime.engine.dispose()
    return {"unanswered requests": unanswered, **open_ops}


def open_operations(stack: Stack) -> str:
    """The shipper's operations not yet final (status, nonce, transaction, lease) beside the node's nonce counts:
    what a request that never settles is waiting for."""
    runtime = stack.runtime()
    try:
        with runtime.engine.connect() as conn:
            rows = conn.execute(
                select(
                    operations.c.id,
                    operations.c.status,
                    operations.c.nonce,
                    operations.c.tx_hash,
                    operations.c.lease_owner,
                    operations.c.lease_until,
                    operations.c.raw_transaction.is_not(None).label("signed"),
                )
                .where(
                    operations.c.sender == address_of("shipper"), operations.c.status.in_(("Initialized", "Pending"))
                )
                .order_by(operations.c.nonce)
            ).all()
    finally:
        runtime.engine.dispose()
    w3 = runtime.gateway.w3
    counts = {tag: w3.eth.get_transaction_count(address_of("shipper"), tag) for tag in ("latest", "pending")}
    return f"open operations of the shipper (node's nonce counts {counts}):\n" + "\n".join(
        f"  {r.id} {r.status} nonce={r.nonce} signed={r.signed} tx={r.tx_hash} lease={r.lease_owner}@{r.lease_until}"
        for r in rows
    )


def signed(engine: Engine, since: float) -> int:
    """How many of the shipper's operations created after ``since`` have their transaction signed."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    operations.c.sender == address_of("shipper"),
                    operations.c.created_at >= since,
                    operations.c.raw_transaction.is_not(None),
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("signed_before_kill", [1, 10, 20])
def test_a_replica_killed_in_the_middle_of_writes_loses_nothing_and_sends_nothing_twice(
    stack, api_chain, signed_before_kill
):
    victim, survivor = 0, 1
    requests = {f"kill-{signed_before_kill}-{i}": registration(stack) for i in range(30)}
    before = api_chain.w3.eth.get_transaction_count(address_of("shipper"))
    since = time.time()

    def send(item: tuple[str, dict]) -> None:
        with stack.client("shipper", victim) as client:
            response = post(client, "/v1/shipments", item[1], item[0])
        assert response is None or response.status_code in (200, 202), response.text

    engine = open_engine(stack.database_url)  # polled in a tight loop: no migration check, one connection
    signed(engine, since)  # connected before the writes start
    with ThreadPoolExecutor(30) as pool:
        futures = [pool.submit(send, item) for item in requests.items()]
        # The sender's transactions are signed one at a time under its lock: kill while the rest wait for it.
        deadline = time.monotonic() + 60
        while signed(engine, since) < signed_before_kill:
            assert time.monotonic() < deadline, stack.logs()
        stack.servers[victim].kill()
        for future in futures:
            future.result()
    engine.dispose()
    left = in_flight(stack)
    print(f"SIGKILL after {signed_before_kill} signed left {left}")
    assert left["unanswered requests"] > 0  # the kill did interrupt requests

    try:
        answers = settle(stack, requests, survivor)
        assert_exactly_once(stack, api_chain, answers, before)
        left_open = open_operations(stack)
        assert "nonce=" not in left_open, left_open  # nothing of the shipper's is left open
    finally:
        stack.servers[victim].restart()  # the next tests need both replicas, whatever happened here


def test_writes_survive_a_postgresql_restart_and_the_alert_stream_is_pushed_across_it(stack, api_chain, cluster):
    # An alert stream on replica 1: holds placed through replica 0 reach it by the indexer's NOTIFY.
    received: list[dict] = []
    opened = threading.Event()

    def listen() -> None:
        with (
            stack.client("auditor", 1, timeout=httpx.Timeout(90, read=90)) as client,
            client.stream("GET", "/v1/alerts/stream", params={"timeout": 80}) as response,
        ):
            opened.set()
            for event in sse_events(response):
                received.append(event)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(10)

    requests = {f"pg-{i}": registration(stack, "PGR") for i in range(12)}
    before = api_chain.w3.eth.get_transaction_count(address_of("shipper"))
    with ThreadPoolExecutor(12) as pool, stack.client("shipper", 0) as client:
        futures = [pool.submit(post, client, "/v1/shipments", body, key) for key, body in requests.items()]
        time.sleep(0.15)
        cluster.stop("fast")  # every connection of every process dropped
        down = [f.result() for f in futures]
        late = registration(stack, "PGR")
        refused = client.post("/v1/shipments", json=late, headers={"Idempotency-Key": "pg-while-down"})
        assert refused.status_code == 503, refused.text
        assert refused.json()["type"] == "/problems/store-unavailable"
        time.sleep(2)  # longer than the stream's one-second look for risk alerts: the stream meets the database down
        cluster.start()
    print("answers while the database went down:", Counter(r.status_code if r else None for r in down))
    answers = settle(stack, requests, 0)
    assert_exactly_once(stack, api_chain, answers, before)

    # The indexer went on (it waited for the database) and the stream's listener reconnected: a hold placed now
    # reaches the stream on the other replica.
    sid = _filed_shipment(stack)
    with stack.client("shunde_customs", 0) as customs:
        hold = customs.post(
            f"/v1/declarations/{sid}/holds",
            json={"port": "CNSUD", "reasonCode": "X-RAY"},
            headers={"Idempotency-Key": f"hold-{sid}"},
            params={"confirm": "true"},
        )
    assert hold.status_code == 200, hold.text
    deadline = time.monotonic() + 20
    while not any(json.loads(e["data"])["args"].get("declarationId") == sid for e in received):
        assert time.monotonic() < deadline, f"the hold never reached the stream: {received}\n{stack.logs()}"
        time.sleep(0.05)
    (event,) = [e for e in received if json.loads(e["data"])["args"].get("declarationId") == sid]
    assert event["event"] == "HoldPlaced"


def test_writes_survive_a_node_restart(stack, api_chain):
    requests = {f"node-{i}": registration(stack, "NDR") for i in range(12)}
    before = api_chain.w3.eth.get_transaction_count(address_of("shipper"))
    with ThreadPoolExecutor(12) as pool, stack.client("shipper", 1) as client:
        futures = [pool.submit(post, client, "/v1/shipments", body, key) for key, body in requests.items()]
        time.sleep(0.1)
        api_chain.restart(keep_state=True)
        [f.result() for f in futures]
    answers = settle(stack, requests, 1)
    assert_exactly_once(stack, api_chain, answers, before)


def _filed_shipment(stack: Stack) -> str:
    with stack.client("shipper", 0) as client:
        response = client.post(
            "/v1/shipments",
            json=registration(stack, "FLD"),
            headers={"Idempotency-Key": f"filed-{time.monotonic_ns()}"},
            params={"confirm": "true"},
        )
        assert response.status_code == 200, response.text
        (registered,) = [e for e in response.json()["result"]["events"] if e["event"] == "ShipmentRegistered"]
        sid = registered["args"]["shipmentId"]
        declaration = declaration_of(sid)
        filed = client.post(
            "/v1/declarations", json=declaration, headers={"Idempotency-Key": f"file-{sid}"}, params={"confirm": "true"}
        )
        assert filed.status_code == 200, filed.text
    return sid
