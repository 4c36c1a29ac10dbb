"""Risk-based inspection targeting over HTTP, on a real Anvil with the real indexer and the risk worker: every filed
declaration gets a score with reasons (customs and auditors only), gate-in evidence raises it, the inbox sorts by
it, a score over a port's threshold alerts (list, stream and alert webhooks), a decision against the advice is
recorded as such, and bad input is an RFC 9457 problem."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from eth_utils.crypto import keccak

from tests.api.conftest import Api, portlink_cli, running_api
from tests.api.dcsa import Receiver
from tests.api.stack import sse_events
from tests.api.test_dcsa_subscriptions import WEBHOOKS
from tests.api.test_operator_writes import event, eventually
from tests.api.test_problems import assert_problem


@pytest.fixture(scope="module")
def risky(api_chain, tmp_path_factory) -> Iterator[Api]:
    """The API with a quick risk worker; Shunde (CNSUD) alerts from a score of 0.5, Shekou only from 0.99."""
    with running_api(
        api_chain,
        tmp_path_factory.mktemp("risk"),
        risk_poll_seconds=0.1,
        risk_alert_threshold=0.99,
        risk_port_thresholds={"CNSUD": 0.5},
        **WEBHOOKS,
    ) as running:
        yield running


def declared(api: Api, *, observed_kg: int = 20_000, seal: str | None = None, value: int = 9_900) -> str:
    """A shipment gated in at Shekou (observed weight and seal as given) with its declaration filed; its id."""
    body = api.registration()
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    sid = event(op, "ShipmentRegistered")["shipmentId"]
    box = body["containers"][0]
    api.shekou_terminal.confirmed(
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "GTIN", "containerIndex": 0, "observedGrossKg": observed_kg, "seals": [seal or box["seals"][0]]},
    )
    declaration = {
        "shipmentId": sid,
        "digest": "0x" + keccak(text=sid).hex(),
        "hsCodes": ["850440"],
        "customsValue": value,
        "currency": "HKD",
    }
    op = api.shipper.confirmed("POST", "/v1/declarations", declaration)
    api.synced(op["blockNumber"])
    return sid


def risk_of(api: Api, did: str) -> dict[str, Any]:
    response = api.shekou_customs.client.get(f"/v1/declarations/{did}/risk")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_first_declaration_is_scored_with_reasons_saying_there_is_no_history(risky: Api):
    did = declared(risky)
    risk = eventually(lambda: risk_of(risky, did), lambda r: r["modelVersion"] == 0)
    assert 0 < risk["score"] < 1
    assert risk["band"] in ("low", "medium", "high")
    assert risk["advice"] in ("release", "check the documents", "inspect")
    texts = [r["text"] for r in risk["reasons"]]
    assert "first declaration of this shipper: no history to judge by" in texts
    assert any("value not compared" in t for t in texts), texts
    assert risk["declarationVersion"] == 1
    assert risk["decisions"] == []
    assert risky.auditor.client.get(f"/v1/declarations/{did}/risk").status_code == 200
    model = risky.shunde_customs.client.get("/v1/risk/model").json()
    assert (model["version"], model["trained"]) == (0, False)
    assert [f["name"] for f in model["features"]][:3] == ["value_low", "value_high", "value_unknown"]


def test_risk_is_for_customs_and_auditors_and_bad_input_is_a_problem(risky: Api):
    did = declared(risky)
    assert_problem(risky.shipper.client.get(f"/v1/declarations/{did}/risk"), 403, "/problems/forbidden")
    assert_problem(risky.consignee.client.get("/v1/risk/model"), 403, "/problems/forbidden")
    assert_problem(risky.shipper.client.get("/v1/risk/alerts"), 403, "/problems/forbidden")
    missing = "0x" + "ab" * 32
    assert_problem(risky.shekou_customs.client.get(f"/v1/declarations/{missing}/risk"), 404, "/problems/not-found")
    assert_problem(
        risky.shekou_customs.client.get("/v1/declarations/0x1234/risk"),
        422,
        "/problems/invalid-input",
        "path.declaration_id",
    )
    assert_problem(
        risky.shekou_customs.client.get("/v1/declarations", params={"sort": "danger"}),
        422,
        "/problems/invalid-input",
        "query.sort",
    )
    assert_problem(risky.shipper.client.get("/v1/declarations", params={"sort": "risk"}), 403, "/problems/forbidden")
    mine = risky.shipper.client.get("/v1/declarations").json()["data"]
    assert mine
    assert all(d["riskScore"] is None and d["riskReasons"] == [] for d in mine)  # never shown to the trader


def test_gate_in_evidence_raises_the_score_sorts_the_inbox_and_alerts_the_port(risky: Api):
    with httpx.Client(base_url=risky.base_url, timeout=60, headers=risky.shunde_customs.client.headers) as client:
        streamed: list[dict[str, str]] = []

        def listen() -> None:
            with client.stream("GET", "/v1/alerts/stream", params={"timeout": 40}) as response:
                for e in sse_events(response):
                    if e.get("event") == "RiskAlert":
                        streamed.append(e)
                        return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.5)
        clean = declared(risky)
        suspicious = declared(risky, observed_kg=26_000, seal="XX00000001")
        quiet = eventually(lambda: risk_of(risky, clean), lambda r: r["evidenceBlock"] > 0)
        loud = risk_of(risky, suspicious)
        assert loud["score"] > quiet["score"]
        assert loud["score"] >= 0.5
        texts = [r["text"] for r in loud["reasons"]]
        assert "gross weight at gate-in differs from the declared weight by 30 %" in texts
        assert "a seal at gate-in is not the seal declared" in texts

        inbox = risky.shekou_customs.client.get("/v1/declarations", params={"waitingAt": "CNSHK", "sort": "risk"})
        assert inbox.status_code == 200, inbox.text
        rows = inbox.json()["data"]
        scores = [r["riskScore"] for r in rows]
        assert rows[0]["declarationId"] == suspicious
        assert scores == sorted(scores, reverse=True)
        assert rows[0]["riskBand"] == loud["band"]
        assert rows[0]["riskReasons"][:2] == [r["text"] for r in loud["reasons"]][:2]

        alerts = eventually(
            lambda: risky.shunde_customs.client.get("/v1/risk/alerts").json(),
            lambda found: any(a["declarationId"] == suspicious for a in found),
        )
        mine = [a for a in alerts if a["declarationId"] == suspicious]
        assert [(a["port"], a["threshold"]) for a in mine] == [("CNSUD", 0.5)]  # Shekou's threshold is 0.99
        assert "seal" in mine[0]["reasons"]
        assert clean not in {a["declarationId"] for a in alerts}
        assert risky.shunde_customs.client.get("/v1/risk/alerts", params={"port": "CNSHK"}).json() == []
        listener.join(30)
        assert streamed, "the alert stream sent no RiskAlert"
        sent = json.loads(streamed[0]["data"])
        assert (sent["declarationId"], sent["port"]) == (suspicious, "CNSUD")


def test_a_decision_against_the_advice_is_recorded_as_such(risky: Api):
    did = declared(risky, observed_kg=30_000, seal="XX00000002")
    before = eventually(lambda: risk_of(risky, did), lambda r: r["band"] == "high")
    risky.shekou_customs.confirmed(
        "POST", f"/v1/declarations/{did}/decisions", {"version": 1, "port": "CNSHK", "decision": "APPROVE"}
    )
    risk = eventually(lambda: risk_of(risky, did), lambda r: r["decisions"])
    (decision,) = risk["decisions"]
    assert decision["decision"] == "APPROVE"
    assert decision["againstAdvice"] is True
    assert (decision["band"], decision["score"]) == ("high", before["score"])


def test_training_with_too_few_outcomes_is_a_one_line_error(risky: Api):
    done = portlink_cli(risky, "risk", "train")
    assert done.returncode == 1
    assert done.stderr.startswith("portlink: error: risk model not trained:")
    assert "training needs 40 or more with both outcomes" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    shown = portlink_cli(risky, "risk", "model")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("risk model 0: the untrained prior")


def test_alert_webhooks_send_risk_alerts_to_customs_and_auditors_only(risky: Api):
    receiver = Receiver()
    try:

        def subscribe(who: Any, **filters: str) -> str:
            secret, key = receiver.new_secret()
            made = who.client.post(
                "/v1/alert-subscriptions", json={"callbackUrl": receiver.url, "secret": secret, **filters}
            )
            assert made.status_code == 201, made.text
            receiver.secrets[made.json()["subscriptionId"]] = key
            return str(made.json()["subscriptionId"])

        customs, shipper = subscribe(risky.shunde_customs), subscribe(risky.shipper)
        elsewhere = subscribe(risky.auditor, shipmentId="0x" + "ab" * 32)  # another shipment's alerts only
        suspicious = declared(risky, observed_kg=29_000, seal="XX00000003")

        def risk_alerts(subscription: str) -> list[dict[str, Any]]:
            return [e for c in receiver.received(subscription) for e in c.events if e["event"] == "RiskAlert"]

        def about_it(subscription: str) -> list[dict[str, Any]]:
            return [a for a in risk_alerts(subscription) if a["declarationId"] == suspicious]

        sent = eventually(lambda: about_it(customs), lambda found: bool(found), timeout=60)
        assert [(a["port"], a["threshold"], a["declarationVersion"]) for a in sent] == [("CNSUD", 0.5, 1)]
        assert sent[0]["score"] >= 0.5
        assert "seal" in sent[0]["reasons"]
        assert all(c.valid_signature for c in receiver.received(customs))
        assert eventually(
            lambda: risky.shunde_customs.client.get(f"/v1/alert-subscriptions/{customs}").json(),
            lambda detail: detail["deliveredEvents"] >= 1 and detail["attempts"] == 0,
        )
        time.sleep(1)  # ten delivery rounds: the trader's and the other shipment's webhooks had their turn
        assert risk_alerts(shipper) == []
        assert risk_alerts(elsewhere) == []
    finally:
        receiver.stop()
