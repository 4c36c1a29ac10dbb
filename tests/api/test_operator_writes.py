"""The writes the contracts allow beyond a shipment's journey, over HTTP with custodial keys: governance (a
member admitted by the port authorities' votes, a proposal cancelled), IoT monitoring set up by the shipper and
the gateway (a device registered, authorised, bound; the shipment's rules), the settlement token (minted,
transferred, redeemed; balances), a broker, and the escrow paused and resumed. Each is read back."""

from __future__ import annotations

import time
from typing import Any

from eth_account import Account

from tests.api.conftest import Api


def event(op: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [e for e in op["result"]["events"] if e["event"] == name]
    return found["args"]


def eventually(read, check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if check(value):
            return value
        assert time.monotonic() < deadline, f"never happened: {value}"
        time.sleep(0.1)


def test_port_authorities_admit_a_member_by_vote_and_a_proposer_cancels(api: Api):
    newcomer = Account.create().address
    proposed = api.shekou_authority.confirmed(
        "POST",
        "/v1/proposals",
        {"kind": "ADD_MEMBER", "account": newcomer, "name": "Pearl River Lines", "orgId": "CN-PRL", "role": "CARRIER"},
    )
    proposal_id = int(event(proposed, "ProposalCreated")["proposalId"])
    assert event(proposed, "VoteCast")["support"] is True  # the proposer's own vote
    voted = api.shunde_authority.confirmed("POST", f"/v1/proposals/{proposal_id}/votes", {"support": True})
    assert [e["event"] for e in voted["result"]["events"]].count("ProposalExecuted") == 1
    member = eventually(
        lambda: api.auditor.client.get(f"/v1/members/{newcomer}"), lambda r: r.status_code == 200
    ).json()
    assert member["name"] == "Pearl River Lines"
    assert member["roles"] == [{"role": "CARRIER", "port": None}]

    # A second vote on an executed proposal is the chain's to refuse, with its named error.
    again = api.shunde_authority.write("POST", f"/v1/proposals/{proposal_id}/votes", {"support": True})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["name"] == "GovernanceProposalNotActive"

    other = api.shekou_authority.confirmed(
        "POST", "/v1/proposals", {"kind": "SUSPEND_MEMBER", "account": newcomer, "reason": "licence withdrawn"}
    )
    other_id = int(event(other, "ProposalCreated")["proposalId"])
    refused = api.shunde_authority.write("POST", f"/v1/proposals/{other_id}/cancellation")
    assert refused.status_code == 403, refused.text  # only the proposer cancels
    cancelled = api.shekou_authority.confirmed("POST", f"/v1/proposals/{other_id}/cancellation")
    assert int(event(cancelled, "ProposalCancelled")["proposalId"]) == other_id

    # Every member reads governance: the proposals newest first, with their votes and how they ended.
    api.synced(cancelled["blockNumber"])
    listed = api.carrier.client.get("/v1/proposals", params={"limit": 500})
    assert listed.status_code == 200, listed.text
    by_id = {p["proposalId"]: p for p in listed.json()["data"]}
    ids = [p["proposalId"] for p in listed.json()["data"]]
    assert ids == sorted(ids, reverse=True)
    admitted = by_id[proposal_id]
    assert admitted["kind"] == "ADD_MEMBER"
    assert (admitted["account"], admitted["name"], admitted["role"]) == (newcomer, "Pearl River Lines", "CARRIER")
    assert admitted["port"] is None
    assert admitted["state"] == "EXECUTED"
    assert admitted["proposer"] == api.shekou_authority.address
    assert [(v["voter"], v["support"]) for v in admitted["votes"]] == [
        (api.shekou_authority.address, True),
        (api.shunde_authority.address, True),
    ]
    assert (admitted["forVotes"], admitted["againstVotes"]) == (2, 0)
    assert admitted["electorate"] >= 2
    assert by_id[other_id]["state"] == "CANCELLED"
    assert by_id[other_id]["kind"] == "SUSPEND_MEMBER"
    cancelled_only = api.carrier.client.get("/v1/proposals", params={"state": "CANCELLED"}).json()
    assert other_id in [p["proposalId"] for p in cancelled_only["data"]]
    assert {p["state"] for p in cancelled_only["data"]} == {"CANCELLED"}
    assert api.carrier.client.get(f"/v1/proposals/{proposal_id}").json() == admitted
    missing = api.carrier.client.get("/v1/proposals/999999")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/problems/not-found"
    assert api.carrier.client.get("/v1/proposals", params={"state": "PASSED"}).status_code == 422


def test_an_incomplete_proposal_is_a_problem_naming_what_is_missing(api: Api):
    response = api.shekou_authority.write("POST", "/v1/proposals", {"kind": "ADD_PORT", "port": "HKHKG"})
    assert response.status_code == 422
    assert "needs name, account, authorityName" in response.text
    response = api.shipper.write("POST", "/v1/proposals", {"kind": "REINSTATE_MEMBER", "account": api.carrier.address})
    assert response.status_code == 403  # not a port authority: the chain's GovernanceNotPortAuthority
    assert response.json()["error"]["name"] == "GovernanceNotPortAuthority"


def test_the_shipper_and_the_gateway_set_up_a_reefer_and_its_rules(api: Api):
    registered = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    sid = event(registered, "ShipmentRegistered")["shipmentId"]
    device = "0x" + "5e" * 32
    signer = Account.create().address
    api.iot_gateway.confirmed("POST", "/v1/devices", {"deviceId": device, "signer": signer, "kind": "TEMPERATURE"})
    binding = {"shipmentId": sid, "containerIndex": 0}
    unauthorised = api.iot_gateway.write("POST", f"/v1/devices/{device}/binding", binding)
    assert unauthorised.status_code == 403, unauthorised.text  # the shipper has not authorised the gateway yet
    gateway = {"gateway": api.iot_gateway.address}
    api.shipper.confirmed("POST", f"/v1/shipments/{sid}/monitoring/gateways", gateway)
    api.iot_gateway.confirmed("POST", f"/v1/devices/{device}/binding", binding)
    reefer = {"enabled": ["TEMPERATURE", "SEAL"], "minTemperature": -2000, "maxTemperature": -1500}
    rules = api.shipper.confirmed("PUT", f"/v1/shipments/{sid}/monitoring/rules", reefer)
    assert event(rules, "RulesSet")["shipmentId"] == sid
    bound = eventually(
        lambda: api.shipper.client.get(f"/v1/devices/{device}").json(), lambda d: d.get("shipmentId") == sid
    )
    assert (bound["containerIndex"], bound["state"], bound["gateway"]) == (0, "ACTIVE", api.iot_gateway.address)

    backwards = {"enabled": ["TEMPERATURE"], "minTemperature": 5, "maxTemperature": 1}
    reversed_range = api.shipper.write("PUT", f"/v1/shipments/{sid}/monitoring/rules", backwards)
    assert reversed_range.status_code == 422
    assert "reversed" in reversed_range.text
    api.iot_gateway.confirmed("POST", f"/v1/devices/{device}/revocation")
    revoked = eventually(
        lambda: api.shipper.client.get(f"/v1/devices/{device}").json(), lambda d: d["state"] == "REVOKED"
    )
    assert revoked["deviceId"] == device


def test_the_issuer_mints_a_holder_transfers_and_the_issuer_redeems(api: Api):
    path = f"/v1/settlement/balances/{api.financier.address}"
    before = int(api.financier.client.get(path).json()["balance"])
    mint = {"to": api.financier.address, "amount": 12_345, "paymentRef": "HSBC-DEP-1"}
    api.issuer.confirmed("POST", "/v1/settlement/mints", mint)
    api.financier.confirmed("POST", "/v1/settlement/transfers", {"to": api.issuer.address, "amount": 345})
    balance = api.financier.client.get(path).json()
    assert int(balance["balance"]) == before + 12_000
    assert balance["decimals"] == 2
    redeemed = api.issuer.confirmed("POST", "/v1/settlement/redemptions", {"amount": 345, "paymentRef": "HSBC-PAY-1"})
    assert int(event(redeemed, "Redeemed")["amount"]) == 345

    refused = api.financier.write("POST", "/v1/settlement/mints", {**mint, "amount": 1})
    assert refused.status_code == 403
    assert refused.json()["error"]["name"] == "SettlementNotIssuer"
    assert api.shipper.client.get(path).status_code == 403  # a balance is its holder's business


def test_a_shipper_authorises_a_broker_and_an_authority_pauses_the_escrow(api: Api):
    broker = api.shipper.confirmed("POST", "/v1/brokers", {"broker": api.carrier.address})
    assert event(broker, "BrokerSet")["broker"] == api.carrier.address
    paused = api.shekou_authority.confirmed("POST", "/v1/escrow/pause", {"paused": True})
    assert [e["event"] for e in paused["result"]["events"]] == ["Paused"]
    refused = api.shipper.write("POST", "/v1/financings", {"shipmentId": "0x" + "77" * 32, "product": "ECOMMERCE"})
    assert refused.status_code in (404, 409, 422), refused.text
    api.shekou_authority.confirmed("POST", "/v1/escrow/pause", {"paused": False})
    assert api.shipper.write("POST", "/v1/escrow/pause", {"paused": True}).status_code == 403
