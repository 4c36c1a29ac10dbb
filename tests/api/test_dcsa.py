"""`GET /v2/events` answers DCSA Track & Trace 2.2 events that validate against the published OpenAPI document
(shared/standards/dcsa/tnt_v2.2.0.yaml), one test per event type, with filters and cursor paging."""

from __future__ import annotations

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.api.conftest import NEEDS_CARRIER_ATTESTATION
from tests.conftest import ROOT

#: Every test here needs shipments registered through the API.
pytestmark = NEEDS_CARRIER_ATTESTATION

#: The published DCSA document, in the team's shared/ folder beside the clone (CI) or above the worktree.
SPEC = next(
    (
        p / "shared" / "standards" / "dcsa" / "tnt_v2.2.0.yaml"
        for p in ROOT.parents
        if (p / "shared" / "standards" / "dcsa" / "tnt_v2.2.0.yaml").exists()
    ),
    ROOT.parent / "shared" / "standards" / "dcsa" / "tnt_v2.2.0.yaml",
)


@pytest.fixture(scope="module")
def validators():
    spec = yaml.safe_load(SPEC.read_text())
    response = spec["paths"]["/v2/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]

    def of(schema):
        return Draft202012Validator({"components": spec["components"], **schema})

    return {
        "response": of(response),
        "SHIPMENT": of({"$ref": "#/components/schemas/shipmentEvent"}),
        "TRANSPORT": of({"$ref": "#/components/schemas/transportEvent"}),
        "EQUIPMENT": of({"$ref": "#/components/schemas/equipmentEvent"}),
    }


@pytest.fixture(scope="module")
def travelled(api):
    """A shipment gated in, documented, declared, cleared, loaded, departed and arrived."""
    from eth_utils.crypto import keccak

    body = api.registration(containers=1, owner="DCS")
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    sid = next(e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
    box = body["containers"][0]
    api.shekou_terminal.confirmed(
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "GTIN", "containerIndex": 0, "observedGrossKg": 20_000, "seals": box["seals"]},
    )
    api.shipper.confirmed(
        "POST",
        f"/v1/shipments/{sid}/documents",
        {"docType": "BILL_OF_LADING", "digest": "0x" + keccak(text="dcsa " + sid).hex()},
    )
    op = api.shipper.confirmed(
        "POST",
        "/v1/declarations",
        {
            "shipmentId": sid,
            "digest": "0x" + keccak(text=sid).hex(),
            "hsCodes": ["850440"],
            "customsValue": 10,
            "currency": "CNY",
        },
    )
    api.synced(op["blockNumber"])
    for officer, port in ((api.shekou_customs, "CNSHK"), (api.shunde_customs, "CNSUD")):
        officer.confirmed(
            "POST", f"/v1/declarations/{sid}/decisions", {"version": 1, "port": port, "decision": "APPROVE"}
        )
    api.shekou_terminal.confirmed("POST", f"/v1/shipments/{sid}/milestones", {"milestone": "LOAD", "containerIndex": 0})
    api.carrier.confirmed("POST", f"/v1/shipments/{sid}/milestones", {"milestone": "DEPA"})
    op = api.carrier.confirmed("POST", f"/v1/shipments/{sid}/milestones", {"milestone": "ARRI"})
    api.synced(op["blockNumber"])
    return body


def _events(api, who, **params):
    response = who.client.get("/v2/events", params=params)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("event_type", ["SHIPMENT", "TRANSPORT", "EQUIPMENT"])
def test_every_event_type_validates_against_the_dcsa_schema(api, travelled, validators, event_type):
    reference = travelled["transportDocumentReference"]
    response = _events(api, api.auditor, eventType=event_type, transportDocumentReference=reference)
    events = response.json()
    assert events, f"no {event_type} events"
    validators["response"].validate(events)
    for event in events:
        assert event["eventType"] == event_type
        validators[event_type].validate(event)
    codes = {
        "SHIPMENT": ("shipmentEventTypeCode", ["ISSU", "SUBM", "APPR"]),
        "TRANSPORT": ("transportEventTypeCode", ["DEPA", "ARRI"]),
        "EQUIPMENT": ("equipmentEventTypeCode", ["GTIN", "LOAD"]),
    }[event_type]
    assert [e[codes[0]] for e in events] == codes[1]
    if event_type == "EQUIPMENT":
        assert {e["equipmentReference"] for e in events} == {travelled["containers"][0]["number"]}
        assert events[0]["transportCall"]["UNLocationCode"] == "CNSHK"


def test_filters_and_cursor_paging(api, travelled, validators):
    reference = travelled["transportDocumentReference"]
    everything = _events(api, api.auditor, transportDocumentReference=reference).json()
    assert len(everything) == 7
    pages, cursor = [], None
    while True:
        params = {"transportDocumentReference": reference, "limit": 3, **({"cursor": cursor} if cursor else {})}
        response = _events(api, api.auditor, **params)
        pages.append(response.json())
        if "Next-Page" not in response.headers:
            break
        cursor = response.headers["Next-Page"].split("cursor=")[1].split("&")[0]
    assert [e["eventID"] for page in pages for e in page] == [e["eventID"] for e in everything]
    gated = _events(api, api.auditor, equipmentEventTypeCode="GTIN", transportDocumentReference=reference).json()
    assert [e["equipmentEventTypeCode"] for e in gated] == ["GTIN"]
    assert _events(api, api.financier, transportDocumentReference=reference).json() == []  # not a party
    bad = api.auditor.client.get("/v2/events", params={"eventType": "PARCEL"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.eventType"
