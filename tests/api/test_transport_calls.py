"""`/v1/transport-calls` and shipment bookings over HTTP: a carrier records a vessel call and assigns its shipments
to it; calls are listed and read (the shipments on a call only by those who may read them); bad input is a 422
naming the field before anything is sent, and the chain's refusals are their problem types."""

from __future__ import annotations

from tests.api.dcsa import IMO, op_event, record_call, ship


def test_a_carrier_records_a_call_and_members_read_it(api):
    op = api.carrier.confirmed(
        "POST",
        "/v1/transport-calls",
        {
            "vesselIMONumber": "IMO 9321483",
            "vesselName": "KING OF THE SEAS",
            "port": "cnsud",
            "transportCallSequenceNumber": 2,
            "carrierServiceCode": "fe1",
            "exportVoyageNumber": "2104n",
            "importVoyageNumber": "2103S",
        },
    )
    recorded = op_event(op, "TransportCallRecorded")
    assert (recorded["vesselIMONumber"], recorded["exportVoyageNumber"]) == (9321483, "2104N")
    call_id = recorded["callId"]
    body = ship(api, None, until="GTIN", declare=False)
    api.carrier.confirmed("POST", f"/v1/transport-calls/{call_id}/shipments", {"shipmentId": body["shipmentId"]})
    api.synced()
    call = api.financier.client.get(f"/v1/transport-calls/{call_id}").json()
    assert call["vesselImoNumber"] == IMO
    assert (call["port"], call["sequenceNumber"], call["carrierServiceCode"]) == ("CNSUD", 2, "FE1")
    assert (call["exportVoyageNumber"], call["importVoyageNumber"]) == ("2104N", "2103S")
    assert call["shipments"] == []  # the financier is no party of the shipment
    assert api.consignee.client.get(f"/v1/transport-calls/{call_id}").json()["shipments"] == [body["shipmentId"]]
    listed = api.shipper.client.get("/v1/transport-calls", params={"vessel": IMO, "port": "CNSUD", "voyage": "2103S"})
    assert [c["callId"] for c in listed.json()["data"]] == [call_id]
    assert api.shipper.client.get("/v1/transport-calls", params={"voyage": "NOSUCH"}).json()["data"] == []
    assert api.shipper.client.get(f"/v1/transport-calls/0x{'00' * 32}").status_code == 404


def test_bad_input_is_named_before_anything_is_sent(api):
    body = {"vesselIMONumber": "9321484", "port": "CNSHK", "exportVoyageNumber": "2103S"}
    response = api.carrier.write("POST", "/v1/transport-calls", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.vesselIMONumber"
    assert "check digit should be 3" in response.json()["errors"][0]["message"]
    response = api.carrier.write("POST", "/v1/transport-calls", {**body, "vesselIMONumber": "9321483", "port": "HKHKG"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.port"
    response = api.carrier.write("POST", f"/v1/shipments/0x{'ab' * 32}/booking", {"carrierBookingReference": "B" * 36})
    assert response.status_code == 422


def test_the_chains_refusals_are_their_problem_types(api):
    body = {"vesselIMONumber": IMO, "port": "CNSHK", "exportVoyageNumber": "2109S"}
    refused = api.shipper.write("POST", "/v1/transport-calls", body, confirm="true")
    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/transport-call-unauthorized"
    shipment = ship(api, None, until="GTIN", declare=False)
    booking = f"/v1/shipments/{shipment['shipmentId']}/booking"
    api.carrier.confirmed("POST", booking, {"carrierBookingReference": "BK-2109"})
    again = api.carrier.write("POST", booking, {"carrierBookingReference": "BK2110"}, confirm="true")
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/transport-call-booking-already-recorded"
    elsewhere = record_call(api, "CNSHK", "2109S")
    api.carrier.confirmed("POST", f"/v1/transport-calls/{elsewhere}/shipments", {"shipmentId": shipment["shipmentId"]})
    twice = api.carrier.write(
        "POST", f"/v1/transport-calls/{elsewhere}/shipments", {"shipmentId": shipment["shipmentId"]}, confirm="true"
    )
    assert twice.status_code == 409
    assert twice.json()["type"] == "/problems/transport-call-already-assigned"
