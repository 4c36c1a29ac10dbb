"""Bad input is a 4xx RFC 9457 problem naming the field; refused transactions map to stable problem types."""

from __future__ import annotations

import json
import time

import pytest

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, type_: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == type_
    assert body["status"] == status
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def _container(api, number):
    body = api.registration()
    body["containers"][0]["number"] = number
    return body


def _port(api, port):
    body = api.registration()
    body["destinationPort"] = port
    return body


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (lambda api: _container(api, "CSQU3054384"), "body.containers.0.number", "check digit should be 3"),
        (lambda api: _container(api, "CSQ3054383"), "body.containers.0.number", "ISO 6346"),
        (lambda api: _port(api, "CNSH1"), "body.destinationPort", "UN/LOCODE"),
        (lambda api: _port(api, "HKHKG"), "body.destinationPort", "not a consortium port"),
        (lambda api: {**api.registration(), "consignee": "0x123"}, "body.consignee", "not an Ethereum address"),
        (lambda api: {**api.registration(), "documentsDigest": "0x12"}, "body.documentsDigest", "32 bytes"),
        (lambda api: {**api.registration(), "containers": []}, "body.containers", "at least 1"),
        (lambda api: {**api.registration(), "surprise": 1}, "body.surprise", "Extra inputs"),
    ],
    ids=[
        "iso6346-check-digit",
        "iso6346-shape",
        "unlocode-shape",
        "unlocode-unknown",
        "address",
        "digest",
        "no-containers",
        "unknown-field",
    ],
)
def test_bad_registration_is_a_problem_naming_the_field(api, change, field, words):
    response = api.shipper.write("POST", "/v1/shipments", change(api))
    body = assert_problem(response, 422, "/problems/invalid-input", field)
    assert words in str(body["errors"])


@pytest.mark.parametrize(
    ("codes", "words"),
    [(["7701.00"], "chapter 77"), (["85044"], "not 6 digits"), (["8504401000"], "national code")],
    ids=["reserved-chapter", "five-digits", "national-code"],
)
def test_bad_hs_code_is_a_problem_naming_the_field(api, codes, words):
    body = {
        "shipmentId": "0x" + "11" * 32,
        "digest": "0x" + "22" * 32,
        "hsCodes": codes,
        "customsValue": 1,
        "currency": "CNY",
    }
    problem = assert_problem(
        api.shipper.write("POST", "/v1/declarations", body), 422, "/problems/invalid-input", "body.hsCodes.0"
    )
    assert words in str(problem["errors"])


@pytest.mark.parametrize(
    "signature",
    ["0x1234", "0x" + "zz" * 65, "0x" + "00" * 65],
    ids=["short", "not-hex", "unrecoverable"],
)
def test_malformed_signature_is_a_problem_naming_the_field(api, signature):
    body = {
        "version": 1,
        "port": "CNSHK",
        "decision": "APPROVE",
        "signature": signature,
        "officer": api.shekou_customs.address,
        "nonce": 0,
        "deadline": 2**40,
        "digest": "0x" + "22" * 32,
    }
    response = api.shekou_customs.write("POST", f"/v1/declarations/0x{'33' * 32}/decisions", body)
    assert_problem(response, 422, "/problems/invalid-input", "body.signature")


def test_a_signature_by_someone_else_is_refused_before_anything_is_sent(api):
    from eth_account import Account
    from eth_account.messages import encode_defunct

    wrong = Account.sign_message(encode_defunct(text="not a decision"), api.shipper.key).signature
    body = {
        "version": 1,
        "port": "CNSHK",
        "decision": "APPROVE",
        "signature": "0x" + bytes(wrong).hex(),
        "officer": api.shekou_customs.address,
        "nonce": 0,
        "deadline": 2**40,
        "digest": "0x" + "22" * 32,
    }
    response = api.shekou_customs.write("POST", f"/v1/declarations/0x{'33' * 32}/decisions", body)
    problem = assert_problem(response, 422, "/problems/invalid-input", "body.signature")
    assert "not the officer" in problem["detail"]


