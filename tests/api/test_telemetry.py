"""`POST /v1/telemetry` over HTTP on Anvil: a reefer drifting out of range is on the alert stream before the
request answers, its batch is anchored and its breach posted as operations, the alert holds the shipment on chain,
and every reading is provable against the anchored root."""

from __future__ import annotations

import json
import threading
import time

from eth_account import Account
from eth_utils.crypto import keccak
from portlink.domain.eip712 import Eip712Domain, sign_typed_data
from portlink.domain.iot import DeviceKind, Reading, Rule, Rules, reading_typed_data
from portlink.manifest import IOT
from web3 import Web3

from tests.api.conftest import Api

RULES = Rules(enabled=Rule.TEMPERATURE, min_temperature=200, max_temperature=800)


def monitor(api: Api):
    return api.chain.w3.eth.contract(
        address=Web3.to_checksum_address(api.runtime.contracts.addresses[IOT]), abi=api.runtime.contracts.abis[IOT]
    )


def send(api: Api, participant, fn) -> None:
    w3 = api.chain.w3
    tx = fn.build_transaction(
        {"from": participant.address, "nonce": w3.eth.get_transaction_count(participant.address, "pending")}
    )
    signed = Account.sign_transaction(tx, participant.key)
    assert w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))["status"] == 1


def watched_reefer(api: Api) -> tuple[str, str, bytes, bytes, Eip712Domain]:
    """A registered shipment watched by a new reefer of the pilot gateway: (shipment id, container, device id,
    device key, the monitor's EIP-712 domain)."""
    body = api.registration()
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    sid = registered["args"]["shipmentId"]
    iot = monitor(api)
    device_id, key = keccak(text=f"reefer of {sid}"), keccak(text=f"reefer key of {sid}")
    sid_bytes = bytes.fromhex(sid[2:])
    send(
        api,
        api.iot_gateway,
        iot.functions.registerDevice(device_id, Account.from_key(key).address, int(DeviceKind.TEMPERATURE)),
    )
    send(api, api.shipper, iot.functions.authoriseGateway(sid_bytes, api.iot_gateway.address, True))
    send(api, api.shipper, iot.functions.setRules(sid_bytes, RULES.to_chain()))
    send(api, api.iot_gateway, iot.functions.bindDevice(device_id, sid_bytes, 0))
    domain = Eip712Domain.from_erc5267(iot.functions.eip712Domain().call())
    return sid, body["containers"][0]["number"], device_id, key, domain


def reading_json(reading: Reading, key: bytes, domain: Eip712Domain) -> dict:
    return {
        "deviceId": "0x" + reading.device_id.hex(),
        "container": reading.container,
        "kind": reading.kind.name,
        "value": reading.value,
        "timestamp": reading.timestamp,
        "sequence": reading.sequence,
        "signature": "0x" + sign_typed_data(key, reading_typed_data(domain, reading)).hex(),
    }


