"""A shipment end to end over HTTP: registration, milestones, documents, dual customs clearance, and a financing
funded, released and repaid; once with custodial keys, once with every signature made client-side."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak
from portlink.domain.finance import amount_due
from portlink.manifest import SETTLEMENT_TOKEN
from web3 import Web3

from tests.api.conftest import Api, Participant

AMOUNT = 5_000_000  # HKD 50,000.00
FEE_BPS = 150


def event(op: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [e for e in op["result"]["events"] if e["event"] == name]
    return found["args"]


class Custodial:
    """Writes signed by the backend's keystore, waited for with ?confirm=true."""

    def __call__(self, who: Participant, method: str, path: str, body: Any = None) -> dict[str, Any]:
        return who.confirmed(method, path, body)

    def decide(self, api: Api, officer: Participant, did: str, port: str) -> dict[str, Any]:
        return self(
            officer, "POST", f"/v1/declarations/{did}/decisions", {"version": 1, "port": port, "decision": "APPROVE"}
        )


class Wallet:
    """Every transaction signed by the participant's own key (the API never holds it): the API answers with the
    unsigned transaction, the client signs and posts it back. Decisions are EIP-712 signatures, relayed."""

    def __call__(self, who: Participant, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = who.write(method, path, body, signing="wallet")
        assert response.status_code == 202, response.text
        op = response.json()
        assert op["status"] == "Initialized"
        unsigned = dict(op["unsignedTransaction"])
        assert unsigned["from"] == who.address
        del unsigned["from"]
        signed = Account.sign_transaction(unsigned, who.key)
        relayed = who.client.post(
            f"/v1/operations/{op['id']}/signed-transaction",
            json={"signedTransaction": "0x" + bytes(signed.raw_transaction).hex()},
            params={"confirm": "true"},
        )
        assert relayed.status_code == 200, relayed.text
        done = relayed.json()
        assert done["status"] == "Succeeded"
        assert done["txHash"] == "0x" + bytes(signed.hash).hex()
        return done

    def decide(self, api: Api, officer: Participant, did: str, port: str) -> dict[str, Any]:
        typed = officer.client.get(f"/v1/declarations/{did}/decision-typed-data", params={"port": port})
        assert typed.status_code == 200, typed.text
        document = typed.json()
        signature = Account.sign_message(encode_typed_data(full_message=document), officer.key).signature
        message = document["message"]
        body = {
            "version": message["version"],
            "port": port,
            "decision": "APPROVE",
            "signature": "0x" + bytes(signature).hex(),
            "officer": message["officer"],
            "nonce": message["nonce"],
            "deadline": message["deadline"],
            "digest": message["declarationDigest"],
        }
        op = officer.confirmed("POST", f"/v1/declarations/{did}/decisions", body)
        assert op["sender"] == api.runtime.operations.relayer  # relayed: the officer paid no gas
        return op


def mint(api: Api, to: str, amount: int) -> None:
    w3 = api.chain.w3
    token = w3.eth.contract(
        address=Web3.to_checksum_address(api.runtime.contracts.addresses[SETTLEMENT_TOKEN]),
        abi=api.runtime.contracts.abis[SETTLEMENT_TOKEN],
    )
    issuer = api.issuer.address
    tx = token.functions.mint(to, amount, keccak(text="test mint")).build_transaction(
        {"from": issuer, "nonce": w3.eth.get_transaction_count(issuer, "pending")}
    )
    signed = Account.sign_transaction(tx, api.issuer.key)
    assert w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))["status"] == 1


