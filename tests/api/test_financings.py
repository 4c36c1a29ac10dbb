"""Financings read from the index over HTTP: who sees which (parties, the financier, financiers for requests
awaiting an offer, customs and auditors), the filters and pages of the list, and a financing's terms and events
as they are offered. The whole journey to repayment is in test_workflow.py; refunds and defaults (which need the
chain's clock moved) in tests/indexer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import NEEDS_CARRIER_ATTESTATION
from tests.api.test_workflow import AMOUNT, FEE_BPS, event


def _request(api, sid: str) -> int:
    op = api.shipper.confirmed("POST", "/v1/financings", {"shipmentId": sid, "product": "ECOMMERCE"})
    return int(event(op, "FinancingRequested")["financingId"])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [f["financingId"] for f in response.json()["data"]]


@NEEDS_CARRIER_ATTESTATION
def test_financings_are_read_from_the_index_by_their_parties_and_financiers_see_open_requests(api):
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    sid = event(op, "ShipmentRegistered")["shipmentId"]
    fid = _request(api, sid)
    cancelled = _request(api, sid)
    op = api.shipper.confirmed("POST", f"/v1/financings/{cancelled}/cancellation")
    api.synced(op["blockNumber"])

    mine = api.shipper.client.get("/v1/financings", params={"shipment": sid})
    assert _ids(mine) == [cancelled, fid]  # newest first
    assert mine.json()["total"] == 2
    requested = mine.json()["data"][1]
    assert (requested["state"], requested["exporter"], requested["shipmentId"]) == (
        "REQUESTED",
        api.shipper.address,
        sid,
    )
    assert (requested["financier"], requested["amount"], requested["due"], requested["outstanding"]) == (None,) * 4
    assert (requested["released"], requested["repaid"]) == ("0", "0")
    assert requested["requestedTransaction"].startswith("0x")

    # A financier sees the request awaiting an offer, not the cancelled one; a terminal sees neither.
    assert _ids(api.financier.client.get("/v1/financings", params={"shipment": sid})) == [fid]
    assert api.financier.client.get(f"/v1/financings/{fid}").status_code == 200
    refused = api.financier.client.get(f"/v1/financings/{cancelled}")
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/forbidden"
    assert _ids(api.shekou_terminal.client.get("/v1/financings", params={"shipment": sid})) == []
    assert api.shekou_terminal.client.get(f"/v1/financings/{fid}").status_code == 403
    assert api.consignee.client.get(f"/v1/financings/{cancelled}").status_code == 200  # a party of the shipment

    # Filters, for an auditor who sees everything.
    ended = api.auditor.client.get("/v1/financings", params={"state": "CANCELLED", "exporter": api.shipper.address})
    assert cancelled in _ids(ended)
    assert {f["state"] for f in ended.json()["data"]} == {"CANCELLED"}
    assert fid not in _ids(api.auditor.client.get("/v1/financings", params={"state": "CANCELLED"}))
    assert _ids(api.auditor.client.get("/v1/financings", params={"exporter": api.consignee.address})) == []

    # Offered: the terms are there, and the financing is the financier's.
    now = datetime.now(UTC)
    deadlines = {
        "fundBy": now + timedelta(days=1),
        "releaseBy": now + timedelta(days=10),
        "maturity": now + timedelta(days=90),
    }
    terms = {"amount": AMOUNT, "feeBps": FEE_BPS, "condition": "EXPORT_APPROVED"}
    op = api.financier.confirmed(
        "POST", f"/v1/financings/{fid}/offers", {**terms, **{k: v.isoformat() for k, v in deadlines.items()}}
    )
    api.synced(op["blockNumber"])
    offered = api.financier.client.get(f"/v1/financings/{fid}").json()
    assert (offered["state"], offered["financier"], offered["amount"]) == (
        "OFFERED",
        api.financier.address,
        str(AMOUNT),
    )
    assert (offered["feeBps"], offered["condition"]) == (FEE_BPS, "EXPORT_APPROVED")
    assert [offered["fundBy"], offered["releaseBy"], offered["maturity"]] == [
        int(d.timestamp()) for d in deadlines.values()
    ]
    assert offered["token"].lower() == api.runtime.contracts.addresses["SettlementToken"].lower()
    assert [e["event"] for e in offered["events"]] == [
        "FinancingStateChanged",
        "FinancingRequested",
        "FinancingStateChanged",
        "FinancingOffered",
    ]
    assert fid in _ids(api.financier.client.get("/v1/financings", params={"financier": api.financier.address}))
    assert fid in _ids(api.financier.client.get("/v1/financings", params={"state": "OFFERED"}))


@NEEDS_CARRIER_ATTESTATION
def test_financing_pages_and_unknown_financings(api):
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    sid = event(op, "ShipmentRegistered")["shipmentId"]
    first, second = _request(api, sid), _request(api, sid)
    api.synced()
    everything = api.auditor.client.get("/v1/financings", params={"limit": 500}).json()
    assert everything["total"] >= 2
    page = api.auditor.client.get("/v1/financings", params={"limit": 1, "offset": 1}).json()
    assert (page["limit"], page["offset"], page["total"]) == (1, 1, everything["total"])
    assert _ids(api.auditor.client.get("/v1/financings", params={"limit": 2})) == [second, first]
    assert [f["financingId"] for f in page["data"]] == [first]
    assert api.auditor.client.get("/v1/financings", params={"offset": 2**63}).status_code == 422

    for unknown in (second + 1000, 2**255):  # the second beyond any SQL integer: still a plain 404
        missing = api.auditor.client.get(f"/v1/financings/{unknown}")
        assert missing.status_code == 404, missing.text
        assert missing.json()["type"] == "/problems/not-found"
    assert api.auditor.client.get("/v1/financings", params={"state": "PAID"}).status_code == 422
    assert api.auditor.client.get("/v1/financings", params={"shipment": "0x12"}).status_code == 422
