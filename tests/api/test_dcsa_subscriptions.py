"""DCSA event subscriptions and PortLink's alert webhooks, from the outside: subscriptions made over HTTP, callbacks
received by a real HTTP server that checks every `Notification-Signature` (HMAC-SHA256 of the exact body with the
subscription's secret), and the delivery run by `portlink serve` processes of their own (the API under test here
indexes, they only deliver), which the tests take down with SIGKILL, run two at a time, and restart.

At least once: a receiver down for a while, or answering errors, gets every event once it is back, none lost; a
delivering process killed mid-callback loses nothing; two delivering processes never send one batch twice."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api, env_of, running_api
from tests.api.dcsa import Receiver, mine, ship, validator, voyage
from tests.deployment.test_cli import PORTLINK
from tests.deployment.test_deploy import _free_port

#: Delivery quick enough for a test: polls of 0.1 s, retries from 0.2 s doubling up to 1 s, a lease of 3 s.
WEBHOOKS = {
    "webhook_poll_seconds": 0.1,
    "webhook_retry_seconds": 0.2,
    "webhook_max_backoff_seconds": 1.0,
    "webhook_lease_seconds": 3.0,
    "webhook_timeout_seconds": 2.0,
    "webhook_allow_private_addresses": True,
}


@pytest.fixture(scope="module")
def api(api_chain, tmp_path_factory) -> Iterator[Api]:
    """The API that indexes; it delivers nothing itself (the `deliverer` processes do)."""
    with running_api(api_chain, tmp_path_factory.mktemp("api"), webhook_run_delivery=False, **WEBHOOKS) as running:
        yield running


class Deliverer:
    """`portlink serve` in a process of its own over the same database and chain, not indexing: it delivers."""

    def __init__(self, api: Api, log_path) -> None:
        self.api, self.log_path = api, log_path
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = env_of(
            self.api,
            PORTLINK_API_RUN_INDEXER="false",
            PORTLINK_API_PORT=str(self.port),
            **{f"PORTLINK_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v) for k, v in WEBHOOKS.items()},
        )
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen([str(PORTLINK), "serve"], env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log_path.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "portlink serve did not start"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def delivering(api: Api, tmp_path, count: int = 1) -> Iterator[list[Deliverer]]:
    processes = [Deliverer(api, tmp_path / f"deliverer-{i}.log") for i in range(count)]
    try:
        for p in processes:
            p.start()
        yield processes
    finally:
        for p in processes:
            p.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


def subscribe(who, receiver: Receiver, **filters: Any) -> str:
    secret, key = receiver.new_secret()
    response = who.client.post(
        "/v2/event-subscriptions", json={"callbackUrl": receiver.url, "secret": secret, **filters}
    )
    assert response.status_code == 201, response.text
    subscription_id = response.json()["subscriptionID"]
    receiver.secrets[subscription_id] = key
    return subscription_id


def journey_events(api: Api, body: dict[str, Any], who=None) -> list[str]:
    """The ids of a shipment's events as `GET /v2/events` answers them."""
    reference = body["transportDocumentReference"]
    response = (who or api.auditor).client.get("/v2/events", params={"transportDocumentReference": reference})
    assert response.status_code == 200, response.text
    return [e["eventID"] for e in response.json()]


# ---------------------------------------------------------------------------------------------------- the resource