def test_an_oversized_body_is_a_413_problem(api):
    body = api.registration()
    body["padding"] = "x" * 70_000
    assert_problem(api.shipper.write("POST", "/v1/shipments", body), 413, "/problems/body-too-large")


def test_a_streamed_oversized_body_is_a_413_problem(api):
    def chunks():
        for _ in range(40):
            yield b"x" * 4096

    response = api.shipper.client.post("/v1/shipments", content=chunks(), headers={"Idempotency-Key": "big"})
    assert_problem(response, 413, "/problems/body-too-large")


def test_a_body_that_is_not_text_is_a_400_problem(api):
    response = api.shipper.client.post(
        "/v1/shipments",
        content=b".!\x80 not UTF-8",
        headers={"Idempotency-Key": "x", "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "/problems/malformed-body")


def test_writes_need_an_idempotency_key(api):
    response = api.shipper.client.post("/v1/shipments", json=api.registration())
    assert_problem(response, 422, "/problems/invalid-input", "header.Idempotency-Key")


def test_no_or_a_wrong_api_key_is_a_401_problem(api):
    import httpx

    with httpx.Client(base_url=api.base_url) as anonymous:
        assert_problem(anonymous.get("/v1/shipments"), 401, "/problems/unauthenticated")
        wrong = anonymous.get("/v1/shipments", headers={"Authorization": "Bearer plk_0000_nope"})
        assert_problem(wrong, 401, "/problems/unauthenticated")


def test_unknown_routes_and_resources_are_404_problems(api):
    assert_problem(api.shipper.client.get("/v1/nothing-here"), 404, "/problems/not-found")
    assert_problem(api.shipper.client.get(f"/v1/shipments/0x{'00' * 32}"), 404, "/problems/not-found")
    assert_problem(api.shipper.client.get("/v1/ports/HKHKG"), 404, "/problems/not-found")


def test_a_refused_transaction_maps_its_custom_error_to_a_stable_problem_type(api):
    body = api.registration()
    api.shipper.confirmed("POST", "/v1/shipments", body)
    again = api.shipper.write("POST", "/v1/shipments", body)
    problem = assert_problem(again, 409, "/problems/shipment-already-registered")
    assert problem["error"]["name"] == "ShipmentAlreadyRegistered"
    operation = api.shipper.client.get(f"/v1/operations/{problem['operation']}").json()
    assert operation["status"] == "Failed"
    assert operation["nonce"] is None  # refused in simulation: no nonce spent


def test_a_caller_without_the_role_gets_the_contracts_authorisation_problem(api):
    response = api.consignee.write("POST", "/v1/shipments", api.registration())
    problem = assert_problem(response, 403, "/problems/shipment-unauthorized")
    assert problem["error"]["contract"] == "ShipmentRegistry"


def test_every_response_code_is_declared_in_openapi(api):
    import httpx

    with httpx.Client(base_url=api.base_url) as anonymous:
        spec = anonymous.get("/openapi.json").json()
        assert anonymous.get("/docs").status_code == 200
    assert spec["openapi"].startswith("3.1")
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            declared = set(operation["responses"])
            if path.startswith("/v2/"):  # DCSA: every error is the standard's `default` error object
                assert "default" in declared, (method, path)
                continue
            assert {"400", "422", "500"} <= declared, (method, path)
            answers = ("/v1/documents/verifications", "/v1/session", "/v1/session/nonce", "/v1/bills-of-lading/")
            if method == "post" and path == "/v1/alert-subscriptions":  # not a chain write: no operation
                assert {"201", "401", "413"} <= declared, (method, path)
            # every other POST is a write (an operation), except verifying an upload, signing in to the console and
            # a carrier's bill-of-lading attestation (a signature, not a transaction)
            elif method == "post" and not path.startswith(answers):
                assert {"202", "401", "409", "413"} <= declared, (method, path)


def _operations(api) -> int:
    return len(api.shipper.client.get("/v1/operations").json())


@pytest.mark.parametrize(
    ("content", "content_type", "status", "type_", "words"),
    [
        (b'{"consignee": "0x', "application/json", 400, "/problems/malformed-body", "not valid JSON"),
        (b"", "application/json", 422, "/problems/invalid-input", "required"),
        (b"consignee=0x1", "application/x-www-form-urlencoded", 415, "/problems/unsupported-media-type", "JSON"),
        (b'{"a": 1}', "text/plain", 415, "/problems/unsupported-media-type", "text/plain"),
        (b'{"a": 1}', None, 415, "/problems/unsupported-media-type", "no declared type"),
        (b'{"a": NaN}', "application/json", 400, "/problems/malformed-body", "NaN is not a JSON number"),
    ],
    ids=["truncated", "empty", "form", "text-plain", "no-content-type", "nan"],
)
def test_a_body_that_is_not_one_json_document_is_refused_and_changes_nothing(
    api, content, content_type, status, type_, words
):
    before = _operations(api)
    headers = {"Idempotency-Key": f"bad-body-{status}-{time.monotonic_ns()}"}
    if content_type:
        headers["Content-Type"] = content_type
    response = api.shipper.client.post("/v1/shipments", content=content, headers=headers)
    problem = assert_problem(response, status, type_)
    assert words in problem["detail"]
    assert problem["instance"] == "/v1/shipments"
    assert _operations(api) == before


def test_a_key_twice_in_one_object_is_refused_naming_it(api):
    body = json.dumps(api.registration())[:-1] + ', "carrier": "0x0000000000000000000000000000000000000001"}'
    before = _operations(api)
    response = api.shipper.client.post(
        "/v1/shipments", content=body, headers={"Idempotency-Key": "dup", "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 400, "/problems/malformed-body", "body.carrier")
    assert "the key 'carrier' appears twice" in problem["detail"]
    assert _operations(api) == before


def test_every_problem_names_its_instance_and_has_a_sentence_for_a_title(api):
    import httpx

    with httpx.Client(base_url=api.base_url) as anonymous:
        problems = [
            anonymous.get("/v1/shipments"),  # 401
            api.shipper.client.get("/v1/nothing-here"),  # 404 route
            api.shipper.client.get(f"/v1/shipments/0x{'00' * 32}"),  # 404 resource
            api.shipper.client.get("/v1/shipments?limit=0"),  # 422
            api.shipper.client.delete("/v1/shipments"),  # 405
            api.consignee.write("POST", "/v1/shipments", api.registration()),  # 403 from the contract
        ]
    for response in problems:
        problem = response.json()
        assert response.headers["content-type"].startswith(PROBLEM)
        assert problem["instance"].startswith("/v1/"), problem
        title = problem["title"]
        assert title[0].isupper(), problem
        assert " " in title, f"{title!r} is a word, not a sentence"
        assert not any(word in title for word in ("Unauthorized", "Conflict", "Forbidden")), title
    refused = problems[-1].json()
    assert refused["instance"] == f"/v1/operations/{refused['operation']}"


def test_a_refused_transaction_has_the_contracts_sentence_as_title_and_keeps_its_error_name(api):
    body = api.registration()
    api.shipper.confirmed("POST", "/v1/shipments", body)
    problem = assert_problem(
        api.shipper.write("POST", "/v1/shipments", body), 409, "/problems/shipment-already-registered"
    )
    assert problem["title"] == "This carrier's transport document is already registered (business keys never repeat)"
    assert problem["error"]["name"] == "ShipmentAlreadyRegistered"
    assert problem["error"]["contract"] == "ShipmentRegistry"
    assert problem["instance"] == f"/v1/operations/{problem['operation']}"
    operation = api.shipper.client.get(f"/v1/operations/{problem['operation']}").json()
    assert operation["error"]["title"] == problem["title"]
    assert operation["error"]["instance"] == problem["instance"]
