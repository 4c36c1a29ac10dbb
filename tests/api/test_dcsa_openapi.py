"""PortLink's own OpenAPI document says about `/v2` what the published DCSA Track & Trace 2.2 document says: the
same operations, parameters (name, place, type, code lists, lengths, formats), request bodies (fields, required
ones), response codes and headers, and response schemas whose every field is the standard's with its type and
constraints. What the standard defines and PortLink never sends is listed here, each with the reason (also in
docs/api.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from portlink.api.app import create_app
from portlink.settings import Settings

from tests.api.dcsa import flat, resolve

#: Fields of the standard's response schemas that PortLink does not send, and why.
NOT_SENT = {
    # Deprecated by the standard itself.
    ("transportEvent", "transportCallID"): "deprecated: the transportCall object carries it",
    ("transportEvent", "eventTypeCode"): "deprecated: transportEventTypeCode",
    ("transportEvent", "vesselScheduleChangeRemark"): "deprecated: changeRemark",
    ("equipmentEvent", "transportCallID"): "deprecated: the transportCall object carries it",
    ("equipmentEvent", "eventTypeCode"): "deprecated: equipmentEventTypeCode",
    ("shipmentEvent", "eventTypeCode"): "deprecated: shipmentEventTypeCode",
    ("shipmentEvent", "shipmentInformationTypeCode"): "deprecated: documentTypeCode",
    ("shipmentEvent", "shipmentID"): "deprecated: documentID",
    # Not recorded on chain.
    ("transportEvent", "delayReasonCode"): "events are actual (ACT): no delays are announced",
    ("transportEvent", "changeRemark"): "events are actual (ACT): no schedule changes are announced",
    ("shipmentEvent", "reason"): "the chain records reason codes as hashes, not text",
    ("transportEvent", "references"): "no shipper or forwarder references are recorded",
    ("shipmentEvent", "references"): "no shipper or forwarder references are recorded",
    ("equipmentEvent", "references"): "no shipper or forwarder references are recorded",
    ("transportEvent", "documentReferences"): "the published enumeration holds 'TRD (Transport Document)', so 'TRD' "
    "would not validate (docs/api.md)",
    ("equipmentEvent", "documentReferences"): "as for transport events",
    ("equipmentEvent", "ISOEquipmentCode"): "container size and type are not recorded",
    ("equipmentEvent", "eventLocation"): "the transport call's UN/LOCODE is the location",
    ("transportCall", "facilityCode"): "terminals are not identified by SMDG/BIC code",
    ("transportCall", "facilityCodeListProvider"): "terminals are not identified by SMDG/BIC code",
    ("transportCall", "otherFacility"): "terminals are not identified",
    ("transportCall", "location"): "the UNLocationCode is the location",
    ("vessel", "vesselFlag"): "carriers record the IMO number and name only",
    ("vessel", "vesselCallSignNumber"): "carriers record the IMO number and name only",
    ("vessel", "vesselOperatorCarrierCode"): "carriers are consortium members, not SCAC/SMDG codes",
    ("vessel", "vesselOperatorCarrierCodeListProvider"): "carriers are consortium members, not SCAC/SMDG codes",
}


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("dcsa-openapi")
    return create_app(Settings(database_url=f"sqlite:///{folder}/db.sqlite")).openapi()


def shape(schema: dict[str, Any]) -> dict[str, Any]:
    """What a value must look like: type, code list, length, format, items (not descriptions, examples, titles)."""
    out: dict[str, Any] = {}
    if "const" in schema:
        out["enum"] = [schema["const"]]
    for key in ("type", "maxLength", "minimum"):
        if key in schema:
            out[key] = schema[key]
    if "enum" in schema:
        out["enum"] = sorted(schema["enum"])
    if schema.get("format") not in (None, "$date-time", "int32"):  # "$date-time": a typo in the standard
        out["format"] = schema["format"]
    if "items" in schema:
        out["items"] = shape(schema["items"])
    if "properties" in schema:
        out["type"] = "object"
    return out


def compare(document_a, a, document_b, b, where: str, problems: list[str], *, response: bool) -> None:
    """Every field of ``b`` (ours) is one of ``a`` (the standard's) with its shape; the standard's fields ours
    lacks are in NOT_SENT (responses) or none (requests); required alike (a response may promise more)."""
    a, b = flat(document_a, a), flat(document_b, b)
    props_a, props_b = a.get("properties", {}), b.get("properties", {})
    for name, sub_b in props_b.items():
        if name not in props_a:
            problems.append(f"{where}.{name}: not in the standard")
            continue
        sub_a = props_a[name]
        if "properties" in sub_a or "properties" in resolve(document_b, sub_b):
            compare(document_a, sub_a, document_b, sub_b, f"{where}.{name}", problems, response=response)
            continue
        if "items" in sub_a and "properties" in flat(document_a, sub_a["items"]):
            compare(
                document_a, sub_a["items"], document_b, sub_b["items"], f"{where}.{name}[]", problems, response=response
            )
            continue
        if shape(sub_a) != shape(flat(document_b, sub_b)):
            problems.append(f"{where}.{name}: {shape(flat(document_b, sub_b))} is not {shape(sub_a)}")
    component = re.split(r"[ .]", where)[-1]
    for name in props_a:
        if name not in props_b and (not response or (component, name) not in NOT_SENT):
            problems.append(f"{where}.{name}: the standard's field is missing")
    required_a, required_b = set(a.get("required", [])), set(b.get("required", []))
    if (response and not required_a <= required_b) or (not response and required_a != required_b):
        problems.append(f"{where}: required {sorted(required_b)}, the standard {sorted(required_a)}")


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method): op
        for path, methods in document["paths"].items()
        if path.startswith("/v2")
        for method, op in methods.items()
    }


def test_the_same_operations(spec, ours):
    assert set(operations(ours)) == set(operations(spec))


def test_the_same_parameters(spec, ours):
    problems = []
    for key, op in operations(spec).items():
        mine = {(p["name"], p["in"]): p for p in operations(ours)[key].get("parameters", [])}
        for p in op.get("parameters", []):
            found = mine.get((p["name"], p["in"]))
            if found is None:
                problems.append(f"{key} {p['name']}: missing")
                continue
            if found.get("required", False) != p.get("required", False):
                problems.append(f"{key} {p['name']}: required {found.get('required')}")
            if shape(flat(spec, p["schema"])) != shape(flat(ours, found["schema"])) and p["in"] != "header":
                theirs = shape(flat(spec, p["schema"]))
                problems.append(f"{key} {p['name']}: {shape(flat(ours, found['schema']))} != {theirs}")
            if p.get("explode") is False and (found.get("style"), found.get("explode")) != ("form", False):
                problems.append(f"{key} {p['name']}: not a comma-separated list")
        extra = set(mine) - {(p["name"], p["in"]) for p in op.get("parameters", [])}
        # The API key (or the console's session), and API-Version, which every /v2 operation takes (the standard
        # forgot it on one).
        credentials = {("authorization", "header"), ("x-api-key", "header"), ("portlink_session", "cookie")}
        assert extra <= {*credentials, ("API-Version", "header")}, extra
    assert problems == []


def test_the_same_request_bodies(spec, ours):
    problems: list[str] = []
    for key, op in operations(spec).items():
        if "requestBody" not in op:
            assert "requestBody" not in operations(ours)[key], key
            continue
        a = op["requestBody"]["content"]["application/json"]["schema"]
        b = operations(ours)[key]["requestBody"]["content"]["application/json"]["schema"]
        compare(spec, a, ours, b, f"{key}", problems, response=False)
    assert problems == []


def test_the_same_responses_headers_and_schemas(spec, ours):
    problems: list[str] = []
    for key, op in operations(spec).items():
        mine = operations(ours)[key]["responses"]
        assert set(mine) == set(op["responses"]), key
        for status, answer in op["responses"].items():
            headers = set(answer.get("headers", {}))
            assert set(mine[status].get("headers", {})) == headers, (key, status)
            for name, header in answer.get("headers", {}).items():
                if "$ref" in header:
                    header = spec["components"]["headers"][header["$ref"].rsplit("/", 1)[-1]]
                assert bool(mine[status]["headers"][name].get("required")) == bool(header.get("required")), name
            if "content" not in answer:
                continue
            a = answer["content"]["application/json"]["schema"]
            b = mine[status]["content"]["application/json"]["schema"]
            a, b = flat(spec, a), flat(ours, b)
            if "items" in a:
                a, b = a["items"], b["items"]
            options_a = a.get("anyOf") or a.get("oneOf") or [a]
            options_b = b.get("anyOf") or b.get("oneOf") or [b]
            assert len(options_a) == len(options_b), key
            by_type = {_event_type(o): o for o in options_b}
            for option in options_a:
                name = _event_type(option)
                compare(
                    spec, option, ours, by_type[name], f"{key} {status} {_component(option)}", problems, response=True
                )
    assert problems == [], "\n".join(problems)


def _event_type(schema: dict[str, Any]) -> str:
    enum = schema.get("properties", {}).get("eventType", {})
    return (enum.get("enum") or [enum.get("const", "")])[0]


def _component(schema: dict[str, Any]) -> str:
    if "httpMethod" in schema.get("properties", {}):
        return "error"
    return {"SHIPMENT": "shipmentEvent", "TRANSPORT": "transportEvent", "EQUIPMENT": "equipmentEvent"}.get(
        _event_type(schema), "subscription"
    )


def test_every_unsent_field_is_one_of_the_standard(spec):
    for component, name in NOT_SENT:
        assert name in flat(spec, {"$ref": f"#/components/schemas/{component}"})["properties"], (component, name)