def journey(api: Api, send) -> None:
    body = api.registration(containers=2)
    op = send(api.shipper, "POST", "/v1/shipments", body)
    sid = event(op, "ShipmentRegistered")["shipmentId"]
    api.synced(op["blockNumber"])

    detail = api.shipper.client.get(f"/v1/shipments/{sid}")
    assert detail.status_code == 200, detail.text
    shipment = detail.json()
    assert (shipment["state"], shipment["containerCount"], shipment["originPort"]) == ("REGISTERED", 2, "CNSHK")
    assert [c["number"] for c in shipment["containers"]] == [c["number"] for c in body["containers"]]
    assert api.auditor.client.get(f"/v1/shipments/{sid}").status_code == 200
    assert api.financier.client.get(f"/v1/shipments/{sid}").status_code == 403  # not a party
    listed = api.shipper.client.get("/v1/shipments", params={"port": "CNSHK", "state": "REGISTERED"}).json()
    assert sid in [s["shipmentId"] for s in listed["data"]]

    for index, box in enumerate(body["containers"]):
        send(
            api.shekou_terminal,
            "POST",
            f"/v1/shipments/{sid}/milestones",
            {"milestone": "GTIN", "containerIndex": index, "observedGrossKg": 20_000, "seals": box["seals"]},
        )
    bill = keccak(text=f"bill of lading {sid}")
    send(
        api.shipper,
        "POST",
        f"/v1/shipments/{sid}/documents",
        {"docType": "BILL_OF_LADING", "digest": "0x" + bill.hex()},
    )

    declaration = {
        "shipmentId": sid,
        "digest": "0x" + keccak(text=sid).hex(),
        "hsCodes": ["8504.40", "940360"],
        "customsValue": 125_000,
        "currency": "CNY",
    }
    op = send(api.shipper, "POST", "/v1/declarations", declaration)
    api.synced(op["blockNumber"])
    send.decide(api, api.shekou_customs, sid, "CNSHK")
    op = send.decide(api, api.shunde_customs, sid, "CNSUD")
    assert any(e["event"] == "DeclarationCleared" for e in op["result"]["events"])
    for index in range(2):
        send(
            api.shekou_terminal,
            "POST",
            f"/v1/shipments/{sid}/milestones",
            {"milestone": "LOAD", "containerIndex": index},
        )
    op = send(api.carrier, "POST", f"/v1/shipments/{sid}/milestones", {"milestone": "DEPA"})

    api.synced(op["blockNumber"])
    shipment = api.consignee.client.get(f"/v1/shipments/{sid}").json()
    assert shipment["state"] == "DEPARTED"
    assert [m["milestone"] for m in shipment["milestones"]] == ["GTIN", "GTIN", "LOAD", "LOAD", "DEPA"]
    assert [d["digest"] for d in shipment["documents"]] == ["0x" + bill.hex()]
    verified = api.auditor.client.get(f"/v1/documents/0x{bill.hex()}").json()
    assert (verified["anchored"], verified["latest"]) == (True, True)
    cleared = api.shunde_customs.client.get(f"/v1/declarations/{sid}").json()
    assert cleared["state"] == "CLEARED"
    assert {d["port"] for d in cleared["decisions"]} == {"CNSHK", "CNSUD"}

    # Financing: requested, offered, accepted, funded, released on clearance, repaid.
    op = send(api.shipper, "POST", "/v1/financings", {"shipmentId": sid, "product": "ECOMMERCE"})
    fid = int(event(op, "FinancingRequested")["financingId"])
    now = datetime.now(UTC)
    terms = {
        "amount": AMOUNT,
        "feeBps": FEE_BPS,
        "condition": "CLEARED",
        "fundBy": (now + timedelta(days=1)).isoformat(),
        "releaseBy": (now + timedelta(days=10)).isoformat(),
        "maturity": (now + timedelta(days=90)).isoformat(),
    }
    send(api.financier, "POST", f"/v1/financings/{fid}/offers", terms)
    send(api.shipper, "POST", f"/v1/financings/{fid}/acceptance")
    mint(api, api.financier.address, AMOUNT)
    send(api.financier, "POST", "/v1/settlement-allowances", {"amount": AMOUNT})
    send(api.financier, "POST", f"/v1/financings/{fid}/funding")
    twice = api.shipper.write("POST", "/v1/financings", {"shipmentId": sid, "product": "ECOMMERCE"})
    assert twice.status_code == 409, twice.text
    assert twice.json()["type"] == "/problems/shipment-already-financed"
    assert twice.json()["error"]["args"]["financingId"] == fid  # an id that counts: a number, as in the financing
    send(api.consignee, "POST", f"/v1/financings/{fid}/release")
    op = send(api.shipper, "POST", "/v1/settlement-withdrawals", {})
    assert int(event(op, "Withdrawn")["amount"]) == AMOUNT
    due = amount_due(AMOUNT, FEE_BPS)
    mint(api, api.shipper.address, due - AMOUNT)
    send(api.shipper, "POST", "/v1/settlement-allowances", {"amount": due})
    op = send(api.shipper, "POST", f"/v1/financings/{fid}/repayments", {"amount": due})

    api.synced(op["blockNumber"])
    financing = api.shipper.client.get(f"/v1/financings/{fid}")
    assert financing.status_code == 200, financing.text
    repaid = financing.json()
    assert (repaid["state"], repaid["product"], repaid["condition"]) == ("REPAID", "ECOMMERCE", "CLEARED")
    assert (repaid["financier"], repaid["feeBps"]) == (api.financier.address, FEE_BPS)
    assert (repaid["amount"], repaid["funded"], repaid["released"]) == (str(AMOUNT), str(AMOUNT), str(AMOUNT))
    assert repaid["due"] == repaid["repaid"] == str(due)  # uint128: decimal strings, as the index keeps them
    assert (repaid["outstanding"], repaid["refunded"]) == (None, "0")
    assert repaid["fundedAt"] <= repaid["releasedAt"]
    assert [e["event"] for e in repaid["events"]].count("RepaymentReceived") == 1
    for party in (api.consignee, api.financier, api.auditor):
        listed = party.client.get("/v1/financings", params={"shipment": sid}).json()
        assert [f["financingId"] for f in listed["data"]] == [fid]
    trail = api.auditor.client.get(f"/v1/audit/shipments/{sid}").json()
    names = [e["event"] for e in trail]
    for expected in ("ShipmentRegistered", "DeclarationCleared", "FinancingFunded", "RepaymentReceived"):
        assert expected in names
    assert all(e["transactionHash"].startswith("0x") and e["blockNumber"] > 0 for e in trail)
    assert [(e["blockNumber"], e["logIndex"]) for e in trail] == sorted(
        (e["blockNumber"], e["logIndex"]) for e in trail
    )


def test_a_shipment_from_registration_to_repaid_financing_with_custodial_keys(api):
    journey(api, Custodial())


def test_a_shipment_from_registration_to_repaid_financing_with_wallet_signatures(api):
    journey(api, Wallet())
    time.sleep(0)
