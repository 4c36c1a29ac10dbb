"""The carrier's bill-of-lading attestation over HTTP: the carrier has its custodial key sign (or signs the typed
data in its wallet), the shipper registers with it; an attestation of anything else, for anyone else, by anyone
else or past its deadline is refused, before any transaction when the backend can tell and by the chain when only
the chain can."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data

from tests.api.conftest import Api
from tests.api.test_problems import assert_problem


def bill_of(body: dict[str, Any], shipper: str, **extra: Any) -> dict[str, Any]:
    """What the carrier attests for registration ``body``."""
    return {
        "transportDocumentReference": body["transportDocumentReference"],
        "shipper": shipper,
        "consignee": body["consignee"],
        "originPort": body["originPort"],
        "destinationPort": body["destinationPort"],
        "containers": [c["number"] for c in body["containers"]],
        **extra,
    }


def test_the_carriers_custodial_attestation_registers_the_shipment(api: Api):
    body = api.registration(containers=2)
    response = api.carrier.client.post("/v1/bills-of-lading/attestations", json=bill_of(body, api.shipper.address))
    assert response.status_code == 200, response.text
    attestation = response.json()
    assert attestation["carrier"] == api.carrier.address
    assert attestation["shipper"] == api.shipper.address
    typed = attestation["typedData"]
    assert typed["primaryType"] == "BillOfLading"
    assert typed["domain"]["name"] == "PortLink Shipment Registry"
    assert typed["message"]["transportDocumentReference"] == body["transportDocumentReference"]
    signer = Account.recover_message(encode_typed_data(full_message=typed), signature=attestation["signature"])
    assert signer == api.carrier.address

    body["carrierAttestation"] = {"deadline": attestation["deadline"], "signature": attestation["signature"]}
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    assert registered["args"]["carrier"] == api.carrier.address


def test_the_typed_data_is_what_the_carriers_wallet_signs(api: Api):
    body = api.registration()
    deadline = body["carrierAttestation"]["deadline"]
    request = bill_of(body, api.shipper.address, deadline=deadline)
    typed = api.carrier.client.post("/v1/bills-of-lading/typed-data", json=request)
    assert typed.status_code == 200, typed.text
    signed = Account.sign_message(encode_typed_data(full_message=typed.json()), api.carrier.key)
    # A wallet signs deterministically (RFC 6979): the same signature the test's carrier made for this body.
    assert "0x" + bytes(signed.signature).hex() == body["carrierAttestation"]["signature"]
    # Spelled as a person types it, the same bill: the reference and container numbers normalised.
    loose = {**request, "transportDocumentReference": request["transportDocumentReference"].lower()}
    again = api.carrier.client.post("/v1/bills-of-lading/typed-data", json=loose)
    assert again.json()["message"] == typed.json()["message"]


def test_only_the_carrier_named_may_attest(api: Api):
    body = api.registration()
    request = bill_of(body, api.shipper.address, carrier=api.carrier.address)
    response = api.shipper.client.post("/v1/bills-of-lading/attestations", json=request)
    problem = assert_problem(response, 403, "/problems/forbidden")
    assert "only the carrier" in problem["detail"]


def test_a_bad_bill_is_a_problem_naming_the_field(api: Api):
    body = api.registration()
    bad = {**bill_of(body, api.shipper.address), "containers": ["CSQU3054384"]}  # wrong check digit
    assert_problem(
        api.carrier.client.post("/v1/bills-of-lading/typed-data", json=bad),
        422,
        "/problems/invalid-input",
        "body.containers.0",
    )
    unknown = {**bill_of(body, api.shipper.address), "surprise": 1}
    assert_problem(
        api.carrier.client.post("/v1/bills-of-lading/attestations", json=unknown), 422, "/problems/invalid-input"
    )


def test_a_registration_without_the_attestation_is_refused(api: Api):
    body = api.registration()
    del body["carrierAttestation"]
    assert_problem(
        api.shipper.write("POST", "/v1/shipments", body), 422, "/problems/invalid-input", "body.carrierAttestation"
    )


def test_an_attestation_of_other_containers_is_refused_before_any_transaction(api: Api):
    body = api.registration(containers=2)
    body["containers"].reverse()  # the same boxes in another order: another list than the carrier attested
    problem = assert_problem(
        api.shipper.write("POST", "/v1/shipments", body),
        422,
        "/problems/invalid-input",
        "body.carrierAttestation.signature",
    )
    assert f"not the carrier {api.carrier.address}" in problem["detail"]
    assert "operation" not in problem


def test_an_attestation_for_another_shipper_cannot_be_used(api: Api):
    # The carrier issued the B/L to the consignee (say, the buyer ships it): the shipper cannot take it.
    body = api.registration(shipper=api.consignee.address)
    assert_problem(
        api.shipper.write("POST", "/v1/shipments", body),
        422,
        "/problems/invalid-input",
        "body.carrierAttestation.signature",
    )
    garbage = {**body, "carrierAttestation": {"deadline": 2**40, "signature": "0x" + "00" * 65}}
    problem = assert_problem(api.shipper.write("POST", "/v1/shipments", garbage), 422, "/problems/invalid-input")
    assert "does not recover" in problem["detail"]


def test_an_expired_attestation_is_the_chains_named_error(api: Api):
    body = api.registration()
    body["carrierAttestation"] = api.attestation(body, deadline=1_000_000)  # 1970: long past on any chain clock
    response = api.shipper.write("POST", "/v1/shipments", body)
    problem = assert_problem(response, response.status_code, "/problems/shipment-expired-attestation")
    assert problem["error"]["name"] == "ShipmentExpiredAttestation"
    assert problem["error"]["contract"] == "ShipmentRegistry"
