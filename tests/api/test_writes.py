"""Writes as operations: idempotency, one nonce allocator per key under concurrency, re-broadcast of dropped and
replacement of stuck transactions, and restart recovery without sending anything twice. All on real Anvil."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from portlink.api.routes.shipments import ShipmentCreate
from portlink.chain.gateway import ChainGateway
from portlink.services.operations import OperationService, request_fingerprint
from web3.exceptions import TransactionNotFound


def wait_status(api, who, op_id: str, statuses: set[str], timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        op = who.client.get(f"/v1/operations/{op_id}").json()
        if op["status"] in statuses:
            return op
        time.sleep(0.05)
    raise AssertionError(f"operation {op_id} stayed {op['status']}")


def test_the_same_key_and_body_replays_the_first_answer(api):
    body = api.registration()
    first = api.shipper.write("POST", "/v1/shipments", body, key="replay-1", confirm="true")
    again = api.shipper.write("POST", "/v1/shipments", body, key="replay-1", confirm="true")
    assert first.status_code == again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    kinds = [op["kind"] for op in api.shipper.client.get("/v1/operations").json() if op["id"] == first.json()["id"]]
    assert kinds == ["shipments.register"]


def test_a_replayed_refusal_is_the_same_problem(api):
    body = api.registration()
    body["consignee"] = api.carrier.address  # the chain refuses a carrier as consignee? either way: same answer
    first = api.consignee.write("POST", "/v1/shipments", body, key="replay-refusal")
    again = api.consignee.write("POST", "/v1/shipments", body, key="replay-refusal")
    assert first.status_code == again.status_code
    assert first.json() == again.json()


def test_the_same_key_with_another_body_is_a_422_problem(api):
    api.shipper.write("POST", "/v1/shipments", api.registration(), key="reused-1")
    response = api.shipper.write("POST", "/v1/shipments", api.registration(), key="reused-1")
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency-key-reused"


def test_a_duplicate_while_the_first_request_runs_is_a_409_problem(api):
    body = api.registration()
    model = ShipmentCreate.model_validate(body)
    fingerprint = request_fingerprint("POST", "/v1/shipments?", json.dumps(model.model_dump(mode="json")).encode())
    api.runtime.operations.idempotency.begin(
        api.shipper.address, "in-flight-1", fingerprint
    )  # the first, still running
    response = api.shipper.write("POST", "/v1/shipments", body, key="in-flight-1")
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/problems/request-in-progress"


def test_concurrent_duplicates_create_one_operation(api):
    body = api.registration()
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: api.shipper.write("POST", "/v1/shipments", body, key="dup-8"), range(8)))
    ids = {r.json()["id"] for r in responses if r.status_code in (200, 202)}
    assert len(ids) == 1
    assert all(r.status_code in (200, 202, 409) for r in responses), [r.text for r in responses]


def test_fifty_concurrent_writes_through_one_key_all_mine_without_nonce_gaps(api):
    w3 = api.chain.w3
    before = w3.eth.get_transaction_count(api.shipper.address)
    bodies = [api.registration() for _ in range(50)]
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda b: api.shipper.write("POST", "/v1/shipments", b), bodies))
    assert [r.status_code for r in responses] == [202] * 50, [r.text for r in responses if r.status_code != 202]
    ops = [wait_status(api, api.shipper, r.json()["id"], {"Succeeded", "Failed"}) for r in responses]
    assert {op["status"] for op in ops} == {"Succeeded"}
    nonces = sorted(op["nonce"] for op in ops)
    assert nonces == list(range(before, before + 50))
    assert w3.eth.get_transaction_count(api.shipper.address) == before + 50


@pytest.fixture
def manual_mining(api):
    w3 = api.chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        yield w3
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
        w3.provider.make_request("evm_mine", [])


def test_a_dropped_transaction_is_broadcast_again(api, manual_mining):
    w3 = manual_mining
    response = api.shipper.write("POST", "/v1/shipments", api.registration())
    assert response.status_code == 202
    op = response.json()
    assert op["status"] == "Pending"
    w3.provider.make_request("anvil_dropTransaction", [op["txHash"]])
    assert w3.eth.get_transaction_count(api.shipper.address, "pending") == op["nonce"]
    deadline = time.monotonic() + 10
    while api.shipper.client.get(f"/v1/operations/{op['id']}").json()["broadcasts"] < 2:
        assert time.monotonic() < deadline, "the dropped transaction was not broadcast again"
        time.sleep(0.05)
    w3.provider.make_request("evm_mine", [])
    done = wait_status(api, api.shipper, op["id"], {"Succeeded", "Failed"})
    assert done["status"] == "Succeeded"
    assert done["nonce"] == op["nonce"]


def test_a_stuck_transaction_is_replaced_with_higher_fees(api, manual_mining):
    w3 = manual_mining
    response = api.shipper.write("POST", "/v1/shipments", api.registration())
    op = response.json()
    deadline = time.monotonic() + 10
    while len(api.shipper.client.get(f"/v1/operations/{op['id']}").json()["txHashes"]) < 2:
        assert time.monotonic() < deadline, "the stuck transaction was not replaced"
        time.sleep(0.05)
    w3.provider.make_request("evm_mine", [])
    done = wait_status(api, api.shipper, op["id"], {"Succeeded", "Failed"})
    assert done["status"] == "Succeeded"
    assert done["txHash"] != op["txHash"]
    assert done["txHash"] in done["txHashes"]
    assert w3.eth.get_transaction_receipt(done["txHash"])["status"] == 1
    with pytest.raises(TransactionNotFound):  # replaced in the pool, never mined
        w3.eth.get_transaction_receipt(op["txHash"])
    replacement = w3.eth.get_transaction(done["txHash"])
    assert replacement["nonce"] == op["nonce"]
    assert replacement["maxFeePerGas"] == int(done["maxFeePerGas"]) > int(op["maxFeePerGas"])
    assert w3.eth.get_transaction_count(api.shipper.address) == op["nonce"] + 1


class Crash(BaseException):
    """The process dies between storing the signed transaction and broadcasting it."""


class CrashingGateway(ChainGateway):
    def send_raw(self, raw: bytes) -> str:
        raise Crash


def test_a_restart_broadcasts_the_stored_transaction_once_and_signs_nothing_again(api):
    rt = api.runtime
    w3 = api.chain.w3

    def service(gateway):
        return OperationService(
            rt.engine, gateway, rt.contracts, rt.operations.catalog, rt.operations.signers, lease_seconds=0.5
        )

    before = w3.eth.get_transaction_count(api.shipper.address, "pending")
    body = ShipmentCreate.model_validate(api.registration())
    attestation = body.carrierAttestation
    write = rt.shipments.register(body.draft(), attestation.deadline, bytes.fromhex(attestation.signature[2:]))
    crashed = service(CrashingGateway(w3))
    with pytest.raises(Crash):
        crashed.submit(api.shipper.address, write, signing="custodial")
    (op,) = [o for o in rt.operations.list(api.shipper.address, status="Initialized") if o.nonce == before]
    assert op.tx_hash is not None  # signed and stored before the crash ...
    assert w3.eth.get_transaction_count(api.shipper.address, "pending") == before  # ... but never sent

    restarted = service(ChainGateway(w3))
    restarted.tracker.track_once()  # the crashed process's lease still holds: not taken over yet
    assert w3.eth.get_transaction_count(api.shipper.address, "pending") == before
    time.sleep(0.6)
    restarted.tracker.track_once()  # its lease ran out: the stored bytes are broadcast
    time.sleep(0.6)
    service(ChainGateway(w3)).tracker.track_once()  # a third process takes it over in turn: nothing sent twice
    done = wait_status(api, api.shipper, op.id, {"Succeeded", "Failed"})
    assert done["status"] == "Succeeded"
    assert done["txHash"] == op.tx_hash  # the stored bytes, not a new signature
    assert w3.eth.get_transaction_count(api.shipper.address) == before + 1
    after = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    assert after["nonce"] == before + 1  # the allocator went on from there: no gap, no reuse


def test_a_transaction_that_reverts_when_mined_fails_with_its_decoded_error(api, manual_mining):
    from eth_account import Account

    w3 = manual_mining
    body = api.registration()
    # Both simulate fine: the wallet operation before the custodial one is sent, the custodial one before the
    # wallet's is signed. Mined in that order, the second registration of one shipment reverts on chain.
    wallet = api.shipper.write("POST", "/v1/shipments", body, signing="wallet").json()
    custodial = api.shipper.write("POST", "/v1/shipments", body)
    assert custodial.status_code == 202, custodial.text
    unsigned = api.shipper.client.get(f"/v1/operations/{wallet['id']}").json()["unsignedTransaction"]
    assert unsigned["nonce"] == custodial.json()["nonce"] + 1
    del unsigned["from"]
    signed = Account.sign_transaction(unsigned, api.shipper.key)
    relayed = api.shipper.client.post(
        f"/v1/operations/{wallet['id']}/signed-transaction",
        json={"signedTransaction": "0x" + bytes(signed.raw_transaction).hex()},
    )
    assert relayed.status_code == 202, relayed.text
    w3.provider.make_request("evm_mine", [])
    assert wait_status(api, api.shipper, custodial.json()["id"], {"Succeeded", "Failed"})["status"] == "Succeeded"
    failed = wait_status(api, api.shipper, wallet["id"], {"Succeeded", "Failed"})
    assert failed["status"] == "Failed"
    assert failed["blockNumber"] is not None  # mined and reverted; the error decoded by replaying the call
    assert w3.eth.get_transaction_receipt(failed["txHash"])["status"] == 0
    assert failed["error"]["type"] == "/problems/shipment-already-registered"
    assert failed["error"]["status"] == 409


def test_a_retry_that_finds_the_dead_requests_operation_still_leased_is_told_to_retry_and_then_runs(api):
    """The race the replica kill test met under load: a request's process died; its idempotency record's lease ran
    out before its operation's did. The retry that takes the request over is told 409 "retry later", and that answer
    is not kept (kept, it was replayed to every retry for ever and the request never ran)."""
    from portlink.store.schema import idempotency_records, operations
    from sqlalchemy import insert, select

    rt = api.runtime
    body = api.registration()
    payload = ShipmentCreate.model_validate(body).model_dump(mode="json")
    fingerprint = request_fingerprint("POST", "/v1/shipments?", json.dumps(payload).encode())
    key, op_id, now = (
        f"dead-{time.monotonic_ns()}",
        f"0dead000-0000-4000-8000-{time.monotonic_ns() % 10**12:012d}",
        time.time(),
    )
    with rt.engine.begin() as conn:
        conn.execute(
            insert(operations),
            {
                "id": op_id,
                "member": api.shipper.address,
                "kind": "shipments.register",
                "status": "Initialized",
                "signing": "custodial",
                "contract": "ShipmentRegistry",
                "function": "register",
                "to_address": api.shipper.address,
                "calldata": "0x",
                "sender": api.shipper.address,
                "tx_hashes": [],
                "broadcasts": 0,
                "created_at": now,
                "updated_at": now,
                "lease_owner": "a-process-that-died",
                "lease_until": now + 3,  # its operation's lease still runs ...
            },
        )
        conn.execute(
            insert(idempotency_records),
            {
                "member": api.shipper.address,
                "key": key,
                "request_sha256": fingerprint,
                "created_at": now,
                "operation_id": op_id,
                "lease_owner": "a-process-that-died",
                "lease_until": now - 1,  # ... its request's has run out
            },
        )
    first = api.shipper.write("POST", "/v1/shipments", body, key=key, confirm="true")
    assert first.status_code == 409, first.text
    assert first.json()["type"] == "/problems/request-in-progress"
    with rt.engine.connect() as conn:
        (stored,) = conn.execute(
            select(idempotency_records.c.status_code).where(idempotency_records.c.key == key)
        ).one()
    assert stored is None  # not kept as the request's answer
    time.sleep(3.5)  # the dead process's operation lease runs out: it was never signed, so the request runs afresh
    again = api.shipper.write("POST", "/v1/shipments", body, key=key, confirm="true")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "Succeeded"
    assert again.json()["id"] != op_id
    assert api.shipper.client.get(f"/v1/operations/{op_id}").json()["status"] == "Failed"  # as interrupted