def test_reefer_drift_is_streamed_at_once_anchored_posted_and_holds_the_shipment(api):
    sid, box, device_id, key, domain = watched_reefer(api)
    now = int(time.time())
    readings = [
        Reading(device_id, box, DeviceKind.TEMPERATURE, v, now - 60 + i, i + 1) for i, v in enumerate((500, 790, 930))
    ]

    received: list[dict] = []
    opened, got = threading.Event(), threading.Event()

    def listen() -> None:
        with api.shipper.client.stream("GET", "/v1/alerts/stream", params={"timeout": 20}) as response:
            opened.set()
            event: dict = {}
            for line in response.iter_lines():
                if line.startswith(("event:", "data:")):
                    field, _, value = line.partition(": ")
                    event[field] = value
                elif not line and "data" in event:
                    event["at"] = time.monotonic()
                    received.append(event)
                    event = {}
                    if any(e["event"] == "TelemetryWarning" for e in received):
                        got.set()
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(10)
    sent = time.monotonic()
    response = api.iot_gateway.write(
        "POST", "/v1/telemetry", {"readings": [reading_json(r, key, domain) for r in readings]}, confirm="true"
    )
    assert response.status_code == 202, response.text
    answer = response.json()
    assert got.wait(5), received
    warning = next(e for e in received if e["event"] == "TelemetryWarning")
    assert warning["at"] - sent < 1.0, "the warning reached the stream within a second of receipt"
    data = json.loads(warning["data"])
    assert (data["shipmentId"], data["rule"], data["value"], data["container"]) == (sid, "TEMPERATURE", 930, box)

    assert [(o["accepted"], o["breach"]) for o in answer["outcomes"]] == [
        (True, None),
        (True, None),
        (True, "TEMPERATURE"),
    ]
    assert answer["batch"]["count"] == 3
    assert answer["batch"]["operation"]["status"] == "Succeeded"
    [breach] = answer["breaches"]
    assert breach["operation"]["status"] == "Succeeded"

    iot = monitor(api)
    sid_bytes = bytes.fromhex(sid[2:])
    assert iot.functions.openAlerts(sid_bytes).call() == 1
    batch_id = iot.functions.batchCount().call()
    assert "0x" + bytes(iot.functions.getBatch(batch_id).call()[0]).hex() == answer["batch"]["root"]
    for reading, outcome in zip(readings, answer["outcomes"], strict=True):
        proof = [bytes.fromhex(p[2:]) for p in outcome["proof"]]
        assert iot.functions.verifyInclusion(batch_id, reading.to_chain(), proof).call()

    # Clearance blocked: both customs approve, the alert still holds the goods.
    declaration = {
        "shipmentId": sid,
        "digest": "0x" + keccak(text=sid).hex(),
        "hsCodes": ["300490"],
        "customsValue": 125_000_00,
        "currency": "HKD",
    }
    api.shipper.confirmed("POST", "/v1/declarations", declaration)
    for officer, port in ((api.shekou_customs, "CNSHK"), (api.shunde_customs, "CNSUD")):
        officer.confirmed(
            "POST", f"/v1/declarations/{sid}/decisions", {"version": 1, "port": port, "decision": "APPROVE"}
        )
    api.synced()
    assert api.auditor.client.get(f"/v1/declarations/{sid}").json()["state"] == "FILED"

    # The index has the alert open, with its reading, for the parties and the gateway, and the device bound.
    alert_id = iot.functions.alertCount().call()
    listed = api.shipper.client.get("/v1/alerts", params={"shipment": sid, "state": "OPEN"}).json()
    assert [a["alertId"] for a in listed["data"]] == [alert_id]
    (alert,) = listed["data"]
    assert (alert["kind"], alert["rule"], alert["value"], alert["sequence"]) == ("TEMPERATURE", "TEMPERATURE", 930, 3)
    assert alert["readingTimestamp"] == readings[2].timestamp
    assert (alert["deviceId"], alert["resolvedBy"], alert["reason"]) == ("0x" + device_id.hex(), None, None)
    assert api.iot_gateway.client.get(f"/v1/alerts/{alert_id}").status_code == 200  # its device's gateway
    assert api.financier.client.get(f"/v1/alerts/{alert_id}").status_code == 403  # not a party
    assert api.financier.client.get("/v1/alerts", params={"shipment": sid}).json()["total"] == 0
    device = api.consignee.client.get(f"/v1/devices/0x{device_id.hex()}").json()
    assert (device["state"], device["kind"], device["gateway"]) == ("ACTIVE", "TEMPERATURE", api.iot_gateway.address)
    assert (device["shipmentId"], device["containerIndex"], device["container"]) == (sid, 0, box)
    assert device["lastSequence"] == 3
    watching = api.auditor.client.get("/v1/devices", params={"shipment": sid}).json()
    assert [d["deviceId"] for d in watching["data"]] == ["0x" + device_id.hex()]
    assert api.financier.client.get(f"/v1/devices/0x{device_id.hex()}").status_code == 403

    # Only customs resolves the alert; then anyone may clear.
    refused = api.shipper.write("POST", f"/v1/alerts/{alert_id}/resolution", {"reason": "fine"}, confirm="true")
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"] == "/problems/not-shipment-customs", refused.json()
    api.shekou_customs.confirmed(
        "POST", f"/v1/alerts/{alert_id}/resolution", {"reason": "reefer restarted, cargo inspected"}
    )
    assert iot.functions.openAlerts(sid_bytes).call() == 0
    api.auditor.confirmed("POST", f"/v1/declarations/{sid}/clearance")
    api.synced()
    assert api.auditor.client.get(f"/v1/declarations/{sid}").json()["state"] == "CLEARED"
    resolved = api.auditor.client.get(f"/v1/alerts/{alert_id}").json()
    assert (resolved["state"], resolved["resolvedBy"]) == ("RESOLVED", api.shekou_customs.address)
    assert resolved["reason"] == "reefer restarted, cargo inspected"
    assert [e["event"] for e in resolved["events"]] == ["AlertRaised", "AlertResolved"]
    raised = resolved["events"][0]["args"]
    assert (raised["rule"], raised["value"]) == ("TEMPERATURE", 930)  # the rule by name, as the warning has it
    assert api.shipper.client.get("/v1/alerts", params={"shipment": sid, "state": "OPEN"}).json()["data"] == []


def test_replays_and_forgeries_are_refused_per_reading_and_the_key_replays_the_answer(api):
    _, box, device_id, key, domain = watched_reefer(api)
    now = int(time.time())
    good = Reading(device_id, box, DeviceKind.TEMPERATURE, 500, now, 1)
    forged = Reading(device_id, box, DeviceKind.TEMPERATURE, 520, now, 2)
    body = {
        "readings": [
            reading_json(good, key, domain),
            reading_json(good, key, domain),
            reading_json(forged, keccak(b"clone"), domain),
        ]
    }
    first = api.iot_gateway.write("POST", "/v1/telemetry", body, key="telemetry-1")
    assert first.status_code == 202, first.text
    outcomes = first.json()["outcomes"]
    assert [o["accepted"] for o in outcomes] == [True, False, False]
    assert [o.get("refusal") for o in outcomes[1:]] == ["stale-sequence", "invalid-signature"]
    again = api.iot_gateway.write("POST", "/v1/telemetry", body, key="telemetry-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()


def test_telemetry_is_for_iot_gateways_and_bad_readings_name_the_field(api):
    reading = {
        "deviceId": "0x" + "11" * 32,
        "container": "CSQU3054383",
        "kind": "TEMPERATURE",
        "value": 1,
        "timestamp": 1,
        "sequence": 1,
        "signature": "0x" + "22" * 65,
    }
    refused = api.shipper.write("POST", "/v1/telemetry", {"readings": [reading]})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    wrong_check_digit = {**reading, "container": "CSQU3054384"}
    bad = api.iot_gateway.write("POST", "/v1/telemetry", {"readings": [wrong_check_digit]})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "container" in bad.text