def test_subscriptions_are_made_read_changed_and_stopped_as_the_standard_says(api, receiver, validators, spec):
    secret, _ = receiver.new_secret()
    body = {
        "callbackUrl": receiver.url,
        "secret": secret,
        "eventType": ["EQUIPMENT", "TRANSPORT"],
        "equipmentEventTypeCode": ["GTIN"],
        "vesselIMONumber": "9321483",
        "someVendorField": "ignored, as the open schema allows",
    }
    created = api.consignee.client.post("/v2/event-subscriptions", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["API-Version"] == "2.2.0"
    subscription = created.json()
    validators["subscription"].validate(subscription)
    assert "secret" not in subscription
    assert "someVendorField" not in subscription
    assert subscription["eventType"] == ["EQUIPMENT", "TRANSPORT"]
    sid = subscription["subscriptionID"]
    path = f"/v2/event-subscriptions/{sid}"

    assert api.consignee.client.get(path).json() == subscription
    listed = api.consignee.client.get("/v2/event-subscriptions", params={"limit": 1})
    assert listed.status_code == 200
    assert listed.headers["Current-Page"]
    validator(
        spec,
        spec["paths"]["/v2/event-subscriptions"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
    ).validate(listed.json())
    assert sid in [s["subscriptionID"] for s in api.consignee.client.get("/v2/event-subscriptions").json()]
    # Another member neither sees nor changes it.
    assert api.shipper.client.get(path).status_code == 404
    assert api.shipper.client.delete(path).status_code == 404
    assert sid not in [s["subscriptionID"] for s in api.shipper.client.get("/v2/event-subscriptions").json()]

    changed = api.consignee.client.put(
        path, json={"subscriptionID": sid, "callbackUrl": receiver.url + "?v=2", "UNLocationCode": "CNSUD"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"subscriptionID": sid, "callbackUrl": receiver.url + "?v=2", "UNLocationCode": "CNSUD"}
    assert (
        api.consignee.client.put(
            path, json={"subscriptionID": sid, "callbackUrl": receiver.url, "secret": secret}
        ).status_code
        == 400
    )
    other = api.consignee.client.put(
        path, json={"subscriptionID": "8fbdc2d8-57c8-48b9-a04b-18fd8ec1d809", "callbackUrl": receiver.url}
    )
    assert other.status_code == 400
    validators["error"].validate(other.json())

    new_secret, _ = receiver.new_secret()
    assert api.consignee.client.put(f"{path}/secret", json={"secret": new_secret}).status_code == 204
    assert api.consignee.client.put(f"{path}/secret", json={}).status_code == 400
    assert api.consignee.client.delete(path).status_code == 204
    assert api.consignee.client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"secret": "not base64!"}, "secret"),
        ({"secret": base64.b64encode(b"too short").decode()}, "secret"),
        ({"callbackUrl": "ftp://example.com/x"}, "callbackUrl"),
        ({"callbackUrl": "not a url"}, "callbackUrl"),
        ({"eventType": ["PARCEL"]}, "eventType"),
        ({"vesselIMONumber": "93214830"}, "vesselIMONumber"),
        ({"UNLocationCode": None}, "UNLocationCode"),
        ({"callbackUrl": None}, "callbackUrl"),
    ],
)
def test_a_bad_subscription_is_refused_with_the_dcsa_error_object(api, receiver, validators, change, field):
    secret, _ = receiver.new_secret()
    body = {"callbackUrl": receiver.url, "secret": secret, **change}
    response = api.consignee.client.post("/v2/event-subscriptions", json=body)
    assert response.status_code == 400, response.text
    validators["error"].validate(response.json())
    assert field in response.json()["errors"][0]["message"]


def test_a_callback_to_a_private_address_is_refused_unless_allowed(api_chain, tmp_path, receiver):
    with running_api(api_chain, tmp_path, webhook_run_delivery=False) as strict:
        secret, _ = receiver.new_secret()
        for url in (receiver.url, "http://localhost/x", "http://10.0.0.7/x", "http://[::1]/x"):
            response = strict.consignee.client.post(
                "/v2/event-subscriptions", json={"callbackUrl": url, "secret": secret}
            )
            assert response.status_code == 400, url
            assert "not a public address" in response.json()["errors"][0]["message"]


# ---------------------------------------------------------------------------------------------------- delivery


def test_matching_events_the_member_may_read_arrive_signed(api, receiver, validators, spec, tmp_path):
    callback = spec["paths"]["/v2/event-subscriptions"]["post"]["callbacks"]["event"]["{$request.body.callbackUrl}"][
        "post"
    ]
    body_schema = validator(spec, callback["requestBody"]["content"]["application/json"]["schema"])
    everything = subscribe(api.consignee, receiver)
    equipment = subscribe(api.consignee, receiver, eventType=["EQUIPMENT"], UNLocationCode="CNSHK")
    outsider = subscribe(api.financier, receiver)
    with delivering(api, tmp_path):
        trip = voyage(api, "3101")
        shipment = ship(api, trip, booking="BK3101", until="ARRI")
        mine(api)
        expected = journey_events(api, shipment, api.consignee)
        assert receiver.wait_for(everything, len(expected)) == expected  # in order, each once
        gate_in_and_load = [
            e["eventID"]
            for e in api.auditor.client.get(
                "/v2/events",
                params={"transportDocumentReference": shipment["transportDocumentReference"], "eventType": "EQUIPMENT"},
            ).json()
        ]
        assert receiver.wait_for(equipment, 2) == gate_in_and_load
    assert receiver.received(outsider) == []  # the financier is no party of the shipment
    for subscription in (everything, equipment):
        for callback_ in receiver.received(subscription):
            assert callback_.valid_signature, callback_.headers
            assert callback_.headers["Notification-Signature"].startswith("sha256=")
            assert callback_.headers["API-Version"] == "2.2.0"
            assert callback_.headers["Content-Type"] == "application/json"
            body_schema.validate(callback_.events)
    status = api.consignee.client.get(f"/v2/event-subscriptions/{everything}")
    assert status.status_code == 200


def test_a_new_secret_signs_the_next_callbacks(api, receiver, tmp_path):
    subscription = subscribe(api.shipper, receiver, eventType=["SHIPMENT"])
    secret, key = receiver.new_secret()
    assert (
        api.shipper.client.put(f"/v2/event-subscriptions/{subscription}/secret", json={"secret": secret}).status_code
        == 204
    )
    receiver.secrets[subscription] = key
    with delivering(api, tmp_path):
        shipment = ship(api, None, until="GTIN", declare=False)
        mine(api)
        issued = api.auditor.client.get(
            "/v2/events",
            params={"transportDocumentReference": shipment["transportDocumentReference"], "eventType": "SHIPMENT"},
        ).json()
        assert receiver.wait_for(subscription, 1) == [e["eventID"] for e in issued]
    assert all(c.valid_signature for c in receiver.received(subscription))


