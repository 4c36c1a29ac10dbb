"""Conformance from the outside: schemathesis reads the published DCSA Track & Trace 2.2.0 document itself
(standards/dcsa/tnt_v2.2.0.yaml, not PortLink's own OpenAPI document) and sends what it generates from it, valid
and invalid, to `/v2` of the running API, over indexed vessel calls and shipments. Every answer must be one the
standard declares: no server error, a declared status and content type, the required headers (`Current-Page`),
a body valid against the standard's schema, invalid input refused, undeclared methods answered 405 with `Allow`.

Not checked: that every value the standard's schema admits is accepted (schemathesis' `positive_data_acceptance`).
The schema leaves some values free that the standard gives a meaning: a `cursor` is "a server generated value", a
`sort` names fields, a `callbackUrl` must be reachable over http(s), a secret must be long enough to key HMAC-SHA256
and `API-Version` must be the major version; PortLink answers 400 to a random one (docs/api.md)."""

from __future__ import annotations

import base64

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from tests.api.dcsa import SPEC, flat, ship, validator, voyage

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
]


@pytest.fixture(scope="module")
def published_schema(api):
    """The published document, with events to answer: a voyage with two shipments on its calls, one without."""
    trip = voyage(api, "4101")
    ship(api, trip, booking="BK4101", until="DISC")
    ship(api, None, until="LOAD", declare=False)
    return schemathesis.openapi.from_path(SPEC)


schema = schemathesis.pytest.from_fixture("published_schema")


@schema.parametrize()
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_v2_conforms_to_the_published_specification(case, api):
    case.call_and_validate(
        base_url=api.base_url,
        headers=_headers(api),
        checks=CHECKS,
        excluded_checks=[],
    )


def _headers(api) -> dict[str, str]:
    # API-Version: a conformant client sends the major version or nothing; a random string is refused (400).
    return {"Authorization": api.auditor.client.headers["Authorization"], "API-Version": "2"}


def test_the_answers_to_valid_requests_conform_to_the_published_specification(api, published_schema, spec):
    """What generated requests rarely reach: an event by its id, and a subscription made, read, listed, changed,
    its secret reset and stopped, each answer checked by the same checks against the published document."""

    def call(path: str, method: str, checks=CHECKS, **case):
        made = published_schema[path][method].Case(**case)
        return made.call_and_validate(base_url=api.base_url, headers=_headers(api), checks=checks, excluded_checks=[])

    events = call("/v2/events", "GET", query={"limit": 5}).json()
    assert len(events) == 5
    by_id = spec["paths"]["/v2/events/{eventID}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    for event in events:
        # The body is checked with JSON Schema (which ignores `discriminator`): see the test below.
        unchecked_discriminator = [c for c in CHECKS if c is not response_schema_conformance]
        found = call(
            "/v2/events/{eventID}", "GET", unchecked_discriminator, path_parameters={"eventID": event["eventID"]}
        )
        validator(spec, by_id).validate(found.json())
        assert found.json() == event
    secret = base64.b64encode(bytes(range(32))).decode()
    body = {"callbackUrl": "https://tnt.example.com/callbacks", "secret": secret, "eventType": ["TRANSPORT"]}
    created = call("/v2/event-subscriptions", "POST", body=body, media_type="application/json")
    assert created.status_code == 201
    sid = created.json()["subscriptionID"]
    one = {"path_parameters": {"subscriptionID": sid}}
    assert call("/v2/event-subscriptions/{subscriptionID}", "GET", **one).json() == created.json()
    assert sid in [s["subscriptionID"] for s in call("/v2/event-subscriptions", "GET", query={"limit": 100}).json()]
    change = {"subscriptionID": sid, "callbackUrl": "https://tnt.example.com/v2", "vesselIMONumber": "9321483"}
    changed = call("/v2/event-subscriptions/{subscriptionID}", "PUT", body=change, media_type="application/json", **one)
    assert changed.json() == change
    reset = {"body": {"secret": secret}, "media_type": "application/json"}
    assert call("/v2/event-subscriptions/{subscriptionID}/secret", "PUT", **reset, **one).status_code == 204
    assert call("/v2/event-subscriptions/{subscriptionID}", "DELETE", **one).status_code == 204


def test_the_published_discriminator_of_an_event_by_id_contradicts_its_own_code_list(spec):
    """Why an event by id is checked without schemathesis' discriminator check: `GET /v2/events/{eventID}` (itself
    deprecated) answers `oneOf` the three event schemas with `discriminator: {propertyName: eventType}` and no
    `mapping`, so by OpenAPI's rule the discriminating values are the schema names (`shipmentEvent`, ...), while
    the same schemas allow `eventType` only `SHIPMENT`, `TRANSPORT` or `EQUIPMENT`: no event satisfies both. Events
    follow the code lists, as `GET /v2/events` and the callbacks (no discriminator there) require."""
    answer = spec["components"]["schemas"]["inline_response_200"]
    assert answer["discriminator"] == {"propertyName": "eventType"}
    names = {ref["$ref"].rsplit("/", 1)[-1] for ref in answer["oneOf"]}
    assert names == {"shipmentEvent", "transportEvent", "equipmentEvent"}
    for name, code in (("shipmentEvent", "SHIPMENT"), ("transportEvent", "TRANSPORT"), ("equipmentEvent", "EQUIPMENT")):
        assert flat_event_types(spec, name) == [code]


def flat_event_types(spec, name: str) -> list[str]:
    """The values the standard's schema `name` allows for `eventType`."""
    return flat(spec, {"$ref": f"#/components/schemas/{name}"})["properties"]["eventType"]["enum"]
