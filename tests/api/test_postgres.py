"""The API on PostgreSQL (the production database): the index reads, the nonce allocator's atomic update, the
JSON queries of audit trail and DCSA events, and concurrent writes, on a throwaway cluster."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.conftest import running_api
from tests.api.dcsa import Receiver, mine, ship, voyage
from tests.api.test_writes import wait_status
from tests.indexer import postgres


@pytest.fixture(scope="module")
def pg_api(api_chain, tmp_path_factory):
    if postgres.bindir() is None:
        message = "PostgreSQL is not installed: `make postgres` (apt-get install -y postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with postgres.cluster() as server:
        url = postgres.create_database(server, f"api_{os.getpid()}")
        with running_api(
            api_chain,
            tmp_path_factory.mktemp("pg-api"),
            database_url=url,
            webhook_allow_private_addresses=True,
            webhook_poll_seconds=0.1,
        ) as running:
            yield running


def test_writes_and_reads_on_postgresql(pg_api):
    api = pg_api
    before = api.chain.w3.eth.get_transaction_count(api.shipper.address)
    bodies = [api.registration(owner="PGS") for _ in range(10)]
    with ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(lambda b: api.shipper.write("POST", "/v1/shipments", b), bodies))
    assert [r.status_code for r in responses] == [202] * 10
    ops = [wait_status(api, api.shipper, r.json()["id"], {"Succeeded", "Failed"}) for r in responses]
    assert sorted(op["nonce"] for op in ops) == list(range(before, before + 10))
    api.synced(max(op["blockNumber"] for op in ops))
    listed = api.shipper.client.get("/v1/shipments", params={"party": api.shipper.address, "limit": 500}).json()
    references = {s["transportDocumentReference"] for s in listed["data"]}
    assert {b["transportDocumentReference"] for b in bodies} <= references
    sid = next(e for e in ops[0]["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
    trail = api.auditor.client.get(f"/v1/audit/shipments/{sid}").json()
    assert trail[0]["event"] == "ShipmentRegistered"
    again = api.shipper.write("POST", "/v1/shipments", bodies[0], key="pg-replay")
    replay = api.shipper.write("POST", "/v1/shipments", bodies[0], key="pg-replay")
    assert (again.status_code, replay.status_code) == (409, 409)
    assert replay.json() == again.json()
    assert replay.json()["type"] == "/problems/shipment-already-registered"
    events = api.auditor.client.get(
        "/v2/events", params={"transportDocumentReference": bodies[0]["transportDocumentReference"]}
    )
    assert events.status_code == 200
    assert events.json() == []  # registered only: no milestone yet


def test_dcsa_events_paging_and_callbacks_on_postgresql(pg_api):
    """The DCSA queries (filters, date-time operators, sort, keyset cursors) and the delivery of callbacks (leases,
    the outbox's numbering) on PostgreSQL."""
    api = pg_api
    receiver = Receiver()
    try:
        secret, key = receiver.new_secret()
        made = api.consignee.client.post(
            "/v2/event-subscriptions", json={"callbackUrl": receiver.url, "secret": secret}
        )
        assert made.status_code == 201, made.text
        subscription = made.json()["subscriptionID"]
        receiver.secrets[subscription] = key
        trip = voyage(api, "5101")
        body = ship(api, trip, booking="BK5101", until="DISC")
        mine(api)
        reference = body["transportDocumentReference"]
        events = api.auditor.client.get("/v2/events", params={"transportDocumentReference": reference}).json()
        assert len(events) == 8
        assert {e["transportCall"]["transportCallID"] for e in events if "transportCall" in e} == {
            trip.export_call,
            trip.import_call,
        }
        middle = events[4]["eventCreatedDateTime"]
        later = api.auditor.client.get(
            "/v2/events",
            params={"transportDocumentReference": reference, "eventCreatedDateTime:gt": middle.replace("Z", ".5Z")},
        ).json()
        assert later == [e for e in events if e["eventCreatedDateTime"] > middle]
        pages, params = [], {"carrierBookingReference": "BK5101", "limit": 3, "sort": "eventType:DESC"}
        response = api.auditor.client.get("/v2/events", params=params)
        while True:
            pages.append(response.json())
            if "Next-Page" not in response.headers:
                break
            response = api.auditor.client.get(response.headers["Next-Page"])
        ordered = api.auditor.client.get("/v2/events", params={**params, "limit": 100}).json()
        assert [e for page in pages for e in page] == ordered
        assert sorted({e["eventType"] for e in ordered}, reverse=True) == list(
            dict.fromkeys(e["eventType"] for e in ordered)
        )
        ids = receiver.wait_for(subscription, len(events))
        assert ids == [e["eventID"] for e in events]
        assert all(c.valid_signature for c in receiver.received(subscription))
    finally:
        receiver.stop()