def test_a_receiver_down_for_a_while_gets_every_event_when_it_is_back(api, tmp_path):
    receiver = Receiver()
    try:
        subscription = subscribe(api.carrier, receiver)
        with delivering(api, tmp_path):
            receiver.stop()  # connections refused
            shipments = [ship(api, None, until="LOAD", declare=False) for _ in range(2)]
            mine(api)
            time.sleep(3)  # several refused attempts
            receiver.status = 503
            receiver.start()
            time.sleep(2)  # answered with errors: not accepted
            assert receiver.received(subscription), "the worker stopped retrying"
            assert receiver.event_ids(subscription) == []
            receiver.status = 204
            expected = [i for s in shipments for i in journey_events(api, s)]
            ids = receiver.wait_for(subscription, len(expected), timeout=60)
        assert set(ids) == set(expected)
        assert all(c.valid_signature for c in receiver.received(subscription))
        attempts = api.carrier.client.get(f"/v2/event-subscriptions/{subscription}")
        assert attempts.status_code == 200
    finally:
        receiver.stop()


def test_a_delivering_api_killed_mid_callback_loses_nothing(api, tmp_path):
    receiver = Receiver()
    try:
        subscription = subscribe(api.carrier, receiver)
        receiver.delay = 5.0  # the callback is held while the process dies
        deliverer = Deliverer(api, tmp_path / "killed.log")
        deliverer.start()
        try:
            shipment = ship(api, None, until="LOAD", declare=False)
            mine(api)
            expected = journey_events(api, shipment)
            assert receiver.arrived.wait(30), "no callback came"
            deliverer.kill()  # while the receiver holds the request, before any answer
        finally:
            deliverer.stop()
        (held,) = receiver.received(subscription)
        assert held.valid_signature
        first_batch = [e["eventID"] for e in held.events]
        assert first_batch == expected[: len(first_batch)]
        receiver.delay = 0.0
        with delivering(api, tmp_path):  # a fresh process takes over once the dead one's lease has run out
            deadline = time.monotonic() + 60
            while len(receiver.received(subscription)) < 2:
                assert time.monotonic() < deadline, "the batch was not sent again"
                time.sleep(0.1)
            ids = receiver.wait_for(subscription, len(expected), timeout=60)
        assert set(ids) == set(expected)
        # The batch the killed process never saw answered was sent again (with what became final since): the
        # cursor had not moved.
        again = receiver.received(subscription)[1].events
        assert again[: len(held.events)] == held.events
        assert all(c.valid_signature for c in receiver.received(subscription))
    finally:
        receiver.stop()


def test_two_delivering_processes_send_each_batch_once(api, tmp_path):
    receiver = Receiver()
    try:
        subscriptions = [subscribe(api.auditor, receiver) for _ in range(4)]
        with delivering(api, tmp_path, count=2):
            shipments = [ship(api, None, until="LOAD", declare=False) for _ in range(2)]
            mine(api)
            expected = [i for s in shipments for i in journey_events(api, s)]
            for subscription in subscriptions:
                ids = receiver.wait_for(subscription, len(expected))
                assert ids == expected  # each once, in order
    finally:
        receiver.stop()


# ---------------------------------------------------------------------------------------------------- alert webhooks


def test_alert_webhooks_receive_holds_signed_as_dcsa_callbacks(api, receiver, tmp_path):
    secret, key = receiver.new_secret()
    made = api.consignee.client.post("/v1/alert-subscriptions", json={"callbackUrl": receiver.url, "secret": secret})
    assert made.status_code == 201, made.text
    subscription = made.json()["subscriptionId"]
    receiver.secrets[subscription] = key
    assert api.financier.client.get(f"/v1/alert-subscriptions/{subscription}").status_code == 404
    with delivering(api, tmp_path):
        shipment = ship(api, None, until="GTIN", approve=False)
        sid = shipment["shipmentId"]
        api.shunde_customs.confirmed("POST", f"/v1/declarations/{sid}/holds", {"port": "CNSUD", "reasonCode": "X-RAY"})
        api.shunde_customs.confirmed("DELETE", f"/v1/declarations/{sid}/holds/CNSUD")
        mine(api)
        receiver.wait_for(subscription, 2)
    events = [e for c in receiver.received(subscription) for e in c.events]
    assert [e["event"] for e in events] == ["HoldPlaced", "HoldReleased"]
    assert all(e["args"]["declarationId"] == sid for e in events)
    assert all(c.valid_signature for c in receiver.received(subscription))
    detail = api.consignee.client.get(f"/v1/alert-subscriptions/{subscription}").json()
    assert detail["deliveredEvents"] == 2
    assert detail["attempts"] == 0
    assert api.consignee.client.delete(f"/v1/alert-subscriptions/{subscription}").status_code == 204
