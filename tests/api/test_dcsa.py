"""`GET /v2/events` and `GET /v2/events/{eventID}` as DCSA Track & Trace 2.2 specifies them (standards/dcsa): events
that validate against the published schemas, all events of one vessel call under one `transportCallID` with the
vessel and voyage, every query parameter (date-time operators, references, vessel, voyage, service, location,
equipment, codes, limit, cursor, sort), the paging headers, invalid values answered with DCSA's error object, and
who may read what."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.dcsa import IMO, SERVICE, VESSEL, record_call, ship, voyage


@pytest.fixture(scope="module")
def trip(api):
    """Two shipments on one voyage (the first booked, through discharge; the second departed), and a third on no
    recorded call."""
    trip = voyage(api, "2103")
    first = ship(api, trip, booking="ABC709951", until="DISC", spacing=60)
    second = ship(api, trip, until="DEPA", declare=False)
    loose = ship(api, None, until="LOAD", declare=False)
    return {"trip": trip, "first": first, "second": second, "loose": loose}


def get(who, path="/v2/events", status=200, **params):
    response = who.client.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.headers["API-Version"] == "2.2.0"
    return response


def of(api, who=None, **params):
    return get(who or api.auditor, **params).json()


def codes(events):
    return [
        e.get("shipmentEventTypeCode") or e.get("transportEventTypeCode") or e["equipmentEventTypeCode"] for e in events
    ]


# ---------------------------------------------------------------------------------------------------- schemas


@pytest.mark.parametrize("event_type", ["SHIPMENT", "TRANSPORT", "EQUIPMENT"])
def test_every_event_type_validates_against_the_published_schema(api, trip, validators, event_type):
    reference = trip["first"]["transportDocumentReference"]
    events = of(api, eventType=event_type, transportDocumentReference=reference)
    assert events, f"no {event_type} events"
    validators["page"].validate(events)
    for event in events:
        assert event["eventType"] == event_type
        validators[event_type].validate(event)
    expected = {
        "SHIPMENT": ["ISSU", "SUBM", "APPR"],
        "TRANSPORT": ["DEPA", "ARRI"],
        "EQUIPMENT": ["GTIN", "LOAD", "DISC"],
    }[event_type]
    assert codes(events) == expected
    if event_type == "SHIPMENT":
        assert {e["documentTypeCode"] for e in events} == {"TRD", "CUS"}
        assert events[0]["documentID"] == reference
    if event_type == "EQUIPMENT":
        assert {e["equipmentReference"] for e in events} == {trip["first"]["containers"][0]["number"]}
        assert events[0]["seals"] == [
            {"sealNumber": trip["first"]["containers"][0]["seals"][0], "sealSource": "SHI", "sealType": "BLT"}
        ]
        assert all(e["emptyIndicatorCode"] == "LADEN" for e in events)


def test_no_field_is_null(api, trip):
    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                assert v is not None
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(of(api, limit=1000))


# ---------------------------------------------------------------------------------------------------- transport calls


def test_all_events_of_one_call_share_its_transport_call_id_and_carry_vessel_and_voyage(api, trip):
    t = trip["trip"]
    at_shekou = of(api, UNLocationCode="CNSHK", exportVoyageNumber=t.export_voyage)
    assert codes(at_shekou) == ["GTIN", "LOAD", "DEPA", "GTIN", "LOAD", "DEPA"]  # both shipments
    calls = {e["transportCall"]["transportCallID"] for e in at_shekou}
    assert calls == {t.export_call}
    for event in at_shekou:
        call = event["transportCall"]
        assert call["vessel"] == {"vesselIMONumber": IMO, "vesselName": VESSEL}
        assert (call["exportVoyageNumber"], call["carrierVoyageNumber"]) == (t.export_voyage, t.export_voyage)
        assert (call["carrierServiceCode"], call["UNLocationCode"]) == (SERVICE, "CNSHK")
        assert (call["modeOfTransport"], call["facilityTypeCode"], call["transportCallSequenceNumber"]) == (
            "VESSEL",
            "POTE",
            1,
        )
        assert "importVoyageNumber" not in call
    at_shunde = of(api, transportCallID=t.import_call)
    assert codes(at_shunde) == ["ARRI", "DISC"]
    assert {e["transportCall"]["importVoyageNumber"] for e in at_shunde} == {t.export_voyage}
    assert {e["transportCall"]["exportVoyageNumber"] for e in at_shunde} == {t.import_voyage}


def test_a_shipment_on_no_recorded_call_has_one_call_per_port_without_vessel(api, trip):
    loose = trip["loose"]
    events = of(api, transportDocumentReference=loose["transportDocumentReference"], eventType="EQUIPMENT")
    ids = {e["transportCall"]["transportCallID"] for e in events}
    assert ids == {f"{loose['shipmentId']}@CNSHK"}
    assert all("vessel" not in e["transportCall"] for e in events)
    assert codes(of(api, transportCallID=ids.pop())) == ["GTIN", "LOAD"]


def test_a_rollover_moves_the_shipments_events_to_the_new_call(api):
    trip = voyage(api, "2201")
    body = ship(api, trip, until="GTIN", declare=False)
    later = record_call(api, "CNSHK", "2202S")
    api.carrier.confirmed("POST", f"/v1/transport-calls/{later}/shipments", {"shipmentId": body["shipmentId"]})
    api.synced()
    (gate_in,) = of(api, transportDocumentReference=body["transportDocumentReference"], eventType="EQUIPMENT")
    assert gate_in["transportCall"]["transportCallID"] == later
    assert gate_in["transportCall"]["exportVoyageNumber"] == "2202S"
    detail = api.carrier.client.get(f"/v1/transport-calls/{later}").json()
    assert detail["shipments"] == [body["shipmentId"]]


# ---------------------------------------------------------------------------------------------------- filters


def test_each_filter_parameter(api, trip):
    t, first = trip["trip"], trip["first"]
    reference = first["transportDocumentReference"]
    container = first["containers"][0]["number"]
    mine = {"transportDocumentReference": reference}
    assert codes(of(api, **mine)) == ["GTIN", "ISSU", "SUBM", "APPR", "LOAD", "DEPA", "ARRI", "DISC"]
    assert codes(of(api, eventType="SHIPMENT,TRANSPORT", **mine)) == ["ISSU", "SUBM", "APPR", "DEPA", "ARRI"]
    assert codes(of(api, shipmentEventTypeCode="APPR,ISSU", **mine)) == ["ISSU", "APPR"]
    assert codes(of(api, documentTypeCode="CUS", **mine)) == ["SUBM", "APPR"]
    assert codes(of(api, transportEventTypeCode="ARRI", **mine)) == ["ARRI"]
    assert codes(of(api, equipmentEventTypeCode="GTIN,DISC", **mine)) == ["GTIN", "DISC"]
    # The standard's own example: contradicting filters match nothing.
    assert of(api, shipmentEventTypeCode="DRFT", equipmentEventTypeCode="GTIN") == []
    assert codes(of(api, carrierBookingReference="ABC709951")) == codes(of(api, **mine))
    assert codes(of(api, bookingReference="ABC709951")) == codes(of(api, **mine))
    assert of(api, carrierBookingReference="NOSUCHBOOKING") == []
    assert codes(of(api, equipmentReference=container)) == ["GTIN", "LOAD", "DISC"]
    on_vessel = of(api, vesselIMONumber=IMO, **mine)
    assert codes(on_vessel) == ["GTIN", "LOAD", "DEPA", "ARRI", "DISC"]  # shipment events have no vessel
    assert of(api, vesselIMONumber="9074729", **mine) == []
    assert codes(of(api, exportVoyageNumber=t.export_voyage, **mine)) == ["GTIN", "LOAD", "DEPA"]
    assert codes(of(api, carrierVoyageNumber=t.import_voyage, **mine)) == ["ARRI", "DISC"]
    assert codes(of(api, carrierServiceCode=SERVICE, **mine)) == ["GTIN", "LOAD", "DEPA", "ARRI", "DISC"]
    assert of(api, carrierServiceCode="XX1", **mine) == []
    assert codes(of(api, UNLocationCode="CNSUD", **mine)) == ["ARRI", "DISC"]
    assert codes(of(api, transportCallID=t.export_call, **mine)) == ["GTIN", "LOAD", "DEPA"]
    # Deprecated filters on things PortLink does not record match nothing.
    assert of(api, transportDocumentID=str(uuid.uuid4()), **mine) == []
    assert of(api, scheduleID=str(uuid.uuid4()), **mine) == []
    # Values the standard allows but nothing has: an empty list, not an error.
    assert of(api, UNLocationCode="XX", **mine) == []


def test_event_created_date_time_with_each_operator(api, trip):
    reference = trip["first"]["transportDocumentReference"]
    events = of(api, transportDocumentReference=reference)
    times = sorted({e["eventCreatedDateTime"] for e in events})
    assert len(times) >= 3
    middle = times[len(times) // 2]
    at = datetime.fromisoformat(middle.replace("Z", "+00:00"))

    def created(op, when):
        name = "eventCreatedDateTime" + (f":{op}" if op else "")
        found = of(api, transportDocumentReference=reference, **{name: when})
        return sorted({e["eventCreatedDateTime"] for e in found})

    assert created("gte", middle) == [t for t in times if t >= middle]
    assert created("gt", middle) == [t for t in times if t > middle]
    assert created("lte", middle) == [t for t in times if t <= middle]
    assert created("lt", middle) == [t for t in times if t < middle]
    assert created("eq", middle) == [middle]
    assert created(None, middle) == [middle]  # no operator: equal
    # The same instant written in another zone, and with a fraction of a second.
    plus_eight = (at + timedelta(hours=8)).replace(tzinfo=None).isoformat() + "+08:00"
    assert created("eq", plus_eight) == [middle]
    assert created("gt", middle.replace("Z", ".5Z")) == [t for t in times if t > middle]
    # A range: two operators.
    found = of(
        api,
        transportDocumentReference=reference,
        **{"eventCreatedDateTime:gt": times[0], "eventCreatedDateTime:lt": times[-1]},
    )
    assert sorted({e["eventCreatedDateTime"] for e in found}) == times[1:-1]


def test_a_party_sees_its_shipments_and_others_nothing(api, trip):
    reference = trip["first"]["transportDocumentReference"]
    assert codes(of(api, api.consignee, transportDocumentReference=reference)) == codes(
        of(api, transportDocumentReference=reference)
    )
    assert of(api, api.financier, transportDocumentReference=reference) == []
    assert of(api, api.financier) == []


# ---------------------------------------------------------------------------------------------------- paging


def cursor_of(link):
    return parse_qs(urlsplit(link).query)["cursor"][0]


def walk(api, start, header, **params):
    pages, response = [], get(api.auditor, **params, **start)
    while True:
        pages.append([e["eventID"] for e in response.json()])
        assert response.headers["Current-Page"]
        if header not in response.headers:
            return pages, response
        response = get(api.auditor, **params, cursor=cursor_of(response.headers[header]))


def test_paging_forward_backward_first_and_last(api, trip):
    everything = [e["eventID"] for e in of(api, limit=1000)]
    assert len(everything) >= 15
    forward, last_response = walk(api, {}, "Next-Page", limit=3)
    assert [i for page in forward for i in page] == everything
    assert all(len(page) == 3 for page in forward[:-1])
    assert "Last-Page" not in last_response.headers
    assert "Prev-Page" in last_response.headers
    first = get(api.auditor, limit=3)
    assert "Prev-Page" not in first.headers
    assert "First-Page" not in first.headers
    last = get(api.auditor, limit=3, cursor=cursor_of(first.headers["Last-Page"]))
    assert [e["eventID"] for e in last.json()] == everything[-3:]
    backward, _ = walk(api, {"cursor": cursor_of(first.headers["Last-Page"])}, "Prev-Page", limit=3)
    assert [i for page in reversed(backward) for i in page] == everything  # pages never overlap
    second = get(api.auditor, limit=3, cursor=cursor_of(first.headers["Next-Page"]))
    assert second.headers["Current-Page"] == str(second.url)
    first_link = urlsplit(second.headers["First-Page"])
    assert parse_qs(first_link.query) == {"limit": ["3"]}
    assert api.auditor.client.get(f"{first_link.path}?{first_link.query}").json() == first.json()
    assert get(api.auditor, limit=3, cursor=cursor_of(second.headers["Prev-Page"])).json() == first.json()


def test_sort_by_fields_and_direction(api, trip):
    reference = trip["first"]["transportDocumentReference"]
    mine = {"transportDocumentReference": reference}
    newest_first = of(api, sort="eventCreatedDateTime:DESC", **mine)
    times = [e["eventCreatedDateTime"] for e in newest_first]
    assert times == sorted(times, reverse=True)
    by_type = of(api, sort="eventType,eventCreatedDateTime:DESC", **mine)
    types = [e["eventType"] for e in by_type]
    assert types == sorted(types)
    pages, _ = walk(api, {}, "Next-Page", limit=2, sort="eventType:DESC", **mine)
    assert [i for p in pages for i in p] == [e["eventID"] for e in of(api, sort="eventType:DESC", **mine)]


def test_a_cursor_belongs_to_its_query(api, trip):
    first = get(api.auditor, limit=2)
    cursor = cursor_of(first.headers["Next-Page"])
    wrong = get(api.auditor, status=400, limit=2, cursor=cursor, eventType="SHIPMENT").json()
    assert "another query" in wrong["errors"][0]["message"]
    get(api.auditor, status=400, cursor="not-a-cursor")


# ---------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"eventType": "PARCEL"}, "eventType"),
        ({"shipmentEventTypeCode": "ISSUED"}, "shipmentEventTypeCode"),
        ({"equipmentEventTypeCode": "LOAD,FLY"}, "equipmentEventTypeCode"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": str(2**31)}, "limit"),
        ({"eventCreatedDateTime:gte": "yesterday"}, "eventCreatedDateTime"),
        ({"eventCreatedDateTime:after": "2021-04-01T14:12:56+01:00"}, "eventCreatedDateTime:after"),
        ({"eventCreatedDateTime": "2021-04-01"}, "eventCreatedDateTime"),
        ({"UNLocationCode": "CNSHKX"}, "UNLocationCode"),
        ({"vesselIMONumber": "93214830"}, "vesselIMONumber"),
        ({"transportDocumentID": "nope"}, "transportDocumentID"),
        ({"sort": "price:DESC"}, "sort"),
        ({"sort": "eventType:SIDEWAYS"}, "sort"),
        ({"eventTypes": "SHIPMENT"}, "eventTypes"),
    ],
)
def test_invalid_values_are_answered_with_the_dcsa_error_object(api, validators, params, names):
    response = api.auditor.client.get("/v2/events", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["API-Version"] == "2.2.0"
    body = response.json()
    validators["error"].validate(body)
    assert (body["statusCode"], body["statusCodeText"], body["httpMethod"]) == (400, "Bad Request", "GET")
    assert names in body["errors"][0]["message"]


def test_api_version_header_must_be_the_major_version(api):
    assert api.auditor.client.get("/v2/events", headers={"API-Version": "2"}, params={"limit": 1}).status_code == 200
    wrong = api.auditor.client.get("/v2/events", headers={"API-Version": "1"})
    assert wrong.status_code == 400
    assert "API-Version" in wrong.json()["errors"][0]["message"]


def test_unauthenticated_and_unknown_routes_answer_the_dcsa_error_object(api, validators):
    import httpx

    with httpx.Client(base_url=api.base_url) as anonymous:
        response = anonymous.get("/v2/events")
    assert response.status_code == 401
    validators["error"].validate(response.json())
    response = api.auditor.client.post("/v2/events", json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    validators["error"].validate(response.json())


# ---------------------------------------------------------------------------------------------------- by id


def test_one_event_by_its_id(api, trip, validators, spec):
    events = of(api, transportDocumentReference=trip["first"]["transportDocumentReference"])
    for event in events:
        found = get(api.consignee, f"/v2/events/{event['eventID']}").json()
        assert found == event
    schema = spec["paths"]["/v2/events/{eventID}"]["get"]["responses"]["200"]["content"]["application/json"]
    from tests.api.dcsa import validator

    validator(spec, schema["schema"]).validate(events[0])
    get(api.financier, f"/v2/events/{events[0]['eventID']}", status=404)  # not a party: as if there were none
    missing = get(api.auditor, f"/v2/events/{uuid.uuid4()}", status=404).json()
    validators["error"].validate(missing)
    get(api.auditor, "/v2/events/not-a-uuid", status=400)
