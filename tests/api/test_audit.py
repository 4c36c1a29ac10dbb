"""Auditors' tools: the alert stream (server-sent events), `portlink audit verify` against the chain, and
`portlink doc verify FILE`."""

from __future__ import annotations

import json
import threading
import time

from eth_utils.crypto import keccak
from portlink.store import schema
from sqlalchemy import select, update

from tests.api.conftest import portlink_cli
from tests.api.stack import declaration_of, sse_events


def _filed_shipment(api) -> str:
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    sid = registered["args"]["shipmentId"]
    declaration = declaration_of(sid)
    api.shipper.confirmed("POST", "/v1/declarations", declaration)
    return sid


def test_the_alert_stream_sends_a_hold_as_soon_as_it_is_indexed(api):
    sid = _filed_shipment(api)
    received: list[dict] = []
    opened = threading.Event()

    def listen() -> None:
        with api.shipper.client.stream("GET", "/v1/alerts/stream", params={"timeout": 15}) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            opened.set()
            for event in sse_events(response):
                event["at"] = time.monotonic()
                received.append(event)
                return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(10)
    hold = {"port": "CNSUD", "reasonCode": "X-RAY"}
    op = api.shunde_customs.confirmed("POST", f"/v1/declarations/{sid}/holds", hold)
    mined = time.monotonic()
    listener.join(15)
    (event,) = received
    assert event["event"] == "HoldPlaced"
    data = json.loads(event["data"])
    assert data["args"]["declarationId"] == sid
    assert (data["args"]["port"], data["args"]["reasonCode"]) == ("CNSUD", "X-RAY")  # read as people write them
    assert data["transactionHash"] == op["txHash"]
    assert event["id"] == f"{data['blockNumber']}-{data['logIndex']}"
    assert event["at"] - mined < 5.0
    listed = api.auditor.client.get("/v1/alerts/events", params={"shipment": sid}).json()
    assert [e["event"] for e in listed] == ["HoldPlaced"]
    assert api.financier.client.get("/v1/alerts/events", params={"shipment": sid}).json() == []  # not a party
    again = api.shunde_customs.write("POST", f"/v1/declarations/{sid}/holds", hold)
    assert again.status_code == 409, again.text
    problem = again.json()
    assert (problem["title"], problem["error"]["name"]) == (
        "This port's customs already holds the shipment",
        "ClearanceAlreadyHeld",
    )
    assert problem["error"]["args"] == {"declarationId": sid, "port": "CNSUD"}
    assert [h["reasonCode"] for h in api.auditor.client.get(f"/v1/declarations/{sid}").json()["holds"]] == ["X-RAY"]
    api.shunde_customs.confirmed("DELETE", f"/v1/declarations/{sid}/holds/CNSUD")
    api.synced()
    held = api.auditor.client.get(f"/v1/declarations/{sid}").json()["holds"]
    assert [(h["port"], h["active"]) for h in held] == [("CNSUD", False)]


def test_a_declaration_is_amended_to_a_new_version(api):
    sid = _filed_shipment(api)
    amended = {
        "digest": "0x" + keccak(text="amended " + sid).hex(),
        "hsCodes": ["850440", "940360"],
        "customsValue": 12_300,
        "currency": "HKD",
    }
    api.shipper.confirmed("POST", f"/v1/declarations/{sid}/amendments", amended)
    api.synced()
    declaration = api.shekou_customs.client.get(f"/v1/declarations/{sid}").json()
    assert declaration["version"] == 2
    assert declaration["hsCodes"] == ["850440", "940360"]
    assert int(declaration["customsValue"]) == 12_300
    assert declaration["digest"] == amended["digest"]


def test_doc_verify_checks_a_file_against_the_chain(api, tmp_path):
    sid = _filed_shipment(api)
    document = tmp_path / "invoice.pdf"
    document.write_bytes(b"%PDF-1.7 commercial invoice " + sid.encode())
    digest = "0x" + keccak(document.read_bytes()).hex()
    api.shipper.confirmed("POST", f"/v1/shipments/{sid}/documents", {"docType": "COMMERCIAL_INVOICE", "digest": digest})
    run = portlink_cli(api, "doc", "verify", str(document))
    assert run.returncode == 0, run.stderr
    assert digest in run.stdout
    assert f"shipment {sid}, COMMERCIAL_INVOICE version 1" in run.stdout
    assert "the latest version" in run.stdout
    stranger = tmp_path / "forged.pdf"
    stranger.write_bytes(b"%PDF-1.7 forged")
    run = portlink_cli(api, "doc", "verify", str(stranger))
    assert run.returncode == 1
    assert "not anchored" in run.stdout
    uploaded = api.auditor.client.post("/v1/documents/verifications", files={"file": document.read_bytes()})
    assert uploaded.status_code == 200, uploaded.text
    assert (uploaded.json()["digest"], uploaded.json()["anchored"]) == (digest, True)


def test_audit_verify_reports_no_difference_then_each_tampered_log(api):
    api.synced()
    run = portlink_cli(api, "audit", "verify", timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no differences" in run.stdout
    engine = api.runtime.engine
    logs = schema.raw_logs
    with engine.begin() as conn:
        row = conn.execute(select(logs).order_by(logs.c.block_number.desc()).limit(1)).mappings().one()
        conn.execute(
            update(logs)
            .where(logs.c.block_hash == row["block_hash"], logs.c.log_index == row["log_index"])
            .values(data="0x" + "00" * 32)
        )
    try:
        run = portlink_cli(api, "audit", "verify", timeout=120)
    finally:
        with engine.begin() as conn:
            conn.execute(
                update(logs)
                .where(logs.c.block_hash == row["block_hash"], logs.c.log_index == row["log_index"])
                .values(data=row["data"])
            )
    assert run.returncode == 2
    assert f"block {row['block_number']} log {row['log_index']}" in run.stdout
    assert "changed: data differ" in run.stdout
    assert "1 differences" in run.stdout
